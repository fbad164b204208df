package cluster

import (
	"bufio"
	"bytes"
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
	"time"
)

// auditEvent is the subset of audit.k8s.io/v1 Event the test inspects.
type auditEvent struct {
	Level      string `json:"level"`
	AuditID    string `json:"auditID"`
	Stage      string `json:"stage"`
	RequestURI string `json:"requestURI"`
	Verb       string `json:"verb"`
	User       struct {
		Username string   `json:"username"`
		Groups   []string `json:"groups"`
	} `json:"user"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
		APIGroup    string `json:"apiGroup"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
	ResponseStatus *struct {
		Code   int    `json:"code"`
		Reason string `json:"reason"`
	} `json:"responseStatus"`
	RequestObject json.RawMessage   `json:"requestObject"`
	Annotations   map[string]string `json:"annotations"`
}

func (e auditEvent) is(verb, resource, sub string) bool {
	return e.ObjectRef != nil && e.ObjectRef.Resource == resource &&
		e.ObjectRef.Subresource == sub && (verb == "" || e.Verb == verb)
}

// receiver is an audit webhook sink collecting EventList bodies.
type receiver struct {
	mu     sync.Mutex
	bodies int
	events []auditEvent
	errs   []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	var list struct {
		Kind  string       `json:"kind"`
		Items []auditEvent `json:"items"`
	}
	if err == nil {
		err = json.Unmarshal(body, &list)
	}
	switch {
	case err != nil:
		r.errs = append(r.errs, err.Error())
	case list.Kind != "EventList":
		r.errs = append(r.errs, "unexpected kind "+list.Kind)
	default:
		r.bodies++
		r.events = append(r.events, list.Items...)
	}
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) snapshot() (int, []auditEvent, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies, append([]auditEvent(nil), r.events...), append([]string(nil), r.errs...)
}

const privilegedPod = `apiVersion: v1
kind: Pod
metadata:
  name: priv
  namespace: demo
spec:
  containers:
  - name: main
    image: busybox
    command: ["sleep", "3600"]
    securityContext:
      privileged: true
`

func TestClusterAudit(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping test that starts a real kube-apiserver")
	}
	bin := BinDir(t)
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	// Registered before the cluster's cleanup, so it runs after it: the
	// apiserver flushes its audit batch to the webhook while shutting down.
	t.Cleanup(srv.Close)

	work := t.TempDir()
	c, err := Start(ctx, Options{
		BinDir:     bin,
		WorkDir:    work,
		WebhookURL: srv.URL + "/k8s-audit",
		AuditLog:   true,
	})
	if err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	t.Logf("cluster ready at %s in %s", c.URL(), time.Since(t0).Round(time.Millisecond))
	t.Cleanup(func() {
		if t.Failed() {
			if data, err := os.ReadFile(c.LogPath("kube-apiserver")); err == nil {
				t.Logf("kube-apiserver log tail:\n%s", lastLines(string(data), 40))
			}
		}
		ts := time.Now()
		if err := c.Stop(); err != nil {
			t.Errorf("stop cluster: %v", err)
		}
		t.Logf("cluster stopped in %s; total %s", time.Since(ts).Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	})

	must := func(user string, stdin string, args ...string) string {
		t.Helper()
		out, _, err := c.KubectlStdin(ctx, user, stdin, args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	must("admin", "", "create", "namespace", "demo")
	must("admin", "", "create", "secret", "generic", "s1", "-n", "demo", "--from-literal=password=hunter2")
	must("admin", privilegedPod, "apply", "-f", "-")

	_, stderr, err := c.Kubectl(ctx, "mallory", "get", "secret", "s1", "-n", "demo")
	if err == nil || !strings.Contains(stderr, "Forbidden") {
		t.Fatalf("mallory get secret: want Forbidden, got err=%v stderr=%q", err, stderr)
	}
	must("admin", "", "create", "clusterrolebinding", "evil", "--clusterrole=cluster-admin", "--user=mallory")
	if _, stderr, err := c.Kubectl(ctx, "admin", "exec", "-n", "demo", "priv", "--", "sh"); err == nil {
		t.Fatalf("kubectl exec unexpectedly succeeded without a kubelet")
	} else {
		t.Logf("kubectl exec failed as expected: %s", strings.TrimSpace(stderr))
	}

	// Both backends must have seen the exec (webhook batches up to 1s).
	deadline := time.Now().Add(15 * time.Second)
	var hooked, logged []auditEvent
	var bodies int
	var errs []string
	for {
		bodies, hooked, errs = rcv.snapshot()
		logged = readAuditLog(t, c.AuditLogPath())
		if hasExec(hooked) && hasExec(logged) || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(errs) > 0 {
		t.Errorf("webhook receiver errors: %v", errs)
	}
	if bodies == 0 || len(logged) == 0 {
		t.Fatalf("got %d webhook EventList bodies and %d log lines; want both > 0", bodies, len(logged))
	}
	t.Logf("webhook: %d EventLists, %d events; log: %d lines", bodies, len(hooked), len(logged))
	checkEvents(t, "webhook", hooked)
	checkEvents(t, "log", logged)

	if dir := os.Getenv("PEREGRINE_RECORD_AUDIT"); dir != "" {
		recordAudit(t, c.AuditLogPath(), filepath.Join(dir, "recorded-audit.jsonl"))
	}
}

func hasExec(evs []auditEvent) bool {
	for _, e := range evs {
		if e.is("", "pods", "exec") {
			return true
		}
	}
	return false
}

// readAuditLog parses the JSON-lines audit log.
func readAuditLog(t *testing.T, path string) []auditEvent {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var evs []auditEvent
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var e auditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			continue // a line being written right now
		}
		evs = append(evs, e)
	}
	return evs
}

// checkEvents asserts the events the scenario must have produced.
func checkEvents(t *testing.T, source string, evs []auditEvent) {
	t.Helper()
	find := func(what string, ok func(auditEvent) bool) *auditEvent {
		t.Helper()
		for i := range evs {
			if ok(evs[i]) {
				return &evs[i]
			}
		}
		t.Errorf("%s: no audit event for %s", source, what)
		return nil
	}
	find("privileged pod create by admin", func(e auditEvent) bool {
		if !e.is("create", "pods", "") || e.User.Username != "admin" || e.ObjectRef.Namespace != "demo" {
			return false
		}
		var pod struct {
			Spec struct {
				Containers []struct {
					SecurityContext *struct {
						Privileged *bool `json:"privileged"`
					} `json:"securityContext"`
				} `json:"containers"`
			} `json:"spec"`
		}
		if json.Unmarshal(e.RequestObject, &pod) != nil || len(pod.Spec.Containers) == 0 {
			return false
		}
		sc := pod.Spec.Containers[0].SecurityContext
		return sc != nil && sc.Privileged != nil && *sc.Privileged
	})
	if e := find("forbidden secret get by mallory", func(e auditEvent) bool {
		return e.is("get", "secrets", "") && e.User.Username == "mallory" &&
			e.ObjectRef.Name == "s1" && e.ResponseStatus != nil && e.ResponseStatus.Code == 403
	}); e != nil {
		t.Logf("%s: forbidden read: level=%s stage=%s annotations=%v", source, e.Level, e.Stage, e.Annotations)
	}
	if e := find("clusterrolebinding create", func(e auditEvent) bool {
		return e.is("create", "clusterrolebindings", "") && e.User.Username == "admin" &&
			e.ObjectRef.APIGroup == "rbac.authorization.k8s.io" && len(e.RequestObject) > 0
	}); e != nil && !bytes.Contains(e.RequestObject, []byte(`"mallory"`)) {
		t.Errorf("%s: clusterrolebinding requestObject lacks subject mallory: %s", source, e.RequestObject)
	}
	var verbs []string
	for _, e := range evs {
		if e.is("", "pods", "exec") {
			code := 0
			if e.ResponseStatus != nil {
				code = e.ResponseStatus.Code
			}
			verbs = append(verbs, e.Verb)
			t.Logf("%s: exec event verb=%s stage=%s level=%s code=%d uri=%s annotations=%v",
				source, e.Verb, e.Stage, e.Level, code, e.RequestURI, e.Annotations)
		}
	}
	if !strings.Contains(strings.Join(verbs, ","), "get") && !strings.Contains(strings.Join(verbs, ","), "create") {
		t.Errorf("%s: no pods/exec event with verb get or create (verbs %v)", source, verbs)
	}
}

// recordAudit copies the log lines made by non-system users to dst.
func recordAudit(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("read audit log: %v", err)
	}
	var out bytes.Buffer
	n := 0
	for line := range bytes.Lines(data) {
		var e auditEvent
		if json.Unmarshal(line, &e) != nil || strings.HasPrefix(e.User.Username, "system:") {
			continue
		}
		out.Write(line)
		n++
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatalf("create record dir: %v", err)
	}
	if err := os.WriteFile(dst, out.Bytes(), 0o644); err != nil {
		t.Fatalf("write recorded audit: %v", err)
	}
	t.Logf("recorded %d audit events to %s", n, dst)
}
