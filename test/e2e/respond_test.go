package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/peregrine-sec/peregrine/test/e2e/cluster"
)

const responsePolicies = `
policies:
  - name: quarantine-exec
    match:
      rules: ["Exec Or Attach Into Pod"]
      condition: ka.target.namespace = shop
    dedup: {window: 1m}
    actions:
      - action: label
        params: {labels: {peregrine.dev/compromised: "true"}}
      - action: annotate
      - action: disable
  - name: staging-dry-run
    match:
      rules: ["Exec Or Attach Into Pod"]
      condition: ka.target.namespace = staging
    dry_run: true
    actions:
      - action: label
      - action: disable
`

// forbiddenPolicy uses an action the generated RBAC does not grant.
const forbiddenPolicy = `
  - name: cordon-on-privileged
    match: {rules: ["Privileged Pod Created"]}
    actions:
      - action: cordon
`

// TestResponseToExec is the response story end to end: a real API server
// with its controllers, peregrine receiving its audit webhook and acting
// with a service account bound to the RBAC that `peregrine actions rbac`
// generated. kubectl exec into a Deployment's pod must get the pod labelled,
// isolated by a NetworkPolicy and taken out of its ReplicaSet (which starts
// a replacement) while it is kept; a dry-run policy must change nothing; a
// forbidden action must be a logged error that does not stop the others.
func TestResponseToExec(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	bins := cluster.BinDir(t)
	work := t.TempDir()
	bin := buildPeregrine(t, work)
	hookAddr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c, err := cluster.Start(ctx, cluster.Options{BinDir: bins, WorkDir: mkdir(t, filepath.Join(work, "cluster")),
		ControllerManager: true, WebhookURL: "http://" + hookAddr + "/k8s-audit", WebhookBatchMaxWait: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	kubectl := func(args ...string) string {
		t.Helper()
		out, errOut, err := c.Kubectl(ctx, "admin", args...)
		if err != nil {
			t.Fatalf("kubectl %v: %v\n%s%s", args, err, out, errOut)
		}
		return out
	}
	apply := func(manifest string) {
		t.Helper()
		if out, errOut, err := c.KubectlStdin(ctx, "admin", manifest, "apply", "-f", "-"); err != nil {
			t.Fatalf("kubectl apply: %v\n%s%s", err, out, errOut)
		}
	}

	// The responder's identity: a service account with the generated RBAC.
	narrow := filepath.Join(work, "narrow.yaml")
	os.WriteFile(narrow, []byte(responsePolicies), 0o644)
	rbac, err := exec.Command(bin, "actions", "rbac", "-p", narrow).CombinedOutput()
	if err != nil {
		t.Fatalf("actions rbac: %v\n%s", err, rbac)
	}
	kubectl("create", "namespace", "peregrine")
	apply(string(rbac))
	token := strings.TrimSpace(kubectl("create", "token", "peregrine-responder", "-n", "peregrine", "--duration=1h"))
	saConfig := filepath.Join(work, "sa.kubeconfig")
	os.WriteFile(saConfig, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: e2e, cluster: {server: %q, certificate-authority: %q}}]
users: [{name: responder, user: {token: %q}}]
contexts: [{name: r, context: {cluster: e2e, user: responder}}]
current-context: r
`, c.URL(), c.CACertPath(), token)), 0o600)

	for _, ns := range []string{"shop", "staging"} {
		kubectl("create", "namespace", ns)
		kubectl("create", "deployment", "web", "-n", ns, "--image=busybox:1.36", "--", "sleep", "3600")
	}
	kubectl("create", "service", "clusterip", "web", "-n", "shop", "--tcp=80:80")
	shopPod := waitPod(t, ctx, c, "shop", "app=web", "")
	stagingPod := waitPod(t, ctx, c, "staging", "app=web", "")
	stagingRV := kubectl("get", "pod", stagingPod, "-n", "staging", "-o", "jsonpath={.metadata.resourceVersion}")

	policies := filepath.Join(work, "policies.yaml")
	os.WriteFile(policies, []byte(responsePolicies+forbiddenPolicy), 0o644)
	p := startPeregrine(t, bin, work, "respond", "run", "--audit-webhook", "http://"+hookAddr+"/k8s-audit",
		"--response-policies", policies, "--kubeconfig", saConfig)
	waitHealthy(t, "http://"+hookAddr+"/healthz")

	// The attack: an interactive shell in the shop pod.
	start := time.Now()
	c.Kubectl(ctx, "admin", "exec", "-n", "shop", shopPod, "--", "sh")
	var labelled time.Duration
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out, _, _ := c.Kubectl(ctx, "admin", "get", "pod", shopPod, "-n", "shop", "-o", "jsonpath={.metadata.labels.peregrine\\.dev/compromised}")
		if out == "true" {
			labelled = time.Since(start)
			break
		}
	}
	if labelled == 0 {
		t.Fatalf("the pod was not labelled compromised within 10s\n%s", p.stderrText())
	}
	// Isolated, out of its ReplicaSet and Service, replaced, and kept.
	var pod struct {
		Metadata struct {
			Labels          map[string]string `json:"labels"`
			Annotations     map[string]string `json:"annotations"`
			OwnerReferences []struct {
				Controller *bool `json:"controller"`
			} `json:"ownerReferences"`
		} `json:"metadata"`
	}
	waitUntil(t, "the pod to be released by its ReplicaSet", func() bool {
		json.Unmarshal([]byte(kubectl("get", "pod", shopPod, "-n", "shop", "-o", "json")), &pod)
		return len(pod.Metadata.OwnerReferences) == 0
	})
	if pod.Metadata.Labels["app"] != "" || pod.Metadata.Labels["peregrine.dev/quarantined"] != "true" {
		t.Errorf("disabled pod labels: %v", pod.Metadata.Labels)
	}
	if pod.Metadata.Annotations["peregrine.dev/rule"] != "Exec Or Attach Into Pod" {
		t.Errorf("annotations: %v", pod.Metadata.Annotations)
	}
	if np := kubectl("get", "networkpolicy", "-n", "shop", "-o", "name"); !strings.Contains(np, "peregrine-isolate") {
		t.Errorf("no isolating NetworkPolicy: %q", np)
	}
	// Each decision logs its latency from the audit event to the action's end.
	waitUntil(t, "the disable decision", func() bool { return strings.Contains(p.stderrText(), "action=disable") })
	lat := decisionLatencies(p.stderrText())
	t.Logf("label seen %v after kubectl exec started; decision latencies from the audit event: %v", labelled, lat)
	for _, a := range []string{"label", "annotate", "disable"} {
		if d, ok := lat[a]; !ok || d > time.Second {
			t.Errorf("action %s: latency %v (present %v), want under 1s", a, d, ok)
		}
	}

	replacement := waitPod(t, ctx, c, "shop", "app=web", shopPod)
	t.Logf("replacement pod %s created; %s kept for forensics", replacement, shopPod)
	if ev := kubectl("get", "events", "-n", "shop", "--field-selector", "involvedObject.name="+shopPod, "-o", "jsonpath={.items[*].reason}"); !strings.Contains(ev, "PeregrineLabel") || !strings.Contains(ev, "PeregrineDisable") {
		t.Errorf("decisions not recorded as Kubernetes events on the pod: %q", ev)
	}

	// Dry run: the staging pod is answered but not changed.
	c.Kubectl(ctx, "admin", "exec", "-n", "staging", stagingPod, "--", "sh")
	waitUntil(t, "the dry-run decisions", func() bool { return strings.Count(p.stderrText(), "outcome=dry_run") >= 2 })
	if rv := kubectl("get", "pod", stagingPod, "-n", "staging", "-o", "jsonpath={.metadata.resourceVersion}"); rv != stagingRV {
		t.Errorf("dry run changed the staging pod (resourceVersion %s -> %s)", stagingRV, rv)
	}
	if np := kubectl("get", "networkpolicy", "-n", "staging", "-o", "name"); np != "" {
		t.Errorf("dry run created %q", np)
	}

	// A forbidden action: a clear error and a metric; the policies go on serving.
	apply("apiVersion: v1\nkind: Pod\nmetadata: {name: priv, namespace: staging}\nspec:\n  nodeName: node-1\n  containers: [{name: c, image: busybox:1.36, securityContext: {privileged: true}}]\n")
	waitUntil(t, "the forbidden cordon decision", func() bool {
		return regexp.MustCompile(`action=cordon .*outcome=error .*forbidden`).MatchString(p.stderrText())
	})
	c.Kubectl(ctx, "admin", "exec", "-n", "shop", replacement, "--", "sh")
	waitUntil(t, "the replacement to be labelled after the error", func() bool {
		out, _, _ := c.Kubectl(ctx, "admin", "get", "pod", replacement, "-n", "shop", "-o", "jsonpath={.metadata.labels.peregrine\\.dev/compromised}")
		return out == "true"
	})
	// The response role on its own, driven by a Falco-style alert.
	respondStandalone(t, ctx, c, bin, work, saConfig, replacement)

	resp, err := http.Get("http://" + hookAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`peregrine_response_decisions_total{action="cordon",outcome="error",policy="cordon-on-privileged"} 1`,
		`peregrine_response_decisions_total{action="label",outcome="ok",policy="quarantine-exec"} 2`,
		`peregrine_response_decisions_total{action="label",outcome="dry_run",policy="staging-dry-run"}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// standalonePolicy answers alerts that an existing Falco posts.
const standalonePolicy = `
policies:
  - name: falco-shell
    match:
      rules: ["Terminal shell in container"]
      sources: [syscall]
    actions:
      - action: label
        params: {labels: {peregrine.dev/compromised: "true", peregrine.dev/by: falco}}
`

// respondStandalone runs `peregrine respond` and posts it an alert in
// Falco's JSON format, as Falco's http_output would, naming pod in shop.
func respondStandalone(t *testing.T, ctx context.Context, c *cluster.Cluster, bin, work, kubeconfig, pod string) {
	t.Helper()
	policies := filepath.Join(work, "standalone.yaml")
	os.WriteFile(policies, []byte(standalonePolicy), 0o644)
	addr := freeAddr(t)
	startPeregrine(t, bin, work, "standalone", "respond", "-p", policies, "--kubeconfig", kubeconfig, "--listen", addr)
	waitHealthy(t, "http://"+addr+"/healthz")
	alert := fmt.Sprintf(`{"hostname":"node-1","output":"10:00:43.001103000: Notice A shell was spawned in a container with an attached terminal (user=root container_id=3ad7b26ded6d)","output_fields":{"container.id":"3ad7b26ded6d","evt.time":%d,"k8s.ns.name":"shop","k8s.pod.name":%q,"proc.name":"bash"},"priority":"Notice","rule":"Terminal shell in container","source":"syscall","tags":["container","shell"],"time":%q}`,
		time.Now().UnixNano(), pod, time.Now().UTC().Format(time.RFC3339Nano))
	resp, err := http.Post("http://"+addr+"/", "application/json", strings.NewReader(alert))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("respond answered %d", resp.StatusCode)
	}
	waitUntil(t, "the standalone responder to label the pod", func() bool {
		out, _, _ := c.Kubectl(ctx, "admin", "get", "pod", pod, "-n", "shop", "-o", "jsonpath={.metadata.labels.peregrine\\.dev/by}")
		return out == "falco"
	})
	if bad, _ := http.Post("http://"+addr+"/", "application/json", strings.NewReader("{not json")); bad == nil || bad.StatusCode != 400 {
		t.Errorf("a malformed alert was not refused with 400")
	}
}

// waitPod waits for a pod matching selector other than except and returns its name.
func waitPod(t *testing.T, ctx context.Context, c *cluster.Cluster, ns, selector, except string) string {
	t.Helper()
	var name string
	waitUntil(t, "a pod "+selector+" in "+ns, func() bool {
		out, _, _ := c.Kubectl(ctx, "admin", "get", "pods", "-n", ns, "-l", selector, "-o", "jsonpath={.items[*].metadata.name}")
		for _, n := range strings.Fields(out) {
			if n != except {
				name = n
				return true
			}
		}
		return false
	})
	return name
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// decisionLatencies reads the latency of the first ok decision of each
// action from the responder's log lines.
func decisionLatencies(log string) map[string]time.Duration {
	out := map[string]time.Duration{}
	re := regexp.MustCompile(`msg="response decision" .*action=(\w+) .*outcome=ok .*latency=([0-9.]+[a-zµ]+)`)
	for _, m := range re.FindAllStringSubmatch(log, -1) {
		if _, seen := out[m[1]]; seen {
			continue
		}
		if d, err := time.ParseDuration(m[2]); err == nil {
			out[m[1]] = d
		}
	}
	return out
}
