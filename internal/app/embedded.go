package app

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"

	defaultrules "github.com/peregrine-sec/peregrine/rules"
)

// loadEmbeddedRules loads peregrine's default rules files, in name order.
func (r *runner) loadEmbeddedRules() error {
	names, err := fs.Glob(defaultrules.Files, "*.yaml")
	if err != nil {
		return fmt.Errorf("listing the default rules: %w", err)
	}
	sort.Strings(names)
	for _, n := range names {
		content, err := defaultrules.Files.ReadFile(n)
		if err != nil {
			return fmt.Errorf("reading the default rules %s: %w", n, err)
		}
		res := r.loader.LoadContent("default/"+n, content)
		if !res.Successful {
			return errors.New(res.String())
		}
	}
	return nil
}
