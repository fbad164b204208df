package engine

import "github.com/peregrine-sec/peregrine/internal/condition"

// Constraint is one comparison of a field with a constant, such as
// fd.l4proto != tcp.
type Constraint struct {
	Field string
	Op    string // "=" or "!="
	Value string
}

// Requires reports whether every rule of the set that can match events
// whose index field (evt.type) has value v also requires c to hold for
// them: then a capture may leave the events of type v that fail c in the
// kernel. Parts of conditions it cannot reason about (negations,
// transformers, named lists) count as not requiring c.
func (rs *RuleSet) Requires(indexField, v string, c Constraint) bool {
	for i, spec := range rs.source.Index {
		if spec.Field != indexField {
			continue
		}
		for p, f := range rs.filters {
			set := f.sets[i]
			if !set.all && !set.neg && !set.has(v) {
				continue // the rule cannot match this event type
			}
			sat, has := requires(rs.rules[p].Expr, &analysis{index: indexField, v: v, c: c, names: spec.EventTypes})
			if sat && !has {
				return false
			}
		}
		return true
	}
	return false
}

// analysis is what requires looks for.
type analysis struct {
	index, v string
	c        Constraint
	names    EventTypeTable // the known index values (nil: none known)
}

// requires analyses e for events whose index field has value a.v: sat is
// false when e cannot hold for them, has is true when e holding implies a.c.
func requires(e condition.Expr, a *analysis) (sat, has bool) {
	switch n := e.(type) {
	case *condition.And:
		sat = true
		for _, k := range n.Children {
			s, h := requires(k, a)
			if !s {
				return false, false
			}
			has = has || h
		}
		return true, has
	case *condition.Or:
		has = true
		for _, k := range n.Children {
			s, h := requires(k, a)
			if !s {
				continue
			}
			sat = true
			has = has && h
		}
		if !sat {
			return false, false
		}
		return true, has
	case *condition.Check:
		return requiresCheck(n, a)
	}
	return true, false // negations and anything else: no conclusion
}

// requiresCheck analyses one comparison.
func requiresCheck(n *condition.Check, a *analysis) (sat, has bool) {
	ref, ok := n.Left.(*condition.FieldRef)
	if !ok || ref.HasArg || n.Modifier != "" {
		return true, false
	}
	consts, ok := constants(n)
	if !ok {
		return true, false
	}
	values := make([]string, len(consts))
	for i, x := range consts {
		values[i] = x.Text
	}
	op := n.Op
	if op == "==" {
		op = "="
	}
	if ref.Name == a.index {
		found := false
		for _, x := range values {
			found = found || x == a.v
		}
		switch op {
		case "=", "in":
			// Items that are not event names (named lists) may hold v.
			return found || !a.allKnown(values), false
		case "!=":
			return !found, false
		}
		return true, false
	}
	if ref.Name == a.c.Field && op == a.c.Op && len(values) == 1 && values[0] == a.c.Value {
		return true, true
	}
	return true, false
}

// allKnown reports whether every value is a known event type name.
func (a *analysis) allKnown(values []string) bool {
	if a.names == nil {
		return false
	}
	for _, x := range values {
		if a.names.Codes(x) == 0 {
			return false
		}
	}
	return true
}
