package actions

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/util/retry"

	"github.com/peregrine-sec/peregrine/internal/respond/action"
)

// node creates a Node by hand with kubectl (there is no kubelet to register
// one) and reports it Ready, as a kubelet would.
func (e *testEnv) node(t *testing.T) string {
	t.Helper()
	name := "node-" + rand.String(6)
	manifest := fmt.Sprintf("apiVersion: v1\nkind: Node\nmetadata:\n  name: %s\n  labels:\n    kubernetes.io/hostname: %s\n", name, name)
	if _, _, err := e.c.KubectlStdin(t.Context(), "admin", manifest, "create", "-f", "-"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _, _ = e.c.Kubectl(t.Context(), "admin", "delete", "node", name, "--wait=false") })
	// Retry: the node controllers update a new node (taints) at once.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		n := e.getNode(t, name)
		now := metav1.Now()
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
			Reason: "KubeletReady", LastHeartbeatTime: now, LastTransitionTime: now}}
		_, err := e.client.CoreV1().Nodes().UpdateStatus(t.Context(), n, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("mark node %s ready: %v", name, err)
	}
	return name
}

func (e *testEnv) getNode(t *testing.T, name string) *corev1.Node {
	t.Helper()
	n, err := e.client.CoreV1().Nodes().Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get node %s: %v", name, err)
	}
	return n
}

// runPod stands in for the scheduler and the kubelet: it binds the pod to
// node and reports it Running and Ready with an IP, so that the
// EndpointSlice controller lists it.
func (e *testEnv) runPod(t *testing.T, ns, name, node, ip string) {
	t.Helper()
	pods := e.client.CoreV1().Pods(ns)
	err := pods.Bind(t.Context(), &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: name},
		Target: corev1.ObjectReference{Kind: "Node", Name: node}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("bind pod %s/%s: %v", ns, name, err)
	}
	p := e.getPod(t, ns, name)
	now := metav1.Now()
	p.Status.Phase = corev1.PodRunning
	p.Status.HostIP, p.Status.PodIP = "10.1.0.1", ip
	p.Status.HostIPs, p.Status.PodIPs = []corev1.HostIP{{IP: "10.1.0.1"}}, []corev1.PodIP{{IP: ip}}
	p.Status.StartTime = &now
	for _, c := range []corev1.PodConditionType{corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: c, Status: corev1.ConditionTrue, LastTransitionTime: now})
	}
	for _, c := range p.Spec.Containers {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: c.Name, Image: c.Image, Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}})
	}
	if _, err := pods.UpdateStatus(t.Context(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("mark pod %s/%s running: %v", ns, name, err)
	}
}

// inEndpoints reports whether the Service's EndpointSlices list the pod.
func (e *testEnv) inEndpoints(t *testing.T, ns, svc string, uid types.UID) (bool, error) {
	l, err := e.client.DiscoveryV1().EndpointSlices(ns).List(t.Context(), metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc})
	if err != nil {
		return false, err
	}
	for _, s := range l.Items {
		for _, ep := range s.Endpoints {
			if ep.TargetRef != nil && ep.TargetRef.UID == uid {
				return true, nil
			}
		}
	}
	return false, nil
}

// TestDisable runs disable on a Deployment's pod behind a Service, with
// kube-controller-manager running: the pod stays, its ReplicaSet releases it
// and replaces it, and the Service's EndpointSlices drop it.
func TestDisable(t *testing.T) {
	e := kube(t)
	ns := e.namespace(t)
	node := e.node(t)
	one := int32(1)
	sel := map[string]string{"app": "web"}
	_, err := e.client.AppsV1().Deployments(ns).Create(t.Context(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: sel},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.CoreV1().Services(ns).Create(t.Context(), &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       corev1.ServiceSpec{Selector: sel, Ports: []corev1.ServicePort{{Port: 80}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var pod *corev1.Pod
	eventually(t, "the ReplicaSet created a pod", 60*time.Second, func() (bool, error) {
		l, err := e.client.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil || len(l.Items) == 0 {
			return false, err
		}
		pod = &l.Items[0]
		return true, nil
	})
	e.runPod(t, ns, pod.Name, node, "10.244.0.10")
	eventually(t, "the pod is in the Service's EndpointSlices", 60*time.Second, func() (bool, error) {
		return e.inEndpoints(t, ns, "web", pod.UID)
	})
	tg := action.Target{Namespace: ns, Pod: pod.Name}

	before := e.getPod(t, ns, pod.Name)
	res, err := e.run(t, "disable", action.Request{Target: tg, DryRun: true})
	if err != nil || res.Changed || !strings.HasPrefix(res.Message, "would ") {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	if p := e.getPod(t, ns, pod.Name); p.ResourceVersion != before.ResourceVersion {
		t.Fatalf("dry run changed the pod: %v", p.Labels)
	}
	if l, _ := e.client.NetworkingV1().NetworkPolicies(ns).List(t.Context(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Fatal("dry run created a network policy")
	}

	start := time.Now()
	res, err = e.run(t, "disable", action.Request{Target: tg})
	if err != nil || !res.Changed {
		t.Fatalf("disable: %+v %v", res, err)
	}
	after := e.getPod(t, ns, pod.Name)
	want := map[string]string{LabelQuarantined: "true", LabelIsolated: shortUID(pod)}
	if fmt.Sprint(after.Labels) != fmt.Sprint(want) {
		t.Fatalf("labels = %v, want %v", after.Labels, want)
	}
	var orig map[string]string
	if err := json.Unmarshal([]byte(after.Annotations[AnnotationOriginalLabels]), &orig); err != nil || orig["app"] != "web" || orig["pod-template-hash"] == "" {
		t.Fatalf("original labels %q: %v", after.Annotations[AnnotationOriginalLabels], err)
	}
	if _, err := e.client.NetworkingV1().NetworkPolicies(ns).Get(t.Context(), res.Details["networkpolicy"], metav1.GetOptions{}); err != nil {
		t.Fatalf("isolation policy: %v", err)
	}
	if res, err := e.run(t, "disable", action.Request{Target: tg}); err != nil || res.Changed {
		t.Fatalf("second disable: want unchanged, got %+v %v", res, err)
	}

	eventually(t, "the ReplicaSet released the disabled pod", 60*time.Second, func() (bool, error) {
		p, err := e.client.CoreV1().Pods(ns).Get(t.Context(), pod.Name, metav1.GetOptions{})
		return err == nil && metav1.GetControllerOf(p) == nil, err
	})
	eventually(t, "the ReplicaSet created a replacement", 60*time.Second, func() (bool, error) {
		l, err := e.client.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, err
		}
		for _, p := range l.Items {
			if p.UID != pod.UID && metav1.GetControllerOf(&p) != nil {
				return true, nil
			}
		}
		return false, nil
	})
	eventually(t, "the EndpointSlices dropped the disabled pod", 60*time.Second, func() (bool, error) {
		in, err := e.inEndpoints(t, ns, "web", pod.UID)
		return !in, err
	})
	t.Logf("from disable to replacement, release and endpoint removal: %s", time.Since(start).Round(time.Millisecond))
	if _, err := e.client.CoreV1().Pods(ns).Get(t.Context(), pod.Name, metav1.GetOptions{}); err != nil {
		t.Fatalf("the disabled pod is gone: %v", err)
	}
}

// TestForbidden runs the actions as the unprivileged user mallory: first
// with no rights at all, then allowed only to get pods.
func TestForbidden(t *testing.T) {
	e := kube(t)
	ns := e.namespace(t)
	node := e.node(t)
	e.pod(t, ns, "web-1", nil, node)
	acts := byName(New(e.mallory, Options{}))
	tg := action.Target{Namespace: ns, Pod: "web-1"}
	params := action.Params{"command": []any{"id"}}
	for _, name := range []string{"label", "annotate", "isolate", "disable", "delete", "cordon", "exec"} {
		_, err := runAction(t, acts[name], action.Request{Target: tg, Params: params})
		wantErr(t, err, "forbidden", "cannot get pods", "pod "+ns+"/web-1")
	}
	if _, _, err := e.c.Kubectl(t.Context(), "admin", "-n", ns, "create", "role", "pod-reader", "--verb=get", "--resource=pods"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.c.Kubectl(t.Context(), "admin", "-n", ns, "create", "rolebinding", "mallory-reads", "--role=pod-reader", "--user=mallory"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "mallory may get pods", 10*time.Second, func() (bool, error) {
		_, err := e.mallory.CoreV1().Pods(ns).Get(t.Context(), "web-1", metav1.GetOptions{})
		return err == nil, nil
	})
	for name, want := range map[string]string{
		"label":    "cannot patch pods",
		"annotate": "cannot patch pods",
		"isolate":  "cannot get networkpolicies",
		"delete":   "cannot delete pods",
		"cordon":   "cannot get nodes",
	} {
		_, err := runAction(t, acts[name], action.Request{Target: tg})
		wantErr(t, err, "forbidden", want)
	}
	// Dry runs need only the reads.
	for _, name := range []string{"label", "annotate", "delete"} {
		if _, err := runAction(t, acts[name], action.Request{Target: tg, DryRun: true}); err != nil {
			t.Errorf("%s dry run with get rights: %v", name, err)
		}
	}
}
