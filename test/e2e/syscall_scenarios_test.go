package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// syscallScenarios are the behaviours of TestSyscallDetections. Each one
// matches its alerts on its marker m (in a file name or an argument), so
// that the scenarios, which run in parallel, cannot confuse each other.
func syscallScenarios() []scenario {
	return []scenario{
		{
			name: "terminal_shell",
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				if out, err := c.execTTY("/bin/sh -c 'echo " + m + "'"); err != nil {
					t.Logf("tty exec: %v: %s", err, out)
				}
				return []want{{rule: "Terminal shell in container", fields: fm("proc.name", "sh", "evt.type", "execve"),
					contains: fm("proc.cmdline", m), check: ttyNonZero}}
			},
		},
		{
			name: "read_shadow",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				hostRun(t, "grep", "-c", m, "/etc/shadow")
				return []want{readShadow(m)}
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "grep", "-c", m, "/etc/shadow")
				return []want{readShadow(m)}
			},
		},
		{
			// A user only the container's /etc/passwd names: user.name
			// comes from the container's accounts, not the host's.
			name: "container_user_names",
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				p := "/etc/pam.d/" + m
				ctrRun(t, c, "sh", "-c", "grep -q '^pgapp:' /etc/passwd || echo 'pgapp:x:4321:4321::/tmp:/bin/sh' >> /etc/passwd; "+
					"mkdir -p /etc/pam.d && echo "+m+" > "+p+" && chmod 644 "+p)
				// Not ctr exec --user, which mounts the container's snapshot
				// again to read its passwd and breaks the container's
				// overlayfs for the other scenarios.
				ctrRun(t, c, "/e2e/pgtool", "exec-as", m, "4321", "/bin/grep", "-c", m, p)
				ctrRun(t, c, "rm", "-f", p)
				return []want{{rule: "Read sensitive file untrusted",
					fields:   fm("proc.name", "grep", "fd.name", p, "user.name", "pgapp", "user.uid", "4321"),
					contains: fm("proc.cmdline", m)}}
			},
		},
		{
			name: "binary_dir_write_and_remove",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				p := "/usr/bin/" + m
				t.Cleanup(func() { os.Remove(p) })
				hostRun(t, "touch", p)
				hostRun(t, "rm", "-f", p)
				return binDir(p, m, "unlinkat")
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				p := "/bin/" + m
				ctrRun(t, c, "touch", p)
				ctrRun(t, c, "rm", "-f", p)
				return binDir(p, m, "unlink")
			},
		},
		{
			name: "ptrace_attach",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				hostRun(t, e.tool, "ptrace-attach", m)
				return []want{ptraceWant("PTRACE attached to process", m)}
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "/e2e/pgtool", "ptrace-attach", m)
				return []want{ptraceWant("PTRACE attached to process", m)}
			},
		},
		{
			name: "ptrace_traceme",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				hostRun(t, "env", "GODEBUG=asyncpreemptoff=1", e.tool, "traceme", m)
				return []want{ptraceWant("PTRACE anti-debug attempt", m)}
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "env", "GODEBUG=asyncpreemptoff=1", "/e2e/pgtool", "traceme", m)
				return []want{ptraceWant("PTRACE anti-debug attempt", m)}
			},
		},
		{
			name: "exec_from_dev_shm",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				p := "/dev/shm/" + m
				t.Cleanup(func() { os.Remove(p) })
				if err := copyFile("/bin/true", p, 0o755); err != nil {
					t.Fatal(err)
				}
				hostRun(t, p)
				return []want{{rule: "Execution from /dev/shm", fields: fm("proc.name", m, "proc.exepath", p, "evt.type", "execve")}}
			},
			// /dev/shm is noexec in a container: a shell runs a script from it.
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				p := "/dev/shm/" + m + ".sh"
				ctrRun(t, c, "sh", "-c", "echo true > "+p)
				ctrRun(t, c, "sh", p)
				ctrRun(t, c, "rm", "-f", p)
				return []want{{rule: "Execution from /dev/shm", fields: fm("proc.name", "sh", "proc.cmdline", "sh "+p)}}
			},
		},
		{
			name: "fileless_memfd_exec",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				hostRun(t, e.tool, "memfd-exec", m)
				return memfdWants(m)
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "/e2e/pgtool", "memfd-exec", m)
				return memfdWants(m)
			},
		},
		{
			name: "links_over_sensitive_file",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				sym, hard := filepath.Join(e.work, m+"-sym"), filepath.Join(e.work, m+"-hard")
				t.Cleanup(func() { os.Remove(sym); os.Remove(hard) })
				hostRun(t, "ln", "-s", "/etc/shadow", sym)
				hostRun(t, "ln", "/etc/shadow", hard)
				os.Remove(hard) // a second name for /etc/shadow must not stay around
				return linkWants(sym, hard, "symlinkat", "linkat")
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				sym, hard := "/tmp/"+m+"-sym", "/tmp/"+m+"-hard"
				ctrRun(t, c, "ln", "-s", "/etc/shadow", sym)
				ctrRun(t, c, "ln", "/etc/shadow", hard)
				ctrRun(t, c, "rm", "-f", sym, hard)
				return linkWants(sym, hard, "symlink", "link")
			},
		},
		{
			name: "clear_log",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				p := "/var/log/" + m + ".log"
				t.Cleanup(func() { os.Remove(p) })
				if err := os.WriteFile(p, []byte("evidence\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				hostRun(t, "cp", "/dev/null", p)
				return []want{{rule: "Clear Log Activities", fields: fm("fd.name", p, "proc.name", "cp", "evt.type", "openat")}}
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				p := "/var/log/" + m + ".log"
				ctrRun(t, c, "sh", "-c", ": > "+p+"; rm -f "+p)
				return []want{{rule: "Clear Log Activities", fields: fm("fd.name", p, "proc.name", "sh")}}
			},
		},
		{
			name: "search_private_keys",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				dir := filepath.Join(e.work, m)
				hostRun(t, "find", dir, "-name", "id_rsa")
				hostRun(t, "grep", "-r", "BEGIN RSA PRIVATE", dir)
				return searchWants(m)
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "find", "/tmp/"+m, "-name", "id_rsa")
				ctrRun(t, c, "grep", "-r", "BEGIN RSA PRIVATE", "/tmp/"+m)
				return searchWants(m)
			},
		},
		{
			name: "packet_socket",
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "/e2e/pgtool", "packet-socket", m)
				return []want{{rule: "Packet socket created in container", fields: fm("evt.type", "socket", "proc.name", "pgtool"),
					contains: fm("proc.cmdline", m)}}
			},
		},
		{
			// A reverse shell with busybox nc: a listener, and a client that
			// runs a program with its stdin/stdout on the connection.
			name: "netcat_reverse_shell",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				nc := filepath.Join(e.work, "nc")
				os.Symlink("/bin/busybox", nc)
				hostRun(t, nc, "-w", "1", "127.0.0.1", "9", "-e", "/bin/echo", m)
				return []want{{rule: "Launch Suspicious Network Tool on Host", fields: fm("proc.name", "nc"), contains: fm("proc.cmdline", m)}}
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				// Each program is run by ctr itself: busybox sh runs applets
				// by re-executing /proc/self/exe, so their name would be "exe".
				if out, err := c.execDetached("nc", "-l", "-p", "4711"); err != nil {
					t.Fatalf("nc listener: %v: %s", err, out)
				}
				time.Sleep(300 * time.Millisecond)
				ctrRun(t, c, "nc", "-w", "2", "127.0.0.1", "4711", "-e", "/bin/echo", m)
				cmd := fm("proc.cmdline", m)
				return []want{
					{rule: "Netcat Remote Code Execution in Container", fields: fm("proc.name", "nc", "evt.type", "execve"), contains: cmd},
					// Falco reports the first matching rule only (rule_matching:
					// first), so the client is reported as Netcat RCE; the
					// listener, without -e, as a suspicious network tool.
					{rule: "Launch Suspicious Network Tool in Container", fields: fm("proc.name", "nc", "proc.cmdline", "nc -l -p 4711")},
					{rule: "Redirect STDOUT/STDIN to Network Connection in Container", fields: fm("proc.name", "nc", "fd.type", "ipv4", "fd.l4proto", "tcp"),
						contains: fm("proc.cmdline", m, "evt.type", "dup", "fd.name", "127.0.0.1:4711")},
				}
			},
		},
		{
			name: "remove_bulk_data",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				p := filepath.Join(e.work, m)
				os.WriteFile(p, []byte("data"), 0o644)
				hostRun(t, "shred", "-u", p)
				return []want{{rule: "Remove Bulk Data from Disk", fields: fm("proc.name", "shred"), contains: fm("proc.cmdline", m)}}
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "sh", "-c", "echo data > /tmp/"+m)
				ctrRun(t, c, "shred", "-u", "/tmp/"+m)
				return []want{{rule: "Remove Bulk Data from Disk", fields: fm("proc.name", "shred"), contains: fm("proc.cmdline", m)}}
			},
		},
		{
			// A program named like a web server spawns a shell.
			name: "shell_from_web_server",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				hostRun(t, filepath.Join(filepath.Dir(e.tool), "nginx"), "spawn-shell", m)
				return []want{shellUntrusted(m)}
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "/e2e/nginx", "spawn-shell", m)
				return []want{shellUntrusted(m)}
			},
		},
		{
			name: "drop_and_execute",
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				p := "/tmp/busybox-" + m
				ctrRun(t, c, "sh", "-c", "cp /bin/busybox "+p+" && "+p+" true; rm -f "+p)
				return []want{{rule: "Drop and execute new binary in container", fields: fm("proc.exe", p, "evt.type", "execve")}}
			},
		},
		{
			name: "ssh_non_standard_port",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				if _, err := exec.LookPath("ssh"); err != nil {
					t.Skip("ssh is not installed")
				}
				if !hasDefaultRoute() {
					t.Skip("no default route: an outbound connect cannot be in progress")
				}
				// 203.0.113.1 (TEST-NET-3) never answers; the connect is in progress.
				hostRun(t, "ssh", "-o", "ConnectTimeout=1", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
					"-o", "UserKnownHostsFile=/dev/null", "-p", "443", m+"@203.0.113.1", "true")
				return []want{{rule: "Disallowed SSH Connection Non Standard Port",
					fields:   fm("proc.name", "ssh", "evt.type", "connect", "fd.rport", "443", "fd.l4proto", "tcp"),
					contains: fm("proc.cmdline", m, "fd.name", "203.0.113.1:443")}}
			},
		},
		{
			name: "directory_traversal_read",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				hostRun(t, "grep", "-c", m, "/etc/../etc/../etc/passwd")
				return []want{traversal(m)}
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "grep", "-c", m, "/etc/../etc/../etc/passwd")
				return []want{traversal(m)}
			},
		},
		{
			name: "change_namespace",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				hostRun(t, e.tool, "setns", m)
				return []want{{rule: "Change thread namespace", fields: fm("proc.name", "pgtool", "evt.type", "setns"), contains: fm("proc.cmdline", m)}}
			},
			// nsenter in an unprivileged container: setns fails (EPERM), the attempt is what counts.
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "nsenter", "-t", "1", "-n", "echo", m)
				return []want{{rule: "Change thread namespace", fields: fm("proc.name", "nsenter", "evt.type", "setns"), contains: fm("proc.cmdline", m)}}
			},
		},
		{
			name:       "kernel_module_load",
			privileged: true,
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "/e2e/pgtool", "finit-module", m, "/bin/busybox")
				return []want{{rule: "Linux Kernel Module Injection Detected", fields: fm("proc.name", "pgtool", "evt.type", "finit_module"),
					contains: fm("proc.cmdline", m)}}
			},
		},
		{
			name: "file_below_dev",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				p := "/dev/" + m
				t.Cleanup(func() { os.Remove(p) })
				hostRun(t, "touch", p)
				return []want{{rule: "Create files below dev", fields: fm("fd.name", p, "proc.name", "touch")}}
			},
		},
		{
			name: "cron_job",
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				p := "/etc/cron.d/" + m
				ctrRun(t, c, "sh", "-c", "echo '* * * * * root true' > "+p+"; rm -f "+p)
				return []want{{rule: "Schedule Cron Jobs", fields: fm("fd.name", p, "proc.name", "sh")}}
			},
		},
		{
			name: "shell_config_and_history",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				home := mkdir(t, filepath.Join(e.work, m))
				hostRun(t, "touch", filepath.Join(home, ".bashrc"))
				hist := filepath.Join(home, ".bash_history")
				os.WriteFile(hist, []byte("ls\n"), 0o600)
				hostRun(t, "rm", hist)
				return shellFiles(home, m, "unlinkat")
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				home := "/tmp/" + m
				ctrRun(t, c, "mkdir", "-p", home)
				ctrRun(t, c, "touch", home+"/.bashrc")
				ctrRun(t, c, "touch", home+"/.bash_history")
				ctrRun(t, c, "rm", home+"/.bash_history")
				ctrRun(t, c, "rm", "-rf", home)
				return shellFiles(home, m, "unlink")
			},
		},
		{
			name: "setuid_bit",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				p := filepath.Join(e.work, m)
				os.WriteFile(p, nil, 0o755)
				hostRun(t, "chmod", "u+s", p)
				os.Remove(p)
				return []want{{rule: "Set Setuid or Setgid bit", fields: fm("proc.name", "chmod"), contains: fm("proc.cmdline", m, "evt.arg.mode", "S_ISUID")}}
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				p := "/tmp/" + m
				ctrRun(t, c, "touch", p)
				ctrRun(t, c, "chmod", "u+s", p)
				ctrRun(t, c, "rm", "-f", p)
				return []want{{rule: "Set Setuid or Setgid bit", fields: fm("proc.name", "chmod"), contains: fm("proc.cmdline", m, "evt.arg.mode", "S_ISUID")}}
			},
		},
		{
			// ctr's own namespace gives the cgroup path /default/ID.
			name: "container_id_default_namespace",
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				_, rootfs := setupContainerd(t)
				dir := filepath.Join(e.work, m+"-rootfs")
				if out, err := exec.Command("cp", "-a", rootfs, dir).CombinedOutput(); err != nil {
					t.Fatalf("copying the rootfs: %v: %s", err, out)
				}
				t.Cleanup(func() { os.RemoveAll(dir) })
				dc := startContainer(t, "default", dir, filepath.Dir(e.tool))
				ctrRun(t, dc, "/e2e/pgtool", "packet-socket", m)
				return []want{{rule: "Packet socket created in container", fields: fm("proc.name", "pgtool", "container.id", dc.short()),
					contains: fm("proc.cmdline", m)}}
			},
		},
	}
}

func readShadow(m string) want {
	return want{rule: "Read sensitive file untrusted",
		fields:   fm("proc.name", "grep", "fd.name", "/etc/shadow", "evt.type", "openat", "user.name", "root", "user.uid", "0"),
		contains: fm("proc.cmdline", m)}
}

// binDir: coreutils rm calls unlinkat, busybox rm unlink.
func binDir(p, m, unlink string) []want {
	return []want{
		{rule: "Write below binary dir", fields: fm("fd.name", p, "proc.name", "touch", "evt.type", "openat"), contains: fm("proc.cmdline", m)},
		{rule: "Modify binary dirs", fields: fm("proc.name", "rm", "evt.type", unlink), contains: fm("proc.cmdline", m, "evt.args", p)},
	}
}

func ptraceWant(rule, m string) want {
	return want{rule: rule, fields: fm("proc.name", "pgtool", "evt.type", "ptrace"), contains: fm("proc.cmdline", m)}
}

// memfdWants: the detection, and the executable path the upstream
// exception for runc (proc.exepath = "memfd:runc_cloned:/proc/self/exe")
// relies on: "memfd:NAME".
func memfdWants(m string) []want {
	w := want{rule: "Fileless execution via memfd_create", fields: fm("evt.type", "execve", "evt.res", "SUCCESS"),
		contains: fm("proc.cmdline", m, "proc.name", "memfd:", "evt.arg.flags", "EXE_FROM_MEMFD")}
	path := w
	path.fields = fm("evt.type", "execve", "proc.exepath", "memfd:"+m)
	return []want{w, path}
}

// linkWants: coreutils ln calls symlinkat/linkat, busybox ln symlink/link.
func linkWants(sym, hard, symlink, link string) []want {
	return []want{
		{rule: "Create Symlink Over Sensitive Files", fields: fm("evt.arg.target", "/etc/shadow", "evt.arg.linkpath", sym, "proc.name", "ln", "evt.type", symlink)},
		{rule: "Create Hardlink Over Sensitive Files", fields: fm("evt.arg.oldpath", "/etc/shadow", "evt.arg.newpath", hard, "proc.name", "ln", "evt.type", link)},
	}
}

func searchWants(m string) []want {
	return []want{
		{rule: "Search Private Keys or Passwords", fields: fm("proc.name", "find", "evt.type", "execve"), contains: fm("proc.cmdline", m)},
		{rule: "Search Private Keys or Passwords", fields: fm("proc.name", "grep", "evt.type", "execve"), contains: fm("proc.cmdline", m)},
	}
}

func shellUntrusted(m string) want {
	return want{rule: "Run shell untrusted", fields: fm("proc.name", "sh", "proc.pname", "nginx", "evt.type", "execve"),
		contains: fm("proc.cmdline", m)}
}

func traversal(m string) want {
	return want{rule: "Directory traversal monitored file read",
		fields:   fm("fd.name", "/etc/passwd", "fd.nameraw", "/etc/../etc/../etc/passwd", "proc.name", "grep"),
		contains: fm("proc.cmdline", m)}
}

func shellFiles(home, m, unlink string) []want {
	return []want{
		{rule: "Modify Shell Configuration File", fields: fm("fd.name", home+"/.bashrc", "proc.name", "touch")},
		{rule: "Delete or rename shell history", fields: fm("proc.name", "rm", "evt.type", unlink), contains: fm("proc.cmdline", m)},
	}
}
