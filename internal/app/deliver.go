package app

import (
	"sync"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/engine"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/output"
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

	mu      sync.Mutex
	flushes []func()
}

// evalBatch is how many evaluated events a goroutine counts locally before
// adding them to the shared metric.
const evalBatch = 256

// newEmit returns an emit function for one goroutine.
func (d *deliver) newEmit() func(event.Event) {
	m := d.rs.NewMatcher()
	evaluated := d.metrics.evaluated(d.source)
	n := 0
	d.mu.Lock()
	d.flushes = append(d.flushes, func() { evaluated(n); n = 0 })
	d.mu.Unlock()
	return func(ev event.Event) {
		if n++; n == evalBatch {
			evaluated(n)
			n = 0
		}
		for _, rl := range m.Match(ev) {
			msg, fields := m.Render(ev, rl.Format.(*engine.Format))
			a := &alert.Alert{
				Time: ev.Time(), Rule: rl.Name, Priority: rl.Priority, Source: rl.Source,
				Tags: rl.Tags, Hostname: d.host, Message: msg, Fields: d.withLabels(ev, fields),
			}
			d.stats.Add(rl.Index, a)
			d.metrics.alert(a)
			d.outs.Emit(a)
		}
	}
}

// flush adds the locally counted evaluations of every goroutine. Call it
// after the goroutines have stopped.
func (d *deliver) flush() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, f := range d.flushes {
		f()
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
