package engine

import (
	"fmt"

	"github.com/peregrine-sec/peregrine/internal/condition"
)

// valueSet is the set of values of an index field for which a condition can be
// true: everything (all), the listed values, or everything but them (neg).
type valueSet struct {
	all  bool
	neg  bool
	vals map[string]struct{}
}

var allValues = valueSet{all: true}

func setOf(neg bool, values []condition.Value) valueSet {
	s := valueSet{neg: neg, vals: make(map[string]struct{}, len(values))}
	for _, v := range values {
		s.vals[v.Text] = struct{}{}
	}
	return s.norm()
}

func (s valueSet) norm() valueSet {
	if s.neg && len(s.vals) == 0 {
		return allValues
	}
	return s
}

func (s valueSet) has(v string) bool {
	if s.all {
		return true
	}
	_, in := s.vals[v]
	return in != s.neg
}

func union(a, b valueSet) valueSet {
	switch {
	case a.all || b.all:
		return allValues
	case !a.neg && !b.neg:
		out := valueSet{vals: map[string]struct{}{}}
		for v := range a.vals {
			out.vals[v] = struct{}{}
		}
		for v := range b.vals {
			out.vals[v] = struct{}{}
		}
		return out
	case a.neg && b.neg: // not A or not B = not (A and B)
		out := valueSet{neg: true, vals: map[string]struct{}{}}
		for v := range a.vals {
			if _, ok := b.vals[v]; ok {
				out.vals[v] = struct{}{}
			}
		}
		return out.norm()
	}
	if a.neg { // keep a positive
		a, b = b, a
	}
	out := valueSet{neg: true, vals: map[string]struct{}{}} // not (B minus A)
	for v := range b.vals {
		if _, ok := a.vals[v]; !ok {
			out.vals[v] = struct{}{}
		}
	}
	return out.norm()
}

func intersect(a, b valueSet) valueSet {
	switch {
	case a.all:
		return b
	case b.all:
		return a
	case a.neg && b.neg:
		out := valueSet{neg: true, vals: map[string]struct{}{}}
		for v := range a.vals {
			out.vals[v] = struct{}{}
		}
		for v := range b.vals {
			out.vals[v] = struct{}{}
		}
		return out
	}
	if a.neg {
		a, b = b, a
	}
	out := valueSet{vals: map[string]struct{}{}}
	for v := range a.vals {
		if b.has(v) {
			out.vals[v] = struct{}{}
		}
	}
	return out
}

// count returns how many event codes the set covers.
func (s valueSet) count(t EventTypeTable) int {
	if s.all {
		return t.TotalCodes()
	}
	n := 0
	for v := range s.vals {
		n += t.Codes(v)
	}
	if s.neg {
		return t.TotalCodes() - n
	}
	return n
}

// analyze computes the values of the index field for which expr can be true,
// pushing negations down to the leaves (De Morgan). Checks on other fields are
// neutral (all values) whatever their polarity.
func analyze(e condition.Expr, spec *IndexSpec, negated bool) (valueSet, error) {
	switch n := e.(type) {
	case *condition.And, *condition.Or:
		var kids []condition.Expr
		isAnd := false
		if a, ok := n.(*condition.And); ok {
			kids, isAnd = a.Children, true
		} else {
			kids = n.(*condition.Or).Children
		}
		if negated {
			isAnd = !isAnd
		}
		var acc valueSet
		for i, k := range kids {
			s, err := analyze(k, spec, negated)
			if err != nil {
				return valueSet{}, err
			}
			switch {
			case i == 0:
				acc = s
			case isAnd:
				acc = intersect(acc, s)
			default:
				acc = union(acc, s)
			}
		}
		return acc, nil
	case *condition.Not:
		return analyze(n.Child, spec, !negated)
	case *condition.Check:
		return analyzeCheck(n, spec, negated)
	}
	return allValues, nil
}

func analyzeCheck(c *condition.Check, spec *IndexSpec, negated bool) (valueSet, error) {
	if spec.Constant != nil {
		if v, ok := spec.Constant(c); ok {
			if v != negated {
				return allValues, nil
			}
			return valueSet{vals: map[string]struct{}{}}, nil
		}
	}
	switch l := c.Left.(type) {
	case *condition.Transformer:
		if spec.EventTypes != nil && mentions(l, spec.Field) {
			return valueSet{}, fmt.Errorf("transformers are not supported on %s", spec.Field)
		}
		return allValues, nil
	case *condition.FieldRef:
		if l.Name != spec.Field || l.HasArg {
			return allValues, nil
		}
	}
	var values []condition.Value
	switch r := c.Right.(type) {
	case *condition.Value:
		values = []condition.Value{*r}
	case *condition.List:
		values = r.Values
	case *condition.RightField:
		if spec.EventTypes != nil {
			return valueSet{}, fmt.Errorf("a field is not supported on the right of a %s comparison", spec.Field)
		}
		return allValues, nil
	}
	if c.Modifier != "" {
		return allValues, nil
	}
	switch c.Op {
	case "=", "==", "in", "intersects":
		return setOf(negated, values), nil
	case "!=":
		return setOf(!negated, values), nil
	}
	return allValues, nil
}

// mentions reports whether a transformer reads the named field.
func mentions(t *condition.Transformer, name string) bool {
	for _, a := range t.Args {
		switch v := a.(type) {
		case *condition.FieldRef:
			if v.Name == name {
				return true
			}
		case *condition.Transformer:
			if mentions(v, name) {
				return true
			}
		}
	}
	return false
}
