package storesinks

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// recorder is an HTTP receiver that records requests and answers with a
// fixed status and body.
type recorder struct {
	status int
	answer string
	reqs   []*http.Request
	bodies [][]byte
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.reqs = append(r.reqs, req)
	r.bodies = append(r.bodies, b)
	w.WriteHeader(r.status)
	_, _ = io.WriteString(w, r.answer)
}

func TestLokiPush(t *testing.T) {
	rec := &recorder{status: http.StatusNoContent}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	s, err := newLoki(cfg(map[string]any{
		"url": srv.URL + "/", "tenant": "sec", "user": "u", "password": "p",
		"extra_labels": map[string]any{"cluster": "prod-eu", "env": 1},
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	batch := []*alert.Alert{
		testAlert("Shell in container", alert.Warning, 5),
		testAlert("Write below etc", alert.Error, 0),
		testAlert("Shell in container", alert.Warning, 1), // older: sorted first
	}
	if err := s.Send(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	if len(rec.reqs) != 1 {
		t.Fatalf("%d requests", len(rec.reqs))
	}
	r := rec.reqs[0]
	if r.Method != http.MethodPost || r.URL.Path != "/loki/api/v1/push" {
		t.Errorf("%s %s", r.Method, r.URL.Path)
	}
	if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Scope-OrgID") != "sec" {
		t.Errorf("headers %v", r.Header)
	}
	if u, p, ok := r.BasicAuth(); !ok || u != "u" || p != "p" {
		t.Errorf("basic auth %q %q %v", u, p, ok)
	}
	var body struct {
		Streams []struct {
			Stream map[string]string `json:"stream"`
			Values [][]string        `json:"values"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(rec.bodies[0], &body); err != nil {
		t.Fatalf("%v: %s", err, rec.bodies[0])
	}
	if len(body.Streams) != 2 {
		t.Fatalf("%d streams: %s", len(body.Streams), rec.bodies[0])
	}
	st := body.Streams[0]
	want := map[string]string{"source": "syscall", "priority": "Warning", "rule": "Shell in container", "cluster": "prod-eu", "env": "1"}
	if len(st.Stream) != len(want) {
		t.Errorf("labels %v", st.Stream)
	}
	for k, v := range want {
		if st.Stream[k] != v {
			t.Errorf("label %s=%q, want %q", k, st.Stream[k], v)
		}
	}
	if len(st.Values) != 2 {
		t.Fatalf("values %v", st.Values)
	}
	for i, n := range []int{1, 5} {
		v := st.Values[i]
		if len(v) != 2 || v[0] != strconv.FormatInt(testTime().UnixNano()+int64(n), 10) {
			t.Errorf("value %d: %q", i, v)
		}
		if v[1] != string(sink.FalcoJSON(testAlert("Shell in container", alert.Warning, n))) {
			t.Errorf("line %d: %s", i, v[1])
		}
	}
	if body.Streams[1].Stream["rule"] != "Write below etc" || body.Streams[1].Stream["priority"] != "Error" {
		t.Errorf("second stream %v", body.Streams[1].Stream)
	}
	// The raw timestamps are JSON strings of nanoseconds.
	var raw struct {
		Streams []struct {
			Values [][]json.RawMessage `json:"values"`
		} `json:"streams"`
	}
	_ = json.Unmarshal(rec.bodies[0], &raw)
	if ts := string(raw.Streams[1].Values[0][0]); ts != `"`+strconv.FormatInt(testTime().UnixNano(), 10)+`"` {
		t.Errorf("timestamp %s", ts)
	}
}

func TestLokiStatuses(t *testing.T) {
	for _, tc := range []struct {
		status   int
		ok, perm bool
	}{
		{http.StatusNoContent, true, false},
		{http.StatusOK, true, false},
		{http.StatusBadRequest, false, true},
		{http.StatusUnauthorized, false, true},
		{http.StatusTooManyRequests, false, false},
		{http.StatusInternalServerError, false, false},
		{http.StatusServiceUnavailable, false, false},
	} {
		rec := &recorder{status: tc.status, answer: "entry too far behind"}
		srv := httptest.NewServer(rec)
		s, err := newLoki(cfg(map[string]any{"url": srv.URL}))
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(context.Background(), []*alert.Alert{testAlert("r", alert.Notice, 0)})
		if (err == nil) != tc.ok || sink.IsPermanent(err) != tc.perm {
			t.Errorf("status %d: err %v, permanent %v", tc.status, err, sink.IsPermanent(err))
		}
		if len(rec.reqs) == 1 && rec.reqs[0].Header.Get("X-Scope-OrgID") != "" {
			t.Error("tenant header without tenant")
		}
		s.Close()
		srv.Close()
	}
	// A closed port is retryable.
	srv := httptest.NewServer(&recorder{})
	url := srv.URL
	srv.Close()
	s, _ := newLoki(cfg(map[string]any{"url": url}))
	if err := s.Send(context.Background(), []*alert.Alert{testAlert("r", alert.Notice, 0)}); err == nil || sink.IsPermanent(err) {
		t.Errorf("unreachable Loki: %v", err)
	}
}

func TestLokiBadLabels(t *testing.T) {
	for _, l := range []string{"bad-name", "rule", "1x"} {
		if _, err := newLoki(cfg(map[string]any{"url": "http://x", "extra_labels": map[string]any{l: "v"}})); err == nil {
			t.Errorf("label %q accepted", l)
		}
	}
}
