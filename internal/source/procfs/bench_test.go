package procfs_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/source/procfs"
)

// BenchmarkScanReal scans this machine's /proc (threads, fds, users).
func BenchmarkScanReal(b *testing.B) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		b.Skip("no /proc")
	}
	s := procfs.New(procfs.Options{})
	var snap *procfs.Snapshot
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if snap, err = s.Scan(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(snap.Stats.Threads), "threads")
	b.ReportMetric(float64(snap.Stats.FDs), "fds")
}

// writeSynthetic writes a /proc tree of procs processes with threadsPer
// threads each: a 5-argument command line, 30 environment variables, cgroups
// of a container, and 8 fds (files, a pipe, sockets).
func writeSynthetic(tb testing.TB, root string, procs, threadsPer int) {
	tb.Helper()
	p := filepath.Join(root, "proc")
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	var env strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&env, "VARIABLE_%02d=/some/value/of/moderate/length/%d\x00", i, i)
	}
	cg := "12:memory:/kubepods/burstable/pod1234/" + strings.Repeat("ab", 32) + "\n0::/\n"
	must(os.MkdirAll(filepath.Join(p, "sys", "kernel"), 0o755))
	must(os.WriteFile(filepath.Join(p, "stat"), []byte("cpu0 1\nbtime 1700000000\n"), 0o644))
	for i := 0; i < procs; i++ {
		pid := 1000 + i*(threadsPer+1)
		dir := filepath.Join(p, fmt.Sprint(pid))
		for t := 0; t < threadsPer; t++ {
			tid := pid + t
			td := filepath.Join(dir, "task", fmt.Sprint(tid))
			must(os.MkdirAll(td, 0o755))
			stat := fmt.Sprintf("%d (worker-%d) S 1 %d %d 0 -1 4194560 500 0 3 0 1 1 0 0 20 0 %d 0 100 1000 200\n", tid, t, pid, pid, threadsPer)
			status := fmt.Sprintf("Name:\tworker\nTgid:\t%d\nPid:\t%d\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nVmSize:\t1000 kB\nVmRSS:\t200 kB\nCapEff:\t000001ffffffffff\n", pid, tid, pid, tid, pid)
			must(os.WriteFile(filepath.Join(td, "stat"), []byte(stat), 0o644))
			must(os.WriteFile(filepath.Join(td, "status"), []byte(status), 0o644))
			if t == 0 {
				must(os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644))
				must(os.WriteFile(filepath.Join(dir, "status"), []byte(status), 0o644))
			}
		}
		must(os.WriteFile(filepath.Join(dir, "cmdline"), []byte("/usr/bin/server\x00--config\x00/etc/server/config.yaml\x00--port\x008080\x00-v\x00"), 0o644))
		must(os.WriteFile(filepath.Join(dir, "environ"), []byte(env.String()), 0o644))
		must(os.WriteFile(filepath.Join(dir, "cgroup"), []byte(cg), 0o644))
		must(os.Symlink("/usr/bin/server", filepath.Join(dir, "exe")))
		must(os.Symlink("/srv/app", filepath.Join(dir, "cwd")))
		must(os.Symlink("/", filepath.Join(dir, "root")))
		must(os.MkdirAll(filepath.Join(dir, "fd"), 0o755))
		for n, target := range []string{"/dev/null", "/dev/null", "/dev/null", "pipe:[77]", "socket:[1]", "socket:[2]", "anon_inode:[eventpoll]", "/var/log/app.log (deleted)"} {
			must(os.Symlink(target, filepath.Join(dir, "fd", fmt.Sprint(n))))
		}
	}
}

// BenchmarkSnapshotMemory reports the heap a snapshot of 10,000 threads
// (1,000 processes of 10 threads) holds, and the scan time of such a tree.
func BenchmarkSnapshotMemory(b *testing.B) {
	root := b.TempDir()
	const procs, per = 1000, 10
	writeSynthetic(b, root, procs, per)
	s := procfs.New(procfs.Options{Root: root})
	var heap uint64
	b.ReportAllocs()
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		snap, err := s.Scan()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if snap.Stats.Threads != procs*per {
			b.Fatalf("threads = %d", snap.Stats.Threads)
		}
		heap = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(snap)
	}
	b.ReportMetric(float64(heap), "heap-B/10k-threads")
}
