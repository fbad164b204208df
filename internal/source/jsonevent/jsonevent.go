// Package jsonevent holds what every JSON-payload source shares: the Doc seam
// over a parsed event, rendering JSON values as Falco's plugins do, and the
// json plugin's fields (json.value, json.obj, json.rawtime and their jevt.*
// aliases), which work over any such source.
package jsonevent

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
)

// Doc is an event whose payload is a parsed JSON object.
type Doc interface {
	event.Event
	// JSON returns the parsed payload, or nil.
	JSON() *fastjson.Value
	// Scratch returns the event's text buffer for rendered values; it is reset
	// for every new event.
	Scratch() *[]byte
}

// Text renders a JSON value as Falco's plugins do: strings unquoted, anything
// else as compact JSON appended to the event's scratch buffer.
func Text(d Doc, v *fastjson.Value) []byte {
	if v.Type() == fastjson.TypeString {
		b, _ := v.StringBytes()
		return b
	}
	s := d.Scratch()
	start := len(*s)
	*s = v.MarshalTo(*s)
	return (*s)[start:len(*s):len(*s)]
}

// IsIndex reports whether s is a plugin index argument: digits, no leading zero.
func IsIndex(s string) bool {
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

// Fields returns the json plugin's fields and their jevt.* aliases.
func Fields() []field.Desc {
	return []field.Desc{
		pointerDesc("json.value", "Extracts a value from a JSON-encoded input. Syntax is json.value[<json pointer>]"),
		docDesc("json.obj", "The full json message as a text string.", wholeObject),
		docDesc("json.rawtime", "The time of the event, identical to evt.rawtime.", rawtime),
		pointerDesc("jevt.value", "Alias for json.value, provided for backwards compatibility."),
		docDesc("jevt.obj", "Alias for json.obj, provided for backwards compatibility.", wholeObject),
		docDesc("jevt.rawtime", "Alias for json.rawtime, provided for backwards compatibility.", rawtime),
	}
}

func docDesc(name, doc string, fn func(d Doc, dst []field.Value) []field.Value) field.Desc {
	return field.Desc{Name: name, Type: field.String, Doc: doc, New: func(string, bool) (field.Extractor, error) {
		return field.ExtractorFunc(func(ev event.Event, dst []field.Value) ([]field.Value, bool) {
			d, ok := ev.(Doc)
			if !ok || d.JSON() == nil {
				return dst, false
			}
			return fn(d, dst), true
		}), nil
	}}
}

// pointerDesc is an RFC 6901 JSON pointer field, split into tokens once when
// the rule compiles.
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
				d, ok := ev.(Doc)
				if !ok || d.JSON() == nil {
					return dst, false
				}
				v := d.JSON()
				for _, tok := range toks {
					switch v.Type() {
					case fastjson.TypeObject:
						v = v.Get(tok)
					case fastjson.TypeArray:
						if !IsIndex(tok) {
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
				return append(dst, field.Value{B: Text(d, v)}), true
			}), nil
		}}
}

// wholeObject renders the event as indented JSON.
func wholeObject(d Doc, dst []field.Value) []field.Value {
	var b bytes.Buffer
	indentJSON(&b, d.JSON(), "")
	return append(dst, field.Value{B: b.Bytes()})
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
func rawtime(d Doc, dst []field.Value) []field.Value {
	s := d.Scratch()
	start := len(*s)
	*s = strconv.AppendInt(*s, d.Time(), 10)
	return append(dst, field.Value{B: (*s)[start:len(*s):len(*s)]})
}

// Fn reads one field from a JSON document event, with its argument bound.
type Fn func(d Doc, dst []field.Value, arg string, hasArg bool) ([]field.Value, bool)

// Desc builds a field descriptor whose extractor applies fn to Doc events.
func Desc(name string, t field.Type, flags field.Flags, doc string, fn Fn) field.Desc {
	return field.Desc{Name: name, Type: t, Flags: flags, Doc: doc, New: func(arg string, hasArg bool) (field.Extractor, error) {
		return field.ExtractorFunc(func(ev event.Event, dst []field.Value) ([]field.Value, bool) {
			d, ok := ev.(Doc)
			if !ok || d.JSON() == nil {
				return dst, false
			}
			return fn(d, dst, arg, hasArg)
		}), nil
	}}
}

// StringAt is the string at a path; a non-string value reads as "" and a
// missing one as no value.
func StringAt(path ...string) Fn {
	return func(d Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		v := d.JSON().Get(path...)
		if v == nil {
			return dst, false
		}
		b, _ := v.StringBytes()
		return append(dst, field.Value{B: b}), true
	}
}

// JSONAt is the value at a path rendered as text (strings unquoted).
func JSONAt(path ...string) Fn {
	return func(d Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		v := d.JSON().Get(path...)
		if v == nil {
			return dst, false
		}
		return append(dst, field.Value{B: Text(d, v)}), true
	}
}

// Event is a JSON document event; sources embed it. Its memory belongs to the
// reader that produced it and is valid only during the emit callback.
type Event struct {
	event.Base
	v       *fastjson.Value
	scratch []byte
}

// JSON returns the parsed payload.
func (e *Event) JSON() *fastjson.Value { return e.v }

// Scratch returns the buffer that rendered values of this event live in.
func (e *Event) Scratch() *[]byte { return &e.scratch }

// Reset points the event at a new document.
func (e *Event) Reset(source string, ts int64, seq uint64, v *fastjson.Value) {
	e.Base = event.Base{Src: source, TS: ts, Seq: seq}
	e.v, e.scratch = v, e.scratch[:0]
}

// ReadLines reads a file of JSON documents, one per line (lines up to
// maxLine bytes), and hands each to decode; decode errors go to onError and
// reading goes on.
func ReadLines(ctx context.Context, path string, maxLine int, decode func([]byte) error, onError func(error)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("opening events: %w", err)
	}
	defer f.Close()
	return Lines(ctx, f, maxLine, func(line []byte) {
		if err := decode(line); err != nil && onError != nil {
			onError(fmt.Errorf("%s: %w", path, err))
		}
	}, onError)
}

// Lines calls fn with each non-blank line of r (without the newline),
// accepting lines up to maxLine bytes; a longer line is reported through
// onError and skipped.
func Lines(ctx context.Context, r io.Reader, maxLine int, fn func([]byte), onError func(error)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	lineNo := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk, isPrefix, err := br.ReadLine()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		line := chunk
		if isPrefix || long != nil {
			long = append(long, chunk...)
			if isPrefix {
				continue
			}
			line, long = long, nil
		}
		lineNo++
		if maxLine > 0 && len(line) > maxLine {
			if onError != nil {
				onError(fmt.Errorf("line %d: %d bytes is over the %d-byte event size limit; skipped", lineNo, len(line), maxLine))
			}
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		fn(line)
	}
}
