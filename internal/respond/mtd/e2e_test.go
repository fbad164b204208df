package mtd

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// runScheduler runs schedules for d with a seeded Scheduler and returns the
// Outcomes.
func runScheduler(t *testing.T, cs kubernetes.Interface, d time.Duration, schedules ...Schedule) []Outcome {
	t.Helper()
	rec := &recorder{}
	s := &Scheduler{
		Client: cs,
		Log:    slog.New(slog.NewTextHandler(testLogWriter{t}, nil)),
		Rand:   rand.New(rand.NewPCG(1, 2)),
		OnRun:  rec.add,
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := s.Run(ctx, schedules); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rec.all()
}

// acted returns the Outcomes in which the action was performed.
func acted(outs []Outcome) []Outcome {
	var r []Outcome
	for _, o := range outs {
		if o.Skipped == "" && o.Err == nil {
			r = append(r, o)
		}
	}
	return r
}

func noErrors(t *testing.T, outs []Outcome) {
	t.Helper()
	for _, o := range outs {
		if o.Err != nil {
			t.Errorf("outcome error: %+v", o)
		}
	}
}

// snapshot maps pod name to UID/resourceVersion.
func snapshot(t *testing.T, cs kubernetes.Interface, ns, selector string) map[string]string {
	t.Helper()
	list, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, p := range list.Items {
		m[p.Name] = string(p.UID) + "/" + p.ResourceVersion
	}
	return m
}

func TestRestartKeepsAvailability(t *testing.T) {
	cs := needCluster(t)
	ns := newNamespace(t, cs)
	createDeployment(t, cs, ns, "web", 3)
	before := waitReady(t, cs, ns, "app=web", 3)

	// The watcher samples the Deployment's Ready, non-terminating pods every
	// 50ms for as long as the scheduler runs.
	stopWatch := startReadyWatcher(cs, ns, "app=web")

	sc := Schedule{
		Name: "web-restart", Namespace: ns, Selector: "app=web", Action: ActionRestart,
		Every: Duration(2 * time.Second), Jitter: Duration(time.Second), MaxUnavailable: "1",
	}
	outs := runScheduler(t, cs, 20*time.Second, sc)
	time.Sleep(500 * time.Millisecond) // observe the last replacement too
	minReady, samples, lowSeen := stopWatch(3)

	noErrors(t, outs)
	restarts := acted(outs)
	t.Logf("%d outcomes, %d restarts; %d availability samples, minimum Ready %d, %d samples at 2 Ready",
		len(outs), len(restarts), samples, minReady, lowSeen)
	if samples < 200 {
		t.Errorf("only %d availability samples", samples)
	}
	if minReady < 2 {
		t.Errorf("availability dropped to %d Ready pods (maxUnavailable 1 of 3)", minReady)
	}
	if len(restarts) < 4 {
		t.Errorf("%d restarts, want >= 4: %+v", len(restarts), outs)
	}
	var gaps []string
	for i := 1; i < len(restarts); i++ {
		gap := restarts[i].At.Sub(restarts[i-1].At)
		gaps = append(gaps, gap.Round(time.Millisecond).String())
		if gap < 2*time.Second-20*time.Millisecond {
			t.Errorf("restarts %d and %d only %s apart (every 2s)", i-1, i, gap)
		}
		if gap > 3*time.Second+time.Second {
			t.Errorf("restarts %d and %d %s apart (every 2s + <1s jitter; a tick was skipped?)", i-1, i, gap)
		}
	}
	t.Logf("gaps between restarts: %s", strings.Join(gaps, " "))

	after := waitReady(t, cs, ns, "app=web", 3)
	old := map[string]bool{}
	for _, p := range before {
		old[p.Name] = true
	}
	replaced := 0
	for _, p := range after {
		if !old[p.Name] {
			replaced++
		}
	}
	t.Logf("pods before %v, after %v", podNames(before), podNames(after))
	if replaced == 0 {
		t.Errorf("no pod was replaced")
	}
}

func podNames(pods []corev1.Pod) []string {
	var n []string
	for _, p := range pods {
		n = append(n, p.Name)
	}
	slices.Sort(n)
	return n
}

func TestRelabel(t *testing.T) {
	cs := needCluster(t)
	ns := newNamespace(t, cs)
	createDeployment(t, cs, ns, "rl", 2)
	before := waitReady(t, cs, ns, "app=rl", 2)

	// Poll the epoch label of each pod while the scheduler runs.
	var (
		wg     sync.WaitGroup
		epochs = map[string][]string{} // pod -> distinct epochs in order seen
	)
	wctx, stopWatch := context.WithCancel(context.Background())
	wg.Go(func() {
		for wctx.Err() == nil {
			if list, err := cs.CoreV1().Pods(ns).List(wctx, metav1.ListOptions{LabelSelector: "app=rl"}); err == nil {
				for _, p := range list.Items {
					e, ok := p.Labels["peregrine.dev/epoch"]
					if h := epochs[p.Name]; ok && (len(h) == 0 || h[len(h)-1] != e) {
						epochs[p.Name] = append(h, e)
					}
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	sc := Schedule{
		Name: "rl", Namespace: ns, Selector: "app=rl", Action: ActionRelabel,
		Labels: map[string]string{"peregrine.dev/epoch": "{{.Seq}}", "peregrine.dev/at": "t{{.Time}}"},
		Every:  Duration(time.Second), Batch: 2, MaxUnavailable: "2",
	}
	outs := runScheduler(t, cs, 4500*time.Millisecond, sc)
	time.Sleep(200 * time.Millisecond)
	stopWatch()
	wg.Wait()

	noErrors(t, outs)
	t.Logf("%d relabels; epochs seen per pod: %v", len(acted(outs)), epochs)
	if n := len(acted(outs)); n < 6 {
		t.Errorf("%d relabels, want >= 6 (2 pods x 3+ runs)", n)
	}
	for _, p := range before {
		h := epochs[p.Name]
		if len(h) < 3 {
			t.Errorf("pod %s: epochs %v, want >= 3 distinct values", p.Name, h)
		}
		for i := 1; i < len(h); i++ {
			a, _ := strconv.Atoi(h[i-1])
			b, _ := strconv.Atoi(h[i])
			if b <= a {
				t.Errorf("pod %s: epochs %v not increasing", p.Name, h)
			}
		}
	}
	list, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=rl"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 2 {
		t.Errorf("%d pods after relabelling, want the same 2", len(list.Items))
	}
	for _, p := range list.Items {
		if _, err := time.Parse(time.RFC3339, p.Annotations[RelabelledAtAnnotation]); err != nil {
			t.Errorf("pod %s: annotation %s=%q: %v", p.Name, RelabelledAtAnnotation, p.Annotations[RelabelledAtAnnotation], err)
		}
		if !strings.HasPrefix(p.Labels["peregrine.dev/at"], "t20") {
			t.Errorf("pod %s: peregrine.dev/at=%q", p.Name, p.Labels["peregrine.dev/at"])
		}
	}
	if got := podNames(list.Items); !slices.Equal(got, podNames(before)) {
		t.Errorf("relabelling replaced pods: %v -> %v", podNames(before), got)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	cs := needCluster(t)
	ns := newNamespace(t, cs)
	createDeployment(t, cs, ns, "dry", 2)
	waitReady(t, cs, ns, "app=dry", 2)
	before := snapshot(t, cs, ns, "app=dry")

	base := Schedule{Namespace: ns, Selector: "app=dry", Every: Duration(time.Second), DryRun: true, MaxUnavailable: "1"}
	del, evict, relabel := base, base, base
	del.Name, del.Action = "dry-delete", ActionRestart
	evict.Name, evict.Action, evict.Evict = "dry-evict", ActionRestart, true
	relabel.Name, relabel.Action, relabel.Labels = "dry-relabel", ActionRelabel, map[string]string{"peregrine.dev/epoch": "{{.Seq}}"}
	outs := runScheduler(t, cs, 3500*time.Millisecond, del, evict, relabel)

	noErrors(t, outs)
	per := map[string]int{}
	for _, o := range outs {
		if !o.DryRun {
			t.Errorf("outcome without DryRun: %+v", o)
		}
		if o.Skipped == "" && o.Err == nil {
			per[o.Schedule]++
		}
	}
	t.Logf("%d dry-run outcomes, would-act per schedule: %v", len(outs), per)
	for _, name := range []string{"dry-delete", "dry-evict", "dry-relabel"} {
		if per[name] < 3 {
			t.Errorf("schedule %s decided to act %d times, want >= 3", name, per[name])
		}
	}
	after := snapshot(t, cs, ns, "app=dry")
	if len(after) != len(before) {
		t.Errorf("pods changed: %v -> %v", before, after)
	}
	for name, v := range before {
		if after[name] != v {
			t.Errorf("pod %s changed: uid/resourceVersion %s -> %s", name, v, after[name])
		}
	}
}

func TestEvictHonoursPDB(t *testing.T) {
	cs := needCluster(t)
	ns := newNamespace(t, cs)
	createDeployment(t, cs, ns, "guarded", 3)
	min3 := intstr.FromInt32(3)
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "guarded", Namespace: ns},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: &min3,
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "guarded"}},
		},
	}
	if _, err := cs.PolicyV1().PodDisruptionBudgets(ns).Create(context.Background(), pdb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitReady(t, cs, ns, "app=guarded", 3)
	// Let the disruption controller observe the budget, so the 429s below
	// come from the budget itself rather than from "still processing".
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := cs.PolicyV1().PodDisruptionBudgets(ns).Get(context.Background(), "guarded", metav1.GetOptions{})
		if err == nil && got.Status.ObservedGeneration >= got.Generation && got.Status.CurrentHealthy == 3 {
			t.Logf("PDB status: healthy %d, desired %d, disruptionsAllowed %d",
				got.Status.CurrentHealthy, got.Status.DesiredHealthy, got.Status.DisruptionsAllowed)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("PDB status never observed 3 healthy pods: %+v %v", got, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	before := snapshot(t, cs, ns, "app=guarded")

	sc := Schedule{
		Name: "guarded", Namespace: ns, Selector: "app=guarded", Action: ActionRestart, Evict: true,
		Every: Duration(time.Second), MaxUnavailable: "1",
	}
	outs := runScheduler(t, cs, 4500*time.Millisecond, sc)

	noErrors(t, outs)
	if len(outs) < 3 {
		t.Errorf("%d outcomes, want >= 3", len(outs))
	}
	for _, o := range outs {
		if !strings.HasPrefix(o.Skipped, "blocked by PodDisruptionBudget") || o.Pod == "" {
			t.Errorf("outcome not blocked by the PDB: %+v", o)
		}
	}
	if len(outs) > 0 {
		t.Logf("%d outcomes, e.g. %s: %s", len(outs), outs[0].Pod, outs[0].Skipped)
	}
	after := snapshot(t, cs, ns, "app=guarded")
	for name, v := range before {
		if after[name] != v {
			t.Errorf("pod %s changed despite the PDB: %s -> %s", name, v, after[name])
		}
	}
	if len(after) != len(before) {
		t.Errorf("pods changed: %v -> %v", before, after)
	}
}
