package k8saudit

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func startWebhook(t *testing.T, queue int, block chan struct{}) (*Webhook, string, *atomic.Int64) {
	t.Helper()
	wh, err := ParseWebhookURL("http://127.0.0.1:0/k8s-audit")
	if err != nil {
		t.Fatal(err)
	}
	wh.QueueSize = queue
	addr, err := wh.Listen()
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		wh.Run(ctx, NewDecoder(nil, quiet), func(*Event) {
			if block != nil {
				<-block
			}
			n.Add(1)
		}, nil)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return wh, "http://" + addr.String(), &n
}

func post(t *testing.T, url, ctype, body string) int {
	t.Helper()
	resp, err := http.Post(url, ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestWebhookAcceptsBatches(t *testing.T) {
	_, base, n := startWebhook(t, 50, nil)
	ev := `{"kind":"Event","auditID":"x","verb":"get","stageTimestamp":"2026-11-22T10:00:00Z"}`
	bodies := []string{
		`{"kind":"EventList","items":[` + ev + `,` + ev + `]}`, // webhook backend: 2
		`[` + ev + `]`,        // array: 1
		ev + "\n" + ev + "\n", // Fluent Bit json_lines: 2
		ev,                    // single event: 1
	}
	for _, b := range bodies {
		if code := post(t, base+"/k8s-audit", "application/json", b); code != 200 {
			t.Fatalf("status %d for %s", code, b)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for n.Load() < 6 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n.Load() != 6 {
		t.Errorf("%d events decoded, want 6", n.Load())
	}
}

func TestWebhookRejects(t *testing.T) {
	wh, base, _ := startWebhook(t, 50, nil)
	if code := post(t, base+"/k8s-audit", "text/plain", "{}"); code != 400 {
		t.Errorf("wrong content type: %d", code)
	}
	resp, err := http.Get(base + "/k8s-audit")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("GET: %d", resp.StatusCode)
	}
	if code := post(t, base+"/other", "application/json", "{}"); code != 404 {
		t.Errorf("other path: %d", code)
	}
	wh.MaxRequest = 10
	if code := post(t, base+"/k8s-audit", "application/json", strings.Repeat("x", 100)); code != 413 {
		t.Errorf("oversize body: %d", code)
	}
	resp, err = http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
}

func TestWebhookBackpressure(t *testing.T) {
	block := make(chan struct{})
	wh, base, _ := startWebhook(t, 1, block)
	ev := `{"kind":"Event","auditID":"x","verb":"get","stageTimestamp":"2026-11-22T10:00:00Z"}`
	got429 := false
	for i := 0; i < 10 && !got429; i++ {
		resp, err := http.Post(base+"/k8s-audit", "application/json", strings.NewReader(ev))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 429 {
			got429 = resp.Header.Get("Retry-After") != ""
		}
	}
	close(block)
	if !got429 || wh.Throttled.Load() == 0 {
		t.Error("a full queue did not answer 429 with Retry-After")
	}
}

func TestParseWebhookURL(t *testing.T) {
	if _, err := ParseWebhookURL("ftp://x/y"); err == nil || !strings.Contains(err.Error(), `scheme "ftp" is not supported`) {
		t.Errorf("ftp: %v", err)
	}
	wh, err := ParseWebhookURL("http://:9765/k8s-audit")
	if err != nil || wh.Addr != ":9765" || wh.Path != "/k8s-audit" {
		t.Errorf("%+v %v", wh, err)
	}
}
