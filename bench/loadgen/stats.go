package main

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// histogram is a log-linear latency histogram in microseconds: 16 buckets
// per power of two, so quantiles are within about 6% of the true value.
type histogram struct {
	counts [1024]uint64
	n      uint64
	max    uint64
}

// bucket returns the bucket index of v.
func bucket(v uint64) int {
	if v < 16 {
		return int(v)
	}
	e := bits.Len64(v) - 5 // keep the 5 leading bits
	return (e+1)*16 + int(v>>e) - 16
}

// lower returns the smallest value of bucket i.
func lower(i int) uint64 {
	if i < 16 {
		return uint64(i)
	}
	e := i/16 - 1
	return uint64(16+i%16) << e
}

func (h *histogram) record(us uint64) {
	h.counts[bucket(us)]++
	h.n++
	h.max = max(h.max, us)
}

// quantile returns the q-quantile (0 < q ≤ 1) as the midpoint of its bucket.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			mid := (lower(i) + lower(i+1)) / 2
			return time.Duration(min(mid, h.max)) * time.Microsecond
		}
	}
	return time.Duration(h.max) * time.Microsecond
}

// Latency is the summary of a latency distribution.
type Latency struct {
	Count uint64  `json:"count"`
	P50   float64 `json:"p50_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

func (h *histogram) summary() Latency {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return Latency{Count: h.n, P50: ms(h.quantile(0.50)), P99: ms(h.quantile(0.99)), Max: ms(time.Duration(h.max) * time.Microsecond)}
}

// Recorder keeps a latency distribution for the whole run and one for the
// current reporting interval. It is safe for concurrent use.
type Recorder struct {
	mu            sync.Mutex
	total, window histogram
}

// Record adds one latency (negative values count as zero).
func (r *Recorder) Record(d time.Duration) {
	us := uint64(max(d, 0) / time.Microsecond)
	r.mu.Lock()
	r.total.record(us)
	r.window.record(us)
	r.mu.Unlock()
}

// Total summarizes the whole run.
func (r *Recorder) Total() Latency {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total.summary()
}

// Window summarizes the latencies since the previous call and starts a new window.
func (r *Recorder) Window() Latency {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.window.summary()
	r.window = histogram{}
	return s
}

// SendStats are the sender's counters, updated concurrently by the workers.
type SendStats struct {
	Events    atomic.Uint64 // events delivered (answered 2xx)
	Batches   atomic.Uint64 // batches delivered
	Throttled atomic.Uint64 // 429 answers
	Errors    atomic.Uint64 // transport errors and unexpected status codes
	Dropped   atomic.Uint64 // events given up on (4xx other than 429, or the run ended)
	Attacks   atomic.Uint64 // attack events delivered
	Alertable atomic.Uint64 // delivered attacks the default rules alert on
	Latency   Recorder      // HTTP round trips (every answer, 429s included)
}
