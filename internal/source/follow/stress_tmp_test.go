package follow

import (
	"bytes"
	"log/slog"
	"sync"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestStressRotationTmp(t *testing.T) {
	dir := t.TempDir()
	var logBuf bytes.Buffer
	var logMu sync.Mutex
	f := &Follower{Patterns: []string{filepath.Join(dir, "audit*.log")}, FromStart: true, Poll: time.Millisecond,
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
	start(t, f, c)
	seq := 0
	for r := 0; r < 300; r++ {
		appendFile(t, active, seqLines(seq, seq+3))
		seq += 3
		if err := os.Rename(active, filepath.Join(dir, fmt.Sprintf("audit-2026-11-28T20-19-39.%06d.log", r))); err != nil {
			t.Fatal(err)
		}
	}
	appendFile(t, active, seqLines(seq, seq+3))
	seq += 3
	waitFor(t, "all", func() bool { return c.count() >= seq })
	checkSeq(t, c.snapshot(), seq, true)
}
