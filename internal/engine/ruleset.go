package engine

import (
	"fmt"
	"math/bits"
	"sort"

	"github.com/peregrine-sec/peregrine/internal/condition"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/rules"
)

// Matching selects how many rules may fire for one event.
type Matching int

const (
	// MatchFirst stops at the first matching rule in load order (Falco's default).
	MatchFirst Matching = iota
	// MatchAll fires every matching rule, in load order.
	MatchAll
)

// ParseMatching parses the rule_matching setting ("first" or "all").
func ParseMatching(s string) (Matching, error) {
	switch s {
	case "", "first":
		return MatchFirst, nil
	case "all":
		return MatchAll, nil
	}
	return 0, fmt.Errorf("invalid rule_matching %q: must be first or all", s)
}

// RuleSet is the compiled, indexed set of enabled rules of one source. It is
// immutable and shared by any number of matchers.
type RuleSet struct {
	source   *sourceState
	rules    []*rules.Rule
	filters  []*Filter
	mode     Matching
	index    []fieldIndex
	words    int
	numSlots int
}

// fieldIndex maps the values of one index field to the rules that can match them.
type fieldIndex struct {
	op      *operand
	byValue map[string][]uint64
	other   []uint64 // for values no rule names
	missing []uint64 // for events without a value
}

// NewRuleSet builds the rule set of a source from loaded rules: every enabled
// rule of the source with a compiled filter, in load order.
func (e *Engine) NewRuleSet(source string, loaded []*rules.Rule, mode Matching) (*RuleSet, error) {
	s, ok := e.sources[source]
	if !ok {
		return nil, fmt.Errorf("unknown source %s", source)
	}
	rs := &RuleSet{source: s, mode: mode}
	for _, r := range loaded {
		if r.Source != source || !r.Enabled || r.Filter == nil {
			continue
		}
		f, ok := r.Filter.(*Filter)
		if !ok {
			return nil, fmt.Errorf("rule %q was not compiled by this engine", r.Name)
		}
		rs.rules = append(rs.rules, r)
		rs.filters = append(rs.filters, f)
	}
	rs.words = (len(rs.rules) + 63) / 64
	for i := range s.Index {
		ix, err := rs.buildIndex(i)
		if err != nil {
			return nil, err
		}
		rs.index = append(rs.index, ix)
	}
	rs.numSlots = s.numSlots()
	return rs, nil
}

func (rs *RuleSet) buildIndex(i int) (fieldIndex, error) {
	op, err := rs.source.resolve(&condition.FieldRef{Name: rs.source.Index[i].Field})
	if err != nil {
		return fieldIndex{}, fmt.Errorf("index field: %w", err)
	}
	ix := fieldIndex{op: op, byValue: map[string][]uint64{}, other: make([]uint64, rs.words), missing: make([]uint64, rs.words)}
	for _, f := range rs.filters {
		for v := range f.sets[i].vals {
			if ix.byValue[v] == nil {
				ix.byValue[v] = make([]uint64, rs.words)
			}
		}
	}
	for p, f := range rs.filters {
		set := f.sets[i]
		word, bit := p/64, uint64(1)<<(p%64)
		if set.all || set.neg {
			ix.other[word] |= bit
			ix.missing[word] |= bit
		}
		for v, bs := range ix.byValue {
			if set.has(v) {
				bs[word] |= bit
			}
		}
	}
	return ix, nil
}

// Rules returns the rules of the set in evaluation order.
func (rs *RuleSet) Rules() []*rules.Rule { return rs.rules }

// Source returns the source name of the set.
func (rs *RuleSet) Source() string { return rs.source.Name }

// Matcher evaluates events against a rule set. It holds per-event caches and
// scratch buffers, so each goroutine needs its own.
type Matcher struct {
	rs      *RuleSet
	gen     uint64
	cache   []slotCache
	cand    []uint64
	matched []*rules.Rule
	render  []byte // scratch for Render
	spans   []int  // scratch for Render: start/end offsets of field texts
}

// NewMatcher returns a matcher for the rule set.
func (rs *RuleSet) NewMatcher() *Matcher {
	return &Matcher{rs: rs, cache: make([]slotCache, rs.numSlots), cand: make([]uint64, rs.words)}
}

// Match evaluates ev and returns the rules that fire, in load order (at most one
// with MatchFirst). The returned slice is reused by the next call. After Match,
// Render may be called for the matched rules before the next event.
func (m *Matcher) Match(ev event.Event) []*rules.Rule {
	m.gen++
	m.matched = m.matched[:0]
	rs := m.rs
	cand := m.cand
	for w := range cand {
		cand[w] = ^uint64(0)
	}
	if tail := len(rs.rules) % 64; tail != 0 {
		cand[len(cand)-1] = (uint64(1) << tail) - 1
	}
	for i := range rs.index {
		ix := &rs.index[i]
		bs := ix.missing
		if vals, ok := m.values(ix.op, ev); ok {
			if b, found := ix.byValue[string(vals[0].B)]; found {
				bs = b
			} else {
				bs = ix.other
			}
		}
		for w := range cand {
			cand[w] &= bs[w]
		}
	}
	for w, word := range cand {
		for word != 0 {
			p := w*64 + bits.TrailingZeros64(word)
			word &= word - 1
			if rs.filters[p].root.eval(m, ev) {
				m.matched = append(m.matched, rs.rules[p])
				if rs.mode == MatchFirst {
					return m.matched
				}
			}
		}
	}
	return m.matched
}

// IndexValues returns the values of an index field (such as evt.type) that
// the rules of the set can match. all is true when some rule matches any
// value (no restriction, or a negated one), so nothing can be left out.
func (rs *RuleSet) IndexValues(fieldName string) (values []string, all bool) {
	for i, spec := range rs.source.Index {
		if spec.Field != fieldName {
			continue
		}
		seen := map[string]bool{}
		for _, f := range rs.filters {
			set := f.sets[i]
			if set.all || set.neg {
				return nil, true
			}
			for v := range set.vals {
				if !seen[v] {
					seen[v] = true
					values = append(values, v)
				}
			}
		}
		sort.Strings(values)
		return values, false
	}
	return nil, true
}
