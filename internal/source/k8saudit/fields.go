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
)

// extractFn reads one field from an audit event.
type extractFn func(e *Event, dst []field.Value, arg string, hasArg bool) ([]field.Value, bool)

// desc builds a descriptor whose extractor binds the argument and type-asserts the event.
func desc(name string, list bool, flags field.Flags, doc string, fn extractFn) field.Desc {
	return field.Desc{Name: name, Type: field.String, IsList: list, Flags: flags, Doc: doc,
		New: func(arg string, hasArg bool) (field.Extractor, error) {
			if hasArg && flags&field.ArgIndex != 0 && flags&field.ArgKey == 0 && !isIndex(arg) {
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

// text renders a JSON value as Falco's plugin does: strings unquoted, anything
// else as compact JSON, appended to the event's scratch buffer when needed.
func (e *Event) text(v *fastjson.Value) []byte {
	if v.Type() == fastjson.TypeString {
		b, _ := v.StringBytes()
		return b
	}
	start := len(e.scratch)
	e.scratch = v.MarshalTo(e.scratch)
	return e.scratch[start:len(e.scratch):len(e.scratch)]
}

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

// pointerDesc is json.value[/a/b/0] (and its jevt alias): an RFC 6901 JSON
// pointer over the event, split into tokens once when the rule compiles.
func pointerDesc(name, doc string) field.Desc {
	return field.Desc{Name: name, Type: field.String, Flags: field.ArgRequired | field.ArgKey, Doc: doc,
		New: func(arg string, _ bool) (field.Extractor, error) {
			if arg != "" && arg[0] != '/' {
				return nil, fmt.Errorf("json pointer %q must start with '/'", arg)
			}
			var toks []string
			if arg != "" {
				for _, t := range strings.Split(arg[1:], "/") {
					toks = append(toks, strings.NewReplacer("~1", "/", "~0", "~").Replace(t))
				}
			}
			return field.ExtractorFunc(func(ev event.Event, dst []field.Value) ([]field.Value, bool) {
				e, ok := ev.(*Event)
				if !ok || e.v == nil {
					return dst, false
				}
				v := e.v
				for _, tok := range toks {
					switch v.Type() {
					case fastjson.TypeObject:
						v = v.Get(tok)
					case fastjson.TypeArray:
						if !isIndex(tok) {
							return dst, false
						}
						i, _ := strconv.Atoi(tok)
						arr := v.GetArray()
						if i >= len(arr) {
							return dst, false
						}
						v = arr[i]
					default:
						return dst, false
					}
					if v == nil {
						return dst, false
					}
				}
				return append(dst, field.Value{B: e.text(v)}), true
			}), nil
		}}
}

// wholeObject renders the event as indented JSON (json.obj).
func wholeObject(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	var b bytes.Buffer
	indentJSON(&b, e.v, "")
	return append(dst, field.Value{B: b.Bytes()}), true
}

func indentJSON(b *bytes.Buffer, v *fastjson.Value, ind string) {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		if o.Len() == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		n := 0
		o.Visit(func(k []byte, x *fastjson.Value) {
			if n > 0 {
				b.WriteString(",\n")
			}
			n++
			b.WriteString(ind + "  " + strconv.Quote(string(k)) + ": ")
			indentJSON(b, x, ind+"  ")
		})
		b.WriteString("\n" + ind + "}")
	case fastjson.TypeArray:
		arr := v.GetArray()
		if len(arr) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, x := range arr {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(ind + "  ")
			indentJSON(b, x, ind+"  ")
		}
		b.WriteString("\n" + ind + "]")
	default:
		b.Write(v.MarshalTo(nil))
	}
}

// rawtime is the event timestamp in ns as decimal text.
func rawtime(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	start := len(e.scratch)
	e.scratch = strconv.AppendInt(e.scratch, e.TS, 10)
	return append(dst, field.Value{B: e.scratch[start:len(e.scratch):len(e.scratch)]}), true
}
