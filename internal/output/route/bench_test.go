package route

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
	"github.com/peregrine-sec/peregrine/internal/source/k8saudit"
)

// countingSink accepts every batch and counts alerts (a unit-test sink:
// the benchmark measures the router, queue and delivery loop, not a network).
type countingSink struct {
	mu sync.Mutex
	n  int
}

func (c *countingSink) Send(_ context.Context, b []*alert.Alert) error {
	c.mu.Lock()
	c.n += len(b)
	c.mu.Unlock()
	return nil
}
func (c *countingSink) Close() error { return nil }
func (c *countingSink) count() int   { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

// BenchmarkRoute3Destinations routes alerts to three destinations with
// durable queues (fsync batched every 100 ms) and waits until all three
// have delivered them; it reports alerts/s end to end and the p99 time
// from routing to the first delivery attempt.
func BenchmarkRoute3Destinations(b *testing.B) {
	sinks := map[string]*countingSink{}
	kind := sink.Kind{Name: "count", MaxBatch: 500, New: func(c sink.Config) (sink.Sink, error) {
		s := &countingSink{}
		sinks[c.Name] = s
		return s, nil
	}}
	var dests []Destination
	for i := 0; i < 3; i++ {
		dests = append(dests, Destination{Name: fmt.Sprintf("d%d", i), Type: "count"})
	}
	dests[1].Match.Condition = "ka.target.namespace startswith tenant"
	reg := prometheus.NewRegistry()
	r, err := New(dests, Options{Dir: b.TempDir(), Kinds: []sink.Kind{kind}, Fields: []*field.Table{field.NewTable(k8saudit.Fields())}, Log: quiet, Registry: reg})
	if err != nil {
		b.Fatal(err)
	}
	r.Start(context.Background())
	alerts := make([]*alert.Alert, 1000)
	for i := range alerts {
		alerts[i] = alertN(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	// The engine's workers route concurrently, one goroutine per core.
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Route(alerts[int(next.Add(1))%len(alerts)])
		}
	})
	routed := b.Elapsed()
	for _, s := range sinks {
		for s.count() < b.N {
			time.Sleep(time.Millisecond)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
	b.ReportMetric(float64(b.N)/routed.Seconds(), "routed/s")
	r.Drain(time.Second)
}

// BenchmarkRouteLatency routes 20,000 alerts/s (below capacity, as in
// steady operation) to three durable destinations for b.N seconds and
// reports the p99 time from routing to the first delivery attempt (the
// upper bound of its histogram bucket).
func BenchmarkRouteLatency(b *testing.B) {
	kind := sink.Kind{Name: "count", MaxBatch: 500, New: func(sink.Config) (sink.Sink, error) { return &countingSink{}, nil }}
	var dests []Destination
	for i := 0; i < 3; i++ {
		dests = append(dests, Destination{Name: fmt.Sprintf("d%d", i), Type: "count"})
	}
	reg := prometheus.NewRegistry()
	r, err := New(dests, Options{Dir: b.TempDir(), Kinds: []sink.Kind{kind}, Fields: []*field.Table{field.NewTable(k8saudit.Fields())}, Log: quiet, Registry: reg})
	if err != nil {
		b.Fatal(err)
	}
	r.Start(context.Background())
	const rate = 20000
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	a := alertN(1)
	b.ResetTimer()
	for sec := 0; sec < b.N; sec++ {
		for ms := 0; ms < 1000; ms++ {
			<-tick.C
			for i := 0; i < rate/1000; i++ {
				r.Route(a)
			}
		}
	}
	r.Drain(5 * time.Second)
	b.ReportMetric(p99(b, reg, "peregrine_output_first_attempt_seconds")*1000, "p99-first-attempt-ms")
}

// p99 returns the upper bound of the histogram bucket holding the 99th
// percentile, over every destination.
func p99(b *testing.B, reg *prometheus.Registry, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	counts := map[float64]uint64{}
	var total uint64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			h := m.GetHistogram()
			total += h.GetSampleCount()
			for _, bk := range h.GetBucket() {
				counts[bk.GetUpperBound()] += bk.GetCumulativeCount()
			}
		}
	}
	bounds := make([]float64, 0, len(counts))
	for ub := range counts {
		bounds = append(bounds, ub)
	}
	sort.Float64s(bounds)
	for _, ub := range bounds {
		if float64(counts[ub]) >= 0.99*float64(total) {
			return ub
		}
	}
	return math.Inf(1)
}
