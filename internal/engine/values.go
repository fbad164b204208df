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
			switch n.Op {
			case "=", "==", "!=", "in", "intersects":
			default:
				return true
			}
			var vals []condition.Value
			switch r := n.Right.(type) {
			case *condition.Value:
				vals = []condition.Value{*r}
			case *condition.List:
				vals = r.Values
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
