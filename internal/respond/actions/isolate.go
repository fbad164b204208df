package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/peregrine-sec/peregrine/internal/respond/action"
)

// isolate cuts the pod off the network with a deny-all NetworkPolicy that
// selects only this pod.
type isolate struct{ *base }

// Describe implements action.Action.
func (a *isolate) Describe() action.Description {
	return action.Description{
		Name:    "isolate",
		Summary: "Cut the pod off the network with a deny-all NetworkPolicy.",
		Doc: "Creates (or leaves, when present) a NetworkPolicy peregrine-isolate-<pod> in the pod's namespace " +
			"with policyTypes Ingress and Egress and no rules, so all traffic to and from the pod is denied " +
			"(enforced by the cluster's network plugin, which must support NetworkPolicy). " +
			"It selects only this pod: the pod gets the label " + LabelIsolated + "=<short pod UID> and the policy selects on it. " +
			"The policy is owned by the pod, so it is garbage-collected with it. " +
			"With allowDNS, egress to port 53 (UDP and TCP) stays allowed.",
		Params: []action.ParamDesc{{Name: "allowDNS", Type: "bool", Default: "false",
			Doc: "allow egress to UDP/TCP port 53"}},
		RBAC: []action.Rule{
			podPatchRule(),
			{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"networkpolicies"}, Verbs: []string{"get", "create"}},
		},
		Example: `- name: isolate-exec-pods
  match:
    rules: ["Attach/Exec Pod"]
  actions:
    - action: isolate
      params:
        allowDNS: false
`,
	}
}

// Run implements action.Action.
func (a *isolate) Run(ctx context.Context, req action.Request) (action.Result, error) {
	const act = "isolate"
	allowDNS, err := req.Params.Bool("allowDNS", false)
	if err != nil {
		return action.Result{}, fmt.Errorf("%s %s: %w", act, podRef(req.Target), err)
	}
	pod, err := a.getPod(ctx, act, req.Target)
	if err != nil {
		return action.Result{}, err
	}
	ref := podRef(req.Target)
	name := isolatePolicyName(pod.Name)
	npRef := "networkpolicy " + pod.Namespace + "/" + name
	sel := shortUID(pod)
	details := map[string]string{"networkpolicy": name, "selector": LabelIsolated + "=" + sel}

	nps := a.client.NetworkingV1().NetworkPolicies(pod.Namespace)
	existing, err := nps.Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil:
		if existing.Labels[LabelManagedBy] != managedByValue {
			return action.Result{}, fmt.Errorf("%s %s: %s exists and is not managed by peregrine", act, ref, npRef)
		}
	case apierrors.IsNotFound(err):
		existing = nil
	default:
		return action.Result{}, apiError(act, "get", "networkpolicies", npRef, err)
	}
	labelled := pod.Labels[LabelIsolated] == sel
	if existing != nil && labelled {
		return action.Result{Message: fmt.Sprintf("%s is already isolated by %s", ref, npRef), Details: details}, nil
	}
	if req.DryRun {
		return action.Result{Message: fmt.Sprintf("would isolate %s with %s (selector %s)", ref, npRef, details["selector"]), Details: details}, nil
	}
	// The policy first: it selects nothing until the pod is labelled, and
	// once the label lands the pod is isolated at once.
	if existing == nil {
		np := isolatePolicy(pod, name, sel, allowDNS)
		if _, err := nps.Create(ctx, np, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return action.Result{}, apiError(act, "create", "networkpolicies", npRef, err)
		}
	}
	if !labelled {
		if _, err := a.patchMeta(ctx, act, "labels", pod, map[string]string{LabelIsolated: sel}, false); err != nil {
			return action.Result{}, err
		}
	}
	a.log.Debug("isolated pod", "pod", ref, "networkpolicy", name)
	return action.Result{Message: fmt.Sprintf("isolated %s with %s", ref, npRef), Changed: true, Details: details}, nil
}

// isolatePolicy builds the deny-all NetworkPolicy for pod.
func isolatePolicy(pod *corev1.Pod, name, sel string, allowDNS bool) *networkingv1.NetworkPolicy {
	np := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: pod.Namespace,
			Labels:    map[string]string{LabelManagedBy: managedByValue},
			Annotations: map[string]string{
				"peregrine.dev/pod": pod.Name,
			},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID,
			}},
		},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{LabelIsolated: sel}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
		},
	}
	if allowDNS {
		udp, tcp := corev1.ProtocolUDP, corev1.ProtocolTCP
		port := intstr.FromInt32(53)
		np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{
			Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &port}, {Protocol: &tcp, Port: &port}},
		}}
	}
	return np
}

// isolatePolicyName is peregrine-isolate-<pod>, shortened to 63 characters
// with a hash of the pod name when needed.
func isolatePolicyName(pod string) string {
	const prefix, limit = "peregrine-isolate-", 63
	name := prefix + pod
	if len(name) <= limit {
		return name
	}
	sum := sha256.Sum256([]byte(pod))
	h := hex.EncodeToString(sum[:])[:8]
	head := strings.TrimRight(name[:limit-len(h)-1], "-.")
	return head + "-" + h
}

// shortUID is the first 12 hex digits of the pod's UID, the value of its
// isolation label.
func shortUID(pod *corev1.Pod) string {
	u := strings.ReplaceAll(string(pod.UID), "-", "")
	if len(u) > 12 {
		u = u[:12]
	}
	if u == "" {
		return "unknown"
	}
	return u
}
