package condition

import (
	"fmt"
	"strconv"
	"strings"
)

// SyntaxError is a parse error. Error returns Falco's message text; Pos says
// where in the condition it was found.
type SyntaxError struct {
	Pos Pos
	Msg string
}

func (e *SyntaxError) Error() string { return e.Msg }

// maxDepth bounds nesting, as Falco does, so hostile input cannot exhaust the stack.
const maxDepth = 1000

// Parse parses one condition. Errors are *SyntaxError.
func Parse(text string) (Expr, error) {
	p := &parser{src: text}
	p.skipBlanks()
	if p.pos >= len(p.src) {
		return nil, p.errorf("empty condition")
	}
	e, err := p.orExpr()
	if err != nil {
		return nil, err
	}
	p.skipBlanks()
	if p.pos < len(p.src) {
		return nil, p.errorf("unexpected token after '%s', expecting 'or', 'and'", p.last)
	}
	return e, nil
}

type parser struct {
	src   string
	pos   int
	depth int
	last  string // text of the last token consumed, for messages
}

func (p *parser) posAt(off int) Pos {
	line, col := 1, 1
	for i := 0; i < off && i < len(p.src); i++ {
		if p.src[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return Pos{Offset: off, Line: line, Col: col}
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Pos: p.posAt(p.pos), Msg: fmt.Sprintf(format, args...)}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n' }
func isAlpha(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isIdent(c byte) bool { return isAlpha(c) || isDigit(c) || c == '_' }

func (p *parser) skipBlanks() {
	for p.pos < len(p.src) && isBlank(p.src[p.pos]) {
		p.pos++
	}
}

// keyword reports whether word starts at the position and is followed by a
// blank or, when paren is set, by '('. It does not consume.
func (p *parser) keyword(word string, paren bool) bool {
	if !strings.HasPrefix(p.src[p.pos:], word) {
		return false
	}
	end := p.pos + len(word)
	if end >= len(p.src) {
		return false
	}
	c := p.src[end]
	return isBlank(c) || (paren && c == '(')
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf("exceeded max depth limit of %d", maxDepth)
	}
	return nil
}

func (p *parser) orExpr() (Expr, error) {
	return p.chain("or", p.andExpr, func(pos Pos, kids []Expr) Expr { return &Or{Pos: pos, Children: kids} })
}

func (p *parser) andExpr() (Expr, error) {
	return p.chain("and", p.notExpr, func(pos Pos, kids []Expr) Expr { return &And{Pos: pos, Children: kids} })
}

// chain parses operands joined by a boolean keyword ("and" or "or"), which
// must be followed by a blank or '('. One operand is returned as is.
func (p *parser) chain(word string, operand func() (Expr, error), mk func(Pos, []Expr) Expr) (Expr, error) {
	start := p.pos
	first, err := operand()
	if err != nil {
		return nil, err
	}
	kids := []Expr{first}
	for {
		save := p.pos
		p.skipBlanks()
		if !p.keyword(word, true) {
			p.pos = save
			break
		}
		p.pos += len(word)
		p.last = word
		p.skipBlanks()
		e, err := operand()
		if err != nil {
			return nil, err
		}
		kids = append(kids, e)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return mk(p.posAt(start), kids), nil
}

func (p *parser) notExpr() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	start := p.pos
	if p.keyword("not", true) {
		p.pos += 3
		p.last = "not"
		p.skipBlanks()
		child, err := p.notExpr()
		if err != nil {
			return nil, err
		}
		if n, ok := child.(*Not); ok { // not not x == x
			return n.Child, nil
		}
		return &Not{Pos: p.posAt(start), Child: child}, nil
	}
	return p.check()
}

func (p *parser) check() (Expr, error) {
	start := p.pos
	if p.pos >= len(p.src) {
		return nil, p.errorf("unexpected end of input after '%s', expecting a field, a macro or '('", p.last)
	}
	if p.src[p.pos] == '(' {
		p.pos++
		p.last = "("
		p.skipBlanks()
		e, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		p.skipBlanks()
		if p.pos >= len(p.src) || p.src[p.pos] != ')' {
			return nil, p.errorf("expected ')' after '%s'", p.last)
		}
		p.pos++
		p.last = ")"
		return e, nil
	}
	if name, ok := p.peekTransformer(); ok {
		_ = name
		left, err := p.transformer()
		if err != nil {
			return nil, err
		}
		return p.condition(start, left)
	}
	if ref, ok, err := p.fieldRef(); err != nil {
		return nil, err
	} else if ok {
		return p.condition(start, ref)
	}
	if id := p.identifier(); id != "" {
		p.last = id
		return &MacroRef{Pos: p.posAt(start), Name: id}, nil
	}
	tok := p.src[p.pos:]
	if i := strings.IndexFunc(tok, func(r rune) bool { return r < 128 && isBlank(byte(r)) }); i > 0 {
		tok = tok[:i]
	}
	return nil, p.errorf("unexpected token '%s', expecting a field, a macro or '('", tok)
}

// identifier consumes [a-zA-Z][a-zA-Z0-9_]* when not followed by a dot.
func (p *parser) identifier() string {
	i := p.pos
	if i >= len(p.src) || !isAlpha(p.src[i]) {
		return ""
	}
	for i < len(p.src) && isIdent(p.src[i]) {
		i++
	}
	if i < len(p.src) && p.src[i] == '.' {
		return ""
	}
	id := p.src[p.pos:i]
	p.pos = i
	return id
}

// fieldName returns the length of a field name at the position (0 if none).
func (p *parser) fieldName() int {
	i, dots := p.pos, 0
	for {
		if i >= len(p.src) || !isAlpha(p.src[i]) {
			return 0
		}
		for i < len(p.src) && isIdent(p.src[i]) {
			i++
		}
		if i+1 < len(p.src) && p.src[i] == '.' && isAlpha(p.src[i+1]) {
			dots++
			i++
			continue
		}
		break
	}
	if dots == 0 {
		return 0
	}
	return i - p.pos
}

func (p *parser) fieldRef() (*FieldRef, bool, error) {
	n := p.fieldName()
	if n == 0 {
		return nil, false, nil
	}
	ref := &FieldRef{Pos: p.posAt(p.pos), Name: p.src[p.pos : p.pos+n]}
	p.pos += n
	p.last = ref.Name
	if p.pos < len(p.src) && p.src[p.pos] == '[' {
		arg, err := p.bracketArg()
		if err != nil {
			return nil, false, err
		}
		ref.Arg, ref.HasArg = arg, true
	}
	return ref, true, nil
}

// bracketArg parses [arg] where arg is bare ([^][\"'\s]+) or quoted.
func (p *parser) bracketArg() (string, error) {
	p.pos++ // '['
	var arg string
	if p.pos < len(p.src) && (p.src[p.pos] == '"' || p.src[p.pos] == '\'') {
		s, err := p.quoted()
		if err != nil {
			return "", err
		}
		arg = s
	} else {
		i := p.pos
		for i < len(p.src) && !strings.ContainsRune("[]\"'", rune(p.src[i])) && !isBlank(p.src[i]) {
			i++
		}
		if i == p.pos {
			return "", p.errorf("empty field argument after '%s'", p.last)
		}
		arg = p.src[p.pos:i]
		p.pos = i
	}
	if p.pos >= len(p.src) || p.src[p.pos] != ']' {
		return "", p.errorf("expected ']' after field argument '%s'", arg)
	}
	p.pos++
	p.last = arg
	return arg, nil
}

var transformerNames = map[string]bool{
	"tolower": true, "toupper": true, "b64": true, "basename": true, "len": true,
	"join": true, "concat": true, "getopt": true,
}

func (p *parser) peekTransformer() (string, bool) {
	i := p.pos
	for i < len(p.src) && isIdent(p.src[i]) {
		i++
	}
	name := p.src[p.pos:i]
	return name, transformerNames[name] && i < len(p.src) && p.src[i] == '('
}

// transformer parses name(arg, ...)[arg].
func (p *parser) transformer() (*Transformer, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	start := p.pos
	name, _ := p.peekTransformer()
	p.pos += len(name) + 1
	p.last = name + "("
	t := &Transformer{Pos: p.posAt(start), Name: name}
	for {
		p.skipBlanks()
		if p.pos < len(p.src) && p.src[p.pos] == ')' && len(t.Args) == 0 {
			break
		}
		arg, err := p.transformerArg()
		if err != nil {
			return nil, err
		}
		t.Args = append(t.Args, arg)
		p.skipBlanks()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		break
	}
	if p.pos >= len(p.src) || p.src[p.pos] != ')' {
		return nil, p.errorf("expected ')' after '%s'", p.last)
	}
	p.pos++
	p.last = ")"
	if p.pos < len(p.src) && p.src[p.pos] == '[' {
		arg, err := p.bracketArg()
		if err != nil {
			return nil, err
		}
		t.Arg, t.HasArg = arg, true
	}
	return t, nil
}

func (p *parser) transformerArg() (Operand, error) {
	start := p.pos
	if p.pos >= len(p.src) {
		return nil, p.errorf("unexpected end of input in transformer arguments")
	}
	switch c := p.src[p.pos]; {
	case c == '"' || c == '\'':
		s, err := p.quoted()
		if err != nil {
			return nil, err
		}
		return &Literal{Pos: p.posAt(start), Value: s}, nil
	case c == '(':
		vals, err := p.listValues()
		if err != nil {
			return nil, err
		}
		l := &ListLiteral{Pos: p.posAt(start)}
		for _, v := range vals {
			l.Values = append(l.Values, v.Text)
		}
		return l, nil
	case isDigit(c) || c == '-' || c == '+':
		i := p.pos + 1
		for i < len(p.src) && (isIdent(p.src[i]) || p.src[i] == '.') {
			i++
		}
		lit := p.src[p.pos:i]
		p.pos = i
		return &Literal{Pos: p.posAt(start), Value: lit}, nil
	}
	if _, ok := p.peekTransformer(); ok {
		return p.transformer()
	}
	ref, ok, err := p.fieldRef()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, p.errorf("expected a field, a transformer or a literal in transformer arguments after '%s'", p.last)
	}
	return ref, nil
}

// Operators in matching order: longer symbols first.
var symbolOps = []string{"<=", "<", ">=", ">", "==", "=", "!="}
var wordOps = []string{"contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith",
	"glob", "iglob", "regex", "intersects", "in", "pmatch", "exists"}

// condition parses the operator and right side after an operand.
func (p *parser) condition(start int, left Operand) (Expr, error) {
	p.skipBlanks()
	c := &Check{Pos: p.posAt(start), Left: left}
	op := ""
	for _, s := range symbolOps {
		if strings.HasPrefix(p.src[p.pos:], s) {
			op = s
			break
		}
	}
	if op == "" {
		for _, w := range wordOps {
			if strings.HasPrefix(p.src[p.pos:], w) {
				end := p.pos + len(w)
				if end == len(p.src) && w == "exists" || end < len(p.src) && (isBlank(p.src[end]) || (p.src[end] == '(' && (w == "in" || w == "intersects" || w == "pmatch")) || (w == "exists" && p.src[end] == ')')) {
					op = w
					break
				}
			}
		}
	}
	if op == "" {
		return nil, p.errorf("expected an operator after '%s'", p.last)
	}
	p.pos += len(op)
	p.last = op
	c.Op = op
	if op == "exists" {
		return c, nil
	}
	p.skipBlanks()
	switch op {
	case "in", "intersects", "pmatch":
		r, err := p.listSide()
		if err != nil {
			return nil, err
		}
		c.Right = r
		return c, nil
	}
	for _, m := range []string{"oneof", "anyof", "allof"} {
		if p.keyword(m, false) {
			save := p.pos
			p.pos += len(m)
			p.skipBlanks()
			if p.pos < len(p.src) && (p.src[p.pos] == '(' || (isAlpha(p.src[p.pos]) && !p.keyword("and", true) && !p.keyword("or", true) && !p.keyword("not", true))) {
				c.Modifier = m
				p.last = m
				r, err := p.listSide()
				if err != nil {
					return nil, err
				}
				c.Right = r
				return c, nil
			}
			p.pos = save
		}
	}
	if r, ok, err := p.rightField(); err != nil {
		return nil, err
	} else if ok {
		c.Right = r
		return c, nil
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	c.Right = v
	return c, nil
}

// rightField parses val(field)[arg] or a transformer on the right side.
func (p *parser) rightField() (*RightField, bool, error) {
	start := p.pos
	if strings.HasPrefix(p.src[p.pos:], "val(") {
		p.pos += 4
		p.skipBlanks()
		ref, ok, err := p.fieldRef()
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, p.errorf("expected a field inside val()")
		}
		p.skipBlanks()
		if p.pos >= len(p.src) || p.src[p.pos] != ')' {
			return nil, false, p.errorf("expected ')' after '%s'", p.last)
		}
		p.pos++
		p.last = ")"
		if p.pos < len(p.src) && p.src[p.pos] == '[' && !ref.HasArg {
			arg, err := p.bracketArg()
			if err != nil {
				return nil, false, err
			}
			ref.Arg, ref.HasArg = arg, true
		}
		return &RightField{Pos: p.posAt(start), Operand: ref}, true, nil
	}
	if _, ok := p.peekTransformer(); ok {
		t, err := p.transformer()
		if err != nil {
			return nil, false, err
		}
		return &RightField{Pos: p.posAt(start), Operand: t}, true, nil
	}
	return nil, false, nil
}

// listSide parses a list, a bare identifier (one-element list), or a field.
func (p *parser) listSide() (Expr, error) {
	start := p.pos
	if p.pos < len(p.src) && p.src[p.pos] == '(' {
		vals, err := p.listValues()
		if err != nil {
			return nil, err
		}
		return &List{Pos: p.posAt(start), Values: vals}, nil
	}
	if r, ok, err := p.rightField(); err != nil {
		return nil, err
	} else if ok {
		return r, nil
	}
	if id := p.identifier(); id != "" {
		p.last = id
		return &List{Pos: p.posAt(start), Values: []Value{{Pos: p.posAt(start), Text: id}}, Bare: true}, nil
	}
	return nil, p.errorf("expected a list after '%s'", p.last)
}

// listValues parses "(" [value {"," value}] ")".
func (p *parser) listValues() ([]Value, error) {
	p.pos++ // '('
	p.last = "("
	vals := []Value{}
	p.skipBlanks()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
		p.last = ")"
		return vals, nil
	}
	for {
		p.skipBlanks()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		vals = append(vals, *v)
		p.skipBlanks()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			p.last = ","
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == ')' {
			p.pos++
			p.last = ")"
			return vals, nil
		}
		return nil, p.errorf("expected ',' or ')' after '%s'", p.last)
	}
}

// value parses a quoted string or a bare string ([^()"'\s=,]+).
func (p *parser) value() (*Value, error) {
	start := p.pos
	if p.pos < len(p.src) && (p.src[p.pos] == '"' || p.src[p.pos] == '\'') {
		s, err := p.quoted()
		if err != nil {
			return nil, err
		}
		return &Value{Pos: p.posAt(start), Text: s, Quote: true}, nil
	}
	i := p.pos
	for i < len(p.src) && !strings.ContainsRune("()\"'=,", rune(p.src[i])) && !isBlank(p.src[i]) {
		i++
	}
	if i == p.pos {
		return nil, p.errorf("expected a value after '%s'", p.last)
	}
	v := &Value{Pos: p.posAt(start), Text: p.src[p.pos:i]}
	p.pos = i
	p.last = v.Text
	return v, nil
}

// quoted parses a single- or double-quoted string with Falco's escapes.
func (p *parser) quoted() (string, error) {
	q := p.src[p.pos]
	start := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == q {
			p.pos++
			p.last = p.src[start:p.pos]
			return b.String(), nil
		}
		if c != '\\' {
			b.WriteByte(c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.src) {
			break
		}
		e := p.src[p.pos+1]
		p.pos += 2
		switch e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '\\':
			b.WriteByte('\\')
		case '/':
			b.WriteByte('/')
		case ' ':
			b.WriteString("\\ ")
		case '"', '\'':
			if e != q {
				return "", p.errorf("unsupported string escape sequence")
			}
			b.WriteByte(e)
		case 'x':
			if p.pos+2 > len(p.src) {
				return "", p.errorf("unsupported string escape sequence")
			}
			n, err := strconv.ParseUint(p.src[p.pos:p.pos+2], 16, 8)
			if err != nil {
				return "", p.errorf("unsupported string escape sequence")
			}
			b.WriteByte(byte(n))
			p.pos += 2
		default:
			return "", p.errorf("unsupported string escape sequence")
		}
	}
	p.pos = start
	return "", p.errorf("unterminated string %s", p.src[start:])
}
