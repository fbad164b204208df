//go:build linux && amd64

package ebpf

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/peregrine-sec/peregrine/internal/source/scap"
	"golang.org/x/sys/unix"
)

// TestDropsAreCounted fills a one-page ring buffer with nobody reading,
// then checks that drops are counted, that Run delivers what fit and
// returns when its context ends, and that Close does not hang.
func TestDropsAreCounted(t *testing.T) {
	needKernel(t)
	c, err := Open(Config{RingBufferBytes: os.Getpagesize(), Syscalls: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	name := filepath.Join(t.TempDir(), "burst")
	for i := 0; i < 2000; i++ {
		fd, err := unix.Open(name, unix.O_RDONLY|unix.O_CREAT, 0600)
		if err == nil {
			unix.Close(fd)
		}
	}
	st := c.Stats()
	if st.Drops == 0 || st.DropsBy[File] == 0 {
		t.Fatalf("no drops counted after a burst into a one-page buffer: %+v", st.Counters)
	}
	if len(st.PerCPU) == 0 {
		t.Fatal("no per-CPU counters")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var n atomic.Int64
	if err := c.Run(ctx, func(raw []byte) {
		var ev scap.Event
		if err := scap.DecodeEvent(raw, &ev); err != nil {
			t.Errorf("decode: %v", err)
		}
		n.Add(1)
	}); err != nil {
		t.Fatal(err)
	}
	if n.Load() == 0 {
		t.Fatal("Run delivered nothing")
	}
	t.Logf("delivered %d, stats %+v", n.Load(), c.Stats().Counters)

	// Close while Run is active: Run returns.
	done := make(chan error)
	go func() { done <- c.Run(context.Background(), func([]byte) {}) }()
	time.Sleep(50 * time.Millisecond)
	c.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after Close")
	}
}

// TestSelection checks that an unselected syscall costs no event, and that
// SetSyscalls selects it without reopening.
func TestSelection(t *testing.T) {
	dir := t.TempDir()
	needKernel(t)
	c, err := Open(Config{Syscalls: []string{"execve"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	count := func(act func()) (mkdirs int) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		marker := filepath.Join(dir, "marker")
		go func() {
			c.Run(ctx, func(raw []byte) {
				var ev scap.Event
				scap.DecodeEvent(raw, &ev)
				if info, _ := scap.EventInfo(ev.Type); info.Name == "mkdir" {
					mkdirs++
				}
				if containsStr(raw, marker) {
					cancel()
				}
			})
			close(done)
		}()
		act()
		f, _ := os.Create(marker)
		f.Close()
		os.Remove(marker)
		<-done
		return mkdirs
	}
	mk := func() { sys(unix.SYS_MKDIR, filepath.Join(dir, "d"), 0700); os.Remove(filepath.Join(dir, "d")) }
	if n := count(mk); n != 0 {
		t.Fatalf("mkdir captured %d times while not selected", n)
	}
	if err := c.SetSyscalls([]string{"mkdir", "no-such-call"}); err != nil {
		t.Fatal(err)
	}
	if n := count(mk); n != 1 {
		t.Fatalf("mkdir captured %d times once selected, want 1", n)
	}
	if got := BaseEventTypes(); len(got) == 0 || got[0] != "accept" {
		t.Errorf("BaseEventTypes = %v", got)
	}
}

func containsStr(b []byte, s string) bool {
	return len(s) > 0 && len(b) >= len(s) && indexOf(b, s) >= 0
}

func indexOf(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}

// fakeRing builds a ring over ordinary memory holding n copies of one
// event, for benchmarks of the user-space path.
func fakeRing(event []byte, n int) (*ring, func()) {
	rec := (ringHeaderLen + len(event) + 7) &^ 7
	size := 1
	for size < rec*n {
		size <<= 1
	}
	page := os.Getpagesize()
	cons := make([]byte, page)
	prod := make([]byte, page+2*size)
	r := &ring{cons: cons, prod: prod, data: prod[page:], mask: uint64(size - 1)}
	for i := 0; i < n; i++ {
		off := i * rec
		binary.LittleEndian.PutUint32(r.data[off:], uint32(len(event)))
		copy(r.data[off+ringHeaderLen:], event)
	}
	total := uint64(rec * n)
	reset := func() {
		*(*uint64)(unsafe.Pointer(&cons[0])) = 0
		*(*uint64)(unsafe.Pointer(&prod[0])) = total
	}
	reset()
	return r, reset
}

// BenchmarkConsumeDecode measures the user-space path per event: reading a
// sample from the ring and decoding it with scap.DecodeEvent (an openat
// exit with a 30-byte path).
func BenchmarkConsumeDecode(b *testing.B) {
	ev := []byte{}
	params := [][]byte{
		binary.LittleEndian.AppendUint64(nil, 3), binary.LittleEndian.AppendUint64(nil, ^uint64(99)),
		append([]byte("/etc/ssl/certs/ca-certificates"), 0), binary.LittleEndian.AppendUint32(nil, 1),
		binary.LittleEndian.AppendUint32(nil, 0), binary.LittleEndian.AppendUint32(nil, 0xfe00),
		binary.LittleEndian.AppendUint64(nil, 1234),
	}
	size := 26 + 2*len(params)
	for _, p := range params {
		size += len(p)
	}
	ev = binary.LittleEndian.AppendUint64(ev, uint64(time.Now().UnixNano()))
	ev = binary.LittleEndian.AppendUint64(ev, 42)
	ev = binary.LittleEndian.AppendUint32(ev, uint32(size))
	ev = binary.LittleEndian.AppendUint16(ev, 307)
	ev = binary.LittleEndian.AppendUint32(ev, uint32(len(params)))
	for _, p := range params {
		ev = binary.LittleEndian.AppendUint16(ev, uint16(len(p)))
	}
	for _, p := range params {
		ev = append(ev, p...)
	}
	const batch = 4096
	r, reset := fakeRing(ev, batch)
	var sev scap.Event
	var bytes int
	emit := func(raw []byte) {
		if err := scap.DecodeEvent(raw, &sev); err != nil {
			b.Fatal(err)
		}
		bytes += len(raw)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		reset()
		r.consume(emit)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(max(b.N, batch)), "ns/event")
}
