package queue

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// helperEnv names the environment variable carrying the queue directory to
// TestHelperProcess.
const helperEnv = "PEREGRINE_QUEUE_CRASH_DIR"

// crashSize returns the payload size used for item i in the crash test.
func crashSize(i uint64) int { return 200 + int(i*7919%(64<<10-200)) }

// TestHelperProcess is not a real test: run as a child process by
// TestCrashSIGKILL, it appends numbered items with SyncAlways until it is
// killed, printing each number after its Append returned.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process for TestCrashSIGKILL")
	}
	q, err := Open(Options{Dir: dir, Sync: SyncAlways, SegmentSize: 256 << 10, MaxBytes: 1 << 30})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// Nothing is acknowledged, so Seq == item number.
	for i := uint64(q.Stats().Recovered) + 1; ; i++ {
		if err := q.Append(payload(i, crashSize(i))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Fprintf(os.Stdout, "%d\n", i)
	}
}

// runAndKill runs the helper on dir, SIGKILLs it d after its first reported
// append (so that a slow start does not matter) and returns the last item
// number it reported as appended.
func runAndKill(t *testing.T, dir string, d time.Duration) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var last atomic.Uint64
	scanned := make(chan struct{})
	started := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if n, err := strconv.ParseUint(sc.Text(), 10, 64); err == nil {
				if last.Swap(n) == 0 {
					close(started)
				}
			}
		}
	}()
	select {
	case <-started:
	case <-scanned:
	case <-time.After(20 * time.Second):
	}
	time.Sleep(d)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	<-scanned
	_ = cmd.Wait()
	return last.Load()
}

func TestCrashSIGKILL(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs processes and SIGKILL")
	}
	dir := t.TempDir()
	var reported uint64
	for round := 1; round <= 2; round++ {
		last := runAndKill(t, dir, 300*time.Millisecond)
		if last <= reported {
			t.Fatalf("round %d: helper reported no new append (last %d, before %d)", round, last, reported)
		}
		reported = last

		q := mustOpen(t, Options{Dir: dir, SegmentSize: 256 << 10, MaxBytes: 1 << 30})
		st := q.Stats()
		t.Logf("round %d: last reported %d, recovered %d, torn %d, segments %d", round, last, st.Recovered, st.Torn, st.Segments)
		if st.Torn > 1 || st.Corrupt != 0 {
			t.Fatalf("round %d: stats %+v", round, st)
		}
		if uint64(st.Recovered) < last {
			t.Fatalf("round %d: recovered %d items, helper reported %d appended", round, st.Recovered, last)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var want uint64 = 1
		for want <= uint64(st.Recovered) {
			items, err := q.Read(ctx, 500, 4<<20)
			if err != nil {
				t.Fatalf("round %d: Read: %v", round, err)
			}
			for _, it := range items {
				if it.Seq != want {
					t.Fatalf("round %d: seq %d, want %d", round, it.Seq, want)
				}
				if got, exp := it.Data, payload(want, crashSize(want)); string(got) != string(exp) {
					t.Fatalf("round %d: seq %d: wrong payload", round, want)
				}
				want++
			}
		}
		cancel()
		reported = uint64(st.Recovered)
		mustClose(t, q)
	}
}
