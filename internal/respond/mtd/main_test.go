package mtd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peregrine-sec/peregrine/test/e2e/cluster"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// e2eEnv is the package's one test control plane (etcd, kube-apiserver,
// kube-controller-manager), started by TestMain.
type e2eEnv struct {
	client kubernetes.Interface
	skip   string // why the cluster tests are skipped, if they are
}

// testEnv is package-level only because TestMain has no other way to hand
// the cluster to the tests.
var testEnv = &e2eEnv{}

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if testing.Short() {
		testEnv.skip = "-short: skipping tests that need a real control plane"
		return m.Run()
	}
	bins, skip := binDir()
	if skip != "" {
		testEnv.skip = skip
		return m.Run()
	}
	work, err := os.MkdirTemp("", "mtd-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "mtd tests:", err)
		return 1
	}
	defer os.RemoveAll(work)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := cluster.Start(ctx, cluster.Options{BinDir: bins, WorkDir: work, ControllerManager: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "mtd tests: start cluster:", err)
		return 1
	}
	defer func() {
		if err := c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "mtd tests: stop cluster:", err)
		}
	}()
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig("admin"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "mtd tests: kubeconfig:", err)
		return 1
	}
	cfg.QPS, cfg.Burst = 500, 1000 // the watchers poll every 50ms
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mtd tests: client:", err)
		return 1
	}
	testEnv.client = cs
	return m.Run()
}

// binDir runs cluster.BinDir outside a test: BinDir skips through its
// testing.TB, which mainTB turns into a returned reason.
func binDir() (dir, skip string) {
	tb := &mainTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		dir = cluster.BinDir(tb)
	}()
	<-done
	return dir, tb.skipped
}

// mainTB is the part of testing.TB that cluster.BinDir uses; Skip and Fatal
// end the calling goroutine (as in a test) and record why.
type mainTB struct {
	testing.TB // nil: any other method panics
	skipped    string
}

func (m *mainTB) Helper()                         {}
func (m *mainTB) Logf(format string, args ...any) { log.Printf(format, args...) }
func (m *mainTB) Log(args ...any)                 { log.Print(args...) }
func (m *mainTB) Skip(args ...any)                { m.stop(fmt.Sprint(args...)) }
func (m *mainTB) Skipf(format string, args ...any) {
	m.stop(fmt.Sprintf(format, args...))
}
func (m *mainTB) SkipNow()                          { m.stop("skipped") }
func (m *mainTB) Fatal(args ...any)                 { m.stop(fmt.Sprint(args...)) }
func (m *mainTB) Fatalf(format string, args ...any) { m.stop(fmt.Sprintf(format, args...)) }
func (m *mainTB) stop(reason string)                { m.skipped = reason; runtime.Goexit() }

// needCluster returns the test cluster's client or skips t.
func needCluster(t *testing.T) kubernetes.Interface {
	t.Helper()
	if testEnv.client == nil {
		t.Skip(testEnv.skip)
	}
	return testEnv.client
}

// newNamespace creates a namespace for t (deleted at cleanup) and runs the
// kubelet stand-in in it with standInStartDelay.
func newNamespace(t *testing.T, cs kubernetes.Interface) string {
	t.Helper()
	return newNamespaceStartDelay(t, cs, standInStartDelay)
}

// newNamespaceStartDelay is newNamespace with the stand-in reporting pods
// Ready startDelay after first seeing them.
func newNamespaceStartDelay(t *testing.T, cs kubernetes.Interface, startDelay time.Duration) string {
	t.Helper()
	name := "mtd-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	startKubeletStandIn(t, cs, name, startDelay)
	return name
}

// standInStartDelay models container start-up: by default, how long after
// the kubelet stand-in first sees a pod it reports the pod Ready.
const standInStartDelay = 200 * time.Millisecond

// startKubeletStandIn plays the kubelet the test cluster lacks, for namespace
// ns only: it polls the namespace's pods every 50ms and, startDelay after
// first seeing a pod that is not Ready (and not terminating), marks it
// Running and Ready through the status subresource (phase Running,
// conditions Initialized/ContainersReady/Ready True, every container
// running and ready). Nothing ever runs; this only lets availability logic
// see what a real kubelet would report. It stops at t's cleanup.
func startKubeletStandIn(t *testing.T, cs kubernetes.Interface, ns string, startDelay time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	wg.Go(func() {
		seen := map[types.UID]time.Time{}
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				continue
			}
			now := time.Now()
			for i := range pods.Items {
				p := &pods.Items[i]
				if p.DeletionTimestamp != nil || podReady(p) {
					continue
				}
				first, ok := seen[p.UID]
				if !ok {
					seen[p.UID] = now
					continue
				}
				if now.Sub(first) < startDelay {
					continue
				}
				markRunningReady(p, now)
				// A conflict is retried at the next poll.
				_, _ = cs.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{})
			}
		}
	})
}

// markRunningReady sets the status a kubelet reports for a started pod.
func markRunningReady(p *corev1.Pod, now time.Time) {
	ts := metav1.NewTime(now)
	p.Status.Phase = corev1.PodRunning
	p.Status.StartTime = &ts
	p.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: ts},
		{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: ts},
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: ts},
	}
	p.Status.ContainerStatuses = nil
	for _, c := range p.Spec.Containers {
		started := true
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: "docker.io/library/" + c.Image,
			Ready: true, Started: &started,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ts}},
		})
	}
}

// createDeployment creates a Deployment of busybox pods labelled app=name.
func createDeployment(t *testing.T, cs kubernetes.Interface, ns, name string, replicas int32) {
	t.Helper()
	lbl := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: lbl},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbl},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "main", Image: "busybox:1.36", Command: []string{"sleep", "3600"},
				}}},
			},
		},
	}
	if _, err := cs.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment %s/%s: %v", ns, name, err)
	}
}

// readyPods lists the Ready, non-terminating pods matching selector.
func readyPods(ctx context.Context, cs kubernetes.Interface, ns, selector string) ([]corev1.Pod, error) {
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil && podReady(&p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// waitReady waits until exactly n pods matching selector are Ready and no
// others exist, and returns them.
func waitReady(t *testing.T, cs kubernetes.Interface, ns, selector string, n int) []corev1.Pod {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ready, err := readyPods(context.Background(), cs, ns, selector)
		all, err2 := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
		if err == nil && err2 == nil && len(ready) == n && len(all.Items) == n {
			return ready
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s in %s: want %d ready pods, have %d (err %v, %v)", selector, ns, n, len(ready), err, err2)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// recorder collects Outcomes (OnRun may be called concurrently).
type recorder struct {
	mu  sync.Mutex
	out []Outcome
}

func (r *recorder) add(o Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out = append(r.out, o)
}

func (r *recorder) all() []Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Outcome(nil), r.out...)
}

// testLogWriter sends slog output to t.Log.
type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var _ io.Writer = testLogWriter{}
