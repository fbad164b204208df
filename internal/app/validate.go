package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/rules"
)

// validate loads the -V files one after the other into one engine and prints
// the result as Falco does: the JSON report ({"falco_load_results": [...]}) as
// the first stdout line when json_output is on, otherwise one summary per file.
// Warnings go to stderr only.
func (r *runner) validate() error {
	r.loader = r.newLoader()
	var (
		reports    []json.RawMessage
		summary    []string
		successful = true
	)
	for _, file := range r.o.Validate {
		res := r.loader.LoadFile(file)
		if req := r.loader.CheckPluginRequirements(r.pluginVersions()); !req.Successful {
			return errors.New(req.String())
		}
		successful = successful && res.Successful
		if r.cfg.JSONOutput {
			b, err := res.JSON()
			if err != nil {
				return fmt.Errorf("encoding the validation result of %s: %w", file, err)
			}
			reports = append(reports, b)
		}
		switch {
		case !res.Successful || len(res.Warnings) == 0:
			summary = append(summary, res.String())
		default:
			summary = append(summary, file+": Ok, with warnings")
			if r.o.Verbose {
				fmt.Fprintln(r.o.Stderr, res.String())
			}
		}
	}
	if r.cfg.JSONOutput {
		b, err := json.Marshal(map[string][]json.RawMessage{"falco_load_results": reports})
		if err != nil {
			return err
		}
		fmt.Fprintln(r.o.Stdout, string(b))
	} else {
		fmt.Fprintln(r.o.Stdout, strings.Join(summary, "\n"))
	}
	if !successful {
		return errors.New(strings.Join(summary, "\n"))
	}
	if r.o.DescribeAll || r.o.DescribeRule != "" {
		r.rules = r.loader.Rules()
		return r.describe()
	}
	return errExit
}

// describe prints the loaded rules (-L) or one rule (-l NAME).
func (r *runner) describe() error {
	var list []*rules.Rule
	for _, rl := range r.rules {
		if r.o.DescribeRule == "" || rl.Name == r.o.DescribeRule {
			list = append(list, rl)
		}
	}
	if r.o.DescribeRule != "" && len(list) == 0 {
		return fmt.Errorf("rule %q is not loaded", r.o.DescribeRule)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Index < list[j].Index })
	w := r.o.Stdout
	if r.cfg.JSONOutput {
		type desc struct {
			Name        string   `json:"name"`
			Description string   `json:"description"`
			Condition   string   `json:"condition"`
			Output      string   `json:"output"`
			Priority    string   `json:"priority"`
			Source      string   `json:"source"`
			Tags        []string `json:"tags"`
			Enabled     bool     `json:"enabled"`
		}
		out := []desc{}
		for _, rl := range list {
			out = append(out, desc{rl.Name, rl.Desc, rl.Condition, rl.Output, rl.Priority.String(), rl.Source, rl.Tags, rl.Enabled})
		}
		b, err := json.Marshal(map[string]any{"rules": out})
		if err != nil {
			return err
		}
		fmt.Fprintln(w, string(b))
		return errExit
	}
	if r.o.NamesOnly {
		for _, rl := range list {
			fmt.Fprintln(w, rl.Name)
		}
		return errExit
	}
	fmt.Fprintf(w, "%-50s %s\n%-50s %s\n", "Rule", "Description", "----", "-----------")
	for _, rl := range list {
		fmt.Fprintf(w, "%-50s %s\n\n", rl.Name, strings.Join(strings.Fields(rl.Desc), " "))
	}
	return errExit
}
