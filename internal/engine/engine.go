// Package engine compiles rule conditions and output templates against the field
// tables of the event sources, builds one rule set per source indexed by the
// values that conditions pin (event type for syscalls, verb and resource for
// audit events), and evaluates events against it without allocating.
package engine

import (
	"fmt"
	"sync"

	"github.com/peregrine-sec/peregrine/internal/condition"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/rules"
)

// Source describes one event source to the engine.
type Source struct {
	// Name is the source name rules use in `source:` ("syscall", "k8s_audit").
	Name string
	// Fields is the source's field table.
	Fields *field.Table
	// Index lists the fields whose pinned values index the rule set. The first
	// entry with EventTypes set is the event-type index that LOAD_NO_EVTTYPE
	// warnings are computed over.
	Index []IndexSpec
}

// IndexSpec names a scalar field by whose value rules are indexed.
type IndexSpec struct {
	Field string
	// EventTypes, when set, makes this the event-type index: it validates the
	// values written in conditions and counts event codes for LOAD_NO_EVTTYPE.
	EventTypes EventTypeTable
	// ConstFalse, when set, recognises checks on other fields that can never be
	// true (Falco folds `evt.num = 0`); it returns (value, true) for constants.
	Constant func(c *condition.Check) (value bool, ok bool)
}

// EventTypeTable is the set of event type names a source knows.
type EventTypeTable interface {
	// Codes returns how many event codes carry the name, or 0 if unknown.
	Codes(name string) int
	// TotalCodes is the number of event codes in all.
	TotalCodes() int
}

// Engine compiles rules for a fixed set of sources. It implements rules.Compiler.
// Compilation is not safe for concurrent use; compiled rule sets are read-only
// and shared by matchers on any number of goroutines.
type Engine struct {
	sources map[string]*sourceState
	order   []string
}

// sourceState is the per-source compile state: the operand cache slots shared by
// every rule of the source, so each distinct field is extracted once per event.
type sourceState struct {
	Source
	mu    sync.Mutex
	slots map[string]int // canonical operand text -> slot
}

// New returns an engine for the given sources.
func New(sources ...Source) *Engine {
	e := &Engine{sources: map[string]*sourceState{}}
	for _, s := range sources {
		e.sources[s.Name] = &sourceState{Source: s, slots: map[string]int{}}
		e.order = append(e.order, s.Name)
	}
	return e
}

// Sources returns the names of the sources, in registration order.
func (e *Engine) Sources() []string { return append([]string(nil), e.order...) }

// Source returns the description of a source.
func (e *Engine) Source(name string) (Source, bool) {
	s, ok := e.sources[name]
	if !ok {
		return Source{}, false
	}
	return s.Source, true
}

// HasSource reports whether the engine has the source.
func (e *Engine) HasSource(name string) bool { _, ok := e.sources[name]; return ok }

// CheckField validates a field reference such as "proc.name" or "proc.aname[2]".
func (e *Engine) CheckField(source, name string) error {
	s, ok := e.sources[source]
	if !ok {
		return fmt.Errorf("unknown source %s", source)
	}
	ref, err := parseFieldRef(name)
	if err != nil {
		return err
	}
	if _, err := s.resolve(ref); err != nil {
		return fmt.Errorf("'%s' is not a supported filter field", name)
	}
	return nil
}

// CompileCondition compiles an expanded condition into a *Filter.
func (e *Engine) CompileCondition(source string, expr condition.Expr) (any, []string, error) {
	s, ok := e.sources[source]
	if !ok {
		return nil, nil, fmt.Errorf("unknown source %s", source)
	}
	c := &compiler{src: s}
	root, err := c.expr(expr)
	if err != nil {
		return nil, c.warnings, err
	}
	f := &Filter{root: root, sets: make([]valueSet, len(s.Index))}
	for i := range s.Index {
		set, err := analyze(expr, &s.Index[i], false)
		if err != nil {
			return nil, c.warnings, err
		}
		f.sets[i] = set
	}
	return f, c.warnings, nil
}

// EventTypes counts the event codes a condition can match on the source's
// event-type index.
func (e *Engine) EventTypes(source string, expr condition.Expr) (int, bool, error) {
	s, ok := e.sources[source]
	if !ok {
		return 0, false, nil
	}
	for i := range s.Index {
		spec := &s.Index[i]
		if spec.EventTypes == nil {
			continue
		}
		set, err := analyze(expr, spec, false)
		if err != nil {
			return 0, true, err
		}
		return set.count(spec.EventTypes), true, nil
	}
	return 0, false, nil
}

// CompileOutput compiles an output template into a *Format.
func (e *Engine) CompileOutput(source, output string) (any, error) {
	s, ok := e.sources[source]
	if !ok {
		return nil, fmt.Errorf("unknown source %s", source)
	}
	return compileFormat(s, output)
}

// slot returns the cache slot of an operand, identified by its canonical text.
func (s *sourceState) slot(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, ok := s.slots[key]; ok {
		return n
	}
	n := len(s.slots)
	s.slots[key] = n
	return n
}

func (s *sourceState) numSlots() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.slots)
}

// unknownFieldError is a compile error caused by an unknown field or event type.
type unknownFieldError struct{ msg string }

func (e *unknownFieldError) Error() string      { return e.msg }
func (e *unknownFieldError) UnknownField() bool { return true }

var _ rules.Compiler = (*Engine)(nil)
