package source

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/source/ebpf"
	"github.com/peregrine-sec/peregrine/internal/source/syscall"
)

// dropWatch checks the capture's counters every interval and, when the
// events lost in it exceed the threshold, takes the configured actions as
// Falco does: log, alert (Falco's internal alert with the counts) or exit,
// at most as often as the token bucket (rate, max_burst) allows.
type dropWatch struct {
	capture *ebpf.Capture
	log     *slog.Logger
	report  func(*alert.Alert)
	opts    SyscallOptions
	every   time.Duration

	tokens float64
}

// run watches until ctx ends; it returns an error when the exit action
// fires.
func (w *dropWatch) run(ctx context.Context) error {
	t := time.NewTicker(w.every)
	defer t.Stop()
	w.tokens = float64(max(w.opts.DropMaxBurst, 1))
	last := w.capture.Stats()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		now := w.capture.Stats()
		if err := w.check(last, now); err != nil {
			return err
		}
		last = now
	}
}

// check compares two readings of the counters.
func (w *dropWatch) check(last, now ebpf.Stats) error {
	w.tokens = min(w.tokens+w.opts.DropRate*w.every.Seconds(), float64(max(w.opts.DropMaxBurst, 1)))
	drops := now.Drops - last.Drops + now.TooBig - last.TooBig
	events := now.Events - last.Events
	if w.opts.SimulateDrops {
		drops++
	}
	if drops == 0 {
		return nil
	}
	if share := 100 * float64(drops) / float64(events+drops); share <= w.opts.DropThreshold && !w.opts.SimulateDrops {
		return nil
	}
	if w.tokens < 1 {
		return nil
	}
	w.tokens--
	msg := DropRule + ". " + strconv.FormatUint(drops, 10) + " system calls dropped in last second."
	for _, action := range w.opts.DropActions {
		switch action {
		case "log":
			w.log.Error(msg, "n_evts", events, "n_drops", drops)
		case "alert":
			if w.report != nil {
				w.report(dropAlert(msg, drops, events, last, now))
			}
		case "exit":
			return fmt.Errorf("%s (syscall_event_drops.actions has exit)", msg)
		}
	}
	return nil
}

// dropAlert is Falco's internal alert for lost events, with the counts by
// kind of event.
func dropAlert(msg string, drops, events uint64, last, now ebpf.Stats) *alert.Alert {
	num := func(k string, v uint64) alert.Field {
		return alert.Field{Key: k, Kind: alert.Number, Text: strconv.FormatUint(v, 10)}
	}
	fields := []alert.Field{
		num("ebpf_enabled", 1), num("n_drops", drops), num("n_drops_buffer_total", now.Drops-last.Drops),
		num("n_drops_too_big", now.TooBig-last.TooBig), num("n_evts", events), num("n_errors", now.Errors-last.Errors),
	}
	for c := range now.DropsBy {
		fields = append(fields, num("n_drops_buffer_"+ebpf.Category(c).String(), now.DropsBy[c]-last.DropsBy[c]))
	}
	return &alert.Alert{Time: time.Now().UnixNano(), Rule: DropRule, Priority: alert.Debug,
		Source: syscall.SourceName, Message: msg, Fields: fields}
}
