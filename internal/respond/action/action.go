// Package action defines the seam between peregrine's responder and the
// actions it runs in answer to alerts: what an action receives (the alert,
// the resolved target, its parameters, dry run), what it returns, and how it
// describes itself (parameters, the RBAC it needs, an example) so that the
// CLI, the docs and the generated RBAC manifest all come from one place.
package action

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
)

// Action changes the world in answer to an alert.
type Action interface {
	// Describe returns the action's self-description.
	Describe() Description
	// Run performs the action on req.Target. With req.DryRun it checks what
	// it can (the target exists, the parameters are valid) and changes
	// nothing, saying in the result what it would have done.
	Run(ctx context.Context, req Request) (Result, error)
}

// Request is one action to run.
type Request struct {
	// Alert is the alert being answered.
	Alert *alert.Alert
	// Target is the Kubernetes object the alert names.
	Target Target
	// Params are the action's parameters from the policy.
	Params Params
	// Policy is the name of the policy that matched (for annotations, events and logs).
	Policy string
	// DryRun asks the action to change nothing.
	DryRun bool
}

// Target is what an action acts on, resolved from the alert's fields
// (k8s.pod.name/k8s.ns.name, or the audit event's target).
type Target struct {
	Namespace string
	Pod       string
	Container string // optional
	Node      string // optional; actions that need it may look it up from the pod
}

// String renders the target as namespace/pod.
func (t Target) String() string {
	if t.Namespace == "" {
		return t.Pod
	}
	return t.Namespace + "/" + t.Pod
}

// Result is what an action did (or, in a dry run, would have done).
type Result struct {
	// Message is a one-line human summary.
	Message string
	// Changed is false when the target was already in the wanted state or in a dry run.
	Changed bool
	// Details are structured facts for the audit trail (e.g. networkpolicy=name).
	Details map[string]string
}

// Description is an action's self-description.
type Description struct {
	// Name is what policies write in `action:`.
	Name string
	// Summary is one line for listings.
	Summary string
	// Doc explains what the action does and when to use it.
	Doc string
	// Params are the parameters the action accepts.
	Params []ParamDesc
	// RBAC are the permissions the action needs.
	RBAC []Rule
	// Example is a policy snippet using the action.
	Example string
}

// ParamDesc describes one parameter.
type ParamDesc struct {
	Name     string
	Type     string // string, bool, duration, int, map, list
	Default  string
	Required bool
	Doc      string
}

// Rule is one RBAC permission: verbs on resources of API groups.
type Rule struct {
	APIGroups []string
	Resources []string
	Verbs     []string
}

// Params are an action's parameters as written in the policy (YAML values).
type Params map[string]any

// String returns a string parameter or def.
func (p Params) String(key, def string) string {
	if v, ok := p[key]; ok && v != nil {
		return fmt.Sprint(v)
	}
	return def
}

// Bool returns a boolean parameter or def; non-boolean values are an error.
func (p Params) Bool(key string, def bool) (bool, error) {
	v, ok := p[key]
	if !ok || v == nil {
		return def, nil
	}
	switch b := v.(type) {
	case bool:
		return b, nil
	case string:
		r, err := strconv.ParseBool(b)
		if err != nil {
			return def, fmt.Errorf("parameter %s: %q is not a boolean", key, b)
		}
		return r, nil
	}
	return def, fmt.Errorf("parameter %s: %v is not a boolean", key, v)
}

// Int returns an integer parameter or def.
func (p Params) Int(key string, def int) (int, error) {
	v, ok := p[key]
	if !ok || v == nil {
		return def, nil
	}
	switch n := v.(type) {
	case int:
		return n, nil
	case int64:
		return int(n), nil
	case float64:
		if n == float64(int(n)) {
			return int(n), nil
		}
	case string:
		if r, err := strconv.Atoi(n); err == nil {
			return r, nil
		}
	}
	return def, fmt.Errorf("parameter %s: %v is not an integer", key, v)
}

// Duration returns a duration parameter ("30s", "5m") or def.
func (p Params) Duration(key string, def time.Duration) (time.Duration, error) {
	v, ok := p[key]
	if !ok || v == nil {
		return def, nil
	}
	s := fmt.Sprint(v)
	d, err := time.ParseDuration(s)
	if err != nil {
		return def, fmt.Errorf("parameter %s: %q is not a duration", key, s)
	}
	return d, nil
}

// StringMap returns a map parameter (e.g. labels) with string values.
func (p Params) StringMap(key string) (map[string]string, error) {
	v, ok := p[key]
	if !ok || v == nil {
		return nil, nil
	}
	var m map[string]any
	switch x := v.(type) {
	case map[string]any:
		m = x
	case Params: // YAML decodes nested maps of a Params as Params
		m = x
	default:
		return nil, fmt.Errorf("parameter %s: a map is expected", key)
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		out[k] = fmt.Sprint(x)
	}
	return out, nil
}
