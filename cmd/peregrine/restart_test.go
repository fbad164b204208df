package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync/atomic"
	"testing"
	"time"
)

// TestFollowRestartLosesNothing is the fault test for the log backend: a
// writer appends audit events (and rotates the log, as the kube-apiserver
// does) while peregrine follows it; peregrine is stopped and started again
// twice mid-stream. Every event must be alerted on exactly once.
func TestFollowRestartLosesNothing(t *testing.T) {
	dir := t.TempDir()
	rulesPath := filepath.Join(dir, "every.yaml")
	os.WriteFile(rulesPath, []byte(`
- rule: Every Audit Event
  desc: matches every audit event
  condition: ka.auditid exists
  output: "seen id=%ka.auditid"
  priority: INFO
  source: k8s_audit
`), 0o644)
	logPath := filepath.Join(dir, "audit.log")
	const total = 6000
	var written atomic.Int64
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		f, _ := os.Create(logPath)
		for i := 1; i <= total; i++ {
			fmt.Fprintf(f, `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-%06d","stage":"ResponseComplete","verb":"get","user":{"username":"u"},"stageTimestamp":"2026-11-28T10:00:00.000000Z"}`+"\n", i)
			written.Add(1)
			if i%2000 == 0 { // rotate: rename and start a new file
				f.Close()
				os.Rename(logPath, filepath.Join(dir, fmt.Sprintf("audit-%d.log", i)))
				f, _ = os.Create(logPath)
			}
			if i%100 == 0 {
				time.Sleep(5 * time.Millisecond)
			}
		}
		f.Close()
	}()
	offsets := filepath.Join(dir, "offsets.json")
	var outputs []*syncBuffer
	runFor := func(stop func() bool) {
		out := &syncBuffer{}
		var errb syncBuffer
		outputs = append(outputs, out)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int)
		go func() {
			done <- execute(ctx, []string{"run", "-r", rulesPath, "--audit-log", filepath.Join(dir, "audit*.log"),
				"-o", "plugins[0].name=k8saudit", "-o", "plugins[0].init_config.followFrom=start",
				"-o", "plugins[0].init_config.offsetsFile=" + offsets}, out, &errb)
		}()
		for !stop() {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	}
	runFor(func() bool { return written.Load() > 1500 })
	runFor(func() bool { return written.Load() > 4200 })
	<-writerDone
	re := regexp.MustCompile(`seen id=(id-\d{6})`)
	seen := map[string]int{}
	var lastOut *syncBuffer
	runFor(func() bool {
		if lastOut == nil {
			lastOut = outputs[len(outputs)-1]
		}
		return len(re.FindAllString(lastOut.String(), -1))+countAll(outputs[:2], re) >= total
	})
	dups := 0
	for _, o := range outputs {
		for _, m := range re.FindAllStringSubmatch(o.String(), -1) {
			if seen[m[1]]++; seen[m[1]] > 1 {
				dups++
			}
		}
	}
	if len(seen) != total || dups != 0 {
		t.Fatalf("%d distinct events alerted of %d written, %d repeated", len(seen), total, dups)
	}
	t.Logf("3 runs alerted %d events exactly once across 2 restarts and 3 rotations", len(seen))
}

func countAll(outs []*syncBuffer, re *regexp.Regexp) int {
	n := 0
	for _, o := range outs {
		n += len(re.FindAllString(o.String(), -1))
	}
	return n
}
