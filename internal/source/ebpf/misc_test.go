//go:build linux && amd64

package ebpf

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"unsafe"

	"github.com/peregrine-sec/peregrine/internal/source/syscall"
	"golang.org/x/sys/unix"
)

// helperEnv makes the test binary run helperMain instead of the tests.
const helperEnv = "PEREGRINE_EBPF_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "privileges":
		helperPrivileges()
		os.Exit(0)
	case "memfd-exec":
		helperMemfdExec()
		os.Exit(1) // only reached when the exec failed
	case "clone3":
		helperClone3()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helperPrivileges drops privileges step by step on one thread (raw
// syscalls change the calling thread only).
func helperPrivileges() {
	runtime.LockOSThread()
	sys(unix.SYS_SETRESGID, 1001, 1002, 1003)
	sys(unix.SYS_SETGID, 1004)
	sys(unix.SYS_SETRESUID, 2001, 2002, 0)
	sys(unix.SYS_SETUID, 0)     // back to euid 0 (the saved uid)
	sys(unix.SYS_SETUID, 65534) // all uids
	sys(unix.SYS_SETUID, 0)     // fails: EPERM
}

// TestPrivilegeAndOtherCalls checks setuid and friends in a child, and
// ptrace, mmap, mprotect, modules, bpf, setns, unshare and userfaultfd on a
// thread of the test.
func TestPrivilegeAndOtherCalls(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var child, tid, sleeper int
	var mapAddr uintptr
	s := record(t, Config{}, func() {
		cmd := exec.Command(exe)
		cmd.Env = []string{helperEnv + "=privileges"}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("helper: %v %s", err, out)
		}
		child = cmd.Process.Pid
		sl := exec.Command("/bin/sleep", "30")
		if err := sl.Start(); err != nil {
			t.Fatal(err)
		}
		sleeper = sl.Process.Pid
		defer sl.Process.Kill()
		tid = lockedThread(func() {
			if err := unix.PtraceAttach(sleeper); err != nil {
				t.Errorf("ptrace attach: %v", err)
			}
			var ws unix.WaitStatus
			unix.Wait4(sleeper, &ws, unix.WALL, nil)
			unix.PtraceDetach(sleeper)
			r, _, _ := unix.Syscall6(unix.SYS_MMAP, 0, 8192, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, ^uintptr(0), 0)
			mapAddr = r
			unix.Syscall(unix.SYS_MPROTECT, mapAddr, 4096, unix.PROT_READ|unix.PROT_EXEC)
			unix.Syscall(unix.SYS_MUNMAP, mapAddr, 8192, 0)
			img := []byte("\x7fELF-not-a-module")
			sys(unix.SYS_INIT_MODULE, unsafe.Pointer(&img[0]), len(img), "opt=1")
			null, _ := unix.Open("/dev/null", unix.O_RDONLY, 0)
			sys(unix.SYS_FINIT_MODULE, null, "opt=2", 0)
			unix.Close(null)
			sys(unix.SYS_BPF, 0, 0, 0) // BPF_MAP_CREATE without attributes: EFAULT or EINVAL
			sys(unix.SYS_UNSHARE, unix.CLONE_NEWUTS)
			ns, _ := unix.Open("/proc/self/ns/uts", unix.O_RDONLY, 0)
			sys(unix.SYS_SETNS, ns, unix.CLONE_NEWUTS)
			unix.Close(ns)
			if fd := sys(unix.SYS_USERFAULTFD, unix.O_CLOEXEC); fd >= 0 {
				unix.Close(int(fd))
			}
		})
	})
	ch := byTID(child)
	for _, c := range []struct {
		name string
		want []int64
		keys []string
	}{
		{"setresgid", []int64{0, 1001, 1002, 1003}, []string{"res", "rgid", "egid", "sgid"}},
		{"setgid", []int64{0, 1004}, []string{"res", "gid"}},
		{"setresuid", []int64{0, 2001, 2002, 0}, []string{"res", "ruid", "euid", "suid"}},
	} {
		r := s.one(t, c.name, '<', ch)
		for i, k := range c.keys {
			if got := r.int(t, k); got != c.want[i] {
				t.Errorf("%s: %s = %d, want %d", r, k, got, c.want[i])
			}
		}
	}
	su := s.find("setuid", '<', ch)
	if len(su) != 3 || su[0].int(t, "res") != 0 || su[0].uint(t, "uid") != 0 || su[1].int(t, "res") != 0 ||
		su[1].uint(t, "uid") != 65534 || su[2].int(t, "res") != -int64(unix.EPERM) {
		t.Errorf("setuid events: %v", su)
	}
	// the state follows the ids
	var uidAfter uint32 = 42
	s.replay(func(r *rec, e *syscall.Event) {
		if len(su) == 3 && r == su[2] && e.Thread != nil {
			uidAfter = e.Thread.UID
		}
	})
	if uidAfter != 65534 {
		t.Errorf("thread uid after setuid = %d, want 65534", uidAfter)
	}

	mine := s.thread(tid)
	pt := s.find("ptrace", '<', mine)
	if len(pt) < 2 || pt[0].uint(t, "request") != 11 || pt[0].int(t, "pid") != int64(sleeper) || pt[0].int(t, "res") != 0 {
		t.Errorf("ptrace attach: %v", pt)
	} else if last := pt[len(pt)-1]; last.uint(t, "request") != 12 {
		t.Errorf("ptrace detach: %s", last)
	}
	mm := s.one(t, "mmap", '<', func(r *rec) bool { return mine(r) && r.uint(t, "length") == 8192 })
	if uintptr(mm.int(t, "res")) != mapAddr || mm.uint(t, "prot") != 3 || mm.uint(t, "flags") != 2|8 || mm.int(t, "fd") != -1 || mm.uint(t, "vm_size") == 0 {
		t.Errorf("mmap: %s", mm)
	}
	mp := s.one(t, "mprotect", '<', func(r *rec) bool { return mine(r) && uintptr(r.uint(t, "addr")) == mapAddr })
	if mp.int(t, "res") != 0 || mp.uint(t, "length") != 4096 || mp.uint(t, "prot") != 1|4 {
		t.Errorf("mprotect: %s", mp)
	}
	im := s.one(t, "init_module", '<', mine)
	if im.int(t, "res") >= 0 || string(im.param(t, "img")) != "\x7fELF-not-a-module" || im.uint(t, "length") != 17 || im.str(t, "uargs") != "opt=1" {
		t.Errorf("init_module: %s", im)
	}
	fm := s.one(t, "finit_module", '<', mine)
	if fm.int(t, "res") >= 0 || fm.str(t, "uargs") != "opt=2" || fm.int(t, "fd") < 0 {
		t.Errorf("finit_module: %s", fm)
	}
	if b := s.one(t, "bpf", '<', mine); b.int(t, "fd") >= 0 || b.int(t, "cmd") != 0 {
		t.Errorf("bpf: %s", b)
	}
	const ppmNewUTS = 1 << 7
	if u := s.one(t, "unshare", '<', mine); u.int(t, "res") != 0 || u.uint(t, "flags") != ppmNewUTS {
		t.Errorf("unshare: %s", u)
	}
	if n := s.one(t, "setns", '<', mine); n.int(t, "res") != 0 || n.uint(t, "nstype") != ppmNewUTS || n.int(t, "fd") < 0 {
		t.Errorf("setns: %s", n)
	}
	if u := s.one(t, "userfaultfd", '<', mine); u.uint(t, "flags") != unix.O_CLOEXEC {
		t.Errorf("userfaultfd: %s", u)
	}
}
