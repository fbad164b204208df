package route

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"

	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/output/sink/httpsinks"
	"github.com/peregrine-sec/peregrine/internal/source/k8saudit"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// receiver is a webhook endpoint that can go down (stop listening) and
// come back on the same address, and records the alert ids it got.
type receiver struct {
	addr  string
	delay time.Duration
	mu    sync.Mutex
	ids   map[string]int
	srv   *http.Server
}

func newReceiver(t *testing.T, delay time.Duration) *receiver {
	r := &receiver{delay: delay, ids: map[string]int{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = l.Addr().String()
	r.serve(l)
	t.Cleanup(r.down)
	return r
}

func (r *receiver) serve(l net.Listener) {
	r.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		time.Sleep(r.delay)
		var a struct {
			OutputFields map[string]any `json:"output_fields"`
		}
		body, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(body, &a); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		r.mu.Lock()
		r.ids[fmt.Sprint(a.OutputFields["ka.auditid"])]++
		r.mu.Unlock()
	})}
	go r.srv.Serve(l)
}

func (r *receiver) down() {
	if r.srv != nil {
		r.srv.Close()
		r.srv = nil
	}
}

func (r *receiver) up(t *testing.T) {
	l, err := net.Listen("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	r.serve(l)
}

func (r *receiver) count() (distinct, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.ids {
		total += n
	}
	return len(r.ids), total
}

func alertN(i int) *alert.Alert {
	return &alert.Alert{Time: time.Now().UnixNano(), Rule: "Exec Or Attach Into Pod", Priority: alert.Warning, Source: "k8s_audit",
		Message: "Interactive session into pod", Hostname: "h", Fields: []alert.Field{
			{Key: "ka.auditid", Kind: alert.String, Text: "id-" + strconv.Itoa(i)},
			{Key: "ka.target.namespace", Kind: alert.String, Text: "tenant-" + strconv.Itoa(i%2)}}}
}

func newRouter(t *testing.T, dir, config string) *Router {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(config), &n); err != nil {
		t.Fatal(err)
	}
	dests, err := ParseDestinations(n.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(dests, Options{Dir: dir, Kinds: httpsinks.Kinds(), Fields: []*field.Table{field.NewTable(k8saudit.Fields())}, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func webhookDest(name, addr, extra string) string {
	return fmt.Sprintf("- name: %s\n  type: webhook\n  retry: {initial: 50ms, max: 500ms}\n  params: {url: \"http://%s/\"}\n%s", name, addr, extra)
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDestinationDownThenBack: one destination is down for 30 s (3 s with
// -short) under steady load, then returns; it receives every alert, and
// the healthy destination is not held up meanwhile.
func TestDestinationDownThenBack(t *testing.T) {
	outage := 30 * time.Second
	if testing.Short() {
		outage = 3 * time.Second
	}
	flaky, healthy := newReceiver(t, 0), newReceiver(t, 0)
	flaky.down()
	r := newRouter(t, t.TempDir(), webhookDest("flaky", flaky.addr, "")+webhookDest("healthy", healthy.addr, ""))
	r.Start(context.Background())
	const rate = 200 // alerts per second
	sent := 0
	start := time.Now()
	for time.Since(start) < outage {
		for i := 0; i < rate/10; i++ {
			r.Route(alertN(sent))
			sent++
		}
		time.Sleep(100 * time.Millisecond)
	}
	if d, _ := healthy.count(); d < sent-rate {
		t.Errorf("the healthy destination got %d of %d alerts during the outage", d, sent)
	}
	flaky.up(t)
	waitFor(t, "the flaky destination to catch up", 30*time.Second, func() bool { d, _ := flaky.count(); return d == sent })
	waitFor(t, "the healthy destination", 5*time.Second, func() bool { d, _ := healthy.count(); return d == sent })
	left := r.Drain(5 * time.Second)
	_, total := flaky.count()
	t.Logf("%d alerts over a %s outage: all delivered after it (%d deliveries), pending after drain: %v", sent, outage, total, left)
	if len(left) != 0 {
		t.Errorf("pending after drain: %v", left)
	}
}

// TestSlowDestinationIsolated: a destination that takes 2 s per request
// delays neither routing nor the other destination.
func TestSlowDestinationIsolated(t *testing.T) {
	slow, fast := newReceiver(t, 2*time.Second), newReceiver(t, 0)
	r := newRouter(t, t.TempDir(), webhookDest("slow", slow.addr, "  timeout: 5s\n")+webhookDest("fast", fast.addr, ""))
	r.Start(context.Background())
	start := time.Now()
	for i := 0; i < 100; i++ {
		r.Route(alertN(i))
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("routing 100 alerts took %v with a slow destination", d)
	}
	waitFor(t, "the fast destination", 3*time.Second, func() bool { d, _ := fast.count(); return d == 100 })
	if d, _ := slow.count(); d > 2 {
		t.Errorf("the slow destination got %d alerts already", d)
	}
	r.Drain(0)
}

// TestMatchAndCustomFields: per-tenant routing by condition, minimum
// priority, and custom fields added to the payload.
func TestMatchAndCustomFields(t *testing.T) {
	a, b := newReceiver(t, 0), newReceiver(t, 0)
	r := newRouter(t, t.TempDir(),
		webhookDest("tenant-0", a.addr, "  match: {condition: ka.target.namespace = tenant-0}\n  custom_fields: {team: payments, ns: \"%ka.target.namespace\"}\n")+
			webhookDest("critical-only", b.addr, "  min_priority: critical\n"))
	r.Start(context.Background())
	for i := 0; i < 10; i++ {
		r.Route(alertN(i))
	}
	waitFor(t, "tenant-0 alerts", 3*time.Second, func() bool { d, _ := a.count(); return d == 5 })
	r.Drain(time.Second)
	if d, _ := b.count(); d != 0 {
		t.Errorf("critical-only got %d warnings", d)
	}
}

// TestKilledAndRestarted: a peregrine router is killed with SIGKILL while
// its destination is down; a new one on the same queue delivers every alert.
func TestKilledAndRestarted(t *testing.T) {
	if os.Getenv("ROUTE_HELPER_DIR") != "" {
		return
	}
	recv := newReceiver(t, 0)
	recv.down()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRouter$")
	cmd.Env = append(os.Environ(), "ROUTE_HELPER_DIR="+dir, "ROUTE_HELPER_ADDR="+recv.addr)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := io.ReadAtLeast(out, buf, len("routed 1000"))
	if !strings.Contains(string(buf[:n]), "routed 1000") {
		t.Fatalf("helper said %q", buf[:n])
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	recv.up(t)
	r := newRouter(t, dir, webhookDest("hook", recv.addr, ""))
	r.Start(context.Background())
	waitFor(t, "the restarted router to deliver", 20*time.Second, func() bool { d, _ := recv.count(); return d == 1000 })
	r.Drain(time.Second)
	d, total := recv.count()
	t.Logf("after SIGKILL: %d distinct alerts delivered (%d deliveries)", d, total)
}

// TestHelperRouter is the child process of TestKilledAndRestarted.
func TestHelperRouter(t *testing.T) {
	dir := os.Getenv("ROUTE_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process")
	}
	r := newRouter(t, dir, webhookDest("hook", os.Getenv("ROUTE_HELPER_ADDR"), ""))
	r.Start(context.Background())
	for i := 0; i < 1000; i++ {
		r.Route(alertN(i))
	}
	time.Sleep(200 * time.Millisecond) // past the queue's batched fsync
	fmt.Println("routed 1000")
	time.Sleep(time.Minute)
}

func TestEnvOverride(t *testing.T) {
	d := Destination{Name: "slack-tenant-a", Params: map[string]any{"webhook_url": "from-file"}}
	d.withEnv([]string{"PEREGRINE_OUTPUT_SLACK_TENANT_A_WEBHOOK_URL=from-env", "OTHER=x"})
	if d.Params["webhook_url"] != "from-env" {
		t.Errorf("params %v", d.Params)
	}
}

// TestDedupSummary: repeats within the window are folded into one summary
// alert with the count, delivered at the latest when the router drains.
func TestDedupSummary(t *testing.T) {
	recv := newReceiver(t, 0)
	r := newRouter(t, t.TempDir(), webhookDest("hook", recv.addr, "  dedup: {window: 1h, fields: [ka.target.namespace]}\n"))
	r.Start(context.Background())
	for i := 0; i < 10; i++ {
		a := alertN(i)
		a.Fields[0].Text = "same"
		r.Route(a)
	}
	waitFor(t, "the first alert", 3*time.Second, func() bool { _, n := recv.count(); return n >= 2 })
	r.Drain(3 * time.Second)
	// Two windows (the namespaces alternate), each with a first alert and a
	// summary of its 4 repeats.
	if _, n := recv.count(); n != 4 {
		t.Errorf("%d deliveries, want 2 first alerts and 2 summaries", n)
	}
}

func TestUnknownParameter(t *testing.T) {
	var n yaml.Node
	yaml.Unmarshal([]byte("- name: hook\n  type: webhook\n  params: {url: \"http://x\", ulr: \"http://y\"}\n"), &n)
	dests, err := ParseDestinations(n.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(dests, Options{Dir: t.TempDir(), Kinds: httpsinks.Kinds(), Log: quiet})
	if err == nil || !strings.Contains(err.Error(), `webhook has no parameter "ulr"`) {
		t.Errorf("unknown parameter: %v", err)
	}
}
