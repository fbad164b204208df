package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/engine"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/source/syscall"
	"github.com/peregrine-sec/peregrine/internal/testutil"
)

// BenchmarkSyscallCaptureRules replays the corpus captures (gzip, state
// kept) through the full upstream syscall rule set (falco_rules +
// incubating + sandbox, rule_matching all) on one goroutine. events/s
// counts the events evaluated by the rules (metaevents are state only).
func BenchmarkSyscallCaptureRules(b *testing.B) {
	up := filepath.Join(testutil.SharedDir(b), "compat", "rules", "upstream")
	eng := newEngine()
	loaded := load(b, eng, filepath.Join(up, "falco_rules.yaml"), filepath.Join(up, "falco-incubating_rules.yaml"), filepath.Join(up, "falco-sandbox_rules.yaml"))
	rs, err := eng.NewRuleSet(syscall.SourceName, loaded, engine.MatchAll)
	if err != nil {
		b.Fatal(err)
	}
	traces := filepath.Join(testutil.SharedDir(b), "compat", "legacy", "trace_files")
	files, _ := filepath.Glob(filepath.Join(traces, "*.scap"))
	if len(files) == 0 {
		b.Skip("no captures")
	}
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			b.Fatalf("capture %s unreadable", f)
		}
	}
	// Decode every capture once and keep a copy of each evaluated event (with
	// the thread it ran in), so the loop measures rule evaluation alone.
	var evs []*syscall.Event
	for _, f := range files {
		err := syscall.ReplayFile(context.Background(), f, func(ev event.Event) {
			e := ev.(*syscall.Event)
			raw := *e.Raw
			raw.Params = make([][]byte, len(e.Raw.Params))
			for j, p := range e.Raw.Params {
				raw.Params[j] = append([]byte(nil), p...)
			}
			c := *e
			c.Raw = &raw
			evs = append(evs, &c)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	m := rs.NewMatcher()
	for _, e := range evs {
		m.Match(e)
	}
	matched := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := evs[i%len(evs)]
		*e.Scratch() = (*e.Scratch())[:0]
		matched += len(m.Match(e))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(len(evs)), "distinct-events")
}

// BenchmarkReplayLargeCapture replays a large live capture (the file named
// by PEREGRINE_BENCH_SCAP, recorded with `peregrine run --capture`; see
// docs/benchmarks.md) through the full upstream syscall rule set on one
// goroutine: reading, decoding, thread and fd state, and rules, per event.
func BenchmarkReplayLargeCapture(b *testing.B) {
	path := os.Getenv("PEREGRINE_BENCH_SCAP")
	if path == "" {
		b.Skip("PEREGRINE_BENCH_SCAP names no capture")
	}
	up := filepath.Join(testutil.SharedDir(b), "compat", "rules", "upstream")
	eng := newEngine()
	loaded := load(b, eng, filepath.Join(up, "falco_rules.yaml"), filepath.Join(up, "falco-incubating_rules.yaml"), filepath.Join(up, "falco-sandbox_rules.yaml"))
	rs, err := eng.NewRuleSet(syscall.SourceName, loaded, engine.MatchAll)
	if err != nil {
		b.Fatal(err)
	}
	m := rs.NewMatcher()
	var events, matched int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := syscall.ReplayFile(context.Background(), path, func(ev event.Event) {
			events++
			matched += len(m.Match(ev))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/replay")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}
