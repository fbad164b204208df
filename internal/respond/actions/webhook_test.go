package actions

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peregrine-sec/peregrine/internal/respond/action"
)

func TestWebhook(t *testing.T) {
	var mu sync.Mutex
	var bodies []map[string]any
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		var m map[string]any
		err := json.Unmarshal(data, &m)
		mu.Lock()
		bodies = append(bodies, m)
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		switch {
		case err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json":
			http.Error(w, "bad request", http.StatusBadRequest)
		case r.URL.Path == "/fail":
			http.Error(w, "receiver down", http.StatusServiceUnavailable)
		case r.URL.Path == "/slow":
			time.Sleep(500 * time.Millisecond)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer srv.Close()
	wh := byName(New(nil, Options{HTTPClient: srv.Client()}))["webhook"]
	tg := action.Target{Namespace: "default", Pod: "web-1", Container: "app"}
	req := action.Request{Alert: testAlert(), Target: tg, Policy: "exec-response",
		Params: action.Params{"url": srv.URL + "/hook", "headers": map[string]any{"Authorization": "Bearer t0k"}}}

	req.DryRun = true
	if res, err := runAction(t, wh, req); err != nil || res.Changed || !strings.HasPrefix(res.Message, "would POST") || len(bodies) != 0 {
		t.Fatalf("dry run: %+v %v (%d requests)", res, err, len(bodies))
	}
	req.DryRun = false
	res, err := runAction(t, wh, req)
	if err != nil || !res.Changed || res.Details["status"] != "202 Accepted" {
		t.Fatalf("webhook: %+v %v", res, err)
	}
	if len(bodies) != 1 || auth[0] != "Bearer t0k" {
		t.Fatalf("got %d requests, auth %v", len(bodies), auth)
	}
	b, _ := json.Marshal(bodies[0])
	want := `{"alert":{"hostname":"falco-0","output":"12:30:00.123456789: Notice Attach/Exec to pod (user=mallory pod=web-1 ns=default)",` +
		`"output_fields":{"ka.auth.decision":true,"ka.response.code":101,"ka.target.subresource":null,"ka.uri.param[command]":["sh","-c"],"ka.user.name":"mallory"},` +
		`"priority":"Notice","rule":"Attach/Exec Pod","source":"k8s_audit","tags":["k8s","mitre_execution"],"time":"2026-11-28T12:30:00.123456789Z"},` +
		`"policy":"exec-response","target":{"container":"app","namespace":"default","pod":"web-1"}}`
	if string(b) != want {
		t.Fatalf("body\n%s\nwant\n%s", b, want)
	}

	req.Params = action.Params{"url": srv.URL + "/fail"}
	_, err = runAction(t, wh, req)
	wantErr(t, err, "503", "receiver down")

	req.Params = action.Params{"url": srv.URL + "/slow", "timeout": "50ms"}
	_, err = runAction(t, wh, req)
	wantErr(t, err, "deadline exceeded")

	for _, p := range []action.Params{nil, {"url": "not a url"}, {"url": "ftp://x/y"}, {"url": srv.URL, "timeout": "soon"}, {"url": srv.URL, "headers": "x"}} {
		_, err := runAction(t, wh, action.Request{Target: tg, Params: p})
		if err == nil {
			t.Errorf("params %v: no error", p)
		}
	}
	// A nil alert is sent as null, not a panic.
	if _, err := runAction(t, wh, action.Request{Target: tg, Params: action.Params{"url": srv.URL}}); err != nil {
		t.Fatal(err)
	}
	if a, ok := bodies[len(bodies)-1]["alert"]; !ok || a != nil {
		t.Fatalf("nil alert sent as %v", a)
	}
}
