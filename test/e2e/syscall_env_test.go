package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/peregrine-sec/peregrine/internal/testutil"
)

// syscallAgent is the one peregrine of the syscall suite: live eBPF
// capture with the upstream rules, its JSON alerts parsed as they arrive.
type syscallAgent struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	alerts  []alertLine
	stderr  bytes.Buffer
	arrived chan struct{} // closed and replaced when alerts arrive
	done    chan struct{} // closed when stdout ends
}

// agentConfig makes every syscall alert carry the container id and name,
// as Falco's container plugin configuration does.
const agentConfig = `append_output:
  - match:
      source: syscall
    extra_output: "container_id=%container.id container_name=%container.name"
`

func startSyscallAgent(t *testing.T, bin, dir string) *syscallAgent {
	t.Helper()
	up := filepath.Join(testutil.SharedDir(t), "compat", "rules", "upstream")
	return startSyscallAgentWith(t, bin, dir, agentConfig, nil,
		filepath.Join(up, "falco_rules.yaml"),
		filepath.Join(up, "falco-incubating_rules.yaml"),
		filepath.Join(up, "falco-sandbox_rules.yaml"))
}

// startSyscallAgentWith starts the agent with a configuration file (none
// when config is empty), -o overrides and rules files. With neither a
// configuration file nor rules files, peregrine loads its embedded default
// rules (a configuration file without rules_file is an error, as in Falco).
func startSyscallAgentWith(t *testing.T, bin, dir, config string, overrides []string, rulesFiles ...string) *syscallAgent {
	t.Helper()
	return launchAgent(t, dir, append([]string{bin}, agentArgs(t, dir, config, overrides, rulesFiles)...))
}

// agentArgs are the arguments of peregrine run for startSyscallAgentWith.
func agentArgs(t *testing.T, dir, config string, overrides, rulesFiles []string) []string {
	t.Helper()
	args := []string{"run", "--syscalls", "on"}
	if config != "" {
		cfg := filepath.Join(dir, "peregrine.yaml")
		if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-c", cfg)
	}
	for _, r := range rulesFiles {
		args = append(args, "-r", r)
	}
	args = append(args, "--audit-webhook", "http://"+freeAddr(t)+"/k8s-audit", "-o", "json_output=true")
	for _, o := range overrides {
		args = append(args, "-o", o)
	}
	return args
}

// launchAgent runs argv (peregrine run, possibly through wrappers that
// exec it in place) and reads its JSON alerts; it is stopped with SIGTERM
// at the end of the test.
func launchAgent(t *testing.T, dir string, argv []string) *syscallAgent {
	t.Helper()
	a := &syscallAgent{arrived: make(chan struct{}), done: make(chan struct{})}
	a.cmd = exec.Command(argv[0], argv[1:]...)
	a.cmd.Dir = dir
	a.cmd.Stderr = lockedWriter{&a.mu, &a.stderr}
	out, err := a.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go a.read(out)
	t.Cleanup(func() {
		a.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-a.done:
		case <-time.After(10 * time.Second):
			a.cmd.Process.Kill()
			t.Errorf("peregrine did not stop on SIGTERM")
		}
		a.cmd.Wait()
		if t.Failed() {
			t.Logf("peregrine stderr (tail):\n%s", tail(a.stderrText(), 4000))
		}
	})
	return a
}

func (a *syscallAgent) read(r io.Reader) {
	defer close(a.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var al alertLine
		if json.Unmarshal(line, &al) != nil {
			continue
		}
		a.mu.Lock()
		a.alerts = append(a.alerts, al)
		close(a.arrived)
		a.arrived = make(chan struct{})
		a.mu.Unlock()
	}
}

func (a *syscallAgent) stderrText() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stderr.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// want is one alert a scenario must raise.
type want struct {
	rule string
	// fields must be equal (output_fields printed with %v); contains must be
	// substrings of them. "container.id" is added for container variants.
	fields   map[string]string
	contains map[string]string
	// check is an extra assertion on the matching alert.
	check func(alertLine) error
	// gap, when set, is a known peregrine capture/state gap: the sub-test
	// is skipped with this diagnosis when the alert does not arrive.
	gap string
}

func fieldString(a alertLine, k string) (string, bool) {
	v, ok := a.OutputFields[k]
	if !ok {
		return "", false
	}
	if v == nil {
		return "<NA>", true
	}
	if f, ok := v.(float64); ok && f == float64(int64(f)) {
		return fmt.Sprint(int64(f)), true
	}
	return fmt.Sprint(v), true
}

// mismatch says why an alert of the right rule does not match w ("" when it does).
func (w want) mismatch(a alertLine) string {
	for k, v := range w.fields {
		if got, _ := fieldString(a, k); got != v {
			return fmt.Sprintf("%s=%q, want %q", k, got, v)
		}
	}
	for k, v := range w.contains {
		if got, _ := fieldString(a, k); !strings.Contains(got, v) {
			return fmt.Sprintf("%s=%q, want it to contain %q", k, got, v)
		}
	}
	if w.check != nil {
		if err := w.check(a); err != nil {
			return err.Error()
		}
	}
	return ""
}

// await waits until an alert matches w or the deadline passes. It returns
// the matching alert, or a description of the near misses: alerts of the
// same rule, and any alert whose output mentions marker.
func (a *syscallAgent) await(w want, marker string, d time.Duration) (*alertLine, string) {
	deadline := time.After(d)
	seen := 0
	var near []string
	for {
		a.mu.Lock()
		alerts, arrived := a.alerts, a.arrived
		a.mu.Unlock()
		for ; seen < len(alerts); seen++ {
			al := alerts[seen]
			if al.Rule == w.rule {
				why := w.mismatch(al)
				if why == "" {
					return &al, ""
				}
				if strings.Contains(al.Output, marker) {
					near = append(near, fmt.Sprintf("same rule, %s: %s", why, al.Output))
				}
			} else if strings.Contains(al.Output, marker) {
				near = append(near, fmt.Sprintf("other rule %q: %s", al.Rule, al.Output))
			}
		}
		select {
		case <-arrived:
		case <-deadline:
			if len(near) == 0 {
				return nil, "no alert mentions " + marker
			}
			return nil, strings.Join(near, "\n")
		}
	}
}

// marker returns a short unique token (it must survive the 15-character
// process name truncation when used as a program name).
func marker() string {
	b := make([]byte, 5)
	rand.Read(b)
	return "pg" + hex.EncodeToString(b)
}

// runCmd runs a command with a timeout and returns its combined output.
// A program the test has just written can be busy for a moment: a fork
// made meanwhile by a parallel test holds the write descriptor until its
// own exec (ETXTBSY), so that exec is tried again.
func runCmd(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for attempt := 0; ; attempt++ {
		cmd := exec.CommandContext(ctx, name, args...)
		out, err := cmd.CombinedOutput()
		if errors.Is(err, syscall.ETXTBSY) && attempt < 50 {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		return string(out), err
	}
}

// ctrNamespace is the containerd namespace of the suite's containers. The
// k8s.io namespace gives them the cgroup path /k8s.io/ID, the layout
// peregrine recognises; see TestSyscallContainerIDDefaultNamespace for
// ctr's own default namespace.
const ctrNamespace = "k8s.io"

// container is a busybox container started with ctr for the suite.
type container struct {
	ns, id string
	pid    int
}

func (c *container) short() string { return c.id[:12] }

func newContainerID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// setupContainerd runs scripts/containers.sh (idempotent: installs and
// starts containerd when needed) and returns the busybox image it imported,
// and the busybox rootfs it built, or skips.
func setupContainerd(t *testing.T) (image, rootfs string) {
	t.Helper()
	if os.Getenv("PEREGRINE_CONTAINERS") == "0" {
		t.Skip("PEREGRINE_CONTAINERS=0")
	}
	script := filepath.Join(repoRoot(t), "scripts", "containers.sh")
	var out []byte
	var err error
	var stderr bytes.Buffer
	for attempt := 0; attempt < 3; attempt++ {
		stderr.Reset()
		cmd := exec.Command("bash", script)
		cmd.Stderr = &stderr
		if out, err = cmd.Output(); err == nil {
			break
		}
	}
	if err != nil {
		t.Skipf("containerd cannot be set up here (%v): %s", err, stderr.String())
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "BUSYBOX_IMAGE="); ok {
			image = v
		}
		if v, ok := strings.CutPrefix(l, "BUSYBOX_ROOTFS="); ok {
			rootfs = v
		}
	}
	if image == "" || rootfs == "" {
		t.Skipf("scripts/containers.sh printed no busybox image or rootfs: %s", out)
	}
	return image, rootfs
}

// startContainer runs a long-lived busybox container from the image (an
// overlayfs snapshot, so that files written in it are in the upper layer),
// or from a rootfs directory when image is an absolute path, with the
// helper directory bind-mounted read-only at /e2e, and removes it at the
// end of the test.
func startContainer(t *testing.T, ns, image, helperDir string, extra ...string) *container {
	t.Helper()
	c := &container{ns: ns, id: newContainerID()}
	args := []string{"-n", ns, "run", "-d",
		"--mount", "type=bind,src=" + helperDir + ",dst=/e2e,options=rbind:ro"}
	args = append(args, extra...)
	if filepath.IsAbs(image) {
		args = append(args, "--rootfs", image, c.id, "/bin/sleep", "3600")
	} else {
		args = append(args, image, c.id, "/bin/sleep", "3600")
	}
	if out, err := runCmd(context.Background(), "ctr", args...); err != nil {
		t.Fatalf("ctr run: %v\n%s", err, out)
	}
	t.Cleanup(func() { removeContainer(c) })
	out, err := runCmd(context.Background(), "ctr", "-n", ns, "task", "ls")
	if err != nil {
		t.Fatalf("ctr task ls: %v\n%s", err, out)
	}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == c.id {
			fmt.Sscan(f[1], &c.pid)
		}
	}
	if c.pid == 0 {
		t.Fatalf("container %s has no task:\n%s", c.id, out)
	}
	cg, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", c.pid))
	if !strings.Contains(string(cg), "/"+ns+"/"+c.id) {
		t.Fatalf("container %s: unexpected cgroup %q", c.id, cg)
	}
	return c
}

func removeContainer(c *container) {
	ctx := context.Background()
	runCmd(ctx, "ctr", "-n", c.ns, "task", "kill", "-s", "SIGKILL", c.id)
	for i := 0; i < 50; i++ {
		if _, err := runCmd(ctx, "ctr", "-n", c.ns, "task", "rm", "-f", c.id); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	runCmd(ctx, "ctr", "-n", c.ns, "container", "rm", c.id)
	runCmd(ctx, "ctr", "-n", c.ns, "snapshot", "rm", c.id)
}

// exec runs a command in the container (ctr task exec, no terminal).
func (c *container) exec(cmd ...string) (string, error) {
	args := append([]string{"-n", c.ns, "task", "exec", "--exec-id", marker(), c.id}, cmd...)
	return runCmd(context.Background(), "ctr", args...)
}

// execDetached starts a command in the container and does not wait for it.
func (c *container) execDetached(cmd ...string) (string, error) {
	args := append([]string{"-n", c.ns, "task", "exec", "--detach", "--exec-id", marker(), c.id}, cmd...)
	return runCmd(context.Background(), "ctr", args...)
}

// execTTY runs a command in the container with a terminal: ctr's --tty
// needs one on its own side, which script(1) provides.
func (c *container) execTTY(cmd string) (string, error) {
	line := fmt.Sprintf("ctr -n %s task exec --tty --exec-id %s %s %s", c.ns, marker(), c.id, cmd)
	return runCmd(context.Background(), "script", "-qec", line, "/dev/null")
}

// prepareSyscallE2E skips unless the machine can run the live syscall
// end-to-end tests (root, BTF, ctr, script), then sets up containerd and
// builds peregrine and the scenario helper pgtool (statically, into
// helperDir, which the containers mount at /e2e).
func prepareSyscallE2E(t *testing.T) (image, work, bin, helperDir, tool string) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	if os.Geteuid() != 0 {
		t.Skip("live syscall capture needs root")
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("live syscall capture needs BTF (/sys/kernel/btf/vmlinux)")
	}
	for _, name := range []string{"ctr", "script"} {
		if _, err := exec.LookPath(name); err != nil {
			t.Skipf("%s is not installed", name)
		}
	}
	image, _ = setupContainerd(t)
	work = t.TempDir()
	bin = buildPeregrine(t, work)
	helperDir = mkdir(t, filepath.Join(work, "e2e"))
	tool = filepath.Join(helperDir, "pgtool")
	build := exec.Command("go", "build", "-o", tool, "./test/e2e/scenarios/pgtool")
	build.Dir = repoRoot(t)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building pgtool: %v\n%s", err, out)
	}
	return image, work, bin, helperDir, tool
}
