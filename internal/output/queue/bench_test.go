package queue

import (
	"context"
	"testing"
)

const benchItem = 1 << 10

func reportRate(b *testing.B, n int) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(n)/s, "items/s")
	}
}

// BenchmarkAppend measures Append of 1 KiB items with SyncBatch.
func BenchmarkAppend(b *testing.B) {
	q := mustOpen(b, Options{Dir: b.TempDir(), MaxBytes: 64 << 20})
	defer mustClose(b, q)
	item := payload(1, benchItem)
	b.SetBytes(benchItem)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := q.Append(item); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportRate(b, b.N)
}

// BenchmarkAppendReadAck measures a writer and a reader (batches of 256,
// acknowledged) running concurrently with 1 KiB items and SyncBatch.
func BenchmarkAppendReadAck(b *testing.B) {
	q := mustOpen(b, Options{Dir: b.TempDir(), MaxBytes: 64 << 20, Full: Block})
	defer mustClose(b, q)
	item := payload(1, benchItem)
	b.SetBytes(benchItem)
	b.ResetTimer()
	werr := make(chan error, 1)
	go func() {
		for i := 0; i < b.N; i++ {
			if err := q.Append(item); err != nil {
				werr <- err
				return
			}
		}
		werr <- nil
	}()
	ctx := context.Background()
	for got := 0; got < b.N; {
		items, err := q.Read(ctx, 256, 0)
		if err != nil {
			b.Fatal(err)
		}
		got += len(items)
		if err := q.Ack(items[len(items)-1].Seq); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-werr; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	reportRate(b, b.N)
}
