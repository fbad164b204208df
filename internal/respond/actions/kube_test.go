package actions

import (
	"strings"
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/peregrine-sec/peregrine/internal/respond/action"
)

func TestLabel(t *testing.T) {
	e := kube(t)
	ns := e.namespace(t)
	p := e.pod(t, ns, "web-1", map[string]string{"app": "web"}, "")
	tg := action.Target{Namespace: ns, Pod: "web-1"}

	res, err := e.run(t, "label", action.Request{Target: tg, Params: action.Params{"labels": map[string]any{"team": "blue", "n": 1}}, DryRun: true})
	if err != nil || res.Changed || !strings.HasPrefix(res.Message, "would ") {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	if rv := e.getPod(t, ns, "web-1").ResourceVersion; rv != p.ResourceVersion {
		t.Fatalf("dry run changed the pod: rv %s -> %s", p.ResourceVersion, rv)
	}
	res, err = e.run(t, "label", action.Request{Target: tg})
	if err != nil || !res.Changed {
		t.Fatalf("label: %+v %v", res, err)
	}
	got := e.getPod(t, ns, "web-1").Labels
	if got[LabelCompromised] != "true" || got["app"] != "web" {
		t.Fatalf("labels = %v", got)
	}
	res, err = e.run(t, "label", action.Request{Target: tg, Params: action.Params{"labels": nil}})
	if err != nil || res.Changed {
		t.Fatalf("second label: want unchanged, got %+v %v", res, err)
	}
	_, err = e.run(t, "label", action.Request{Target: tg, Params: action.Params{"labels": map[string]any{"bad key!": "x"}}})
	wantErr(t, err, "invalid label key")
}

func TestAnnotate(t *testing.T) {
	e := kube(t)
	ns := e.namespace(t)
	p := e.pod(t, ns, "web-1", nil, "")
	tg := action.Target{Namespace: ns, Pod: "web-1"}
	req := action.Request{Target: tg, Alert: testAlert(), Policy: "exec-response",
		Params: action.Params{"annotations": map[string]any{"example.com/ticket": "SEC-1"}}}

	req.DryRun = true
	if res, err := e.run(t, "annotate", req); err != nil || res.Changed || !strings.HasPrefix(res.Message, "would ") {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	if rv := e.getPod(t, ns, "web-1").ResourceVersion; rv != p.ResourceVersion {
		t.Fatalf("dry run changed the pod")
	}
	req.DryRun = false
	if res, err := e.run(t, "annotate", req); err != nil || !res.Changed {
		t.Fatalf("annotate: %+v %v", res, err)
	}
	a := e.getPod(t, ns, "web-1").Annotations
	want := map[string]string{AnnotationRule: "Attach/Exec Pod", AnnotationPolicy: "exec-response",
		AnnotationDetectedAt: "2026-11-28T12:30:00Z", "example.com/ticket": "SEC-1"}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, a[k], v)
		}
	}
	if res, err := e.run(t, "annotate", req); err != nil || res.Changed {
		t.Fatalf("second annotate: want unchanged, got %+v %v", res, err)
	}
	// Nil alert and params: still records the detection time.
	if _, err := e.run(t, "annotate", action.Request{Target: tg}); err != nil {
		t.Fatal(err)
	}
}

func TestIsolate(t *testing.T) {
	e := kube(t)
	ns := e.namespace(t)
	p := e.pod(t, ns, "web-1", map[string]string{"app": "web"}, "")
	other := e.pod(t, ns, "web-2", map[string]string{"app": "web"}, "")
	tg := action.Target{Namespace: ns, Pod: "web-1"}
	nps := e.client.NetworkingV1().NetworkPolicies(ns)

	if res, err := e.run(t, "isolate", action.Request{Target: tg, DryRun: true}); err != nil || res.Changed || !strings.HasPrefix(res.Message, "would ") {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	if l, _ := nps.List(t.Context(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Fatalf("dry run created %d network policies", len(l.Items))
	}
	if rv := e.getPod(t, ns, "web-1").ResourceVersion; rv != p.ResourceVersion {
		t.Fatalf("dry run changed the pod")
	}

	res, err := e.run(t, "isolate", action.Request{Target: tg, Params: action.Params{"allowDNS": true}})
	if err != nil || !res.Changed || res.Details["networkpolicy"] != "peregrine-isolate-web-1" {
		t.Fatalf("isolate: %+v %v", res, err)
	}
	np, err := nps.Get(t.Context(), "peregrine-isolate-web-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sel := shortUID(p)
	pl := e.getPod(t, ns, "web-1").Labels
	if pl[LabelIsolated] != sel || pl["app"] != "web" {
		t.Fatalf("pod labels = %v", pl)
	}
	if ml := np.Spec.PodSelector.MatchLabels; len(ml) != 1 || ml[LabelIsolated] != sel || len(np.Spec.PodSelector.MatchExpressions) != 0 {
		t.Fatalf("podSelector = %+v", np.Spec.PodSelector)
	}
	if len(np.Spec.PolicyTypes) != 2 || len(np.Spec.Ingress) != 0 || len(np.Spec.Egress) != 1 || len(np.Spec.Egress[0].Ports) != 2 ||
		np.Spec.Egress[0].Ports[0].Port.IntValue() != 53 || len(np.Spec.Egress[0].To) != 0 {
		t.Fatalf("spec = %+v", np.Spec)
	}
	if np.Labels[LabelManagedBy] != "peregrine" || len(np.OwnerReferences) != 1 || np.OwnerReferences[0].UID != p.UID {
		t.Fatalf("meta = %+v", np.ObjectMeta)
	}
	if _, ok := e.getPod(t, ns, "web-2").Labels[LabelIsolated]; ok || shortUID(other) == sel {
		t.Fatal("the other pod is selected too")
	}
	if res, err := e.run(t, "isolate", action.Request{Target: tg}); err != nil || res.Changed {
		t.Fatalf("second isolate: want unchanged, got %+v %v", res, err)
	}

	// A deny-all policy without allowDNS, for a pod with a long name.
	long := strings.Repeat("x", 70)
	e.pod(t, ns, long, nil, "")
	res, err = e.run(t, "isolate", action.Request{Target: action.Target{Namespace: ns, Pod: long}})
	if err != nil || len(res.Details["networkpolicy"]) > 63 {
		t.Fatalf("long name: %+v %v", res, err)
	}
	np2, err := nps.Get(t.Context(), res.Details["networkpolicy"], metav1.GetOptions{})
	if err != nil || len(np2.Spec.Egress) != 0 || len(np2.Spec.Ingress) != 0 {
		t.Fatalf("long-name policy: %+v %v", np2, err)
	}

	// The policy is garbage-collected with its pod (kube-controller-manager's GC).
	if err := e.client.CoreV1().Pods(ns).Delete(t.Context(), "web-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "network policy garbage-collected", 60*time.Second, func() (bool, error) {
		_, err := nps.Get(t.Context(), "peregrine-isolate-web-1", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
}

func TestDelete(t *testing.T) {
	e := kube(t)
	ns := e.namespace(t)
	pods := e.client.CoreV1().Pods(ns)
	e.pod(t, ns, "a", nil, "")
	tg := action.Target{Namespace: ns, Pod: "a"}
	if res, err := e.run(t, "delete", action.Request{Target: tg, DryRun: true, Params: action.Params{"evict": true}}); err != nil || res.Changed {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	e.getPod(t, ns, "a")
	if res, err := e.run(t, "delete", action.Request{Target: tg, Params: action.Params{"gracePeriodSeconds": 0}}); err != nil || !res.Changed {
		t.Fatalf("delete: %+v %v", res, err)
	}
	if _, err := pods.Get(t.Context(), "a", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("pod still there: %v", err)
	}
	_, err := e.run(t, "delete", action.Request{Target: tg, Params: action.Params{"gracePeriodSeconds": -3}})
	wantErr(t, err, "negative")

	// Eviction without a budget succeeds.
	e.pod(t, ns, "b", map[string]string{"app": "b"}, "")
	if _, err := e.run(t, "delete", action.Request{Target: action.Target{Namespace: ns, Pod: "b"}, Params: action.Params{"evict": "true"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(t.Context(), "b", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("evicted pod still there: %v", err)
	}

	// A PodDisruptionBudget that allows no disruption blocks it. (The
	// Eviction API ignores budgets for Pending pods, so this one runs.)
	e.pod(t, ns, "c", map[string]string{"app": "c"}, "")
	e.runPod(t, ns, "c", e.node(t), "10.244.0.20")
	one := intstr.FromInt32(1)
	_, err = e.client.PolicyV1().PodDisruptionBudgets(ns).Create(t.Context(), &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "c"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "c"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.run(t, "delete", action.Request{Target: action.Target{Namespace: ns, Pod: "c"}, Params: action.Params{"evict": true}})
	wantErr(t, err, "blocked by PodDisruptionBudget", "pod "+ns+"/c")
	e.getPod(t, ns, "c")
}

func TestCordon(t *testing.T) {
	e := kube(t)
	ns := e.namespace(t)
	node := e.node(t)
	e.pod(t, ns, "on-node", nil, node)
	e.pod(t, ns, "pending", nil, "")
	tg := action.Target{Namespace: ns, Pod: "on-node"}
	rv := e.getNode(t, node).ResourceVersion

	res, err := e.run(t, "cordon", action.Request{Target: tg, DryRun: true})
	if err != nil || res.Changed || res.Message != "would cordon node "+node {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	if n := e.getNode(t, node); n.Spec.Unschedulable || n.ResourceVersion != rv {
		t.Fatal("dry run changed the node")
	}
	if res, err := e.run(t, "cordon", action.Request{Target: tg}); err != nil || !res.Changed || res.Details["node"] != node {
		t.Fatalf("cordon: %+v %v", res, err)
	}
	if !e.getNode(t, node).Spec.Unschedulable {
		t.Fatal("node still schedulable")
	}
	if res, err := e.run(t, "cordon", action.Request{Target: tg}); err != nil || res.Changed {
		t.Fatalf("second cordon: %+v %v", res, err)
	}
	_, err = e.run(t, "cordon", action.Request{Target: action.Target{Namespace: ns, Pod: "pending"}})
	wantErr(t, err, "pod "+ns+"/pending is not scheduled")

	// Target.Node overrides (the pod need not exist).
	node2 := e.node(t)
	if res, err := e.run(t, "cordon", action.Request{Target: action.Target{Namespace: ns, Pod: "gone", Node: node2}}); err != nil || !res.Changed {
		t.Fatalf("cordon by node: %+v %v", res, err)
	}
	_, err = e.run(t, "cordon", action.Request{Target: action.Target{Namespace: ns, Pod: "gone", Node: "no-such-node"}})
	wantErr(t, err, "node no-such-node not found")
}

// TestExec checks that the request reaches the API server: without a
// kubelet the API server itself answers that the pod has no host.
func TestExec(t *testing.T) {
	e := kube(t)
	ns := e.namespace(t)
	e.pod(t, ns, "web-1", nil, "")
	tg := action.Target{Namespace: ns, Pod: "web-1", Container: "sidecar"}

	res, err := e.run(t, "exec", action.Request{Target: tg, DryRun: true, Params: action.Params{"command": []any{"ps", "-ef"}}})
	if err != nil || res.Changed || res.Details["container"] != "sidecar" || !strings.HasPrefix(res.Message, "would run") {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	_, err = e.run(t, "exec", action.Request{Target: tg, Params: action.Params{"command": []any{"ps", "-ef"}, "timeout": "5s"}})
	wantErr(t, err, "does not have a host assigned", "pod "+ns+"/web-1")
	res, err = e.run(t, "exec", action.Request{Target: action.Target{Namespace: ns, Pod: "web-1"}, DryRun: true, Params: action.Params{"command": "id"}})
	if err != nil || res.Details["container"] != "app" {
		t.Fatalf("default container: %+v %v", res, err)
	}
	_, err = e.run(t, "exec", action.Request{Target: tg})
	wantErr(t, err, "parameter command is required")
	_, err = e.run(t, "exec", action.Request{Target: tg, Params: action.Params{"command": "id", "container": "nope"}})
	wantErr(t, err, `no container "nope"`)
	noCfg := byName(New(e.client, Options{}))["exec"]
	_, err = runAction(t, noCfg, action.Request{Target: tg, Params: action.Params{"command": "id"}})
	wantErr(t, err, "RESTConfig")
}

func TestPodNotFound(t *testing.T) {
	e := kube(t)
	ns := e.namespace(t)
	for _, name := range []string{"label", "annotate", "isolate", "disable", "delete", "cordon", "exec"} {
		for _, dry := range []bool{false, true} {
			_, err := e.run(t, name, action.Request{Target: action.Target{Namespace: ns, Pod: "missing"}, DryRun: dry,
				Params: action.Params{"command": []any{"id"}}})
			wantErr(t, err, "pod "+ns+"/missing not found")
		}
	}
}
