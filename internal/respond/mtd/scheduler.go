package mtd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
)

// Scheduler runs Schedules against a cluster. Its zero value is not usable:
// Client is required; the other fields are optional.
type Scheduler struct {
	// Client talks to the cluster (required).
	Client kubernetes.Interface
	// Log receives one line per decision; nil discards.
	Log *slog.Logger
	// Rand draws the jitter; seed it for reproducible tests. nil means a
	// time-seeded generator. It is only used under the Scheduler's lock.
	Rand *rand.Rand
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnRun, if set, is called after every decision (for metrics or an
	// audit trail). Calls may come concurrently from several schedules.
	OnRun func(Outcome)

	mu sync.Mutex // guards Rand
}

// Outcome is one decision of a schedule: an action on one pod, or a run in
// which nothing was done (Skipped says why).
type Outcome struct {
	// Schedule is the schedule's name.
	Schedule string
	// Pod is "namespace/name" of the pod acted on ("" when skipped).
	Pod string
	// Action is the schedule's action ("restart" or "relabel").
	Action string
	// DryRun is true when nothing was changed on purpose.
	DryRun bool
	// Skipped is the reason nothing was done, e.g.
	// "availability: 2 unavailable, max 1"; "" when the action happened.
	Skipped string
	// Err is the error of a failed action or lookup.
	Err error
	// At is when the decision was made.
	At time.Time
}

// Run validates every schedule, then runs each in its own goroutine until ctx
// ends. It returns nil when ctx ends and an error only when a schedule is
// invalid (then nothing runs). Failed runs are reported via Outcomes and
// logs and do not stop a schedule.
func (s *Scheduler) Run(ctx context.Context, schedules []Schedule) error {
	if s.Client == nil {
		return errors.New("mtd: Scheduler.Client is required")
	}
	var errs []error
	seen := map[string]bool{}
	for _, sc := range schedules {
		if err := sc.Validate(); err != nil {
			errs = append(errs, err)
		}
		if seen[sc.Name] {
			errs = append(errs, fmt.Errorf("mtd schedule %q: name: duplicate", sc.Name))
		}
		seen[sc.Name] = true
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("mtd: invalid schedules: %w", err)
	}
	s.mu.Lock()
	if s.Rand == nil {
		now := uint64(time.Now().UnixNano())
		s.Rand = rand.New(rand.NewPCG(now, now>>7^0x9e3779b97f4a7c15))
	}
	s.mu.Unlock()
	log := s.logger()
	for _, sc := range schedules {
		log.Info("mtd schedule started", "schedule", sc.Name, "summary", sc.Describe())
	}

	if len(schedules) == 0 {
		<-ctx.Done()
		return nil
	}
	var wg sync.WaitGroup
	for _, sc := range schedules {
		wg.Go(func() { s.loop(ctx, sc) })
	}
	wg.Wait()
	return nil
}

// loop waits Every (+ jitter) between runs of sc until ctx ends. The wait
// starts after a run finishes, so runs never overlap and consecutive runs
// are at least Every apart.
func (s *Scheduler) loop(ctx context.Context, sc Schedule) {
	timer := time.NewTimer(s.wait(sc))
	defer timer.Stop()
	var seq uint64
	for {
		select {
		case <-ctx.Done():
			s.logger().Info("mtd schedule stopped", "schedule", sc.Name, "runs", seq)
			return
		case <-timer.C:
		}
		seq++
		s.tick(ctx, sc, seq)
		timer.Reset(s.wait(sc))
	}
}

// wait returns Every plus a uniform random duration in [0, Jitter).
func (s *Scheduler) wait(sc Schedule) time.Duration {
	d := time.Duration(sc.Every)
	if j := int64(sc.Jitter); j > 0 {
		s.mu.Lock()
		d += time.Duration(s.Rand.Int64N(j))
		s.mu.Unlock()
	}
	return d
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// report logs o and hands it to OnRun.
func (s *Scheduler) report(ctx context.Context, o Outcome) {
	attrs := []any{"schedule", o.Schedule, "action", o.Action, "dryRun", o.DryRun}
	if o.Pod != "" {
		attrs = append(attrs, "pod", o.Pod)
	}
	log := s.logger()
	switch {
	case o.Err != nil:
		attrs = append(attrs, "error", o.Err)
		if o.Skipped != "" {
			attrs = append(attrs, "skipped", o.Skipped)
		}
		log.ErrorContext(ctx, "mtd run failed", attrs...)
	case o.Skipped != "":
		log.InfoContext(ctx, "mtd run skipped", append(attrs, "reason", o.Skipped)...)
	case o.DryRun:
		log.InfoContext(ctx, "mtd dry run: would act on pod", attrs...)
	default:
		log.InfoContext(ctx, "mtd acted on pod", attrs...)
	}
	if s.OnRun != nil {
		s.OnRun(o)
	}
}
