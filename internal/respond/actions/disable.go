package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"

	"github.com/peregrine-sec/peregrine/internal/respond/action"
)

// disable takes the pod out of its Services and away from its controller,
// keeping it for forensics.
type disable struct {
	*base
	isolate *isolate
}

// Describe implements action.Action.
func (a *disable) Describe() action.Description {
	iso := a.isolate.Describe()
	return action.Description{
		Name:    "disable",
		Summary: "Take the pod out of its Services and controller, keeping it for forensics.",
		Doc: "Saves the pod's labels as JSON in the annotation " + AnnotationOriginalLabels + " and replaces them with " +
			LabelQuarantined + "=true and peregrine's own peregrine.dev/ labels (so that isolation still selects it). " +
			"As its labels no longer match, Services' EndpointSlices drop the pod and its ReplicaSet (or other controller) " +
			"releases it (removes its ownerReference) and creates a replacement, while the pod itself keeps running " +
			"for investigation. With isolate (the default) the isolate action runs first. " +
			"The patch carries the pod's resourceVersion and is retried on conflict, so no label change is lost.",
		Params: []action.ParamDesc{{Name: "isolate", Type: "bool", Default: "true",
			Doc: "apply the isolate action first (its parameter allowDNS is honoured)"}},
		RBAC: iso.RBAC,
		Example: `- name: quarantine-exec-pods
  match:
    rules: ["Attach/Exec Pod"]
  actions:
    - action: disable
      params:
        isolate: true
`,
	}
}

// Run implements action.Action.
func (a *disable) Run(ctx context.Context, req action.Request) (action.Result, error) {
	const act = "disable"
	ref := podRef(req.Target)
	iso, err := req.Params.Bool("isolate", true)
	if err != nil {
		return action.Result{}, fmt.Errorf("%s %s: %w", act, ref, err)
	}
	details := map[string]string{}
	changed := false
	var isoMsg string
	if iso {
		r, err := a.isolate.Run(ctx, req)
		if err != nil {
			return action.Result{}, fmt.Errorf("%s: %w", act, err)
		}
		maps.Copy(details, r.Details)
		changed = r.Changed
		isoMsg = "; " + r.Message
	}
	var msg string
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pod, err := a.getPod(ctx, act, req.Target)
		if err != nil {
			return err
		}
		// peregrine's own marks stay: isolation still selects the pod and
		// the compromised label still tells what happened.
		want := map[string]string{LabelQuarantined: "true"}
		for k, v := range pod.Labels {
			if strings.HasPrefix(k, "peregrine.dev/") {
				want[k] = v
			}
		}
		if maps.Equal(pod.Labels, want) && pod.Annotations[AnnotationOriginalLabels] != "" {
			details["original-labels"] = pod.Annotations[AnnotationOriginalLabels]
			msg = fmt.Sprintf("%s is already disabled", ref)
			return nil
		}
		orig, err := originalLabels(pod, want)
		if err != nil {
			return fmt.Errorf("%s %s: %w", act, ref, err)
		}
		details["original-labels"] = orig
		if req.DryRun {
			msg = fmt.Sprintf("would disable %s: replace its labels %s with %s", ref, formatMap(pod.Labels), formatMap(want))
			return nil
		}
		labels := map[string]any{}
		for k := range pod.Labels {
			labels[k] = nil // merge patch: null removes the key
		}
		for k, v := range want {
			labels[k] = v
		}
		patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
			"resourceVersion": pod.ResourceVersion, // precondition: 409 if the pod changed meanwhile
			"labels":          labels,
			"annotations":     map[string]string{AnnotationOriginalLabels: orig},
		}})
		if err != nil {
			return fmt.Errorf("%s %s: encode patch: %w", act, ref, err)
		}
		_, err = a.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, patch, metav1.PatchOptions{})
		if err != nil {
			return apiError(act, "patch", "pods", ref, err)
		}
		changed = true
		msg = fmt.Sprintf("disabled %s: replaced its labels %s with %s", ref, formatMap(pod.Labels), formatMap(want))
		return nil
	})
	if err != nil {
		return action.Result{}, err
	}
	a.log.Debug("disable", "pod", ref, "message", msg)
	return action.Result{Message: msg + isoMsg, Changed: changed && !req.DryRun, Details: details}, nil
}

// originalLabels returns the JSON to keep in AnnotationOriginalLabels: the
// one already there (from an earlier disable) or the pod's current labels
// minus peregrine's own.
func originalLabels(pod *corev1.Pod, ours map[string]string) (string, error) {
	if s := pod.Annotations[AnnotationOriginalLabels]; s != "" {
		return s, nil
	}
	orig := map[string]string{}
	for k, v := range pod.Labels {
		if _, mine := ours[k]; !mine {
			orig[k] = v
		}
	}
	b, err := json.Marshal(orig)
	if err != nil {
		return "", fmt.Errorf("encode original labels: %w", err)
	}
	return string(b), nil
}
