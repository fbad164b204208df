// Package mtd implements moving target defense: it restarts or relabels the
// pods matched by a label selector at fixed or randomized intervals, so that
// whatever an attacker planted in a pod does not last, without ever taking a
// workload below a configured availability.
package mtd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Actions a Schedule can take.
const (
	// ActionRestart deletes (or, with Evict, evicts) a pod so that its
	// controller recreates it.
	ActionRestart = "restart"
	// ActionRelabel merge-patches the pod's labels and stamps the
	// RelabelledAtAnnotation.
	ActionRelabel = "relabel"
)

// RelabelledAtAnnotation is set (RFC 3339, UTC) on every relabelled pod.
const RelabelledAtAnnotation = "peregrine.dev/mtd-relabelled-at"

// MinEvery is the shortest accepted Schedule.Every.
const MinEvery = time.Second

// Duration is a time.Duration written in YAML as a Go duration string such
// as "30s" or "5m".
type Duration time.Duration

// UnmarshalYAML parses a duration string ("30s", "1m30s"); "0" is zero.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: duration must be a string such as \"30s\"", n.Line)
	}
	v, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		return fmt.Errorf("line %d: invalid duration %q (use e.g. \"30s\", \"5m\"): %w", n.Line, n.Value, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as a string such as "30s".
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// String returns the duration as a Go duration string.
func (d Duration) String() string { return time.Duration(d).String() }

// Schedule is one moving-target-defense schedule, as written in YAML policies.
type Schedule struct {
	// Name identifies the schedule in logs and Outcomes.
	Name string `yaml:"name"`
	// Namespace restricts the schedule to one namespace; "" means all.
	Namespace string `yaml:"namespace"`
	// Selector is the (required) label selector, e.g. "app=web,tier!=db".
	Selector string `yaml:"selector"`
	// Action is ActionRestart or ActionRelabel.
	Action string `yaml:"action"`
	// Labels are set by ActionRelabel. Values are text/template strings
	// rendered per run with {{.Time}} (UTC, 20060102T150405Z) and {{.Seq}}
	// (the schedule's run number, from 1).
	Labels map[string]string `yaml:"labels"`
	// Every is the base interval between runs (required, >= 1s).
	Every Duration `yaml:"every"`
	// Jitter makes each wait Every plus a uniform random duration in
	// [0, Jitter).
	Jitter Duration `yaml:"jitter"`
	// Batch is the most pods acted on per run (default 1).
	Batch int `yaml:"batch"`
	// MaxUnavailable is how many of the matched pods may be unavailable,
	// as a count ("1") or a percentage ("25%", rounded down); default "1".
	MaxUnavailable string `yaml:"maxUnavailable"`
	// Evict restarts pods through the Eviction API, which honours
	// PodDisruptionBudgets.
	Evict bool `yaml:"evict"`
	// DryRun decides and reports without changing anything (requests are
	// sent with server-side dry run).
	DryRun bool `yaml:"dryRun"`
	// MinAge limits the schedule to pods older than this (default Every);
	// the oldest are acted on first.
	MinAge Duration `yaml:"minAge"`
}

// Validate reports every problem of s, each naming the schedule and field.
func (s Schedule) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("mtd schedule %q: %s: %s", s.Name, field, fmt.Sprintf(format, args...)))
	}
	if strings.TrimSpace(s.Name) == "" {
		bad("name", "is required")
	}
	if strings.TrimSpace(s.Selector) == "" {
		bad("selector", "is required (an empty selector would match every pod)")
	} else if _, err := labels.Parse(s.Selector); err != nil {
		bad("selector", "invalid label selector %q: %v", s.Selector, err)
	}
	if s.Namespace != "" {
		for _, msg := range validation.IsDNS1123Label(s.Namespace) {
			bad("namespace", "%q: %s", s.Namespace, msg)
		}
	}
	switch s.Action {
	case ActionRestart:
		if len(s.Labels) > 0 {
			bad("labels", "only used with action %q", ActionRelabel)
		}
	case ActionRelabel:
		if s.Evict {
			bad("evict", "only used with action %q", ActionRestart)
		}
		s.validateLabels(bad)
	case "":
		bad("action", "is required (%q or %q)", ActionRestart, ActionRelabel)
	default:
		bad("action", "unknown action %q (want %q or %q)", s.Action, ActionRestart, ActionRelabel)
	}
	if time.Duration(s.Every) < MinEvery {
		bad("every", "%s is below the minimum of %s", time.Duration(s.Every), MinEvery)
	}
	if s.Jitter < 0 {
		bad("jitter", "must not be negative, got %s", time.Duration(s.Jitter))
	}
	if s.MinAge < 0 {
		bad("minAge", "must not be negative, got %s", time.Duration(s.MinAge))
	}
	if s.Batch < 0 {
		bad("batch", "must not be negative, got %d", s.Batch)
	}
	if _, _, err := parseMaxUnavailable(s.MaxUnavailable); err != nil {
		bad("maxUnavailable", "%v", err)
	}
	return errors.Join(errs...)
}

// validateLabels checks the relabel labels: keys, templates and rendered
// values, and that no key is one the selector depends on.
func (s Schedule) validateLabels(bad func(field, format string, args ...any)) {
	if len(s.Labels) == 0 {
		bad("labels", "at least one label is required for action %q", ActionRelabel)
		return
	}
	var selected map[string]bool
	if sel, err := labels.Parse(s.Selector); err == nil {
		reqs, _ := sel.Requirements()
		selected = make(map[string]bool, len(reqs))
		for _, r := range reqs {
			selected[r.Key()] = true
		}
	}
	sample := templateData{Time: time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC).Format(timeLabelFormat), Seq: 1}
	for k, v := range s.Labels {
		for _, msg := range validation.IsQualifiedName(k) {
			bad("labels", "key %q: %s", k, msg)
		}
		if selected[k] {
			bad("labels", "key %q is used by the selector; relabelling it would move pods out of the schedule", k)
		}
		out, err := renderLabel(k, v, sample)
		if err != nil {
			bad("labels", "%v", err)
			continue
		}
		for _, msg := range validation.IsValidLabelValue(out) {
			bad("labels", "key %q renders to %q: %s", k, out, msg)
		}
	}
}

// parseMaxUnavailable parses "N" or "P%" (default "1"). It returns either
// count (percent false) or a percentage in 1..100 (percent true).
func parseMaxUnavailable(v string) (n int, percent bool, err error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 1, false, nil
	}
	if p, ok := strings.CutSuffix(v, "%"); ok {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 100 {
			return 0, false, fmt.Errorf("%q: a percentage must be between 1%% and 100%%", v)
		}
		return n, true, nil
	}
	n, err = strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, false, fmt.Errorf("%q: want a positive count such as \"1\" or a percentage such as \"25%%\"", v)
	}
	return n, false, nil
}

// resolveMaxUnavailable turns s.MaxUnavailable into a pod count for total
// matched pods (percentages round down, like a Deployment's).
func (s Schedule) resolveMaxUnavailable(total int) (int, error) {
	n, percent, err := parseMaxUnavailable(s.MaxUnavailable)
	if err != nil {
		return 0, fmt.Errorf("mtd schedule %q: maxUnavailable: %w", s.Name, err)
	}
	if percent {
		return total * n / 100, nil
	}
	return n, nil
}

// batch returns s.Batch with its default.
func (s Schedule) batch() int {
	if s.Batch <= 0 {
		return 1
	}
	return s.Batch
}

// minAge returns s.MinAge with its default (Every).
func (s Schedule) minAge() time.Duration {
	if s.MinAge <= 0 {
		return time.Duration(s.Every)
	}
	return time.Duration(s.MinAge)
}

// Describe returns a one-line summary for listings, e.g.
// `web: restart pods "app=web" in prod every 2m (+<30s jitter), batch 1, maxUnavailable 1, minAge 2m`.
func (s Schedule) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", s.Name)
	if s.DryRun {
		b.WriteString("[dry run] ")
	}
	b.WriteString(s.Action)
	if s.Action == ActionRestart && s.Evict {
		b.WriteString(" (evict)")
	}
	fmt.Fprintf(&b, " pods %q in ", s.Selector)
	if s.Namespace == "" {
		b.WriteString("all namespaces")
	} else {
		b.WriteString(s.Namespace)
	}
	fmt.Fprintf(&b, " every %s", time.Duration(s.Every))
	if s.Jitter > 0 {
		fmt.Fprintf(&b, " (+<%s jitter)", time.Duration(s.Jitter))
	}
	mu := s.MaxUnavailable
	if mu == "" {
		mu = "1"
	}
	fmt.Fprintf(&b, ", batch %d, maxUnavailable %s, minAge %s", s.batch(), mu, s.minAge())
	if s.Action == ActionRelabel && len(s.Labels) > 0 {
		fmt.Fprintf(&b, ", labels %s", labels.Set(s.Labels).String())
	}
	return b.String()
}

// timeLabelFormat renders {{.Time}}: valid as a label value.
const timeLabelFormat = "20060102T150405Z"

// templateData is what a relabel label value template sees.
type templateData struct {
	Time string // UTC, timeLabelFormat
	Seq  uint64 // run number of the schedule, from 1
}

// renderLabel renders one label value template.
func renderLabel(key, value string, data templateData) (string, error) {
	if !strings.Contains(value, "{{") {
		return value, nil
	}
	t, err := template.New(key).Option("missingkey=error").Parse(value)
	if err != nil {
		return "", fmt.Errorf("label %q: parse template %q: %w", key, value, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("label %q: render template %q: %w", key, value, err)
	}
	return b.String(), nil
}
