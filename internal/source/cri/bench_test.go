package cri

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// BenchmarkLookupHit measures a cached lookup by short id from all cores.
func BenchmarkLookupHit(b *testing.B) {
	c := New(Options{CRISockets: []string{}, ContainerdSocket: "none", Logger: slog.New(slog.DiscardHandler)})
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("%064x", i+1)
		c.storeLocked(&Info{ID: ids[i], Name: "c"})
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, st := c.Lookup(ids[i%len(ids)][:12]); st != Found {
				b.Fatal("miss")
			}
			i++
		}
	})
}

// BenchmarkLookupNegative measures a lookup answered by the negative cache.
func BenchmarkLookupNegative(b *testing.B) {
	c := New(Options{CRISockets: []string{}, ContainerdSocket: "none", Logger: slog.New(slog.DiscardHandler)})
	id := strings.Repeat("d", 64)
	c.negative[id] = negEntry{until: farFuture(), notFound: true}
	b.ReportAllocs()
	for b.Loop() {
		c.Lookup(id)
	}
}

func farFuture() time.Time { return time.Now().AddDate(1, 0, 0) }
