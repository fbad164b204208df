package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/peregrine-sec/peregrine/internal/respond/action"
)

// podPatchRule returns the rule to get and patch pods.
func podPatchRule() action.Rule {
	return action.Rule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "patch"}}
}

// label merge-patches labels onto the target pod.
type label struct{ *base }

// Describe implements action.Action.
func (a *label) Describe() action.Description {
	return action.Description{
		Name:    "label",
		Summary: "Add labels to the pod (default peregrine.dev/compromised=true).",
		Doc: "Merge-patches the given labels onto the target pod, leaving its other labels alone. " +
			"Use it to mark a pod for humans, dashboards and other tooling (kubectl get pods -l peregrine.dev/compromised). " +
			"Labels that already have the wanted value are not patched; the result is unchanged when all of them do.",
		Params: []action.ParamDesc{{Name: "labels", Type: "map", Default: "{peregrine.dev/compromised: \"true\"}",
			Doc: "labels to set (keys and values must be valid Kubernetes label keys and values)"}},
		RBAC: []action.Rule{podPatchRule()},
		Example: `- name: mark-exec-pods
  match:
    rules: ["Attach/Exec Pod"]
  actions:
    - action: label
      params:
        labels:
          peregrine.dev/compromised: "true"
          security.example.com/triage: pending
`,
	}
}

// Run implements action.Action.
func (a *label) Run(ctx context.Context, req action.Request) (action.Result, error) {
	const act = "label"
	want, err := req.Params.StringMap("labels")
	if err != nil {
		return action.Result{}, fmt.Errorf("%s %s: %w", act, podRef(req.Target), err)
	}
	if len(want) == 0 {
		want = map[string]string{LabelCompromised: "true"}
	}
	for k, v := range want {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return action.Result{}, fmt.Errorf("%s %s: invalid label key %q: %s", act, podRef(req.Target), k, strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return action.Result{}, fmt.Errorf("%s %s: invalid value %q of label %s: %s", act, podRef(req.Target), v, k, strings.Join(errs, "; "))
		}
	}
	pod, err := a.getPod(ctx, act, req.Target)
	if err != nil {
		return action.Result{}, err
	}
	return a.patchMeta(ctx, act, "labels", pod, want, req.DryRun)
}

// annotate merge-patches annotations (and peregrine's own) onto the pod.
type annotate struct{ *base }

// Describe implements action.Action.
func (a *annotate) Describe() action.Description {
	return action.Description{
		Name:    "annotate",
		Summary: "Annotate the pod with the rule, policy and detection time (and any given annotations).",
		Doc: "Merge-patches annotations onto the target pod: the given ones plus " + AnnotationRule + " (the alert's rule), " +
			AnnotationPolicy + " (the policy) and " + AnnotationDetectedAt + " (the alert's event time, RFC 3339; " +
			"the current time when the alert has none). It records why peregrine acted on the pod, on the pod itself.",
		Params: []action.ParamDesc{{Name: "annotations", Type: "map", Default: "{}",
			Doc: "extra annotations to set (keys must be valid qualified names)"}},
		RBAC: []action.Rule{podPatchRule()},
		Example: `- name: annotate-exec-pods
  match:
    rules: ["Attach/Exec Pod"]
  actions:
    - action: annotate
      params:
        annotations:
          security.example.com/ticket: SEC-1234
`,
	}
}

// Run implements action.Action.
func (a *annotate) Run(ctx context.Context, req action.Request) (action.Result, error) {
	const act = "annotate"
	want, err := req.Params.StringMap("annotations")
	if err != nil {
		return action.Result{}, fmt.Errorf("%s %s: %w", act, podRef(req.Target), err)
	}
	if want == nil {
		want = map[string]string{}
	}
	for k := range want {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return action.Result{}, fmt.Errorf("%s %s: invalid annotation key %q: %s", act, podRef(req.Target), k, strings.Join(errs, "; "))
		}
	}
	detected := time.Now()
	if req.Alert != nil {
		want[AnnotationRule] = req.Alert.Rule
		if req.Alert.Time != 0 {
			detected = time.Unix(0, req.Alert.Time)
		}
	}
	want[AnnotationDetectedAt] = detected.UTC().Format(time.RFC3339)
	if req.Policy != "" {
		want[AnnotationPolicy] = req.Policy
	}
	pod, err := a.getPod(ctx, act, req.Target)
	if err != nil {
		return action.Result{}, err
	}
	return a.patchMeta(ctx, act, "annotations", pod, want, req.DryRun)
}

// patchMeta merge-patches field ("labels" or "annotations") of pod with want,
// unless every key already has its value.
func (b *base) patchMeta(ctx context.Context, act, field string, pod *corev1.Pod, want map[string]string, dry bool) (action.Result, error) {
	have := pod.Labels
	if field == "annotations" {
		have = pod.Annotations
	}
	diff := map[string]string{}
	for k, v := range want {
		if cur, ok := have[k]; !ok || cur != v {
			diff[k] = v
		}
	}
	ref := "pod " + pod.Namespace + "/" + pod.Name
	details := map[string]string{field: formatMap(want)}
	if len(diff) == 0 {
		return action.Result{Message: fmt.Sprintf("%s already has %s %s", ref, field, formatMap(want)), Details: details}, nil
	}
	if dry {
		return action.Result{Message: fmt.Sprintf("would set %s %s on %s", field, formatMap(diff), ref), Details: details}, nil
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{field: diff}})
	if err != nil {
		return action.Result{}, fmt.Errorf("%s %s: encode patch: %w", act, ref, err)
	}
	if _, err := b.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return action.Result{}, apiError(act, "patch", "pods", ref, err)
	}
	b.log.Debug("patched pod", "action", act, "pod", ref, field, formatMap(diff))
	return action.Result{Message: fmt.Sprintf("set %s %s on %s", field, formatMap(diff), ref), Changed: true, Details: details}, nil
}
