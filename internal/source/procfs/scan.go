// Package procfs reads the state of a running Linux machine from /proc and
// /etc into the metadata types a .scap capture carries (scap.Thread,
// scap.FD, scap.User, scap.Group, scap.Machine), so that a live capture can
// start with complete thread and fd tables, as a capture file's process list
// blocks give a replay.
//
// Scan reads every process and thread; Scanner.ScanProcess reads one
// process on demand (a process the kernel events name but the state does not
// know, because it started before the capture). Processes that exit during a
// scan are skipped and counted, never reported as errors.
//
// Where each field comes from (per process P, per thread T):
//
//	TID, PID, PTID      T, Tgid and PPid of /proc/P/task/T/status
//	SID, PGID           session and pgrp of /proc/P/task/T/stat
//	VPGID               last NSpgid of status (-1 when the kernel lacks it)
//	VTID, VPID          last NSpid and NStgid of status
//	Comm                the comm of stat
//	Exe, Args           /proc/P/cmdline split at NULs (Exe = Comm when empty,
//	                    as for kernel threads)
//	Env                 /proc/P/environ (empty entries dropped)
//	ExePath, Cwd, Root  the links /proc/P/exe, cwd, root (" (deleted)" kept)
//	FDLimit             soft "Max open files" of /proc/P/limits (-1: unlimited)
//	UID, GID            effective ids of status
//	LoginUID            /proc/P/loginuid
//	VM*, PF*            VmSize, VmRSS, VmSwap of status; majflt, minflt of stat
//	Cgroups             /proc/P/cgroup as "subsystem=path" (see cgroups.go)
//	TTY                 tty_nr of stat
//	Cap*                CapInh, CapPrm, CapEff of status
//	ExeIno, ExeIno*time stat of /proc/P/exe; ExeFromMemfd from its name
//	ExeWritable         the exe's mode bits and owner against UID/GID
//	PidNsInitStartTS    change time of /proc/P/root/proc/1 (0 when unreadable)
//	Flags               PPM_CL_CLONE_THREAD|PPM_CL_CLONE_FILES for non-main
//	                    threads, PPM_CL_CHILD_IN_PIDNS when VPID != PID
//
// Not filled: ExeUpperLayer and ExeLowerLayer (overlayfs layer of the exe).
// fds are read once per process (the table threads share) and keyed by the
// process id; see fds.go and net.go for their names and socket tuples.
package procfs

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// Options configures a scan.
type Options struct {
	// Root is prepended to /proc, /etc and /sys; "" reads the real machine.
	// Tests point it at a fake tree.
	Root string
	// SkipFDs leaves the fd tables empty (faster start-up).
	SkipFDs bool
	// SkipEnv leaves Thread.Env empty (less memory).
	SkipEnv bool
	// MaxFileBytes bounds the bytes read from cmdline and environ
	// (0: 1 MiB). Longer contents are cut at the last complete entry.
	MaxFileBytes int
	// Logger receives debug messages about unreadable entries (nil: none).
	Logger *slog.Logger
}

// Snapshot is the machine state a scan read. Its methods Threads, FDs,
// Users and Groups have the same signatures as scap.Reader's, so code that
// loads state from a capture can load it from a snapshot through a small
// interface.
type Snapshot struct {
	threads map[int64]*scap.Thread
	fds     map[int64][]scap.FD
	users   []scap.User
	groups  []scap.Group
	machine scap.Machine
	// Stats describes the scan that made the snapshot.
	Stats Stats
}

// Threads returns every thread by thread id.
func (s *Snapshot) Threads() map[int64]*scap.Thread { return s.threads }

// FDs returns the fd table of each process, keyed by the process id (the
// thread id of its main thread); the threads of a process share it.
func (s *Snapshot) FDs() map[int64][]scap.FD { return s.fds }

// Users returns the entries of /etc/passwd.
func (s *Snapshot) Users() []scap.User { return s.users }

// Groups returns the entries of /etc/group.
func (s *Snapshot) Groups() []scap.Group { return s.groups }

// Machine returns the machine description (cpus, memory, pid_max, host
// name, boot time).
func (s *Snapshot) Machine() scap.Machine { return s.machine }

// Stats counts what a scan read.
type Stats struct {
	Processes int           // processes read
	Threads   int           // threads read
	FDs       int           // fds read
	Vanished  int           // processes or threads that exited during the scan
	Errors    int           // entries skipped for other reasons (logged at debug level)
	Duration  time.Duration // wall time of the scan
}

// Scan reads every process, thread and fd of the machine, the users and
// groups, and the machine description.
func Scan(opts Options) (*Snapshot, error) {
	return New(opts).Scan()
}

// Scanner reads /proc. It reuses its buffers between calls; its methods
// may be called from several goroutines (they serialize).
type Scanner struct {
	opts    Options
	proc    string
	etc     string
	sys     string
	log     *slog.Logger
	mu      sync.Mutex
	buf     []byte
	linkBuf []byte
	nets    map[string]*sockTable // socket tables by network namespace
	cgv2    []string              // cgroup v2 controllers (nil: not read yet)
}

// New returns a scanner for the given options.
func New(opts Options) *Scanner {
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = 1 << 20
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scanner{
		opts: opts, log: log,
		proc:    under(opts.Root, "proc"),
		etc:     under(opts.Root, "etc"),
		sys:     under(opts.Root, "sys"),
		buf:     make([]byte, 16<<10),
		linkBuf: make([]byte, 4096),
	}
}

// under returns /dir below root ("" is the real root).
func under(root, dir string) string {
	if root == "" {
		root = "/"
	}
	return filepath.Join(root, dir)
}

// Scan reads every process, thread and fd, the users and groups, and the
// machine description. It fails only when /proc itself cannot be listed.
func (s *Scanner) Scan() (*Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	pids, err := s.listIDs(s.proc)
	if err != nil {
		return nil, fmt.Errorf("procfs: listing %s: %w", s.proc, err)
	}
	snap := &Snapshot{
		threads: make(map[int64]*scap.Thread, len(pids)*2),
		fds:     make(map[int64][]scap.FD, len(pids)),
	}
	s.nets = map[string]*sockTable{}
	s.machine(snap)
	for _, pid := range pids {
		s.scanProcess(snap, pid)
	}
	snap.users, snap.groups = s.readUsers()
	s.nets = nil
	snap.Stats.Duration = time.Since(start)
	return snap, nil
}

// ErrNotFound is returned by ScanProcess when the process does not exist
// (any more).
var ErrNotFound = errors.New("no such process")

// ScanProcess reads one process: its threads and its fd table, as a
// snapshot without users, groups and machine description. id may be the id
// of any of its threads. It returns an error wrapping ErrNotFound when the
// process does not exist.
func (s *Scanner) ScanProcess(id int64) (*Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	st, err := s.read(filepath.Join(s.proc, strconv.FormatInt(id, 10), "status"))
	if err != nil {
		if vanished(err) {
			return nil, fmt.Errorf("procfs: process %d: %w", id, ErrNotFound)
		}
		return nil, fmt.Errorf("procfs: reading status of %d: %w", id, err)
	}
	pid := id
	if tgid := statusField(st, "Tgid:"); tgid > 0 {
		pid = tgid
	}
	snap := &Snapshot{threads: map[int64]*scap.Thread{}, fds: map[int64][]scap.FD{}}
	s.nets = map[string]*sockTable{} // sockets may be new: read the tables again
	s.scanProcess(snap, pid)
	s.nets = nil
	snap.Stats.Duration = time.Since(start)
	if len(snap.threads) == 0 {
		return nil, fmt.Errorf("procfs: process %d: %w", id, ErrNotFound)
	}
	return snap, nil
}

// listIDs returns the numeric entries of a directory.
func (s *Scanner) listIDs(dir string) ([]int64, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(names))
	for _, n := range names {
		if n == "" || n[0] < '0' || n[0] > '9' {
			continue
		}
		if id, err := strconv.ParseInt(n, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// read returns the contents of a file in the scanner's buffer, valid until
// the next read. Contents longer than MaxFileBytes are cut.
func (s *Scanner) read(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	n := 0
	for {
		if n == len(s.buf) {
			if len(s.buf) >= s.opts.MaxFileBytes {
				return s.buf[:n], nil
			}
			nb := make([]byte, min(2*len(s.buf), s.opts.MaxFileBytes))
			copy(nb, s.buf[:n])
			s.buf = nb
		}
		m, err := syscall.Read(fd, s.buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			return s.buf[:n], nil
		}
		n += m
	}
}

// readlink returns the target of a symbolic link.
func (s *Scanner) readlink(path string) (string, error) {
	for {
		n, err := syscall.Readlink(path, s.linkBuf)
		if err != nil {
			return "", &fs.PathError{Op: "readlink", Path: path, Err: err}
		}
		if n < len(s.linkBuf) {
			return string(s.linkBuf[:n]), nil
		}
		s.linkBuf = make([]byte, 2*len(s.linkBuf))
	}
}

// vanished reports whether err means the process or file is gone.
func vanished(err error) bool {
	return errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ESRCH)
}
