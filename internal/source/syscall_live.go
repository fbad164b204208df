package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/peregrine-sec/peregrine/internal/source/cri"
	"github.com/peregrine-sec/peregrine/internal/source/dnsnames"
	"github.com/peregrine-sec/peregrine/internal/source/ebpf"
	"github.com/peregrine-sec/peregrine/internal/source/procfs"
	"github.com/peregrine-sec/peregrine/internal/source/scap"
	"github.com/peregrine-sec/peregrine/internal/source/syscall"
)

// DropRule is the rule name of the internal alert reporting lost syscall
// events, Falco's.
const DropRule = "Falco internal: syscall event drop"

// runSyscallLive captures syscalls with eBPF on this machine: the capture
// is attached first (its ring buffer holds the events of the start-up), then
// /proc is scanned for the processes already running, then events flow
// through the state to the rules. Lost events are counted, logged and
// reported as an internal alert at most once a second, as Falco does.
func runSyscallLive(ctx context.Context, in Input) error {
	if err := ebpf.Probe(); err != nil {
		return fmt.Errorf("live syscall capture is not available on this machine: %w", err)
	}
	log := in.Log
	if log == nil {
		log = slog.Default()
	}
	// Resolving starts first, so that names are known when events flow.
	names := dnsnames.New(dnsnames.Options{Names: in.Syscall.HostNames, Logger: log})
	go func() { _ = names.Run(ctx) }()
	capture, err := ebpf.Open(ebpf.Config{Syscalls: in.EventTypes, IgnoreSelf: true, Logger: log,
		RingBufferBytes: in.Syscall.RingBufferBytes, SendUnconnectedDatagramsOnly: in.Syscall.SendUnconnectedDatagramsOnly})
	if err != nil {
		return fmt.Errorf("starting the syscall capture: %w", err)
	}
	defer capture.Close()
	scanner := procfs.New(procfs.Options{Logger: log})
	start := time.Now()
	snap, err := scanner.Scan()
	if err != nil {
		return fmt.Errorf("reading the running processes: %w", err)
	}
	log.Info("syscall capture started", "processes", len(snap.Threads()), "scan", time.Since(start).Round(time.Millisecond),
		"event_types", eventTypesText(in.EventTypes))
	containers := in.Containers
	if containers == nil {
		c := cri.New(cri.Options{Logger: log})
		go func() { _ = c.Run(ctx) }()
		if in.Registry != nil {
			_ = in.Registry.Register(c.Collector())
		}
		containers = newRuntimeContainers(c)
	}
	live := &syscall.Live{Capture: capture, Initial: snap, Containers: containers,
		Accounts: procfs.NewAccounts("/proc", log), Names: names,
		Resolve: func(tid int64) (*scap.Thread, []scap.FD, bool) {
			s, err := scanner.ScanProcess(tid)
			if err != nil {
				return nil, nil, false
			}
			t := s.Threads()[tid]
			if t == nil {
				return nil, nil, false
			}
			return t, s.FDs()[t.PID], true
		}}
	if in.Record != "" {
		w, err := scap.Create(in.Record, &scap.Snapshot{Machine: snap.Machine(), Threads: snap.Threads(),
			FDs: snap.FDs(), Users: snap.Users(), Groups: snap.Groups()})
		if err != nil {
			return fmt.Errorf("recording to %s: %w", in.Record, err)
		}
		defer func() {
			if err := w.Close(); err != nil {
				log.Error("closing the recorded capture", "file", in.Record, "error", err)
			}
		}()
		live.Record = w
	}
	registerCaptureMetrics(in.Registry, capture)
	var wg sync.WaitGroup
	runCtx, stopRun := context.WithCancelCause(ctx)
	defer stopRun(nil)
	watchCtx, stop := context.WithCancel(runCtx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := &dropWatch{capture: capture, log: log, report: in.Alert, opts: in.Syscall, every: time.Second}
		if err := w.run(watchCtx); err != nil {
			stopRun(err) // the exit action
		}
	}()
	err = live.Run(runCtx, in.NewEmit())
	stop()
	wg.Wait()
	if cause := context.Cause(runCtx); ctx.Err() == nil && cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause // the exit action stopped the capture
	}
	s := capture.Stats()
	log.Info("syscall capture stopped", "events", s.Events, "drops", s.Drops, "errors", s.Errors)
	return err
}

// eventTypesText summarises the captured event types for the log.
func eventTypesText(types []string) string {
	if types == nil {
		return "all"
	}
	return strconv.Itoa(len(types)) + " from the rules plus the state-tracking ones"
}

// registerCaptureMetrics exposes the capture's counters to Prometheus.
func registerCaptureMetrics(reg *prometheus.Registry, c *ebpf.Capture) {
	if reg == nil {
		return
	}
	counter := func(name, help string, get func(ebpf.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "peregrine", Subsystem: "syscall",
			Name: name, Help: help}, func() float64 { return float64(get(c.Stats())) })
	}
	for _, col := range []prometheus.Collector{
		counter("events_total", "Events the kernel capture sent.", func(s ebpf.Stats) uint64 { return s.Events }),
		counter("drops_total", "Events lost because the ring buffer was full.", func(s ebpf.Stats) uint64 { return s.Drops }),
		counter("too_big_total", "Events not sent because they exceeded the size limit.", func(s ebpf.Stats) uint64 { return s.TooBig }),
		counter("read_errors_total", "Kernel or user memory reads that failed (the parameter is empty).", func(s ebpf.Stats) uint64 { return s.Errors }),
	} {
		_ = reg.Register(col) // a second capture in the same process keeps the first's collectors
	}
}
