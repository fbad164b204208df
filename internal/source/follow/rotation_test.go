package follow

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRapidRotation rotates far faster than the poll interval while the
// directory is being listed: every line must still arrive once, in order.
func TestRapidRotation(t *testing.T) {
	dir := t.TempDir()
	f := &Follower{Patterns: []string{filepath.Join(dir, "audit*.log")}, FromStart: true, Poll: time.Millisecond}
	c := &collector{}
	active := filepath.Join(dir, "audit.log")
	start(t, f, c)
	seq := 0
	for r := 0; r < 200; r++ {
		appendFile(t, active, seqLines(seq, seq+3))
		seq += 3
		name := fmt.Sprintf("audit-2026-11-28T20-19-39.%06d.log", r)
		if err := os.Rename(active, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	appendFile(t, active, seqLines(seq, seq+3))
	seq += 3
	waitFor(t, "all lines", func() bool { return c.count() >= seq })
	time.Sleep(5 * time.Millisecond)
	checkSeq(t, c.snapshot(), seq, true)
}
