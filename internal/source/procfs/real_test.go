package procfs_test

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/source/procfs"
	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// fdOf returns the entry of an open file in a snapshot's table of this
// process.
func fdOf(t *testing.T, snap *procfs.Snapshot, f interface{ Fd() uintptr }) scap.FD {
	t.Helper()
	num := int64(f.Fd())
	for _, e := range snap.FDs()[int64(os.Getpid())] {
		if e.Num == num {
			return e
		}
	}
	t.Fatalf("fd %d not in the snapshot", num)
	return scap.FD{}
}

func TestRealProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	dir := t.TempDir()
	tmp, err := os.OpenFile(filepath.Join(dir, "open.txt"), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	dirf, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer dirf.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	lnf, _ := ln.File()
	defer lnf.Close()
	client, err := net.DialTCP("tcp4", nil, ln.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	clientf, _ := client.File()
	defer clientf.Close()
	serverf, _ := server.File()
	defer serverf.Close()
	sockPath := filepath.Join(dir, "u.sock")
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: sockPath, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ul.Close()
	ulf, _ := ul.File()
	defer ulf.Close()

	snap, err := procfs.Scan(procfs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("scan: %+v", snap.Stats)
	pid := int64(os.Getpid())
	me := snap.Threads()[pid]
	if me == nil {
		t.Fatal("this process is not in the snapshot")
	}
	exe, _ := os.Executable()
	exe, _ = filepath.EvalSymlinks(exe)
	wd, _ := os.Getwd()
	if me.ExePath != exe || me.Exe != os.Args[0] || !reflect.DeepEqual(me.Args, os.Args[1:]) && len(os.Args) > 1 {
		t.Errorf("exe %q %q args %q; want %q %q %q", me.ExePath, me.Exe, me.Args, exe, os.Args[0], os.Args[1:])
	}
	if me.Cwd != wd || me.PTID != int64(os.Getppid()) || me.UID != uint32(os.Geteuid()) || me.Root != "/" {
		t.Errorf("cwd %q ptid %d uid %d root %q; want %q %d %d /", me.Cwd, me.PTID, me.UID, me.Root, wd, os.Getppid(), os.Geteuid())
	}
	if me.Comm == "" || !strings.HasPrefix(filepath.Base(exe), me.Comm) || me.FDLimit <= 0 || me.VMRSSKB == 0 || me.ExeIno == 0 {
		t.Errorf("comm %q fdlimit %d rss %d exe ino %d", me.Comm, me.FDLimit, me.VMRSSKB, me.ExeIno)
	}
	if !containsPrefix(me.Env, "PATH=") && os.Getenv("PATH") != "" {
		t.Errorf("env has no PATH: %q", me.Env)
	}
	threads := 0
	for _, th := range snap.Threads() {
		if th.PID == pid {
			threads++
			if th.TID != pid && th.Flags&(1<<14) == 0 {
				t.Errorf("thread %d lacks CLONE_THREAD", th.TID)
			}
		}
	}
	if threads < 2 {
		t.Errorf("%d threads of this process, want the Go runtime's several", threads)
	}

	if f := fdOf(t, snap, tmp); f.Type != scap.FDFileV2 || f.Name != tmp.Name() || f.OpenFlags&3 != 3 || f.OpenFlags&(1<<3) == 0 || f.Dev == 0 {
		t.Errorf("temp file fd = %+v, want file %q opened O_RDWR|O_APPEND", f, tmp.Name())
	}
	if f := fdOf(t, snap, dirf); f.Type != scap.FDDirectory || f.Name != dir {
		t.Errorf("directory fd = %+v", f)
	}
	if f := fdOf(t, snap, pr); f.Type != scap.FDFifo || !strings.HasPrefix(f.Name, "pipe:[") || f.Ino == 0 {
		t.Errorf("pipe fd = %+v", f)
	}
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	cport := uint16(client.LocalAddr().(*net.TCPAddr).Port)
	lo := netip.MustParseAddr("127.0.0.1")
	want := scap.FD{Num: int64(lnf.Fd()), Type: scap.FDIPv4Server, L4Proto: 2, SrcIP: lo, SrcPort: port}
	f := fdOf(t, snap, lnf)
	f.Ino = 0
	if f != want {
		t.Errorf("listening fd = %+v, want %+v", f, want)
	}
	tuple := "127.0.0.1:" + strconv.Itoa(int(cport)) + "->127.0.0.1:" + strconv.Itoa(int(port))
	for _, f := range []*os.File{clientf, serverf} {
		if e := fdOf(t, snap, f); e.Type != scap.FDIPv4Sock || e.Tuple() != tuple {
			t.Errorf("connection fd %d = %+v (%s), want %s", f.Fd(), e, e.Tuple(), tuple)
		}
	}
	if f := fdOf(t, snap, ulf); f.Type != scap.FDUnixSock || f.Name != sockPath {
		t.Errorf("unix socket fd = %+v, want %q", f, sockPath)
	}

	if len(snap.Users()) == 0 || snap.Users()[0].Name == "" {
		t.Errorf("users = %+v", snap.Users())
	}
	if m := snap.Machine(); m.NumCPUs == 0 || m.MemoryBytes == 0 || m.BootTime == 0 {
		t.Errorf("machine = %+v", m)
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestRealScanProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	s := procfs.New(procfs.Options{})
	// A thread id that is not the process id resolves to the process.
	tids, _ := os.ReadDir("/proc/self/task")
	pid := int64(os.Getpid())
	tid := pid
	for _, e := range tids {
		if n, _ := strconv.ParseInt(e.Name(), 10, 64); n != pid {
			tid = n
		}
	}
	snap, err := s.ScanProcess(tid)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Threads()[pid] == nil || len(snap.FDs()[pid]) == 0 {
		t.Errorf("ScanProcess(%d): threads %d, fds %d; want this process", tid, len(snap.Threads()), len(snap.FDs()[pid]))
	}
	if _, err := s.ScanProcess(1 << 30); !errors.Is(err, procfs.ErrNotFound) {
		t.Errorf("ScanProcess of a missing pid = %v, want ErrNotFound", err)
	}
}
