package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// defaultAgentOutput adds the alerting process's pid and ancestry to every
// syscall alert (append_output given with -o: a configuration file would
// have to name the rules files), so that the false-positive check can tell
// the agent's own events, this test's and a concurrently running test
// suite's apart. The default rules print container_id themselves.
const defaultAgentOutput = `append_output[]={"match": {"source": "syscall"}, "extra_output": "pid=%proc.pid` +
	` a1=%proc.aname[1]:%proc.apid[1] a2=%proc.aname[2]:%proc.apid[2] a3=%proc.aname[3]:%proc.apid[3]` +
	` a4=%proc.aname[4]:%proc.apid[4] a5=%proc.aname[5]:%proc.apid[5] a6=%proc.aname[6]:%proc.apid[6]` +
	` a7=%proc.aname[7]:%proc.apid[7] a8=%proc.aname[8]:%proc.apid[8]"}`

// quietPeriod is how long the agent must stay silent on an idle machine.
const quietPeriod = 10 * time.Second

// loginUID is the audit login uid (and uid) of the non-root "login" of the
// privilege escalation scenario.
const loginUID = 4242

// defaultEnv is what TestDefaultSyscallRules's scenarios share.
type defaultEnv struct {
	syscallEnv
	scratch string // host directory every user can traverse
	tokens  string // host directory bind-mounted as the pod's service account

	mu       sync.Mutex
	expected map[string][]string // scenario marker -> the rules it may raise
}

// expectFor records the rules marker m's behaviour may raise (none: it
// must raise no alert), for the check that nothing else fired.
func (e *defaultEnv) expectFor(m string, wants []want) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, w := range wants {
		e.expected[m] = append(e.expected[m], w.rule)
	}
	if _, ok := e.expected[m]; !ok {
		e.expected[m] = nil
	}
}

// defaultScenario performs a behaviour on the host and/or in a container
// that one of peregrine's default syscall rules (rules/syscall.yaml) must
// detect.
type defaultScenario struct {
	rule       string
	host       func(t *testing.T, e *defaultEnv, m string) []want
	ctr        func(t *testing.T, e *defaultEnv, c *container, m string) []want
	privileged bool
}

// TestDefaultSyscallRules checks peregrine's own default rules for the
// syscall source: one agent started with no -r (so the embedded defaults
// load) must stay silent through its start-up, a quiet period and a
// container start, and every rule of rules/syscall.yaml must fire on a real
// behaviour on the host and/or in a ctr busybox container, with the
// expected fields. Needs root, BTF and containerd, as TestSyscallDetections.
func TestDefaultSyscallRules(t *testing.T) {
	start := time.Now()
	image, work, bin, helperDir, tool := prepareSyscallE2E(t)
	scratch, err := os.MkdirTemp("", "pgdefault")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(scratch) })
	if err := os.Chmod(scratch, 0o755); err != nil {
		t.Fatal(err)
	}
	e := &defaultEnv{syscallEnv: syscallEnv{work: mkdir(t, filepath.Join(work, "scratch")), tool: tool}, scratch: scratch,
		expected: map[string][]string{}}
	e.tokens = serviceAccountVolume(t, work)

	// The unprivileged container gets the service account volume where
	// the kubelet mounts it; it is prepared before the agent starts (the
	// /etc/shadow written here must not count as an alert).
	e.ctr = startContainer(t, ctrNamespace, image, helperDir,
		"--mount", "type=bind,src="+e.tokens+",dst=/var/run/secrets/kubernetes.io/serviceaccount,options=rbind:ro")
	prep := "echo 'root:*:19000:0:99999:7:::' > /etc/shadow && mkdir -p /var/log " +
		"/run/secrets/kubernetes.io/serviceaccount && echo tok > /run/secrets/kubernetes.io/serviceaccount/token"
	if out, err := e.ctr.exec("/bin/sh", "-c", prep); err != nil {
		t.Fatalf("preparing container: %v\n%s", err, out)
	}
	t.Logf("set-up (builds, container) took %v", time.Since(start).Round(time.Millisecond))

	agentStart := time.Now()
	e.agent = startSyscallAgentWith(t, bin, work, "", []string{defaultAgentOutput})
	canary := waitCapturingDefault(t, e.agent)
	t.Logf("peregrine (default rules) capturing after %v", time.Since(agentStart).Round(time.Millisecond))

	// False positives: the agent's start-up, a quiet period, then a
	// container start and an ordinary exec in it.
	time.Sleep(quietPeriod)
	e.priv = startContainer(t, ctrNamespace, image, helperDir, "--privileged")
	ctrRun(t, e.priv, "ls", "/")
	time.Sleep(time.Second)
	checkNoAlerts(t, e.agent, canary, e.agent.cmd.Process.Pid)
	quietEnd := e.agent.count()

	t.Run("group", func(t *testing.T) {
		for _, s := range defaultScenarios() {
			s := s
			if s.host != nil {
				t.Run(s.rule+"/host", func(t *testing.T) {
					t.Parallel()
					m := marker()
					wants := s.host(t, e, m)
					e.expectFor(m, wants)
					expect(t, &e.syscallEnv, wants, "host", m)
				})
			}
			if s.ctr != nil {
				t.Run(s.rule+"/container", func(t *testing.T) {
					t.Parallel()
					c := e.ctr
					if s.privileged {
						c = e.priv
					}
					m := marker()
					wants := s.ctr(t, e, c, m)
					e.expectFor(m, wants)
					expect(t, &e.syscallEnv, wants, c.short(), m)
				})
			}
		}
	})
	// Every alert the scenarios raised, for the record; each must be one
	// its behaviour was expected to raise.
	time.Sleep(time.Second)
	for _, al := range e.agent.since(quietEnd) {
		t.Logf("alert: %s", al.Output)
		checkExpected(t, e, al)
	}
	t.Logf("test took %v", time.Since(start).Round(time.Millisecond))
}

// serviceAccountVolume writes a projected service account volume as the
// kubelet lays it out (token -> ..data/token, ..data -> a timestamped
// directory).
func serviceAccountVolume(t *testing.T, work string) string {
	t.Helper()
	dir := mkdir(t, filepath.Join(work, "serviceaccount"))
	ts := mkdir(t, filepath.Join(dir, "..2026_01_01_00_00_00.000000001"))
	for name, content := range map[string]string{
		"token":     "eyJhbGciOiJSUzI1NiJ9.e2e.signature",
		"namespace": "default",
		"ca.crt":    "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
	} {
		if err := os.WriteFile(filepath.Join(ts, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Base(ts), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"token", "namespace", "ca.crt"} {
		if err := os.Symlink("..data/"+name, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// waitCapturingDefault waits until the agent alerts on a canary read of
// /etc/shadow, and returns the canary's marker.
func waitCapturingDefault(t *testing.T, a *syscallAgent) string {
	t.Helper()
	m := marker()
	w := want{rule: "Credential File Read By Untrusted Program", contains: map[string]string{"proc.cmdline": m}}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		exec.Command("grep", "-c", m, "/etc/shadow").Run()
		if al, _ := a.await(w, m, 500*time.Millisecond); al != nil {
			return m
		}
		select {
		case <-a.done:
			t.Fatalf("peregrine exited:\n%s", tail(a.stderrText(), 4000))
		default:
		}
	}
	t.Fatalf("peregrine raised no alert for a canary read of /etc/shadow within 90s:\n%s", tail(a.stderrText(), 4000))
	return ""
}

func (a *syscallAgent) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.alerts)
}

func (a *syscallAgent) since(n int) []alertLine {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]alertLine(nil), a.alerts[n:]...)
}

// ancestry returns the alerting process's pid and its ancestors' names and
// pids (nearest first), from the fields defaultAgentConfig appends.
func ancestry(al alertLine) (pid int, names []string, pids []int) {
	v, _ := fieldString(al, "proc.pid")
	pid, _ = strconv.Atoi(v)
	for i := 1; i <= 8; i++ {
		n, _ := fieldString(al, fmt.Sprintf("proc.aname[%d]", i))
		p, _ := fieldString(al, fmt.Sprintf("proc.apid[%d]", i))
		ap, _ := strconv.Atoi(p)
		names = append(names, n)
		pids = append(pids, ap)
	}
	return pid, names, pids
}

// checkNoAlerts fails on any alert so far other than the canary's. An
// alert of a process below another Go test binary or `go` command (another
// suite running on the same machine and performing attacks on purpose) is
// logged, not counted.
func checkNoAlerts(t *testing.T, a *syscallAgent, canary string, agentPid int) {
	t.Helper()
	self := os.Getpid()
	for _, al := range a.since(0) {
		if cmd, _ := fieldString(al, "proc.cmdline"); strings.Contains(cmd, canary) {
			continue
		}
		pid, _, pids := ancestry(al)
		mine := pid == self || pid == agentPid
		for i := range pids {
			if pids[i] == self || pids[i] == agentPid {
				mine = true
			}
		}
		if foreignAlert(al) && !mine {
			t.Logf("alert of another test suite's process, not counted: %s", al.Output)
			continue
		}
		t.Errorf("false positive during start-up/quiet period/container start: %q: %s", al.Rule, al.Output)
	}
}

// foreignAlert reports whether the alerting process runs below another Go
// test binary or go command than this test's.
func foreignAlert(al alertLine) bool {
	self := os.Getpid()
	_, names, pids := ancestry(al)
	for i := range pids {
		if pids[i] == self {
			return false
		}
	}
	for _, n := range names {
		if strings.HasSuffix(n, ".test") || n == "go" {
			return true
		}
	}
	return false
}

// checkExpected fails on an alert of the scenarios that names no
// scenario's marker, or a rule its scenario was not expected to raise.
func checkExpected(t *testing.T, e *defaultEnv, al alertLine) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for m, rules := range e.expected {
		if !strings.Contains(al.Output, m) {
			continue
		}
		for _, r := range rules {
			if r == al.Rule {
				return
			}
		}
		t.Errorf("unexpected alert %q for the behaviour of marker %s: %s", al.Rule, m, al.Output)
		return
	}
	if foreignAlert(al) {
		t.Logf("alert of another test suite's process, not counted: %s", al.Output)
		return
	}
	t.Errorf("alert %q of no scenario: %s", al.Rule, al.Output)
}

func defaultScenarios() []defaultScenario {
	return []defaultScenario{
		{
			rule: "Interactive Shell In Container",
			ctr: func(t *testing.T, e *defaultEnv, c *container, m string) []want {
				if out, err := c.execTTY("/bin/sh -c 'echo " + m + "'"); err != nil {
					t.Logf("tty exec: %v: %s", err, out)
				}
				return []want{{rule: "Interactive Shell In Container", fields: fm("proc.name", "sh", "user.name", "root"),
					contains: fm("proc.cmdline", m), check: ttyNonZero}}
			},
		},
		{
			rule: "Credential File Read By Untrusted Program",
			host: func(t *testing.T, e *defaultEnv, m string) []want {
				hostRun(t, "grep", "-c", m, "/etc/shadow")
				return []want{credRead(m)}
			},
			ctr: func(t *testing.T, e *defaultEnv, c *container, m string) []want {
				ctrRun(t, c, "grep", "-c", m, "/etc/shadow")
				return []want{credRead(m)}
			},
		},
		{
			// The kubelet's mount (/var/run/..., a symlink chain to the
			// token) and a token under /run/secrets.
			rule: "Kubernetes Service Account Token Read By Shell Tool",
			ctr: func(t *testing.T, e *defaultEnv, c *container, m string) []want {
				ctrRun(t, c, "cat", "/var/run/secrets/kubernetes.io/serviceaccount/token", "/tmp/"+m)
				ctrRun(t, c, "head", "-c", "3", "/run/secrets/kubernetes.io/serviceaccount/token", "/tmp/"+m)
				return []want{
					{rule: "Kubernetes Service Account Token Read By Shell Tool",
						fields:   fm("proc.name", "cat", "fd.name", "/var/run/secrets/kubernetes.io/serviceaccount/token"),
						contains: fm("proc.cmdline", m)},
					{rule: "Kubernetes Service Account Token Read By Shell Tool",
						fields:   fm("proc.name", "head", "fd.name", "/run/secrets/kubernetes.io/serviceaccount/token"),
						contains: fm("proc.cmdline", m)},
				}
			},
		},
		{
			// A non-root login (audit loginuid set, then uid dropped with
			// setpriv) runs a setuid-root copy of python, which makes itself
			// root for good with setuid(0) and starts a root shell.
			rule: "Privilege Escalation To Root By Non-Root Login",
			host: func(t *testing.T, e *defaultEnv, m string) []want {
				py, err := filepath.EvalSymlinks("/usr/bin/python3")
				if err != nil {
					t.Skip("python3 is not installed")
				}
				if _, err := exec.LookPath("setpriv"); err != nil {
					t.Skip("setpriv (util-linux) is not installed")
				}
				esc := filepath.Join(e.scratch, m)
				if err := copyFile(py, esc, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(esc, 0o755|os.ModeSetuid); err != nil {
					t.Fatal(err)
				}
				// The same login's administrator session: root through sudo
				// (the login uid stays the user's), where a setuid(0) is no
				// escalation and must not be reported. It runs first, so that
				// its events are processed when the escalation's alert arrives.
				if _, err := exec.LookPath("sudo"); err == nil {
					admin := marker()
					if err := copyFile(py, filepath.Join(e.scratch, admin), 0o755); err != nil {
						t.Fatal(err)
					}
					hostRun(t, "sh", "-c", fmt.Sprintf("echo %d > /proc/self/loginuid && exec sudo -n %s -c 'import os; os.setuid(0)'",
						loginUID, filepath.Join(e.scratch, admin)))
					e.expectFor(admin, nil)
				} else {
					t.Log("sudo is not installed: the administrator session is not checked")
				}
				script := fmt.Sprintf("echo %d > /proc/self/loginuid || exit 99; exec setpriv --reuid=%d --regid=%d --clear-groups -- "+
					"%s -c 'import os; os.setuid(0); os.execv(\"/bin/sh\", [\"sh\", \"-c\", \"id -u\"])'",
					loginUID, loginUID, loginUID, esc)
				cmd := exec.Command("sh", "-c", script)
				out, err := cmd.CombinedOutput()
				if cmd.ProcessState != nil && cmd.ProcessState.ExitCode() == 99 {
					t.Skipf("cannot set the audit login uid here: %s", out)
				}
				if err != nil || strings.TrimSpace(string(out)) != "0" {
					t.Fatalf("the setuid escalation did not give a root shell (%v): %s", err, out)
				}
				return []want{{rule: "Privilege Escalation To Root By Non-Root Login",
					fields:   fm("proc.name", m, "evt.type", "setuid", "user.loginuid", strconv.Itoa(loginUID)),
					contains: fm("proc.cmdline", "os.setuid(0)")}}
			},
		},
		{
			rule: "Credential File Modified",
			// Opened for appending, nothing written: the host's file is unchanged.
			host: func(t *testing.T, e *defaultEnv, m string) []want {
				hostRun(t, "sh", "-c", ": >> /etc/passwd # "+m)
				return []want{{rule: "Credential File Modified", fields: fm("fd.name", "/etc/passwd", "proc.name", "sh"),
					contains: fm("proc.cmdline", m)}}
			},
			// A second root account appended to the container's passwd.
			ctr: func(t *testing.T, e *defaultEnv, c *container, m string) []want {
				ctrRun(t, c, "sh", "-c", "echo '"+m+":x:0:0::/root:/bin/sh' >> /etc/passwd")
				return []want{{rule: "Credential File Modified", fields: fm("fd.name", "/etc/passwd", "proc.name", "sh"),
					contains: fm("proc.cmdline", m)}}
			},
		},
		{
			rule: "Write Below Binary Directory",
			host: func(t *testing.T, e *defaultEnv, m string) []want {
				p := "/usr/local/bin/" + m
				t.Cleanup(func() { os.Remove(p) })
				hostRun(t, "touch", p)
				hostRun(t, "rm", "-f", p)
				return []want{{rule: "Write Below Binary Directory", fields: fm("fd.name", p, "proc.name", "touch"), contains: fm("proc.cmdline", m)}}
			},
			ctr: func(t *testing.T, e *defaultEnv, c *container, m string) []want {
				p := "/bin/" + m
				ctrRun(t, c, "touch", p)
				ctrRun(t, c, "rm", "-f", p)
				return []want{{rule: "Write Below Binary Directory", fields: fm("fd.name", p, "proc.name", "touch"), contains: fm("proc.cmdline", m)}}
			},
		},
		{
			rule: "Ptrace Attach To Process",
			host: func(t *testing.T, e *defaultEnv, m string) []want {
				hostRun(t, e.tool, "ptrace-attach", m)
				return []want{ptraceAttach(m)}
			},
			ctr: func(t *testing.T, e *defaultEnv, c *container, m string) []want {
				ctrRun(t, c, "/e2e/pgtool", "ptrace-attach", m)
				return []want{ptraceAttach(m)}
			},
		},
		{
			rule: "Execution From Shared Memory",
			host: func(t *testing.T, e *defaultEnv, m string) []want {
				p := "/dev/shm/" + m
				t.Cleanup(func() { os.Remove(p) })
				if err := copyFile("/bin/true", p, 0o755); err != nil {
					t.Fatal(err)
				}
				hostRun(t, p)
				return []want{{rule: "Execution From Shared Memory", fields: fm("proc.exepath", p, "proc.cmdline", m)}}
			},
			// /dev/shm is noexec in a container: a shell runs a script from it.
			ctr: func(t *testing.T, e *defaultEnv, c *container, m string) []want {
				p := "/dev/shm/" + m + ".sh"
				ctrRun(t, c, "sh", "-c", "echo true > "+p)
				ctrRun(t, c, "sh", p)
				ctrRun(t, c, "rm", "-f", p)
				return []want{{rule: "Execution From Shared Memory", fields: fm("proc.cmdline", "sh "+p)}}
			},
		},
		{
			rule: "Fileless Execution",
			host: func(t *testing.T, e *defaultEnv, m string) []want {
				hostRun(t, e.tool, "memfd-exec", m)
				return []want{fileless(m)}
			},
			ctr: func(t *testing.T, e *defaultEnv, c *container, m string) []want {
				ctrRun(t, c, "/e2e/pgtool", "memfd-exec", m)
				return []want{fileless(m)}
			},
		},
		{
			rule: "Link Over Sensitive File",
			host: func(t *testing.T, e *defaultEnv, m string) []want {
				sym, hard := filepath.Join(e.work, m+"-sym"), filepath.Join(e.work, m+"-hard")
				t.Cleanup(func() { os.Remove(sym); os.Remove(hard) })
				hostRun(t, "ln", "-s", "/etc/shadow", sym)
				hostRun(t, "ln", "/etc/shadow", hard)
				os.Remove(hard) // a second name for /etc/shadow must not stay around
				return linkSensitive(sym, hard, "symlinkat", "linkat")
			},
			ctr: func(t *testing.T, e *defaultEnv, c *container, m string) []want {
				sym, hard := "/tmp/"+m+"-sym", "/tmp/"+m+"-hard"
				ctrRun(t, c, "ln", "-s", "/etc/shadow", sym)
				ctrRun(t, c, "ln", "/etc/shadow", hard)
				ctrRun(t, c, "rm", "-f", sym, hard)
				return linkSensitive(sym, hard, "symlink", "link")
			},
		},
		{
			rule: "Log File Cleared",
			// A log with content (written without O_TRUNC), then emptied.
			host: func(t *testing.T, e *defaultEnv, m string) []want {
				p := "/var/log/" + m + ".log"
				t.Cleanup(func() { os.Remove(p) })
				f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
				if err != nil {
					t.Fatal(err)
				}
				f.WriteString("evidence\n")
				f.Close()
				hostRun(t, "cp", "/dev/null", p)
				return []want{{rule: "Log File Cleared", fields: fm("fd.name", p, "proc.name", "cp"), contains: fm("proc.cmdline", m)}}
			},
			ctr: func(t *testing.T, e *defaultEnv, c *container, m string) []want {
				p := "/var/log/" + m + ".log"
				ctrRun(t, c, "sh", "-c", "echo evidence >> "+p+"; : > "+p+"; rm -f "+p)
				return []want{{rule: "Log File Cleared", fields: fm("fd.name", p, "proc.name", "sh")}}
			},
		},
		{
			rule: "Private Key Search",
			host: func(t *testing.T, e *defaultEnv, m string) []want {
				dir := filepath.Join(e.work, m)
				hostRun(t, "find", dir, "-name", "id_rsa")
				hostRun(t, "grep", "-r", "BEGIN RSA PRIVATE", dir)
				return keySearch(m)
			},
			ctr: func(t *testing.T, e *defaultEnv, c *container, m string) []want {
				ctrRun(t, c, "find", "/tmp/"+m, "-name", "id_rsa")
				ctrRun(t, c, "grep", "-r", "BEGIN RSA PRIVATE", "/tmp/"+m)
				return keySearch(m)
			},
		},
		{
			rule: "Packet Socket In Container",
			ctr: func(t *testing.T, e *defaultEnv, c *container, m string) []want {
				ctrRun(t, c, "/e2e/pgtool", "packet-socket", m)
				return []want{{rule: "Packet Socket In Container", fields: fm("proc.name", "pgtool"), contains: fm("proc.cmdline", m)}}
			},
		},
		{
			rule: "Network Tool In Container",
			ctr: func(t *testing.T, e *defaultEnv, c *container, m string) []want {
				ctrRun(t, c, "nc", "-w", "1", "127.0.0.1", "9", "-e", "/bin/echo", m)
				return []want{{rule: "Network Tool In Container", contains: fm("proc.cmdline", "nc -w 1 127.0.0.1 9 -e /bin/echo "+m)}}
			},
		},
		{
			// finit_module of a file that is no module: the attempt (the
			// kernel refuses it, or has no module support) is detected.
			rule:       "Kernel Module Loaded",
			privileged: true,
			host: func(t *testing.T, e *defaultEnv, m string) []want {
				hostRun(t, e.tool, "finit-module", m, e.tool)
				return []want{kmod(m)}
			},
			ctr: func(t *testing.T, e *defaultEnv, c *container, m string) []want {
				ctrRun(t, c, "/e2e/pgtool", "finit-module", m, "/bin/busybox")
				return []want{kmod(m)}
			},
		},
	}
}

func credRead(m string) want {
	return want{rule: "Credential File Read By Untrusted Program",
		fields:   fm("fd.name", "/etc/shadow", "proc.name", "grep", "user.name", "root"),
		contains: fm("proc.cmdline", m)}
}

func ptraceAttach(m string) want {
	return want{rule: "Ptrace Attach To Process", fields: fm("proc.name", "pgtool", "evt.arg.request", "PTRACE_ATTACH"),
		contains: fm("proc.cmdline", m)}
}

func fileless(m string) want {
	return want{rule: "Fileless Execution", fields: fm("proc.exepath", "memfd:"+m), contains: fm("proc.cmdline", m)}
}

// linkSensitive: coreutils ln calls symlinkat/linkat, busybox ln symlink/link.
func linkSensitive(sym, hard, symlink, link string) []want {
	return []want{
		{rule: "Link Over Sensitive File", fields: fm("proc.name", "ln", "evt.type", symlink), contains: fm("evt.args", sym)},
		{rule: "Link Over Sensitive File", fields: fm("proc.name", "ln", "evt.type", link), contains: fm("evt.args", hard)},
	}
}

func keySearch(m string) []want {
	return []want{
		{rule: "Private Key Search", contains: fm("proc.cmdline", "find "), check: cmdlineHas(m, "id_rsa")},
		{rule: "Private Key Search", contains: fm("proc.cmdline", "grep -r BEGIN RSA PRIVATE"), check: cmdlineHas(m)},
	}
}

func kmod(m string) want {
	return want{rule: "Kernel Module Loaded", fields: fm("proc.name", "pgtool"), contains: fm("proc.cmdline", m)}
}

func cmdlineHas(subs ...string) func(alertLine) error {
	return func(a alertLine) error {
		v, _ := fieldString(a, "proc.cmdline")
		for _, s := range subs {
			if !strings.Contains(v, s) {
				return fmt.Errorf("proc.cmdline=%q, want it to contain %q", v, s)
			}
		}
		return nil
	}
}
