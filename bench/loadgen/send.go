package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/peregrine-sec/peregrine/bench/auditgen"
)

// Config describes a sending run.
type Config struct {
	URL         string        // webhook endpoint, e.g. http://127.0.0.1:9765/k8s-audit
	Rate        float64       // target events per second (0: as fast as possible)
	Duration    time.Duration // how long to generate (0: until Events or ctx ends)
	Events      uint64        // stop after this many events (0: no limit)
	Batch       int           // events per EventList
	Conns       int           // concurrent keep-alive connections
	Seed        int64         // generator seed
	AttackRatio float64       // share of attack events (0: auditgen's default)
	// Drain bounds how long in-flight batches are still retried once
	// generation stopped (default 30s); what is left is counted as dropped.
	Drain  time.Duration
	Client *http.Client // default: one sized for Conns keep-alive connections
}

// batch is one EventList in flight and what it holds.
type batch struct {
	buf                 []byte
	events              int
	attacks, alertables uint64
}

// Run generates audit events and posts them as EventList batches to
// cfg.URL, paced by a token bucket at cfg.Rate events per second and spread
// over cfg.Conns workers. A batch answered 429 is re-sent after its
// Retry-After, so every batch is delivered once unless the run is cancelled
// or the drain time runs out. It returns when every batch is settled.
func Run(ctx context.Context, cfg Config, st *SendStats) error {
	if cfg.Batch <= 0 || cfg.Conns <= 0 {
		return fmt.Errorf("batch and conns must be positive")
	}
	if cfg.Drain <= 0 {
		cfg.Drain = 30 * time.Second
	}
	client := cfg.Client
	if client == nil {
		client = newClient(cfg.Conns)
	}
	gen := auditgen.New(cfg.Seed, auditgen.Options{AttackRatio: cfg.AttackRatio})

	// Sends outlive generation by at most Drain, and stop at once when ctx does.
	sendCtx, cancelSend := context.WithCancel(context.Background())
	defer cancelSend()
	stopSend := context.AfterFunc(ctx, cancelSend)
	defer stopSend()

	free := make(chan *batch, 2*cfg.Conns)
	for range cap(free) {
		free <- &batch{}
	}
	work := make(chan *batch)
	var wg sync.WaitGroup
	for range cfg.Conns {
		wg.Go(func() {
			for b := range work {
				send(sendCtx, client, cfg.URL, b, st)
				free <- b
			}
		})
	}

	produce(ctx, cfg, gen, free, work)
	close(work)
	timer := time.AfterFunc(cfg.Drain, cancelSend)
	defer timer.Stop()
	wg.Wait()
	return nil
}

// produce generates batches at the configured pace until the duration, the
// event limit or ctx ends.
func produce(ctx context.Context, cfg Config, gen *auditgen.Generator, free <-chan *batch, work chan<- *batch) {
	start := time.Now()
	if cfg.Duration > 0 { // also ends waits for a free buffer while the server stalls
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, start.Add(cfg.Duration))
		defer cancel()
	}
	var interval time.Duration
	if cfg.Rate > 0 {
		interval = time.Duration(float64(cfg.Batch) / cfg.Rate * float64(time.Second))
	}
	// The bucket holds at most one batch per connection: after a stall
	// (429s, a slow server) the sender catches up by that much, no more.
	burst := time.Duration(cfg.Conns) * interval
	next := start
	timer := time.NewTimer(0)
	defer timer.Stop()
	var sent uint64
	for {
		if cfg.Events > 0 && sent >= cfg.Events {
			return
		}
		if wait := time.Until(next); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		}
		var b *batch
		select {
		case <-ctx.Done():
			return
		case b = <-free:
		}
		n := cfg.Batch
		if cfg.Events > 0 {
			n = int(min(uint64(n), cfg.Events-sent))
		}
		before := gen.Stats()
		b.buf = gen.Batch(b.buf[:0], n, time.Now())
		after := gen.Stats()
		b.events, b.attacks = n, after.Attacks-before.Attacks
		b.alertables = after.ExpectedAlerts() - before.ExpectedAlerts()
		select {
		case <-ctx.Done():
			return
		case work <- b:
		}
		sent += uint64(n)
		next = next.Add(interval)
		if floor := time.Now().Add(-burst); next.Before(floor) {
			next = floor
		}
	}
}

// send posts one batch until it is accepted, rejected for good, or ctx ends.
func send(ctx context.Context, client *http.Client, url string, b *batch, st *SendStats) {
	backoff := 100 * time.Millisecond
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b.buf))
		if err != nil {
			st.Errors.Add(1)
			st.Dropped.Add(uint64(b.events))
			return
		}
		req.Header.Set("Content-Type", "application/json")
		t := time.Now()
		resp, err := client.Do(req)
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				st.Dropped.Add(uint64(b.events))
				return
			}
			st.Errors.Add(1)
			wait, backoff = backoff, min(2*backoff, 5*time.Second)
		default:
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			st.Latency.Record(time.Since(t))
			switch code := resp.StatusCode; {
			case code >= 200 && code < 300:
				st.Events.Add(uint64(b.events))
				st.Batches.Add(1)
				st.Attacks.Add(b.attacks)
				st.Alertable.Add(b.alertables)
				return
			case code == http.StatusTooManyRequests:
				st.Throttled.Add(1)
				wait = retryAfter(resp.Header.Get("Retry-After"))
			case code >= 500:
				st.Errors.Add(1)
				wait, backoff = backoff, min(2*backoff, 5*time.Second)
			default: // the server will never take this batch
				st.Errors.Add(1)
				st.Dropped.Add(uint64(b.events))
				return
			}
		}
		select {
		case <-ctx.Done():
			st.Dropped.Add(uint64(b.events))
			return
		case <-time.After(wait):
		}
	}
}

// retryAfter parses a Retry-After header in seconds (default 1s; a zero
// delay becomes 10ms so that a busy server is not hammered).
func retryAfter(h string) time.Duration {
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return max(time.Duration(s)*time.Second, 10*time.Millisecond)
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0)
	}
	return time.Second
}

// newClient returns an HTTP client keeping conns connections alive.
func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}
