package engine

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/condition"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
)

// Format is a compiled output template.
type Format struct {
	parts  []fmtPart
	fields []*operand // distinct operands in order of first appearance
}

type fmtPart struct {
	lit   string
	op    *operand
	width int
}

// compileFormat parses an output template: literal text with %[width]field[arg]
// and %transformer(...) tokens. The token is the longest field name that resolves.
func compileFormat(s *sourceState, text string) (*Format, error) {
	f := &Format{}
	seen := map[string]bool{}
	var lit strings.Builder
	for i := 0; i < len(text); {
		c := text[i]
		if c != '%' {
			lit.WriteByte(c)
			i++
			continue
		}
		j := i + 1
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		width := 0
		if j > i+1 {
			w, err := strconv.Atoi(text[i+1 : j])
			if err != nil || w > 1<<16 {
				return nil, fmt.Errorf("invalid width in formatting token %s", text[i:j])
			}
			width = w
		}
		op, n, err := formatToken(s, text[j:])
		if err != nil {
			return nil, err
		}
		if lit.Len() > 0 {
			f.parts = append(f.parts, fmtPart{lit: lit.String()})
			lit.Reset()
		}
		f.parts = append(f.parts, fmtPart{op: op, width: width})
		if !seen[op.key] {
			seen[op.key] = true
			f.fields = append(f.fields, op)
		}
		i = j + n
	}
	if lit.Len() > 0 {
		f.parts = append(f.parts, fmtPart{lit: lit.String()})
	}
	return f, nil
}

// formatToken compiles the token at the start of rest and returns its length.
func formatToken(s *sourceState, rest string) (*operand, int, error) {
	name := leadingFieldName(rest)
	if name == "" {
		if tr, n := leadingTransformer(rest); n > 0 {
			expr, err := condition.Parse(tr + " exists")
			if err != nil {
				return nil, 0, fmt.Errorf("invalid formatting token %s: %v", tr, err)
			}
			chk, ok := expr.(*condition.Check)
			if !ok {
				return nil, 0, fmt.Errorf("invalid formatting token %s", tr)
			}
			op, err := s.operand(chk.Left)
			if err != nil {
				return nil, 0, err
			}
			return op, n, nil
		}
		tok := rest
		if k := strings.IndexAny(tok, " \t\n"); k >= 0 {
			tok = tok[:k]
		}
		if tok == "" {
			return nil, 0, fmt.Errorf("invalid formatting token: '%%' at the end of the output or before a blank")
		}
		return nil, 0, &unknownFieldError{msg: "invalid formatting token " + tok}
	}
	// Longest prefix of the dotted name that resolves.
	var firstErr error
	for cand := name; strings.Contains(cand, "."); cand = cand[:strings.LastIndexByte(cand, '.')] {
		ref := &condition.FieldRef{Name: cand}
		n := len(cand)
		if len(cand) == len(name) && n < len(rest) && rest[n] == '[' {
			end := strings.IndexByte(rest[n:], ']')
			if end < 0 {
				return nil, 0, fmt.Errorf("invalid formatting token %s: missing ']'", rest)
			}
			ref.Arg, ref.HasArg = rest[n+1:n+end], true
			n += end + 1
		}
		if _, _, ok := s.Fields.Resolve(cand); !ok {
			continue
		}
		op, err := s.resolve(ref)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if op.desc != nil && op.desc.Has(field.FilterOnly) {
			return nil, 0, fmt.Errorf("field '%s' can only be used in conditions, not in outputs", op.key)
		}
		return op, n, nil
	}
	if firstErr != nil {
		return nil, 0, firstErr
	}
	return nil, 0, &unknownFieldError{msg: "invalid formatting token " + name}
}

// leadingFieldName returns the longest prefix of s shaped like a field name:
// segments of [a-zA-Z][a-zA-Z0-9_]* joined by dots (at least one dot).
func leadingFieldName(s string) string {
	end, dots := 0, 0
	i := 0
	for {
		j := i
		if j >= len(s) || !isAlpha(s[j]) {
			break
		}
		for j < len(s) && (isAlpha(s[j]) || isDigit(s[j]) || s[j] == '_') {
			j++
		}
		end = j
		if j < len(s) && s[j] == '.' && j+1 < len(s) && isAlpha(s[j+1]) {
			dots++
			i = j + 1
			continue
		}
		break
	}
	if dots == 0 {
		return ""
	}
	return s[:end]
}

// leadingTransformer returns "name(...)" (with balanced parentheses and an
// optional [arg]) at the start of s when name is a transformer.
func leadingTransformer(s string) (string, int) {
	i := 0
	for i < len(s) && isAlpha(s[i]) {
		i++
	}
	if _, ok := transformers[s[:i]]; !ok || i >= len(s) || s[i] != '(' {
		return "", 0
	}
	depth := 0
	var quote byte
	for j := i; j < len(s); j++ {
		c := s[j]
		switch {
		case quote != 0:
			if c == '\\' {
				j++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return s[:j+1], j + 1
			}
		}
	}
	return "", 0
}

func isAlpha(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Render formats the output of a rule for the event just matched. It must be
// called after Match and before the next event. The message and every field
// text are rendered into one buffer and share one string, so an alert costs a
// few allocations whatever the number of fields.
func (m *Matcher) Render(ev event.Event, f *Format) (string, []alert.Field) {
	buf := m.render[:0]
	for _, p := range f.parts {
		if p.op == nil {
			buf = append(buf, p.lit...)
			continue
		}
		start := len(buf)
		if vals, ok := m.values(p.op, ev); ok {
			buf = appendValues(buf, p.op, vals)
		} else {
			buf = append(buf, "<NA>"...)
		}
		if p.width > 0 {
			if len(buf)-start > p.width {
				buf = buf[:start+p.width]
			}
			for len(buf)-start < p.width {
				buf = append(buf, ' ')
			}
		}
	}
	msgEnd := len(buf)
	// Field texts: for each field its whole text, then for list fields each item.
	spans := m.spans[:0]
	for _, op := range f.fields {
		vals, ok := m.values(op, ev)
		if !ok {
			spans = append(spans, -1, -1)
			continue
		}
		start := len(buf)
		buf = appendValues(buf, op, vals)
		spans = append(spans, start, len(buf))
		if op.list || len(vals) > 1 {
			for _, v := range vals {
				s := len(buf)
				buf = appendScalar(buf, op.typ, v)
				spans = append(spans, s, len(buf))
			}
		}
	}
	all := string(buf)
	m.render, m.spans = buf, spans
	fields := make([]alert.Field, len(f.fields))
	k := 0
	for i, op := range f.fields {
		fl := &fields[i]
		fl.Key = op.key
		start, end := spans[k], spans[k+1]
		k += 2
		if start < 0 {
			fl.Kind = alert.Null
			continue
		}
		fl.Text = all[start:end]
		vals, _ := m.values(op, ev)
		switch {
		case op.list || len(vals) > 1:
			fl.Kind = alert.List
			fl.List = make([]string, len(vals))
			for j := range vals {
				fl.List[j] = all[spans[k]:spans[k+1]]
				k += 2
			}
		case op.typ.Numeric():
			fl.Kind = alert.Number
		case op.typ == field.Bool:
			fl.Kind = alert.Bool
		default:
			fl.Kind = alert.String
		}
	}
	return all[:msgEnd], fields
}

// appendValues renders an operand's values as Falco prints them in outputs:
// lists as (a,b), several values of an ancestor field space-separated.
func appendValues(b []byte, op *operand, vals []field.Value) []byte {
	if !op.list && len(vals) == 1 {
		return appendScalar(b, op.typ, vals[0])
	}
	sep := byte(',')
	if op.any {
		sep = ' '
	}
	if op.list {
		b = append(b, '(')
	}
	for i, v := range vals {
		if i > 0 {
			b = append(b, sep)
		}
		b = appendScalar(b, op.typ, v)
	}
	if op.list {
		b = append(b, ')')
	}
	return b
}

// appendScalar renders one value of a type.
func appendScalar(b []byte, t field.Type, v field.Value) []byte {
	switch t {
	case field.Bool:
		return strconv.AppendBool(b, v.N != 0)
	case field.Int64:
		return strconv.AppendInt(b, int64(v.N), 10)
	case field.Double:
		return strconv.AppendFloat(b, math.Float64frombits(v.N), 'f', -1, 64)
	case field.IPAddr:
		return append(b, net.IP(v.B).String()...)
	case field.IPNet:
		n := len(v.B) / 2
		nw := net.IPNet{IP: v.B[:n], Mask: v.B[n:]}
		return append(b, nw.String()...)
	}
	if t.Numeric() {
		return strconv.AppendUint(b, v.N, 10)
	}
	return append(b, v.B...)
}
