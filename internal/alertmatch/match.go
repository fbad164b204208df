// Package alertmatch selects alerts: by minimum priority, rule names or
// globs, tags, sources, output field values, and a condition in the rules
// language over the alert's output fields (k8s.ns.name in (tenant-a),
// ka.response.code >= 400, alert.rule startswith "Privileged"). The alert
// router and the responder both match alerts with it.
package alertmatch

import (
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/condition"
	"github.com/peregrine-sec/peregrine/internal/engine"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/rules"
)

// Spec is one match specification as written in YAML. Every part that is set
// must hold; an empty Spec matches every alert.
type Spec struct {
	// Rules are rule names or globs (* and ?); any must match.
	Rules []string `yaml:"rules"`
	// Priority is the minimum priority (e.g. warning): alerts at least as severe match.
	Priority string `yaml:"priority"`
	// Tags: the alert must carry at least one of them.
	Tags []string `yaml:"tags"`
	// Sources are event sources (k8s_audit, syscall...); any must match.
	Sources []string `yaml:"sources"`
	// Fields are output fields that must have exactly these values.
	Fields map[string]string `yaml:"fields"`
	// Condition is a condition in the rules language over output fields and
	// alert.rule, alert.priority, alert.source, alert.tags, alert.hostname.
	Condition string `yaml:"condition"`
}

// Set is a compiled list of specs. It is safe for concurrent use.
type Set struct {
	specs    []compiled
	rs       *engine.RuleSet
	matchers sync.Pool
}

type compiled struct {
	rules    []string
	priority alert.Priority
	tags     map[string]bool
	sources  map[string]bool
	fields   map[string]string
	cond     bool // has a condition (evaluated through the rule set)
}

// Compile checks and compiles specs against the fields of the given sources
// (the field tables of every event source alerts can come from). Errors name
// the spec by its position and say what is wrong.
func Compile(specs []Spec, names []string, sources ...*field.Table) (*Set, error) {
	eng := engine.New(engine.Source{Name: SourceName, Fields: fieldTable(sources...)})
	s := &Set{}
	var condRules []*rules.Rule
	for i, sp := range specs {
		what := fmt.Sprintf("match %d", i+1)
		if i < len(names) && names[i] != "" {
			what = names[i]
		}
		c := compiled{rules: sp.Rules, priority: alert.Debug, fields: sp.Fields}
		for _, g := range sp.Rules {
			if _, err := path.Match(g, ""); err != nil {
				return nil, fmt.Errorf("%s: bad rule glob %q: %w", what, g, err)
			}
		}
		if sp.Priority != "" {
			p, err := alert.ParsePriority(sp.Priority)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			c.priority = p
		}
		if len(sp.Tags) > 0 {
			c.tags = setOf(sp.Tags)
		}
		if len(sp.Sources) > 0 {
			c.sources = setOf(sp.Sources)
		}
		if strings.TrimSpace(sp.Condition) != "" {
			expr, err := condition.Parse(sp.Condition)
			if err != nil {
				return nil, fmt.Errorf("%s: condition: %w", what, err)
			}
			f, _, err := eng.CompileCondition(SourceName, expr)
			if err != nil {
				return nil, fmt.Errorf("%s: condition: %w", what, err)
			}
			c.cond = true
			condRules = append(condRules, &rules.Rule{Name: what, Source: SourceName, Enabled: true, Expr: expr,
				Filter: f, Index: i, Condition: sp.Condition})
		}
		s.specs = append(s.specs, c)
	}
	rs, err := eng.NewRuleSet(SourceName, condRules, engine.MatchAll)
	if err != nil {
		return nil, err
	}
	s.rs = rs
	s.matchers.New = func() any { return rs.NewMatcher() }
	return s, nil
}

func setOf(items []string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

// Len returns the number of specs.
func (s *Set) Len() int { return len(s.specs) }

// Match appends to dst the positions of the specs that match a, in order.
func (s *Set) Match(a *alert.Alert, dst []int) []int {
	var condOK map[int]bool
	for i, c := range s.specs {
		if !c.static(a) {
			continue
		}
		if c.cond {
			if condOK == nil {
				condOK = s.conditions(a)
			}
			if !condOK[i] {
				continue
			}
		}
		dst = append(dst, i)
	}
	return dst
}

// conditions evaluates every spec condition once and returns those that hold.
func (s *Set) conditions(a *alert.Alert) map[int]bool {
	m := s.matchers.Get().(*engine.Matcher)
	defer s.matchers.Put(m)
	ev := &alertEvent{Base: newBase(a), a: a}
	out := map[int]bool{}
	for _, r := range m.Match(ev) {
		out[r.Index] = true
	}
	return out
}

// static checks everything but the condition.
func (c *compiled) static(a *alert.Alert) bool {
	if !a.Priority.AtLeast(c.priority) {
		return false
	}
	if len(c.rules) > 0 {
		ok := false
		for _, g := range c.rules {
			if m, _ := path.Match(g, a.Rule); m || g == a.Rule {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if c.sources != nil && !c.sources[a.Source] {
		return false
	}
	if c.tags != nil {
		ok := false
		for _, t := range a.Tags {
			if c.tags[t] {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for k, want := range c.fields {
		f := lookup(a, []string{k})
		if f == nil || f.Text != want {
			return false
		}
	}
	return true
}
