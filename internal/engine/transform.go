package engine

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/condition"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
)

// trKind is a transformer function.
type trKind uint8

const (
	trToLower trKind = iota
	trToUpper
	trB64
	trBasename
	trLen
	trConcat
	trJoin
)

var transformers = map[string]trKind{
	"tolower": trToLower, "toupper": trToUpper, "b64": trB64, "basename": trBasename,
	"len": trLen, "concat": trConcat, "join": trJoin,
}

// transform is a compiled transformer applied to operands or literals.
type transform struct {
	kind trKind
	args []*operand // nil entries stand for literals
	lits []string   // literal argument text, by position
}

// transformer compiles a transformer expression into an operand.
func (s *sourceState) transformer(n *condition.Transformer) (*operand, error) {
	kind, ok := transformers[n.Name]
	if !ok {
		return nil, fmt.Errorf("unsupported transformer '%s'", n.Name)
	}
	if n.HasArg {
		return nil, fmt.Errorf("transformer '%s' does not accept an argument", n.Name)
	}
	t := &transform{kind: kind, args: make([]*operand, len(n.Args)), lits: make([]string, len(n.Args))}
	keys := make([]string, len(n.Args))
	for i, a := range n.Args {
		switch v := a.(type) {
		case *condition.Literal:
			t.lits[i] = v.Value
			keys[i] = strconv.Quote(v.Value)
		case *condition.FieldRef, *condition.Transformer:
			op, err := s.operand(v)
			if err != nil {
				return nil, err
			}
			if op.desc != nil && op.desc.Has(field.NoTransformer) {
				return nil, fmt.Errorf("field '%s' does not support transformers", op.key)
			}
			t.args[i] = op
			keys[i] = op.key
		default:
			return nil, fmt.Errorf("transformer '%s': unsupported argument", n.Name)
		}
	}
	typ, list, err := t.check(n.Name)
	if err != nil {
		return nil, err
	}
	key := n.Name + "(" + strings.Join(keys, ", ") + ")"
	return &operand{key: key, slot: s.slot(key), typ: typ, list: list, tr: t}, nil
}

// check validates argument counts and types, and returns the result type.
func (t *transform) check(name string) (field.Type, bool, error) {
	one := func() (*operand, error) {
		if len(t.args) != 1 || t.args[0] == nil {
			return nil, fmt.Errorf("transformer '%s' takes exactly one field argument", name)
		}
		return t.args[0], nil
	}
	switch t.kind {
	case trToLower, trToUpper, trBasename:
		a, err := one()
		if err != nil {
			return 0, false, err
		}
		if a.typ != field.String {
			return 0, false, fmt.Errorf("transformer '%s' is not supported on field type %s", name, a.typ)
		}
		return field.String, a.list, nil
	case trB64:
		a, err := one()
		if err != nil {
			return 0, false, err
		}
		if a.typ != field.String && a.typ != field.Bytes {
			return 0, false, fmt.Errorf("transformer '%s' is not supported on field type %s", name, a.typ)
		}
		return a.typ, a.list, nil
	case trLen:
		a, err := one()
		if err != nil {
			return 0, false, err
		}
		if !a.list && a.typ != field.String && a.typ != field.Bytes {
			return 0, false, fmt.Errorf("transformer '%s' is not supported on field type %s", name, a.typ)
		}
		return field.Uint64, false, nil
	case trConcat:
		if len(t.args) < 2 {
			return 0, false, fmt.Errorf("transformer 'concat' takes at least two arguments")
		}
		for _, a := range t.args {
			if a != nil && (a.list || a.typ != field.String) {
				return 0, false, fmt.Errorf("transformer 'concat' takes string fields and literals")
			}
		}
		return field.String, false, nil
	case trJoin:
		if len(t.args) != 2 || t.args[0] != nil || t.args[1] == nil || !t.args[1].list {
			return 0, false, fmt.Errorf("transformer 'join' takes a separator literal and a list field")
		}
		return field.String, false, nil
	}
	return 0, false, fmt.Errorf("unsupported transformer '%s'", name)
}

// apply computes the transformer's values into the slot's buffers.
func (t *transform) apply(m *Matcher, ev event.Event, c *slotCache) ([]field.Value, bool) {
	out := c.vals[:0]
	buf := c.scratch[:0]
	switch t.kind {
	case trConcat:
		for i, a := range t.args {
			if a == nil {
				buf = append(buf, t.lits[i]...)
				continue
			}
			vs, ok := m.values(a, ev)
			if !ok {
				return out, false
			}
			buf = append(buf, vs[0].B...)
		}
		c.scratch = buf
		return append(out, field.Value{B: buf}), true
	case trJoin:
		vs, ok := m.values(t.args[1], ev)
		if !ok {
			return out, false
		}
		for i, v := range vs {
			if i > 0 {
				buf = append(buf, t.lits[0]...)
			}
			buf = append(buf, v.B...)
		}
		c.scratch = buf
		return append(out, field.Value{B: buf}), true
	}
	vs, ok := m.values(t.args[0], ev)
	if !ok {
		return out, false
	}
	if t.kind == trLen {
		n := len(vs)
		if !t.args[0].list {
			n = len(vs[0].B)
		}
		return append(out, field.Value{N: uint64(n)}), true
	}
	// Transform every value into one scratch buffer, then point the results into it.
	starts := make([]int, 0, 8)
	for _, v := range vs {
		starts = append(starts, len(buf))
		switch t.kind {
		case trToLower:
			for _, ch := range v.B {
				if 'A' <= ch && ch <= 'Z' {
					ch += 'a' - 'A'
				}
				buf = append(buf, ch)
			}
		case trToUpper:
			for _, ch := range v.B {
				if 'a' <= ch && ch <= 'z' {
					ch -= 'a' - 'A'
				}
				buf = append(buf, ch)
			}
		case trBasename:
			b := v.B
			for i := len(b) - 1; i >= 0; i-- {
				if b[i] == '/' {
					b = b[i+1:]
					break
				}
			}
			buf = append(buf, b...)
		case trB64:
			dec, ok := decodeB64(buf, v.B)
			if !ok {
				return out[:0], false
			}
			buf = dec
		}
	}
	c.scratch = buf
	for i := range starts {
		end := len(buf)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		out = append(out, field.Value{B: buf[starts[i]:end:end]})
	}
	return out, true
}

// decodeB64 appends the base64 decoding of src (padding optional) to dst.
func decodeB64(dst, src []byte) ([]byte, bool) {
	enc := base64.StdEncoding
	if len(src)%4 != 0 {
		enc = base64.RawStdEncoding
		for len(src) > 0 && src[len(src)-1] == '=' {
			src = src[:len(src)-1]
		}
	}
	n := len(dst)
	need := enc.DecodedLen(len(src))
	for cap(dst)-n < need {
		dst = append(dst[:cap(dst)], 0)[:n]
	}
	w, err := enc.Decode(dst[n:n+need], src)
	if err != nil {
		return dst[:n], false
	}
	return dst[:n+w], true
}
