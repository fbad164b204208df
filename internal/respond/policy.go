// Package respond answers alerts with actions in Kubernetes: response
// policies match alerts and run ordered actions on the pod the alert names,
// with per-policy dry run, deduplication and rate limits, and an audit trail
// of every decision (log, metrics, Kubernetes Events). Policies are loaded
// from YAML and reloaded when the file changes.
package respond

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/peregrine-sec/peregrine/internal/alertmatch"
	"github.com/peregrine-sec/peregrine/internal/duration"
	"github.com/peregrine-sec/peregrine/internal/respond/action"
	"github.com/peregrine-sec/peregrine/internal/respond/mtd"
)

// File is a response policy file.
type File struct {
	// Policies answer alerts, evaluated in order.
	Policies []Policy `yaml:"policies"`
	// Schedules are moving-target-defense schedules.
	Schedules []mtd.Schedule `yaml:"schedules"`
}

// Policy matches alerts and runs actions on their target.
type Policy struct {
	// Name identifies the policy in logs, metrics, annotations and events.
	Name string `yaml:"name"`
	// Match selects the alerts the policy answers.
	Match alertmatch.Spec `yaml:"match"`
	// Actions run in order on the target.
	Actions []Step `yaml:"actions"`
	// Target says which output fields name the pod; by default k8s.ns.name
	// and k8s.pod.name, then the audit event's ka.target.namespace and
	// ka.target.name (or ka.resp.name).
	Target *TargetFields `yaml:"target"`
	// DryRun runs the policy without changing anything.
	DryRun bool `yaml:"dry_run"`
	// Continue lets later policies also answer an alert this one answered
	// (default true).
	Continue *bool `yaml:"continue"`
	// Dedup suppresses repeated answers for the same target within a window.
	Dedup *Dedup `yaml:"dedup"`
	// RateLimit bounds how often the policy acts, so an alert storm does not
	// become an outage.
	RateLimit *RateLimit `yaml:"rate_limit"`

	line int // where the policy starts in its file
}

// Step is one action of a policy.
type Step struct {
	// Action is the action's name (see `peregrine actions`).
	Action string `yaml:"action"`
	// Params are the action's parameters.
	Params action.Params `yaml:"params"`
	// IgnoreErrors goes on with the next action when this one fails.
	IgnoreErrors bool `yaml:"ignore_errors"`
}

// TargetFields names the output fields holding the target.
type TargetFields struct {
	Namespace string `yaml:"namespace"`
	Pod       string `yaml:"pod"`
	Container string `yaml:"container"`
}

// Dedup is a deduplication window: one answer per key within Window.
type Dedup struct {
	Window Duration `yaml:"window"`
	// Fields make up the key with the policy and target (default: none).
	Fields []string `yaml:"fields"`
}

// RateLimit allows at most Max answers per Per.
type RateLimit struct {
	Max int      `yaml:"max"`
	Per Duration `yaml:"per"`
}

// Duration is a time.Duration written as "30s" in YAML.
type Duration = duration.Duration

// ParseFile reads and validates a policy file; errors name the file, the
// line and the policy. known lists the action names available.
func ParseFile(path string, known map[string]action.Action) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading response policies: %w", err)
	}
	f, err := Parse(data, known)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Parse reads and validates policies from YAML.
func Parse(data []byte, known map[string]action.Action) (*File, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f File
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	lines := policyLines(&root)
	seen := map[string]bool{}
	for i := range f.Policies {
		p := &f.Policies[i]
		if i < len(lines) {
			p.line = lines[i]
		}
		where := fmt.Sprintf("line %d: policy %q", p.line, p.Name)
		if p.Name == "" {
			return nil, fmt.Errorf("line %d: policy %d has no name", p.line, i+1)
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("%s: defined twice", where)
		}
		seen[p.Name] = true
		if len(p.Actions) == 0 {
			return nil, fmt.Errorf("%s: no actions", where)
		}
		for j, s := range p.Actions {
			if _, ok := known[s.Action]; !ok {
				return nil, fmt.Errorf("%s: action %d: unknown action %q (see `peregrine actions`)", where, j+1, s.Action)
			}
		}
		if p.RateLimit != nil && (p.RateLimit.Max <= 0 || p.RateLimit.Per <= 0) {
			return nil, fmt.Errorf("%s: rate_limit needs max > 0 and per > 0", where)
		}
		if p.Dedup != nil && p.Dedup.Window <= 0 {
			return nil, fmt.Errorf("%s: dedup needs a window > 0", where)
		}
	}
	for i, sc := range f.Schedules {
		if err := sc.Validate(); err != nil {
			return nil, fmt.Errorf("schedule %d: %w", i+1, err)
		}
	}
	return &f, nil
}

// policyLines returns the line of each element of the top-level policies list.
func policyLines(root *yaml.Node) []int {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "policies" && m.Content[i+1].Kind == yaml.SequenceNode {
			var out []int
			for _, n := range m.Content[i+1].Content {
				out = append(out, n.Line)
			}
			return out
		}
	}
	return nil
}

// continues reports whether later policies may also answer.
func (p *Policy) continues() bool { return p.Continue == nil || *p.Continue }
