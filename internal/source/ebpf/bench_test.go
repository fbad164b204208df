//go:build linux && amd64

package ebpf

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/source/scap"
	"golang.org/x/sys/unix"
)

// readLoop reads one byte from /dev/zero b.N times: one syscall per
// iteration.
func readLoop(b *testing.B) {
	fd, err := unix.Open("/dev/zero", unix.O_RDONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(fd)
	buf := make([]byte, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		unix.Read(fd, buf)
	}
	b.StopTimer()
}

// BenchmarkSyscallBaseline is the cost of the read without any capture.
func BenchmarkSyscallBaseline(b *testing.B) { readLoop(b) }

// BenchmarkSyscallNotSelected is the cost of the read with the capture
// attached but read not selected (the lookup in the interesting map).
func BenchmarkSyscallNotSelected(b *testing.B) { liveBench(b, []string{}) }

// BenchmarkSyscallCaptured is the cost of the read when every read is
// captured and decoded by a reader on another goroutine; it reports the
// events delivered per second and the drops.
func BenchmarkSyscallCaptured(b *testing.B) { liveBench(b, []string{"read"}) }

// BenchmarkSyscallCapturedParallel reads from every CPU at once, the reader
// competing with the writers for the two cores.
func BenchmarkSyscallCapturedParallel(b *testing.B) {
	liveBenchWith(b, []string{"read"}, parallelReadLoop)
}

// parallelReadLoop is readLoop on GOMAXPROCS goroutines.
func parallelReadLoop(b *testing.B) {
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		fd, err := unix.Open("/dev/zero", unix.O_RDONLY, 0)
		if err != nil {
			b.Error(err)
			return
		}
		defer unix.Close(fd)
		buf := make([]byte, 1)
		for pb.Next() {
			unix.Read(fd, buf)
		}
	})
	b.StopTimer()
}

func liveBench(b *testing.B, syscalls []string) { liveBenchWith(b, syscalls, readLoop) }

func liveBenchWith(b *testing.B, syscalls []string, loop func(*testing.B)) {
	needKernel(b)
	c, err := Open(Config{Syscalls: syscalls, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	done := make(chan struct{})
	go func() {
		var ev scap.Event
		c.Run(ctx, func(raw []byte) {
			if scap.DecodeEvent(raw, &ev) == nil {
				n.Add(1)
			}
		})
		close(done)
	}()
	before := c.Stats()
	loop(b)
	cancel()
	<-done
	after := c.Stats()
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(n.Load())/sec, "events/s")
	b.ReportMetric(float64(after.Drops-before.Drops), "drops")
}
