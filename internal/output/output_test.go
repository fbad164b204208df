package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/config"
	"github.com/peregrine-sec/peregrine/internal/testutil"
)

// goldenAlert is the first alert of Falco's golden output for the legacy
// single_rule_with_cat_write case.
func goldenAlert() *alert.Alert {
	return &alert.Alert{Time: 1470327477881781397, Rule: "open_from_cat", Priority: alert.Warning, Source: "syscall",
		Tags: []string{"filesystem", "process", "testing"}, Hostname: "test-falco-hostname",
		Message: "An open was seen (command=cat /dev/null)",
		Fields:  []alert.Field{{Key: "proc.cmdline", Kind: alert.String, Text: "cat /dev/null"}}}
}

func TestMatchesFalcoGoldenOutput(t *testing.T) {
	dir := filepath.Join(testutil.SharedDir(t), "compat", "legacy", "output_files")
	txt, err := os.ReadFile(filepath.Join(dir, "single_rule_with_cat_write.txt"))
	if err != nil {
		t.Fatal(err)
	}
	f := Formatter{ISO8601: true, IncludeOutput: true, IncludeOutputFields: true, IncludeTags: true}
	first, _, _ := strings.Cut(string(txt), "\n")
	if got := f.Text(goldenAlert()); got != first {
		t.Errorf("text\n got %s\nwant %s", got, first)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "single_rule_with_cat_write.json"))
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	var want, got map[string]any
	if err := json.Unmarshal([]byte(line), &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(f.JSONLine(goldenAlert()), &got); err != nil {
		t.Fatal(err)
	}
	wb, _ := json.Marshal(want)
	gb, _ := json.Marshal(got)
	if !bytes.Equal(wb, gb) {
		t.Errorf("json\n got %s\nwant %s", gb, wb)
	}
}

func TestJSONShape(t *testing.T) {
	f := Formatter{IncludeOutput: true, IncludeOutputFields: true, IncludeTags: true, IncludeMessage: true}
	a := goldenAlert()
	a.Message = "quote \" backslash \\ newline \n bad \xff"
	a.Fields = append(a.Fields, alert.Field{Key: "n", Kind: alert.Number, Text: "42"}, alert.Field{Key: "b", Kind: alert.Bool, Text: "true"},
		alert.Field{Key: "missing", Kind: alert.Null}, alert.Field{Key: "l", Kind: alert.List, List: []string{"x", "y"}})
	line := string(f.JSONLine(a))
	for _, want := range []string{`{"hostname":`, `"message":"quote \" backslash \\ newline \n bad ` + "\ufffd" + `"`,
		`"output_fields":{"b":true,"evt.time":1470327477881781397,"l":["x","y"],"missing":null,"n":42,"proc.cmdline":"cat /dev/null"}`,
		`"priority":"Warning","rule":"open_from_cat","source":"syscall","tags":["filesystem","process","testing"],"time":"2016-08-04T16:17:57.881781397Z"}`} {
		if !strings.Contains(line, want) {
			t.Errorf("missing %s in\n%s", want, line)
		}
	}
	if !json.Valid([]byte(line)) {
		t.Errorf("invalid JSON: %s", line)
	}
}

func TestStatsSummary(t *testing.T) {
	s := NewStats()
	s.Add(2, &alert.Alert{Rule: "b", Priority: alert.Informational})
	s.Add(1, &alert.Alert{Rule: "a", Priority: alert.Warning})
	s.Add(1, &alert.Alert{Rule: "a", Priority: alert.Warning})
	var b bytes.Buffer
	s.Print(&b)
	want := "Events detected: 3\nRule counts by severity:\n   WARNING: 2\n   INFO: 1\nTriggered rules by rule name:\n   a: 2\n   b: 1\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestFileAndProgramOutputs(t *testing.T) {
	dir := t.TempDir()
	c := config.Default()
	c.StdoutOutput.Enabled = false
	c.FileOutput = config.Output{Enabled: true, Filename: filepath.Join(dir, "events.txt")}
	c.ProgramOutput = config.Output{Enabled: true, Program: "cat >> " + filepath.Join(dir, "prog.txt")}
	c.JSONOutput = true
	m, err := NewManager(c, os.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	m.Emit(goldenAlert())
	m.Emit(goldenAlert())
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"events.txt", "prog.txt"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if !json.Valid(sc.Bytes()) {
				t.Errorf("%s: invalid line %s", name, sc.Text())
			}
			n++
		}
		f.Close()
		if n != 2 {
			t.Errorf("%s: %d lines, want 2", name, n)
		}
	}
}

func FuzzFormat(f *testing.F) {
	f.Add("msg", "key", "value", uint8(1))
	f.Fuzz(func(t *testing.T, msg, key, val string, kind uint8) {
		a := goldenAlert()
		a.Message = msg
		a.Fields = []alert.Field{{Key: key, Kind: alert.Kind(kind % 5), Text: val, List: []string{val}}}
		fm := Formatter{IncludeOutput: true, IncludeOutputFields: true, IncludeTags: true, IncludeMessage: true}
		if line := fm.JSONLine(a); !json.Valid(line) {
			t.Fatalf("invalid JSON: %s", line)
		}
		_ = fm.Text(a)
	})
}

func BenchmarkJSONLine(b *testing.B) {
	f := Formatter{IncludeOutput: true, IncludeOutputFields: true, IncludeTags: true}
	a := goldenAlert()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f.JSONLine(a)
	}
}

func BenchmarkText(b *testing.B) {
	f := Formatter{}
	a := goldenAlert()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f.Text(a)
	}
}
