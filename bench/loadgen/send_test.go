package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fastjson"
)

// auditServer counts the audit events of accepted EventLists by auditID,
// answering 429 to the first throttle requests.
type auditServer struct {
	throttle int64
	requests atomic.Int64
	mu       sync.Mutex
	ids      map[string]int
	events   int
}

func (s *auditServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if s.requests.Add(1) <= s.throttle {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "too many requests: the event queue is full", http.StatusTooManyRequests)
		return
	}
	if r.Method != http.MethodPost || !strings.Contains(r.Header.Get("Content-Type"), "application/json") {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	v, err := fastjson.ParseBytes(body)
	if err != nil || string(v.GetStringBytes("kind")) != "EventList" {
		http.Error(w, "not an EventList", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range v.GetArray("items") {
		s.ids[string(it.GetStringBytes("auditID"))]++
		s.events++
	}
}

func TestRunDeliversExactlyOnceDespite429(t *testing.T) {
	srv := &auditServer{throttle: 3, ids: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	cfg := Config{URL: ts.URL + "/k8s-audit", Rate: 20000, Events: 5000, Batch: 100, Conns: 4, Seed: 1, AttackRatio: 0.05}
	var st SendStats
	start := time.Now()
	if err := Run(context.Background(), cfg, &st); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("finished in %v: Retry-After: 1 was not honored", el)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.events != 5000 || len(srv.ids) != 5000 {
		t.Fatalf("server got %d events, %d distinct, want 5000", srv.events, len(srv.ids))
	}
	for id, n := range srv.ids {
		if n != 1 {
			t.Fatalf("event %s delivered %d times", id, n)
		}
	}
	if got := st.Events.Load(); got != 5000 {
		t.Errorf("Events = %d", got)
	}
	if st.Throttled.Load() != 3 || st.Batches.Load() != 50 || st.Errors.Load() != 0 || st.Dropped.Load() != 0 {
		t.Errorf("throttled %d batches %d errors %d dropped %d", st.Throttled.Load(), st.Batches.Load(), st.Errors.Load(), st.Dropped.Load())
	}
	if st.Attacks.Load() == 0 || st.Alertable.Load() > st.Attacks.Load() {
		t.Errorf("attacks %d alertable %d", st.Attacks.Load(), st.Alertable.Load())
	}
	if l := st.Latency.Total(); l.Count != 53 {
		t.Errorf("latency samples %d, want 53", l.Count)
	}
}

func TestRunPacing(t *testing.T) {
	srv := &auditServer{ids: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	cfg := Config{URL: ts.URL, Rate: 5000, Duration: 500 * time.Millisecond, Batch: 50, Conns: 2, Seed: 2}
	var st SendStats
	if err := Run(context.Background(), cfg, &st); err != nil {
		t.Fatal(err)
	}
	// 5000 ev/s for 0.5s is 2500 events, one batch more or less.
	if n := st.Events.Load(); n < 2000 || n > 2600 {
		t.Errorf("sent %d events in 0.5s at 5000/s", n)
	}
}

func TestRunCancelCountsDropped(t *testing.T) {
	srv := &auditServer{throttle: 1 << 30, ids: map[string]int{}} // always 429
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var st SendStats
	Run(ctx, Config{URL: ts.URL, Events: 400, Batch: 100, Conns: 2}, &st)
	if st.Events.Load() != 0 || st.Dropped.Load() == 0 || st.Throttled.Load() == 0 {
		t.Errorf("events %d dropped %d throttled %d", st.Events.Load(), st.Dropped.Load(), st.Throttled.Load())
	}
}

func TestFollowAlerts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.json")
	os.WriteFile(path, []byte(`{"time":"2020-01-01T00:00:00Z","rule":"old"}`+"\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	var st AlertStats
	done := make(chan error)
	go func() { done <- FollowAlerts(ctx, path, &st) }()
	time.Sleep(50 * time.Millisecond)

	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	ts := time.Now().Add(-20 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	f.WriteString("peregrine starting\n")
	f.WriteString(`{"hostname":"h","output":"x","priority":"Warning","rule":"Privileged Pod Created","source":"k8s_audit","time":"` + ts + `"}` + "\n")
	f.WriteString(`{"rule":"Binding To Cluster Admin","time":"` + ts) // partial line
	time.Sleep(30 * time.Millisecond)
	f.WriteString(`"}` + "\n")
	f.Close()
	deadline := time.Now().Add(2 * time.Second)
	for st.Alerts.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st.Alerts.Load() != 2 || st.Ignored.Load() != 1 {
		t.Fatalf("alerts %d ignored %d", st.Alerts.Load(), st.Ignored.Load())
	}
	by := st.ByRule()
	if by["Privileged Pod Created"] != 1 || by["Binding To Cluster Admin"] != 1 || by["old"] != 0 {
		t.Errorf("by rule %v", by)
	}
	if l := st.Latency.Total(); l.P50 < 15 || l.Max > 1000 {
		t.Errorf("latency %+v", l)
	}
}

func TestHistogram(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(uint64(i) * 1000) // 1..1000 ms
	}
	p50, p99 := h.quantile(0.5), h.quantile(0.99)
	if p50 < 470*time.Millisecond || p50 > 530*time.Millisecond || p99 < 930*time.Millisecond || p99 > 1000*time.Millisecond {
		t.Errorf("p50 %v p99 %v", p50, p99)
	}
	for v := uint64(0); v < 1<<20; v += 7 {
		if b := bucket(v); lower(b) > v || lower(b+1) <= v {
			t.Fatalf("value %d in bucket %d [%d,%d)", v, b, lower(b), lower(b+1))
		}
	}
}

func TestReportJSON(t *testing.T) {
	var st SendStats
	st.Events.Store(100)
	r := newReport(Config{URL: "u", Rate: 10}, 2*time.Second, &st)
	r.Alerts = &AlertReport{Received: 1, ByRule: map[string]uint64{"r": 1}}
	var b bytes.Buffer
	if err := r.print(&b, "json"); err != nil {
		t.Fatal(err)
	}
	v, err := fastjson.ParseBytes(b.Bytes())
	if err != nil || v.GetFloat64("events_per_s") != 50 || v.GetInt("alerts", "by_rule", "r") != 1 {
		t.Fatalf("%s (%v)", b.Bytes(), err)
	}
	b.Reset()
	r.print(&b, "text")
	if !strings.Contains(b.String(), "50 events/s") {
		t.Errorf("text report: %s", b.String())
	}
}
