package actions

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/respond/action"
	"github.com/peregrine-sec/peregrine/test/e2e/cluster"
)

// testEnv is the one control plane shared by every test of the package.
type testEnv struct {
	c       *cluster.Cluster
	dir     string
	client  kubernetes.Interface
	mallory kubernetes.Interface // the unprivileged user
	acts    map[string]action.Action
}

// shared is started lazily by the first test that needs it and stopped by
// TestMain, so `go test -run Webhook` never starts a cluster.
var shared struct {
	once sync.Once
	env  *testEnv
	skip string
	err  error
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if e := shared.env; e != nil {
		if err := e.c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop cluster:", err)
		}
		os.RemoveAll(e.dir)
	}
	os.Exit(code)
}

// kube returns the shared cluster, starting it on first use; it skips the
// test with -short or when the Kubernetes binaries are unavailable.
func kube(t *testing.T) *testEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping test against a real kube-apiserver")
	}
	shared.once.Do(func() {
		// BinDir skips (runtime.Goexit) when it cannot provide binaries; this
		// reason then stays for the other tests.
		shared.skip = "Kubernetes binaries unavailable (see the first cluster test's skip message)"
		bin := cluster.BinDir(t)
		shared.skip = ""
		shared.env, shared.err = startEnv(t, bin)
	})
	if shared.skip != "" {
		t.Skip(shared.skip)
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.env
}

func startEnv(t *testing.T, bin string) (*testEnv, error) {
	dir, err := os.MkdirTemp("", "peregrine-actions-")
	if err != nil {
		return nil, err
	}
	start := time.Now()
	c, err := cluster.Start(context.Background(), cluster.Options{BinDir: bin, WorkDir: dir, ControllerManager: true})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	t.Logf("control plane (etcd, kube-apiserver, kube-controller-manager) ready in %s", time.Since(start).Round(time.Millisecond))
	e := &testEnv{c: c, dir: dir}
	cfg, err := restConfig(c, "admin")
	if err == nil {
		e.client, err = kubernetes.NewForConfig(cfg)
	}
	if err == nil {
		var mcfg *rest.Config
		if mcfg, err = restConfig(c, "mallory"); err == nil {
			e.mallory, err = kubernetes.NewForConfig(mcfg)
		}
	}
	if err != nil {
		_ = c.Stop()
		os.RemoveAll(dir)
		return nil, err
	}
	e.acts = byName(New(e.client, Options{RESTConfig: cfg}))
	return e, nil
}

func restConfig(c *cluster.Cluster, user string) (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig(user))
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of %s: %w", user, err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	cfg.WarningHandler = rest.NoWarnings{}
	return cfg, nil
}

func byName(acts []action.Action) map[string]action.Action {
	m := map[string]action.Action{}
	for _, a := range acts {
		m[a.Describe().Name] = a
	}
	return m
}

// namespace creates a fresh namespace for one test (deleted afterwards).
func (e *testEnv) namespace(t *testing.T) string {
	t.Helper()
	ns, err := e.client.CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "act-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() {
		_ = e.client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

// pod creates a (never running) pod.
func (e *testEnv) pod(t *testing.T, ns, name string, labels map[string]string, node string) *corev1.Pod {
	t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: corev1.PodSpec{
			NodeName:   node,
			Containers: []corev1.Container{{Name: "app", Image: "busybox"}, {Name: "sidecar", Image: "busybox"}},
		},
	}
	p, err := e.client.CoreV1().Pods(ns).Create(context.Background(), p, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s/%s: %v", ns, name, err)
	}
	return p
}

func (e *testEnv) getPod(t *testing.T, ns, name string) *corev1.Pod {
	t.Helper()
	p, err := e.client.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get pod %s/%s: %v", ns, name, err)
	}
	return p
}

// run runs the named action and logs how long it took.
func (e *testEnv) run(t *testing.T, name string, req action.Request) (action.Result, error) {
	t.Helper()
	return runAction(t, e.acts[name], req)
}

func runAction(t *testing.T, a action.Action, req action.Request) (action.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	res, err := a.Run(ctx, req)
	t.Logf("%s %s (dry run %v) in %s: changed=%v %q err=%v", a.Describe().Name, req.Target, req.DryRun,
		time.Since(start).Round(time.Microsecond), res.Changed, res.Message, err)
	return res, err
}

// eventually polls cond every 100ms for up to timeout and returns how long it took.
func eventually(t *testing.T, what string, timeout time.Duration, cond func() (bool, error)) time.Duration {
	t.Helper()
	start := time.Now()
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true,
		func(context.Context) (bool, error) { return cond() })
	if err != nil {
		t.Fatalf("%s: not within %s: %v", what, timeout, err)
	}
	d := time.Since(start)
	t.Logf("%s after %s", what, d.Round(time.Millisecond))
	return d
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got none", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not contain %q", err, p)
		}
	}
}

func testAlert() *alert.Alert {
	return &alert.Alert{
		Time:     time.Date(2026, 11, 28, 12, 30, 0, 123456789, time.UTC).UnixNano(),
		Rule:     "Attach/Exec Pod",
		Priority: alert.Notice,
		Source:   "k8s_audit",
		Tags:     []string{"k8s", "mitre_execution"},
		Hostname: "falco-0",
		Message:  "Attach/Exec to pod (user=mallory pod=web-1 ns=default)",
		Fields: []alert.Field{
			{Key: "ka.user.name", Kind: alert.String, Text: "mallory"},
			{Key: "ka.response.code", Kind: alert.Number, Text: "101"},
			{Key: "ka.auth.decision", Kind: alert.Bool, Text: "true"},
			{Key: "ka.uri.param[command]", Kind: alert.List, Text: "(sh,-c)", List: []string{"sh", "-c"}},
			{Key: "ka.target.subresource", Kind: alert.Null},
		},
	}
}

func TestNewOrderAndDescriptions(t *testing.T) {
	acts := New(nil, Options{})
	var names []string
	for _, a := range acts {
		d := a.Describe()
		names = append(names, d.Name)
		if d.Summary == "" || d.Doc == "" || d.Example == "" {
			t.Errorf("%s: incomplete description %+v", d.Name, d)
		}
		if (len(d.RBAC) == 0) != (d.Name == "webhook") {
			t.Errorf("%s: RBAC %v", d.Name, d.RBAC)
		}
		var policies []map[string]any
		if err := yaml.Unmarshal([]byte(d.Example), &policies); err != nil || len(policies) != 1 {
			t.Errorf("%s: example is not a YAML list of one policy: %v\n%s", d.Name, err, d.Example)
			continue
		}
		steps, _ := policies[0]["actions"].([]any)
		if len(steps) == 0 || steps[0].(map[string]any)["action"] != d.Name {
			t.Errorf("%s: example does not use the action: %v", d.Name, policies[0])
		}
	}
	want := []string{"label", "annotate", "isolate", "disable", "delete", "cordon", "exec", "webhook"}
	if !slices.Equal(names, want) {
		t.Fatalf("New order = %v, want %v", names, want)
	}
}

func TestRBACRules(t *testing.T) {
	acts := New(nil, Options{})
	got := RBACRules(acts, []string{"label", "annotate", "isolate", "delete", "cordon", "webhook", "nosuch"})
	want := []action.Rule{
		{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "patch"}},
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"delete", "get", "patch"}},
		{APIGroups: []string{""}, Resources: []string{"pods/eviction"}, Verbs: []string{"create"}},
		{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"networkpolicies"}, Verbs: []string{"create", "get"}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("RBACRules =\n%v\nwant\n%v", got, want)
	}
	if r := RBACRules(acts, []string{"webhook"}); len(r) != 0 {
		t.Errorf("webhook needs no RBAC, got %v", r)
	}
	if r := RBACRules(acts, []string{"label", "annotate"}); len(r) != 1 || fmt.Sprint(r[0].Verbs) != "[get patch]" {
		t.Errorf("label+annotate = %v", r)
	}
}

// TestNoPanicOnEmpty runs every action with nothing: no client, no params,
// no alert, no target. Each must fail cleanly.
func TestNoPanicOnEmpty(t *testing.T) {
	for _, a := range New(nil, Options{}) {
		for _, dry := range []bool{false, true} {
			_, err := a.Run(context.Background(), action.Request{DryRun: dry})
			if err == nil {
				t.Errorf("%s (dry %v): no error with an empty request", a.Describe().Name, dry)
			}
		}
		_, err := a.Run(context.Background(), action.Request{Target: action.Target{Namespace: "ns", Pod: "p"}, Params: action.Params{"labels": 3, "annotations": "x", "allowDNS": "maybe", "isolate": 2, "evict": []int{}, "command": 1, "timeout": "soon", "url": "ftp://x"}})
		if err == nil {
			t.Errorf("%s: no error with bad params and no client", a.Describe().Name)
		}
	}
}

func TestHelpers(t *testing.T) {
	long := strings.Repeat("a", 60) + ".b" + strings.Repeat("c", 100)
	for _, pod := range []string{"web", strings.Repeat("x", 45), long, strings.Repeat("y", 44) + "-" + strings.Repeat("z", 30)} {
		n := isolatePolicyName(pod)
		if len(n) > 63 || strings.HasSuffix(n, "-") || !strings.HasPrefix(n, "peregrine-isolate-") {
			t.Errorf("isolatePolicyName(%q) = %q", pod, n)
		}
	}
	if isolatePolicyName(long) == isolatePolicyName(long+"d") {
		t.Error("long names collide")
	}
	c := &capped{max: 4}
	c.Write([]byte("ab"))
	c.Write([]byte("cdef"))
	if c.String() != "abcd\n[truncated]" {
		t.Errorf("capped = %q", c.String())
	}
	l, err := stringList(action.Params{"a": []any{"ps", 1}, "b": "ls -l"}, "a")
	if err != nil || fmt.Sprint(l) != "[ps 1]" {
		t.Errorf("stringList = %v, %v", l, err)
	}
	if l, _ := stringList(action.Params{"b": "ls -l"}, "b"); fmt.Sprint(l) != "[ls -l]" || len(l) != 2 {
		t.Errorf("stringList string = %v", l)
	}
}
