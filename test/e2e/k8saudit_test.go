// Package e2e holds end-to-end tests against real components: a real
// kube-apiserver with etcd (built from the Go module proxy by
// scripts/k8s-bins.sh), real kubectl, and the peregrine binary.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peregrine-sec/peregrine/test/e2e/cluster"
)

// expectation is one alert a scenario must raise on each backend.
type expectation struct {
	rule, user, namespace, name string
	// fields are extra output fields the alert must carry with these values.
	fields map[string]string
}

// alertLine is the part of a Falco JSON alert the test reads.
type alertLine struct {
	Rule         string         `json:"rule"`
	Time         string         `json:"time"`
	Output       string         `json:"output"`
	OutputFields map[string]any `json:"output_fields"`
}

// TestK8sAuditAttacks starts a real kube-apiserver whose webhook backend
// posts to one peregrine (HTTPS with a bearer token) and whose log backend
// is followed by another, performs attacks as real users with kubectl, and
// checks that every expected alert arrives exactly once per backend with the
// right user, namespace, resource and labels.
func TestK8sAuditAttacks(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	bins := cluster.BinDir(t)
	work := t.TempDir()
	bin := buildPeregrine(t, work)
	tlsDir := writeServerPKI(t, work)
	root := repoRoot(t)
	policy, err := os.ReadFile(filepath.Join(root, "deploy", "k8s-audit", "audit-policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	token := "webhook-" + fmt.Sprint(time.Now().UnixNano())
	os.WriteFile(filepath.Join(work, "token"), []byte(token+"\n"), 0o600)
	hookAddr := freeAddr(t)
	hookURL := "https://" + hookAddr + "/k8s-audit"

	// The webhook receiver is up before the API server starts sending.
	hook := startPeregrine(t, bin, work, "webhook", "run", "--audit-webhook", hookURL,
		"-o", "plugins[0].name=k8saudit",
		"-o", "plugins[0].init_config.sslCertificate="+filepath.Join(tlsDir, "server.pem"),
		"-o", "plugins[0].init_config.bearerTokenFile="+filepath.Join(work, "token"))
	waitHealthy(t, "https://"+hookAddr+"/healthz")

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c, err := cluster.Start(ctx, cluster.Options{
		BinDir: bins, WorkDir: mkdir(t, filepath.Join(work, "cluster")), AuditPolicy: string(policy), AuditLog: true,
		WebhookURL: hookURL, WebhookKubeconfig: webhookKubeconfig(hookURL, filepath.Join(tlsDir, "ca.pem"), token),
		Users: []cluster.User{{Name: "mallory"}, {Name: "carol", Groups: []string{"dev"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	logf := startPeregrine(t, bin, work, "log", "run", "--audit-log", strings.TrimSuffix(c.AuditLogPath(), ".log")+"*.log",
		"-o", "plugins[0].name=k8saudit", "-o", "plugins[0].init_config.followFrom=start",
		"-o", "plugins[0].init_config.offsetsFile="+filepath.Join(work, "offsets.json"))

	exps := attack(ctx, t, c)
	for _, p := range []*peregrineProc{hook, logf} {
		checkAlerts(t, p, exps)
		rules := map[string]int{}
		for _, a := range p.alerts(t) {
			rules[a.Rule]++
		}
		t.Logf("%s backend: alerts by rule: %v", p.name, rules)
	}
	if dir := os.Getenv("PEREGRINE_RECORD_AUDIT"); dir != "" {
		recordAudit(t, c.AuditLogPath(), filepath.Join(dir, "k8s_audit_real.jsonl"))
	}
}

// attack performs the scenarios as real users and returns the alerts they must raise.
func attack(ctx context.Context, t *testing.T, c *cluster.Cluster) []expectation {
	t.Helper()
	must := func(user string, args ...string) {
		t.Helper()
		if out, errOut, err := c.Kubectl(ctx, user, args...); err != nil {
			t.Fatalf("kubectl %v as %s: %v\n%s%s", args, user, err, out, errOut)
		}
	}
	apply := func(manifest string) {
		t.Helper()
		if out, errOut, err := c.KubectlStdin(ctx, "admin", manifest, "apply", "-f", "-"); err != nil {
			t.Fatalf("kubectl apply: %v\n%s%s\n%s", err, out, errOut, manifest)
		}
	}
	must("admin", "create", "namespace", "demo")
	must("admin", "create", "secret", "generic", "db-creds", "-n", "demo", "--from-literal=password=hunter2")

	// Reading secrets without authorization.
	if _, errOut, err := c.Kubectl(ctx, "mallory", "get", "secret", "db-creds", "-n", "demo"); err == nil || !strings.Contains(errOut, "Forbidden") {
		t.Fatalf("mallory read the secret: %v %s", err, errOut)
	}
	must("admin", "create", "role", "secret-reader", "-n", "demo", "--verb=get", "--resource=secrets")
	must("admin", "create", "rolebinding", "carol-reads", "-n", "demo", "--role=secret-reader", "--user=carol")
	must("carol", "get", "secret", "db-creds", "-n", "demo")

	// Privilege escalation.
	apply(pod("priv", `securityContext: {privileged: true}`, ""))
	apply(pod("hostns", "", "hostPID: true\n  hostNetwork: true"))
	apply(pod("hostroot", "", "volumes: [{name: root, hostPath: {path: /}}]"))
	must("admin", "create", "clusterrolebinding", "mallory-admin", "--clusterrole=cluster-admin", "--user=mallory")
	must("admin", "create", "role", "everything", "-n", "demo", "--verb=*", "--resource=pods")
	must("admin", "create", "clusterrole", "escalator", "--verb=escalate,bind", "--resource=clusterroles")

	// Anonymous access granted by a careless binding.
	must("admin", "create", "clusterrole", "ns-viewer", "--verb=get", "--resource=namespaces")
	must("admin", "create", "clusterrolebinding", "anon-ns", "--clusterrole=ns-viewer", "--user=system:anonymous")
	anonymousGet(t, c.URL()+"/api/v1/namespaces/demo")

	// Interactive access to a running container: kubectl exec audits the
	// WebSocket attempt (verb get) and the SPDY fallback (verb create); both
	// fail without a kubelet, after being audited.
	c.Kubectl(ctx, "admin", "exec", "-n", "demo", "priv", "--", "sh", "-c", "id")
	c.Kubectl(ctx, "admin", "debug", "-n", "demo", "priv", "--image=busybox", "--container=dbg")

	// System namespaces and exposure.
	must("admin", "create", "serviceaccount", "backdoor", "-n", "kube-system")
	must("admin", "label", "namespace", "kube-public", "owner=mallory")
	must("admin", "create", "configmap", "tweak", "-n", "kube-system", "--from-literal=mode=open")
	must("admin", "create", "service", "nodeport", "exposed", "-n", "demo", "--tcp=80:8080")
	must("admin", "create", "configmap", "app-config", "-n", "demo", "--from-literal=AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE")

	return []expectation{
		{rule: "Forbidden Secret Access", user: "mallory", namespace: "demo", name: "db-creds", fields: map[string]string{"ka.response.code": "403"}},
		{rule: "Secret Read By Unexpected Identity", user: "carol", namespace: "demo", name: "db-creds"},
		{rule: "Privileged Pod Created", user: "admin", namespace: "demo", name: "priv"},
		{rule: "Pod Shares Host Namespaces", user: "admin", namespace: "demo", name: "hostns"},
		{rule: "Pod Mounts Sensitive Host Path", user: "admin", namespace: "demo", name: "hostroot"},
		{rule: "Binding To Cluster Admin", user: "admin", name: "mallory-admin"},
		{rule: "Role With Wildcard Or Escalation Verbs", user: "admin", namespace: "demo", name: "everything"},
		{rule: "Role With Wildcard Or Escalation Verbs", user: "admin", name: "escalator"},
		{rule: "Anonymous Request Allowed", fields: map[string]string{"ka.uri": "/api/v1/namespaces/demo", "ka.verb": "get"}},
		{rule: "Exec Or Attach Into Pod", user: "admin", namespace: "demo", name: "priv", fields: map[string]string{"ka.verb": "get"}},
		{rule: "Exec Or Attach Into Pod", user: "admin", namespace: "demo", name: "priv", fields: map[string]string{"ka.verb": "create"}},
		{rule: "Ephemeral Container Added To Pod", user: "admin", namespace: "demo", name: "priv"},
		{rule: "Service Account Created In Kube-System", user: "admin", namespace: "kube-system", name: "backdoor"},
		{rule: "System Namespace Modified", user: "admin", name: "kube-public"},
		{rule: "Object Changed In Kube-System By User", user: "admin", name: "tweak"},
		{rule: "NodePort Service Created", user: "admin", namespace: "demo", name: "exposed"},
		{rule: "ConfigMap With Credentials", user: "admin", namespace: "demo", name: "app-config"},
	}
}

// pod renders a busybox pod manifest in namespace demo.
func pod(name, containerExtra, specExtra string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: demo}
spec:
  %s
  containers:
  - name: main
    image: busybox:1.36
    command: [sleep, "3600"]
    %s
`, name, specExtra, containerExtra)
}

// checkAlerts waits until every expectation has exactly one matching alert.
func checkAlerts(t *testing.T, p *peregrineProc, exps []expectation) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var counts []int
	for {
		alerts := p.alerts(t)
		counts = make([]int, len(exps))
		done := true
		for i, e := range exps {
			for _, a := range alerts {
				if e.matches(a) {
					counts[i]++
				}
			}
			if counts[i] == 0 {
				done = false
			}
		}
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, a := range p.alerts(t) {
		matched := false
		for _, e := range exps {
			matched = matched || e.matches(a)
		}
		if !matched {
			t.Errorf("%s backend: unexpected alert: %s", p.name, a.Output)
		}
	}
	for i, e := range exps {
		if counts[i] != 1 {
			t.Errorf("%s backend: %d alerts for %+v, want exactly 1", p.name, counts[i], e)
		}
	}
	if t.Failed() {
		t.Logf("%s alerts:\n%s", p.name, p.out())
	}
}

func (e expectation) matches(a alertLine) bool {
	if a.Rule != e.rule {
		return false
	}
	str := func(k string) string {
		v, ok := a.OutputFields[k]
		if !ok || v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	if e.user != "" && str("ka.user.name") != e.user {
		return false
	}
	if e.namespace != "" && str("ka.target.namespace") != e.namespace {
		return false
	}
	if e.name != "" && str("ka.target.name") != e.name && str("ka.resp.name") != e.name {
		return false
	}
	for k, v := range e.fields {
		if str(k) != v {
			return false
		}
	}
	return true
}

// recordAudit keeps the audit events of the test's users (not the control
// plane's own) as test data for the rules.
func recordAudit(t *testing.T, from, to string) {
	f, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	for sc.Scan() {
		var ev struct {
			User struct{ Username string } `json:"user"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil || strings.HasPrefix(ev.User.Username, "system:") && ev.User.Username != "system:anonymous" {
			continue
		}
		out.Write(sc.Bytes())
		out.WriteByte('\n')
	}
	if err := os.WriteFile(to, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d bytes of audit events to %s", out.Len(), to)
}

func anonymousGet(t *testing.T, url string) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("anonymous GET %s: %d", url, resp.StatusCode)
	}
}
