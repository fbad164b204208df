// Package actions implements peregrine's built-in response actions: label,
// annotate, isolate, disable, delete, cordon, exec and webhook. Each is a
// small type implementing action.Action; New returns them all, in a fixed
// order, sharing one Kubernetes client.
//
// Every Kubernetes action verifies its target (GETs the pod) even in a dry
// run, in which it changes nothing and says what it would have done. API
// errors are wrapped with the action and the object they concern: a missing
// pod reads "pod <ns>/<name> not found", a denied request reads
// "forbidden: cannot <verb> <resource>".
package actions

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/peregrine-sec/peregrine/internal/respond/action"
)

// Label and annotation keys peregrine writes.
const (
	// LabelCompromised is the label action's default label.
	LabelCompromised = "peregrine.dev/compromised"
	// LabelIsolated selects a pod in its isolating NetworkPolicy; its value
	// is a short form of the pod's UID.
	LabelIsolated = "peregrine.dev/isolated"
	// LabelQuarantined is the only label (besides LabelIsolated) a disabled pod keeps.
	LabelQuarantined = "peregrine.dev/quarantined"
	// LabelManagedBy marks objects peregrine created.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// AnnotationRule names the rule that fired (annotate action).
	AnnotationRule = "peregrine.dev/rule"
	// AnnotationPolicy names the response policy (annotate action).
	AnnotationPolicy = "peregrine.dev/policy"
	// AnnotationDetectedAt is the alert's event time, RFC 3339 (annotate action).
	AnnotationDetectedAt = "peregrine.dev/detected-at"
	// AnnotationOriginalLabels holds a disabled pod's labels as JSON.
	AnnotationOriginalLabels = "peregrine.dev/original-labels"
	// managedByValue is LabelManagedBy's value.
	managedByValue = "peregrine"
)

// Options configure the built-in actions.
type Options struct {
	// Log receives debug logs; nil discards them.
	Log *slog.Logger
	// HTTPClient is used by the webhook action; nil means a client with no
	// timeout of its own (the action's timeout parameter bounds each call).
	HTTPClient *http.Client
	// RESTConfig is the client configuration the exec action needs to open
	// its streaming (WebSocket or SPDY) connection, which cannot go through
	// kubernetes.Interface. Without it exec fails with a clear error.
	RESTConfig *rest.Config
}

// New returns the built-in actions, in a fixed order (this is the explicit
// registration table).
func New(client kubernetes.Interface, opts Options) []action.Action {
	b := &base{client: client, log: opts.Log, http: opts.HTTPClient, rest: opts.RESTConfig}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.http == nil {
		b.http = &http.Client{}
	}
	iso := &isolate{b}
	return []action.Action{
		&label{b},
		&annotate{b},
		iso,
		&disable{base: b, isolate: iso},
		&deletePod{b},
		&cordon{b},
		&execAction{b},
		&webhook{b},
	}
}

// base is what every action shares.
type base struct {
	client kubernetes.Interface
	log    *slog.Logger
	http   *http.Client
	rest   *rest.Config
}

// podRef renders a target as "pod ns/name" for messages.
func podRef(t action.Target) string { return "pod " + t.String() }

// checkTarget makes sure the target names a pod and there is a client.
func (b *base) checkTarget(act string, t action.Target) error {
	if t.Namespace == "" || t.Pod == "" {
		return fmt.Errorf("%s: target %q needs both a namespace and a pod name", act, t.String())
	}
	if b.client == nil {
		return fmt.Errorf("%s %s: no Kubernetes client configured", act, podRef(t))
	}
	return nil
}

// getPod validates the target and GETs its pod.
func (b *base) getPod(ctx context.Context, act string, t action.Target) (*corev1.Pod, error) {
	if err := b.checkTarget(act, t); err != nil {
		return nil, err
	}
	pod, err := b.client.CoreV1().Pods(t.Namespace).Get(ctx, t.Pod, metav1.GetOptions{})
	if err != nil {
		return nil, apiError(act, "get", "pods", podRef(t), err)
	}
	return pod, nil
}

// apiError wraps an API error of action act about object (e.g. "pod ns/x")
// so that it names what was missing or which verb on which resource was
// denied.
func apiError(act, verb, resource, object string, err error) error {
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%s: %s not found: %w", act, object, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%s %s: forbidden: cannot %s %s: %w", act, object, verb, resource, err)
	}
	return fmt.Errorf("%s %s: %s %s: %w", act, object, verb, resource, err)
}

// formatMap renders a map as sorted k=v pairs joined by commas.
func formatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}

// stringList reads a list parameter; a plain string is split on whitespace.
func stringList(p action.Params, key string) ([]string, error) {
	v, ok := p[key]
	if !ok || v == nil {
		return nil, nil
	}
	switch l := v.(type) {
	case []string:
		return l, nil
	case []any:
		out := make([]string, len(l))
		for i, x := range l {
			out[i] = fmt.Sprint(x)
		}
		return out, nil
	case string:
		return strings.Fields(l), nil
	}
	return nil, fmt.Errorf("parameter %s: a list is expected", key)
}

// RBACRules merges the RBAC rules of the named actions into a minimal,
// deduplicated, deterministic list (for generating a ClusterRole). Names of
// unknown actions are ignored.
func RBACRules(actions []action.Action, names []string) []action.Rule {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	// (group, resource) -> verbs
	type gr struct{ group, resource string }
	verbs := map[gr]map[string]bool{}
	for _, a := range actions {
		d := a.Describe()
		if !want[d.Name] {
			continue
		}
		for _, r := range d.RBAC {
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					k := gr{g, res}
					if verbs[k] == nil {
						verbs[k] = map[string]bool{}
					}
					for _, v := range r.Verbs {
						verbs[k][v] = true
					}
				}
			}
		}
	}
	// Group resources of one API group that need the same verbs.
	type gv struct{ group, verbs string }
	merged := map[gv][]string{}
	var order []gv
	for k, vs := range verbs {
		list := make([]string, 0, len(vs))
		for v := range vs {
			list = append(list, v)
		}
		sort.Strings(list)
		key := gv{k.group, strings.Join(list, ",")}
		if _, ok := merged[key]; !ok {
			order = append(order, key)
		}
		merged[key] = append(merged[key], k.resource)
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].group != order[j].group {
			return order[i].group < order[j].group
		}
		return order[i].verbs < order[j].verbs
	})
	out := make([]action.Rule, 0, len(order))
	for _, k := range order {
		res := merged[k]
		sort.Strings(res)
		out = append(out, action.Rule{APIGroups: []string{k.group}, Resources: res, Verbs: strings.Split(k.verbs, ",")})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].APIGroups[0] != out[j].APIGroups[0] {
			return out[i].APIGroups[0] < out[j].APIGroups[0]
		}
		return out[i].Resources[0] < out[j].Resources[0]
	})
	return out
}
