package bench

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/peregrine-sec/peregrine/bench/auditgen"
	"github.com/peregrine-sec/peregrine/internal/source/k8saudit"
)

// generatedStream returns n events of the realistic mixed stream of
// bench/auditgen (mostly control-plane reads and watches, some user
// traffic, about 0.1% attacks), one JSON document each.
func generatedStream(n int) [][]byte {
	g := auditgen.New(1, auditgen.Options{})
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	out := make([][]byte, n)
	for i := range out {
		out[i] = g.Next(nil, now.Add(time.Duration(i)*time.Millisecond))
	}
	return out
}

// BenchmarkK8sAuditGeneratedEval measures decoding and evaluating one event
// of the generated stream against the full upstream k8s_audit_rules.yaml on
// one goroutine (ns/op is per event).
func BenchmarkK8sAuditGeneratedEval(b *testing.B) {
	rs := auditRuleSet(b)
	lines := generatedStream(20000)
	dec := k8saudit.NewDecoder(nil, quiet)
	m := rs.NewMatcher()
	matches := 0
	emit := func(e *k8saudit.Event) { matches += len(m.Match(e)) }
	for _, l := range lines {
		_ = dec.Decode(l, emit)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = dec.Decode(lines[i%len(lines)], emit)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// benchStreamLen is the number of distinct events the worker benchmark cycles through.
var benchStreamLen = 20000

// BenchmarkK8sAuditWorkers splits the stream over W goroutines, each with
// its own decoder and matcher as the webhook's workers have, for W = 1 and
// one per CPU: how throughput scales with cores. ns/op is per event overall.
func BenchmarkK8sAuditWorkers(b *testing.B) {
	rs := auditRuleSet(b)
	lines := generatedStream(benchStreamLen)
	for _, w := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			decs := make([]*k8saudit.Decoder, w)
			emits := make([]func(*k8saudit.Event), w)
			for i := range decs {
				decs[i] = k8saudit.NewDecoder(nil, quiet)
				m := rs.NewMatcher()
				emits[i] = func(e *k8saudit.Event) { m.Match(e) }
				for _, l := range lines { // warm every buffer once
					_ = decs[i].Decode(l, emits[i])
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			for i := 0; i < w; i++ {
				n := b.N / w
				if i < b.N%w {
					n++
				}
				wg.Add(1)
				go func(dec *k8saudit.Decoder, emit func(*k8saudit.Event), start, n int) {
					defer wg.Done()
					j := start
					for k := 0; k < n; k++ {
						_ = dec.Decode(lines[j], emit)
						if j++; j == len(lines) {
							j = 0
						}
					}
				}(decs[i], emits[i], i*len(lines)/w, n)
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
