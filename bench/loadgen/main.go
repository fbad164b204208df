// Command loadgen load-tests peregrine's Kubernetes audit webhook: it posts
// realistic audit EventList batches (from bench/auditgen) at a target event
// rate, honoring 429 + Retry-After, and optionally follows peregrine's JSON
// alerts to measure end-to-end alert latency.
//
//	go run ./bench/loadgen -url http://127.0.0.1:9765/k8s-audit -rate 50000 \
//	    -duration 30s -batch 200 -conns 4 -seed 1 -alerts alerts.json
//
// Progress is printed to stderr every second; the final report goes to
// stdout, as text or (-out json) as one JSON object.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	cfg         Config
	alerts      string
	alertWait   time.Duration
	out         string
	connectWait time.Duration
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.StringVar(&o.cfg.URL, "url", "http://127.0.0.1:9765/k8s-audit", "audit webhook URL")
	fs.Float64Var(&o.cfg.Rate, "rate", 50000, "target events per second (0: unlimited)")
	fs.DurationVar(&o.cfg.Duration, "duration", 30*time.Second, "how long to send")
	fs.Uint64Var(&o.cfg.Events, "events", 0, "stop after this many events (0: no limit)")
	fs.IntVar(&o.cfg.Batch, "batch", 200, "events per EventList batch")
	fs.IntVar(&o.cfg.Conns, "conns", 4, "concurrent keep-alive HTTP connections")
	fs.Int64Var(&o.cfg.Seed, "seed", 1, "generator seed")
	fs.Float64Var(&o.cfg.AttackRatio, "attack-ratio", 0.001, "share of security-relevant (attack) events")
	fs.DurationVar(&o.cfg.Drain, "drain", 30*time.Second, "how long to keep retrying in-flight batches after -duration")
	fs.StringVar(&o.alerts, "alerts", "", "file or named pipe receiving peregrine's JSON alerts (-o json_output=true)")
	fs.DurationVar(&o.alertWait, "alert-wait", 5*time.Second, "after sending, how long to wait for the expected alerts")
	fs.StringVar(&o.out, "out", "text", "final report format: text or json")
	fs.DurationVar(&o.connectWait, "connect-wait", 5*time.Second, "how long to retry the first connection before failing")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.cfg.Batch <= 0 || o.cfg.Conns <= 0:
		return o, fmt.Errorf("-batch and -conns must be positive")
	case o.cfg.Rate < 0:
		return o, fmt.Errorf("-rate must not be negative")
	case o.out != "text" && o.out != "json":
		return o, fmt.Errorf("-out must be text or json")
	case o.cfg.Duration <= 0 && o.cfg.Events == 0:
		return o, fmt.Errorf("give a positive -duration or -events")
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	if err := rep.print(os.Stdout, o.out); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	if rep.Events == 0 {
		fmt.Fprintln(os.Stderr, "loadgen: no event was delivered")
		os.Exit(1)
	}
}

// checkReachable fails when nothing accepts TCP connections at the URL's
// host within wait (peregrine may still be starting: when its output is a
// named pipe, it starts only once loadgen opened the pipe).
func checkReachable(raw string, wait time.Duration) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("invalid -url %q", raw)
	}
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	deadline := time.Now().Add(wait)
	for {
		c, err := net.DialTimeout("tcp", host, 3*time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cannot connect to %s: %w", host, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// run follows alerts, checks the webhook is reachable, sends, prints
// progress every second to progress and returns the final report.
func run(ctx context.Context, o options, progress io.Writer) (Report, error) {
	var st SendStats
	var al *AlertStats
	alertCtx, stopAlerts := context.WithCancel(context.Background())
	defer stopAlerts()
	alertErr := make(chan error, 1)
	if o.alerts != "" {
		al = &AlertStats{}
		go func() { alertErr <- FollowAlerts(alertCtx, o.alerts, al) }()
	}
	if err := checkReachable(o.cfg.URL, o.connectWait); err != nil {
		return Report{}, err
	}

	start := time.Now()
	tickDone := make(chan struct{})
	tickStopped := make(chan struct{})
	go func() {
		defer close(tickStopped)
		ticks(start, o.cfg.Rate, &st, al, progress, tickDone)
	}()

	if err := Run(ctx, o.cfg, &st); err != nil {
		fmt.Fprintln(progress, "loadgen:", err)
	}
	elapsed := time.Since(start)

	// Wait for the alerts of the last events, or until every expected alert came.
	if al != nil && ctx.Err() == nil {
		deadline := time.Now().Add(o.alertWait)
		for time.Now().Before(deadline) && al.Alerts.Load() < st.Alertable.Load() {
			time.Sleep(20 * time.Millisecond)
		}
	}
	close(tickDone)
	<-tickStopped
	stopAlerts()

	rep := newReport(o.cfg, elapsed, &st)
	if al != nil {
		rep.Alerts = &AlertReport{
			Received: al.Alerts.Load(), Ignored: al.Ignored.Load(),
			Rate:    float64(al.Alerts.Load()) / elapsed.Seconds(),
			Latency: al.Latency.Total(), ByRule: al.ByRule(),
		}
		select {
		case err := <-alertErr:
			if err != nil {
				rep.Alerts.Error = err.Error()
			}
		default:
		}
	}
	return rep, nil
}

// ticks prints one progress line per second until done is closed.
func ticks(start time.Time, target float64, st *SendStats, al *AlertStats, w io.Writer, done <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var lastEvents, lastAlerts uint64
	last := start
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			secs := now.Sub(last).Seconds()
			last = now
			ev := st.Events.Load()
			lat := st.Latency.Window()
			fmt.Fprintf(w, "%4.0fs  %8.0f ev/s (target %.0f)  batches %d  429s %d  errors %d  http p50 %.1fms p99 %.1fms",
				now.Sub(start).Seconds(), float64(ev-lastEvents)/secs, target,
				st.Batches.Load(), st.Throttled.Load(), st.Errors.Load(), lat.P50, lat.P99)
			lastEvents = ev
			if al != nil {
				n := al.Alerts.Load()
				al := al.Latency.Window()
				fmt.Fprintf(w, "  | alerts %.0f/s (%d of %d expected) p50 %.1fms p99 %.1fms",
					float64(n-lastAlerts)/secs, n, st.Alertable.Load(), al.P50, al.P99)
				lastAlerts = n
			}
			fmt.Fprintln(w)
		}
	}
}

// Report is the outcome of a run.
type Report struct {
	URL        string       `json:"url"`
	Seconds    float64      `json:"duration_s"`
	TargetRate float64      `json:"target_rate"`
	Events     uint64       `json:"events_sent"`
	Rate       float64      `json:"events_per_s"`
	Batches    uint64       `json:"batches"`
	Throttled  uint64       `json:"throttled_429"`
	Errors     uint64       `json:"errors"`
	Dropped    uint64       `json:"events_dropped"`
	HTTP       Latency      `json:"http_latency"`
	Attacks    uint64       `json:"attacks_sent"`
	Alertable  uint64       `json:"attacks_alertable"`
	Alerts     *AlertReport `json:"alerts,omitempty"`
}

// AlertReport summarizes the alerts read with -alerts.
type AlertReport struct {
	Received uint64            `json:"received"`
	Rate     float64           `json:"per_s"`
	Latency  Latency           `json:"latency"`
	ByRule   map[string]uint64 `json:"by_rule"`
	Ignored  uint64            `json:"ignored_lines"`
	Error    string            `json:"error,omitempty"`
}

func newReport(cfg Config, elapsed time.Duration, st *SendStats) Report {
	return Report{
		URL: cfg.URL, Seconds: elapsed.Seconds(), TargetRate: cfg.Rate,
		Events: st.Events.Load(), Rate: float64(st.Events.Load()) / elapsed.Seconds(),
		Batches: st.Batches.Load(), Throttled: st.Throttled.Load(), Errors: st.Errors.Load(),
		Dropped: st.Dropped.Load(), HTTP: st.Latency.Total(),
		Attacks: st.Attacks.Load(), Alertable: st.Alertable.Load(),
	}
}

// print writes the report as text or JSON.
func (r Report) print(w io.Writer, format string) error {
	if format == "json" {
		return json.NewEncoder(w).Encode(r)
	}
	fmt.Fprintf(w, "sent %d events in %.1fs: %.0f events/s (target %.0f)\n", r.Events, r.Seconds, r.Rate, r.TargetRate)
	fmt.Fprintf(w, "batches %d, 429s %d, errors %d, dropped events %d\n", r.Batches, r.Throttled, r.Errors, r.Dropped)
	fmt.Fprintf(w, "http latency p50 %.2fms p99 %.2fms max %.2fms\n", r.HTTP.P50, r.HTTP.P99, r.HTTP.Max)
	fmt.Fprintf(w, "attack events sent %d (%d expected to alert with the default rules)\n", r.Attacks, r.Alertable)
	if a := r.Alerts; a != nil {
		fmt.Fprintf(w, "alerts received %d (%.1f/s), latency p50 %.2fms p99 %.2fms max %.2fms\n",
			a.Received, a.Rate, a.Latency.P50, a.Latency.P99, a.Latency.Max)
		rules := make([]string, 0, len(a.ByRule))
		for r := range a.ByRule {
			rules = append(rules, r)
		}
		sort.Strings(rules)
		for _, rule := range rules {
			fmt.Fprintf(w, "  %6d  %s\n", a.ByRule[rule], rule)
		}
		if a.Error != "" {
			fmt.Fprintf(w, "alerts file error: %s\n", a.Error)
		}
	}
	return nil
}
