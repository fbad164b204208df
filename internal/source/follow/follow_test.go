package follow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testPoll = 10 * time.Millisecond

// collector records delivered lines.
type collector struct {
	mu    sync.Mutex
	lines []string
	paths []string
}

func (c *collector) onLine(path string, line []byte) {
	c.mu.Lock()
	c.lines = append(c.lines, string(line))
	c.paths = append(c.paths, path)
	c.mu.Unlock()
}

func (c *collector) snapshot() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.lines)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(1500 * time.Millisecond)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// start runs f in the background; the returned stop cancels it and waits.
func start(t *testing.T, f *Follower, c *collector) (stop func()) {
	t.Helper()
	if f.Poll == 0 {
		f.Poll = testPoll
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, c.onLine) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func appendFile(t *testing.T, path, data string) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fh.WriteString(data); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
}

func seqLines(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, `{"seq":%d,"verb":"get"}`+"\n", i)
	}
	return b.String()
}

// seqOf extracts the sequence number of a line written by seqLines.
func seqOf(t *testing.T, line string) int {
	t.Helper()
	s := strings.TrimPrefix(line, `{"seq":`)
	if i := strings.IndexByte(s, ','); i >= 0 {
		s = s[:i]
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("bad line %q", line)
	}
	return n
}

// checkSeq asserts that lines hold 0..n-1 exactly once; inOrder also asserts order.
func checkSeq(t *testing.T, lines []string, n int, inOrder bool) {
	t.Helper()
	seen := make(map[int]bool, n)
	for i, l := range lines {
		s := seqOf(t, l)
		if seen[s] {
			t.Fatalf("duplicate seq %d", s)
		}
		seen[s] = true
		if inOrder && s != i {
			t.Fatalf("line %d has seq %d (out of order)", i, s)
		}
	}
	if len(lines) != n {
		t.Fatalf("got %d lines, want %d", len(lines), n)
	}
}

func TestAppendAndPartialLine(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "audit.log")
	appendFile(t, p, "a\nb\n")
	f := &Follower{Patterns: []string{p}, FromStart: true}
	c := &collector{}
	start(t, f, c)
	waitFor(t, "2 lines", func() bool { return c.count() == 2 })
	appendFile(t, p, "c\npar")
	waitFor(t, "3 lines", func() bool { return c.count() == 3 })
	time.Sleep(5 * testPoll)
	if n := c.count(); n != 3 {
		t.Fatalf("partial line delivered early: %q", c.snapshot())
	}
	appendFile(t, p, "tial\nd\n")
	waitFor(t, "5 lines", func() bool { return c.count() == 5 })
	want := []string{"a", "b", "c", "partial", "d"}
	if got := c.snapshot(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %q, want %q", got, want)
	}
	if s := f.Stats(); s.Lines != 5 || s.Bytes != 16 || s.OpenFiles != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestWaitsForPattern(t *testing.T) {
	dir := t.TempDir()
	f := &Follower{Patterns: []string{filepath.Join(dir, "audit*.log")}}
	c := &collector{}
	start(t, f, c)
	time.Sleep(3 * testPoll)
	appendFile(t, filepath.Join(dir, "audit.log"), seqLines(0, 3))
	waitFor(t, "3 lines", func() bool { return c.count() == 3 })
	checkSeq(t, c.snapshot(), 3, true)
}

// rotate renames the active file the way the apiserver (lumberjack) does.
func rotate(t *testing.T, dir string, n int) {
	t.Helper()
	name := fmt.Sprintf("audit-2026-11-28T20-19-%02d.%03d.log", n/1000, n%1000)
	if err := os.Rename(filepath.Join(dir, "audit.log"), filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func TestRotationRenameCreate(t *testing.T) {
	dir := t.TempDir()
	var logBuf bytes.Buffer
	var logMu sync.Mutex
	f := &Follower{Patterns: []string{filepath.Join(dir, "audit*.log")}, FromStart: true,
		Log: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logBuf}, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	t.Cleanup(func() {
		if t.Failed() {
			logMu.Lock()
			t.Log(logBuf.String())
			logMu.Unlock()
		}
	})
	c := &collector{}
	active := filepath.Join(dir, "audit.log")
	appendFile(t, active, seqLines(0, 10))
	start(t, f, c)
	seq := 10
	for r := 0; r < 5; r++ {
		for i := 0; i < 10; i++ {
			appendFile(t, active, seqLines(seq, seq+20))
			seq += 20
		}
		rotate(t, dir, r)
		appendFile(t, active, seqLines(seq, seq+5))
		seq += 5
		if r%2 == 0 {
			time.Sleep(testPoll)
		}
	}
	waitFor(t, "all lines", func() bool { return c.count() >= seq })
	time.Sleep(3 * testPoll)
	checkSeq(t, c.snapshot(), seq, true)
	// Rotations are counted when seen: a file renamed before the first look
	// at it is simply a new file.
	if s := f.Stats(); s.Rotations < 1 || s.Rotations > 5 || s.OpenFiles != 6 {
		t.Fatalf("stats %+v", s)
	}
}

func TestRotationNonMatchingName(t *testing.T) {
	dir := t.TempDir()
	active := filepath.Join(dir, "audit.log")
	f := &Follower{Patterns: []string{active}, FromStart: true}
	c := &collector{}
	appendFile(t, active, seqLines(0, 10))
	start(t, f, c)
	waitFor(t, "10 lines", func() bool { return c.count() == 10 })
	// Write to the old file after the rename but before the next poll: it is
	// still drained, then the new file is read from its start.
	fh, err := os.OpenFile(active, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	rotate(t, dir, 1)
	if _, err := fh.WriteString(seqLines(10, 20)); err != nil {
		t.Fatal(err)
	}
	_ = fh.Close()
	appendFile(t, active, seqLines(20, 30))
	waitFor(t, "30 lines", func() bool { return c.count() >= 30 })
	checkSeq(t, c.snapshot(), 30, true)
	waitFor(t, "old file closed", func() bool { return f.Stats().OpenFiles == 1 })
}

func TestCopyTruncate(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "audit.log")
	appendFile(t, p, seqLines(0, 100))
	f := &Follower{Patterns: []string{p}, FromStart: true}
	c := &collector{}
	start(t, f, c)
	waitFor(t, "100 lines", func() bool { return c.count() == 100 })
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	appendFile(t, p, seqLines(100, 105))
	waitFor(t, "105 lines", func() bool { return c.count() == 105 })
	checkSeq(t, c.snapshot(), 105, true)
	if s := f.Stats(); s.Truncations != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestDeletedWhileOpen(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "audit.log")
	appendFile(t, p, seqLines(0, 5))
	f := &Follower{Patterns: []string{p}, FromStart: true}
	c := &collector{}
	start(t, f, c)
	waitFor(t, "5 lines", func() bool { return c.count() == 5 })
	fh, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if _, err := fh.WriteString(seqLines(5, 8)); err != nil {
		t.Fatal(err)
	}
	_ = fh.Close()
	waitFor(t, "8 lines", func() bool { return c.count() == 8 })
	waitFor(t, "file closed", func() bool { return f.Stats().OpenFiles == 0 })
	checkSeq(t, c.snapshot(), 8, true)
}

func TestFromStartFalse(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "a.log")
	partial := filepath.Join(dir, "b.log")
	appendFile(t, old, "old1\nold2\n")
	appendFile(t, partial, "old3\nhalf")
	f := &Follower{Patterns: []string{filepath.Join(dir, "*.log")}}
	c := &collector{}
	start(t, f, c)
	waitFor(t, "files open", func() bool { return f.Stats().OpenFiles == 2 })
	appendFile(t, old, "new1\n")
	appendFile(t, partial, "-done\n")
	waitFor(t, "2 lines", func() bool { return c.count() == 2 })
	appendFile(t, filepath.Join(dir, "c.log"), "later1\nlater2\n")
	waitFor(t, "4 lines", func() bool { return c.count() == 4 })
	got := c.snapshot()
	for _, want := range []string{"new1", "half-done", "later1", "later2"} {
		found := false
		for _, l := range got {
			found = found || l == want
		}
		if !found {
			t.Fatalf("missing %q in %q", want, got)
		}
	}
}

func TestOverlongLine(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "audit.log")
	long := strings.Repeat("x", 80<<10)
	var errs []error
	var mu sync.Mutex
	f := &Follower{Patterns: []string{p}, FromStart: true, MaxLine: 100 << 10, OnError: func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}}
	appendFile(t, p, "a\n"+long+"\n"+strings.Repeat("y", 300<<10)+"\nb\n"+strings.Repeat("z", (100<<10)+1)+"\nc\n")
	c := &collector{}
	start(t, f, c)
	waitFor(t, "4 lines", func() bool { return c.count() == 4 })
	got := c.snapshot()
	if got[0] != "a" || got[1] != long || got[2] != "b" || got[3] != "c" {
		t.Fatalf("unexpected lines (lengths %d %d %d %d)", len(got[0]), len(got[1]), len(got[2]), len(got[3]))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 2 || !errors.Is(errs[0], ErrLineTooLong) || !errors.Is(errs[1], ErrLineTooLong) {
		t.Fatalf("errors %v", errs)
	}
	if s := f.Stats(); s.Skipped != 2 {
		t.Fatalf("stats %+v", s)
	}
	// Short MaxLine: lines longer than it are skipped even inside one buffer.
	f2 := &Follower{Patterns: []string{p}, FromStart: true, MaxLine: 10}
	c2 := &collector{}
	start(t, f2, c2)
	waitFor(t, "3 lines", func() bool { return c2.count() == 3 })
	if s := f2.Stats(); s.Skipped != 3 {
		t.Fatalf("stats %+v", s)
	}
}

func TestRestartWithOffsets(t *testing.T) {
	dir := t.TempDir()
	active := filepath.Join(dir, "audit.log")
	offsets := filepath.Join(t.TempDir(), "offsets.json")
	newFollower := func() *Follower {
		return &Follower{Patterns: []string{filepath.Join(dir, "audit*.log")}, FromStart: true, OffsetsFile: offsets}
	}

	// The writer appends numbered lines (each in two writes, so readers see
	// partial lines) and rotates every 300 lines.
	var mu sync.Mutex
	written := 0
	stopWriter := make(chan struct{})
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		rot := 0
		for {
			select {
			case <-stopWriter:
				return
			default:
			}
			fh, err := os.OpenFile(active, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			if err != nil {
				t.Error(err)
				return
			}
			for i := 0; i < 300; i++ {
				mu.Lock()
				line := seqLines(written, written+1)
				_, _ = fh.WriteString(line[:10])
				_, err = fh.WriteString(line[10:])
				written++
				mu.Unlock()
				if err != nil {
					t.Error(err)
					return
				}
				if i%50 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
			_ = fh.Close()
			rot++
			name := fmt.Sprintf("audit-%04d.log", rot)
			if err := os.Rename(active, filepath.Join(dir, name)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	c := &collector{}
	f1 := newFollower()
	stop1 := start(t, f1, c)
	waitFor(t, "some lines", func() bool { return c.count() > 200 })
	stop1()
	mid := c.count()
	// Offsets persisted and point to line boundaries.
	data, err := os.ReadFile(offsets)
	if err != nil {
		t.Fatal(err)
	}
	var doc offsetsDoc
	if err := json.Unmarshal(data, &doc); err != nil || len(doc.Files) == 0 {
		t.Fatalf("offsets %s: %v", data, err)
	}
	for _, e := range doc.Files {
		b := readByID(t, dir, fileID{Dev: e.Dev, Ino: e.Ino})
		if b == nil {
			continue // removed since
		}
		if e.Offset > 0 && (e.Offset > int64(len(b)) || b[e.Offset-1] != '\n') {
			t.Fatalf("offset %d of %s not at a line boundary", e.Offset, e.Path)
		}
	}
	// Let the writer rotate at least once while stopped.
	mu.Lock()
	target := written + 400
	mu.Unlock()
	waitFor(t, "writer progress", func() bool { mu.Lock(); defer mu.Unlock(); return written > target })

	f2 := newFollower()
	start(t, f2, c)
	time.Sleep(50 * time.Millisecond)
	close(stopWriter)
	<-writerDone
	waitFor(t, "all lines", func() bool { return c.count() >= written })
	time.Sleep(3 * testPoll)
	lines := c.snapshot()
	checkSeq(t, lines, written, false)
	if mid >= written {
		t.Fatalf("restart did not happen mid-stream (%d of %d)", mid, written)
	}
	// Per path, lines are in increasing order (a path names successive files).
	c.mu.Lock()
	last := map[string]int{}
	for i, l := range c.lines {
		s := seqOf(t, l)
		if prev, ok := last[c.paths[i]]; ok && s <= prev {
			c.mu.Unlock()
			t.Fatalf("%s: seq %d after %d", c.paths[i], s, prev)
		}
		last[c.paths[i]] = s
	}
	c.mu.Unlock()
}

func TestOffsetsDropMissing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "audit.log")
	offsets := filepath.Join(dir, "state", "offsets.json")
	if err := os.MkdirAll(filepath.Dir(offsets), 0o755); err != nil {
		t.Fatal(err)
	}
	appendFile(t, p, "a\nb\n")
	doc := offsetsDoc{Version: offsetsVersion, Files: []offsetEntry{{Dev: 1, Ino: 1, Path: "/nonexistent", Offset: 7}}}
	data, _ := json.Marshal(doc)
	if err := os.WriteFile(offsets, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f := &Follower{Patterns: []string{p}, OffsetsFile: offsets}
	c := &collector{}
	stop := start(t, f, c)
	// An offsets file exists, so the unknown file is read from its start.
	waitFor(t, "2 lines", func() bool { return c.count() == 2 })
	stop()
	data, err := os.ReadFile(offsets)
	if err != nil {
		t.Fatal(err)
	}
	var got offsetsDoc
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 1 || got.Files[0].Path != p || got.Files[0].Offset != 4 {
		t.Fatalf("offsets %s", data)
	}
	ents, _ := os.ReadDir(filepath.Dir(offsets))
	if len(ents) != 1 {
		t.Fatalf("temporary files left: %v", ents)
	}
	// Corrupt offsets file: Run fails.
	if err := os.WriteFile(offsets, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := (&Follower{Patterns: []string{p}, OffsetsFile: offsets}).Run(context.Background(), c.onLine); err == nil {
		t.Fatal("want error for corrupt offsets file")
	}
}

func BenchmarkFollow(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	p := filepath.Join(dir, "audit.log")
	var buf bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&buf, `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"%08d","stage":"ResponseComplete","verb":"get","requestURI":"/api/v1/namespaces/default/pods"}`+"\n", i)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		f := &Follower{Patterns: []string{p}, FromStart: true, Poll: time.Millisecond}
		ctx, cancel := context.WithCancel(context.Background())
		count := 0
		err := f.Run(ctx, func(_ string, line []byte) {
			count++
			if count == n {
				cancel()
			}
		})
		cancel()
		if err != nil || count != n {
			b.Fatalf("count %d, err %v", count, err)
		}
	}
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(n)*float64(b.N)/elapsed, "lines/s")
}

// readByID returns the content of the file in dir with identity id, or nil.
func readByID(t *testing.T, dir string, id fileID) []byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range ents {
		p := filepath.Join(dir, de.Name())
		fh, err := os.Open(p)
		if err != nil {
			continue
		}
		fi, err := fh.Stat()
		if got, ok := idOf(fi); err == nil && ok && got == id {
			b, err := io.ReadAll(fh)
			_ = fh.Close()
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		_ = fh.Close()
	}
	return nil
}

func TestRestartAfterRotationToNonMatchingName(t *testing.T) {
	dir := t.TempDir()
	active := filepath.Join(dir, "audit.log")
	offsets := filepath.Join(dir, "offsets.json")
	appendFile(t, active, seqLines(0, 10))
	c := &collector{}
	f1 := &Follower{Patterns: []string{active}, FromStart: true, OffsetsFile: offsets}
	stop := start(t, f1, c)
	waitFor(t, "10 lines", func() bool { return c.count() == 10 })
	stop()
	// While stopped: the old file grows, is rotated away from the pattern and
	// a new active file is written.
	appendFile(t, active, seqLines(10, 20))
	if err := os.Rename(active, filepath.Join(dir, "audit.log.1")); err != nil {
		t.Fatal(err)
	}
	appendFile(t, active, seqLines(20, 30))
	f2 := &Follower{Patterns: []string{active}, FromStart: true, OffsetsFile: offsets}
	start(t, f2, c)
	waitFor(t, "30 lines", func() bool { return c.count() >= 30 })
	waitFor(t, "rotated file closed", func() bool { return f2.Stats().OpenFiles == 1 })
	checkSeq(t, c.snapshot(), 30, true)
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
