package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

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
		fmt.Fprintf(w, "%d runs per side in each of %d repetitions.\n\n", max(cfg.redisRuns, 1), cfg.reps)
		fmt.Fprintf(w, "| test | no agent ops/s | with agent ops/s | loss (of medians) | loss, median of the repetitions' own (min-max) |\n|---|---|---|---|---|\n")
		for _, t := range rr.tests {
			n, a := median(rr.none[t]), median(rr.with[t])
			fmt.Fprintf(w, "| %s | %s | %s | %.1f%% | %s%% |\n", t, ms(rr.none[t], 0), ms(rr.with[t], 0), (1-a/n)*100, ms(rr.paired[t], 1))
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
