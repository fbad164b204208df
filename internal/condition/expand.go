package condition

import (
	"strings"
)

// NamedList is a list as the rules loader has it (items already expanded one level).
type NamedList struct {
	Name  string
	Items []string
}

// isListBoundary reports whether c delimits a list name in a condition.
func isListBoundary(c byte) bool {
	return isBlank(c) || c == '(' || c == ')' || c == ',' || c == '='
}

// SubstituteLists performs Falco's textual list substitution over a condition:
// each list, in definition order, replaces every occurrence of its name that
// stands as a whole token (bounded by the start or end of the text, blanks,
// parentheses, commas or '='). The items are joined with ", "; an item with a
// space that does not start with a quote is double-quoted. An empty list also
// removes one adjacent comma. It returns the new text and the names of the
// lists it substituted, each once.
func SubstituteLists(text string, lists []NamedList) (string, []string) {
	var used []string
	for _, l := range lists {
		if l.Name == "" || !strings.Contains(text, l.Name) {
			continue
		}
		out, n := substituteOne(text, l)
		if n > 0 {
			text = out
			used = append(used, l.Name)
		}
	}
	return text, used
}

func substituteOne(text string, l NamedList) (string, int) {
	var repl strings.Builder
	for i, it := range l.Items {
		if i > 0 {
			repl.WriteString(", ")
		}
		if strings.Contains(it, " ") && !strings.HasPrefix(it, "\"") && !strings.HasPrefix(it, "'") {
			repl.WriteString("\"" + it + "\"")
		} else {
			repl.WriteString(it)
		}
	}
	r := repl.String()
	var b strings.Builder
	n, pos := 0, 0
	for {
		i := strings.Index(text[pos:], l.Name)
		if i < 0 {
			break
		}
		start, end := pos+i, pos+i+len(l.Name)
		if (start > 0 && !isListBoundary(text[start-1])) || (end < len(text) && !isListBoundary(text[end])) {
			b.WriteString(text[pos:end])
			pos = end
			continue
		}
		n++
		before := text[pos:start]
		after := end
		if len(l.Items) == 0 {
			// Drop one adjacent comma so "(a, empty)" stays "(a)".
			trimmed := strings.TrimRight(before, " \t\r\n")
			if strings.HasSuffix(trimmed, ",") {
				before = trimmed[:len(trimmed)-1]
			} else {
				j := end
				for j < len(text) && isBlank(text[j]) {
					j++
				}
				if j < len(text) && text[j] == ',' {
					after = j + 1
				}
			}
		}
		b.WriteString(before)
		b.WriteString(r)
		pos = after
	}
	if n == 0 {
		return text, 0
	}
	b.WriteString(text[pos:])
	return b.String(), n
}

// ExpandMacros returns a copy of e in which every *MacroRef is replaced by a
// copy of the tree resolve returns. resolve's error is returned as is.
func ExpandMacros(e Expr, resolve func(name string) (Expr, error)) (Expr, error) {
	switch n := e.(type) {
	case *MacroRef:
		t, err := resolve(n.Name)
		if err != nil {
			return nil, err
		}
		return clone(t), nil
	case *And:
		kids, err := expandAll(n.Children, resolve)
		if err != nil {
			return nil, err
		}
		return &And{Pos: n.Pos, Children: kids}, nil
	case *Or:
		kids, err := expandAll(n.Children, resolve)
		if err != nil {
			return nil, err
		}
		return &Or{Pos: n.Pos, Children: kids}, nil
	case *Not:
		k, err := ExpandMacros(n.Child, resolve)
		if err != nil {
			return nil, err
		}
		return &Not{Pos: n.Pos, Child: k}, nil
	}
	return e, nil
}

func expandAll(list []Expr, resolve func(string) (Expr, error)) ([]Expr, error) {
	out := make([]Expr, len(list))
	for i, k := range list {
		x, err := ExpandMacros(k, resolve)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

// clone copies the boolean structure of a tree; leaves are immutable and shared.
func clone(e Expr) Expr {
	switch n := e.(type) {
	case *And:
		kids := make([]Expr, len(n.Children))
		for i, k := range n.Children {
			kids[i] = clone(k)
		}
		return &And{Pos: n.Pos, Children: kids}
	case *Or:
		kids := make([]Expr, len(n.Children))
		for i, k := range n.Children {
			kids[i] = clone(k)
		}
		return &Or{Pos: n.Pos, Children: kids}
	case *Not:
		return &Not{Pos: n.Pos, Child: clone(n.Child)}
	}
	return e
}

// Walk visits e and its boolean descendants depth first, pre-order; fn returning
// false skips the node's children.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch n := e.(type) {
	case *And:
		for _, k := range n.Children {
			Walk(k, fn)
		}
	case *Or:
		for _, k := range n.Children {
			Walk(k, fn)
		}
	case *Not:
		Walk(n.Child, fn)
	}
}

// MacroRefs returns the names of the macros referenced in e, in order of first appearance.
func MacroRefs(e Expr) []string {
	var out []string
	seen := map[string]bool{}
	Walk(e, func(x Expr) bool {
		if m, ok := x.(*MacroRef); ok && !seen[m.Name] {
			seen[m.Name] = true
			out = append(out, m.Name)
		}
		return true
	})
	return out
}

// Format renders e as condition text that parses back to an equal tree.
func Format(e Expr) string {
	var b strings.Builder
	format(&b, e)
	return b.String()
}

func format(b *strings.Builder, e Expr) {
	switch n := e.(type) {
	case *And:
		joinExprs(b, n.Children, " and ")
	case *Or:
		joinExprs(b, n.Children, " or ")
	case *Not:
		b.WriteString("not ")
		format(b, n.Child)
	case *MacroRef:
		b.WriteString(n.Name)
	case *Check:
		formatOperand(b, n.Left)
		b.WriteString(" " + n.Op)
		if n.Modifier != "" {
			b.WriteString(" " + n.Modifier)
		}
		if n.Right != nil {
			b.WriteByte(' ')
			format(b, n.Right)
		}
	case *Value:
		b.WriteString(quote(n.Text))
	case *List:
		b.WriteByte('(')
		for i, v := range n.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(v.Text))
		}
		b.WriteByte(')')
	case *RightField:
		if f, ok := n.Operand.(*FieldRef); ok {
			b.WriteString("val(" + f.Name + ")")
			if f.HasArg {
				b.WriteString("[" + quoteArg(f.Arg) + "]")
			}
			return
		}
		formatOperand(b, n.Operand)
	default:
		if o, ok := e.(Operand); ok {
			formatOperand(b, o)
		}
	}
}

func joinExprs(b *strings.Builder, kids []Expr, sep string) {
	b.WriteByte('(')
	for i, k := range kids {
		if i > 0 {
			b.WriteString(sep)
		}
		format(b, k)
	}
	b.WriteByte(')')
}

func formatOperand(b *strings.Builder, o Operand) {
	switch n := o.(type) {
	case *FieldRef:
		b.WriteString(n.Name)
		if n.HasArg {
			b.WriteString("[" + quoteArg(n.Arg) + "]")
		}
	case *Transformer:
		b.WriteString(n.Name + "(")
		for i, a := range n.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			formatOperand(b, a)
		}
		b.WriteByte(')')
		if n.HasArg {
			b.WriteString("[" + quoteArg(n.Arg) + "]")
		}
	case *Literal:
		b.WriteString(quote(n.Value))
	case *ListLiteral:
		b.WriteByte('(')
		for i, v := range n.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(v))
		}
		b.WriteByte(')')
	}
}

// quote writes a value as a double-quoted string with escapes.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if c < 0x20 || c == 0x7f {
				const hexd = "0123456789abcdef"
				b.WriteString(`\x`)
				b.WriteByte(hexd[c>>4])
				b.WriteByte(hexd[c&15])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func quoteArg(s string) string {
	if s != "" && !strings.ContainsAny(s, "[]\"' \t\r\n\b") {
		return s
	}
	return quote(s)
}
