package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// moreSyscallScenarios are further behaviours of the upstream stable and
// incubating rules, in the form of syscallScenarios.
func moreSyscallScenarios() []scenario {
	return []scenario{
		{
			name: "find_aws_credentials",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				hostRun(t, "find", filepath.Join(e.work, m, ".aws/credentials"))
				return []want{{rule: "Find AWS Credentials", fields: fm("proc.name", "find"), contains: fm("proc.cmdline", m)}}
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "find", "/tmp/"+m+"/.aws/credentials")
				return []want{{rule: "Find AWS Credentials", fields: fm("proc.name", "find"), contains: fm("proc.cmdline", m)}}
			},
		},
		{
			// A web server (a copy of pgtool named nginx) that has run for
			// more than 5 s reads /etc/shadow.
			name: "sensitive_file_read_by_server_after_startup",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				hostRun(t, filepath.Join(filepath.Dir(e.tool), "nginx"), "read-after", m, "6", "/etc/shadow")
				return []want{{rule: "Read sensitive file trusted after startup",
					fields: fm("proc.name", "nginx", "fd.name", "/etc/shadow"), contains: fm("proc.cmdline", m)}}
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "/e2e/nginx", "read-after", m, "6", "/etc/shadow")
				return []want{{rule: "Read sensitive file trusted after startup",
					fields: fm("proc.name", "nginx", "fd.name", "/etc/shadow"), contains: fm("proc.cmdline", m)}}
			},
		},
		{
			name: "read_ssh_information",
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				p := "/root/.ssh/" + m
				ctrRun(t, c, "sh", "-c", "mkdir -p /root/.ssh && echo key > "+p)
				ctrRun(t, c, "cat", p)
				ctrRun(t, c, "rm", "-f", p)
				return []want{{rule: "Read ssh information", fields: fm("proc.name", "cat", "fd.name", p)}}
			},
		},
		{
			name: "add_ssh_authorized_key",
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "sh", "-c", "mkdir -p /root/.ssh && echo 'ssh-ed25519 AAAA "+m+"' >> /root/.ssh/authorized_keys")
				return []want{{rule: "Adding ssh keys to authorized_keys",
					fields: fm("proc.name", "sh", "fd.name", "/root/.ssh/authorized_keys"), contains: fm("proc.cmdline", m)}}
			},
		},
		{
			name: "read_environ_from_proc",
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "head", "-c", "16", "/proc/1/environ", "/tmp/"+m)
				return []want{{rule: "Read environment variable from /proc files",
					fields: fm("proc.name", "head", "fd.name", "/proc/1/environ"), contains: fm("proc.cmdline", m)}}
			},
		},
		{
			// runc gives ctr's containers no CAP_SYS_ADMIN.
			name: "unshare_in_container",
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "unshare", "-U", "-r", "true", m)
				return []want{{rule: "Change namespace privileges via unshare",
					fields: fm("proc.name", "unshare", "evt.type", "unshare"), contains: fm("proc.cmdline", m)}}
			},
		},
		{
			name:       "mount_in_privileged_container",
			privileged: true,
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				d := "/tmp/" + m
				// Applets are run directly: from sh -c they would be named exe.
				ctrRun(t, c, "mkdir", "-p", d)
				ctrRun(t, c, "mount", "-t", "tmpfs", m, d)
				ctrRun(t, c, "umount", d)
				return []want{{rule: "Mount Launched in Privileged Container", fields: fm("proc.name", "mount"),
					contains: fm("proc.cmdline", m)}}
			},
		},
		{
			// busybox under debugfs' name, through a link so that the
			// executable stays the image's own (a copy would be "Drop and
			// execute new binary in container", which comes first); it
			// prints that no such applet exists, after the execve.
			name:       "debugfs_in_privileged_container",
			privileged: true,
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "sh", "-c", "ln -sf /bin/busybox /tmp/debugfs; /tmp/debugfs -R ls /dev/null "+m)
				return []want{{rule: "Debugfs Launched in Privileged Container", fields: fm("proc.name", "debugfs"),
					contains: fm("proc.cmdline", m)}}
			},
		},
		{
			// The cgroup v1 escape writes a release_agent file; any file of
			// that name written as root with CAP_SYS_ADMIN matches.
			name:       "release_agent_write",
			privileged: true,
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				d := "/tmp/" + m
				ctrRun(t, c, "sh", "-c", "mkdir -p "+d+" && echo /x > "+d+"/release_agent && rm -rf "+d)
				return []want{{rule: "Detect release_agent File Container Escapes",
					fields: fm("fd.name", "/tmp/"+m+"/release_agent"), contains: fm("thread.cap_effective", "CAP_SYS_ADMIN")}}
			},
		},
		{
			// Links to busybox, as for debugfs.
			name: "package_manager_in_container",
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "sh", "-c", "ln -sf /bin/busybox /tmp/apk; /tmp/apk add "+m)
				return []want{{rule: "Launch Package Management Process in Container", fields: fm("proc.name", "apk"),
					contains: fm("proc.cmdline", m)}}
			},
		},
		{
			name: "remote_file_copy_in_container",
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "sh", "-c", "ln -sf /bin/busybox /tmp/rsync; /tmp/rsync -a host:/"+m+" /tmp")
				return []want{{rule: "Launch Remote File Copy Tools in Container", fields: fm("proc.name", "rsync"),
					contains: fm("proc.cmdline", m)}}
			},
		},
		{
			name: "glibc_tunables_env",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				hostRun(t, "env", "GLIBC_TUNABLES=glibc.malloc.mxfast=0", "true", m)
				return []want{glibcTunables(m)}
			},
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "/e2e/pgtool", "exec-env", m, "GLIBC_TUNABLES=glibc.malloc.mxfast=0", "/bin/true", m)
				return []want{glibcTunables(m)}
			},
		},
		{
			name: "http_proxy_env",
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "/e2e/pgtool", "exec-env", m, "HTTP_PROXY=http://127.0.0.1:9", "/bin/wget", "-q", "-T", "1", "-O", "/dev/null", "http://127.0.0.1:9/"+m)
				return []want{{rule: "Program run with disallowed http proxy env", fields: fm("proc.name", "wget"),
					contains: fm("proc.cmdline", m, "proc.env", "HTTP_PROXY=http://127.0.0.1:9")}}
			},
		},
		{
			// A non-root process asks to become another user (EPERM).
			name: "non_sudo_setuid",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				if _, err := exec.LookPath("setpriv"); err != nil {
					t.Skip("setpriv is not installed")
				}
				// The test's directories are root's alone: the program runs
				// from a copy others can execute.
				dir, err := os.MkdirTemp("", "pg-setuid-")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.RemoveAll(dir) })
				os.Chmod(dir, 0o755)
				tool := filepath.Join(dir, "pgtool")
				if err := copyFile(e.tool, tool, 0o755); err != nil {
					t.Fatal(err)
				}
				hostRun(t, "setpriv", "--reuid=4242", "--regid=4242", "--clear-groups", tool, "setuid", m, "0")
				return []want{{rule: "Non sudo setuid", fields: fm("proc.name", "pgtool", "evt.type", "setuid", "user.uid", "4242"),
					contains: fm("proc.cmdline", m)}}
			},
		},
		{
			// grpck -r only reads (here a group file that does not exist).
			name: "user_management_binary",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				if _, err := exec.LookPath("grpck"); err != nil {
					t.Skip("grpck is not installed")
				}
				hostRun(t, "grpck", "-r", filepath.Join(e.work, m+"-group"), filepath.Join(e.work, m+"-gshadow"))
				return []want{{rule: "User mgmt binaries", fields: fm("proc.name", "grpck"), contains: fm("proc.cmdline", m)}}
			},
		},
		{
			name: "bpf_program_load",
			host: func(t *testing.T, e *syscallEnv, m string) []want {
				hostRun(t, e.tool, "bpf-prog-load", m)
				return []want{bpfLoad(m)}
			},
			privileged: true,
			ctr: func(t *testing.T, e *syscallEnv, c *container, m string) []want {
				ctrRun(t, c, "/e2e/pgtool", "bpf-prog-load", m)
				return []want{bpfLoad(m)}
			},
		},
	}
}

func glibcTunables(m string) want {
	return want{rule: "Potential Local Privilege Escalation via Environment Variables Misuse", fields: fm("proc.name", "true"),
		contains: fm("proc.cmdline", m, "proc.env", "GLIBC_TUNABLES=glibc.malloc.mxfast=0")}
}

func bpfLoad(m string) want {
	return want{rule: "BPF Program Not Profiled", fields: fm("proc.name", "pgtool", "evt.type", "bpf"),
		contains: fm("proc.cmdline", m, "evt.arg.cmd", "BPF_PROG_LOAD")}
}
