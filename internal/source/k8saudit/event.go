// Package k8saudit is the Kubernetes audit event source (source k8s_audit).
// It stands in for Falco's k8saudit plugin (and the json plugin's fields over
// audit events): it splits audit payloads (Event, EventList, JSON arrays,
// JSON lines) into events, reads them from files and directories as the
// plugin's open_params name them, and extracts every ka.*, jevt.* and json.*
// field. Live ingestion (the HTTP webhook and audit log following) is in
// live.go and webhook.go.
package k8saudit

import (
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/peregrine-sec/peregrine/internal/event"
)

// SourceName is the event source name rules use.
const SourceName = "k8s_audit"

// DefaultMaxEventSize is the largest single audit event accepted (256 KiB).
const DefaultMaxEventSize = 256 << 10

// Event is one audit Event object. Its memory belongs to the Decoder that
// produced it and is valid only during the emit callback.
type Event struct {
	event.Base
	payload []byte // scratch for re-serialising the event when its text must be checked
	v       *fastjson.Value
	scratch []byte
	// extra holds the record's keys that are not part of the audit Event
	// schema (enrichment added by log shippers); static holds configured labels.
	extra  []extraKey
	static Labels
}

// extraKey is one non-schema top-level key of a record.
type extraKey struct {
	key []byte
	v   *fastjson.Value
}

// JSON returns the parsed event object.
func (e *Event) JSON() *fastjson.Value { return e.v }

// Scratch returns the buffer that rendered values of this event live in.
func (e *Event) Scratch() *[]byte { return &e.scratch }

// Counters are the decoder's statistics, safe to read concurrently.
type Counters struct {
	Events       atomic.Uint64 // events emitted
	Malformed    atomic.Uint64 // records that are not JSON (truncated, too deeply nested...)
	Unrecognized atomic.Uint64 // JSON that is not an audit Event/EventList
	NoTimestamp  atomic.Uint64 // events without a valid stageTimestamp
	Oversize     atomic.Uint64 // events over the size limit
	InvalidUTF8  atomic.Uint64 // events whose text is not valid UTF-8
	WrongType    atomic.Uint64 // events with a schema key of the wrong JSON type
}

// Rejected returns the rejection counts by reason, in a fixed order, for
// metrics and summaries.
func (c *Counters) Rejected() []ReasonCount {
	return []ReasonCount{
		{"malformed", c.Malformed.Load()}, {"unrecognized", c.Unrecognized.Load()},
		{"no_timestamp", c.NoTimestamp.Load()}, {"oversize", c.Oversize.Load()},
		{"invalid_utf8", c.InvalidUTF8.Load()}, {"wrong_type", c.WrongType.Load()},
	}
}

// ReasonCount is a number of rejected records for one reason.
type ReasonCount struct {
	Reason string
	N      uint64
}

// RejectReasons are the reasons Counters.Rejected reports, in order.
var RejectReasons = []string{"malformed", "unrecognized", "no_timestamp", "oversize", "invalid_utf8", "wrong_type"}

// Decoder splits payloads into events. One decoder serves one goroutine; it
// reuses its parser and buffers, so decoding allocates nothing in steady state.
type Decoder struct {
	MaxEventSize int
	Counters     *Counters
	Log          *slog.Logger
	// Labels are static enrichment labels attached to every event (cluster,
	// region, team...); records may carry more as extra top-level keys.
	Labels Labels
	p      fastjson.Parser
	ev     Event
	seq    uint64
	// badUTF8 is set while decoding a payload that is not valid UTF-8, so the
	// per-event check runs only then.
	badUTF8 bool
	// small is set while decoding a payload no larger than MaxEventSize, so
	// no event in it can be over the limit.
	small bool
	num   []byte
}

// NewDecoder returns a decoder with the default limits. counters may be shared
// between decoders; nil allocates private ones.
func NewDecoder(counters *Counters, log *slog.Logger) *Decoder {
	if counters == nil {
		counters = &Counters{}
	}
	if log == nil {
		log = slog.Default()
	}
	return &Decoder{MaxEventSize: DefaultMaxEventSize, Counters: counters, Log: log}
}

// ErrNotAuditEvent is returned for JSON that is neither an Event nor an EventList.
var ErrNotAuditEvent = errors.New("data not recognized as a k8s audit event")

// Decode parses one payload (a JSON document: Event, EventList or an array of
// them) and calls emit for each audit event in order. A malformed element is
// counted and reported in the returned error; the elements around it are
// still emitted.
func (d *Decoder) Decode(data []byte, emit func(*Event)) error {
	v, err := d.p.ParseBytes(data)
	if err != nil {
		d.Counters.Malformed.Add(1)
		return fmt.Errorf("malformed audit payload: %w", err)
	}
	d.badUTF8 = !utf8.Valid(data)
	d.small = d.MaxEventSize <= 0 || len(data) <= d.MaxEventSize
	return d.value(v, emit)
}

func (d *Decoder) value(v *fastjson.Value, emit func(*Event)) error {
	if v.Type() == fastjson.TypeArray {
		var first error
		for _, el := range v.GetArray() {
			if err := d.value(el, emit); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	switch string(v.GetStringBytes("kind")) {
	case "EventList":
		var first error
		for _, it := range v.GetArray("items") {
			if err := d.one(it, emit); err != nil && first == nil {
				first = err
			}
		}
		return first
	case "Event":
		return d.one(v, emit)
	}
	// Log the first few and then one in a thousand, so a flood of bad
	// input cannot flood the log; the counter has the exact number.
	if n := d.Counters.Unrecognized.Add(1); n <= 10 || n%1000 == 0 {
		d.Log.Warn(ErrNotAuditEvent.Error(), "count", n)
	}
	return ErrNotAuditEvent
}

// one emits a single audit event.
func (d *Decoder) one(v *fastjson.Value, emit func(*Event)) error {
	e := &d.ev
	if err := e.scan(v); err != nil {
		d.Counters.WrongType.Add(1)
		return err
	}
	ts, err := parseTime(v.GetStringBytes("stageTimestamp"))
	if err != nil {
		d.Counters.NoTimestamp.Add(1)
		return fmt.Errorf("audit event without a valid stageTimestamp: %w", err)
	}
	if !d.small {
		if n := d.jsonSize(v); n > d.MaxEventSize {
			d.Counters.Oversize.Add(1)
			return fmt.Errorf("event larger than maxEventSize (%d > %d bytes)", n, d.MaxEventSize)
		}
	}
	if d.badUTF8 {
		e.payload = v.MarshalTo(e.payload[:0])
		if !utf8.Valid(e.payload) {
			d.Counters.InvalidUTF8.Add(1)
			return fmt.Errorf("audit event %s: text is not valid UTF-8", v.GetStringBytes("auditID"))
		}
	}
	d.seq++
	e.Base = event.Base{Src: SourceName, TS: ts, Seq: d.seq}
	e.v = v
	e.static = d.Labels
	e.scratch = e.scratch[:0]
	d.Counters.Events.Add(1)
	emit(e)
	return nil
}

// scan checks the JSON types of the audit Event schema keys in one pass over
// the object and records the keys outside the schema (enrichment).
func (e *Event) scan(v *fastjson.Value) error {
	o, err := v.Object()
	if err != nil {
		return errors.New("audit event is not a JSON object")
	}
	e.extra = e.extra[:0]
	var bad []byte
	o.Visit(func(k []byte, x *fastjson.Value) {
		want, known := schemaType(k)
		switch {
		case !known:
			e.extra = append(e.extra, extraKey{key: k, v: x})
		case want == anyType || x.Type() == fastjson.TypeNull:
		case x.Type() != want && bad == nil:
			bad = k
		}
	})
	if bad != nil {
		return fmt.Errorf("audit event %s: key %q has the wrong JSON type (%s)", v.GetStringBytes("auditID"), bad, v.Get(string(bad)).Type())
	}
	return nil
}

// anyType marks schema keys whose JSON type is not checked.
const anyType fastjson.Type = 255

// schemaType returns the JSON type of a top-level key of audit.k8s.io/v1 Event.
func schemaType(k []byte) (fastjson.Type, bool) {
	switch string(k) {
	case "kind", "apiVersion", "level", "auditID", "stage", "requestURI", "verb", "userAgent",
		"requestReceivedTimestamp", "stageTimestamp":
		return fastjson.TypeString, true
	case "user", "impersonatedUser", "objectRef", "responseStatus", "annotations", "metadata":
		return fastjson.TypeObject, true
	case "sourceIPs":
		return fastjson.TypeArray, true
	case "requestObject", "responseObject":
		return anyType, true
	}
	return 0, false
}

// jsonSize returns the size of a value serialised as compact JSON, not
// counting the escapes strings would need. It walks the parsed value,
// writing only numbers (into the decoder's scratch buffer).
func (d *Decoder) jsonSize(v *fastjson.Value) int {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		n := 2
		o.Visit(func(k []byte, x *fastjson.Value) { n += len(k) + 4 + d.jsonSize(x) })
		if o.Len() > 0 {
			n--
		}
		return n
	case fastjson.TypeArray:
		a, _ := v.Array()
		n := 2
		for _, x := range a {
			n += d.jsonSize(x) + 1
		}
		if len(a) > 0 {
			n--
		}
		return n
	case fastjson.TypeString:
		return len(v.GetStringBytes()) + 2
	case fastjson.TypeTrue, fastjson.TypeNull:
		return 4
	case fastjson.TypeFalse:
		return 5
	default: // number: its text as written
		d.num = v.MarshalTo(d.num[:0])
		return len(d.num)
	}
}

// parseTime parses an RFC 3339 timestamp with optional fractional seconds
// into ns since the epoch, without allocating.
func parseTime(b []byte) (int64, error) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't') || b[13] != ':' || b[16] != ':' {
		return 0, fmt.Errorf("invalid timestamp %q", b)
	}
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(b[0:4])
	mo, ok2 := num(b[5:7])
	dd, ok3 := num(b[8:10])
	h, ok4 := num(b[11:13])
	mi, ok5 := num(b[14:16])
	s, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || dd < 1 || dd > 31 || h > 23 || mi > 59 || s > 60 {
		return 0, fmt.Errorf("invalid timestamp %q", b)
	}
	i := 19
	nanos := 0
	if i < len(b) && b[i] == '.' {
		i++
		digits := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if digits < 9 {
				nanos = nanos*10 + int(b[i]-'0')
				digits++
			}
			i++
		}
		for ; digits < 9; digits++ {
			nanos *= 10
		}
	}
	offset := 0
	switch {
	case i < len(b) && (b[i] == 'Z' || b[i] == 'z'):
		i++
	case i+6 == len(b) && (b[i] == '+' || b[i] == '-') && b[i+3] == ':':
		oh, ok1 := num(b[i+1 : i+3])
		om, ok2 := num(b[i+4 : i+6])
		if !ok1 || !ok2 {
			return 0, fmt.Errorf("invalid timestamp %q", b)
		}
		offset = (oh*60 + om) * 60
		if b[i] == '-' {
			offset = -offset
		}
		i += 6
	default:
		return 0, fmt.Errorf("invalid timestamp %q", b)
	}
	if i != len(b) {
		return 0, fmt.Errorf("invalid timestamp %q", b)
	}
	t := time.Date(y, time.Month(mo), dd, h, mi, s, nanos, time.UTC)
	return t.UnixNano() - int64(offset)*int64(time.Second), nil
}

// ResetScratch drops the text rendered for the previous evaluation of the
// event; Decode does it for every new event. Call it before evaluating the
// same event again.
func (e *Event) ResetScratch() { e.scratch = e.scratch[:0] }
