package engine

import (
	"sort"

	"github.com/peregrine-sec/peregrine/internal/condition"
)

// ComparedValues returns the constants the rules of the set compare the
// named fields with (=, !=, in, intersects), sorted and without repeats:
// the host names of fd.sip.name in (...), for instance, which a live
// source resolves ahead of the events.
func (rs *RuleSet) ComparedValues(fields ...string) []string {
	want := map[string]bool{}
	for _, f := range fields {
		want[f] = true
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range rs.rules {
		condition.Walk(r.Expr, func(e condition.Expr) bool {
			n, ok := e.(*condition.Check)
			if !ok {
				return true
			}
			ref, ok := n.Left.(*condition.FieldRef)
			if !ok || !want[ref.Name] {
				return true
			}
			vals, ok := constants(n)
			if !ok || !isEquality(n.Op) {
				return true
			}
			for _, v := range vals {
				if !seen[v.Text] {
					seen[v.Text] = true
					out = append(out, v.Text)
				}
			}
			return true
		})
	}
	sort.Strings(out)
	return out
}

// constants returns the constants on the right of a check (one value or a
// list); false when the right side is a field, a transformer or absent.
func constants(n *condition.Check) ([]condition.Value, bool) {
	switch r := n.Right.(type) {
	case *condition.Value:
		return []condition.Value{*r}, true
	case *condition.List:
		return r.Values, true
	}
	return nil, false
}

// isEquality reports whether op compares for equality with one of its
// constants (=, ==, !=, in, intersects).
func isEquality(op string) bool {
	switch op {
	case "=", "==", "!=", "in", "intersects":
		return true
	}
	return false
}
