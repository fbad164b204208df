package main

import (
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

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
	paired                  map[string][]float64 // loss of each repetition, %
	agentCPU, rss, evPerSec []float64
	fgNone, fgWith          []float64
	version                 string
}

func runRedis() *redisResult {
	r := &redisResult{tests: []string{"SET", "GET"}, none: map[string][]float64{}, with: map[string][]float64{},
		paired: map[string][]float64{}}
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
		repNone, repWith := map[string][]float64{}, map[string][]float64{}
		noAgent := func() {
			for k := 0; k < max(cfg.redisRuns, 1); k++ {
				var m map[string]float64
				var fg float64
				retryBest(fmt.Sprintf("(b) rep %d run %d without agent", i+1, k+1), func() (float64, func()) {
					mm, f := bench(0)
					return f, func() { m, fg = mm, f }
				})
				logf("(b) rep %d run %d without agent: SET %.0f GET %.0f ops/s, foreign %.0f%%", i+1, k+1, m["SET"], m["GET"], fg)
				for _, t := range r.tests {
					r.none[t] = append(r.none[t], m[t])
					repNone[t] = append(repNone[t], m[t])
				}
				r.fgNone = append(r.fgNone, fg)
			}
		}
		withAgent := func() {
			a := startAgent("")
			for k := 0; k < max(cfg.redisRuns, 1); k++ {
				var m map[string]float64
				var d delta
				var fg float64
				retryBest(fmt.Sprintf("(b) rep %d run %d with agent", i+1, k+1), func() (float64, func()) {
					s0 := a.sample()
					mm, f := bench(a.pid)
					dd := diff(s0, a.sample())
					return f, func() { m, d, fg = mm, dd, f }
				})
				logf("(b) rep %d run %d with agent: SET %.0f GET %.0f ops/s, agent cpu %.0f%% rss %.1f MB, %.0f events/s, foreign %.0f%%",
					i+1, k+1, m["SET"], m["GET"], d.cpuPct, d.rssMB, d.events/d.secs, fg)
				for _, t := range r.tests {
					r.with[t] = append(r.with[t], m[t])
					repWith[t] = append(repWith[t], m[t])
				}
				r.agentCPU = append(r.agentCPU, d.cpuPct)
				r.rss = append(r.rss, d.rssMB)
				r.evPerSec = append(r.evPerSec, d.events/d.secs)
				r.fgWith = append(r.fgWith, fg)
			}
			a.stop()
		}
		if i%2 == 0 { // alternate the order so that drift hits both sides
			noAgent()
			withAgent()
		} else {
			withAgent()
			noAgent()
		}
		for _, t := range r.tests {
			loss := (1 - median(repWith[t])/median(repNone[t])) * 100
			r.paired[t] = append(r.paired[t], loss)
			logf("(b) rep %d: %s loss %.1f%%", i+1, t, loss)
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
