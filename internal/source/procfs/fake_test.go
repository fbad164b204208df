package procfs_test

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/source/procfs"
	"github.com/peregrine-sec/peregrine/internal/source/scap"
	"github.com/peregrine-sec/peregrine/internal/source/syscall"
)

// scanFake scans testdata/fake (regenerate it with testdata/mkfake.sh).
func scanFake(t *testing.T) *procfs.Snapshot {
	t.Helper()
	snap, err := procfs.Scan(procfs.Options{Root: "testdata/fake"})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func TestFakeTreeProcesses(t *testing.T) {
	snap := scanFake(t)
	st := snap.Stats
	// 1, 100 (threads 100, 101), 300, 400; 200 and thread 102 vanished.
	if st.Processes != 4 || st.Threads != 5 || st.Vanished != 2 || st.Errors != 0 {
		t.Errorf("stats = %+v, want 4 processes, 5 threads, 2 vanished, 0 errors", st)
	}
	th := snap.Threads()
	if _, ok := th[200]; ok {
		t.Error("vanished process 200 is in the snapshot")
	}
	if _, ok := th[102]; ok {
		t.Error("vanished thread 102 is in the snapshot")
	}

	app := th[100]
	if app == nil {
		t.Fatal("process 100 missing")
	}
	want := scap.Thread{
		TID: 100, PID: 100, PTID: 1, SID: 100, VPGID: 5, PGID: 100,
		Comm: "my) app", Exe: "app", ExePath: "/usr/bin/app (deleted)",
		Args: []string{"", "--flag", ""}, Env: []string{"A=1", "B=2"}, Cwd: "/srv",
		FDLimit: -1, UID: 1000, GID: 1000, LoginUID: 1000,
		VMSizeKB: 1000, VMRSSKB: 200, VMSwapKB: 8, PFMajor: 3, PFMinor: 500,
		VTID: 5, VPID: 5, Root: "/", TTY: 34816,
		CapPermitted: 0x1ffffffffff, CapEffective: 0x1ffffffffff,
		Flags: 1 << 30, // child in a pid namespace
	}
	got := *app
	got.Cgroups, got.PidNsInitStartTS = nil, 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("thread 100:\n got %+v\nwant %+v", got, want)
	}
	id := strings.Repeat("0123456789abcdef", 4)
	wantCg := []string{"memory=/k8s.io/" + id, "cpu=/k8s.io/" + id, "cpuacct=/k8s.io/" + id, "pids=/"}
	if !reflect.DeepEqual(app.Cgroups, wantCg) {
		t.Errorf("cgroups = %q, want %q", app.Cgroups, wantCg)
	}
	if cid, rt := syscall.ContainerID(app.Cgroups); cid != id || rt != "containerd" {
		t.Errorf("ContainerID = %q %q, want the containerd id", cid, rt)
	}

	worker := th[101]
	if worker == nil || worker.PID != 100 || worker.VTID != 6 || worker.Comm != "worker" ||
		worker.Exe != "app" || worker.Flags&(1<<14) == 0 {
		t.Errorf("thread 101 = %+v, want a thread of 100 with vtid 6 and CLONE_THREAD", worker)
	}

	ini := th[1]
	if ini.Exe != "init" || len(ini.Args) != 0 || len(ini.Env) != 0 || // NUL-only environ: no entries
		ini.FDLimit != 1024 || ini.LoginUID != 0xffffffff || ini.ExePath != "/sbin/init" {
		t.Errorf("init = %+v", ini)
	}
	if want := []string{"cpu=/init.scope", "memory=/init.scope", "pids=/init.scope"}; !reflect.DeepEqual(ini.Cgroups, want) {
		t.Errorf("init cgroups = %q, want %q (v2 controllers)", ini.Cgroups, want)
	}

	kt := th[300]
	if kt.Exe != "kworker/0:1" || len(kt.Args) != 0 || kt.ExePath != "" || kt.PTID != 2 {
		t.Errorf("kernel thread = %+v, want exe = comm and no args", kt)
	}
	if _, ok := snap.FDs()[300]; ok {
		t.Error("kernel thread has fds")
	}

	ng := th[400]
	if ng.Exe != "nginx: worker process" || len(ng.Args) != 0 || ng.PTID != 100 || ng.Cwd != "" {
		t.Errorf("rewritten cmdline = %+v", ng)
	}
}

func TestFakeTreeFDs(t *testing.T) {
	snap := scanFake(t)
	byNum := map[int64]scap.FD{}
	for _, f := range snap.FDs()[100] {
		byNum[f.Num] = f
	}
	lo := netip.MustParseAddr("127.0.0.1")
	cases := []struct {
		num  int64
		want scap.FD
	}{
		{0, scap.FD{Type: scap.FDFileV2, Name: "/dev/null", OpenFlags: 3 | 1<<11 | 1<<12 | 1<<3}},
		{1, scap.FD{Type: scap.FDDirectory, Name: "/"}},
		{3, scap.FD{Type: scap.FDIPv4Server, Ino: 5001, L4Proto: 2, SrcIP: netip.IPv4Unspecified(), SrcPort: 8080}},
		{4, scap.FD{Type: scap.FDIPv4Sock, Ino: 5002, L4Proto: 2, SrcIP: lo, SrcPort: 40000, DstIP: lo, DstPort: 8080}},
		{5, scap.FD{Type: scap.FDUnixSock, Ino: 5003, Name: "/run/app.sock", UnixSrc: 0xffff8880deadbeef}},
		{6, scap.FD{Type: scap.FDFifo, Ino: 777, Name: "pipe:[777]"}},
		{7, scap.FD{Type: scap.FDEvent, Name: "anon_inode:[eventfd]"}},
		{8, scap.FD{Type: scap.FDInotify, Name: "anon_inode:inotify"}},
		{9, scap.FD{Type: scap.FDBPF, Name: "anon_inode:bpf-map"}},
		{10, scap.FD{Type: scap.FDMemfd, Name: "/memfd:jit (deleted)"}},
		{11, scap.FD{Type: scap.FDFileV2, Name: "/tmp/gone.txt (deleted)"}},
		{13, scap.FD{Type: scap.FDIPv4Sock, Ino: 5004, L4Proto: 2, SrcIP: netip.MustParseAddr("10.0.0.1"), SrcPort: 50000,
			DstIP: netip.MustParseAddr("10.0.0.2"), DstPort: 443}},
		{14, scap.FD{Type: scap.FDIPv6Server, Ino: 5005, L4Proto: 3, SrcIP: netip.IPv6Loopback(), SrcPort: 53}},
		{15, scap.FD{Type: scap.FDUnknown, Ino: 9999}},
		{16, scap.FD{Type: scap.FDIOUring, Name: "anon_inode:[io_uring]"}},
		{17, scap.FD{Type: scap.FDUnsupported, Name: "anon_inode:[weird]"}},
	}
	for _, c := range cases {
		got, ok := byNum[c.num]
		if !ok {
			t.Errorf("fd %d missing", c.num)
			continue
		}
		c.want.Num = c.num
		if c.want.Type == scap.FDFileV2 || c.want.Type == scap.FDDirectory || c.want.Ino == 0 {
			got.Ino, got.Dev = 0, 0 // host inodes: not fixed
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("fd %d:\n got %+v\nwant %+v", c.num, got, c.want)
		}
	}
	if _, ok := byNum[12]; ok {
		t.Error("fd 12 names a path that no longer exists and is not deleted: want it dropped as closed")
	}
	if got := byNum[4].Tuple(); got != "127.0.0.1:40000->127.0.0.1:8080" {
		t.Errorf("accepted connection tuple = %q", got)
	}
}

func TestFakeTreeUsersMachine(t *testing.T) {
	snap := scanFake(t)
	wantU := []scap.User{{UID: 0, GID: 0, Name: "root", HomeDir: "/root", Shell: "/bin/bash"},
		{UID: 1000, GID: 1001, Name: "alice", HomeDir: "/home/alice", Shell: "/bin/sh"}}
	if !reflect.DeepEqual(snap.Users(), wantU) {
		t.Errorf("users = %+v", snap.Users())
	}
	wantG := []scap.Group{{GID: 0, Name: "root"}, {GID: 1001, Name: "alice"}}
	if !reflect.DeepEqual(snap.Groups(), wantG) {
		t.Errorf("groups = %+v", snap.Groups())
	}
	m := snap.Machine()
	if m.NumCPUs != 2 || m.MemoryBytes != 2048*1024 || m.MaxPID != 4194304 || m.Hostname != "fakehost" || m.BootTime != 1700000000e9 {
		t.Errorf("machine = %+v", m)
	}
}

func TestFakeTreeScanProcess(t *testing.T) {
	s := procfs.New(procfs.Options{Root: "testdata/fake"})
	snap, err := s.ScanProcess(100)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Threads()) != 2 || snap.Threads()[101] == nil || len(snap.FDs()[100]) == 0 {
		t.Errorf("ScanProcess(100) = %d threads, %d fds; want 2 threads and the fds", len(snap.Threads()), len(snap.FDs()[100]))
	}
	for _, id := range []int64{200, 12345} {
		if _, err := s.ScanProcess(id); !errors.Is(err, procfs.ErrNotFound) {
			t.Errorf("ScanProcess(%d) = %v, want ErrNotFound", id, err)
		}
	}
}

func TestMissingRoot(t *testing.T) {
	if _, err := procfs.Scan(procfs.Options{Root: t.TempDir()}); err == nil {
		t.Error("Scan of a tree without /proc: want an error")
	}
}

// tables is what the syscall state loads from a capture; a Snapshot must
// offer the same methods as scap.Reader so either can be loaded.
type tables interface {
	Threads() map[int64]*scap.Thread
	FDs() map[int64][]scap.FD
	Users() []scap.User
	Groups() []scap.Group
	Machine() scap.Machine
}

var (
	_ tables = (*procfs.Snapshot)(nil)
	_ tables = (*scap.Reader)(nil)
)
