package route

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
)

// dedup aggregates repeated alerts: same rule and key fields within a window.
type dedup struct {
	window time.Duration
	fields []string
	mu     sync.Mutex
	open   map[string]*window
}

type window struct {
	until   time.Time
	repeats int
	sample  *alert.Alert
}

func newDedup(w time.Duration, fields []string) *dedup {
	return &dedup{window: w, fields: fields, open: map[string]*window{}}
}

// first reports whether a opens a window (and is delivered); repeats are counted.
func (d *dedup) first(a *alert.Alert) bool {
	key := a.Rule
	for _, f := range d.fields {
		for _, x := range a.Fields {
			if x.Key == f {
				key += "\x00" + x.Text
			}
		}
	}
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if w, ok := d.open[key]; ok && now.Before(w.until) {
		w.repeats++
		w.sample = a
		return false
	}
	d.open[key] = &window{until: now.Add(d.window)}
	return true
}

// expired closes the windows that ended before now and returns one summary
// alert per window that had repeats.
func (d *dedup) expired(now time.Time) []*alert.Alert {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*alert.Alert
	for k, w := range d.open {
		if now.Before(w.until) {
			continue
		}
		delete(d.open, k)
		if w.repeats == 0 {
			continue
		}
		s := *w.sample
		s.Message = fmt.Sprintf("%s (repeated %d more times within %s)", strings.TrimSpace(s.Message), w.repeats, d.window)
		s.Fields = append(append([]alert.Field(nil), s.Fields...),
			alert.Field{Key: "peregrine.repeats", Kind: alert.Number, Text: strconv.Itoa(w.repeats)})
		out = append(out, &s)
	}
	return out
}
