package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

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
