package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/respond"
	"github.com/peregrine-sec/peregrine/internal/respond/action"
	"github.com/peregrine-sec/peregrine/internal/respond/actions"
	"github.com/peregrine-sec/peregrine/internal/respond/mtd"
)

// response is the run's response engine: policies answering alerts and
// moving-target-defense schedules.
type response struct {
	r      *respond.Responder
	cancel context.CancelFunc
	done   chan struct{}
}

// startResponse starts the responder when a policy file is configured. It
// keeps running after the sources stop until stop drains it.
func (r *runner) startResponse(ctx context.Context, m *metrics) (*response, error) {
	path := r.o.ResponsePolicies
	if path == "" {
		path = r.cfg.Response.PoliciesFile
	}
	if path == "" {
		return nil, nil
	}
	kubeconfig := r.o.Kubeconfig
	if kubeconfig == "" {
		kubeconfig = r.cfg.Response.Kubeconfig
	}
	var tables []*field.Table
	for _, name := range r.eng.Sources() {
		if s, ok := r.eng.Source(name); ok {
			tables = append(tables, s.Fields)
		}
	}
	return newResponse(ctx, responseConfig{policies: path, kubeconfig: kubeconfig, workers: r.cfg.Response.Workers,
		tables: tables, stderr: r.o.Stderr, metrics: m})
}

// responseConfig is what a response engine is built from.
type responseConfig struct {
	policies, kubeconfig string
	workers              int
	tables               []*field.Table
	stderr               io.Writer
	metrics              *metrics
}

// newResponse builds and starts the responder and the schedules of a policy file.
func newResponse(ctx context.Context, c responseConfig) (*response, error) {
	// Decisions are the audit trail: logged at info level whatever -v says.
	log := slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelInfo})).With("component", "respond")
	restCfg, client, err := respond.NewClient(c.kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("response: %w", err)
	}
	known := map[string]action.Action{}
	for _, a := range actions.New(client, actions.Options{Log: log, RESTConfig: restCfg}) {
		known[a.Describe().Name] = a
	}
	f, err := respond.ParseFile(c.policies, known)
	if err != nil {
		return nil, err
	}
	rs := &respond.Responder{Actions: known, Fields: c.tables, Log: log, Recorder: &respond.EventRecorder{Client: client},
		Metrics: respond.NewMetrics(c.metrics.reg), Workers: c.workers}
	if err := rs.Load(f); err != nil {
		return nil, fmt.Errorf("%s: %w", c.policies, err)
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	resp := &response{r: rs, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(resp.done)
		rs.Run(rctx)
	}()
	go rs.Watch(rctx, c.policies, time.Second)
	if len(f.Schedules) > 0 {
		sched := &mtd.Scheduler{Client: client, Log: log}
		go func() {
			if err := sched.Run(rctx, f.Schedules); err != nil {
				log.Error("moving target defense stopped", "error", err)
			}
		}()
	}
	log.Info("response policies loaded", "file", c.policies, "policies", len(f.Policies), "schedules", len(f.Schedules))
	return resp, nil
}

// handle queues an alert for the policies.
func (x *response) handle(a *alert.Alert) {
	if x != nil {
		x.r.Handle(a)
	}
}

// stop answers the alerts already queued and stops the schedules.
func (x *response) stop() {
	if x == nil {
		return
	}
	x.cancel()
	<-x.done
}
