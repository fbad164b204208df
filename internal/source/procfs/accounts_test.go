package procfs

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// accountsTree builds proc/1/root -> host and proc/PID/root -> a
// container root with the given passwd and group contents.
func accountsTree(t *testing.T) (proc, ctr string) {
	t.Helper()
	dir := t.TempDir()
	proc = filepath.Join(dir, "proc")
	host := filepath.Join(dir, "host")
	ctr = filepath.Join(dir, "ctr")
	for _, d := range []string{filepath.Join(proc, "1"), filepath.Join(proc, "100"), filepath.Join(proc, "200"),
		filepath.Join(host, "etc"), filepath.Join(ctr, "etc")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	must(t, os.Symlink(host, filepath.Join(proc, "1", "root")))
	must(t, os.Symlink(ctr, filepath.Join(proc, "100", "root")))
	must(t, os.Symlink(host, filepath.Join(proc, "200", "root"))) // a process in the host's root
	must(t, os.WriteFile(filepath.Join(proc, "100", "cgroup"), []byte("0::/k8s.io/c1\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(proc, "200", "cgroup"), []byte("0::/k8s.io/c2\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(host, "etc", "passwd"), []byte("hostuser:x:4321:4321::/:/bin/sh\n"), 0o644))
	return proc, ctr
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestAccountsNamesContainerUsers(t *testing.T) {
	const now = 1
	proc, ctr := accountsTree(t)
	must(t, os.WriteFile(filepath.Join(ctr, "etc", "passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"+
		"+nisuser::::::\n"+"bad line\n"+"app:x:4321:4322:App:/home/app:/bin/sh\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(ctr, "etc", "group"), []byte("root:x:0:\napp:x:4322:\n"), 0o644))
	a := NewAccounts(proc, nil)
	if n, ok := a.UserName("c1", 100, 4321, now); !ok || n != "app" {
		t.Errorf("uid 4321 in the container: %q %v, want app", n, ok)
	}
	if n, ok := a.GroupName("c1", 100, 4322, now); !ok || n != "app" {
		t.Errorf("gid 4322 in the container: %q %v, want app", n, ok)
	}
	if n, ok := a.UserName("c1", 100, 1000, now); ok {
		t.Errorf("uid 1000 is not in the container's passwd, got %q", n)
	}
	// A process sharing the host's root directory gets no names.
	if n, ok := a.UserName("c2", 200, 4321, now); ok {
		t.Errorf("host-root process named %q", n)
	}
}

func TestAccountsReloadsOnMiss(t *testing.T) {
	now := int64(1000e9)
	proc, ctr := accountsTree(t)
	passwd := filepath.Join(ctr, "etc", "passwd")
	must(t, os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644))
	a := NewAccounts(proc, nil)
	if _, ok := a.UserName("c1", 100, 1234, now); ok {
		t.Fatal("uid 1234 named before it exists")
	}
	must(t, os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/sh\nnewuser:x:1234:1234::/:/bin/sh\n"), 0o644))
	if _, ok := a.UserName("c1", 100, 1234, now); ok {
		t.Fatal("files read again within the reload interval")
	}
	now += int64(accountsReload)
	if n, ok := a.UserName("c1", 100, 1234, now); !ok || n != "newuser" {
		t.Fatalf("after the reload interval: %q %v", n, ok)
	}
	// The asking process is gone (short-lived, evaluated after the fact):
	// the process that served before reads the files.
	must(t, os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/sh\nlater:x:1235:1235::/:/bin/sh\n"), 0o644))
	now += int64(accountsReload)
	if n, ok := a.UserName("c1", 101, 1235, now); !ok || n != "later" {
		t.Fatalf("through a remembered process: %q %v", n, ok)
	}
	// A remembered pid now in another container is not read.
	must(t, os.WriteFile(filepath.Join(proc, "100", "cgroup"), []byte("0::/k8s.io/other\n"), 0o644))
	must(t, os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/sh\nforeign:x:1236:1236::/:/bin/sh\n"), 0o644))
	now += int64(accountsReload)
	if n, ok := a.UserName("c1", 101, 1236, now); ok {
		t.Fatalf("read through a pid of another container: %q", n)
	}
	if n, ok := a.UserName("c1", 101, 1235, now); !ok || n != "later" {
		t.Fatalf("what was read before is lost: %q %v", n, ok)
	}
	// The process gone: what was read is kept.
	must(t, os.Remove(filepath.Join(proc, "100", "root")))
	now += int64(accountsReload)
	if n, ok := a.UserName("c1", 100, 1235, now); !ok || n != "later" {
		t.Fatalf("after the process left: %q %v", n, ok)
	}
}

// TestAccountsStayInsideTheContainer: links in the container's /etc resolve
// inside its root, so a container cannot make the agent read host files
// as its accounts; non-regular files are not read.
func TestAccountsStayInsideTheContainer(t *testing.T) {
	const now = 1
	proc, ctr := accountsTree(t)
	hostPasswd := filepath.Join(filepath.Dir(ctr), "host", "etc", "passwd")
	cases := map[string]func(){
		"absolute link": func() { must(t, os.Symlink(hostPasswd, filepath.Join(ctr, "etc", "passwd"))) },
		"relative link": func() {
			must(t, os.Symlink("../../../../../../../../"+hostPasswd, filepath.Join(ctr, "etc", "passwd")))
		},
		"fifo": func() { must(t, syscall.Mkfifo(filepath.Join(ctr, "etc", "passwd"), 0o644)) },
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			os.Remove(filepath.Join(ctr, "etc", "passwd"))
			setup()
			a := NewAccounts(proc, nil)
			done := make(chan struct{})
			go func() {
				defer close(done)
				if n, ok := a.UserName("c1", 100, 4321, now); ok {
					t.Errorf("named %q from outside the container", n)
				}
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("reading the container's passwd blocked")
			}
		})
	}
}

// BenchmarkAccountsUserName is the lookup every user.name of a container
// process costs once its files are read.
func BenchmarkAccountsUserName(b *testing.B) {
	dir := b.TempDir()
	ctr := filepath.Join(dir, "ctr")
	os.MkdirAll(filepath.Join(ctr, "etc"), 0o755)
	os.MkdirAll(filepath.Join(dir, "proc", "100"), 0o755)
	os.MkdirAll(filepath.Join(dir, "proc", "1"), 0o755)
	os.Symlink(dir, filepath.Join(dir, "proc", "1", "root"))
	os.Symlink(ctr, filepath.Join(dir, "proc", "100", "root"))
	os.WriteFile(filepath.Join(ctr, "etc", "passwd"), []byte("root:x:0:0:root:/root:/bin/sh\napp:x:4321:4321::/:/bin/sh\n"), 0o644)
	a := NewAccounts(filepath.Join(dir, "proc"), nil)
	id := "4e1f9a1b0c7d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f"
	os.WriteFile(filepath.Join(dir, "proc", "100", "cgroup"), []byte("0::/k8s.io/"+id+"\n"), 0o644)
	if n, ok := a.UserName(id, 100, 4321, 1); !ok || n != "app" {
		b.Fatalf("%q %v", n, ok)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.UserName(id, 100, 4321, int64(i))
	}
}

// TestAccountsFindAnotherProcess: the asking process is gone and no
// process served before; another process of the container is found.
func TestAccountsFindAnotherProcess(t *testing.T) {
	proc, ctr := accountsTree(t)
	must(t, os.WriteFile(filepath.Join(ctr, "etc", "passwd"), []byte("app:x:4321:4321::/:/bin/sh\n"), 0o644))
	a := NewAccounts(proc, nil)
	// pid 150 exited before its event was evaluated; pid 100 runs in c1.
	if n, ok := a.UserName("c1", 150, 4321, 1); !ok || n != "app" {
		t.Fatalf("through another process of the container: %q %v", n, ok)
	}
	// No process of c9 runs: no names, no error.
	if n, ok := a.UserName("c9", 151, 4321, 1); ok {
		t.Fatalf("c9 named %q", n)
	}
}
