package route

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/queue"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// dest is one destination at run time.
type dest struct {
	cfg   Destination
	kind  sink.Kind
	sink  sink.Sink
	q     *queue.Queue
	log   *slog.Logger
	m     destMetrics
	dedup *dedup
	// in feeds the writer, which appends what arrived together in one write.
	in      chan []byte
	written chan struct{} // closed when the writer has stopped
}

// writerBatch is the most items one queue write takes.
const writerBatch = 512

// writer appends queued items in batches until in is closed.
func (d *dest) writer() {
	defer close(d.written)
	batch := make([][]byte, 0, writerBatch)
	for item := range d.in {
		batch = append(batch[:0], item)
	more:
		for len(batch) < writerBatch {
			select {
			case it, ok := <-d.in:
				if !ok {
					break more
				}
				batch = append(batch, it)
			default:
				break more
			}
		}
		if err := d.q.AppendBatch(batch); err != nil {
			if errors.Is(err, queue.ErrFull) {
				continue // counted by OnDrop
			}
			d.m.dropped.Add(float64(len(batch)))
			d.log.Error("alerts not queued", "count", len(batch), "error", err)
		}
	}
}

// append queues an alert (with the destination's custom fields).
func (d *dest) append(a *alert.Alert) {
	d.appendItem(a.Rule, encode(d.withCustomFields(a), time.Now()))
}

// appendItem hands an encoded alert to the destination's writer.
func (d *dest) appendItem(_ string, item []byte) {
	d.in <- item
}

// withCustomFields returns the alert with the destination's custom fields
// added to its output fields ("%field" copies another field).
func (d *dest) withCustomFields(a *alert.Alert) *alert.Alert {
	if len(d.cfg.CustomFields) == 0 {
		return a
	}
	c := *a
	c.Fields = append([]alert.Field(nil), a.Fields...)
	for k, v := range d.cfg.CustomFields {
		f := alert.Field{Key: k, Kind: alert.String, Text: v}
		if src, ok := strings.CutPrefix(v, "%"); ok {
			f = alert.Field{Key: k, Kind: alert.Null}
			for _, x := range a.Fields {
				if x.Key == src {
					f = x
					f.Key = k
				}
			}
		}
		c.Fields = append(c.Fields, f)
	}
	return &c
}

// deliver sends queued alerts until ctx ends: batches of up to the kind's
// MaxBatch, paced by the rate limit, acknowledged only once the destination
// accepted them, retried with exponential backoff otherwise.
func (d *dest) deliver(ctx context.Context) {
	max := d.kind.MaxBatch
	if max <= 0 {
		max = 1
	}
	initial, maxBackoff := time.Duration(d.cfg.Retry.Initial), time.Duration(d.cfg.Retry.Max)
	if initial <= 0 {
		initial = time.Second
	}
	if maxBackoff <= 0 {
		maxBackoff = time.Minute
	}
	backoff := initial
	var attempted uint64 // highest Seq already sent once (for the first-attempt latency)
	lim := newLimiter(d.cfg.RateLimit)
	for {
		items, err := d.q.Read(ctx, max, 8<<20)
		if err != nil {
			return // ctx ended
		}
		batch := make([]*alert.Alert, 0, len(items))
		now := time.Now()
		for _, it := range items {
			a, at, err := decode(it.Data)
			if err != nil {
				d.m.failed.Inc()
				d.log.Error("undecodable queue item skipped", "seq", it.Seq, "error", err)
				continue
			}
			if it.Seq > attempted {
				d.m.latency.Observe(now.Sub(at).Seconds())
			}
			batch = append(batch, a)
		}
		attempted = max64(attempted, items[len(items)-1].Seq)
		if !lim.wait(ctx, len(batch)) {
			d.q.Nack()
			return
		}
		err = d.send(ctx, batch)
		switch {
		case err == nil:
			d.m.sent.Add(float64(len(batch)))
			d.q.Ack(items[len(items)-1].Seq)
			backoff = initial
		case sink.IsPermanent(err):
			d.m.failed.Add(float64(len(batch)))
			d.log.Error("destination refused alerts; they cannot be delivered", "count", len(batch), "error", err)
			d.q.Ack(items[len(items)-1].Seq)
		default:
			d.m.retried.Add(float64(len(batch)))
			d.q.Nack()
			wait := backoff/2 + rand.N(backoff/2+1)
			d.log.Warn("delivery failed; retrying", "count", len(batch), "error", err, "retry_in", wait)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			if backoff *= 2; backoff > maxBackoff {
				backoff = maxBackoff
			}
		}
	}
}

// send calls the sink with the destination's timeout.
func (d *dest) send(ctx context.Context, batch []*alert.Alert) error {
	if len(batch) == 0 {
		return nil
	}
	timeout := time.Duration(d.cfg.Timeout)
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	err := d.sink.Send(sctx, batch)
	d.m.sendSeconds.Observe(time.Since(start).Seconds())
	return err
}

// flushRepeats delivers the dedup summaries as windows close.
func (d *dest) flushRepeats(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return // Drain delivers the open windows' summaries
		case now := <-t.C:
			for _, a := range d.dedup.expired(now) {
				d.append(d.withCustomFields(a))
			}
		}
	}
}

func max64(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// limiter paces deliveries to Max per Per (a token bucket).
type limiter struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newLimiter(rl *RateLimit) *limiter {
	if rl == nil {
		return nil
	}
	per := time.Duration(rl.Per).Seconds()
	return &limiter{rate: float64(rl.Max) / per, burst: float64(rl.Max), tokens: float64(rl.Max), last: time.Now()}
}

// wait blocks until n deliveries are allowed; false when ctx ends.
func (l *limiter) wait(ctx context.Context, n int) bool {
	if l == nil {
		return true
	}
	for {
		now := time.Now()
		l.tokens += now.Sub(l.last).Seconds() * l.rate
		if l.tokens > l.burst {
			l.tokens = l.burst
		}
		l.last = now
		need := float64(n)
		if need > l.burst {
			need = l.burst
		}
		if l.tokens >= need {
			l.tokens -= float64(n)
			return true
		}
		wait := time.Duration((need - l.tokens) / l.rate * float64(time.Second))
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
}
