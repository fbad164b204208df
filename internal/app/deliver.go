package app

import (
	"sync"
	"sync/atomic"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/engine"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/output"
	"github.com/peregrine-sec/peregrine/internal/output/route"
)

// deliver turns the matches of one source's rule set into alerts. Each
// goroutine that emits events gets its own matcher from newEmit.
type deliver struct {
	rs      *engine.RuleSet
	outs    *output.Manager
	stats   *output.Stats
	host    string
	labels  event.Labels
	metrics *metrics
	source  string
	respond *response
	router  *route.Router

	mu      sync.Mutex
	workers []*workerCount
}

// workerCount is one goroutine's count of evaluated events, on its own cache
// line so that counting costs no contention.
type workerCount struct {
	n atomic.Uint64
	_ [56]byte
}

// evaluated sums the goroutines' counts.
func (d *deliver) evaluated() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	var n uint64
	for _, w := range d.workers {
		n += w.n.Load()
	}
	return n
}

// newEmit returns an emit function for one goroutine.
func (d *deliver) newEmit() func(event.Event) {
	m := d.rs.NewMatcher()
	count := &workerCount{}
	d.mu.Lock()
	d.workers = append(d.workers, count)
	d.mu.Unlock()
	return func(ev event.Event) {
		count.n.Add(1)
		for _, rl := range m.Match(ev) {
			msg, fields := m.Render(ev, rl.Format.(*engine.Format))
			a := &alert.Alert{
				Time: ev.Time(), Rule: rl.Name, Priority: rl.Priority, Source: rl.Source,
				Tags: rl.Tags, Hostname: d.host, Message: msg, Fields: d.withLabels(ev, fields),
			}
			d.stats.Add(rl.Index, a)
			d.metrics.alert(a)
			d.outs.Emit(a)
			d.respond.handle(a)
			if d.router != nil {
				d.router.Route(a)
			}
		}
	}
}

// withLabels adds the event's enrichment labels (or the static ones) to the
// alert's output fields as meta.label[KEY], unless the output already has them.
func (d *deliver) withLabels(ev event.Event, fields []alert.Field) []alert.Field {
	has := func(key string) bool {
		for _, f := range fields {
			if f.Key == key {
				return true
			}
		}
		return false
	}
	add := func(k, v string) {
		if key := "meta.label[" + k + "]"; !has(key) {
			fields = append(fields, alert.Field{Key: key, Kind: alert.String, Text: v})
		}
	}
	if l, ok := ev.(event.Labeled); ok {
		l.EachLabel(func(k string, v []byte) { add(k, string(v)) })
		return fields
	}
	for _, l := range d.labels.All() {
		add(l.Key, l.Value)
	}
	return fields
}

// internal delivers an alert the source itself raised (lost events): to
// the outputs and destinations, not to the rule statistics or responder.
func (d *deliver) internal(a *alert.Alert) {
	if a.Hostname == "" {
		a.Hostname = d.host
	}
	d.metrics.alert(a)
	d.outs.Emit(a)
	if d.router != nil {
		d.router.Route(a)
	}
}
