package queue

import (
	"context"
	"fmt"
	"testing"
)

// TestAppendBatch: a batch is one write, read back in order, across
// segment rolls and a reopen.
func TestAppendBatch(t *testing.T) {
	dir := t.TempDir()
	q, err := Open(Options{Dir: dir, SegmentSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for b := 0; b < 20; b++ {
		var items [][]byte
		for i := 0; i < 25; i++ {
			items = append(items, []byte(fmt.Sprintf("item-%04d", n)))
			n++
		}
		if err := q.AppendBatch(items); err != nil {
			t.Fatal(err)
		}
	}
	q.Close()
	q, err = Open(Options{Dir: dir, SegmentSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if st := q.Stats(); st.Pending != int64(n) || st.Segments < 2 {
		t.Fatalf("stats %+v, want %d pending over several segments", st, n)
	}
	got, err := q.Read(context.Background(), n, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range got {
		if want := fmt.Sprintf("item-%04d", i); string(it.Data) != want {
			t.Fatalf("item %d = %q, want %q", i, it.Data, want)
		}
	}
	full, _ := Open(Options{Dir: t.TempDir(), MaxBytes: 100, Full: DropNewest})
	defer full.Close()
	if err := full.Append(make([]byte, 40)); err != nil {
		t.Fatal(err)
	}
	if err := full.AppendBatch([][]byte{make([]byte, 40), make([]byte, 40)}); err == nil {
		t.Error("a batch over the bound was accepted under DropNewest")
	}
}
