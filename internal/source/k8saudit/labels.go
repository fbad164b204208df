package k8saudit

import (
	"github.com/valyala/fastjson"

	"github.com/peregrine-sec/peregrine/internal/event"
)

// Labels are static enrichment labels (an alias kept for callers of this package).
type Labels = event.Labels

// Label appends the value of a label to dst: a top-level key of the record
// that is not part of the audit Event schema (a log shipper's enrichment),
// else the configured static label.
func (e *Event) Label(dst []byte, key string) ([]byte, bool) {
	for _, x := range e.extra {
		if string(x.key) == key {
			return appendScalar(dst, x.v), true
		}
	}
	if v, ok := e.static.Get(key); ok {
		return append(dst, v...), true
	}
	return dst, false
}

// EachLabel calls fn for the static labels (unless the record overrides
// them) and then for the record's own extra keys, in record order.
func (e *Event) EachLabel(fn func(key string, value []byte)) {
	var buf []byte
	for _, l := range e.static.All() {
		if e.hasExtra(l.Key) {
			continue
		}
		fn(l.Key, []byte(l.Value))
	}
	for _, x := range e.extra {
		buf = appendScalar(buf[:0], x.v)
		fn(string(x.key), buf)
	}
}

func (e *Event) hasExtra(key string) bool {
	for _, x := range e.extra {
		if string(x.key) == key {
			return true
		}
	}
	return false
}

// appendScalar renders a JSON value as label text: strings unquoted, other
// values as compact JSON.
func appendScalar(dst []byte, v *fastjson.Value) []byte {
	if v.Type() == fastjson.TypeString {
		return append(dst, v.GetStringBytes()...)
	}
	return v.MarshalTo(dst)
}
