// Package output turns alerts into Falco's text and JSON formats, writes them
// to Falco's outputs (stdout, file, program) and keeps the end-of-run
// statistics Falco prints.
package output

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/peregrine-sec/peregrine/internal/alert"
)

// Formatter renders alerts with the json_* and time options.
type Formatter struct {
	JSON                bool
	ISO8601             bool
	IncludeOutput       bool
	IncludeMessage      bool
	IncludeOutputFields bool
	IncludeTags         bool
	// Location is the time zone of text timestamps (local time by default).
	Location *time.Location
}

// timeText is the alert's time prefix: local HH:MM:SS.nnnnnnnnn, or ISO 8601 in UTC.
func (f *Formatter) timeText(ns int64) string {
	t := time.Unix(0, ns)
	if f.ISO8601 {
		return t.UTC().Format("2006-01-02T15:04:05.000000000+0000")
	}
	loc := f.Location
	if loc == nil {
		loc = time.Local
	}
	return t.In(loc).Format("15:04:05.000000000")
}

// Text is the full text line: "<time>: <Priority> <message>", JSON-string
// escaped without the surrounding quotes, as Falco prints it.
func (f *Formatter) Text(a *alert.Alert) string {
	return escape(f.timeText(a.Time) + ": " + a.Priority.String() + " " + a.Message)
}

// escape applies JSON string escaping (invalid UTF-8 becomes U+FFFD) without quotes.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString("\ufffd")
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// JSONLine renders the alert as Falco's JSON object, keys in alphabetical order.
func (f *Formatter) JSONLine(a *alert.Alert) []byte {
	b := make([]byte, 0, 512)
	b = append(b, `{"hostname":`...)
	b = appendString(b, a.Hostname)
	if f.IncludeMessage {
		b = append(b, `,"message":`...)
		b = appendString(b, a.Message)
	}
	if f.IncludeOutput {
		b = append(b, `,"output":`...)
		b = appendString(b, f.timeText(a.Time)+": "+a.Priority.String()+" "+a.Message)
	}
	if f.IncludeOutputFields {
		b = append(b, `,"output_fields":{`...)
		fields := append([]alert.Field(nil), a.Fields...)
		// The time of the prefix, as Falco adds it: ns since the epoch under
		// the key of the prefix field.
		key := "evt.time"
		if f.ISO8601 {
			key = "evt.time.iso8601"
		}
		fields = append(fields, alert.Field{Key: key, Kind: alert.Number, Text: strconv.FormatInt(a.Time, 10)})
		for k, v := range a.Extra {
			fields = append(fields, alert.Field{Key: k, Kind: alert.String, Text: v})
		}
		sort.SliceStable(fields, func(i, j int) bool { return fields[i].Key < fields[j].Key })
		for i, fl := range fields {
			if i > 0 && fields[i-1].Key == fl.Key {
				continue
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, fl.Key)
			b = append(b, ':')
			b = appendValue(b, fl)
		}
		b = append(b, '}')
	}
	b = append(b, `,"priority":`...)
	b = appendString(b, a.Priority.String())
	b = append(b, `,"rule":`...)
	b = appendString(b, a.Rule)
	b = append(b, `,"source":`...)
	b = appendString(b, a.Source)
	if f.IncludeTags {
		b = append(b, `,"tags":[`...)
		for i, t := range a.Tags {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, t)
		}
		b = append(b, ']')
	}
	b = append(b, `,"time":`...)
	b = appendString(b, time.Unix(0, a.Time).UTC().Format("2006-01-02T15:04:05.000000000Z"))
	return append(b, '}')
}

func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, escape(s)...)
	return append(b, '"')
}

func appendValue(b []byte, f alert.Field) []byte {
	switch f.Kind {
	case alert.Null:
		return append(b, "null"...)
	case alert.Number:
		if json.Valid([]byte(f.Text)) {
			return append(b, f.Text...)
		}
	case alert.Bool:
		if f.Text == "true" || f.Text == "false" {
			return append(b, f.Text...)
		}
	case alert.List:
		b = append(b, '[')
		for i, it := range f.List {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, it)
		}
		return append(b, ']')
	}
	return appendString(b, f.Text)
}
