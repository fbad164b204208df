package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// payload returns a deterministic item of the given size for number i.
func payload(i uint64, size int) []byte {
	b := bytes.Repeat([]byte{byte(i)}, size)
	copy(b, fmt.Sprintf("item-%010d|", i))
	return b
}

func mustOpen(t testing.TB, o Options) *Queue {
	t.Helper()
	q, err := Open(o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return q
}

func mustClose(t testing.TB, q *Queue) {
	t.Helper()
	if err := q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func appendN(t testing.TB, q *Queue, from, to uint64, size int) {
	t.Helper()
	for i := from; i <= to; i++ {
		if err := q.Append(payload(i, size)); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
}

// readN reads exactly n items (in batches of at most batch) and checks that
// they are consecutive from seq first with the matching payload.
func readN(t testing.TB, q *Queue, first uint64, n, batch, size int) []Item {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var all []Item
	for len(all) < n {
		items, err := q.Read(ctx, min(batch, n-len(all)), 0)
		if err != nil {
			t.Fatalf("Read after %d items: %v", len(all), err)
		}
		all = append(all, items...)
	}
	for k, it := range all {
		want := first + uint64(k)
		if it.Seq != want {
			t.Fatalf("item %d: seq %d, want %d", k, it.Seq, want)
		}
		if !bytes.Equal(it.Data, payload(want, size)) {
			t.Fatalf("item %d (seq %d): wrong payload %.20q", k, it.Seq, it.Data)
		}
	}
	return all
}

// expectEmpty checks that Read finds nothing to hand out.
func expectEmpty(t testing.TB, q *Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	items, err := q.Read(ctx, 10, 0)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read on empty queue: %d items, err %v", len(items), err)
	}
}

func countSegs(t testing.TB, dir string) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

func TestOrderAndAck(t *testing.T) {
	dir := t.TempDir()
	q := mustOpen(t, Options{Dir: dir, SegmentSize: 256 << 10})
	const n = 10000
	appendN(t, q, 1, n, 200)
	if st := q.Stats(); st.Pending != n || st.PendingBytes != n*200 || st.Appended != n {
		t.Fatalf("stats after append: %+v", st)
	}
	ctx := context.Background()
	var seq uint64
	for seq < n {
		items, err := q.Read(ctx, 333, 32<<10)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 0 || len(items) > 333 {
			t.Fatalf("batch of %d items", len(items))
		}
		for _, it := range items {
			seq++
			if it.Seq != seq || !bytes.Equal(it.Data, payload(seq, 200)) {
				t.Fatalf("got seq %d, want %d", it.Seq, seq)
			}
		}
		if err := q.Ack(items[len(items)-1].Seq); err != nil {
			t.Fatal(err)
		}
	}
	if st := q.Stats(); st.Pending != 0 || st.Acked != n || st.PendingBytes != 0 {
		t.Fatalf("stats after ack: %+v", st)
	}
	mustClose(t, q)

	q = mustOpen(t, Options{Dir: dir, SegmentSize: 256 << 10})
	defer mustClose(t, q)
	if st := q.Stats(); st.Pending != 0 || st.Recovered != 0 || st.Segments != 1 {
		t.Fatalf("stats after reopen: %+v", st)
	}
	expectEmpty(t, q)
	// Sequence numbers keep increasing across restarts.
	appendN(t, q, n+1, n+1, 200)
	readN(t, q, n+1, 1, 1, 200)
}

func TestRedeliveryAfterReopen(t *testing.T) {
	dir := t.TempDir()
	q := mustOpen(t, Options{Dir: dir})
	appendN(t, q, 1, 100, 300)
	readN(t, q, 1, 50, 7, 300) // handed out, never acknowledged
	mustClose(t, q)

	q = mustOpen(t, Options{Dir: dir})
	if st := q.Stats(); st.Recovered != 100 || st.Pending != 100 {
		t.Fatalf("stats after reopen: %+v", st)
	}
	readN(t, q, 1, 100, 64, 300)
	if err := q.Ack(30); err != nil {
		t.Fatal(err)
	}
	mustClose(t, q)

	q = mustOpen(t, Options{Dir: dir})
	defer mustClose(t, q)
	if st := q.Stats(); st.Recovered != 70 {
		t.Fatalf("stats after partial ack: %+v", st)
	}
	readN(t, q, 31, 70, 100, 300)
	expectEmpty(t, q)
}

func TestNack(t *testing.T) {
	q := mustOpen(t, Options{Dir: t.TempDir()})
	defer mustClose(t, q)
	appendN(t, q, 1, 20, 250)
	readN(t, q, 1, 10, 10, 250)
	q.Nack()
	readN(t, q, 1, 10, 4, 250)
	if err := q.Ack(5); err != nil {
		t.Fatal(err)
	}
	readN(t, q, 11, 5, 5, 250)
	q.Nack()
	readN(t, q, 6, 15, 15, 250)
	expectEmpty(t, q)
}

type dropLog struct {
	mu    sync.Mutex
	n     int
	bytes int64
	why   string
}

func (d *dropLog) onDrop(n int, b int64, why string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.n += n
	d.bytes += b
	d.why = why
}

func TestDropOldest(t *testing.T) {
	var dl dropLog
	dir := t.TempDir()
	const size = 1000
	q := mustOpen(t, Options{Dir: dir, MaxBytes: 10 * (size + hdrSize), SegmentSize: 3000, OnDrop: dl.onDrop})
	defer mustClose(t, q)
	appendN(t, q, 1, 10, size)
	readN(t, q, 1, 3, 3, size) // handed out, then dropped below
	appendN(t, q, 11, 25, size)
	st := q.Stats()
	if st.Pending != 10 || st.Dropped != 15 || dl.n != 15 || dl.bytes != 15*size {
		t.Fatalf("stats %+v, OnDrop n=%d bytes=%d", st, dl.n, dl.bytes)
	}
	if dl.why == "" {
		t.Fatal("empty drop reason")
	}
	if err := q.Ack(3); err != nil { // those were dropped: harmless
		t.Fatalf("Ack of dropped items: %v", err)
	}
	if st := q.Stats(); st.Acked != 0 || st.Pending != 10 {
		t.Fatalf("stats after late ack: %+v", st)
	}
	readN(t, q, 16, 10, 4, size)
	// Fully dropped segments are deleted.
	if got, want := countSegs(t, dir), q.Stats().Segments; got != want || got > 5 {
		t.Fatalf("%d segment files, Stats().Segments %d", got, want)
	}
}

func TestDropNewest(t *testing.T) {
	var dl dropLog
	q := mustOpen(t, Options{Dir: t.TempDir(), MaxBytes: 5 * (500 + hdrSize), Full: DropNewest, OnDrop: dl.onDrop})
	defer mustClose(t, q)
	appendN(t, q, 1, 5, 500)
	for i := 0; i < 3; i++ {
		if err := q.Append(payload(99, 500)); !errors.Is(err, ErrFull) {
			t.Fatalf("Append on full queue: %v", err)
		}
	}
	if st := q.Stats(); st.Dropped != 3 || st.Pending != 5 || dl.n != 3 || dl.bytes != 1500 {
		t.Fatalf("stats %+v, OnDrop %d/%d", st, dl.n, dl.bytes)
	}
	readN(t, q, 1, 5, 5, 500)
	if err := q.Ack(2); err != nil {
		t.Fatal(err)
	}
	appendN(t, q, 6, 7, 500)
	readN(t, q, 6, 2, 5, 500)
}

func TestBlock(t *testing.T) {
	q := mustOpen(t, Options{Dir: t.TempDir(), MaxBytes: 4 * (400 + hdrSize), Full: Block})
	appendN(t, q, 1, 4, 400)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := q.AppendCtx(ctx, payload(5, 400)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("AppendCtx on full queue: %v", err)
	}

	done := make(chan error, 1)
	go func() { done <- q.Append(payload(5, 400)) }()
	select {
	case err := <-done:
		t.Fatalf("Append returned on a full queue: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	readN(t, q, 1, 2, 2, 400)
	if err := q.Ack(1); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Append still blocked after Ack freed space")
	}
	if st := q.Stats(); st.Dropped != 0 || st.Pending != 4 {
		t.Fatalf("stats %+v", st)
	}
	// Close releases a blocked Append.
	go func() { done <- q.Append(payload(6, 400)) }()
	time.Sleep(20 * time.Millisecond)
	mustClose(t, q)
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("blocked Append after Close: %v", err)
	}
}

func TestTornWrite(t *testing.T) {
	cases := map[string][]byte{
		"partial header":  {0x10, 0x00, 0x00},
		"partial payload": append([]byte{100, 0, 0, 0, 1, 2, 3, 4}, make([]byte, 10)...),
		"bad crc":         append([]byte{4, 0, 0, 0, 1, 2, 3, 4}, "abcd"...),
	}
	for name, tail := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			q := mustOpen(t, Options{Dir: dir, SegmentSize: 2000})
			appendN(t, q, 1, 10, 300)
			mustClose(t, q)

			segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
			last := segs[len(segs)-1]
			fi, err := os.Stat(last)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(tail); err != nil {
				t.Fatal(err)
			}
			f.Close()

			q = mustOpen(t, Options{Dir: dir, SegmentSize: 2000})
			defer mustClose(t, q)
			if st := q.Stats(); st.Torn != 1 || st.Pending != 10 || st.Corrupt != 0 {
				t.Fatalf("stats after torn write: %+v", st)
			}
			if fi2, _ := os.Stat(last); fi2.Size() != fi.Size() {
				t.Fatalf("torn segment not truncated: %d, want %d", fi2.Size(), fi.Size())
			}
			appendN(t, q, 11, 15, 300)
			readN(t, q, 1, 15, 6, 300)
		})
	}
}

func TestCorruptOlderSegment(t *testing.T) {
	dir := t.TempDir()
	const size = 500
	q := mustOpen(t, Options{Dir: dir, SegmentSize: 4 * (size + hdrSize)}) // 4 records per segment
	appendN(t, q, 1, 12, size)
	mustClose(t, q)
	// Damage record 2 (seq 3) of the first segment.
	first := segPath(dir, 1)
	f, err := os.OpenFile(first, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("XX"), 2*(size+hdrSize)+hdrSize+20); err != nil {
		t.Fatal(err)
	}
	f.Close()

	q = mustOpen(t, Options{Dir: dir, SegmentSize: 4 * (size + hdrSize)})
	defer mustClose(t, q)
	if st := q.Stats(); st.Corrupt != 1 || st.Torn != 0 || st.Pending != 10 {
		t.Fatalf("stats: %+v", st)
	}
	readN(t, q, 1, 2, 10, size)
	readN(t, q, 5, 8, 10, size) // seqs 3 and 4 are lost
	if err := q.Ack(12); err != nil {
		t.Fatal(err)
	}
	if st := q.Stats(); st.Pending != 0 || st.Acked != 10 {
		t.Fatalf("stats after ack: %+v", st)
	}
}

func TestSegmentRollingAndDeletion(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, SegmentSize: 4096}
	q := mustOpen(t, o)
	const size = 1000 // 1008-byte records: a segment rolls after 5 records
	appendN(t, q, 1, 100, size)
	if got, st := countSegs(t, dir), q.Stats(); got != 20 || st.Segments != 20 {
		t.Fatalf("%d segment files, stats %+v; want 20", got, st)
	}
	readN(t, q, 1, 52, 8, size)
	if err := q.Ack(52); err != nil {
		t.Fatal(err)
	}
	if got := countSegs(t, dir); got != 10 {
		t.Fatalf("%d segment files after acking 52 items, want 10", got)
	}
	readN(t, q, 53, 48, 100, size)
	if err := q.Ack(100); err != nil {
		t.Fatal(err)
	}
	if got := countSegs(t, dir); got != 1 {
		t.Fatalf("%d segment files after acking everything, want 1", got)
	}
	mustClose(t, q)
	q = mustOpen(t, o)
	defer mustClose(t, q)
	if st := q.Stats(); st.Pending != 0 || st.Segments != 1 {
		t.Fatalf("stats after reopen: %+v", st)
	}
	appendN(t, q, 101, 110, size)
	readN(t, q, 101, 10, 3, size)
	if got := countSegs(t, dir); got != 2 {
		t.Fatalf("%d segment files, want 2", got)
	}
}

func TestSyncModes(t *testing.T) {
	for _, m := range []SyncMode{SyncBatch, SyncAlways, SyncNone} {
		t.Run(m.String(), func(t *testing.T) {
			dir := t.TempDir()
			o := Options{Dir: dir, Sync: m, SegmentSize: 2048}
			q := mustOpen(t, o)
			appendN(t, q, 1, 30, 256)
			readN(t, q, 1, 30, 7, 256)
			if err := q.Ack(10); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * flushInterval) // let the flusher run
			mustClose(t, q)
			q = mustOpen(t, o)
			defer mustClose(t, q)
			readN(t, q, 11, 20, 50, 256)
		})
	}
}
