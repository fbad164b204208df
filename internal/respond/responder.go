package respond

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/alertmatch"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/respond/action"
)

// Recorder records a decision on the target as a Kubernetes Event.
type Recorder interface {
	Record(ctx context.Context, t action.Target, reason, message string, warning bool) error
}

// Decision is one entry of the audit trail: what a policy did for an alert.
type Decision struct {
	Time   time.Time
	Rule   string // the alert's rule
	Policy string
	Action string // "" when the policy stopped before any action
	Target action.Target
	DryRun bool
	// Outcome is ok, error, dry_run, deduplicated, rate_limited or no_target.
	Outcome string
	Message string
	// Latency is from the alert's event time to the end of the action.
	Latency time.Duration
}

// Responder runs response policies on alerts, on its own goroutines so
// that actions never slow detection.
type Responder struct {
	// Actions are the available actions by name.
	Actions map[string]action.Action
	// Fields are the field tables conditions in policies compile against.
	Fields []*field.Table
	// Log receives one line per decision.
	Log *slog.Logger
	// Recorder, when set, records decisions as Kubernetes Events on the target.
	Recorder Recorder
	// Metrics, when set, counts decisions.
	Metrics *Metrics
	// Workers is the number of goroutines running policies (default 4).
	Workers int
	// QueueSize bounds alerts waiting for a worker (default 1024); beyond
	// it alerts are not answered, and counted.
	QueueSize int
	// ActionTimeout bounds one action (default 10s).
	ActionTimeout time.Duration
	// OnDecision, when set, receives every decision (the audit trail's sink).
	OnDecision func(Decision)

	current atomic.Pointer[compiledPolicies]
	queue   chan *alert.Alert
	once    sync.Once
	mu      sync.Mutex
	seen    map[string]time.Time  // dedup keys -> until
	buckets map[string]*rateState // policy -> rate state
}

type compiledPolicies struct {
	policies []Policy
	set      *alertmatch.Set
}

type rateState struct {
	windowStart time.Time
	count       int
}

// Load compiles a policy file and makes it current; on error the previous
// policies stay in force.
func (r *Responder) Load(f *File) error {
	names := make([]string, len(f.Policies))
	specs := make([]alertmatch.Spec, len(f.Policies))
	for i, p := range f.Policies {
		names[i] = fmt.Sprintf("line %d: policy %q", p.line, p.Name)
		specs[i] = p.Match
	}
	set, err := alertmatch.Compile(specs, names, r.Fields...)
	if err != nil {
		return err
	}
	r.current.Store(&compiledPolicies{policies: f.Policies, set: set})
	return nil
}

// Policies returns the policies in force.
func (r *Responder) Policies() []Policy {
	if c := r.current.Load(); c != nil {
		return c.policies
	}
	return nil
}

func (r *Responder) init() {
	r.once.Do(func() {
		if r.QueueSize <= 0 {
			r.QueueSize = 1024
		}
		if r.Workers <= 0 {
			r.Workers = 4
		}
		if r.ActionTimeout <= 0 {
			r.ActionTimeout = 10 * time.Second
		}
		if r.Log == nil {
			r.Log = slog.Default()
		}
		r.queue = make(chan *alert.Alert, r.QueueSize)
		r.seen = map[string]time.Time{}
		r.buckets = map[string]*rateState{}
	})
}

// Handle queues an alert for the policies without blocking. It returns
// false, and counts the alert, when the queue is full.
func (r *Responder) Handle(a *alert.Alert) bool {
	r.init()
	select {
	case r.queue <- a:
		return true
	default:
		r.Metrics.dropped()
		r.Log.Error("response queue full: alert not answered", "rule", a.Rule)
		return false
	}
}

// Run answers queued alerts until ctx ends, then answers what is already
// queued (bounded by ActionTimeout per action) and returns.
func (r *Responder) Run(ctx context.Context) {
	r.init()
	var wg sync.WaitGroup
	for i := 0; i < r.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case a := <-r.queue:
					r.Respond(context.WithoutCancel(ctx), a)
				case <-ctx.Done():
					for {
						select {
						case a := <-r.queue:
							r.Respond(context.WithoutCancel(ctx), a)
						default:
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
}

// Respond runs the matching policies for one alert, synchronously.
func (r *Responder) Respond(ctx context.Context, a *alert.Alert) {
	r.init()
	c := r.current.Load()
	if c == nil {
		return
	}
	for _, i := range c.set.Match(a, nil) {
		p := &c.policies[i]
		r.apply(ctx, p, a)
		if !p.continues() {
			return
		}
	}
}

// apply runs one policy for one alert.
func (r *Responder) apply(ctx context.Context, p *Policy, a *alert.Alert) {
	t, err := resolveTarget(p.Target, a)
	if err != nil {
		r.decide(ctx, Decision{Rule: a.Rule, Policy: p.Name, DryRun: p.DryRun, Outcome: "no_target", Message: err.Error()}, a)
		return
	}
	base := Decision{Rule: a.Rule, Policy: p.Name, Target: t, DryRun: p.DryRun}
	if p.Dedup != nil && !r.firstInWindow(p, t, a) {
		base.Outcome, base.Message = "deduplicated", fmt.Sprintf("already answered for %s within %s", t, time.Duration(p.Dedup.Window))
		r.decide(ctx, base, a)
		return
	}
	if p.RateLimit != nil && !r.allow(p) {
		base.Outcome, base.Message = "rate_limited", fmt.Sprintf("more than %d answers per %s", p.RateLimit.Max, time.Duration(p.RateLimit.Per))
		r.decide(ctx, base, a)
		return
	}
	for _, step := range p.Actions {
		act := r.Actions[step.Action]
		d := base
		d.Action = step.Action
		if act == nil {
			d.Outcome, d.Message = "error", "unknown action "+step.Action
			r.decide(ctx, d, a)
			return
		}
		actx, cancel := context.WithTimeout(ctx, r.ActionTimeout)
		res, err := act.Run(actx, action.Request{Alert: a, Target: t, Params: step.Params, Policy: p.Name, DryRun: p.DryRun})
		cancel()
		switch {
		case err != nil:
			d.Outcome, d.Message = "error", err.Error()
		case p.DryRun:
			d.Outcome, d.Message = "dry_run", res.Message
		default:
			d.Outcome, d.Message = "ok", res.Message
		}
		r.decide(ctx, d, a)
		if err != nil && !step.IgnoreErrors {
			return
		}
	}
}

// decide records a decision: log, metrics, Kubernetes Event, OnDecision.
func (r *Responder) decide(ctx context.Context, d Decision, a *alert.Alert) {
	d.Time = time.Now()
	if a.Time > 0 {
		d.Latency = d.Time.Sub(time.Unix(0, a.Time))
	}
	level := slog.LevelInfo
	if d.Outcome == "error" || d.Outcome == "no_target" {
		level = slog.LevelError
	}
	r.Log.Log(ctx, level, "response decision", "policy", d.Policy, "action", d.Action, "target", d.Target.String(),
		"rule", d.Rule, "outcome", d.Outcome, "dry_run", d.DryRun, "message", d.Message, "latency", d.Latency)
	r.Metrics.decision(d)
	if r.Recorder != nil && d.Target.Pod != "" && d.Action != "" {
		msg := fmt.Sprintf("policy %s: %s %s (rule %q)", d.Policy, d.Action, d.Outcome, d.Rule)
		if d.Message != "" {
			msg += ": " + d.Message
		}
		if err := r.Recorder.Record(ctx, d.Target, "Peregrine"+camel(d.Action), msg, d.Outcome == "error"); err != nil {
			r.Log.Warn("could not record the decision as a Kubernetes event", "target", d.Target.String(), "error", err)
		}
	}
	if r.OnDecision != nil {
		r.OnDecision(d)
	}
}

func camel(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// firstInWindow reports whether this is the first answer for the key in the
// policy's dedup window, and remembers it.
func (r *Responder) firstInWindow(p *Policy, t action.Target, a *alert.Alert) bool {
	key := p.Name + "\x00" + t.String()
	for _, f := range p.Dedup.Fields {
		for _, af := range a.Fields {
			if af.Key == f {
				key += "\x00" + af.Text
			}
		}
	}
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if until, ok := r.seen[key]; ok && now.Before(until) {
		return false
	}
	if len(r.seen) > 100000 { // bound memory: drop expired keys
		for k, until := range r.seen {
			if now.After(until) {
				delete(r.seen, k)
			}
		}
	}
	r.seen[key] = now.Add(time.Duration(p.Dedup.Window))
	return true
}

// allow applies the policy's rate limit (a fixed window).
func (r *Responder) allow(p *Policy) bool {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.buckets[p.Name]
	if st == nil || now.Sub(st.windowStart) >= time.Duration(p.RateLimit.Per) {
		st = &rateState{windowStart: now}
		r.buckets[p.Name] = st
	}
	if st.count >= p.RateLimit.Max {
		return false
	}
	st.count++
	return true
}

// errNoTarget is returned when an alert names no pod.
var errNoTarget = errors.New("the alert names no pod")

// resolveTarget finds the pod an alert names.
func resolveTarget(tf *TargetFields, a *alert.Alert) (action.Target, error) {
	get := func(key string) string {
		for _, f := range a.Fields {
			if f.Key == key && f.Kind != alert.Null && f.Text != "<NA>" {
				return f.Text
			}
		}
		return ""
	}
	if tf != nil {
		t := action.Target{Namespace: get(tf.Namespace), Pod: get(tf.Pod)}
		if tf.Container != "" {
			t.Container = get(tf.Container)
		}
		if t.Pod == "" || t.Namespace == "" {
			return t, fmt.Errorf("%w: output fields %s and %s are missing", errNoTarget, tf.Namespace, tf.Pod)
		}
		return t, nil
	}
	for _, pair := range [][3]string{
		{"k8s.ns.name", "k8s.pod.name", "container.name"},
		{"ka.target.namespace", "ka.target.name", ""},
		{"ka.target.namespace", "ka.resp.name", ""},
	} {
		t := action.Target{Namespace: get(pair[0]), Pod: get(pair[1])}
		if pair[2] != "" {
			t.Container = get(pair[2])
		}
		if t.Namespace != "" && t.Pod != "" {
			return t, nil
		}
	}
	return action.Target{}, fmt.Errorf("%w: no k8s.ns.name/k8s.pod.name or ka.target.namespace/ka.target.name in its output fields", errNoTarget)
}
