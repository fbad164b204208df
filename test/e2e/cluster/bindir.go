package cluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// binaries are the programs BinDir guarantees.
var binaries = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kubectl"}

// buildTimeout bounds a cold build of the four binaries.
const buildTimeout = 20 * time.Minute

// BinDir returns the directory holding etcd, kube-apiserver,
// kube-controller-manager and kubectl, built by scripts/k8s-bins.sh (instant
// when its cache is warm, minutes when cold). It skips the test when
// PEREGRINE_E2E=0, or when the binaries cannot be built (e.g. no Go module
// proxy). PEREGRINE_K8S_BIN may name a directory with prebuilt binaries.
func BinDir(t testing.TB) string {
	t.Helper()
	if os.Getenv("PEREGRINE_E2E") == "0" {
		t.Skip("PEREGRINE_E2E=0: skipping test that needs a real kube-apiserver")
	}
	if dir := os.Getenv("PEREGRINE_K8S_BIN"); dir != "" {
		if missing := missingBinaries(dir); missing != "" {
			t.Skipf("PEREGRINE_K8S_BIN=%s lacks %s", dir, missing)
		}
		return dir
	}
	root, err := repoRoot()
	if err != nil {
		t.Skipf("cannot locate repository root to run scripts/k8s-bins.sh: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	waitForRunningBuild(ctx, t, root)

	start := time.Now()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "scripts", "k8s-bins.sh"))
	cmd.Dir = root
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Skipf("scripts/k8s-bins.sh failed after %s (Go module proxy unavailable?): %v\n%s",
			time.Since(start).Round(time.Second), err, lastLines(errb.String(), 20))
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	dir := strings.TrimSpace(lines[len(lines)-1])
	if missing := missingBinaries(dir); missing != "" {
		t.Skipf("scripts/k8s-bins.sh printed %q, which lacks %s", dir, missing)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Logf("built Kubernetes binaries into %s in %s", dir, d.Round(time.Second))
	}
	return dir
}

func missingBinaries(dir string) string {
	var missing []string
	for _, b := range binaries {
		if st, err := os.Stat(filepath.Join(dir, b)); err != nil || st.Mode()&0o111 == 0 {
			missing = append(missing, b)
		}
	}
	return strings.Join(missing, ", ")
}

// repoRoot finds the repository root from this source file's location, or
// failing that from git.
func repoRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok {
		root := filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
		if _, err := os.Stat(filepath.Join(root, "scripts", "k8s-bins.sh")); err == nil {
			return root, nil
		}
	}
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// waitForRunningBuild waits while another k8s-bins.sh build (recognised by a
// process whose command line names the script or the cache's .tmp
// directory) is running,
// so that two builds never write into the same directory.
func waitForRunningBuild(ctx context.Context, t testing.TB, root string) {
	sum, err := os.ReadFile(filepath.Join(root, "test", "k8s", "go.sum"))
	if err != nil {
		return
	}
	h := sha256.Sum256(sum)
	cache := os.Getenv("PEREGRINE_K8S_CACHE")
	if cache == "" {
		cache = "/var/cache/peregrine-k8s"
	}
	tmp := filepath.Join(cache, hex.EncodeToString(h[:])[:16]+".tmp")
	logged := false
	for buildRunning(tmp) {
		if !logged {
			t.Logf("waiting for a running build into %s", tmp)
			logged = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}

func buildRunning(tmp string) bool {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	self := os.Getpid()
	for _, p := range procs {
		if p == fmt.Sprintf("/proc/%d/cmdline", self) {
			continue
		}
		data, err := os.ReadFile(p)
		if err == nil && (bytes.Contains(data, []byte(tmp)) || bytes.Contains(data, []byte("k8s-bins.sh"))) {
			return true
		}
	}
	return false
}
