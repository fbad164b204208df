package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/testutil"
)

// TestActionsDocInStep checks that docs/actions.md is what
// `peregrine actions --markdown` generates.
func TestActionsDocInStep(t *testing.T) {
	code, out, stderr := run("actions", "--markdown")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "docs", "actions.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(doc), out) {
		t.Error("docs/actions.md is out of date: regenerate it with `peregrine actions --markdown`")
	}
	for _, name := range []string{"label", "annotate", "isolate", "disable", "delete", "cordon", "exec", "webhook"} {
		if !strings.Contains(out, "## "+name+"\n") {
			t.Errorf("action %s is not documented", name)
		}
	}
}

func TestActionsFilterAndRBAC(t *testing.T) {
	code, out, _ := run("actions", "isolate")
	if code != 0 || !strings.HasPrefix(out, "isolate\n") || strings.Contains(out, "\nlabel\n") {
		t.Errorf("filtered listing:\n%s", out)
	}
	if code, _, stderr := run("actions", "nuke"); code == 0 || !strings.Contains(stderr, `unknown action "nuke"`) {
		t.Errorf("unknown action: %d %s", code, stderr)
	}
	p := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(p, []byte("policies:\n  - name: q\n    match: {rules: [\"Exec*\"]}\n    actions: [{action: label}, {action: delete, params: {evict: true}}]\n"), 0o644)
	code, out, stderr := run("actions", "rbac", "-p", p, "--namespace", "sec")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"kind: ClusterRole", `resources: ["pods/eviction"]`, `verbs: ["create"]`, `resources: ["events"]`, "namespace: sec"} {
		if !strings.Contains(out, want) {
			t.Errorf("rbac lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "networkpolicies") || strings.Contains(out, "nodes") {
		t.Errorf("rbac grants more than the policies use:\n%s", out)
	}
}

// TestDeployPoliciesAndRBACInStep checks the shipped example policies load
// and deploy/respond/rbac.yaml is what `actions rbac` generates for them.
func TestDeployPoliciesAndRBACInStep(t *testing.T) {
	root := testutil.RepoRoot(t)
	code, out, stderr := run("actions", "rbac", "-p", filepath.Join(root, "deploy", "respond", "policies.yaml"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want, err := os.ReadFile(filepath.Join(root, "deploy", "respond", "rbac.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Error("deploy/respond/rbac.yaml is out of date: regenerate it with `peregrine actions rbac -p deploy/respond/policies.yaml`")
	}
}

// TestDestinationsDocInStep checks that docs/destinations.md is what
// `peregrine outputs --markdown` generates.
func TestDestinationsDocInStep(t *testing.T) {
	code, out, stderr := run("outputs", "--markdown")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "docs", "destinations.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(doc), out) {
		t.Error("docs/destinations.md is out of date: regenerate it with `peregrine outputs --markdown`")
	}
	for _, name := range []string{"stdout", "file", "syslog", "program", "webhook", "falcosidekick", "slack", "teams", "alertmanager", "loki", "elasticsearch", "smtp", "kafka", "nats"} {
		if !strings.Contains(out, "## "+name+"\n") {
			t.Errorf("destination %s is not documented", name)
		}
	}
}
