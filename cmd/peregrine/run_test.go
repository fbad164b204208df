package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peregrine-sec/peregrine/internal/config"
	"github.com/peregrine-sec/peregrine/internal/source/k8saudit"
	"github.com/peregrine-sec/peregrine/internal/testutil"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRunLive runs the agent with a webhook and a followed audit log at once,
// with static labels, and checks alerts from both inputs, the labels on
// them, the metrics endpoint and the summary at shutdown.
func TestRunLive(t *testing.T) {
	root := testutil.RepoRoot(t)
	events, err := os.ReadFile(filepath.Join(root, "examples", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	logPath := filepath.Join(dir, "audit.log")
	os.WriteFile(logPath, nil, 0o644)
	addr := freePort(t)
	var out, errb syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- execute(ctx, []string{"run", "--audit-webhook", "http://" + addr + "/k8s-audit",
			"--audit-log", filepath.Join(dir, "audit*.log"), "-o", "json_output=true",
			"-o", "labels.cluster=prod-eu-1", "-o", "plugins[0].name=k8saudit",
			"-o", "plugins[0].init_config.offsetsFile=" + filepath.Join(dir, "offsets.json")}, &out, &errb)
	}()
	url := "http://" + addr + "/k8s-audit"
	waitFor(t, "webhook", func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	resp, err := http.Post(url, "application/json", bytes.NewReader(events))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("webhook answered %d", resp.StatusCode)
	}
	waitFor(t, "webhook alerts", func() bool { return strings.Count(out.String(), `"rule":`) == 4 })
	f, _ := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(events)
	f.Close()
	waitFor(t, "audit log alerts", func() bool { return strings.Count(out.String(), `"rule":`) == 8 })
	resp, err = http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var metrics bytes.Buffer
	metrics.ReadFrom(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`peregrine_k8saudit_events_received_total 28`, `peregrine_events_evaluated_total{source="k8s_audit"} 28`,
		`peregrine_alerts_total{priority="Warning",rule="Privileged Pod Created",source="k8s_audit"} 2`} {
		if !strings.Contains(metrics.String(), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := out.String()
	if n := strings.Count(got, `"meta.label[cluster]":"prod-eu-1"`); n != 8 {
		t.Errorf("%d alerts carry the cluster label, want 8:\n%s", n, got)
	}
	for _, want := range []string{"Events detected: 8", "Privileged Pod Created: 2", "Exec Or Attach Into Pod: 2"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "offsets.json")); err != nil {
		t.Errorf("offsets were not saved: %v", err)
	}
}

// TestDeployExampleConfig checks that the shipped example configuration
// loads and its k8saudit init_config is accepted.
func TestDeployExampleConfig(t *testing.T) {
	root := testutil.RepoRoot(t)
	cfg, err := config.Load([]string{filepath.Join(root, "deploy", "k8s-audit", "peregrine.yaml")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Plugins) != 1 || cfg.Labels["cluster"] != "prod-eu-west-1" || !cfg.Webserver.PrometheusMetricsEnabled {
		t.Fatalf("unexpected configuration: %+v", cfg)
	}
	o, err := k8saudit.ParseOptions(cfg.Plugins[0].InitConfig)
	if err != nil {
		t.Fatal(err)
	}
	if o.ClientCA == "" || o.OffsetsFile == "" {
		t.Errorf("options not read: %+v", o)
	}
}
