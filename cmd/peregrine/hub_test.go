package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/testutil"
)

// collector is a webhook receiver recording the rules of the alerts it got.
type collector struct {
	mu    sync.Mutex
	rules []string
	ua    string
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var a struct {
		Rule string `json:"rule"`
	}
	body, _ := io.ReadAll(r.Body)
	if json.Unmarshal(body, &a) != nil || a.Rule == "" {
		http.Error(w, "bad alert", 400)
		return
	}
	c.mu.Lock()
	c.rules = append(c.rules, a.Rule)
	c.ua = r.Header.Get("User-Agent")
	c.mu.Unlock()
}

func (c *collector) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.rules...)
}

// TestFalcoHTTPOutputRouted: Falco's http_output keys configure a routed
// webhook; a replay drains it before exiting.
func TestFalcoHTTPOutputRouted(t *testing.T) {
	c := &collector{}
	srv := httptest.NewServer(c)
	defer srv.Close()
	root := testutil.RepoRoot(t)
	code, out, stderr := run("replay", "--source", "k8s_audit", filepath.Join(root, "examples", "audit.jsonl"),
		"-o", "http_output.enabled=true", "-o", "http_output.url="+srv.URL+"/falco",
		"-o", "http_output.user_agent=falcosecurity/falco", "-o", "destinations_queue_dir="+t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := c.got(); len(got) != 4 || c.ua != "falcosecurity/falco" {
		t.Errorf("http_output received %v (user agent %q); stdout:\n%s", got, c.ua, out)
	}
}

// TestHub: Falco JSON alerts posted to the hub are routed to its outputs.
func TestHub(t *testing.T) {
	c := &collector{}
	srv := httptest.NewServer(c)
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hub.yaml")
	os.WriteFile(cfg, []byte(`destinations_queue_dir: `+filepath.Join(dir, "queue")+`
destinations:
  - name: tenant-a
    type: webhook
    match: {condition: k8s.ns.name = tenant-a}
    params: {url: "`+srv.URL+`"}
`), 0o644)
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var errb syncBuffer
	go func() {
		done <- execute(ctx, []string{"hub", "-c", cfg, "--listen", addr}, io.Discard, &errb)
	}()
	waitFor(t, "the hub", func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	post := func(body string) int {
		resp, err := http.Post("http://"+addr+"/", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	alert := func(ns string) string {
		return `{"output":"10:00:00.000000000: Notice shell","output_fields":{"k8s.ns.name":"` + ns + `","k8s.pod.name":"web-1"},"priority":"Notice","rule":"Terminal shell in container","source":"syscall","time":"2026-11-28T10:00:00.000000000Z"}`
	}
	if code := post(alert("tenant-a")); code != 200 {
		t.Errorf("alert: %d", code)
	}
	if code := post(alert("tenant-b")); code != 200 {
		t.Errorf("alert: %d", code)
	}
	if code := post("{nope"); code != 400 {
		t.Errorf("malformed alert: %d", code)
	}
	waitFor(t, "the routed alert", func() bool { return len(c.got()) == 1 })
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("hub exit %d: %s", code, errb.String())
	}
	if got := c.got(); len(got) != 1 || got[0] != "Terminal shell in container" {
		t.Errorf("tenant-a received %v", got)
	}
}

func TestOutputsTest(t *testing.T) {
	c := &collector{}
	srv := httptest.NewServer(c)
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte("destinations:\n  - name: hook\n    type: webhook\n    params: {url: \""+srv.URL+"\"}\n"), 0o644)
	code, out, stderr := run("outputs", "test", "--name", "hook", "-c", cfg)
	if code != 0 || !strings.Contains(out, "test alert delivered to hook") {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	if got := c.got(); len(got) != 1 || got[0] != "Test rule" {
		t.Errorf("received %v", got)
	}
	if code, _, stderr := run("outputs", "test", "--name", "nope", "-c", cfg); code == 0 || !strings.Contains(stderr, `no destination named "nope"`) {
		t.Errorf("unknown destination: %d %s", code, stderr)
	}
}
