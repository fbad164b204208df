//go:build linux && amd64

package ebpf

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/peregrine-sec/peregrine/internal/source/syscall"
	"golang.org/x/sys/unix"
)

// sys calls a raw syscall with string and integer arguments.
func sys(nr uintptr, args ...any) int64 {
	var a [6]uintptr
	for i, v := range args {
		switch v := v.(type) {
		case string:
			p, _ := unix.BytePtrFromString(v)
			a[i] = uintptr(unsafe.Pointer(p))
		case int:
			a[i] = uintptr(v)
		case uintptr:
			a[i] = v
		case unsafe.Pointer:
			a[i] = uintptr(v)
		}
	}
	r, _, errno := unix.Syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5])
	if errno != 0 {
		return -int64(errno)
	}
	return int64(r)
}

// TestFileCalls runs the file system calls on one thread and checks each
// event's parameters and the fd and cwd state.
func TestFileCalls(t *testing.T) {
	dir, _ := filepath.EvalSymlinks(t.TempDir())
	p := func(n string) string { return filepath.Join(dir, n) }
	var fd, dupfd, fcntlfd, memfd, openfd, creatfd, o2fd int64
	var pipefds [2]int32
	var tid int
	wd, _ := os.Getwd()
	s := record(t, Config{}, func() {
		tid = lockedThread(func() {
			fd = sys(unix.SYS_OPENAT, unix.AT_FDCWD, p("a"), unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC|unix.O_CLOEXEC, 0640)
			dupfd = sys(unix.SYS_DUP, int(fd))
			sys(unix.SYS_DUP2, int(fd), 100)
			sys(unix.SYS_DUP3, int(fd), 101, unix.O_CLOEXEC)
			fcntlfd = sys(unix.SYS_FCNTL, int(fd), unix.F_DUPFD, 200)
			for _, f := range []int64{dupfd, 100, 101, fcntlfd} {
				sys(unix.SYS_CLOSE, int(f))
			}
			sys(unix.SYS_CLOSE, int(fd))
			openfd = sys(unix.SYS_OPEN, p("a"), unix.O_RDONLY)
			creatfd = sys(unix.SYS_CREAT, p("c"), 0600)
			how := unix.OpenHow{Flags: unix.O_RDONLY, Resolve: unix.RESOLVE_NO_SYMLINKS}
			o2fd = sys(unix.SYS_OPENAT2, unix.AT_FDCWD, p("a"), unsafe.Pointer(&how), int(unsafe.Sizeof(how)))
			sys(unix.SYS_MKDIR, p("d"), 0755)
			sys(unix.SYS_MKDIRAT, unix.AT_FDCWD, p("e"), 0700)
			sys(unix.SYS_RENAME, p("c"), p("c2"))
			sys(unix.SYS_RENAMEAT, unix.AT_FDCWD, p("c2"), unix.AT_FDCWD, p("c3"))
			sys(unix.SYS_RENAMEAT2, unix.AT_FDCWD, p("c3"), unix.AT_FDCWD, p("c4"), unix.RENAME_NOREPLACE)
			sys(unix.SYS_LINK, p("a"), p("l1"))
			sys(unix.SYS_LINKAT, unix.AT_FDCWD, p("a"), unix.AT_FDCWD, p("l2"), 0)
			sys(unix.SYS_SYMLINK, "a", p("s1"))
			sys(unix.SYS_SYMLINKAT, "a", unix.AT_FDCWD, p("s2"))
			sys(unix.SYS_CHMOD, p("a"), 04755)
			sys(unix.SYS_FCHMOD, int(openfd), 0644)
			sys(unix.SYS_FCHMODAT, unix.AT_FDCWD, p("a"), 0600)
			sys(unix.SYS_UNLINK, p("l1"))
			sys(unix.SYS_UNLINKAT, unix.AT_FDCWD, p("e"), unix.AT_REMOVEDIR)
			sys(unix.SYS_RMDIR, p("d"))
			sys(unix.SYS_PIPE2, unsafe.Pointer(&pipefds), unix.O_CLOEXEC)
			memfd = sys(unix.SYS_MEMFD_CREATE, "peregrine-test", unix.MFD_CLOEXEC)
			sys(unix.SYS_CHDIR, dir)
			dfd := sys(unix.SYS_OPEN, dir, unix.O_RDONLY|unix.O_DIRECTORY)
			sys(unix.SYS_CHDIR, "/")
			sys(unix.SYS_FCHDIR, int(dfd))
			sys(unix.SYS_CHDIR, wd)
			sys(unix.SYS_OPENAT, unix.AT_FDCWD, p("missing"), unix.O_RDONLY)
		})
	})
	mine := s.thread(tid)
	var st unix.Stat_t
	unix.Stat(p("a"), &st)

	o := s.one(t, "openat", '<', func(r *rec) bool { return mine(r) && r.str(t, "name") == p("a") })
	const (
		ppmWronly, ppmCreat, ppmTrunc, ppmCloexec, ppmCreated = 2, 4, 256, 4096, 1 << 14
	)
	if o.int(t, "fd") != fd || o.uint(t, "flags") != ppmWronly|ppmCreat|ppmTrunc|ppmCloexec|ppmCreated ||
		o.uint(t, "mode") != 0640 || o.uint(t, "ino") != st.Ino || o.uint(t, "dev") != st.Dev {
		t.Errorf("openat: %s", o)
	}
	miss := s.one(t, "openat", '<', func(r *rec) bool { return mine(r) && r.str(t, "name") == p("missing") })
	if miss.int(t, "fd") != -int64(unix.ENOENT) || miss.uint(t, "ino") != 0 || miss.uint(t, "mode") != 0 {
		t.Errorf("failed openat: %s", miss)
	}
	op := s.one(t, "open", '<', func(r *rec) bool { return mine(r) && r.str(t, "name") == p("a") })
	if op.int(t, "fd") != openfd || op.str(t, "name") != p("a") || op.uint(t, "flags") != 1 || op.uint(t, "ino") != st.Ino {
		t.Errorf("open: %s", op)
	}
	cr := s.one(t, "creat", '<', mine)
	if cr.int(t, "fd") != creatfd || cr.str(t, "name") != p("c") || cr.uint(t, "mode") != 0600 || cr.uint(t, "ino") == 0 {
		t.Errorf("creat: %s", cr)
	}
	o2 := s.one(t, "openat2", '<', mine)
	if o2.int(t, "fd") != o2fd || o2.str(t, "name") != p("a") || o2.uint(t, "resolve") != 1<<3 || o2.uint(t, "ino") != st.Ino {
		t.Errorf("openat2: %s", o2)
	}
	if d := s.one(t, "dup", '<', mine); d.int(t, "res") != dupfd || d.int(t, "oldfd") != fd {
		t.Errorf("dup: %s", d)
	}
	if d := s.one(t, "dup2", '<', mine); d.int(t, "res") != 100 || d.int(t, "oldfd") != fd || d.int(t, "newfd") != 100 {
		t.Errorf("dup2: %s", d)
	}
	if d := s.one(t, "dup3", '<', mine); d.int(t, "res") != 101 || d.int(t, "newfd") != 101 || d.uint(t, "flags") != ppmCloexec {
		t.Errorf("dup3: %s", d)
	}
	if f := s.one(t, "fcntl", '<', mine); f.int(t, "res") != fcntlfd || f.int(t, "fd") != fd || f.uint(t, "cmd") != 1 || f.uint(t, "arg") != 200 {
		t.Errorf("fcntl: %s", f)
	}
	closes := s.find("close", '<', mine)
	enters := s.find("close", '>', mine)
	if len(closes) != 5 || len(enters) != 0 || closes[4].int(t, "fd") != fd || closes[4].int(t, "res") != 0 {
		t.Errorf("close: %d exits, %d enters", len(closes), len(enters))
	}
	checks := []struct {
		name string
		want map[string]any
	}{
		{"mkdir", map[string]any{"res": 0, "path": p("d"), "mode": 0755}},
		{"mkdirat", map[string]any{"res": 0, "dirfd": -100, "path": p("e"), "mode": 0700}},
		{"rename", map[string]any{"res": 0, "oldpath": p("c"), "newpath": p("c2")}},
		{"renameat", map[string]any{"res": 0, "olddirfd": -100, "oldpath": p("c2"), "newdirfd": -100, "newpath": p("c3")}},
		{"renameat2", map[string]any{"res": 0, "oldpath": p("c3"), "newpath": p("c4"), "flags": 1}},
		{"link", map[string]any{"res": 0, "oldpath": p("a"), "newpath": p("l1")}},
		{"linkat", map[string]any{"res": 0, "olddir": -100, "oldpath": p("a"), "newdir": -100, "newpath": p("l2"), "flags": 0}},
		{"symlink", map[string]any{"res": 0, "target": "a", "linkpath": p("s1")}},
		{"symlinkat", map[string]any{"res": 0, "target": "a", "linkdirfd": -100, "linkpath": p("s2")}},
		{"chmod", map[string]any{"res": 0, "filename": p("a"), "mode": 04755}},
		{"fchmod", map[string]any{"res": 0, "fd": int(openfd), "mode": 0644}},
		{"fchmodat", map[string]any{"res": 0, "dirfd": -100, "filename": p("a"), "mode": 0600}},
		{"unlink", map[string]any{"res": 0, "path": p("l1")}},
		{"unlinkat", map[string]any{"res": 0, "dirfd": -100, "name": p("e"), "flags": 0x200}},
		{"rmdir", map[string]any{"res": 0, "path": p("d")}},
		{"pipe2", map[string]any{"res": 0, "fd1": int(pipefds[0]), "fd2": int(pipefds[1]), "flags": ppmCloexec}},
		{"memfd_create", map[string]any{"fd": int(memfd), "name": "peregrine-test", "flags": 1}},
		{"fchdir", map[string]any{"res": 0}},
	}
	for _, c := range checks {
		r := s.one(t, c.name, '<', mine)
		for k, want := range c.want {
			switch w := want.(type) {
			case string:
				if got := r.str(t, k); got != w {
					t.Errorf("%s: %s = %q, want %q", r, k, got, w)
				}
			case int:
				if got := r.int(t, k); got != int64(w) {
					t.Errorf("%s: %s = %d, want %d", r, k, got, w)
				}
			}
		}
	}
	if pp := s.one(t, "pipe2", '<', mine); pp.uint(t, "ino") == 0 {
		t.Errorf("pipe2 without inode: %s", pp)
	}
	if len(s.find("chdir", '<', mine)) != 3 {
		t.Errorf("want 3 chdir events")
	}

	// state: fds and the working directory as the thread changes them
	seenPipe, seenMemfd, seenFchdir := false, false, false
	s.replay(func(r *rec, e *syscall.Event) {
		if !mine(r) || r.info.Dir != '<' {
			return
		}
		switch r.info.Name {
		case "dup2":
			if f := e.Thread; f == nil {
				t.Fatal("no thread")
			}
		case "pipe2":
			seenPipe = true
		case "memfd_create":
			seenMemfd = true
			if f := e.FD(); f != nil && f.Name != "memfd:peregrine-test" {
				t.Errorf("memfd fd: %+v", f)
			}
		case "fchdir":
			seenFchdir = true
			if e.Thread.Cwd != dir {
				t.Errorf("cwd after fchdir = %q, want %q", e.Thread.Cwd, dir)
			}
		case "openat":
			if r == o {
				if f := e.FD(); f == nil || f.Name != p("a") || f.Type != 'f' {
					t.Errorf("openat fd: %+v", f)
				}
			}
		}
	})
	if !seenPipe || !seenMemfd || !seenFchdir {
		t.Errorf("replay missed events")
	}
}

// TestExitFilters checks that the base syscalls no rule selects are sent
// only when they change the state (failed calls, fcntl other than
// F_DUPFD and F_DUPFD_CLOEXEC and the parent's side of a clone are
// dropped in the kernel), and that they are all sent when selected.
func TestExitFilters(t *testing.T) {
	dir, _ := filepath.EvalSymlinks(t.TempDir())
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	type result struct {
		tid, child int
		fd         int64
	}
	act := func() (r result) {
		r.tid = lockedThread(func() {
			r.fd = sys(unix.SYS_OPEN, file, unix.O_RDONLY)
			sys(unix.SYS_OPEN, filepath.Join(dir, "missing"), unix.O_RDONLY) // fails
			sys(unix.SYS_FCNTL, int(r.fd), unix.F_GETFD)
			sys(unix.SYS_FCNTL, int(r.fd), unix.F_SETFD, unix.FD_CLOEXEC)
			sys(unix.SYS_FCNTL, int(r.fd), unix.F_DUPFD, 300)
			sys(unix.SYS_FCNTL, int(r.fd), unix.F_DUPFD_CLOEXEC, 310)
			sys(unix.SYS_FCNTL, 9999, unix.F_DUPFD, 0) // fails
			sys(unix.SYS_DUP, 9999)                    // fails
			sys(unix.SYS_CLOSE, 9999)                  // fails
			sys(unix.SYS_CLOSE, 300)
			sys(unix.SYS_CLOSE, 310)
			sys(unix.SYS_CHDIR, filepath.Join(dir, "missing")) // fails
			sys(unix.SYS_SOCKET, 9999, unix.SOCK_STREAM, 0)    // fails
			refused, _ := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
			unix.Connect(refused, &unix.SockaddrInet4{Port: closedPort, Addr: [4]byte{127, 0, 0, 1}}) // ECONNREFUSED
			unix.Close(refused)
			ok, _ := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
			unix.Connect(ok, &unix.SockaddrInet4{Port: closedPort, Addr: [4]byte{127, 0, 0, 1}}) // UDP: succeeds
			unix.Close(ok)
			argv := []*byte{bytePtr("x"), nil}
			sys(unix.SYS_EXECVE, filepath.Join(dir, "missing"), unsafe.Pointer(&argv[0]), unsafe.Pointer(&argv[1])) // fails
			sys(unix.SYS_CLOSE, int(r.fd))
		})
		cmd := exec.Command("/bin/true")
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		r.child = cmd.Process.Pid
		return r
	}
	count := func(s *session, mine func(*rec) bool, name string, keep func(*rec) bool) int {
		return len(s.find(name, '<', func(r *rec) bool { return mine(r) && (keep == nil || keep(r)) }))
	}
	res := func(t *testing.T, want int64) func(*rec) bool {
		return func(r *rec) bool { return r.int(t, r.info.Params[0].Name) == want }
	}
	failed := func(t *testing.T) func(*rec) bool {
		return func(r *rec) bool { return r.int(t, r.info.Params[0].Name) < 0 }
	}
	type check struct {
		what           string
		name           string
		keep           func(*rec) bool
		selected, base int
	}
	checks := func(t *testing.T, r result) []check {
		return []check{
			{"fcntl F_GETFD/F_SETFD", "fcntl", func(e *rec) bool { c := e.uint(t, "cmd"); return c == 2 || c == 3 }, 2, 0},
			{"fcntl F_DUPFD", "fcntl", res(t, 300), 1, 1},
			{"fcntl F_DUPFD_CLOEXEC", "fcntl", res(t, 310), 1, 1},
			{"failed fcntl", "fcntl", failed(t), 1, 0},
			{"failed dup", "dup", failed(t), 1, 0},
			{"failed close", "close", failed(t), 1, 0},
			{"closes", "close", res(t, 0), 5, 5},
			{"failed open", "open", failed(t), 1, 0},
			{"open", "open", res(t, r.fd), 1, 1},
			{"failed chdir", "chdir", nil, 1, 0},
			{"failed socket", "socket", failed(t), 1, 0},
			{"sockets", "socket", func(e *rec) bool { return e.int(t, "fd") >= 0 }, 2, 2},
			{"refused connect", "connect", res(t, -int64(unix.ECONNREFUSED)), 1, 0},
			{"connect", "connect", res(t, 0), 1, 1},
			{"failed execve", "execve", failed(t), 1, 0},
		}
	}
	for _, tc := range []struct {
		name     string
		syscalls []string
	}{{"selected", nil}, {"state-only", []string{"openat"}}} {
		t.Run(tc.name, func(t *testing.T) {
			var r result
			s := record(t, Config{Syscalls: tc.syscalls}, func() { r = act() })
			mine := s.thread(r.tid)
			for _, c := range checks(t, r) {
				want := c.selected
				if tc.syscalls != nil {
					want = c.base
				}
				if got := count(s, mine, c.name, c.keep); got != want {
					t.Errorf("%s: %d events, want %d", c.what, got, want)
				}
			}
			// close sends its exit only (it carries the fd)
			if ne := len(s.find("close", '>', mine)); ne != 0 {
				t.Errorf("%d close enter events", ne)
			}
			// clone: the child's exit always, the parent's only when selected
			child := s.find("clone", '<', func(e *rec) bool { return e.ev.TID == int64(r.child) && e.int(t, "res") == 0 })
			parent := s.find("clone", '<', func(e *rec) bool { return e.int(t, "res") == int64(r.child) })
			if len(child) != 1 || (tc.syscalls == nil) != (len(parent) == 1) {
				t.Errorf("clone: %d child and %d parent events", len(child), len(parent))
			}
			if tc.syscalls != nil && s.st.Filtered == 0 {
				t.Errorf("no exit counted as filtered: %+v", s.st.Counters)
			}
			if tc.syscalls == nil && s.st.Filtered != 0 {
				t.Errorf("exits filtered with every syscall selected: %+v", s.st.Counters)
			}
			// the state still follows the fds: the fd F_DUPFD made is
			// known when it is closed
			var at300 *syscall.FD
			s.replay(func(e *rec, ev *syscall.Event) {
				if mine(e) && e.info.Name == "close" && e.info.Dir == '<' && e.int(t, "fd") == 300 {
					at300 = ev.FD()
				}
			})
			if at300 == nil || at300.Name != file {
				t.Errorf("fd 300 when closed: %+v", at300)
			}
		})
	}
}

// TestOpenFlagsAsLibscap checks the open flags libscap converts with mask
// tests: O_TMPFILE (__O_TMPFILE|O_DIRECTORY) and O_SYNC (__O_SYNC|O_DSYNC)
// are reported when any of their bits is set, and the mode with O_CREAT or
// any bit of O_TMPFILE.
func TestOpenFlagsAsLibscap(t *testing.T) {
	dir, _ := filepath.EvalSymlinks(t.TempDir())
	p := func(n string) string { return filepath.Join(dir, n) }
	os.WriteFile(p("f"), nil, 0o600)
	var tid int
	s := record(t, Config{}, func() {
		tid = lockedThread(func() {
			for _, o := range []struct {
				path  string
				flags int
			}{
				{dir, unix.O_RDONLY | unix.O_DIRECTORY},
				{p("f"), unix.O_WRONLY | unix.O_DSYNC},
				{p("f"), unix.O_WRONLY | unix.O_SYNC},
				{dir, unix.O_RDWR | unix.O_TMPFILE},
			} {
				if fd := sys(unix.SYS_OPENAT, unix.AT_FDCWD, o.path, o.flags, 0o640); fd >= 0 {
					sys(unix.SYS_CLOSE, int(fd))
				}
			}
		})
	})
	const (
		rdonly, wronly, rdwr, dsync, sync, directory, tmpfile = 1, 2, 3, 1 << 4, 1 << 7, 1 << 10, 1 << 13
	)
	got := s.find("openat", '<', s.thread(tid))
	want := []struct{ flags, mode uint64 }{
		{rdonly | directory | tmpfile, 0o640},
		{wronly | dsync | sync, 0},
		{wronly | dsync | sync, 0},
		{rdwr | directory | tmpfile, 0o640},
	}
	if len(got) != len(want) {
		t.Fatalf("%d openat events, want %d", len(got), len(want))
	}
	for i, w := range want {
		if f, m := got[i].uint(t, "flags")&^(1<<14), got[i].uint(t, "mode"); f != w.flags || m != w.mode {
			t.Errorf("%s: flags %#x mode %#o, want %#x %#o", got[i], f, m, w.flags, w.mode)
		}
	}
}
