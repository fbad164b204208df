//go:build linux && amd64

package ebpf

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	gosyscall "syscall"
	"testing"
	"unsafe"

	"github.com/peregrine-sec/peregrine/internal/source/syscall"
	"golang.org/x/sys/unix"
)

// TestProcessLifecycle runs sh -c 'cat /etc/hostname; exit 3' in a temp
// directory and checks the clone, execve, openat and procexit events and
// the thread state built from them.
func TestProcessLifecycle(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var shPid int
	s := record(t, Config{}, func() {
		cmd := exec.Command("/bin/sh", "-c", "cat /etc/hostname; exit 3")
		cmd.Dir = dir
		cmd.Env = []string{"PEREGRINE_TEST=1", "PATH=/usr/bin:/bin"}
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			t.Fatalf("sh: %v", err)
		}
		shPid = cmd.Process.Pid
	})

	// execve of sh
	sh := s.one(t, "execve", '<', func(r *rec) bool { return r.ev.TID == int64(shPid) && r.int(t, "res") == 0 && r.str(t, "comm") == "sh" })
	shExe, _ := filepath.EvalSymlinks("/bin/sh")
	for name, want := range map[string]string{
		"exe": "/bin/sh", "cwd": dir, "comm": "sh", "filename": "/bin/sh", "trusted_exepath": shExe,
	} {
		if got := sh.str(t, name); got != want {
			t.Errorf("sh execve %s = %q, want %q", name, got, want)
		}
	}
	if got := string(sh.param(t, "args")); got != "-c\x00cat /etc/hostname; exit 3\x00" {
		t.Errorf("sh execve args = %q", got)
	}
	if got := string(sh.param(t, "env")); got != "PEREGRINE_TEST=1\x00PATH=/usr/bin:/bin\x00" {
		t.Errorf("sh execve env = %q", got)
	}
	if sh.int(t, "tid") != int64(shPid) || sh.int(t, "pid") != int64(shPid) {
		t.Errorf("sh execve tid/pid: %s", sh)
	}
	if ptid := sh.int(t, "ptid"); !isOurThread(ptid) {
		t.Errorf("sh execve ptid %d is not a thread of the test process", ptid)
	}
	if sh.uint(t, "uid") != uint64(os.Geteuid()) || sh.uint(t, "gid") != uint64(os.Getegid()) {
		t.Errorf("sh execve uid/gid: %s", sh)
	}
	if sh.uint(t, "fdlimit") == 0 || sh.uint(t, "cap_effective") == 0 {
		t.Errorf("sh execve fdlimit/caps empty: %s", sh)
	}
	if pg := sh.int(t, "pgid"); pg != int64(unix.Getpgrp()) {
		t.Errorf("sh execve pgid = %d, want %d", pg, unix.Getpgrp())
	}
	var st unix.Stat_t
	unix.Stat(shExe, &st)
	if sh.uint(t, "exe_ino") != st.Ino || sh.uint(t, "exe_ino_mtime") != uint64(st.Mtim.Nano()) {
		t.Errorf("sh execve exe_ino %d mtime %d, want %d %d", sh.uint(t, "exe_ino"), sh.uint(t, "exe_ino_mtime"), st.Ino, st.Mtim.Nano())
	}
	cg := string(sh.param(t, "cgroups"))
	if !strings.Contains(cg, "memory=/") || !strings.Contains(cg, "cpu=/") {
		t.Errorf("sh execve cgroups = %q", cg)
	}
	if own, _ := os.ReadFile("/proc/self/cgroup"); strings.Contains(string(own), ":memory:") {
		want := ""
		for _, line := range strings.Split(string(own), "\n") {
			if _, p, ok := strings.Cut(line, ":memory:"); ok {
				want = "memory=" + p + "\x00"
			}
		}
		if !strings.Contains(cg, want) {
			t.Errorf("sh execve cgroups %q lack %q", cg, want)
		}
	}

	// the child sh forks for cat: clone exit in the child (res 0) and the parent
	child := s.find("clone", '<', func(r *rec) bool { return r.int(t, "res") == 0 && r.int(t, "ptid") == int64(shPid) })
	child = append(child, s.find("fork", '<', func(r *rec) bool { return r.int(t, "res") == 0 && r.int(t, "ptid") == int64(shPid) })...)
	child = append(child, s.find("vfork", '<', func(r *rec) bool { return r.int(t, "res") == 0 && r.int(t, "ptid") == int64(shPid) })...)
	if len(child) != 1 {
		t.Fatalf("want one clone child event of sh, got %d", len(child))
	}
	catPid := child[0].ev.TID
	if child[0].int(t, "pid") != catPid || child[0].str(t, "comm") != "sh" || child[0].str(t, "cwd") != dir ||
		child[0].str(t, "exe") != "/bin/sh" || child[0].int(t, "vtid") != catPid {
		t.Errorf("clone child: %s", child[0])
	}
	parent := s.one(t, child[0].info.Name, '<', func(r *rec) bool { return r.ev.TID == int64(shPid) && r.int(t, "res") == catPid })
	if parent.int(t, "ptid") != sh.int(t, "ptid") {
		t.Errorf("clone parent: %s", parent)
	}

	cat := s.one(t, "execve", '<', byTID(int(catPid)))
	if cat.str(t, "exe") != "cat" || string(cat.param(t, "args")) != "/etc/hostname\x00" || cat.int(t, "ptid") != int64(shPid) ||
		cat.str(t, "comm") != "cat" || cat.str(t, "cwd") != dir || !strings.HasSuffix(cat.str(t, "filename"), "/cat") {
		t.Errorf("cat execve: %s", cat)
	}
	open := s.one(t, "openat", '<', func(r *rec) bool { return r.ev.TID == catPid && r.str(t, "name") == "/etc/hostname" })
	unix.Stat("/etc/hostname", &st)
	if open.int(t, "fd") < 0 || open.uint(t, "ino") != st.Ino || open.uint(t, "dev") != st.Dev ||
		open.uint(t, "flags")&3 != 1 || open.int(t, "dirfd") != -100 {
		t.Errorf("cat openat: %s (want ino %d dev %d)", open, st.Ino, st.Dev)
	}
	exit := s.one(t, "procexit", '>', byTID(shPid))
	if exit.int(t, "status") != 3<<8 || exit.int(t, "ret") != 3 || exit.uint(t, "sig") != 0 {
		t.Errorf("sh procexit: %s", exit)
	}
	s.one(t, "procexit", '>', byTID(int(catPid)))

	// state: the cat thread as the rules see it when it opens the file
	var checked bool
	st2 := s.replay(func(r *rec, e *syscall.Event) {
		if r != open {
			return
		}
		checked = true
		th := e.Thread
		if th == nil {
			t.Fatal("no thread for cat's openat")
		}
		if th.Exe != "cat" || th.Comm != "cat" || strings.Join(th.Args, " ") != "/etc/hostname" || th.Cwd != dir ||
			th.PTID != int64(shPid) || th.PID != catPid || !strings.HasSuffix(th.ExePath, "/cat") {
			t.Errorf("cat thread: %+v", th)
		}
		if f := e.FD(); f == nil || f.Name != "/etc/hostname" || f.Type != 'f' || f.Ino != st.Ino {
			t.Errorf("cat's fd: %+v", f)
		}
		if p := st2parent(e); p == nil || p.Exe != "/bin/sh" || p.Cwd != dir {
			t.Errorf("cat's parent: %+v", p)
		}
	})
	if !checked {
		t.Fatal("the openat was not replayed")
	}
	if st2.Thread(int64(shPid)) != nil || st2.Thread(catPid) != nil {
		t.Errorf("exited threads are still in the state")
	}
}

// st2parent returns the parent thread of an event's thread.
func st2parent(e *syscall.Event) *syscall.Thread {
	if e.Thread == nil {
		return nil
	}
	return e.State.Thread(e.Thread.PTID)
}

// isOurThread reports whether tid is a thread of the test process.
func isOurThread(tid int64) bool {
	_, err := os.Stat("/proc/self/task/" + strconv.FormatInt(tid, 10))
	return err == nil
}

// memfdName is the name runc gives the memfd copy of itself it re-executes
// (the upstream rules' exception compares proc.exepath with
// "memfd:runc_cloned:/proc/self/exe").
const memfdName = "runc_cloned:/proc/self/exe"

// helperMemfdExec copies /bin/true into a memfd and executes it with
// execveat(fd, "", AT_EMPTY_PATH), as fexecve does.
func helperMemfdExec() {
	fd, err := unix.MemfdCreate(memfdName, unix.MFD_CLOEXEC)
	if err != nil {
		os.Exit(2)
	}
	bin, err := os.ReadFile("/bin/true")
	if err != nil {
		os.Exit(3)
	}
	if _, err := unix.Write(fd, bin); err != nil {
		os.Exit(4)
	}
	argv := []*byte{bytePtr("true-from-memfd"), nil}
	envp := []*byte{bytePtr("PEREGRINE_MEMFD=1"), nil}
	sys(unix.SYS_EXECVEAT, fd, "", unsafe.Pointer(&argv[0]), unsafe.Pointer(&envp[0]), unix.AT_EMPTY_PATH)
}

func bytePtr(s string) *byte {
	p, _ := unix.BytePtrFromString(s)
	return p
}

// TestMemfdExec checks that an executable run from a memfd has the
// trusted_exepath "memfd:NAME" and the PPM_EXE_FROM_MEMFD flag, and that
// the state's proc.exepath is that path.
func TestMemfdExec(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	s := record(t, Config{}, func() {
		cmd := exec.Command(exe)
		cmd.Env = []string{helperEnv + "=memfd-exec"}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("helper: %v %s", err, out)
		}
		pid = cmd.Process.Pid
	})
	// On x86_64 a successful execveat reaches sys_exit as an execve (the
	// kernel reports syscall 59), and Falco's probe sends an execve exit
	// for it too.
	ev := s.one(t, "execve", '<', func(r *rec) bool {
		return r.ev.TID == int64(pid) && r.int(t, "res") == 0 && r.str(t, "exe") == "true-from-memfd"
	})
	const want = "memfd:" + memfdName
	if got := ev.str(t, "trusted_exepath"); got != want {
		t.Errorf("execve trusted_exepath = %q, want %q", got, want)
	}
	const exeFromMemfd = 1 << 2
	if ev.uint(t, "flags")&exeFromMemfd == 0 {
		t.Errorf("execve flags %#x lack PPM_EXE_FROM_MEMFD", ev.uint(t, "flags"))
	}
	if ev.str(t, "comm") != "memfd:runc_clon" || !strings.HasPrefix(ev.str(t, "filename"), "/dev/fd/") {
		t.Errorf("execve: %s", ev)
	}
	var checked bool
	s.replay(func(r *rec, e *syscall.Event) {
		if r != ev {
			return
		}
		checked = true
		if e.Thread == nil || e.Thread.ExePath != want || e.Thread.ExeFlags&exeFromMemfd == 0 {
			t.Errorf("thread after the memfd exec: %+v", e.Thread)
		}
	})
	if !checked {
		t.Fatal("the execve was not replayed")
	}
}

// cloneArgs is struct clone_args (linux/sched.h), first version.
type cloneArgs struct {
	flags, pidfd, childTID, parentTID, exitSignal, stack, stackSize, tls uint64
}

// helperClone3 creates, with clone3, a child in a new pid namespace whose
// parent is the helper's parent (CLONE_PARENT), as runc's init does, and
// prints the child's pid. The child exits at once.
func helperClone3() {
	runtime.LockOSThread()
	args := cloneArgs{flags: unix.CLONE_PARENT | unix.CLONE_NEWPID}
	pid, _, errno := unix.RawSyscall(unix.SYS_CLONE3, uintptr(unsafe.Pointer(&args)), unsafe.Sizeof(args), 0)
	if pid == 0 && errno == 0 {
		unix.RawSyscall(unix.SYS_EXIT_GROUP, 0, 0, 0)
	}
	if errno != 0 {
		os.Exit(2)
	}
	os.Stdout.WriteString(strconv.Itoa(int(pid)))
}

// TestClone3NewPidNamespace checks clone3's flags (read from its
// clone_args) and pids for a child created with CLONE_PARENT|CLONE_NEWPID.
func TestClone3NewPidNamespace(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var helper, child, vforked int
	s := record(t, Config{}, func() {
		cmd := exec.Command(exe)
		cmd.Env = []string{helperEnv + "=clone3"}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("helper: %v", err)
		}
		helper = cmd.Process.Pid
		if child, err = strconv.Atoi(string(out)); err != nil {
			t.Fatalf("helper output %q", out)
		}
		var ws unix.WaitStatus
		unix.Wait4(child, &ws, 0, nil) // our child now (CLONE_PARENT)
		// Go starts a child with clone3 and CLONE_VFORK|CLONE_VM when asked
		// for a new time namespace
		vf := exec.Command("/bin/true")
		vf.SysProcAttr = &gosyscall.SysProcAttr{Cloneflags: unix.CLONE_NEWPID | unix.CLONE_NEWTIME}
		if err := vf.Run(); err != nil {
			t.Logf("clone3 with CLONE_NEWTIME: %v", err)
		} else {
			vforked = vf.Process.Pid
		}
	})
	const (
		ppmNewPID, ppmParent, ppmChildInPidNS = 1 << 6, 1 << 8, 1 << 29
	)
	c := s.one(t, "clone3", '<', byTID(child))
	// ptid is the parent task's pid (real_parent->pid, as Falco's probe
	// reports it): with CLONE_PARENT, the test thread that started the helper
	if c.int(t, "res") != 0 || c.int(t, "pid") != int64(child) || c.int(t, "tid") != int64(child) ||
		!isOurThread(c.int(t, "ptid")) || c.int(t, "vtid") != 1 || c.int(t, "vpid") != 1 {
		t.Errorf("clone3 child: %s", c)
	}
	if f := c.uint(t, "flags"); f != ppmNewPID|ppmParent|ppmChildInPidNS {
		t.Errorf("clone3 child flags %#x, want %#x", f, ppmNewPID|ppmParent|ppmChildInPidNS)
	}
	p := s.one(t, "clone3", '<', func(r *rec) bool { return r.ev.TID == int64(helper) && r.int(t, "res") == int64(child) })
	if p.int(t, "res") != int64(child) || p.uint(t, "flags") != ppmNewPID|ppmParent {
		t.Errorf("clone3 parent: %s (flags want %#x)", p, ppmNewPID|ppmParent)
	}
	if vforked == 0 {
		t.Fatal("no clone3 child with CLONE_VFORK|CLONE_VM")
	}
	const ppmVM, ppmVfork = 1 << 15, 1 << 27 // CLONE_NEWTIME has no PPM_CL_ bit
	v := s.one(t, "clone3", '<', byTID(vforked))
	if f := v.uint(t, "flags"); f != ppmNewPID|ppmVM|ppmVfork|ppmChildInPidNS || v.int(t, "pid") != int64(vforked) || v.int(t, "vpid") != 1 {
		t.Errorf("clone3 CLONE_VFORK|CLONE_VM child: %s (flags want %#x)", v, ppmNewPID|ppmVM|ppmVfork|ppmChildInPidNS)
	}
}

// TestProcexitReaper checks procexit's reaper_tid: the thread that adopts
// the children of an exiting process, here the test process made a child
// subreaper (PR_SET_CHILD_SUBREAPER), and 0 for a process without
// children.
func TestProcexitReaper(t *testing.T) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Skipf("PR_SET_CHILD_SUBREAPER: %v", err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	// A single-threaded shell leaves an orphan behind and exits: the orphan
	// goes to us, the subreaper. (A multi-threaded helper would race: while
	// its threads exit together, each may still see another one alive.)
	var helper, orphan int
	s := record(t, Config{}, func() {
		cmd := exec.Command("/bin/sh", "-c", "sleep 60 >/dev/null 2>&1 & echo $!")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("helper: %v", err)
		}
		helper = cmd.Process.Pid
		if orphan, err = strconv.Atoi(strings.TrimSpace(string(out))); err != nil {
			t.Fatalf("helper output %q", out)
		}
		unix.Kill(orphan, unix.SIGKILL)
		var ws unix.WaitStatus
		if _, err := unix.Wait4(orphan, &ws, 0, nil); err != nil { // adopted by us
			t.Errorf("waiting for the orphan: %v", err)
		}
	})
	e := s.one(t, "procexit", '>', byTID(helper))
	if r := e.int(t, "reaper_tid"); !isOurThread(r) {
		t.Errorf("the shell's procexit names reaper_tid %d, not the test process: %s", r, e)
	}
	o := s.one(t, "procexit", '>', byTID(orphan))
	if r := o.int(t, "reaper_tid"); r != 0 {
		t.Errorf("childless procexit reaper_tid = %d: %s", r, o)
	}
}
