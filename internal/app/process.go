package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	"github.com/peregrine-sec/peregrine/internal/engine"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/output"
	"github.com/peregrine-sec/peregrine/internal/source"
)

// process reads the events of every enabled source through its rule set and
// delivers the alerts, then prints Falco's end-of-run summary.
func (r *runner) process(ctx context.Context) error {
	enabled, err := r.enabledSources()
	if err != nil {
		return err
	}
	mode, err := engine.ParseMatching(r.cfg.RuleMatching)
	if err != nil {
		return err
	}
	outs, err := output.NewManager(r.cfg, r.o.Stdout)
	if err != nil {
		return err
	}
	stats := output.NewStats()
	host := hostname()
	labels, err := event.NewLabels(r.cfg.Labels)
	if err != nil {
		return fmt.Errorf("labels: %w", err)
	}
	metrics := newMetrics()
	if err := r.serveWeb(ctx, metrics); err != nil {
		return err
	}
	resp, err := r.startResponse(ctx, metrics)
	if err != nil {
		return err
	}
	router, err := r.startRouter(ctx, metrics)
	if err != nil {
		resp.stop()
		return err
	}
	if r.o.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.o.Duration)
		defer cancel()
	}
	// Sources run side by side (a live syscall capture next to the audit
	// webhook); the first to fail stops the others.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg     sync.WaitGroup
		errMu  sync.Mutex
		runErr error
	)
	fail := func(err error) {
		errMu.Lock()
		if runErr == nil {
			runErr = err
		}
		errMu.Unlock()
		cancel()
	}
	for _, b := range enabled {
		params := r.openParams(b)
		live := false
		if b.Source == source.Syscall {
			switch {
			case r.o.CaptureFile != "":
				params = r.o.CaptureFile
			case r.o.LiveSyscalls && b.Live != nil:
				live, params = true, "live"
			default:
				continue
			}
		}
		rs, err := r.eng.NewRuleSet(b.Source, r.rules, mode)
		if err != nil {
			fail(err)
			break
		}
		d := &deliver{rs: rs, outs: outs, stats: stats, host: host, labels: labels, metrics: metrics, source: b.Source, respond: resp, router: router}
		metrics.countEvaluated(b.Source, d.evaluated)
		r.log.Info("opening source", "source", b.Source, "params", params)
		in := source.Input{Params: params, InitConfig: r.initConfig(b), Labels: labels,
			Registry: metrics.registry(), Log: r.log, NewEmit: d.newEmit, Alert: d.internal, Record: r.o.RecordFile}
		run := func(ctx context.Context) error {
			if b.Run != nil {
				return b.Run(ctx, in)
			}
			return b.Replay(ctx, params, d.newEmit())
		}
		if live {
			if types, all := rs.IndexValues("evt.type"); !all {
				in.EventTypes = types
			}
			in.Syscall = r.syscallOptions()
			in.Syscall.SendUnconnectedDatagramsOnly = sendsNeedOnlyDatagrams(rs)
			in.Syscall.HostNames = rs.ComparedValues("fd.sip.name", "fd.cip.name", "fd.lip.name", "fd.rip.name")
			run = func(ctx context.Context) error { return b.Live(ctx, in) }
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := run(runCtx)
			if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				fail(fmt.Errorf("source %s: %w", b.Source, err))
			}
		}()
	}
	wg.Wait()
	resp.stop()
	r.drainRouter(router)
	if err := outs.Close(); err != nil && runErr == nil {
		runErr = err
	}
	stats.Print(r.o.Stdout)
	return runErr
}

// enabledSources returns the loaded sources selected by --enable-source and
// --disable-source that have something to read.
func (r *runner) enabledSources() ([]source.Builtin, error) {
	only := map[string]bool{}
	for _, s := range r.o.EnableSources {
		if _, ok := r.builtin(s); !ok {
			return nil, fmt.Errorf("Attempted enabling an unknown event source: %s", s)
		}
		only[s] = true
	}
	off := map[string]bool{}
	for _, s := range r.o.DisableSources {
		off[s] = true
	}
	var out []source.Builtin
	for _, b := range r.plugins {
		if b.Source == "" || off[b.Source] || (len(only) > 0 && !only[b.Source]) {
			continue
		}
		if b.Source != source.Syscall && ((b.Replay == nil && b.Run == nil) || r.openParams(b) == "") {
			continue
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		return nil, errors.New("no event source has input: give a capture with -e, or open_params for a plugin source in the configuration")
	}
	return out, nil
}

// openParams returns the configured open_params of the plugin a built-in stands in for.
func (r *runner) openParams(b source.Builtin) string {
	if p, ok := r.o.OpenParams[b.Source]; ok {
		return p
	}
	for _, p := range r.cfg.Plugins {
		if p.Name == b.Plugin {
			return p.OpenParams
		}
	}
	return ""
}

// hostname is FALCO_HOSTNAME when set, else the host's name.
func hostname() string {
	if h := os.Getenv("FALCO_HOSTNAME"); h != "" {
		return h
	}
	h, _ := os.Hostname()
	return h
}

// initConfig returns the configured init_config of the plugin a built-in stands in for.
func (r *runner) initConfig(b source.Builtin) any {
	for _, p := range r.cfg.Plugins {
		if p.Name == b.Plugin {
			return p.InitConfig
		}
	}
	return nil
}

// syscallOptions are the live capture settings of the configuration:
// Falco's engine.modern_ebpf buffer preset and syscall_event_drops.
func (r *runner) syscallOptions() source.SyscallOptions {
	d := r.cfg.SyscallEventDrops
	o := source.SyscallOptions{DropActions: d.Actions, DropThreshold: d.Threshold, DropRate: d.Rate,
		DropMaxBurst: d.MaxBurst, SimulateDrops: d.SimulateDrops}
	if p := r.cfg.Engine.ModernEBPF.BufSizePreset; p >= 1 && p <= 10 {
		// Falco's presets size one buffer per cpus_for_each_buffer CPUs
		// (default 2); peregrine's single ring holds as much as all of them.
		per := 1 << 20 << (p - 1)
		each := r.cfg.Engine.ModernEBPF.CPUsForEachBuffer
		if each <= 0 {
			each = 2
		}
		buffers := (runtime.NumCPU() + each - 1) / each
		size := per
		for size < per*buffers {
			size <<= 1
		}
		o.RingBufferBytes = size
	}
	return o
}

// sendsNeedOnlyDatagrams reports whether every rule that can match sendto
// or sendmsg requires an unconnected, non-TCP socket (as Falco's outbound
// connection macros do), so that the capture may leave the other sends (a
// TCP server's replies) in the kernel.
func sendsNeedOnlyDatagrams(rs *engine.RuleSet) bool {
	for _, t := range []string{"sendto", "sendmsg"} {
		if !rs.Requires("evt.type", t, engine.Constraint{Field: "fd.l4proto", Op: "!=", Value: "tcp"}) ||
			!rs.Requires("evt.type", t, engine.Constraint{Field: "fd.connected", Op: "=", Value: "false"}) {
			return false
		}
	}
	return true
}
