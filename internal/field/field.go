// Package field describes the fields that rules can ask of events: their names,
// types and arguments (Desc), the values extracted from an event (Value), and the
// extractors that produce them.
//
// Every event source publishes a Table. The engine compiles each field reference
// in a rule condition or output template against the table of the rule's source,
// once, into an Extractor that it calls per event.
package field

import (
	"fmt"
	"sort"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/event"
)

// Type is the value type of a field, following the libsinsp type names that the
// Falco rules language is defined over.
type Type uint8

// The field types. Numeric types keep their value in Value.N.
const (
	String  Type = iota // text; also file system paths
	Bytes               // raw byte buffer (bcontains, bstartswith)
	Bool                // Value.N is 0 or 1
	Int64               // Value.N holds the two's complement bits
	Uint64              // Value.N
	Uint32              // Value.N
	Port                // Value.N, a 16-bit port number
	RelTime             // Value.N, a duration in nanoseconds
	AbsTime             // Value.N, nanoseconds since the Unix epoch
	Double              // Value.N holds math.Float64bits
	IPAddr              // Value.B holds 4 (IPv4) or 16 (IPv6) bytes
	IPNet               // Value.B holds the address bytes followed by the mask bytes
)

var typeNames = [...]string{
	String: "string", Bytes: "bytebuf", Bool: "bool", Int64: "int64", Uint64: "uint64",
	Uint32: "uint32", Port: "port", RelTime: "reltime", AbsTime: "abstime", Double: "double",
	IPAddr: "ipaddr", IPNet: "ipnet",
}

// String returns the libsinsp-style name of the type.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", t)
}

// Numeric reports whether values of the type compare as numbers.
func (t Type) Numeric() bool {
	switch t {
	case Int64, Uint64, Uint32, Port, RelTime, AbsTime, Double:
		return true
	}
	return false
}

// Flags qualify how a field may be used.
type Flags uint16

// Field flags.
const (
	// FilterOnly fields may be used in conditions but not in outputs.
	FilterOnly Flags = 1 << iota
	// NoRHS fields may appear on neither side of a field-to-field comparison.
	NoRHS
	// NoTransformer fields reject transformers such as tolower().
	NoTransformer
	// ArgRequired fields must be written with an argument: name[arg].
	ArgRequired
	// ArgAllowed fields may be written with an optional argument.
	ArgAllowed
	// ArgIndex means the argument is a non-negative decimal index.
	ArgIndex
	// ArgKey means the argument is a key (a name, a path, a JSON pointer).
	ArgKey
	// DottedArg fields also accept the argument after a dot: evt.arg.flags == evt.arg[flags].
	DottedArg
	// Deprecated fields still work but give a LOAD_DEPRECATED_ITEM warning.
	Deprecated
	// AnyAncestor fields without an index match when any of their values matches
	// (proc.aname and friends) even though they are not list fields.
	AnyAncestor
)

// Desc describes one field of a source.
type Desc struct {
	Name   string // e.g. "ka.target.resource"
	Type   Type
	IsList bool // the field yields zero or more values (in/intersects/exists only)
	Flags  Flags
	Doc    string
	// New builds the extractor for one use of the field with the given argument
	// (hasArg is false when none was written). It validates the argument.
	// A nil New means the field is known to the rules language but this build
	// cannot extract it yet; such a field always reads as missing.
	New func(arg string, hasArg bool) (Extractor, error)
}

// Has reports whether all of f are set on the descriptor.
func (d *Desc) Has(f Flags) bool { return d.Flags&f == f }

// Value is one extracted value. Which member carries it depends on the field Type.
// Byte slices may point into event memory and are only valid while the event is
// being evaluated.
type Value struct {
	B []byte
	N uint64
}

// Str returns a string value (for tests and slow paths; it allocates).
func (v Value) Str() string { return string(v.B) }

// Extractor reads one field (with its argument bound) from events.
type Extractor interface {
	// Extract appends the field's values for ev to dst and returns the extended
	// slice. ok is false when the field has no value for this event; then every
	// comparison on it is false. Implementations must not allocate in steady state.
	Extract(ev event.Event, dst []Value) (vals []Value, ok bool)
}

// ExtractorFunc adapts a function to the Extractor interface.
type ExtractorFunc func(ev event.Event, dst []Value) ([]Value, bool)

// Extract calls f.
func (f ExtractorFunc) Extract(ev event.Event, dst []Value) ([]Value, bool) { return f(ev, dst) }

// Table is the set of fields one source offers, looked up by name.
type Table struct {
	descs  []*Desc
	byName map[string]*Desc
}

// NewTable builds a table. A later descriptor with the same name replaces an earlier one.
func NewTable(descs ...[]Desc) *Table {
	t := &Table{byName: map[string]*Desc{}}
	for _, group := range descs {
		for i := range group {
			d := &group[i]
			if _, dup := t.byName[d.Name]; !dup {
				t.descs = append(t.descs, d)
			}
			t.byName[d.Name] = d
		}
	}
	return t
}

// Fields returns every descriptor in a stable, sorted order.
func (t *Table) Fields() []*Desc {
	out := append([]*Desc(nil), t.descs...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Resolve finds the descriptor for a field reference as written in a rule. name is
// the dotted name (without a bracket argument). For DottedArg fields a trailing
// ".x" is taken as the argument: Resolve("evt.arg.flags") returns evt.arg with
// arg "flags". ok is false for unknown fields.
func (t *Table) Resolve(name string) (d *Desc, dottedArg string, ok bool) {
	if d, ok := t.byName[name]; ok {
		return d, "", true
	}
	// Longest known prefix that takes a dotted argument.
	for i := strings.LastIndexByte(name, '.'); i > 0; i = strings.LastIndexByte(name[:i], '.') {
		if d, ok := t.byName[name[:i]]; ok && d.Has(DottedArg) {
			return d, name[i+1:], true
		}
	}
	return nil, "", false
}
