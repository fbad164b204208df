package alertmatch

import (
	"strconv"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
)

// SourceName is the engine source conditions over alerts compile against.
const SourceName = "alert"

// alertEvent presents an alert to the engine as an event whose fields are
// its output fields.
type alertEvent struct {
	event.Base
	a   *alert.Alert
	buf []byte
}

// fieldTable builds the table of every field an alert may carry: the fields
// of every source (typed as there), read back from the alert's output
// fields, plus the alert's own properties (alert.rule, alert.priority...).
func fieldTable(sources ...*field.Table) *field.Table {
	var descs []field.Desc
	seen := map[string]bool{}
	for _, t := range sources {
		for _, d := range t.Fields() {
			if seen[d.Name] {
				continue
			}
			seen[d.Name] = true
			descs = append(descs, outputFieldDesc(d))
		}
	}
	props := []field.Desc{
		prop("alert.rule", "The rule that raised the alert.", func(a *alert.Alert) string { return a.Rule }),
		prop("alert.priority", "The alert's priority name (Critical, Warning...).", func(a *alert.Alert) string { return a.Priority.String() }),
		prop("alert.source", "The event source of the alert (k8s_audit, syscall...).", func(a *alert.Alert) string { return a.Source }),
		prop("alert.hostname", "The host that raised the alert.", func(a *alert.Alert) string { return a.Hostname }),
		prop("alert.output", "The rendered rule output.", func(a *alert.Alert) string { return a.Message }),
		{Name: "alert.tags", Type: field.String, IsList: true, Doc: "The rule's tags.",
			New: func(string, bool) (field.Extractor, error) {
				return field.ExtractorFunc(func(ev event.Event, dst []field.Value) ([]field.Value, bool) {
					a := ev.(*alertEvent).a
					for _, t := range a.Tags {
						dst = append(dst, field.Value{B: []byte(t)})
					}
					return dst, len(a.Tags) > 0
				}), nil
			}},
	}
	return field.NewTable(descs, props)
}

func prop(name, doc string, get func(*alert.Alert) string) field.Desc {
	return field.Desc{Name: name, Type: field.String, Doc: doc,
		New: func(string, bool) (field.Extractor, error) {
			return field.ExtractorFunc(func(ev event.Event, dst []field.Value) ([]field.Value, bool) {
				return append(dst, field.Value{B: []byte(get(ev.(*alertEvent).a))}), true
			}), nil
		}}
}

// outputFieldDesc turns a source field into one read from alert output
// fields under the key the rule output wrote it with.
func outputFieldDesc(d *field.Desc) field.Desc {
	out := *d
	typ := d.Type
	switch {
	case typ.Numeric(), typ == field.Bool:
	default:
		typ = field.String // addresses and buffers compare as their text
	}
	out.Type = typ
	out.Flags = d.Flags &^ field.FilterOnly
	name := d.Name
	out.New = func(arg string, hasArg bool) (field.Extractor, error) {
		keys := []string{name}
		if hasArg {
			keys = []string{name + "[" + arg + "]", name + "." + arg}
		}
		return field.ExtractorFunc(func(ev event.Event, dst []field.Value) ([]field.Value, bool) {
			f := lookup(ev.(*alertEvent).a, keys)
			if f == nil || f.Kind == alert.Null {
				return dst, false
			}
			if f.Kind == alert.List {
				n := len(dst)
				for _, s := range f.List {
					if v, ok := convert(typ, s); ok {
						dst = append(dst, v)
					}
				}
				return dst, len(dst) > n
			}
			v, ok := convert(typ, f.Text)
			if !ok {
				return dst, false
			}
			return append(dst, v), true
		}), nil
	}
	return out
}

func lookup(a *alert.Alert, keys []string) *alert.Field {
	for i := range a.Fields {
		for _, k := range keys {
			if a.Fields[i].Key == k {
				return &a.Fields[i]
			}
		}
	}
	return nil
}

// convert parses an output field's text into a value of the field's type.
func convert(t field.Type, s string) (field.Value, bool) {
	switch {
	case t == field.Bool:
		switch strings.ToLower(s) {
		case "true", "1":
			return field.Value{N: 1}, true
		case "false", "0":
			return field.Value{N: 0}, true
		}
		return field.Value{}, false
	case t.Numeric():
		if t == field.Double {
			return field.Value{}, false
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return field.Value{N: uint64(n)}, true
		}
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return field.Value{N: n}, true
		}
		return field.Value{}, false
	}
	return field.Value{B: []byte(s)}, true
}

// newBase gives an alert the event identity the engine needs.
func newBase(a *alert.Alert) event.Base {
	return event.Base{Src: SourceName, TS: a.Time, Seq: 1}
}
