package alert

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/valyala/fastjson"
)

// parsers are reused across calls (fastjson parsers are not goroutine-safe).
var parsers fastjson.ParserPool

// outputPrefix is the time and priority Falco puts before the rule output.
var outputPrefix = regexp.MustCompile(`^\d{2}:\d{2}:\d{2}\.\d{9}: [A-Za-z]+ `)

// ParseFalcoJSON reads one alert in Falco's JSON format (as Falco writes it
// with json_output and sends it with http_output).
func ParseFalcoJSON(data []byte) (*Alert, error) {
	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.ParseBytes(data)
	if err != nil {
		return nil, fmt.Errorf("not a Falco JSON alert: %w", err)
	}
	if v.Type() != fastjson.TypeObject {
		return nil, fmt.Errorf("not a Falco JSON alert: a JSON object is expected")
	}
	str := func(key string) string { return string(v.GetStringBytes(key)) }
	a := &Alert{Rule: str("rule"), Source: str("source"), Hostname: str("hostname")}
	if a.Rule == "" {
		return nil, fmt.Errorf("not a Falco JSON alert: no rule")
	}
	out := str("output")
	if len(out) > 20 && out[2] == ':' && outputPrefix.MatchString(out) {
		out = outputPrefix.ReplaceAllString(out, "")
	}
	a.Message = out
	a.Priority = Debug
	if pr := str("priority"); pr != "" {
		prio, err := ParsePriority(pr)
		if err != nil {
			return nil, fmt.Errorf("alert for rule %q: %w", a.Rule, err)
		}
		a.Priority = prio
	}
	if ts := str("time"); ts != "" {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return nil, fmt.Errorf("alert for rule %q: time %q: %w", a.Rule, ts, err)
		}
		a.Time = t.UnixNano()
	}
	for _, t := range v.GetArray("tags") {
		a.Tags = append(a.Tags, string(t.GetStringBytes()))
	}
	sort.Strings(a.Tags)
	if of := v.GetObject("output_fields"); of != nil {
		of.Visit(func(k []byte, x *fastjson.Value) { a.Fields = append(a.Fields, fieldOf(string(k), x)) })
		sort.Slice(a.Fields, func(i, j int) bool { return a.Fields[i].Key < a.Fields[j].Key })
	}
	return a, nil
}

// fieldOf converts one output field value.
func fieldOf(key string, v *fastjson.Value) Field {
	switch v.Type() {
	case fastjson.TypeNull:
		return Field{Key: key, Kind: Null}
	case fastjson.TypeString:
		return Field{Key: key, Kind: String, Text: string(v.GetStringBytes())}
	case fastjson.TypeTrue:
		return Field{Key: key, Kind: Bool, Text: "true"}
	case fastjson.TypeFalse:
		return Field{Key: key, Kind: Bool, Text: "false"}
	case fastjson.TypeNumber:
		return Field{Key: key, Kind: Number, Text: v.String()}
	case fastjson.TypeArray:
		f := Field{Key: key, Kind: List}
		for _, e := range v.GetArray() {
			if e.Type() == fastjson.TypeString {
				f.List = append(f.List, string(e.GetStringBytes()))
			} else {
				f.List = append(f.List, e.String())
			}
		}
		f.Text = "(" + strings.Join(f.List, ",") + ")"
		return f
	}
	return Field{Key: key, Kind: String, Text: v.String()}
}
