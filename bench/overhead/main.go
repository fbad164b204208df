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
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
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

type agentProc struct {
	cmd   *exec.Cmd
	pid   int
	log   *os.File
	done  chan struct{}
	pinTo string
}

// startAgent starts peregrine with the rules, optionally under taskset, and
// waits until its syscall counters are served.
func startAgent(pin string) *agentProc {
	args := []string{"run", "--syscalls", "on", "-r", cfg.rules,
		"--audit-webhook", fmt.Sprintf("http://127.0.0.1:%d/k8s-audit", cfg.port),
		"-o", "stdout_output.enabled=false"}
	name := cfg.agent
	if pin != "" {
		args = append([]string{"-c", pin, cfg.agent}, args...)
		name = "taskset"
	}
	lf, err := os.OpenFile(filepath.Join(cfg.workdir, "agent.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		fatal(err)
	}
	a := &agentProc{cmd: cmd, pid: cmd.Process.Pid, log: lf, done: make(chan struct{}), pinTo: pin}
	track(cmd.Process)
	go func() { cmd.Wait(); close(a.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-a.done:
			fatal(fmt.Errorf("agent exited during start-up, see %s", lf.Name()))
		default:
		}
		if m, err := scrape(); err == nil {
			if _, ok := m["peregrine_syscall_events_total"]; ok {
				time.Sleep(2 * time.Second) // let the start-up /proc scan and container lookups settle
				return a
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	a.stop()
	fatal(errors.New("agent did not serve its syscall metrics within 60 s"))
	return nil
}

func (a *agentProc) stop() {
	a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(15 * time.Second):
		a.cmd.Process.Kill()
		<-a.done
	}
	a.log.Close()
	untrack(a.cmd.Process)
}

// scrape reads the agent's /metrics into name{labels} -> value.
func scrape() (map[string]float64, error) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", cfg.port))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("metrics: %s", resp.Status)
	}
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			m[line[:i]] = v
		}
	}
	return m, sc.Err()
}

// counters are the agent's syscall counters and its resource use at one
// instant.
type counters struct {
	t                     time.Time
	events, drops, tooBig float64
	evaluated             float64
	cpuTicks              uint64 // utime+stime
	rssKB, hwmKB          uint64
}

func (a *agentProc) sample() counters {
	m, err := scrape()
	if err != nil {
		fatal(fmt.Errorf("scraping the agent: %w", err))
	}
	c := counters{t: time.Now(), events: m["peregrine_syscall_events_total"], drops: m["peregrine_syscall_drops_total"],
		tooBig: m["peregrine_syscall_too_big_total"], evaluated: m[`peregrine_events_evaluated_total{source="syscall"}`]}
	c.cpuTicks = procTicks(a.pid)
	c.rssKB, c.hwmKB = procRSS(a.pid)
	return c
}

// delta is what happened between two samples.
type delta struct {
	secs                float64
	events, drops, eval float64
	cpuPct              float64 // % of one core (user+sys)
	rssMB, hwmMB        float64
}

const clkTck = 100 // USER_HZ on Linux

func diff(a, b counters) delta {
	s := b.t.Sub(a.t).Seconds()
	return delta{secs: s, events: b.events - a.events, drops: (b.drops - a.drops) + (b.tooBig - a.tooBig),
		eval: b.evaluated - a.evaluated, cpuPct: float64(b.cpuTicks-a.cpuTicks) / clkTck / s * 100,
		rssMB: float64(b.rssKB) / 1024, hwmMB: float64(b.hwmKB) / 1024}
}

// procTicks is utime+stime of the process (all its threads).
func procTicks(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	// fields after the comm: state is f[0], utime is field 14 overall = f[11]
	ut, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	return ut + st
}

func procRSS(pid int) (rss, hwm uint64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			rss, _ = strconv.ParseUint(f[1], 10, 64)
		case "VmHWM:":
			hwm, _ = strconv.ParseUint(f[1], 10, 64)
		}
	}
	return
}

// machineTicks reads the busy and total ticks of all CPUs from /proc/stat.
func machineTicks() (busy, total uint64) {
	b, _ := os.ReadFile("/proc/stat")
	line := strings.SplitN(string(b), "\n", 2)[0]
	for i, f := range strings.Fields(line)[1:] {
		if i >= 8 { // guest time is already in user
			break
		}
		v, _ := strconv.ParseUint(f, 10, 64)
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return
}

// machineBusy is the % of all CPUs busy over d.
func machineBusy(d time.Duration) float64 {
	b1, t1 := machineTicks()
	time.Sleep(d)
	b2, t2 := machineTicks()
	if t2 == t1 {
		return 0
	}
	return float64(b2-b1) / float64(t2-t1) * 100
}

// acct measures, over a window, how busy the machine was with processes the
// harness did not start ("foreign" CPU: other users of the shared machine,
// plus kernel threads and interrupts nobody is charged for).
type acct struct {
	busy, total uint64
	own         map[int]uint64
}

func startAcct(pids ...int) acct {
	a := acct{own: map[int]uint64{}}
	for _, p := range append(pids, os.Getpid()) {
		a.own[p] = procTicks(p)
	}
	a.busy, a.total = machineTicks()
	return a
}

// foreign is the % of the whole machine used by others during the window;
// childTicks are the CPU ticks of waited-for children that ran in it.
func (a acct) foreign(childTicks uint64) float64 {
	busy, total := machineTicks()
	used := float64(busy - a.busy)
	for p, t := range a.own {
		used -= float64(procTicks(p) - t)
	}
	used -= float64(childTicks)
	if total == a.total {
		return 0
	}
	return math.Max(0, used/float64(total-a.total)*100)
}

func cmdTicks(c *exec.Cmd) uint64 {
	if c.ProcessState == nil {
		return 0
	}
	return uint64((c.ProcessState.UserTime() + c.ProcessState.SystemTime()).Seconds() * clkTck)
}

// otherTracers counts sys_enter/sys_exit raw tracepoint programs loaded by
// other processes (another eBPF agent, or tests attaching the capture),
// which would add their own cost to every syscall.
func otherTracers() int {
	out, err := exec.Command("bpftool", "-j", "prog", "show").Output()
	if err != nil {
		return -1
	}
	var progs []struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
	if json.Unmarshal(out, &progs) != nil {
		return -1
	}
	n := 0
	for _, p := range progs {
		if p.Type == "raw_tracepoint" && (p.Name == "sys_enter" || p.Name == "sys_exit") {
			n++
		}
	}
	return n
}

// quiet waits (up to 40 s) until other processes leave the machine mostly
// idle, and returns the background busy % it last measured.
func quiet() float64 {
	var b float64
	for i := 0; i < 20; i++ {
		b = machineBusy(time.Second)
		t := otherTracers()
		if b <= cfg.maxBusy && t <= 0 {
			return b
		}
		if i == 0 {
			logf("machine busy %.0f%%, %d syscall tracepoint programs of other processes loaded; waiting", b, t)
		}
		time.Sleep(time.Second)
	}
	logf("machine still busy (%.0f%%), measuring anyway", b)
	return b
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// runChild runs this binary's subcommand, optionally under taskset, and
// decodes its JSON result.
func runChild(pin string, args ...string) (loadResult, uint64) {
	name := cfg.self
	if pin != "" {
		args = append([]string{"-c", pin, cfg.self}, args...)
		name = "taskset"
	}
	cmd := exec.Command(name, args...)
	out, err := cmd.Output()
	if err != nil {
		fatal(fmt.Errorf("%s %v: %w", name, args, err))
	}
	var r loadResult
	if err := json.Unmarshal(out, &r); err != nil {
		fatal(fmt.Errorf("workload output %q: %w", out, err))
	}
	return r, cmdTicks(cmd)
}

// ---------------------------------------------------------------------------
// (d) idle

type idleResult struct {
	cpuPct, rssMB, hwmMB, evPerSec []float64
	foreign                        []float64
}

func runIdle() *idleResult {
	r := &idleResult{}
	for i := 0; i < cfg.reps; i++ {
		quiet()
		a := startAgent("")
		time.Sleep(3 * time.Second)
		s0 := a.sample()
		ac := startAcct(a.pid)
		time.Sleep(cfg.idle)
		fg := ac.foreign(0)
		d := diff(s0, a.sample())
		a.stop()
		logf("(d) idle rep %d: cpu %.2f%% rss %.1f MB hwm %.1f MB, %.0f events/s, foreign %.0f%%", i+1, d.cpuPct, d.rssMB, d.hwmMB, d.events/d.secs, fg)
		r.cpuPct = append(r.cpuPct, d.cpuPct)
		r.rssMB = append(r.rssMB, d.rssMB)
		r.hwmMB = append(r.hwmMB, d.hwmMB)
		r.evPerSec = append(r.evPerSec, d.events/d.secs)
		r.foreign = append(r.foreign, fg)
	}
	return r
}

// ---------------------------------------------------------------------------
// (a) capacity

// step is one load step of (a).
type step struct {
	target               float64 // iterations/s asked, 0 = unthrottled
	itersPerSec          float64 // achieved by the workload
	evPerSec, evalPerSec float64
	drops                float64
	cpuPct, rssMB        float64
	evPerIter            float64
	foreign              float64
}

type capRep struct {
	free        loadResult // unthrottled workload, no agent
	unthrottled step
	best        *step // highest zero-drop step
	steps       []step
}

type capResult struct {
	op                string
	pinned            bool
	workers           int
	agentPin, loadPin string
	reps              []capRep
}

func runCapacity(op string, pinned bool) *capResult {
	r := &capResult{op: op, pinned: pinned, workers: runtime.NumCPU()}
	if pinned {
		n := runtime.NumCPU()
		r.agentPin, r.loadPin = "0", strconv.Itoa(n-1)
		if n > 2 {
			r.loadPin = fmt.Sprintf("1-%d", n-1)
		}
		r.workers = n - 1
	}
	label := op + ", shared cores"
	if pinned {
		label = op + ", agent cpu " + r.agentPin + ", workload cpu " + r.loadPin
	}
	loadArgs := func(rate float64) []string {
		return []string{"load", "-op", op, "-workers", strconv.Itoa(r.workers), "-rate", strconv.FormatFloat(rate, 'f', 0, 64),
			"-dur", cfg.step.String()}
	}
	for i := 0; i < cfg.capReps; i++ {
		var cr capRep
		quiet()
		cr.free, _ = runChild(r.loadPin, loadArgs(0)...)
		logf("(a) %s rep %d: workload alone %.0f iterations/s", label, i+1, float64(cr.free.Ops)/cr.free.Seconds)
		a := startAgent(r.agentPin)
		run := func(rate float64) step {
			s0 := a.sample()
			ac := startAcct(a.pid)
			res, ticks := runChild(r.loadPin, loadArgs(rate)...)
			time.Sleep(300 * time.Millisecond) // let the reader drain what the workload left in the ring
			fg := ac.foreign(ticks)
			d := diff(s0, a.sample())
			st := step{target: rate, itersPerSec: float64(res.Ops) / res.Seconds, evPerSec: d.events / res.Seconds,
				evalPerSec: d.eval / res.Seconds, drops: d.drops, cpuPct: d.cpuPct, rssMB: d.rssMB,
				evPerIter: d.events / float64(res.Ops), foreign: fg}
			logf("(a) %s rep %d: target %.0f/s -> %.0f iterations/s, %.0f events/s, %.0f evaluated/s, drops %.0f, agent cpu %.0f%%, %.2f events/iteration, foreign %.0f%%",
				label, i+1, rate, st.itersPerSec, st.evPerSec, st.evalPerSec, st.drops, st.cpuPct, st.evPerIter, fg)
			time.Sleep(time.Second)
			return st
		}
		cr.unthrottled = run(0)
		cr.steps = append(cr.steps, cr.unthrottled)
		if cr.unthrottled.drops == 0 {
			u := cr.unthrottled
			cr.best = &u
		} else { // bisect the rate between 0 and what the workload reached
			lo, hi := 0.0, cr.unthrottled.itersPerSec
			for s := 0; s < cfg.searchSteps; s++ {
				mid := math.Round((lo + hi) / 2)
				st := run(mid)
				cr.steps = append(cr.steps, st)
				if st.drops == 0 {
					lo = mid
					if cr.best == nil || st.evPerSec > cr.best.evPerSec {
						c := st
						cr.best = &c
					}
				} else {
					hi = mid
				}
			}
		}
		a.stop()
		r.reps = append(r.reps, cr)
	}
	return r
}

// ---------------------------------------------------------------------------
// (b) redis

type redisResult struct {
	tests                   []string
	none, with              map[string][]float64
	agentCPU, rss, evPerSec []float64
	fgNone, fgWith          []float64
	version                 string
}

func runRedis() *redisResult {
	r := &redisResult{tests: []string{"SET", "GET"}, none: map[string][]float64{}, with: map[string][]float64{}}
	if _, err := exec.LookPath("redis-benchmark"); err != nil {
		logf("(b) skipped: redis-benchmark not installed (apt-get install -y redis-server redis-tools)")
		return nil
	}
	v, _ := exec.Command("redis-server", "--version").Output()
	r.version = strings.TrimSpace(string(v))
	srv := exec.Command("redis-server", "--port", strconv.Itoa(cfg.redisPort), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", filepath.Join(cfg.workdir, "redis.log"))
	if err := srv.Start(); err != nil {
		fatal(err)
	}
	track(srv.Process)
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait(); untrack(srv.Process) }()
	for i := 0; i < 50; i++ {
		if exec.Command("redis-cli", "-p", strconv.Itoa(cfg.redisPort), "ping").Run() == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// bench runs redis-benchmark once and returns ops/s by test and the
	// foreign CPU % during it.
	bench := func(agentPID int) (map[string]float64, float64) {
		pids := []int{srv.Process.Pid}
		if agentPID != 0 {
			pids = append(pids, agentPID)
		}
		ac := startAcct(pids...)
		cmd := exec.Command("redis-benchmark", "-p", strconv.Itoa(cfg.redisPort), "-q", "-n", strconv.Itoa(cfg.redisN),
			"-t", "get,set", "-P", "1", "--csv")
		out, err := cmd.Output()
		if err != nil {
			fatal(fmt.Errorf("redis-benchmark: %w", err))
		}
		fg := ac.foreign(cmdTicks(cmd))
		res := map[string]float64{}
		for _, l := range strings.Split(string(out), "\n") {
			f := strings.Split(l, ",")
			if len(f) < 2 {
				continue
			}
			name := strings.Trim(f[0], `"`)
			if v, err := strconv.ParseFloat(strings.Trim(f[1], `"`), 64); err == nil {
				res[name] = v
			}
		}
		return res, fg
	}
	bench(0) // warm up
	for i := 0; i < cfg.reps; i++ {
		quiet()
		noAgent := func() {
			var m map[string]float64
			var fg float64
			retryBest(fmt.Sprintf("(b) rep %d without agent", i+1), func() (float64, func()) {
				mm, f := bench(0)
				return f, func() { m, fg = mm, f }
			})
			logf("(b) rep %d without agent: SET %.0f GET %.0f ops/s, foreign %.0f%%", i+1, m["SET"], m["GET"], fg)
			for _, t := range r.tests {
				r.none[t] = append(r.none[t], m[t])
			}
			r.fgNone = append(r.fgNone, fg)
		}
		withAgent := func() {
			a := startAgent("")
			var m map[string]float64
			var d delta
			var fg float64
			retryBest(fmt.Sprintf("(b) rep %d with agent", i+1), func() (float64, func()) {
				s0 := a.sample()
				mm, f := bench(a.pid)
				dd := diff(s0, a.sample())
				return f, func() { m, d, fg = mm, dd, f }
			})
			a.stop()
			logf("(b) rep %d with agent: SET %.0f GET %.0f ops/s, agent cpu %.0f%% rss %.1f MB, %.0f events/s, foreign %.0f%%",
				i+1, m["SET"], m["GET"], d.cpuPct, d.rssMB, d.events/d.secs, fg)
			for _, t := range r.tests {
				r.with[t] = append(r.with[t], m[t])
			}
			r.agentCPU = append(r.agentCPU, d.cpuPct)
			r.rss = append(r.rss, d.rssMB)
			r.evPerSec = append(r.evPerSec, d.events/d.secs)
			r.fgWith = append(r.fgWith, fg)
		}
		if i%2 == 0 { // alternate the order so that drift hits both sides
			noAgent()
			withAgent()
		} else {
			withAgent()
			noAgent()
		}
	}
	return r
}

// retryBest runs f (which returns the foreign CPU % of its measurement and
// a function that records it) until the foreign CPU is at most
// cfg.maxForeign, at most cfg.retries extra times, and records the quietest
// attempt.
func retryBest(what string, f func() (float64, func())) {
	best := math.Inf(1)
	var keep func()
	for i := 0; i <= cfg.retries; i++ {
		fg, commit := f()
		if fg < best {
			best, keep = fg, commit
		}
		if fg <= cfg.maxForeign {
			break
		}
		logf("%s: other processes used %.0f%% of the machine, measuring again", what, fg)
		time.Sleep(2 * time.Second)
	}
	keep()
}

// ---------------------------------------------------------------------------
// (c) microbenchmarks

type microResult struct {
	ops            []string
	none, with     map[string][]float64
	evPerOp        map[string][]float64
	fgNone, fgWith []float64
	pin            string
}

func runMicro() *microResult {
	n := runtime.NumCPU()
	r := &microResult{ops: []string{"openat", "getppid", "readzero"}, none: map[string][]float64{},
		with: map[string][]float64{}, evPerOp: map[string][]float64{}, pin: strconv.Itoa(n - 1)}
	one := func(op string, pids ...int) (loadResult, float64) {
		ac := startAcct(pids...)
		res, ticks := runChild(r.pin, "micro", "-op", op, "-dur", cfg.micro.String())
		return res, ac.foreign(ticks)
	}
	for i := 0; i < cfg.reps; i++ {
		quiet()
		noAgent := func() {
			for _, op := range r.ops {
				var res loadResult
				var fg float64
				retryBest(fmt.Sprintf("(c) rep %d without agent %s", i+1, op), func() (float64, func()) {
					rr, f := one(op)
					return f, func() { res, fg = rr, f }
				})
				r.none[op] = append(r.none[op], res.NsPerOp)
				r.fgNone = append(r.fgNone, fg)
				logf("(c) rep %d without agent: %s %.1f ns/op, foreign %.0f%%", i+1, op, res.NsPerOp, fg)
			}
		}
		withAgent := func() {
			a := startAgent("")
			for _, op := range r.ops {
				var res loadResult
				var fg float64
				var d delta
				retryBest(fmt.Sprintf("(c) rep %d with agent %s", i+1, op), func() (float64, func()) {
					s0 := a.sample()
					rr, f := one(op, a.pid)
					time.Sleep(300 * time.Millisecond)
					dd := diff(s0, a.sample())
					return f, func() { res, fg, d = rr, f, dd }
				})
				r.with[op] = append(r.with[op], res.NsPerOp)
				r.evPerOp[op] = append(r.evPerOp[op], d.events/float64(res.Ops))
				r.fgWith = append(r.fgWith, fg)
				logf("(c) rep %d with agent: %s %.1f ns/op, %.3f events/op, drops %.0f, agent cpu %.0f%%, foreign %.0f%%",
					i+1, op, res.NsPerOp, d.events/float64(res.Ops), d.drops, d.cpuPct, fg)
			}
			a.stop()
		}
		if i%2 == 0 {
			noAgent()
			withAgent()
		} else {
			withAgent()
			noAgent()
		}
	}
	return r
}

// ---------------------------------------------------------------------------
// Report

type report struct {
	b         strings.Builder
	idle      *idleResult
	caps      []*capResult
	redis     *redisResult
	micro     *microResult
	started   time.Time
	loadStart string
}

func (r *report) header() {
	r.started = time.Now()
	r.loadStart = loadavg()
	logf("workdir %s, load average %s", cfg.workdir, r.loadStart)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minmax(v []float64) (float64, float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// ms formats the median and the min–max spread.
func ms(v []float64, prec int) string {
	lo, hi := minmax(v)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', prec, 64) }
	if prec == 0 {
		f = func(x float64) string { return thousands(x) }
	}
	return fmt.Sprintf("%s (%s–%s)", f(median(v)), f(lo), f(hi))
}

func thousands(x float64) string {
	s := strconv.FormatFloat(math.Round(x), 'f', 0, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

func (r *report) footer() {}

func (r *report) String() string {
	w := &r.b
	host, _ := os.Hostname()
	kern, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	agentVer, _ := exec.Command(cfg.agent, "--version").CombinedOutput()
	fmt.Fprintf(w, "# peregrine overhead (bench/overhead)\n\n")
	fmt.Fprintf(w, "- date: %s – %s\n", r.started.UTC().Format("2006-01-02 15:04 MST"), time.Now().UTC().Format("15:04 MST"))
	fmt.Fprintf(w, "- machine: %s, kernel %s, %d CPUs (%s), %s\n", host, strings.TrimSpace(string(kern)), runtime.NumCPU(), cpuModel(), memTotal())
	fmt.Fprintf(w, "- agent: %s (%s), `run --syscalls on -r %s`\n", cfg.agent, firstLine(string(agentVer)), cfg.rules)
	fmt.Fprintf(w, "- command: `%s`\n", strings.Join(os.Args, " "))
	fmt.Fprintf(w, "- load average at start %s, at end %s. Each repetition starts when other processes use ≤ %.0f%% of the machine and no other syscall tracer is loaded; "+
		"\"foreign\" is the %% of the whole machine used during a measurement by processes the harness did not start (other users, kernel threads, interrupts); "+
		"(b) and (c) measurements above %.0f%% foreign are repeated (up to %d times, quietest kept).\n", r.loadStart, loadavg(), cfg.maxBusy, cfg.maxForeign, cfg.retries)
	fmt.Fprintf(w, "- values: median (min–max) over %d repetitions (%d for (a))\n\n", cfg.reps, cfg.capReps)

	if len(r.caps) > 0 {
		fmt.Fprintf(w, "## (a) capacity: events/s delivered to the rules with zero drops\n\n")
		fmt.Fprintf(w, "Each step runs the workload for %s; first unthrottled, then, if it dropped, %d bisection steps of the rate below it. "+
			"openat = openat+close of /dev/null (openat exit, close enter and exit); openbad = openat of a missing file (one failed openat); closebad = close(-1) (the agent drops failed closes in the kernel when no rule selects close). "+
			"Shared: agent unpinned, %d workload threads. Pinned: agent on CPU 0, workload threads on the other CPUs. Events/s delivered include the rest of the machine's traced syscalls.\n\n",
			cfg.step, cfg.searchSteps, runtime.NumCPU())
		fmt.Fprintf(w, "| measure |")
		for _, c := range r.caps {
			mode := "shared"
			if c.pinned {
				mode = "pinned"
			}
			fmt.Fprintf(w, " %s, %s |", c.op, mode)
		}
		fmt.Fprintf(w, "\n|---|")
		for range r.caps {
			fmt.Fprintf(w, "---|")
		}
		fmt.Fprintln(w)
		row := func(name string, prec int, get func(capRep) (float64, bool)) {
			fmt.Fprintf(w, "| %s |", name)
			for _, c := range r.caps {
				var v []float64
				for _, rep := range c.reps {
					if x, ok := get(rep); ok {
						v = append(v, x)
					}
				}
				if len(v) == 0 {
					fmt.Fprintf(w, " – |")
				} else {
					fmt.Fprintf(w, " %s |", ms(v, prec))
				}
			}
			fmt.Fprintln(w)
		}
		best := func(f func(*step) float64) func(capRep) (float64, bool) {
			return func(c capRep) (float64, bool) {
				if c.best == nil {
					return 0, true // no zero-drop step found
				}
				return f(c.best), true
			}
		}
		row("workload alone (no agent): iterations/s", 0, func(c capRep) (float64, bool) { return float64(c.free.Ops) / c.free.Seconds, true })
		row("unthrottled, with agent: iterations/s", 0, func(c capRep) (float64, bool) { return c.unthrottled.itersPerSec, true })
		row("unthrottled: events/s delivered", 0, func(c capRep) (float64, bool) { return c.unthrottled.evPerSec, true })
		row("unthrottled: events/s evaluated", 0, func(c capRep) (float64, bool) { return c.unthrottled.evalPerSec, true })
		row("unthrottled: drops", 0, func(c capRep) (float64, bool) { return c.unthrottled.drops, true })
		row("unthrottled: agent CPU % of one core", 0, func(c capRep) (float64, bool) { return c.unthrottled.cpuPct, true })
		row("events per iteration", 2, func(c capRep) (float64, bool) { return c.unthrottled.evPerIter, true })
		row("**highest zero-drop step: events/s delivered**", 0, best(func(s *step) float64 { return s.evPerSec }))
		row("highest zero-drop step: events/s evaluated", 0, best(func(s *step) float64 { return s.evalPerSec }))
		row("highest zero-drop step: iterations/s", 0, best(func(s *step) float64 { return s.itersPerSec }))
		row("highest zero-drop step: agent CPU % of one core", 0, best(func(s *step) float64 { return s.cpuPct }))
		row("highest zero-drop step: agent RSS MB", 1, best(func(s *step) float64 { return s.rssMB }))
		row("foreign % (unthrottled step)", 0, func(c capRep) (float64, bool) { return c.unthrottled.foreign, true })
		fmt.Fprintf(w, "\nSteps (target iterations/s → events/s delivered, drops):\n\n")
		for _, c := range r.caps {
			mode := "shared"
			if c.pinned {
				mode = "pinned"
			}
			for i, rep := range c.reps {
				var parts []string
				for _, s := range rep.steps {
					t := "max"
					if s.target > 0 {
						t = thousands(s.target)
					}
					parts = append(parts, fmt.Sprintf("%s → %s ev/s, %s drops", t, thousands(s.evPerSec), thousands(s.drops)))
				}
				fmt.Fprintf(w, "- %s, %s, rep %d: %s\n", c.op, mode, i+1, strings.Join(parts, "; "))
			}
		}
		fmt.Fprintln(w)
	}

	if rr := r.redis; rr != nil {
		fmt.Fprintf(w, "## (b) redis-benchmark, upstream stable rules loaded vs no agent\n\n")
		fmt.Fprintf(w, "`redis-benchmark -q -n %d -t get,set -P 1 --csv` (50 clients) against %s on 127.0.0.1:%d (no persistence); "+
			"the with/without order alternates each repetition; the agent is started fresh for each with-agent run.\n\n", cfg.redisN, firstWords(rr.version, 3), cfg.redisPort)
		fmt.Fprintf(w, "| test | no agent ops/s | with agent ops/s | loss (of medians) |\n|---|---|---|---|\n")
		for _, t := range rr.tests {
			n, a := median(rr.none[t]), median(rr.with[t])
			fmt.Fprintf(w, "| %s | %s | %s | %.1f%% |\n", t, ms(rr.none[t], 0), ms(rr.with[t], 0), (1-a/n)*100)
		}
		fmt.Fprintf(w, "\nAgent during the benchmark: CPU %s %% of one core, RSS %s MB, %s events/s delivered. Foreign %%: without agent %s, with agent %s.\n\n",
			ms(rr.agentCPU, 0), ms(rr.rss, 1), ms(rr.evPerSec, 0), ms(rr.fgNone, 0), ms(rr.fgWith, 0))
	}

	if mr := r.micro; mr != nil {
		fmt.Fprintf(w, "## (c) cost per syscall\n\n")
		fmt.Fprintf(w, "One thread pinned to CPU %s, %s per run, raw syscalls; agent unpinned with the stable rules.\n\n", mr.pin, cfg.micro)
		fmt.Fprintf(w, "| op | events/op to the agent | no agent ns/op | with agent ns/op | delta ns/op (of medians) |\n|---|---|---|---|---|\n")
		names := map[string]string{"openat": "openat+close /dev/null (traced)", "getppid": "getppid (untraced)", "readzero": "read 64 B of /dev/zero (read not selected by these rules)"}
		for _, op := range mr.ops {
			n, a := median(mr.none[op]), median(mr.with[op])
			fmt.Fprintf(w, "| %s | %s | %s | %s | %+.0f (%+.0f%%) |\n", names[op], ms(mr.evPerOp[op], 2), ms(mr.none[op], 0), ms(mr.with[op], 0), a-n, (a/n-1)*100)
		}
		fmt.Fprintf(w, "\nForeign %%: without agent %s, with agent %s.\n\n", ms(mr.fgNone, 0), ms(mr.fgWith, 0))
	}

	fmt.Fprintf(w, "## (d) agent CPU and memory\n\n")
	fmt.Fprintf(w, "| state | agent CPU %% of one core (user+sys, /proc/PID/stat) | RSS MB at the end | events/s delivered |\n|---|---|---|---|\n")
	if ir := r.idle; ir != nil {
		fmt.Fprintf(w, "| idle, %s (nothing started by the harness; foreign %s %%) | %s | %s (peak %s) | %s |\n", cfg.idle, ms(ir.foreign, 0), ms(ir.cpuPct, 1), ms(ir.rssMB, 1), ms(ir.hwmMB, 1), ms(ir.evPerSec, 0))
	}
	for _, c := range r.caps {
		name := c.op + ", shared"
		if c.pinned {
			name = c.op + ", pinned"
		}
		var uc, ur, ue, bc, br, be []float64
		for _, rep := range c.reps {
			uc, ur, ue = append(uc, rep.unthrottled.cpuPct), append(ur, rep.unthrottled.rssMB), append(ue, rep.unthrottled.evPerSec)
			if rep.best != nil && rep.best.target != 0 {
				bc, br, be = append(bc, rep.best.cpuPct), append(br, rep.best.rssMB), append(be, rep.best.evPerSec)
			}
		}
		fmt.Fprintf(w, "| (a) %s, unthrottled | %s | %s | %s |\n", name, ms(uc, 0), ms(ur, 1), ms(ue, 0))
		if len(bc) > 0 {
			fmt.Fprintf(w, "| (a) %s, highest zero-drop throttled step | %s | %s | %s |\n", name, ms(bc, 0), ms(br, 1), ms(be, 0))
		}
	}
	if rr := r.redis; rr != nil {
		fmt.Fprintf(w, "| (b) redis-benchmark | %s | %s | %s |\n", ms(rr.agentCPU, 0), ms(rr.rss, 1), ms(rr.evPerSec, 0))
	}
	fmt.Fprintln(w)
	return w.String()
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) > n {
		f = f[:n]
	}
	return strings.Join(f, " ")
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return fmt.Sprintf("%.0f GiB RAM", kb/1024/1024)
		}
	}
	return "?"
}
