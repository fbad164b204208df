package actions

import (
	"context"
	"fmt"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/peregrine-sec/peregrine/internal/respond/action"
)

// deletePod deletes (or evicts) the pod so that its controller recreates it.
type deletePod struct{ *base }

// Describe implements action.Action.
func (a *deletePod) Describe() action.Description {
	return action.Description{
		Name:    "delete",
		Summary: "Delete (or evict) the pod so that its controller replaces it.",
		Doc: "Deletes the target pod (with a UID precondition, so a same-named replacement is never hit). " +
			"Its controller, if any, creates a fresh pod from the template, which ends an attacker's foothold " +
			"but also destroys the evidence: prefer disable when you want to investigate. " +
			"With evict the Eviction API (policy/v1) is used instead, so PodDisruptionBudgets are honoured; " +
			"an eviction refused by a budget is an error. A pod already terminating is left alone.",
		Params: []action.ParamDesc{
			{Name: "gracePeriodSeconds", Type: "int", Doc: "termination grace period; default: the pod's own"},
			{Name: "evict", Type: "bool", Default: "false", Doc: "use the Eviction API (honours PodDisruptionBudgets)"},
		},
		RBAC: []action.Rule{
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "delete"}},
			{APIGroups: []string{""}, Resources: []string{"pods/eviction"}, Verbs: []string{"create"}},
		},
		Example: `- name: kill-exec-pods
  match:
    rules: ["Attach/Exec Pod"]
  actions:
    - action: delete
      params:
        evict: true
        gracePeriodSeconds: 5
`,
	}
}

// Run implements action.Action.
func (a *deletePod) Run(ctx context.Context, req action.Request) (action.Result, error) {
	const act = "delete"
	ref := podRef(req.Target)
	grace, err := req.Params.Int("gracePeriodSeconds", -1)
	if err != nil {
		return action.Result{}, fmt.Errorf("%s %s: %w", act, ref, err)
	}
	if _, set := req.Params["gracePeriodSeconds"]; set && grace < 0 {
		return action.Result{}, fmt.Errorf("%s %s: parameter gracePeriodSeconds: %d is negative", act, ref, grace)
	}
	evict, err := req.Params.Bool("evict", false)
	if err != nil {
		return action.Result{}, fmt.Errorf("%s %s: %w", act, ref, err)
	}
	pod, err := a.getPod(ctx, act, req.Target)
	if err != nil {
		return action.Result{}, err
	}
	how := "delete"
	if evict {
		how = "evict"
	}
	details := map[string]string{"method": how, "uid": string(pod.UID)}
	if pod.DeletionTimestamp != nil {
		return action.Result{Message: fmt.Sprintf("%s is already being deleted", ref), Details: details}, nil
	}
	if req.DryRun {
		return action.Result{Message: fmt.Sprintf("would %s %s", how, ref), Details: details}, nil
	}
	uid := pod.UID
	opts := metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}
	if grace >= 0 {
		g := int64(grace)
		opts.GracePeriodSeconds = &g
		details["gracePeriodSeconds"] = fmt.Sprint(grace)
	}
	if evict {
		ev := &policyv1.Eviction{
			ObjectMeta:    metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace},
			DeleteOptions: &opts,
		}
		if err := a.client.PolicyV1().Evictions(pod.Namespace).Evict(ctx, ev); err != nil {
			if apierrors.IsTooManyRequests(err) {
				return action.Result{}, fmt.Errorf("%s %s: eviction blocked by PodDisruptionBudget (retry later or use evict: false): %w", act, ref, err)
			}
			return action.Result{}, apiError(act, "create", "pods/eviction", ref, err)
		}
	} else if err := a.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, opts); err != nil {
		return action.Result{}, apiError(act, "delete", "pods", ref, err)
	}
	a.log.Debug("deleted pod", "pod", ref, "method", how)
	verb := map[string]string{"delete": "deleted", "evict": "evicted"}[how]
	return action.Result{Message: fmt.Sprintf("%s %s", verb, ref), Changed: true, Details: details}, nil
}

// cordon marks the pod's node unschedulable.
type cordon struct{ *base }

// Describe implements action.Action.
func (a *cordon) Describe() action.Description {
	return action.Description{
		Name:    "cordon",
		Summary: "Mark the pod's node unschedulable.",
		Doc: "Sets spec.unschedulable=true on the node the target pod runs on (spec.nodeName), so no new pods " +
			"land on a node that may be compromised; running pods stay. The target's node, when given, overrides " +
			"the pod's (and then the pod need not exist any more). An unscheduled pod is an error.",
		RBAC: []action.Rule{
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}},
			{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "patch"}},
		},
		Example: `- name: cordon-on-container-escape
  match:
    rules: ["Container Escape"]
  actions:
    - action: cordon
`,
	}
}

// Run implements action.Action.
func (a *cordon) Run(ctx context.Context, req action.Request) (action.Result, error) {
	const act = "cordon"
	node := req.Target.Node
	if node == "" {
		pod, err := a.getPod(ctx, act, req.Target)
		if err != nil {
			return action.Result{}, err
		}
		if pod.Spec.NodeName == "" {
			return action.Result{}, fmt.Errorf("%s: %s is not scheduled to a node (spec.nodeName is empty), so there is no node to cordon", act, podRef(req.Target))
		}
		node = pod.Spec.NodeName
	} else if a.client == nil {
		return action.Result{}, fmt.Errorf("%s node %s: no Kubernetes client configured", act, node)
	}
	ref := "node " + node
	details := map[string]string{"node": node}
	n, err := a.client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		return action.Result{}, apiError(act, "get", "nodes", ref, err)
	}
	if n.Spec.Unschedulable {
		return action.Result{Message: fmt.Sprintf("%s is already cordoned", ref), Details: details}, nil
	}
	if req.DryRun {
		return action.Result{Message: fmt.Sprintf("would cordon %s", ref), Details: details}, nil
	}
	patch := []byte(`{"spec":{"unschedulable":true}}`)
	if _, err := a.client.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return action.Result{}, apiError(act, "patch", "nodes", ref, err)
	}
	a.log.Debug("cordoned node", "node", node)
	return action.Result{Message: fmt.Sprintf("cordoned %s", ref), Changed: true, Details: details}, nil
}
