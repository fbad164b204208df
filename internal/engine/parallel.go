package engine

import (
	"context"
	"runtime"
	"sync"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/rules"
)

// Decoder turns one raw record (an audit log line, a webhook body) into events.
// Each worker goroutine owns one decoder, so implementations may reuse buffers;
// an emitted event is only valid during the emit call.
type Decoder interface {
	Decode(record []byte, emit func(event.Event)) error
}

// Match is one rule match, rendered while its event was still valid.
type Match struct {
	Rule    *rules.Rule
	Time    int64
	Message string
	Fields  []alert.Field
}

// Batch is a group of raw records evaluated by one worker.
type Batch struct {
	Records [][]byte
	// Done, when set, is called once the batch has been decoded, so the
	// producer can recycle the record buffers.
	Done func()
}

// Stats counts what a parallel run processed.
type Stats struct {
	Records   uint64 // raw records read
	Events    uint64 // events decoded
	BadRecord uint64 // records the decoder rejected
}

// RunParallel evaluates batches of independent records on several goroutines,
// each with its own decoder and matcher, and delivers the matches of each
// batch in input order. workers <= 0 means one per CPU. It returns when the
// input channel is closed and every batch is delivered, or ctx ends.
func (rs *RuleSet) RunParallel(ctx context.Context, workers int, in <-chan Batch,
	newDecoder func() Decoder, deliver func([]Match), onError func(error)) Stats {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type result struct {
		seq     uint64
		matches []Match
		stats   Stats
	}
	type job struct {
		seq   uint64
		batch Batch
	}
	jobs := make(chan job, workers*2)
	results := make(chan result, workers*2)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := rs.NewMatcher()
			dec := newDecoder()
			for j := range jobs {
				res := result{seq: j.seq}
				emit := func(ev event.Event) {
					res.stats.Events++
					for _, r := range m.Match(ev) {
						msg, fields := m.Render(ev, r.Format.(*Format))
						res.matches = append(res.matches, Match{Rule: r, Time: ev.Time(), Message: msg, Fields: fields})
					}
				}
				for _, rec := range j.batch.Records {
					res.stats.Records++
					if err := dec.Decode(rec, emit); err != nil {
						res.stats.BadRecord++
						if onError != nil {
							onError(err)
						}
					}
				}
				if j.batch.Done != nil {
					j.batch.Done()
				}
				results <- res
			}
		}()
	}
	go func() {
		defer close(jobs)
		var seq uint64
		for {
			select {
			case <-ctx.Done():
				return
			case b, ok := <-in:
				if !ok {
					return
				}
				select {
				case jobs <- job{seq: seq, batch: b}:
					seq++
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	// Deliver in order: hold results that arrive early.
	var total Stats
	pending := map[uint64]result{}
	var next uint64
	for res := range results {
		pending[res.seq] = res
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			total.Records += r.stats.Records
			total.Events += r.stats.Events
			total.BadRecord += r.stats.BadRecord
			if len(r.matches) > 0 {
				deliver(r.matches)
			}
		}
	}
	return total
}
