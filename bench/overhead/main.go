// Command overhead measures what the live eBPF syscall capture of peregrine
// costs and how much it can take, on the machine it runs on, side by side in
// one run:
//
//	(a) the highest openat+close rate the agent takes with zero drops, with
//	    agent and workload sharing all cores, and with the agent pinned to
//	    one core and the workload to another;
//	(b) redis-benchmark throughput with the agent (stable rules) and without;
//	(c) ns per syscall of a traced (openat+close) and untraced (getppid,
//	    read of /dev/zero) syscall with and without the agent;
//	(d) agent CPU and RSS at idle and under the loads of (a) and (b).
//
// Usage (root, see README.md):
//
//	go build -o /tmp/peregrine ./cmd/peregrine
//	go build -o /tmp/overhead ./bench/overhead
//	/tmp/overhead -agent /tmp/peregrine -rules falco_rules.yaml -reps 3
//
// The same binary runs the workloads as child processes (subcommands load
// and micro) so that they can be pinned with taskset and measured apart
// from the harness. The markdown report is printed to stdout; progress to
// stderr.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "load":
			loadMain(os.Args[2:])
			return
		case "micro":
			microMain(os.Args[2:])
			return
		}
	}
	harnessMain()
}

// ---------------------------------------------------------------------------
// Workloads (child processes)

// loadResult is what the load and micro subcommands print as JSON.
type loadResult struct {
	Ops     uint64  `json:"ops"`
	Seconds float64 `json:"seconds"`
	NsPerOp float64 `json:"ns_per_op"`
}

// openClose opens path and closes the descriptor with raw syscalls: one
// openat and one close, without allocations.
func openClose(p *byte) {
	fd, _, e := syscall.RawSyscall6(syscall.SYS_OPENAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(p)),
		uintptr(syscall.O_RDONLY|syscall.O_CLOEXEC), 0, 0, 0)
	if e == 0 {
		syscall.RawSyscall(syscall.SYS_CLOSE, fd, 0, 0)
	}
}

var atFDCWD = -100 // AT_FDCWD

var missing, _ = syscall.BytePtrFromString("/nonexistent/peregrine-overhead")

// openBad is one failing openat (ENOENT at the first path component).
func openBad() {
	syscall.RawSyscall6(syscall.SYS_OPENAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(missing)),
		uintptr(syscall.O_RDONLY|syscall.O_CLOEXEC), 0, 0, 0)
}

// workload returns one iteration of a load kind.
func workload(op string, path *byte) (func(), error) {
	switch op {
	case "openat":
		return func() { openClose(path) }, nil
	case "openbad":
		return openBad, nil
	case "closebad":
		return func() { syscall.RawSyscall(syscall.SYS_CLOSE, ^uintptr(0), 0, 0) }, nil
	}
	return nil, fmt.Errorf("unknown op %q", op)
}

// loadMain runs workers goroutines, each on its own OS thread, doing
// openat+close of path at a total rate of rate iterations/s (0: as fast as
// possible) for dur.
func loadMain(args []string) {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	workers := fs.Int("workers", runtime.NumCPU(), "goroutines (each locked to an OS thread)")
	rate := fs.Float64("rate", 0, "total openat+close iterations per second, 0 = unthrottled")
	dur := fs.Duration("dur", 10*time.Second, "duration")
	path := fs.String("path", "/dev/null", "file to open and close")
	op := fs.String("op", "openat", "openat (openat+close of -path), openbad (openat of a missing file: one failed openat), closebad (close(-1))")
	fs.Parse(args)
	p, err := syscall.BytePtrFromString(*path)
	if err != nil {
		fatal(err)
	}
	iter, err := workload(*op, p)
	if err != nil {
		fatal(err)
	}
	var total atomic.Uint64
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(*dur)
	per := *rate / float64(*workers)
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			const batch = 64
			var n uint64
			for {
				for i := 0; i < batch; i++ {
					iter()
				}
				n += batch
				now := time.Now()
				if now.After(end) {
					break
				}
				if per > 0 { // sleep until this worker is back on schedule
					due := start.Add(time.Duration(float64(n) / per * 1e9))
					if d := due.Sub(now); d > 0 {
						time.Sleep(d)
					}
				}
			}
			total.Add(n)
		}()
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	runtime.KeepAlive(p)
	json.NewEncoder(os.Stdout).Encode(loadResult{Ops: total.Load(), Seconds: el, NsPerOp: el * 1e9 / float64(total.Load())})
}

// microMain times one syscall kind on one locked thread for dur.
func microMain(args []string) {
	fs := flag.NewFlagSet("micro", flag.ExitOnError)
	op := fs.String("op", "openat", "openat (openat+close of /dev/null), closebad (close(-1)), getppid, readzero (read 64 bytes of /dev/zero)")
	dur := fs.Duration("dur", 3*time.Second, "duration")
	fs.Parse(args)
	runtime.LockOSThread()
	var f func()
	switch *op {
	case "openat":
		p, _ := syscall.BytePtrFromString("/dev/null")
		f = func() { openClose(p) }
	case "openbad":
		f = openBad
	case "closebad":
		f = func() { syscall.RawSyscall(syscall.SYS_CLOSE, ^uintptr(0), 0, 0) }
	case "getppid":
		f = func() { syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0) }
	case "readzero":
		fd, err := syscall.Open("/dev/zero", syscall.O_RDONLY, 0)
		if err != nil {
			fatal(err)
		}
		buf := make([]byte, 64)
		f = func() {
			syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
		}
	default:
		fatal(fmt.Errorf("unknown op %q", *op))
	}
	for i := 0; i < 10000; i++ { // warm up
		f()
	}
	var n uint64
	start := time.Now()
	end := start.Add(*dur)
	for {
		for i := 0; i < 1000; i++ {
			f()
		}
		n += 1000
		if time.Now().After(end) {
			break
		}
	}
	el := time.Since(start)
	json.NewEncoder(os.Stdout).Encode(loadResult{Ops: n, Seconds: el.Seconds(), NsPerOp: float64(el.Nanoseconds()) / float64(n)})
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "overhead:", err)
	cleanup()
	os.Exit(1)
}

// children are the long-running processes the harness started (agent,
// redis-server), stopped on exit and on SIGINT/SIGTERM.
var children sync.Map // pid -> *os.Process

func track(p *os.Process)   { children.Store(p.Pid, p) }
func untrack(p *os.Process) { children.Delete(p.Pid) }

func cleanup() {
	children.Range(func(_, v any) bool {
		v.(*os.Process).Signal(syscall.SIGTERM)
		return true
	})
}

func handleSignals() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-c
		logf("interrupted, stopping the agent and redis-server")
		cleanup()
		time.Sleep(2 * time.Second)
		os.Exit(130)
	}()
}

// ---------------------------------------------------------------------------
// Harness

type config struct {
	agent, rules, workdir string
	port                  int
	reps                  int
	step, idle, micro     time.Duration
	redisN                int
	redisPort             int
	redisRuns             int
	sections              string
	searchSteps           int
	maxBusy               float64
	maxForeign            float64
	retries               int
	capOps                string
	capReps               int
	self                  string
}

var cfg config

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", a...)
}

func harnessMain() {
	flag.StringVar(&cfg.agent, "agent", "", "peregrine binary (required)")
	flag.StringVar(&cfg.rules, "rules", "/work/shared/compat/rules/upstream/falco_rules.yaml", "rules file loaded by the agent (upstream falco_rules.yaml)")
	flag.StringVar(&cfg.workdir, "workdir", "", "directory for agent and redis logs (default: a temporary one)")
	flag.IntVar(&cfg.port, "port", 19765, "agent webhook port (serves /metrics)")
	flag.IntVar(&cfg.reps, "reps", 3, "repetitions of each configuration")
	flag.DurationVar(&cfg.step, "step", 10*time.Second, "duration of each load step in (a)")
	flag.IntVar(&cfg.searchSteps, "search-steps", 4, "bisection steps below the unthrottled rate in (a)")
	flag.DurationVar(&cfg.idle, "idle", 30*time.Second, "idle measurement interval in (d)")
	flag.DurationVar(&cfg.micro, "micro", 3*time.Second, "duration of each microbenchmark run in (c)")
	flag.IntVar(&cfg.redisN, "redis-n", 200000, "redis-benchmark -n")
	flag.IntVar(&cfg.redisPort, "redis-port", 16379, "port of the redis-server the harness starts")
	flag.IntVar(&cfg.redisRuns, "redis-runs", 1, "(b) redis-benchmark runs per side in each repetition (the agent started once per repetition); "+
		"each repetition's loss is computed from its own runs, so that drift of the machine between repetitions cancels")
	flag.StringVar(&cfg.sections, "sections", "a,b,c,d", "sections to run")
	flag.Float64Var(&cfg.maxBusy, "max-busy", 25, "wait (up to 40 s) before a repetition while other processes keep more than this % of the machine busy")
	flag.Float64Var(&cfg.maxForeign, "max-foreign", 10, "repeat a (b) or (c) measurement when other processes used more than this % of the machine during it")
	flag.IntVar(&cfg.retries, "retries", 2, "at most this many repeats of a noisy (b) or (c) measurement (the quietest attempt is kept)")
	flag.StringVar(&cfg.capOps, "cap-ops", "openat,openbad", "workloads of (a): openat (openat+close of /dev/null), openbad (failed openat of a missing file), closebad (close(-1))")
	flag.IntVar(&cfg.capReps, "cap-reps", 0, "repetitions of each (a) configuration (default: -reps)")
	flag.Parse()
	if cfg.capReps <= 0 {
		cfg.capReps = cfg.reps
	}
	if cfg.agent == "" {
		fatal(errors.New("-agent is required"))
	}
	var err error
	if cfg.self, err = os.Executable(); err != nil {
		fatal(err)
	}
	if cfg.agent, err = filepath.Abs(cfg.agent); err != nil {
		fatal(err)
	}
	if cfg.workdir == "" {
		cfg.workdir, err = os.MkdirTemp("", "overhead-")
	} else {
		err = os.MkdirAll(cfg.workdir, 0o755)
	}
	if err != nil {
		fatal(err)
	}
	handleSignals()
	has := func(s string) bool { return strings.Contains(cfg.sections, s) }
	rep := &report{}
	rep.header()
	if has("d") {
		rep.idle = runIdle()
	}
	if has("a") {
		for _, op := range strings.Split(cfg.capOps, ",") {
			rep.caps = append(rep.caps, runCapacity(op, false), runCapacity(op, true))
		}
	}
	if has("b") {
		rep.redis = runRedis()
	}
	if has("c") {
		rep.micro = runMicro()
	}
	rep.footer()
	fmt.Print(rep.String())
}

// ---------------------------------------------------------------------------
// Agent process
