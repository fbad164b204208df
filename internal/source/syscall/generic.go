package syscall

import (
	"strconv"
	"time"

	"github.com/peregrine-sec/peregrine/internal/condition"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
)

// timeExtractor formats the event time into a scratch buffer owned by the
// extractor; an extractor instance serves one goroutine's matcher at a time.
type timeExtractor struct {
	buf    []byte
	format func(dst []byte, ns int64) []byte
}

func (t *timeExtractor) Extract(ev event.Event, dst []field.Value) ([]field.Value, bool) {
	t.buf = t.format(t.buf[:0], ev.Time())
	return append(dst, field.Value{B: t.buf}), true
}

func timeField(name, doc string, format func(dst []byte, ns int64) []byte) field.Desc {
	return field.Desc{Name: name, Type: field.String, Doc: doc, New: func(string, bool) (field.Extractor, error) {
		return &timeExtractor{format: format}, nil
	}}
}

func numField(name string, t field.Type, doc string, get func(ev event.Event) uint64) field.Desc {
	return field.Desc{Name: name, Type: t, Doc: doc, New: func(string, bool) (field.Extractor, error) {
		return field.ExtractorFunc(func(ev event.Event, dst []field.Value) ([]field.Value, bool) {
			return append(dst, field.Value{N: get(ev)}), true
		}), nil
	}}
}

// GenericFields are the evt.* fields every source has: they only need the
// event's time, sequence number and source.
func GenericFields() []field.Desc {
	return []field.Desc{
		numField("evt.num", field.Uint64, "Event sequence number, starting at 1.", func(ev event.Event) uint64 { return ev.Num() }),
		timeField("evt.time", "Event time, local wall clock HH:MM:SS.nnnnnnnnn.", func(b []byte, ns int64) []byte {
			return time.Unix(0, ns).AppendFormat(b, "15:04:05.000000000")
		}),
		timeField("evt.time.s", "Event time, local wall clock HH:MM:SS.", func(b []byte, ns int64) []byte {
			return time.Unix(0, ns).AppendFormat(b, "15:04:05")
		}),
		timeField("evt.time.iso8601", "Event time in ISO 8601 with ns, UTC.", func(b []byte, ns int64) []byte {
			return time.Unix(0, ns).UTC().AppendFormat(b, "2006-01-02T15:04:05.000000000Z")
		}),
		timeField("evt.datetime", "Event date and time, local: YYYY-MM-DD HH:MM:SS.nnnnnnnnn.", func(b []byte, ns int64) []byte {
			return time.Unix(0, ns).AppendFormat(b, "2006-01-02 15:04:05.000000000")
		}),
		timeField("evt.datetime.s", "Event date and time, local: YYYY-MM-DD HH:MM:SS.", func(b []byte, ns int64) []byte {
			return time.Unix(0, ns).AppendFormat(b, "2006-01-02 15:04:05")
		}),
		numField("evt.rawtime", field.AbsTime, "Event time in ns since the epoch.", func(ev event.Event) uint64 { return uint64(ev.Time()) }),
		numField("evt.rawtime.s", field.Uint64, "Integer part of the event time in seconds.", func(ev event.Event) uint64 { return uint64(ev.Time() / 1e9) }),
		numField("evt.rawtime.ns", field.Uint64, "Fractional part of the event time in ns.", func(ev event.Event) uint64 { return uint64(ev.Time() % 1e9) }),
		timeField("evt.time.unix", "Event time in seconds since the epoch (decimal).", func(b []byte, ns int64) []byte {
			return strconv.AppendInt(b, ns/1e9, 10)
		}),
		{Name: "evt.source", Type: field.String, Doc: "Name of the event source.", New: func(string, bool) (field.Extractor, error) {
			return field.ExtractorFunc(func(ev event.Event, dst []field.Value) ([]field.Value, bool) {
				return append(dst, field.Value{B: []byte(ev.Source())}), true
			}), nil
		}},
	}
}

// eventTypes implements the engine's event-type table over syscallNames.
type eventTypes map[string]bool

// EventTypes returns the table of event type names `evt.type` accepts.
func EventTypes() interface {
	Codes(name string) int
	TotalCodes() int
} {
	t := eventTypes{}
	for _, n := range syscallNames {
		t[n] = true
	}
	return t
}

// Codes is 2 (enter and exit) for known names, 0 otherwise.
func (t eventTypes) Codes(name string) int {
	if t[name] {
		return 2
	}
	return 0
}

// TotalCodes is the number of event codes in all.
func (t eventTypes) TotalCodes() int { return 2 * len(t) }

// EvtNumConstant folds checks on evt.num that are always true or false
// (evt.num starts at 1), as Falco's event-type analysis does.
func EvtNumConstant(c *condition.Check) (bool, bool) {
	f, ok := c.Left.(*condition.FieldRef)
	if !ok || f.Name != "evt.num" || f.HasArg {
		return false, false
	}
	v, ok := c.Right.(*condition.Value)
	if !ok || v.Text != "0" {
		return false, false
	}
	switch c.Op {
	case "=", "==", "<", "<=":
		return false, true
	case "!=", ">", ">=":
		return true, true
	}
	return false, false
}
