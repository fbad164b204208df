package queue

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

func TestErrors(t *testing.T) {
	if _, err := Open(Options{}); err == nil {
		t.Fatal("Open without Dir succeeded")
	}
	if _, err := Open(Options{Dir: t.TempDir(), Full: 7}); err == nil {
		t.Fatal("Open with bad policy succeeded")
	}
	q := mustOpen(t, Options{Dir: t.TempDir(), MaxBytes: 1024})
	if err := q.Append(make([]byte, 1020)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Append of oversized item: %v", err)
	}
	appendN(t, q, 1, 1, 100)
	if err := q.Ack(2); err == nil {
		t.Fatal("Ack beyond the last seq succeeded")
	}
	// Empty items are allowed.
	if err := q.Append(nil); err != nil {
		t.Fatal(err)
	}
	items, err := q.Read(context.Background(), 0, 0)
	if err != nil || len(items) != 2 || len(items[1].Data) != 0 {
		t.Fatalf("Read: %v, %v", items, err)
	}
	readDone := make(chan error, 1)
	go func() {
		_, err := q.Read(context.Background(), 1, 0)
		readDone <- err
	}()
	time.Sleep(10 * time.Millisecond)
	mustClose(t, q)
	if err := <-readDone; !errors.Is(err, ErrClosed) {
		t.Fatalf("blocked Read after Close: %v", err)
	}
	if err := q.Append([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	if err := q.Ack(1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Ack after Close: %v", err)
	}
	if err := q.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestConcurrentWriterReader(t *testing.T) {
	const n = 20000
	q := mustOpen(t, Options{Dir: t.TempDir(), SegmentSize: 64 << 10, MaxBytes: 1 << 20, Full: Block})
	defer mustClose(t, q)
	werr := make(chan error, 1)
	go func() {
		for i := uint64(1); i <= n; i++ {
			if err := q.Append(payload(i, 200+int(i%300))); err != nil {
				werr <- err
				return
			}
			if i%1000 == 0 {
				_ = q.Stats()
			}
		}
		werr <- nil
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var want uint64 = 1
	for batch := 0; want <= n; batch++ {
		items, err := q.Read(ctx, 100, 16<<10)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		for k, it := range items {
			if it.Seq != want+uint64(k) || !bytes.Equal(it.Data, payload(it.Seq, 200+int(it.Seq%300))) {
				t.Fatalf("got seq %d, want %d", it.Seq, want+uint64(k))
			}
		}
		if batch%7 == 3 { // simulate a failed send
			q.Nack()
			continue
		}
		want = items[len(items)-1].Seq + 1
		if err := q.Ack(want - 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-werr; err != nil {
		t.Fatalf("writer: %v", err)
	}
	if st := q.Stats(); st.Pending != 0 || st.Acked != n || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
}
