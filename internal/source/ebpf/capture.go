//go:build linux && amd64

package ebpf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// wantExit is the interesting map's bit that selects a syscall (see
// bpf/builder.h).
const wantExit = 1

// Capture is a loaded and attached syscall capture. Run delivers its
// events; Close detaches it.
type Capture struct {
	cfg     Config
	log     *slog.Logger
	objs    *ebpf.Collection
	links   []link.Link
	ring    *ring
	running atomic.Bool

	mu       sync.Mutex // guards the interesting map against concurrent SetSyscalls
	closeErr error
	closed   sync.Once
}

// Open loads the BPF programs, selects the syscalls of cfg and attaches the
// tracepoints. Events accumulate in the ring buffer until Run reads them.
func Open(cfg Config) (*Capture, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := Probe(); err != nil {
		return nil, err
	}
	spec, err := loadCapture()
	if err != nil {
		return nil, fmt.Errorf("ebpf: loading the embedded object: %w", err)
	}
	if err := configure(spec, cfg); err != nil {
		return nil, err
	}
	coll, err := ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{})
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("ebpf: the kernel rejected the programs: %+v", ve)
		}
		return nil, fmt.Errorf("ebpf: loading the programs: %w", err)
	}
	c := &Capture{cfg: cfg, log: cfg.Logger, objs: coll}
	if err := c.fillProgramArrays(); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.SetSyscalls(cfg.Syscalls); err != nil {
		c.Close()
		return nil, err
	}
	if c.ring, err = newRing(coll.Maps["events"]); err != nil {
		c.Close()
		return nil, err
	}
	for _, tp := range [...]struct{ name, prog string }{
		{"sched_process_exec", "on_exec"},
		{"sched_process_exit", "on_exit"},
		{"sys_exit", "sys_exit"},
	} {
		l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: tp.name, Program: coll.Programs[tp.prog]})
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("ebpf: attaching raw tracepoint %s: %w", tp.name, err)
		}
		c.links = append(c.links, l)
	}
	c.log.Info("syscall capture attached", "ring_buffer_bytes", cfg.RingBufferBytes,
		"wakeup_bytes", cfg.WakeupBytes, "programs", len(coll.Programs))
	return c, nil
}

// configure sizes the maps and sets the load-time constants of spec.
func configure(spec *ebpf.CollectionSpec, cfg Config) error {
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		return fmt.Errorf("ebpf: counting CPUs: %w", err)
	}
	spec.Maps["events"].MaxEntries = uint32(cfg.RingBufferBytes)
	spec.Maps["scratch_map"].MaxEntries = uint32(cpus)
	var rt, bt unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_REALTIME, &rt); err != nil {
		return fmt.Errorf("ebpf: reading the clock: %w", err)
	}
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &bt); err != nil {
		return fmt.Errorf("ebpf: reading the boot clock: %w", err)
	}
	var self uint32
	if cfg.IgnoreSelf {
		self = uint32(os.Getpid())
	}
	var dgramOnly uint32
	if cfg.SendUnconnectedDatagramsOnly {
		dgramOnly = 1
	}
	for name, v := range map[string]any{
		"boot_offset_ns":              uint64(rt.Nano() - bt.Nano()),
		"wakeup_bytes":                uint64(cfg.WakeupBytes),
		"self_tgid":                   self,
		"snaplen":                     uint32(cfg.Snaplen),
		"send_unconnected_dgram_only": dgramOnly,
	} {
		vs, ok := spec.Variables[name]
		if !ok {
			return fmt.Errorf("ebpf: the object has no variable %s", name)
		}
		if err := vs.Set(v); err != nil {
			return fmt.Errorf("ebpf: setting %s: %w", name, err)
		}
	}
	return nil
}

// fillProgramArrays installs the tail-called programs.
func (c *Capture) fillProgramArrays() error {
	exits, stages := c.objs.Maps["exit_progs"], c.objs.Maps["stage_progs"]
	put := func(m *ebpf.Map, key uint32, name string) error {
		p := c.objs.Programs[name]
		if p == nil {
			return fmt.Errorf("ebpf: the object has no program %s", name)
		}
		if err := m.Put(key, p); err != nil {
			return fmt.Errorf("ebpf: installing program %s: %w", name, err)
		}
		return nil
	}
	for i, name := range stagePrograms {
		if err := put(stages, uint32(i), name); err != nil {
			return err
		}
	}
	for _, d := range syscallDefs {
		if err := put(exits, d.nr, d.exit); err != nil {
			return err
		}
	}
	return nil
}

// SetSyscalls changes the selected evt.type names (nil: every supported
// one). The base types are always captured, but those not selected only
// when a call changes the thread/fd state (see doc.go); unsupported names
// are ignored. It takes effect immediately, without reloading anything.
func (c *Capture) SetSyscalls(names []string) error {
	var want map[string]bool
	if names != nil {
		want = make(map[string]bool, len(names))
		for _, n := range names {
			want[n] = true
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.objs.Maps["interesting"]
	for _, d := range syscallDefs {
		var v uint32
		selected := want == nil || want[d.event]
		if d.base || selected {
			v = wantExit
		}
		if d.base && !selected {
			v |= d.filter // captured for the state only
		}
		if err := m.Put(d.nr, v); err != nil {
			return fmt.Errorf("ebpf: selecting %s: %w", d.event, err)
		}
	}
	return nil
}

// Run delivers events to emit until ctx is done or the capture is closed;
// it returns nil then. raw is one complete scap v2 event, valid only during
// the call. Only one Run may be active at a time.
func (c *Capture) Run(ctx context.Context, emit func(raw []byte)) error {
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("ebpf: Run is already active")
	}
	defer c.running.Store(false)
	stop := context.AfterFunc(ctx, c.ring.wake)
	defer stop()
	timeout := int(c.cfg.PollInterval.Milliseconds())
	if timeout < 1 {
		timeout = 1
	}
	for {
		if ctx.Err() != nil || c.ring.isClosed() {
			return nil
		}
		if c.ring.consume(emit) > 0 {
			continue
		}
		if err := c.ring.wait(timeout); err != nil {
			if c.ring.isClosed() {
				return nil
			}
			return err
		}
	}
}

// Stats reads the kernel counters, summed and per CPU.
func (c *Capture) Stats() Stats {
	var per []captureCounters
	var st Stats
	if err := c.objs.Maps["counters_map"].Lookup(uint32(0), &per); err != nil {
		c.log.Warn("reading capture counters", "err", err)
		return st
	}
	st.PerCPU = make([]Counters, len(per))
	for i, p := range per {
		cc := Counters{Errors: p.Errors, TooBig: p.TooBig, Filtered: p.Filtered, EventsBy: p.Events, DropsBy: p.Drops}
		for k := range p.Events {
			cc.Events += p.Events[k]
			cc.Drops += p.Drops[k]
		}
		st.PerCPU[i] = cc
		st.add(cc)
	}
	return st
}

// Close detaches the programs and releases the ring buffer. A running Run
// returns.
func (c *Capture) Close() error {
	c.closed.Do(func() {
		var errs []error
		for _, l := range c.links {
			if err := l.Close(); err != nil {
				errs = append(errs, fmt.Errorf("ebpf: detaching: %w", err))
			}
		}
		if c.ring != nil {
			c.ring.close()
			for c.running.Load() {
				c.ring.wake()
				runtimeYield()
			}
			c.ring.unmap()
		}
		c.objs.Close()
		c.closeErr = errors.Join(errs...)
		c.log.Info("syscall capture detached")
	})
	return c.closeErr
}
