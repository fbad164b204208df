// Package condition implements the Falco condition language: the lexer and
// parser (libsinsp grammar), the abstract syntax tree, textual list substitution
// and macro expansion. It knows nothing about fields or events; the engine
// compiles the tree against a field table.
package condition

// Pos is a position inside the condition text (0-based byte offset, 1-based line
// and column).
type Pos struct {
	Offset int
	Line   int
	Col    int
}

// Expr is a node of the condition tree.
type Expr interface {
	// Position returns where the node starts in the condition text.
	Position() Pos
}

// And is a conjunction of two or more children, evaluated left to right.
type And struct {
	Pos      Pos
	Children []Expr
}

// Or is a disjunction of two or more children, evaluated left to right.
type Or struct {
	Pos      Pos
	Children []Expr
}

// Not negates its child.
type Not struct {
	Pos   Pos
	Child Expr
}

// MacroRef is a bare identifier: a reference to a macro, replaced by the macro's
// tree during expansion. Unexpanded references are an error at compile time.
type MacroRef struct {
	Pos  Pos
	Name string
}

// Operand is the left side of a check, or a field-valued right side:
// a *FieldRef or a *Transformer.
type Operand interface {
	Expr
	operand()
}

// FieldRef is a field name with an optional argument: proc.aname[2], ka.uri.param[command].
type FieldRef struct {
	Pos    Pos
	Name   string // as written, without the bracket argument
	Arg    string // bracket argument, unquoted
	HasArg bool
}

// Transformer applies a function to operands: tolower(proc.name), len(ka.req.pod.containers.image).
type Transformer struct {
	Pos  Pos
	Name string    // tolower, toupper, b64, basename, len, join, concat, getopt
	Args []Operand // fields, transformers or *Literal / *ListLiteral arguments
	// Arg is the optional bracket argument written after the closing parenthesis.
	Arg    string
	HasArg bool
}

// Literal is a constant argument of a transformer (quoted string or number).
type Literal struct {
	Pos   Pos
	Value string
}

// ListLiteral is a parenthesised list argument of a transformer.
type ListLiteral struct {
	Pos    Pos
	Values []string
}

// Check compares an operand with a value: `proc.name in (bash, sh)`, `fd.name exists`.
type Check struct {
	Pos  Pos
	Left Operand
	// Op is the operator as written: "exists", "=", "==", "!=", "<", "<=", ">", ">=",
	// "contains", "icontains", "bcontains", "startswith", "bstartswith",
	// "endswith", "glob", "iglob", "regex", "in", "intersects", "pmatch".
	Op string
	// Modifier is "", "oneof", "anyof" or "allof".
	Modifier string
	// Right is nil for exists; otherwise a *Value, a *List, or a field operand
	// written as val(field) or as a transformer (RightField).
	Right Expr
}

// Value is a single constant on the right of a check (quotes and escapes removed).
type Value struct {
	Pos   Pos
	Text  string
	Quote bool // written as a quoted string
}

// List is a parenthesised list of constants on the right of a list operator or
// modifier. A bare identifier in list position becomes a one-element List with
// Bare set.
type List struct {
	Pos    Pos
	Values []Value
	Bare   bool
}

// RightField is a field-valued right side: val(field)[arg] or a transformer.
type RightField struct {
	Pos     Pos
	Operand Operand
}

// Position implementations.

func (n *And) Position() Pos         { return n.Pos }
func (n *Or) Position() Pos          { return n.Pos }
func (n *Not) Position() Pos         { return n.Pos }
func (n *MacroRef) Position() Pos    { return n.Pos }
func (n *FieldRef) Position() Pos    { return n.Pos }
func (n *Transformer) Position() Pos { return n.Pos }
func (n *Literal) Position() Pos     { return n.Pos }
func (n *ListLiteral) Position() Pos { return n.Pos }
func (n *Check) Position() Pos       { return n.Pos }
func (n *Value) Position() Pos       { return n.Pos }
func (n *List) Position() Pos        { return n.Pos }
func (n *RightField) Position() Pos  { return n.Pos }

func (*FieldRef) operand()    {}
func (*Transformer) operand() {}
func (*Literal) operand()     {}
func (*ListLiteral) operand() {}
