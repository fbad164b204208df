package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestScaleOutThroughNATS is the scale-out story with a real NATS
// JetStream server: an agent evaluates audit events and publishes its
// alerts to JetStream (nats destination, durable queue); a hub consumes the
// stream and routes the alerts to a webhook. Every alert arrives once.
func TestScaleOutThroughNATS(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	server, err := exec.LookPath("nats-server")
	if err != nil {
		t.Skip("nats-server is not installed")
	}
	work := t.TempDir()
	bin := buildPeregrine(t, work)
	natsAddr := freeAddr(t)
	_, port, _ := net.SplitHostPort(natsAddr)
	ns := exec.Command(server, "-js", "-a", "127.0.0.1", "-p", port, "-sd", mkdir(t, filepath.Join(work, "js")))
	if err := ns.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Process.Kill(); ns.Wait() })
	waitUntil(t, "nats-server", func() bool {
		c, err := net.Dial("tcp", natsAddr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	var mu sync.Mutex
	var rules []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a struct {
			Rule         string         `json:"rule"`
			OutputFields map[string]any `json:"output_fields"`
		}
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &a)
		mu.Lock()
		rules = append(rules, a.Rule+"@"+fmt.Sprint(a.OutputFields["meta.label[cluster]"]))
		mu.Unlock()
	}))
	defer recv.Close()

	// The agent: replays audit events, publishes alerts to JetStream.
	agentCfg := filepath.Join(work, "agent.yaml")
	os.WriteFile(agentCfg, []byte(fmt.Sprintf(`json_output: true
labels: {cluster: eu-prod-3}
destinations_queue_dir: %s
destinations:
  - name: bus
    type: nats
    params:
      url: nats://%s
      stream: PEREGRINE_ALERTS
      create_stream: true
      subject: peregrine.alerts.{priority}
`, filepath.Join(work, "agent-queue"), natsAddr)), 0o644)
	agent := exec.Command(bin, "replay", "--source", "k8s_audit", "-c", agentCfg, "-r", filepath.Join(repoRoot(t), "rules", "k8s_audit.yaml"),
		filepath.Join(repoRoot(t), "examples", "audit.jsonl"))
	var agentOut bytes.Buffer
	agent.Stdout, agent.Stderr = &agentOut, &agentOut
	if err := agent.Run(); err != nil {
		t.Fatalf("agent: %v\n%s", err, agentOut.String())
	}

	// The hub: consumes the stream, routes to the webhook.
	hubCfg := filepath.Join(work, "hub.yaml")
	os.WriteFile(hubCfg, []byte(fmt.Sprintf(`destinations_queue_dir: %s
destinations:
  - name: soc
    type: webhook
    params: {url: %q}
`, filepath.Join(work, "hub-queue"), recv.URL)), 0o644)
	hubAddr := freeAddr(t)
	startPeregrine(t, bin, work, "hub", "hub", "-c", hubCfg, "--listen", hubAddr,
		"--nats-url", "nats://"+natsAddr, "--nats-stream", "PEREGRINE_ALERTS")
	waitUntil(t, "the four alerts at the SOC webhook", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(rules) >= 4
	})
	time.Sleep(500 * time.Millisecond) // nothing more may arrive
	mu.Lock()
	defer mu.Unlock()
	want := map[string]bool{"Privileged Pod Created@eu-prod-3": true, "Forbidden Secret Access@eu-prod-3": true,
		"Binding To Cluster Admin@eu-prod-3": true, "Exec Or Attach Into Pod@eu-prod-3": true}
	if len(rules) != 4 {
		t.Fatalf("received %v, want the 4 alerts once", rules)
	}
	for _, r := range rules {
		if !want[r] {
			t.Errorf("unexpected %q", r)
		}
	}
}
