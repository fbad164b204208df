package rules

import (
	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/condition"
)

// Compiler is what the loader needs from the engine: which sources exist, which
// fields they have, and compiling conditions and outputs. The engine implements it.
type Compiler interface {
	// HasSource reports whether rules of this source can be compiled (the source
	// is loaded). Rules of other sources get LOAD_UNKNOWN_SOURCE and are skipped.
	HasSource(source string) bool
	// CheckField validates a field name (as written, possibly with [arg]) for the
	// source, for exception fields. The error text is used as the message.
	CheckField(source, name string) error
	// CompileCondition compiles a condition whose lists are substituted and whose
	// macros are expanded. warnings are compiler hints (LOAD_COMPILE_CONDITION
	// messages). An error for which IsUnknownField(err) is true may be downgraded
	// to a LOAD_UNKNOWN_FILTER warning by skip-if-unknown-filter.
	CompileCondition(source string, expr condition.Expr) (filter any, warnings []string, err error)
	// CompileOutput validates and compiles an output template for the source.
	CompileOutput(source, output string) (format any, err error)
	// EventTypes returns the number of event types the condition can match for
	// sources with an event-type index, and whether the source has one
	// (LOAD_NO_EVTTYPE applies only then).
	EventTypes(source string, expr condition.Expr) (n int, indexed bool, err error)
}

// IsUnknownField reports whether err is a compile error caused by an unknown
// field or event type (errors implementing UnknownField() bool).
func IsUnknownField(err error) bool {
	u, ok := err.(interface{ UnknownField() bool })
	return ok && u.UnknownField()
}

// Rule is one rule after loading: fully merged, exceptions expanded, macros
// expanded and compiled. The engine builds its per-source rule sets from these.
type Rule struct {
	Name        string
	Desc        string
	Output      string // final output template (after append and append_output)
	Condition   string // final condition text, exceptions appended, before list substitution
	Expr        condition.Expr
	Priority    alert.Priority
	Source      string
	Tags        []string // sorted, unique
	Enabled     bool
	Capture     bool
	CaptureNS   int64    // capture_duration converted to ns (0 = configured default)
	ExcFields   []string // exception field names, in order
	Index       int      // position of the first definition: evaluation and listing order
	Filter      any      // from Compiler.CompileCondition
	Format      any      // from Compiler.CompileOutput
	File        string
	Line        int
	WarnEvtType bool
}
