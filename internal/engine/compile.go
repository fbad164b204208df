package engine

import (
	"fmt"

	"github.com/peregrine-sec/peregrine/internal/condition"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
)

// node is a compiled boolean expression.
type node interface {
	eval(m *Matcher, ev event.Event) bool
}

type andNode struct{ kids []node }
type orNode struct{ kids []node }
type notNode struct{ kid node }

func (n *andNode) eval(m *Matcher, ev event.Event) bool {
	for _, k := range n.kids {
		if !k.eval(m, ev) {
			return false
		}
	}
	return true
}

func (n *orNode) eval(m *Matcher, ev event.Event) bool {
	for _, k := range n.kids {
		if k.eval(m, ev) {
			return true
		}
	}
	return false
}

func (n *notNode) eval(m *Matcher, ev event.Event) bool { return !n.kid.eval(m, ev) }

// Filter is a compiled rule condition.
type Filter struct {
	root node
	sets []valueSet // per index field of the source: the values the condition can match
}

// compiler turns one condition tree into nodes.
type compiler struct {
	src      *sourceState
	warnings []string
}

func (c *compiler) expr(e condition.Expr) (node, error) {
	switch n := e.(type) {
	case *condition.And:
		kids, err := c.exprs(n.Children)
		return &andNode{kids: kids}, err
	case *condition.Or:
		kids, err := c.exprs(n.Children)
		return &orNode{kids: kids}, err
	case *condition.Not:
		kid, err := c.expr(n.Child)
		return &notNode{kid: kid}, err
	case *condition.Check:
		return c.check(n)
	case *condition.MacroRef:
		return nil, fmt.Errorf("Undefined macro '%s' used in filter.", n.Name)
	}
	return nil, fmt.Errorf("unexpected node %T in condition", e)
}

func (c *compiler) exprs(list []condition.Expr) ([]node, error) {
	out := make([]node, 0, len(list))
	for _, e := range list {
		n, err := c.expr(e)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// check compiles one comparison.
func (c *compiler) check(n *condition.Check) (node, error) {
	left, err := c.src.operand(n.Left)
	if err != nil {
		return nil, err
	}
	op, ok := opsByName[n.Op]
	if !ok {
		return nil, fmt.Errorf("unknown operator '%s'", n.Op)
	}
	if left.desc != nil && left.desc.Name == c.indexEventTypeField() && n.Right != nil {
		if err := c.checkEventTypes(n); err != nil {
			return nil, err
		}
	}
	if err := checkOperator(left, op, n.Modifier != ""); err != nil {
		return nil, err
	}
	k := &checkNode{left: left, op: op, mod: modifiers[n.Modifier]}
	if op == opExists {
		return k, nil
	}
	switch r := n.Right.(type) {
	case *condition.RightField:
		if left.desc != nil && left.desc.Has(field.NoRHS) {
			return nil, fmt.Errorf("field '%s' cannot be compared with another field", left.key)
		}
		if op == opPmatch || op == opRegex || left.typ == field.IPNet {
			return nil, fmt.Errorf("operator '%s' does not support a field on the right-hand side", n.Op)
		}
		right, err := c.src.operand(r.Operand)
		if err != nil {
			return nil, err
		}
		if right.desc != nil && right.desc.Has(field.NoRHS) {
			return nil, fmt.Errorf("field '%s' cannot be used on the right-hand side of a comparison", right.key)
		}
		if right.list && !op.isList() {
			return nil, fmt.Errorf("field '%s' on the right-hand side has an incompatible type", right.key)
		}
		k.right = right
	case *condition.Value:
		c.fieldLookalike(r)
		if err := k.setConstants(left, []condition.Value{*r}); err != nil {
			return nil, err
		}
	case *condition.List:
		for i := range r.Values {
			c.fieldLookalike(&r.Values[i])
		}
		if err := k.setConstants(left, r.Values); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("operator '%s' needs a value", n.Op)
	}
	return k, nil
}

// fieldLookalike warns about a bare value that names a field (a likely mistake).
func (c *compiler) fieldLookalike(v *condition.Value) {
	if v.Quote {
		return
	}
	if _, _, ok := c.src.Fields.Resolve(v.Text); ok {
		c.warnings = append(c.warnings, fmt.Sprintf("'%s' may be a valid field misused as a const string value", v.Text))
	}
}

// indexEventTypeField returns the name of the source's event-type field, if any.
func (c *compiler) indexEventTypeField() string {
	for _, ix := range c.src.Index {
		if ix.EventTypes != nil {
			return ix.Field
		}
	}
	return ""
}

// checkEventTypes validates the event type names a check compares with.
func (c *compiler) checkEventTypes(n *condition.Check) error {
	var table EventTypeTable
	for _, ix := range c.src.Index {
		if ix.EventTypes != nil {
			table = ix.EventTypes
		}
	}
	if _, isField := n.Left.(*condition.Transformer); isField {
		return nil
	}
	vals, _ := constants(n)
	if !isEquality(n.Op) {
		return nil
	}
	for _, v := range vals {
		if table.Codes(v.Text) == 0 {
			return &unknownFieldError{msg: "unknown event type " + v.Text}
		}
	}
	return nil
}
