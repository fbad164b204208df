package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fastjson"
)

// AlertStats are the counts and latencies of the alerts read so far.
type AlertStats struct {
	Alerts  atomic.Uint64 // alert lines with a valid time field
	Ignored atomic.Uint64 // other lines (logs, malformed JSON)
	Latency Recorder      // receive time minus the alert's time (the event's stageTimestamp)

	mu     sync.Mutex
	byRule map[string]uint64
}

// ByRule returns a copy of the alert counts per rule.
func (a *AlertStats) ByRule() map[string]uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := make(map[string]uint64, len(a.byRule))
	for k, v := range a.byRule {
		m[k] = v
	}
	return m
}

// observe accounts one line received at t.
func (a *AlertStats) observe(p *fastjson.Parser, line []byte, t time.Time) {
	v, err := p.ParseBytes(line)
	if err != nil {
		a.Ignored.Add(1)
		return
	}
	at, err := time.Parse(time.RFC3339Nano, string(v.GetStringBytes("time")))
	if err != nil {
		a.Ignored.Add(1)
		return
	}
	a.Alerts.Add(1)
	a.Latency.Record(t.Sub(at))
	a.mu.Lock()
	if a.byRule == nil {
		a.byRule = map[string]uint64{}
	}
	a.byRule[string(v.GetStringBytes("rule"))]++
	a.mu.Unlock()
}

// pollInterval is how often a regular file is checked for new lines.
const pollInterval = 5 * time.Millisecond

// FollowAlerts reads peregrine's JSON alerts, one per line, from path until
// ctx ends. A named pipe is read as lines arrive (opening it waits for a
// writer). A regular file is followed like tail -f from its current end, so
// alerts of earlier runs are skipped, and from its start again if it is
// truncated. Errors opening or reading the file are returned.
func FollowAlerts(ctx context.Context, path string, st *AlertStats) error {
	opened := make(chan *os.File, 1)
	errc := make(chan error, 1)
	go func() { // opening a FIFO blocks until peregrine opens it for writing
		f, err := os.Open(path)
		if err != nil {
			errc <- err
			return
		}
		opened <- f
	}()
	var f *os.File
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		return err
	case f = <-opened:
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	regular := info.Mode().IsRegular()
	if regular {
		if _, err := f.Seek(0, io.SeekEnd); err != nil {
			return err
		}
	} else {
		// Reads on a pipe block; closing the file on cancel unblocks them.
		stop := context.AfterFunc(ctx, func() { f.Close() })
		defer stop()
	}

	var p fastjson.Parser
	buf := make([]byte, 0, 64<<10)
	chunk := make([]byte, 64<<10)
	for ctx.Err() == nil {
		n, err := f.Read(chunk)
		now := time.Now()
		buf = append(buf, chunk[:n]...)
		rest := buf
		for {
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				break
			}
			if line := bytes.TrimSpace(rest[:i]); len(line) > 0 {
				st.observe(&p, line, now)
			}
			rest = rest[i+1:]
		}
		buf = buf[:copy(buf, rest)] // keep a partial last line
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			if n > 0 {
				continue
			}
			if regular {
				truncated(f)
			}
			select { // at the end of a file, or of a pipe with no writer
			case <-ctx.Done():
			case <-time.After(pollInterval):
			}
		default:
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
	return nil
}

// truncated rewinds f when the file became shorter than the read offset.
func truncated(f *os.File) {
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return
	}
	if info, err := f.Stat(); err == nil && info.Size() < off {
		f.Seek(0, io.SeekStart)
	}
}
