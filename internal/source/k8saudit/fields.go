package k8saudit

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/source/jsonevent"
)

// extractFn reads one field from an audit event.
type extractFn func(e *Event, dst []field.Value, arg string, hasArg bool) ([]field.Value, bool)

// desc builds a descriptor whose extractor binds the argument and type-asserts the event.
func desc(name string, list bool, flags field.Flags, doc string, fn extractFn) field.Desc {
	return field.Desc{Name: name, Type: field.String, IsList: list, Flags: flags, Doc: doc,
		New: func(arg string, hasArg bool) (field.Extractor, error) {
			if hasArg && flags&field.ArgIndex != 0 && flags&field.ArgKey == 0 && !jsonevent.IsIndex(arg) {
				return nil, fmt.Errorf("index argument must be a non-negative integer without leading zeros, got %q", arg)
			}
			return field.ExtractorFunc(func(ev event.Event, dst []field.Value) ([]field.Value, bool) {
				e, ok := ev.(*Event)
				if !ok || e.v == nil {
					return dst, false
				}
				return fn(e, dst, arg, hasArg)
			}), nil
		}}
}

// text renders a JSON value as the plugin does (strings unquoted, others compact JSON).
func (e *Event) text(v *fastjson.Value) []byte { return jsonevent.Text(e, v) }

// audit returns the event's value, or nil when it lacks auditID (then every ka.* field is missing).
func audit(e *Event) *fastjson.Value {
	if e.v.Get("auditID") == nil {
		return nil
	}
	return e.v
}

// str is a single-valued field at a JSON path.
func str(path ...string) extractFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		a := audit(e)
		if a == nil {
			return dst, false
		}
		v := a.Get(path...)
		if v == nil || v.Type() == fastjson.TypeNull {
			return dst, false
		}
		return append(dst, field.Value{B: e.text(v)}), true
	}
}

// each is a list field: for every element of the array at arrPath (or only
// element [arg]), the value at sub (flattened when it is an array).
func each(arrPath []string, sub ...string) extractFn {
	return func(e *Event, dst []field.Value, arg string, hasArg bool) ([]field.Value, bool) {
		a := audit(e)
		if a == nil {
			return dst, false
		}
		arr := a.GetArray(arrPath...)
		if hasArg {
			i, _ := strconv.Atoi(arg)
			if i >= len(arr) {
				return dst, false
			}
			arr = arr[i : i+1]
		}
		start := len(dst)
		for _, el := range arr {
			v := el
			if len(sub) > 0 {
				v = el.Get(sub...)
			}
			if v == nil || v.Type() == fastjson.TypeNull {
				continue
			}
			if v.Type() == fastjson.TypeArray && len(sub) > 0 {
				for _, x := range v.GetArray() {
					dst = append(dst, field.Value{B: e.text(x)})
				}
				continue
			}
			dst = append(dst, field.Value{B: e.text(v)})
		}
		return dst, len(dst) > start
	}
}

// repository strips tag and digest from image references: the text before
// the first ':' and then before '@', as the plugin does.
func repository(inner extractFn) extractFn {
	return func(e *Event, dst []field.Value, arg string, hasArg bool) ([]field.Value, bool) {
		start := len(dst)
		dst, ok := inner(e, dst, arg, hasArg)
		for i := start; i < len(dst); i++ {
			b := dst[i].B
			if j := bytes.IndexByte(b, ':'); j >= 0 {
				b = b[:j]
			}
			if j := bytes.IndexByte(b, '@'); j >= 0 {
				b = b[:j]
			}
			dst[i].B = b
		}
		return dst, ok
	}
}

// anyTrue is "true" when any value of inner is true, else "false".
func anyTrue(inner extractFn) extractFn {
	return func(e *Event, dst []field.Value, arg string, hasArg bool) ([]field.Value, bool) {
		var buf [8]field.Value
		vals, ok := inner(e, buf[:0], arg, hasArg)
		if !ok {
			return dst, false
		}
		for _, v := range vals {
			if string(v.B) == "true" {
				return append(dst, field.Value{B: trueBytes}), true
			}
		}
		return append(dst, field.Value{B: falseBytes}), true
	}
}

var trueBytes, falseBytes = []byte("true"), []byte("false")

// hostPathMounted implements the deprecated ka.req.volume.hostpath[path]:
// "true" when a hostPath volume has that path (prefix match when it ends in *).
func hostPathMounted(e *Event, dst []field.Value, arg string, _ bool) ([]field.Value, bool) {
	a := audit(e)
	if a == nil {
		return dst, false
	}
	prefix := strings.HasSuffix(arg, "*")
	want := strings.TrimSuffix(arg, "*")
	for _, vol := range a.GetArray("requestObject", "spec", "volumes") {
		p := vol.GetStringBytes("hostPath", "path")
		if p == nil {
			continue
		}
		if string(p) == want || (prefix && strings.HasPrefix(string(p), want)) {
			return append(dst, field.Value{B: trueBytes}), true
		}
	}
	return append(dst, field.Value{B: falseBytes}), true
}

// uriParam returns the first value of a query parameter of requestURI.
func uriParam(e *Event, dst []field.Value, arg string, _ bool) ([]field.Value, bool) {
	a := audit(e)
	if a == nil {
		return dst, false
	}
	uri := a.GetStringBytes("requestURI")
	q := bytes.IndexByte(uri, '?')
	if q < 0 {
		return dst, false
	}
	for _, kv := range bytes.Split(uri[q+1:], []byte("&")) {
		k, v, _ := bytes.Cut(kv, []byte("="))
		key, err := url.QueryUnescape(string(k))
		if err != nil || key != arg {
			continue
		}
		val, err := url.QueryUnescape(string(v))
		if err != nil {
			return dst, false
		}
		return append(dst, field.Value{B: []byte(val)}), true
	}
	return dst, false
}
