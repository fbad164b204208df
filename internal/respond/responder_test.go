package respond

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/respond/action"
	"github.com/peregrine-sec/peregrine/internal/respond/actions"
	"github.com/peregrine-sec/peregrine/internal/source/k8saudit"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// recordingAction is a unit-test action that records its calls.
type recordingAction struct {
	name string
	fail bool
	mu   sync.Mutex
	got  []action.Request
}

func (r *recordingAction) Describe() action.Description { return action.Description{Name: r.name} }

func (r *recordingAction) Run(_ context.Context, req action.Request) (action.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, req)
	if r.fail {
		return action.Result{}, errors.New("forbidden")
	}
	return action.Result{Message: "done", Changed: !req.DryRun}, nil
}

func (r *recordingAction) calls() []action.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]action.Request(nil), r.got...)
}

func setup(t *testing.T, policies string, acts ...*recordingAction) (*Responder, *[]Decision) {
	t.Helper()
	known := map[string]action.Action{}
	for _, a := range acts {
		known[a.name] = a
	}
	f, err := Parse([]byte(policies), known)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var ds []Decision
	r := &Responder{Actions: known, Fields: []*field.Table{field.NewTable(k8saudit.Fields())}, Log: quiet,
		OnDecision: func(d Decision) { mu.Lock(); ds = append(ds, d); mu.Unlock() }}
	if err := r.Load(f); err != nil {
		t.Fatal(err)
	}
	return r, &ds
}

func execAlert(ns, pod string) *alert.Alert {
	return &alert.Alert{Time: time.Now().UnixNano(), Rule: "Exec Or Attach Into Pod", Priority: alert.Notice, Source: "k8s_audit",
		Fields: []alert.Field{{Key: "ka.target.namespace", Kind: alert.String, Text: ns}, {Key: "ka.target.name", Kind: alert.String, Text: pod}}}
}

const policies = `
policies:
  - name: quarantine-tenant-a
    match:
      rules: ["Exec Or Attach*"]
      condition: ka.target.namespace in (tenant-a)
    actions:
      - action: label
      - action: broken
        ignore_errors: true
      - action: isolate
    continue: false
  - name: dry
    match: {priority: notice}
    dry_run: true
    dedup: {window: 1m}
    actions:
      - action: label
`

func TestPoliciesInOrderWithErrorsAndContinue(t *testing.T) {
	label, broken, isolate := &recordingAction{name: "label"}, &recordingAction{name: "broken", fail: true}, &recordingAction{name: "isolate"}
	r, ds := setup(t, policies, label, broken, isolate)
	r.Respond(context.Background(), execAlert("tenant-a", "web-1"))
	if n := len(label.calls()); n != 1 {
		t.Fatalf("label ran %d times", n)
	}
	if c := isolate.calls(); len(c) != 1 || c[0].Target != (action.Target{Namespace: "tenant-a", Pod: "web-1"}) || c[0].Policy != "quarantine-tenant-a" {
		t.Fatalf("isolate calls %+v (ignore_errors should go on past the failing action)", c)
	}
	var outcomes []string
	for _, d := range *ds {
		outcomes = append(outcomes, d.Action+":"+d.Outcome)
	}
	if got := strings.Join(outcomes, " "); got != "label:ok broken:error isolate:ok" {
		t.Errorf("decisions %s (continue: false must stop the second policy)", got)
	}
}

func TestDryRunAndDedup(t *testing.T) {
	label := &recordingAction{name: "label"}
	r, ds := setup(t, policies, label, &recordingAction{name: "broken"}, &recordingAction{name: "isolate"})
	r.Respond(context.Background(), execAlert("tenant-b", "api-1"))
	r.Respond(context.Background(), execAlert("tenant-b", "api-1"))
	r.Respond(context.Background(), execAlert("tenant-b", "api-2"))
	c := label.calls()
	if len(c) != 2 || !c[0].DryRun {
		t.Fatalf("calls %+v: want 2 dry-run calls (api-1 once, api-2)", c)
	}
	var outcomes []string
	for _, d := range *ds {
		outcomes = append(outcomes, d.Target.Pod+":"+d.Outcome)
	}
	if got := strings.Join(outcomes, " "); got != "api-1:dry_run api-1:deduplicated api-2:dry_run" {
		t.Errorf("decisions %s", got)
	}
}

func TestRateLimitAndNoTarget(t *testing.T) {
	label := &recordingAction{name: "label"}
	r, ds := setup(t, `
policies:
  - name: limited
    match: {}
    rate_limit: {max: 2, per: 1h}
    actions: [{action: label}]
`, label)
	for i := 0; i < 5; i++ {
		r.Respond(context.Background(), execAlert("ns", "p"))
	}
	r.Respond(context.Background(), &alert.Alert{Rule: "x"})
	if n := len(label.calls()); n != 2 {
		t.Errorf("%d actions ran, want 2", n)
	}
	counts := map[string]int{}
	for _, d := range *ds {
		counts[d.Outcome]++
	}
	if counts["ok"] != 2 || counts["rate_limited"] != 3 || counts["no_target"] != 1 {
		t.Errorf("outcomes %v", counts)
	}
}

func TestParseErrors(t *testing.T) {
	known := map[string]action.Action{"label": &recordingAction{name: "label"}}
	for doc, want := range map[string]string{
		"policies:\n  - name: a\n    actions: [{action: nuke}]\n":                             `line 2: policy "a": action 1: unknown action "nuke"`,
		"policies:\n  - name: a\n    actions: []\n":                                           `policy "a": no actions`,
		"policies:\n  - name: a\n    actions: [{action: label}]\n    colour: red\n":           "colour",
		"policies:\n  - actions: [{action: label}]\n":                                         "no name",
		"policies:\n  - name: a\n    dedup: {window: soon}\n    actions: [{action: label}]\n": `"soon" is not a duration`,
	} {
		if _, err := Parse([]byte(doc), known); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", doc, err, want)
		}
	}
	r := &Responder{Actions: known, Fields: []*field.Table{field.NewTable(k8saudit.Fields())}}
	f, _ := Parse([]byte("policies:\n  - name: a\n    match: {condition: ka.nope = 1}\n    actions: [{action: label}]\n"), known)
	if err := r.Load(f); err == nil || !strings.Contains(err.Error(), `line 2: policy "a": condition`) {
		t.Errorf("bad condition: %v", err)
	}
}

func TestHotReload(t *testing.T) {
	label := &recordingAction{name: "label"}
	dir := t.TempDir()
	path := filepath.Join(dir, "policies.yaml")
	write := func(ns string) {
		tmp := path + ".tmp"
		os.WriteFile(tmp, []byte("policies:\n  - name: p\n    match: {condition: ka.target.namespace = "+ns+"}\n    actions: [{action: label}]\n"), 0o644)
		os.Rename(tmp, path)
	}
	write("one")
	known := map[string]action.Action{"label": label}
	f, err := ParseFile(path, known)
	if err != nil {
		t.Fatal(err)
	}
	r := &Responder{Actions: known, Fields: []*field.Table{field.NewTable(k8saudit.Fields())}, Log: quiet}
	if err := r.Load(f); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Watch(ctx, path, 10*time.Millisecond)
	time.Sleep(30 * time.Millisecond)
	write("two")
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		r.Respond(context.Background(), execAlert("two", "p"))
		if len(label.calls()) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(label.calls()) == 0 {
		t.Fatal("the changed policy file was not reloaded")
	}
	os.WriteFile(path, []byte("policies: [oops"), 0o644)
	time.Sleep(100 * time.Millisecond)
	if got := r.Policies(); len(got) != 1 || got[0].Name != "p" {
		t.Errorf("a broken file replaced the policies in force: %+v", got)
	}
}

// TestActionExamplesParse checks that every built-in action's documented
// example is a valid policy.
func TestActionExamplesParse(t *testing.T) {
	all := actions.New(nil, actions.Options{})
	known := map[string]action.Action{}
	for _, a := range all {
		known[a.Describe().Name] = a
	}
	for _, a := range all {
		d := a.Describe()
		doc := "policies:\n" + indent(d.Example, "  ")
		f, err := Parse([]byte(doc), known)
		if err != nil {
			t.Errorf("%s example: %v\n%s", d.Name, err, doc)
			continue
		}
		if len(f.Policies) != 1 || f.Policies[0].Actions[0].Action != d.Name {
			t.Errorf("%s example does not use the action: %+v", d.Name, f.Policies)
		}
	}
}

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = pre + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestAPIServerDown runs the real Kubernetes actions against an API server
// that is not there: every action is an error decision naming the cause,
// counted, and the responder keeps answering.
func TestAPIServerDown(t *testing.T) {
	dir := t.TempDir()
	kc := filepath.Join(dir, "kubeconfig")
	os.WriteFile(kc, []byte("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: \"https://127.0.0.1:1\"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n"), 0o600)
	restCfg, client, err := NewClient(kc)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]action.Action{}
	for _, a := range actions.New(client, actions.Options{RESTConfig: restCfg}) {
		known[a.Describe().Name] = a
	}
	f, err := Parse([]byte("policies:\n  - name: q\n    match: {}\n    actions: [{action: label}, {action: isolate, ignore_errors: true}]\n"), known)
	if err != nil {
		t.Fatal(err)
	}
	var ds []Decision
	r := &Responder{Actions: known, Fields: []*field.Table{field.NewTable(k8saudit.Fields())}, Log: quiet,
		ActionTimeout: 2 * time.Second, OnDecision: func(d Decision) { ds = append(ds, d) }}
	if err := r.Load(f); err != nil {
		t.Fatal(err)
	}
	r.Respond(context.Background(), execAlert("shop", "web-1"))
	r.Respond(context.Background(), execAlert("shop", "web-2"))
	if len(ds) != 2 {
		t.Fatalf("%d decisions, want 2 (the first failing action stops its policy): %+v", len(ds), ds)
	}
	for _, d := range ds {
		if d.Outcome != "error" || !strings.Contains(d.Message, "connection refused") || !strings.Contains(d.Message, "shop/web-") {
			t.Errorf("decision %+v", d)
		}
	}
}
