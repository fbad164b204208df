package bench

import (
	"sync/atomic"
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

// BenchmarkK8sAuditScale runs the same work on every P (one decoder and
// matcher per goroutine, as the webhook workers do); run it with -cpu 1,2
// to see how throughput scales with cores. ns/op is per event overall.
func BenchmarkK8sAuditScale(b *testing.B) {
	rs := auditRuleSet(b)
	lines := generatedStream(20000)
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		dec := k8saudit.NewDecoder(nil, quiet)
		m := rs.NewMatcher()
		emit := func(e *k8saudit.Event) { m.Match(e) }
		i := int(next.Add(7919)) % len(lines)
		for pb.Next() {
			_ = dec.Decode(lines[i], emit)
			if i++; i == len(lines) {
				i = 0
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
