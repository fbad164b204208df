package rules

import (
	"path"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/alert"
)

// SelectionEntry is one entry of the configuration's `rules:` list: enable or
// disable rules by name (wildcards allowed) or by tag.
type SelectionEntry struct {
	Enable bool
	Rule   string
	Tag    string
}

// Selection decides which loaded rules run, with Falco's semantics.
type Selection struct {
	// MinPriority disables rules less severe than it.
	MinPriority alert.Priority
	// RunTags (-t): only rules with at least one of these tags run.
	RunTags []string
	// DisableTags (-T): rules with any of these tags are disabled.
	DisableTags []string
	// DisableRules (-D): rules whose name contains one of these strings are disabled.
	DisableRules []string
	// Config is the configuration's rules: list, applied in order; it wins over
	// the enabled: values of the files.
	Config []SelectionEntry
}

// Apply sets Enabled on each rule.
func (s Selection) Apply(list []*Rule) {
	for _, r := range list {
		for _, e := range s.Config {
			if (e.Rule != "" && wildcard(e.Rule, r.Name)) || (e.Tag != "" && hasTag(r, e.Tag)) {
				r.Enabled = e.Enable
			}
		}
		if len(s.RunTags) > 0 {
			on := false
			for _, t := range s.RunTags {
				on = on || hasTag(r, t)
			}
			r.Enabled = r.Enabled && on
		}
		for _, t := range s.DisableTags {
			if hasTag(r, t) {
				r.Enabled = false
			}
		}
		for _, d := range s.DisableRules {
			if strings.Contains(r.Name, d) {
				r.Enabled = false
			}
		}
		if !r.Priority.AtLeast(s.MinPriority) {
			r.Enabled = false
		}
	}
}

func hasTag(r *Rule, tag string) bool {
	for _, t := range r.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// wildcard matches a rule name against a pattern where * matches anything.
func wildcard(pattern, name string) bool {
	if !strings.ContainsAny(pattern, "*?[") {
		return pattern == name
	}
	ok, err := path.Match(strings.ReplaceAll(pattern, "/", "\x00"), strings.ReplaceAll(name, "/", "\x00"))
	return err == nil && ok
}
