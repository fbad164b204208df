package storesinks

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

func TestElasticsearchBulk(t *testing.T) {
	rec := &recorder{status: http.StatusOK, answer: `{"took":3,"errors":false,"items":[{"create":{"status":201}},{"create":{"status":201}}]}`}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	s, err := newElasticsearch(cfg(map[string]any{"url": srv.URL, "user": "elastic", "password": "pw"}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a1 := testAlert("Shell in container", alert.Warning, 0)
	a2 := testAlert("Write below etc", alert.Critical, 0)
	a2.Time = time.Date(2024, 12, 31, 23, 59, 59, 0, time.FixedZone("x", 3600)).UnixNano()
	if err := s.Send(context.Background(), []*alert.Alert{a1, a2}); err != nil {
		t.Fatal(err)
	}
	r := rec.reqs[0]
	if r.Method != http.MethodPost || r.URL.Path != "/_bulk" || r.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Errorf("%s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	if u, p, ok := r.BasicAuth(); !ok || u != "elastic" || p != "pw" {
		t.Errorf("basic auth %q %q", u, p)
	}
	body := rec.bodies[0]
	if !bytes.HasSuffix(body, []byte("\n")) {
		t.Error("body does not end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines: %s", len(lines), body)
	}
	wantIndex := []string{"peregrine-alerts-2024.03.05", "peregrine-alerts-2024.12.31"}
	for i, a := range []*alert.Alert{a1, a2} {
		var action map[string]map[string]string
		if err := json.Unmarshal([]byte(lines[2*i]), &action); err != nil {
			t.Fatalf("action line %q: %v", lines[2*i], err)
		}
		if len(action) != 1 || len(action["create"]) != 1 || action["create"]["_index"] != wantIndex[i] {
			t.Errorf("action %s", lines[2*i])
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(lines[2*i+1]), &doc); err != nil {
			t.Fatalf("document line %q: %v", lines[2*i+1], err)
		}
		want := falcoMap(t, a)
		want["@timestamp"] = time.Unix(0, a.Time).UTC().Format(time.RFC3339Nano)
		got, _ := json.Marshal(doc)
		exp, _ := json.Marshal(want)
		if !bytes.Equal(got, exp) {
			t.Errorf("document\n got %s\nwant %s", got, exp)
		}
	}
	if !strings.Contains(lines[1], `"@timestamp":"2024-03-05T10:11:12.123456789Z"`) || !strings.Contains(lines[1], `"proc.pid":4242`) {
		t.Errorf("document %s", lines[1])
	}
}

func TestElasticsearchIndexAndAuth(t *testing.T) {
	rec := &recorder{status: http.StatusOK, answer: `{"errors":false,"items":[]}`}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	for _, tc := range []struct {
		params map[string]any
		index  string
	}{
		{map[string]any{"index": "falco", "index_suffix": "monthly", "api_key": "abc=="}, "falco-2024.03"},
		{map[string]any{"index": "falco", "index_suffix": "none", "flatten_fields": true}, "falco"},
	} {
		tc.params["url"] = srv.URL
		s, err := newElasticsearch(cfg(tc.params))
		if err != nil {
			t.Fatal(err)
		}
		rec.bodies = nil
		if err := s.Send(context.Background(), []*alert.Alert{testAlert("r", alert.Notice, 0)}); err != nil {
			t.Fatal(err)
		}
		first, doc, _ := strings.Cut(string(rec.bodies[0]), "\n")
		if first != `{"create":{"_index":"`+tc.index+`"}}` {
			t.Errorf("action %s", first)
		}
		last := rec.reqs[len(rec.reqs)-1]
		if tc.params["api_key"] != nil && last.Header.Get("Authorization") != "ApiKey abc==" {
			t.Errorf("authorization %q", last.Header.Get("Authorization"))
		}
		if tc.params["flatten_fields"] != nil && !strings.Contains(doc, `"proc_name":"bash"`) {
			t.Errorf("not flattened: %s", doc)
		}
	}
	for _, bad := range []map[string]any{
		{"url": "http://x", "index_suffix": "weekly"},
		{"url": "http://x", "index": "Upper"},
		{"url": "http://x", "index": "a b"},
	} {
		if _, err := newElasticsearch(cfg(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestElasticsearchResponses(t *testing.T) {
	batch := []*alert.Alert{testAlert("a", alert.Warning, 0), testAlert("b", alert.Warning, 1)}
	for _, tc := range []struct {
		name     string
		status   int
		answer   string
		ok, perm bool
	}{
		{"ok", 200, `{"errors":false,"items":[{"create":{"status":201}},{"create":{"status":201}}]}`, true, false},
		{"mapping error", 200, `{"errors":true,"items":[{"create":{"status":201}},{"create":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [output_fields.proc.pid]"}}}]}`, false, true},
		{"queue full", 200, `{"errors":true,"items":[{"create":{"status":429,"error":{"type":"es_rejected_execution_exception"}}},{"create":{"status":201}}]}`, false, false},
		{"shard unavailable and mapping", 200, `{"errors":true,"items":[{"create":{"status":503,"error":{"type":"unavailable_shards_exception"}}},{"create":{"status":400,"error":{"type":"mapper_parsing_exception"}}}]}`, false, false},
		{"not json", 200, `<html>`, false, false},
		{"bad request", 400, `{"error":{"type":"illegal_argument_exception"}}`, false, true},
		{"forbidden", 403, `{}`, false, true},
		{"too many requests", 429, `{}`, false, false},
		{"server error", 502, `bad gateway`, false, false},
	} {
		srv := httptest.NewServer(&recorder{status: tc.status, answer: tc.answer})
		s, err := newElasticsearch(cfg(map[string]any{"url": srv.URL}))
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(context.Background(), batch)
		if (err == nil) != tc.ok || sink.IsPermanent(err) != tc.perm {
			t.Errorf("%s: err %v, permanent %v", tc.name, err, sink.IsPermanent(err))
		}
		s.Close()
		srv.Close()
	}
}
