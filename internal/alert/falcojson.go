package alert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// falcoJSON is an alert as Falco writes it with json_output (and as its
// http_output and Falcosidekick send it).
type falcoJSON struct {
	Time         string         `json:"time"`
	Rule         string         `json:"rule"`
	Priority     string         `json:"priority"`
	Source       string         `json:"source"`
	Output       string         `json:"output"`
	OutputFields map[string]any `json:"output_fields"`
	Tags         []string       `json:"tags"`
	Hostname     string         `json:"hostname"`
}

// outputPrefix is the time and priority Falco puts before the rule output.
var outputPrefix = regexp.MustCompile(`^\d{2}:\d{2}:\d{2}\.\d{9}: [A-Za-z]+ `)

// ParseFalcoJSON reads one alert in Falco's JSON format.
func ParseFalcoJSON(data []byte) (*Alert, error) {
	var f falcoJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // evt.time and other 64-bit numbers keep every digit
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a Falco JSON alert: %w", err)
	}
	if f.Rule == "" {
		return nil, fmt.Errorf("not a Falco JSON alert: no rule")
	}
	a := &Alert{Rule: f.Rule, Source: f.Source, Hostname: f.Hostname, Message: outputPrefix.ReplaceAllString(f.Output, "")}
	a.Priority = Debug
	if f.Priority != "" {
		p, err := ParsePriority(f.Priority)
		if err != nil {
			return nil, fmt.Errorf("alert for rule %q: %w", f.Rule, err)
		}
		a.Priority = p
	}
	if f.Time != "" {
		t, err := time.Parse(time.RFC3339Nano, f.Time)
		if err != nil {
			return nil, fmt.Errorf("alert for rule %q: time %q: %w", f.Rule, f.Time, err)
		}
		a.Time = t.UnixNano()
	}
	a.Tags = append([]string(nil), f.Tags...)
	sort.Strings(a.Tags)
	keys := make([]string, 0, len(f.OutputFields))
	for k := range f.OutputFields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a.Fields = append(a.Fields, fieldOf(k, f.OutputFields[k]))
	}
	return a, nil
}

// fieldOf converts a decoded JSON output field value.
func fieldOf(key string, v any) Field {
	switch x := v.(type) {
	case nil:
		return Field{Key: key, Kind: Null}
	case string:
		return Field{Key: key, Kind: String, Text: x}
	case bool:
		return Field{Key: key, Kind: Bool, Text: strconv.FormatBool(x)}
	case json.Number:
		return Field{Key: key, Kind: Number, Text: x.String()}
	case []any:
		f := Field{Key: key, Kind: List}
		for _, e := range x {
			f.List = append(f.List, fmt.Sprint(e))
		}
		f.Text = "(" + strings.Join(f.List, ",") + ")"
		return f
	}
	b, _ := json.Marshal(v)
	return Field{Key: key, Kind: String, Text: string(b)}
}
