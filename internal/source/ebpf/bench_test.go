//go:build linux && amd64

package ebpf

import (
	"context"
	"encoding/binary"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// volumeWorkload reads 3000 files through find | head | xargs cat and runs
// short shell pipelines, as a busy host does.
const volumeWorkload = `find /usr/share -type f 2>/dev/null | head -3000 | xargs cat >/dev/null 2>&1
for i in $(seq 40); do sh -c 'ls /etc >/dev/null; cat /etc/hostname /nonexistent 2>/dev/null | wc -c >/dev/null; command -v nosuchcmd >/dev/null || true'; done`

// falcoLikeSyscalls are the event types a typical Falco rule set selects.
var falcoLikeSyscalls = []string{"execve", "execveat", "open", "openat", "openat2", "creat", "connect", "accept",
	"accept4", "dup", "dup2", "dup3", "chmod", "fchmod", "fchmodat", "unlink", "unlinkat", "rename", "renameat",
	"renameat2", "mkdir", "mkdirat", "symlink", "symlinkat", "link", "linkat", "setuid", "setgid", "setresuid",
	"setresgid", "ptrace", "setns", "unshare", "init_module", "finit_module", "bpf", "memfd_create"}

// TestWorkloadVolume measures how many events a workload produces with the
// base syscalls captured for the state only (exit filters on) and with
// them selected (every call sent), for a process-only and a Falco-like rule
// selection. Run it with PEREGRINE_EBPF_VOLUME=1.
func TestWorkloadVolume(t *testing.T) {
	if os.Getenv("PEREGRINE_EBPF_VOLUME") == "" {
		t.Skip("set PEREGRINE_EBPF_VOLUME=1 to measure")
	}
	needKernel(t)
	withBase := func(sel []string) []string { return append(append([]string(nil), sel...), BaseEventTypes()...) }
	for _, sel := range []struct {
		name     string
		syscalls []string
	}{{"process rules", []string{"execve", "execveat"}}, {"falco-like rules", falcoLikeSyscalls}} {
		for round := 0; round < 2; round++ {
			for _, mode := range []struct {
				name     string
				syscalls []string
			}{{"unfiltered", withBase(sel.syscalls)}, {"filtered", sel.syscalls}} {
				n, by, st := workloadEvents(t, mode.syscalls)
				t.Logf("%s, %s (round %d): %d events, %d filtered in the kernel; %v", sel.name, mode.name, round, n, st.Filtered, by)
			}
		}
	}
}

// workloadEvents runs volumeWorkload under a capture and counts the events
// of its process tree, by type.
func workloadEvents(t *testing.T, syscalls []string) (int, map[string]int, Stats) {
	c, err := Open(Config{Syscalls: syscalls, IgnoreSelf: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	type ev struct {
		tid, ptid int64
		name      string
		child     bool
	}
	var (
		mu  sync.Mutex
		evs []ev
	)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		var e scap.Event
		c.Run(ctx, func(raw []byte) {
			if scap.DecodeEvent(raw, &e) != nil {
				return
			}
			info, _ := scap.EventInfo(e.Type)
			x := ev{tid: e.TID, name: info.Name + string(info.Dir)}
			if info.Dir == '<' && (info.Name == "clone" || info.Name == "fork" || info.Name == "vfork" || info.Name == "clone3") &&
				len(e.Params) > 5 && len(e.Params[0]) == 8 && binary.LittleEndian.Uint64(e.Params[0]) == 0 {
				x.child, x.ptid = true, int64(binary.LittleEndian.Uint64(e.Params[5]))
			}
			mu.Lock()
			evs = append(evs, x)
			mu.Unlock()
		})
		close(done)
	}()
	cmd := exec.Command("/bin/sh", "-c", volumeWorkload)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("workload: %v %s", err, out)
	}
	time.Sleep(200 * time.Millisecond)
	cancel()
	<-done
	st := c.Stats()
	tree := map[int64]bool{int64(cmd.Process.Pid): true}
	by := map[string]int{}
	n := 0
	for _, e := range evs {
		if e.child && tree[e.ptid] {
			tree[e.tid] = true
		}
		if tree[e.tid] {
			n++
			by[e.name]++
		}
	}
	return n, by, st
}
