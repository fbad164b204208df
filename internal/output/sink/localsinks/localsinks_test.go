package localsinks

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

func kind(name string) sink.Kind {
	for _, k := range Kinds() {
		if k.Name == name {
			return k
		}
	}
	panic(name)
}

func testAlert(i int) *alert.Alert {
	return &alert.Alert{Time: time.Date(2026, 11, 28, 10, 0, 0, i, time.UTC).UnixNano(), Rule: "Exec Or Attach Into Pod",
		Priority: alert.Notice, Source: "k8s_audit", Message: "Interactive session into pod", Hostname: "h",
		Fields: []alert.Field{{Key: "ka.target.name", Kind: alert.String, Text: strings.Repeat("p", 100)}}}
}

func TestFileRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.json")
	s, err := kind("file").New(sink.Config{Name: "f", Params: map[string]any{"path": path, "max_size_mb": 0, "max_backups": 2}})
	if err != nil {
		t.Fatal(err)
	}
	fs := s.(*fileSink)
	fs.maxSize = 2000 // small for the test
	for i := 0; i < 30; i++ {
		if err := s.Send(context.Background(), []*alert.Alert{testAlert(i)}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if b := backups(path); len(b) != 2 {
		t.Errorf("backups %v, want 2", b)
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil || m["rule"] != "Exec Or Attach Into Pod" {
		t.Errorf("last line %q: %v", lines[len(lines)-1], err)
	}
	if st, _ := os.Stat(path); st.Size() > 2000 {
		t.Errorf("current file %d bytes, over the rotation size", st.Size())
	}
}

func TestProgram(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.txt")
	s, err := kind("program").New(sink.Config{Name: "p", Params: map[string]any{"command": "cat >> " + out, "format": "text"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), []*alert.Alert{testAlert(1), testAlert(2)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, _ := os.ReadFile(out)
	if n := strings.Count(string(data), "Notice Interactive session into pod"); n != 2 {
		t.Errorf("program got %q", data)
	}
	if _, err := kind("program").New(sink.Config{Name: "p"}); err == nil {
		t.Error("program without command accepted")
	}
}
