package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/peregrine-sec/peregrine/internal/testutil"
)

// namedConnectionRule compares fd.sip.name with a host name and prints
// every fd.*.name field.
const namedConnectionRule = `- rule: Connection to a named host
  desc: a connection to a host the rules name
  condition: evt.type = connect and fd.sip.name in (peregrine-e2e.example)
  output: "named connection (sip_name=%fd.sip.name rip_name=%fd.rip.name cip_name=%fd.cip.name connection=%fd.name cmdline=%proc.cmdline)"
  priority: NOTICE
`

// TestHostNamesFromRules: the host names the rules compare fd.*.name with
// are resolved by the system resolver (here from an /etc/hosts the agent
// alone sees, bind-mounted in its own mount namespace), and connections to
// their addresses are named: a custom rule on the host, and the upstream
// stable rule "Contact K8S API Server From Container", whose macro is
// fd.sip.name = kubernetes.default.svc.cluster.local, from a container.
func TestHostNamesFromRules(t *testing.T) {
	image, work, bin, helperDir, _ := prepareSyscallE2E(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare is not installed")
	}
	hosts := filepath.Join(work, "hosts")
	os.WriteFile(hosts, []byte("127.0.0.1 localhost\n127.0.0.2 kubernetes.default.svc.cluster.local\n"+
		"127.0.0.3 peregrine-e2e.example\n"), 0o644)
	custom := filepath.Join(work, "named.yaml")
	os.WriteFile(custom, []byte(namedConnectionRule), 0o644)
	upstream := filepath.Join(testutil.SharedDir(t), "compat", "rules", "upstream", "falco_rules.yaml")
	c := startContainer(t, ctrNamespace, image, helperDir)

	args := agentArgs(t, work, agentConfig, nil, []string{upstream, custom})
	argv := append([]string{"unshare", "-m", "--propagation", "private", "sh", "-c",
		`mount --bind "$0" /etc/hosts && exec "$@"`, hosts, bin}, args...)
	a := launchAgent(t, work, argv)
	waitCapturing(t, a)

	t.Run("host", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.3:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				conn.Close()
			}
		}()
		m := marker()
		port := ln.Addr().(*net.TCPAddr).Port
		hostRun(t, "bash", "-c", fmt.Sprintf("exec 3<>/dev/tcp/127.0.0.3/%d; echo %s", port, m))
		w := want{rule: "Connection to a named host",
			fields:   fm("fd.sip.name", "peregrine-e2e.example", "fd.rip.name", "peregrine-e2e.example", "fd.cip.name", "<NA>"),
			contains: fm("proc.cmdline", m, "fd.name", fmt.Sprintf("->127.0.0.3:%d", port))}
		if _, near := a.await(w, m, 10*time.Second); near != "" {
			t.Errorf("%q not raised: %s", w.rule, near)
		}
	})
	t.Run("container", func(t *testing.T) {
		if out, err := c.execDetached("nc", "-l", "-p", "6443"); err != nil {
			t.Fatalf("listener: %v: %s", err, out)
		}
		m := marker()
		deadline := time.Now().Add(10 * time.Second)
		w := want{rule: "Contact K8S API Server From Container", fields: fm("container.id", c.short()),
			contains: fm("fd.name", "->127.0.0.2:6443")}
		for {
			// Until the listener is up, the connect is refused (and still
			// a connect to the API server's address).
			ctrRun(t, c, "sh", "-c", "echo "+m+" | nc -w 1 127.0.0.2 6443")
			al, near := a.await(w, c.short(), time.Second)
			if al != nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%q not raised: %s", w.rule, near)
			}
		}
	})
}
