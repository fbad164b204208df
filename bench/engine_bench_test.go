// Package bench holds the engine benchmarks recorded in docs/benchmarks.md.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/engine"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/rules"
	"github.com/peregrine-sec/peregrine/internal/source"
	"github.com/peregrine-sec/peregrine/internal/source/k8saudit"
	"github.com/peregrine-sec/peregrine/internal/testutil"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newEngine() *engine.Engine {
	var srcs []engine.Source
	for _, b := range source.Builtins() {
		if b.Engine != nil {
			srcs = append(srcs, b.Engine())
		}
	}
	return engine.New(srcs...)
}

func load(tb testing.TB, eng *engine.Engine, files ...string) []*rules.Rule {
	l := rules.NewLoader(eng, rules.Options{})
	for _, f := range files {
		if res := l.LoadFile(f); !res.Successful {
			tb.Fatal(res.String())
		}
	}
	return l.Rules()
}

// BenchmarkLoadUpstreamSyscall measures loading and compiling the three
// upstream syscall rules files (falco_rules + incubating + sandbox).
func BenchmarkLoadUpstreamSyscall(b *testing.B) {
	dir := filepath.Join(testutil.SharedDir(b), "compat", "rules", "upstream")
	files := []string{filepath.Join(dir, "falco_rules.yaml"), filepath.Join(dir, "falco-incubating_rules.yaml"), filepath.Join(dir, "falco-sandbox_rules.yaml")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		load(b, newEngine(), files...)
	}
}

// auditStream returns a realistic mixed stream: the repository's example audit
// log (mostly reads and watches, some attacks) plus Falco's legacy audit traces.
func auditStream(tb testing.TB) [][]byte {
	var lines [][]byte
	add := func(path string) {
		data, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			n := 0
			if k8saudit.NewDecoder(nil, quiet).Decode(line, func(*k8saudit.Event) { n++ }) == nil && n > 0 {
				lines = append(lines, append([]byte(nil), line...))
			}
		}
	}
	// The example log is mostly reads and lists with a few attacks; repeating
	// it keeps the stream about 80% benign next to the attack-only traces.
	for i := 0; i < 12; i++ {
		add(filepath.Join(testutil.RepoRoot(tb), "examples", "audit.jsonl"))
	}
	traces, _ := filepath.Glob(filepath.Join(testutil.SharedDir(tb), "compat", "legacy", "trace_files", "k8s_audit", "*.json"))
	for _, t := range traces {
		add(t)
	}
	return lines
}

func auditRuleSet(tb testing.TB) *engine.RuleSet {
	eng := newEngine()
	up := filepath.Join(testutil.SharedDir(tb), "compat", "rules", "upstream", "k8s_audit_rules.yaml")
	rs, err := eng.NewRuleSet(k8saudit.SourceName, load(tb, eng, up), engine.MatchAll)
	if err != nil {
		tb.Fatal(err)
	}
	return rs
}

// BenchmarkK8sAuditEval measures decoding and evaluating one audit event
// against the full upstream k8s_audit_rules.yaml on one core (ns/op is per event).
func BenchmarkK8sAuditEval(b *testing.B) {
	rs := auditRuleSet(b)
	lines := auditStream(b)
	dec := k8saudit.NewDecoder(nil, nil)
	m := rs.NewMatcher()
	matches := 0
	emit := func(e *k8saudit.Event) { matches += len(m.Match(e)) }
	for _, l := range lines { // warm-up: grow every buffer once
		_ = dec.Decode(l, emit)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = dec.Decode(lines[i%len(lines)], emit)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkK8sAuditMatchOnly isolates rule evaluation from JSON decoding.
func BenchmarkK8sAuditMatchOnly(b *testing.B) {
	rs := auditRuleSet(b)
	lines := auditStream(b)
	decs := make([]*k8saudit.Decoder, len(lines))
	evs := make([]*k8saudit.Event, len(lines))
	for i, l := range lines {
		decs[i] = k8saudit.NewDecoder(nil, nil)
		_ = decs[i].Decode(l, func(e *k8saudit.Event) { evs[i] = e })
	}
	var live []*k8saudit.Event
	for _, e := range evs {
		if e != nil {
			live = append(live, e)
		}
	}
	m := rs.NewMatcher()
	for _, e := range live {
		m.Match(e)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := live[i%len(live)]
		e.ResetScratch()
		m.Match(e)
	}
}

type auditDecoder struct{ d *k8saudit.Decoder }

func (a auditDecoder) Decode(rec []byte, emit func(event.Event)) error {
	return a.d.Decode(rec, func(e *k8saudit.Event) { emit(e) })
}

func runPipeline(b *testing.B, workers int) {
	rs := auditRuleSet(b)
	lines := auditStream(b)
	const batch = 256
	b.ReportAllocs()
	b.ResetTimer()
	in := make(chan engine.Batch, 16)
	go func() {
		for n := 0; n < b.N; n += batch {
			recs := make([][]byte, 0, batch)
			for i := n; i < n+batch && i < b.N; i++ {
				recs = append(recs, lines[i%len(lines)])
			}
			in <- engine.Batch{Records: recs}
		}
		close(in)
	}()
	rs.RunParallel(context.Background(), workers, in, func() engine.Decoder { return auditDecoder{k8saudit.NewDecoder(nil, nil)} },
		func([]engine.Match) {}, nil)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkK8sAuditPipeline1 runs the ordered pipeline (decode, match, render
// alerts) on one worker; BenchmarkK8sAuditPipeline2 on two. ns/op is per event.
func BenchmarkK8sAuditPipeline1(b *testing.B) { runPipeline(b, 1) }

// BenchmarkK8sAuditPipeline2 is the same pipeline with one worker per core of this machine.
func BenchmarkK8sAuditPipeline2(b *testing.B) { runPipeline(b, 2) }
