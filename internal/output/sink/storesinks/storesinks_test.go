package storesinks

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// testTime is the time of the test alerts: 2024-03-05T10:11:12.123456789Z.
func testTime() time.Time { return time.Date(2024, 3, 5, 10, 11, 12, 123456789, time.UTC) }

// testAlert builds an alert; n shifts its time by n nanoseconds.
func testAlert(rule string, p alert.Priority, n int) *alert.Alert {
	return &alert.Alert{
		Time:     testTime().UnixNano() + int64(n),
		Rule:     rule,
		Priority: p,
		Source:   "syscall",
		Tags:     []string{"container", "shell"},
		Hostname: "node-1",
		Message:  "Shell spawned (user=root proc=bash)",
		Fields: []alert.Field{
			{Key: "user.name", Kind: alert.String, Text: "root"},
			{Key: "proc.name", Kind: alert.String, Text: "bash"},
			{Key: "proc.pid", Kind: alert.Number, Text: "4242"},
			{Key: "container.id", Kind: alert.Null},
		},
		Extra: map[string]string{"cluster": "prod"},
	}
}

// cfg builds a destination configuration.
func cfg(params map[string]any) sink.Config {
	return sink.Config{Name: "test", Params: params, Common: sink.Common{Timeout: 5 * time.Second}}
}

// falcoMap decodes Falco's JSON alert of a.
func falcoMap(t *testing.T, a *alert.Alert) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(sink.FalcoJSON(a), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestKinds(t *testing.T) {
	want := []string{"loki", "elasticsearch", "smtp", "kafka", "nats"}
	kinds := Kinds()
	if len(kinds) != len(want) {
		t.Fatalf("%d kinds, want %d", len(kinds), len(want))
	}
	for i, k := range kinds {
		if k.Name != want[i] {
			t.Errorf("kind %d is %s, want %s", i, k.Name, want[i])
		}
		if k.Summary == "" || k.New == nil || k.MaxBatch < 1 || len(k.Params) == 0 {
			t.Errorf("%s: incomplete kind", k.Name)
		}
		params := map[string]sink.Param{}
		for _, p := range k.Params {
			if p.Name == "" || p.Doc == "" || p.Type == "" {
				t.Errorf("%s: incomplete param %+v", k.Name, p)
			}
			switch p.Type {
			case "string", "bool", "int", "duration", "map", "list":
			default:
				t.Errorf("%s: param %s has type %q", k.Name, p.Name, p.Type)
			}
			params[p.Name] = p
		}
		var dests []struct {
			Name   string         `yaml:"name"`
			Type   string         `yaml:"type"`
			Params map[string]any `yaml:"params"`
		}
		if err := yaml.Unmarshal([]byte(k.Example), &dests); err != nil || len(dests) != 1 {
			t.Fatalf("%s: example: %v (%d entries)", k.Name, err, len(dests))
		}
		d := dests[0]
		if d.Type != k.Name {
			t.Errorf("%s: example type %q", k.Name, d.Type)
		}
		for name := range d.Params {
			if _, ok := params[name]; !ok {
				t.Errorf("%s: example param %s is not documented", k.Name, name)
			}
		}
		for _, p := range k.Params {
			if _, ok := d.Params[p.Name]; p.Required && !ok {
				t.Errorf("%s: example lacks required param %s", k.Name, p.Name)
			}
		}
		// The example builds a sink without contacting the destination.
		s, err := k.New(sink.Config{Name: d.Name, Params: d.Params})
		if err != nil {
			t.Errorf("%s: New(example): %v", k.Name, err)
			continue
		}
		if err := s.Close(); err != nil {
			t.Errorf("%s: Close: %v", k.Name, err)
		}
	}
}

func TestRequiredParams(t *testing.T) {
	for _, k := range Kinds() {
		if _, err := k.New(cfg(map[string]any{})); err == nil {
			t.Errorf("%s: New without parameters succeeded", k.Name)
		}
	}
}

func TestStringList(t *testing.T) {
	for _, v := range []any{[]any{"a", " b", ""}, "a, b", []string{"a", "b"}} {
		got, err := stringList(cfg(map[string]any{"l": v}), "l")
		if err != nil || strings.Join(got, "|") != "a|b" {
			t.Errorf("%v: %q %v", v, got, err)
		}
	}
	if _, err := stringList(cfg(map[string]any{"l": 3}), "l"); err == nil {
		t.Error("an int is accepted as a list")
	}
}

func TestFalcoJSONNoNewline(t *testing.T) {
	b := sink.FalcoJSON(testAlert("r", alert.Warning, 0))
	if len(b) == 0 || b[len(b)-1] != '}' {
		t.Fatalf("falcoJSON ends with %q", b[len(b)-1:])
	}
}
