//go:build linux && amd64

package ebpf

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/peregrine-sec/peregrine/internal/source/scap"
	"github.com/peregrine-sec/peregrine/internal/source/syscall"
	"golang.org/x/sys/unix"
)

// needKernel skips the test when the capture cannot run here (not root,
// no BTF, no ring buffer), naming the reason.
func needKernel(t testing.TB) {
	t.Helper()
	if err := Probe(); err != nil {
		t.Skipf("live capture unavailable: %v", err)
	}
}

// rec is one captured event, decoded.
type rec struct {
	raw  []byte
	ev   scap.Event
	info scap.Info
}

// param returns the raw value of a named parameter.
func (r *rec) param(t testing.TB, name string) []byte {
	t.Helper()
	for i, p := range r.info.Params {
		if p.Name == name {
			return r.ev.Params[i]
		}
	}
	t.Fatalf("%s%c has no parameter %q", r.info.Name, r.info.Dir, name)
	return nil
}

func (r *rec) int(t testing.TB, name string) int64 {
	t.Helper()
	b := r.param(t, name)
	switch len(b) {
	case 1:
		return int64(int8(b[0]))
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(b)))
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(b)))
	case 8:
		return int64(binary.LittleEndian.Uint64(b))
	}
	t.Fatalf("%s: parameter %s has %d bytes, not an integer", r.info.Name, name, len(b))
	return 0
}

func (r *rec) uint(t testing.TB, name string) uint64 {
	t.Helper()
	b := r.param(t, name)
	switch len(b) {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	case 8:
		return binary.LittleEndian.Uint64(b)
	}
	t.Fatalf("%s: parameter %s has %d bytes, not an integer", r.info.Name, name, len(b))
	return 0
}

func (r *rec) str(t testing.TB, name string) string {
	t.Helper()
	b := r.param(t, name)
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func (r *rec) format(t testing.TB, name string) string {
	t.Helper()
	for i, p := range r.info.Params {
		if p.Name == name {
			return scap.FormatParam(p.Type, r.ev.Params[i])
		}
	}
	t.Fatalf("%s has no parameter %q", r.info.Name, name)
	return ""
}

// String prints the event like sysdig does, for failure messages.
func (r *rec) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s%c", r.ev.TID, r.info.Name, r.info.Dir)
	for i, p := range r.info.Params {
		v := scap.FormatParam(p.Type, r.ev.Params[i])
		if len(v) > 120 {
			v = v[:120] + "..."
		}
		fmt.Fprintf(&b, " %s=%s", p.Name, v)
	}
	return b.String()
}

// session is a capture recorded while a test acts.
type session struct {
	recs []*rec
	st   Stats
}

// record opens a capture, runs act, waits until every event up to a final
// marker openat has been read, and returns the decoded events. Every event
// must decode with the layout of its event code in the table.
func record(t *testing.T, cfg Config, act func()) *session {
	t.Helper()
	needKernel(t)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer c.Close()
	marker := filepath.Join(t.TempDir(), fmt.Sprintf("marker-%d", time.Now().UnixNano()))
	var (
		mu   sync.Mutex
		raws [][]byte
		seen = make(chan struct{})
		once sync.Once
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, func(raw []byte) {
			mu.Lock()
			raws = append(raws, bytes.Clone(raw))
			mu.Unlock()
			if bytes.Contains(raw, []byte(marker)) {
				once.Do(func() { close(seen) })
			}
		})
	}()
	act()
	f, err := os.Create(marker)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	select {
	case <-seen:
	case <-time.After(10 * time.Second):
		t.Fatalf("the marker event never arrived")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	s := &session{st: c.Stats()}
	mu.Lock()
	defer mu.Unlock()
	for _, raw := range raws {
		r := &rec{raw: raw}
		if err := scap.DecodeEvent(raw, &r.ev); err != nil {
			t.Fatalf("event does not decode: %v", err)
		}
		info, ok := scap.EventInfo(r.ev.Type)
		if !ok {
			t.Fatalf("unknown event type %d", r.ev.Type)
		}
		r.info = info
		checkLayout(t, r)
		s.recs = append(s.recs, r)
	}
	return s
}

// fixedSize is the wire size of the fixed-size parameter types.
var fixedSize = map[scap.ParamType]int{
	scap.Int8: 1, scap.Int16: 2, scap.Int32: 4, scap.Int64: 8, scap.Uint8: 1, scap.Uint16: 2,
	scap.Uint32: 4, scap.Uint64: 8, scap.Errno: 8, scap.Fd: 8, scap.Pid: 8, scap.Flags8: 1,
	scap.Flags16: 2, scap.Flags32: 4, scap.UID: 4, scap.GID: 4, scap.Mode: 4, scap.SigType: 1,
	scap.EnumFlags8: 1, scap.EnumFlags16: 2, scap.EnumFlags32: 4, scap.AbsTime: 8, scap.RelTime: 8,
}

// checkLayout verifies the parameter count and the sizes of fixed-size
// parameters and the NUL termination of strings.
func checkLayout(t *testing.T, r *rec) {
	t.Helper()
	if len(r.ev.Params) != len(r.info.Params) {
		t.Fatalf("%s: %d parameters, the table has %d", r, len(r.ev.Params), len(r.info.Params))
	}
	for i, p := range r.info.Params {
		v := r.ev.Params[i]
		if n, ok := fixedSize[p.Type]; ok && len(v) != n {
			t.Fatalf("%s: parameter %s is %d bytes, want %d", r, p.Name, len(v), n)
		}
		switch p.Type {
		case scap.CharBuf, scap.FsPath, scap.FsRelPath:
			if len(v) > 0 && v[len(v)-1] != 0 {
				t.Fatalf("%s: string parameter %s is not NUL-terminated", r, p.Name)
			}
		}
	}
	if r.ev.TS < uint64(time.Now().Add(-time.Hour).UnixNano()) || r.ev.TS > uint64(time.Now().Add(time.Minute).UnixNano()) {
		t.Fatalf("%s: timestamp %d is not now", r, r.ev.TS)
	}
}

// find returns the events of a name and direction matching keep.
func (s *session) find(name string, dir byte, keep func(*rec) bool) []*rec {
	var out []*rec
	for _, r := range s.recs {
		if r.info.Name == name && r.info.Dir == dir && (keep == nil || keep(r)) {
			out = append(out, r)
		}
	}
	return out
}

// one returns the single event matching, failing otherwise.
func (s *session) one(t *testing.T, name string, dir byte, keep func(*rec) bool) *rec {
	t.Helper()
	got := s.find(name, dir, keep)
	if len(got) != 1 {
		for _, r := range s.find(name, dir, nil) {
			t.Logf("candidate: %s", r)
		}
		t.Fatalf("want one %s%c event, got %d", name, dir, len(got))
	}
	return got[0]
}

// replay feeds every event through the thread/fd state, calling hook with
// the evaluated event (before After applies closes).
func (s *session) replay(hook func(r *rec, e *syscall.Event)) *syscall.State {
	st := syscall.NewState(0)
	for _, r := range s.recs {
		th := st.Update(&r.ev)
		if hook != nil {
			hook(r, &syscall.Event{Raw: &r.ev, Info: r.info, Thread: th, State: st})
		}
		st.After(&r.ev, &r.info, th)
	}
	return st
}

// byTID keeps the events of one thread.
func byTID(tid int) func(*rec) bool {
	return func(r *rec) bool { return r.ev.TID == int64(tid) }
}

// beginMarker is the path a locked test thread opens (and fails to) first,
// so that events its thread ran for other goroutines before are ignored.
const beginMarker = "/nonexistent/peregrine-test-begin"

// lockedThread runs fn on a locked OS thread and returns its thread id.
func lockedThread(fn func()) int {
	ch := make(chan int)
	go func() {
		// the thread stays locked (and exits) in case fn changed it
		runtime.LockOSThread()
		p, _ := unix.BytePtrFromString(beginMarker)
		cwd := unix.AT_FDCWD
		unix.Syscall6(unix.SYS_OPENAT, uintptr(cwd), uintptr(unsafe.Pointer(p)), 0, 0, 0, 0)
		fn()
		ch <- unix.Gettid()
	}()
	return <-ch
}

// thread keeps the events of the locked test thread tid, from its begin
// marker on.
func (s *session) thread(tid int) func(*rec) bool {
	keep := map[*rec]bool{}
	on := false
	for _, r := range s.recs {
		if r.ev.TID != int64(tid) {
			continue
		}
		if !on && r.info.Name == "openat" && r.info.Dir == '<' && bytesContains(r.raw, beginMarker) {
			on = true
			continue
		}
		if on {
			keep[r] = true
		}
	}
	return func(r *rec) bool { return keep[r] }
}

func bytesContains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }
