package route

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/alertmatch"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/output/queue"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// Options configure a router.
type Options struct {
	// Dir holds one durable queue directory per destination.
	Dir string
	// Kinds are the destination kinds available.
	Kinds []sink.Kind
	// Fields are the field tables match conditions compile against.
	Fields []*field.Table
	// Log receives delivery problems.
	Log *slog.Logger
	// Registry, when set, receives per-destination metrics.
	Registry prometheus.Registerer
	// Environ is the environment for parameter overrides (os.Environ()).
	Environ []string
}

// Router routes alerts to destinations through durable queues.
type Router struct {
	dests     []*dest
	set       *alertmatch.Set
	log       *slog.Logger
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	stopFlush context.CancelFunc
	flushers  sync.WaitGroup
	mu        sync.RWMutex
	closed    bool
}

// New opens every destination's sink and queue. Alerts left in a queue by
// a previous run are delivered again once Start runs.
func New(cfgs []Destination, o Options) (*Router, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	kinds := map[string]sink.Kind{}
	for _, k := range o.Kinds {
		kinds[k.Name] = k
	}
	r := &Router{log: o.Log}
	specs := make([]alertmatch.Spec, len(cfgs))
	names := make([]string, len(cfgs))
	seen := map[string]bool{}
	m := newMetrics(o.Registry)
	for i := range cfgs {
		c := cfgs[i]
		if err := c.validate(kinds); err != nil {
			r.closeAll()
			return nil, err
		}
		if seen[c.Name] {
			r.closeAll()
			return nil, fmt.Errorf("destination %s defined twice", c.Name)
		}
		seen[c.Name] = true
		c.withEnv(o.Environ)
		spec := c.Match
		if c.MinPriority != "" {
			spec.Priority = c.MinPriority
		}
		specs[i], names[i] = spec, "destination "+c.Name
		d, err := openDest(c, kinds[c.Type], o, m)
		if err != nil {
			r.closeAll()
			return nil, err
		}
		r.dests = append(r.dests, d)
	}
	set, err := alertmatch.Compile(specs, names, o.Fields...)
	if err != nil {
		r.closeAll()
		return nil, err
	}
	r.set = set
	return r, nil
}

// openDest builds one destination's sink and queue.
func openDest(c Destination, k sink.Kind, o Options, m *metrics) (*dest, error) {
	s, err := k.New(sink.Config{Name: c.Name, Params: c.Params,
		Common: sink.Common{Timeout: time.Duration(c.Timeout), Headers: c.Headers, TLS: c.TLS}})
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", c.Name, err)
	}
	full := queue.DropOldest
	switch c.Queue.Full {
	case "drop_newest":
		full = queue.DropNewest
	case "block":
		full = queue.Block
	}
	d := &dest{cfg: c, kind: k, sink: s, log: o.Log.With("destination", c.Name), m: m.forDest(c.Name)}
	q, err := queue.Open(queue.Options{Dir: filepath.Join(o.Dir, c.Name), MaxBytes: c.Queue.MaxBytes, Full: full,
		OnDrop: func(n int, _ int64, why string) {
			d.m.dropped.Add(float64(n))
			d.log.Error("alerts dropped from the delivery queue", "count", n, "reason", why)
		}})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("destination %s: %w", c.Name, err)
	}
	d.q = q
	d.in, d.written = make(chan []byte, 4096), make(chan struct{})
	go d.writer()
	m.queued(c.Name, func() float64 { return float64(q.Stats().Pending) })
	if st := q.Stats(); st.Pending > 0 {
		d.log.Info("alerts from a previous run will be delivered", "pending", st.Pending)
	}
	if c.Dedup != nil {
		d.dedup = newDedup(time.Duration(c.Dedup.Window), c.Dedup.Fields)
	}
	return d, nil
}

// Start runs each destination's delivery loop until Drain.
func (r *Router) Start(ctx context.Context) {
	ctx, r.cancel = context.WithCancel(ctx)
	fctx, stop := context.WithCancel(ctx)
	r.stopFlush = stop
	for _, d := range r.dests {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			d.deliver(ctx)
		}()
		if d.dedup != nil {
			r.flushers.Add(1)
			go func() {
				defer r.flushers.Done()
				d.flushRepeats(fctx)
			}()
		}
	}
}

// Route queues an alert for every destination that matches it. Each
// destination's writer appends what arrives together in one write to its
// durable queue (within about a millisecond under load); Drain flushes them.
func (r *Router) Route(a *alert.Alert) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return
	}
	var shared []byte // the encoded alert, shared by destinations without custom fields
	now := time.Now()
	for _, i := range r.set.Match(a, nil) {
		d := r.dests[i]
		if d.dedup != nil && !d.dedup.first(a) {
			d.m.deduplicated.Inc()
			continue
		}
		if len(d.cfg.CustomFields) > 0 {
			d.appendItem(a.Rule, encode(d.withCustomFields(a), now))
			continue
		}
		if shared == nil {
			shared = encode(a, now)
		}
		d.appendItem(a.Rule, shared)
	}
}

// Drain stops accepting alerts, waits up to timeout for the queues to empty,
// stops the delivery loops and closes everything. It returns the number of
// alerts still queued per destination (they stay on disk for the next run).
func (r *Router) Drain(timeout time.Duration) map[string]int64 {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	if r.stopFlush != nil {
		r.stopFlush()
	}
	r.flushers.Wait()
	for _, d := range r.dests { // the summaries of the windows still open
		if d.dedup != nil {
			for _, a := range d.dedup.expired(time.Now().Add(1000 * time.Hour)) {
				d.append(d.withCustomFields(a))
			}
		}
	}
	r.stopWriters()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && r.pending() > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
	left := map[string]int64{}
	for _, d := range r.dests {
		if n := d.q.Stats().Pending; n > 0 {
			left[d.cfg.Name] = n
		}
	}
	r.closeAll()
	return left
}

func (r *Router) pending() int64 {
	var n int64
	for _, d := range r.dests {
		n += d.q.Stats().Pending
	}
	return n
}

// stopWriters flushes what the writers hold into the queues.
func (r *Router) stopWriters() {
	for _, d := range r.dests {
		if d.in != nil {
			close(d.in)
			<-d.written
			d.in = nil
		}
	}
}

func (r *Router) closeAll() {
	r.stopWriters()
	for _, d := range r.dests {
		d.sink.Close()
		if d.q != nil {
			d.q.Close()
		}
	}
}

// encode serializes an alert for the queue: the enqueue time (for the
// latency metric) followed by Falco's JSON alert.
func encode(a *alert.Alert, now time.Time) []byte {
	js := sink.FalcoJSON(a)
	b := make([]byte, 8, 8+len(js))
	binary.LittleEndian.PutUint64(b, uint64(now.UnixNano()))
	return append(b, js...)
}

// decode reverses encode.
func decode(item []byte) (*alert.Alert, time.Time, error) {
	if len(item) < 8 {
		return nil, time.Time{}, fmt.Errorf("queue item too short (%d bytes)", len(item))
	}
	at := time.Unix(0, int64(binary.LittleEndian.Uint64(item)))
	a, err := alert.ParseFalcoJSON(item[8:])
	return a, at, err
}

// Open builds the sink of one destination (for tools that send directly,
// such as `peregrine outputs test`), with environment overrides applied.
func Open(c Destination, kinds []sink.Kind, environ []string) (sink.Sink, error) {
	byName := map[string]sink.Kind{}
	for _, k := range kinds {
		byName[k.Name] = k
	}
	if err := c.validate(byName); err != nil {
		return nil, err
	}
	c.withEnv(environ)
	s, err := byName[c.Type].New(sink.Config{Name: c.Name, Params: c.Params,
		Common: sink.Common{Timeout: time.Duration(c.Timeout), Headers: c.Headers, TLS: c.TLS}})
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", c.Name, err)
	}
	return s, nil
}
