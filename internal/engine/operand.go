package engine

import (
	"fmt"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/condition"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
)

// operand is a compiled field reference or transformer: something that yields
// values for an event. Its slot indexes the matcher's per-event cache.
type operand struct {
	key  string // canonical text; also the output_fields key
	slot int
	typ  field.Type
	list bool
	any  bool // several values of a non-list field: a comparison matches if any does
	desc *field.Desc
	ex   field.Extractor
	tr   *transform
}

// missing is the extractor of a field this build knows but cannot extract yet.
var missing = field.ExtractorFunc(func(event.Event, []field.Value) ([]field.Value, bool) { return nil, false })

// parseFieldRef parses "name" or "name[arg]" as written in an exception field list.
func parseFieldRef(text string) (*condition.FieldRef, error) {
	text = strings.TrimSpace(text)
	ref := &condition.FieldRef{Name: text}
	if i := strings.IndexByte(text, '['); i >= 0 {
		if !strings.HasSuffix(text, "]") {
			return nil, fmt.Errorf("'%s' is not a supported filter field", text)
		}
		ref.Name, ref.Arg, ref.HasArg = text[:i], text[i+1:len(text)-1], true
		if len(ref.Arg) >= 2 && (ref.Arg[0] == '"' || ref.Arg[0] == '\'') && ref.Arg[len(ref.Arg)-1] == ref.Arg[0] {
			ref.Arg = ref.Arg[1 : len(ref.Arg)-1]
		}
	}
	return ref, nil
}

// fieldKey renders a field reference the way Falco names it in output_fields.
func fieldKey(name, arg string, hasArg bool) string {
	if !hasArg {
		return name
	}
	return name + "[" + arg + "]"
}

// resolve compiles a field reference against the source's table.
func (s *sourceState) resolve(ref *condition.FieldRef) (*operand, error) {
	d, dotted, ok := s.Fields.Resolve(ref.Name)
	if !ok {
		return nil, &unknownFieldError{msg: "filter_check called with nonexistent field " + ref.Name}
	}
	arg, hasArg := ref.Arg, ref.HasArg
	if dotted != "" {
		if hasArg {
			return nil, fmt.Errorf("field %s: argument given both after a dot and in brackets", ref.Name)
		}
		arg, hasArg = dotted, true
	}
	if hasArg && !d.Has(field.ArgRequired) && !d.Has(field.ArgAllowed) {
		return nil, fmt.Errorf("field '%s' does not accept an argument", d.Name)
	}
	if !hasArg && d.Has(field.ArgRequired) {
		return nil, fmt.Errorf("field '%s' requires an argument but none provided", d.Name)
	}
	if hasArg && d.Has(field.ArgIndex) && !d.Has(field.ArgKey) && !isIndex(arg) {
		return nil, fmt.Errorf("field '%s' has an invalid index argument '%s'", d.Name, arg)
	}
	ex := field.Extractor(missing)
	if d.New != nil {
		var err error
		if ex, err = d.New(arg, hasArg); err != nil {
			return nil, fmt.Errorf("field '%s': %w", fieldKey(d.Name, arg, hasArg), err)
		}
	}
	key := fieldKey(ref.Name, ref.Arg, ref.HasArg)
	return &operand{
		key:  key,
		slot: s.slot(key),
		typ:  d.Type,
		list: d.IsList,
		any:  d.Has(field.AnyAncestor) && !hasArg,
		desc: d,
		ex:   ex,
	}, nil
}

func isIndex(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// operand compiles the left side of a check, or a field-valued right side.
func (s *sourceState) operand(o condition.Operand) (*operand, error) {
	switch n := o.(type) {
	case *condition.FieldRef:
		return s.resolve(n)
	case *condition.Transformer:
		return s.transformer(n)
	}
	return nil, fmt.Errorf("unexpected operand %T", o)
}

// slotCache holds one operand's values for the event being evaluated.
type slotCache struct {
	gen     uint64
	ok      bool
	vals    []field.Value
	scratch []byte
}

// values returns the operand's values for the current event, extracting them at
// most once per event.
func (m *Matcher) values(o *operand, ev event.Event) ([]field.Value, bool) {
	c := &m.cache[o.slot]
	if c.gen == m.gen {
		return c.vals, c.ok
	}
	c.gen = m.gen
	if o.tr != nil {
		c.vals, c.ok = o.tr.apply(m, ev, c)
	} else {
		c.vals, c.ok = o.ex.Extract(ev, c.vals[:0])
	}
	if len(c.vals) == 0 {
		c.ok = false
	}
	return c.vals, c.ok
}
