package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/testutil"
)

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := execute(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadInputGivesOneClearError(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	cases := map[string]struct {
		args []string
		want string
	}{
		"malformed":     {[]string{"validate", write("m.yaml", "- rule: [")}, "m.yaml"},
		"unknown field": {[]string{"validate", write("u.yaml", "- rule: r\n  desc: d\n  condition: proc.nobody = x\n  output: o\n  priority: INFO\n")}, "u.yaml:3:14: rule 'r': filter_check called with nonexistent field proc.nobody"},
		"type error":    {[]string{"validate", write("t.yaml", "- list: l\n  items: 5\n")}, "t.yaml"},
		"unknown flag":  {[]string{"--no-such-flag"}, "unknown flag: --no-such-flag"},
		"missing rules": {[]string{"-r", filepath.Join(dir, "absent.yaml")}, "absent.yaml"},
	}
	for name, c := range cases {
		code, _, stderr := run(c.args...)
		if code == 0 || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "panic") {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant it to contain %q", name, code, stderr, c.want)
		}
	}
}

func TestReplayDefaultRules(t *testing.T) {
	root := testutil.RepoRoot(t)
	code, out, stderr := run("replay", "--source", "k8s_audit", filepath.Join(root, "examples", "audit.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Privileged Pod Created: 1", "Forbidden Secret Access: 1", "Binding To Cluster Admin: 1", "Exec Or Attach Into Pod: 1", "Events detected: 4"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestFalcoStyleK8sRun(t *testing.T) {
	legacy := filepath.Join(testutil.SharedDir(t), "compat", "legacy")
	wd, _ := os.Getwd()
	os.Chdir(legacy)
	defer os.Chdir(wd)
	code, out, stderr := run("-r", "pinned_rules/k8s_audit_rules.yaml", "-c", "confs/plugins/k8s_audit.yaml",
		"-o", "json_output=true", "--enable-source=k8s_audit", "-o", "plugins[0].open_params=trace_files/k8s_audit/create_nginx_pod_privileged.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, `"rule":"Create Privileged Pod"`) || !strings.Contains(out, `"source":"k8s_audit"`) {
		t.Errorf("no JSON alert for the privileged pod:\n%s", out)
	}
}

func TestRuleSelectionFlags(t *testing.T) {
	root := testutil.RepoRoot(t)
	audit := filepath.Join(root, "examples", "audit.jsonl")
	rulesFile := filepath.Join(root, "rules", "k8s_audit.yaml")
	base := []string{"-r", rulesFile, "--enable-source=k8s_audit", "-o", "plugins[0].name=k8saudit", "-o", "plugins[0].open_params=" + audit}
	cases := []struct {
		extra []string
		want  string
	}{
		{nil, "Events detected: 4"},
		{[]string{"-D", "Secret"}, "Events detected: 3"},
		{[]string{"-T", "credential_access"}, "Events detected: 3"},
		{[]string{"-t", "execution"}, "Events detected: 1"},
		{[]string{"-o", "priority=warning"}, "Events detected: 3"},
		{[]string{"-o", "rules[0].disable.rule=*Pod*"}, "Events detected: 2"},
	}
	for _, c := range cases {
		code, out, stderr := run(append(append([]string{}, base...), c.extra...)...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("%v: exit %d, want %q in\n%s\n%s", c.extra, code, c.want, out, stderr)
		}
	}
	if code, _, stderr := run(append(base, "-t", "k8s", "-T", "k8s")...); code == 0 || !strings.Contains(stderr, "You can not specify both disabled (-D/-T) and enabled (-t) rules") {
		t.Errorf("-t with -T: exit %d, %s", code, stderr)
	}
}

func TestJSONAndISOTimeOutput(t *testing.T) {
	root := testutil.RepoRoot(t)
	code, out, stderr := run("replay", "--source", "k8s_audit", "-o", "json_output=true", "-o", "time_format_iso_8601=true",
		filepath.Join(root, "examples", "audit.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	first, _, _ := strings.Cut(out, "\n")
	for _, want := range []string{`{"hostname":`, `"output":"2026-11-22T10:00:40.001100000+0000: Warning Privileged pod created`,
		`"evt.time.iso8601":`, `"ka.req.pod.containers.image":["docker.io/library/busybox:1.36"]`, `"rule":"Privileged Pod Created","source":"k8s_audit"`,
		`"time":"2026-11-22T10:00:40.001100000Z"}`} {
		if !strings.Contains(first, want) {
			t.Errorf("missing %s in %s", want, first)
		}
	}
}

// TestDefaultRulesOnRealAuditEvents replays audit events recorded from a real
// kube-apiserver while the attacks of the end-to-end test were performed
// (rules/testdata/k8s_audit_real.jsonl, written by that test with
// PEREGRINE_RECORD_AUDIT) and checks that each default rule fires on its event.
func TestDefaultRulesOnRealAuditEvents(t *testing.T) {
	root := testutil.RepoRoot(t)
	code, out, stderr := run("replay", "--source", "k8s_audit", filepath.Join(root, "rules", "testdata", "k8s_audit_real.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"Forbidden secret read (user=mallory verb=get secret=db-creds ns=demo",
		"Secret read (user=carol secret=db-creds ns=demo",
		"Privileged pod created (user=admin pod=priv ns=demo",
		"Pod sharing host namespaces created (user=admin pod=hostns ns=demo hostPID=true",
		"Pod with sensitive hostPath mount created (user=admin pod=hostroot ns=demo hostpaths=(/))",
		"Binding to cluster-admin created (user=admin binding=mallory-admin",
		"Role with wildcard or escalation verbs (user=admin role=everything ns=demo",
		"Role with wildcard or escalation verbs (user=admin role=escalator",
		"Anonymous request allowed (verb=get uri=/api/v1/namespaces/demo",
		"Interactive session into pod (user=admin pod=priv ns=demo subresource=exec verb=get command=sh",
		"Interactive session into pod (user=admin pod=priv ns=demo subresource=exec verb=create command=sh",
		"Ephemeral container added to pod (user=admin pod=priv ns=demo",
		"Service account created in system namespace (user=admin serviceaccount=backdoor ns=kube-system",
		"System namespace modified (user=admin namespace=kube-public verb=patch",
		"Object changed in kube-system (user=admin verb=create resource=configmaps name=tweak",
		"NodePort service created (user=admin service=exposed ns=demo",
		"ConfigMap with credentials (user=admin configmap=app-config ns=demo verb=create",
		"Events detected: 17",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}
