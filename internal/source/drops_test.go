package source

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/source/ebpf"
)

func TestDropWatchActions(t *testing.T) {
	var logs bytes.Buffer
	var alerts []*alert.Alert
	w := &dropWatch{log: slog.New(slog.NewTextHandler(&logs, nil)), report: func(a *alert.Alert) { alerts = append(alerts, a) },
		opts:  SyscallOptions{DropActions: []string{"log", "alert"}, DropThreshold: 0.1, DropRate: 1.0 / 30, DropMaxBurst: 2},
		every: time.Second}
	w.tokens = 2
	stats := func(events, drops uint64) ebpf.Stats {
		var s ebpf.Stats
		s.Events, s.Drops = events, drops
		s.DropsBy[ebpf.File] = drops
		return s
	}
	// Below the threshold (0.05% lost): nothing.
	if err := w.check(stats(0, 0), stats(20000, 10)); err != nil || len(alerts) != 0 || logs.Len() != 0 {
		t.Fatalf("below the threshold: err %v, %d alerts, log %q", err, len(alerts), logs.String())
	}
	// Above it: logged and alerted with the counts, twice (the burst), then throttled.
	for i := 0; i < 4; i++ {
		if err := w.check(stats(0, 0), stats(1000, 500)); err != nil {
			t.Fatal(err)
		}
	}
	if len(alerts) != 2 {
		t.Fatalf("%d alerts, want 2 (max_burst)", len(alerts))
	}
	a := alerts[0]
	if a.Rule != DropRule || a.Priority != alert.Debug || !strings.Contains(a.Message, "500 system calls dropped in last second") {
		t.Errorf("alert %+v", a)
	}
	fields := map[string]string{}
	for _, f := range a.Fields {
		fields[f.Key] = f.Text
	}
	if fields["n_drops"] != "500" || fields["n_evts"] != "1000" || fields["n_drops_buffer_file"] != "500" {
		t.Errorf("fields %v", fields)
	}
	if strings.Count(logs.String(), DropRule) != 2 {
		t.Errorf("log: %q", logs.String())
	}
	// exit stops the capture with an error.
	w.opts.DropActions, w.tokens = []string{"exit"}, 1
	if err := w.check(stats(0, 0), stats(10, 10)); err == nil || !strings.Contains(err.Error(), "exit") {
		t.Errorf("exit action: %v", err)
	}
}
