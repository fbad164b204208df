package procfs

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// PPM_CL_* clone flags the scan sets.
const (
	clCloneFiles   = 1 << 0
	clCloneThread  = 1 << 14
	clChildInPidNS = 1 << 30
)

// pfKthread is the PF_KTHREAD bit of the flags field of stat.
const pfKthread = 0x00200000

// process holds what the threads of one process share.
type process struct {
	pid      int64
	dir      string
	exe      string
	args     []string
	env      []string
	exePath  string
	cwd      string
	root     string
	cgroups  []string
	fdLimit  int64
	loginUID uint32
	pidNsTS  uint64
	exeStat  syscall.Stat_t
	exeOK    bool
	kthread  bool
}

// scanProcess reads a process, its threads and its fds into snap. A process
// that exits meanwhile is counted as vanished and left out.
func (s *Scanner) scanProcess(snap *Snapshot, pid int64) {
	p := &process{pid: pid, dir: filepath.Join(s.proc, strconv.FormatInt(pid, 10))}
	tids, err := s.listIDs(filepath.Join(p.dir, "task"))
	if err != nil {
		s.skip(snap, err, "listing threads", pid)
		return
	}
	// The main thread first: it tells whether this is a kernel thread and
	// must exist for the process to be kept.
	main := s.readThread(p, pid)
	if main == nil {
		snap.Stats.Vanished++
		return
	}
	s.readShared(p)
	threads := make([]*scap.Thread, 0, len(tids))
	threads = append(threads, main)
	for _, tid := range tids {
		if tid == pid {
			continue
		}
		if t := s.readThread(p, tid); t != nil {
			threads = append(threads, t)
		} else {
			snap.Stats.Vanished++
		}
	}
	// The process may have exited while it was read: keep it only if its
	// directory is still there, so no half-read entries enter the snapshot.
	if _, err := s.read(filepath.Join(p.dir, "stat")); err != nil {
		s.skip(snap, err, "rereading stat", pid)
		return
	}
	for _, t := range threads {
		s.fill(t, p)
		snap.threads[t.TID] = t
	}
	snap.Stats.Processes++
	snap.Stats.Threads += len(threads)
	if !s.opts.SkipFDs && !p.kthread {
		fds := s.readFDs(snap, p)
		if len(fds) > 0 {
			snap.fds[pid] = fds
			snap.Stats.FDs += len(fds)
		}
	}
}

// skip counts an entry left out, as vanished or as an error.
func (s *Scanner) skip(snap *Snapshot, err error, what string, pid int64) {
	if vanished(err) {
		snap.Stats.Vanished++
		return
	}
	snap.Stats.Errors++
	s.log.Debug("procfs: skipping process", "pid", pid, "step", what, "err", err)
}

// readThread reads the per-thread files (stat, status) of a thread, or
// returns nil when it is gone.
func (s *Scanner) readThread(p *process, tid int64) *scap.Thread {
	tdir := filepath.Join(p.dir, "task", strconv.FormatInt(tid, 10))
	t := &scap.Thread{TID: tid, PID: p.pid, SID: -1, VPGID: -1, PGID: -1, VTID: -1, VPID: -1, LoginUID: 0xffffffff}
	b, err := s.read(filepath.Join(tdir, "stat"))
	if err != nil || !parseStat(b, t, p) {
		return nil
	}
	b, err = s.read(filepath.Join(tdir, "status"))
	if err != nil {
		return nil
	}
	parseStatus(b, t)
	return t
}

// parseStat fills comm, session, process group, tty and page faults from a
// stat file. It returns false when the file is malformed.
func parseStat(b []byte, t *scap.Thread, p *process) bool {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return false
	}
	t.Comm = string(b[open+1 : end])
	// Fields after the comm, from 0: state ppid pgrp session tty_nr tpgid
	// flags minflt cminflt majflt ...
	rest := b[end+1:]
	for i := 0; i <= 9; i++ {
		var f []byte
		f, rest = nextField(rest)
		switch i {
		case 2:
			t.PGID = atoi(f)
		case 3:
			t.SID = atoi(f)
		case 4:
			t.TTY = uint32(atoi(f))
		case 6:
			if t.TID == p.pid && atoi(f)&pfKthread != 0 {
				p.kthread = true
			}
		case 7:
			t.PFMinor = uint64(atoi(f))
		case 9:
			t.PFMajor = uint64(atoi(f))
		}
	}
	return true
}

// nextField splits the next space-separated field off b.
func nextField(b []byte) (field, rest []byte) {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		return b, nil
	}
	return b[:i], b[i+1:]
}

// atoi parses a decimal integer, possibly negative; 0 when malformed.
func atoi(b []byte) int64 {
	b = bytes.TrimSpace(b)
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		return -n
	}
	return n
}

// parseStatus fills ids, namespace ids, memory and capabilities from a
// status file.
func parseStatus(b []byte, t *scap.Thread) {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		key, val := line[:colon], line[colon+1:]
		switch string(key) {
		case "Tgid":
			t.PID = atoi(val)
		case "PPid":
			t.PTID = atoi(val)
		case "Uid":
			t.UID = uint32(atoi(nthField(val, 1)))
		case "Gid":
			t.GID = uint32(atoi(nthField(val, 1)))
		case "NStgid":
			t.VPID = atoi(lastField(val))
		case "NSpid":
			t.VTID = atoi(lastField(val))
		case "NSpgid":
			t.VPGID = atoi(lastField(val))
		case "VmSize":
			t.VMSizeKB = uint32(atoi(val))
		case "VmRSS":
			t.VMRSSKB = uint32(atoi(val))
		case "VmSwap":
			t.VMSwapKB = uint32(atoi(val))
		case "CapInh":
			t.CapInheritable = hexval(val)
		case "CapPrm":
			t.CapPermitted = hexval(val)
		case "CapEff":
			t.CapEffective = hexval(val)
		}
	}
}

// statusField returns the first number of a status line, or -1.
func statusField(b []byte, key string) int64 {
	i := bytes.Index(b, []byte("\n"+key))
	if i < 0 {
		if !bytes.HasPrefix(b, []byte(key)) {
			return -1
		}
		i = -1
	}
	line := b[i+1+len(key):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return atoi(line)
}

// nthField returns the n-th (from 0) whitespace-separated field of b.
func nthField(b []byte, n int) []byte {
	f := bytes.Fields(b)
	if n < len(f) {
		return f[n]
	}
	return nil
}

// lastField returns the last whitespace-separated field of b.
func lastField(b []byte) []byte {
	f := bytes.Fields(b)
	if len(f) == 0 {
		return nil
	}
	return f[len(f)-1]
}

// hexval parses a hexadecimal number; 0 when malformed.
func hexval(b []byte) uint64 {
	v, _ := strconv.ParseUint(string(bytes.TrimSpace(b)), 16, 64)
	return v
}

// readShared reads the per-process files every thread shares. Files that
// cannot be read (kernel threads, zombies, permissions) leave fields empty.
func (s *Scanner) readShared(p *process) {
	if b, err := s.read(filepath.Join(p.dir, "cmdline")); err == nil {
		p.exe, p.args = splitCmdline(b)
	}
	if !s.opts.SkipEnv {
		if b, err := s.read(filepath.Join(p.dir, "environ")); err == nil {
			p.env = splitEnv(b)
		}
	}
	p.exePath, _ = s.readlink(filepath.Join(p.dir, "exe"))
	p.cwd, _ = s.readlink(filepath.Join(p.dir, "cwd"))
	p.root, _ = s.readlink(filepath.Join(p.dir, "root"))
	if b, err := s.read(filepath.Join(p.dir, "cgroup")); err == nil {
		p.cgroups = s.cgroupEntries(b)
	}
	p.fdLimit = -1
	if b, err := s.read(filepath.Join(p.dir, "limits")); err == nil {
		p.fdLimit = parseFDLimit(b)
	}
	if b, err := s.read(filepath.Join(p.dir, "loginuid")); err == nil {
		if v, err := strconv.ParseUint(string(bytes.TrimSpace(b)), 10, 32); err == nil {
			p.loginUID = uint32(v)
		} else {
			p.loginUID = 0xffffffff
		}
	} else {
		p.loginUID = 0xffffffff
	}
	if p.kthread {
		return
	}
	if syscall.Stat(filepath.Join(p.dir, "exe"), &p.exeStat) == nil {
		p.exeOK = true
	}
	var st syscall.Stat_t
	if syscall.Stat(filepath.Join(p.dir, "root", "proc", "1"), &st) == nil {
		p.pidNsTS = uint64(st.Ctim.Sec)*1e9 + uint64(st.Ctim.Nsec)
	}
}

// fill copies the shared process fields into a thread.
func (s *Scanner) fill(t *scap.Thread, p *process) {
	t.Exe, t.Args, t.Env = p.exe, p.args, p.env
	if t.Exe == "" {
		t.Exe = t.Comm
	}
	t.ExePath, t.Cwd, t.Root, t.Cgroups = p.exePath, p.cwd, p.root, p.cgroups
	t.FDLimit, t.LoginUID, t.PidNsInitStartTS = p.fdLimit, p.loginUID, p.pidNsTS
	if t.TID != t.PID {
		t.Flags |= clCloneThread | clCloneFiles
	}
	if t.VPID > 0 && t.VPID != t.PID {
		t.Flags |= clChildInPidNS
	}
	t.ExeFromMemfd = strings.HasPrefix(p.exePath, "/memfd:")
	if p.exeOK {
		st := &p.exeStat
		t.ExeIno = st.Ino
		t.ExeInoCtime = uint64(st.Ctim.Sec)*1e9 + uint64(st.Ctim.Nsec)
		t.ExeInoMtime = uint64(st.Mtim.Sec)*1e9 + uint64(st.Mtim.Nsec)
		t.ExeWritable = writable(st, t.UID, t.GID)
	}
}

// writable reports whether a user could write a file, from its mode bits
// (root always can; read-only mounts and ACLs are not considered).
func writable(st *syscall.Stat_t, uid, gid uint32) bool {
	switch {
	case uid == 0:
		return true
	case st.Uid == uid:
		return st.Mode&0o200 != 0
	case st.Gid == gid:
		return st.Mode&0o020 != 0
	}
	return st.Mode&0o002 != 0
}

// splitCmdline splits a cmdline file into argv[0] and the arguments.
// Empty arguments in the middle are kept; the final terminator is not an
// argument. A cmdline rewritten without NULs is one argv[0].
func splitCmdline(b []byte) (string, []string) {
	if len(b) == 0 {
		return "", nil
	}
	if b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return string(b), nil
	}
	exe, rest := string(b[:i]), b[i+1:]
	n := bytes.Count(rest, []byte{0}) + 1
	args := make([]string, 0, n)
	for {
		j := bytes.IndexByte(rest, 0)
		if j < 0 {
			return exe, append(args, string(rest))
		}
		args = append(args, string(rest[:j]))
		rest = rest[j+1:]
	}
}

// splitEnv splits an environ file, dropping empty entries.
func splitEnv(b []byte) []string {
	n := 0
	for _, f := range bytes.Split(b, []byte{0}) {
		if len(f) > 0 {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	env := make([]string, 0, n)
	for len(b) > 0 {
		j := bytes.IndexByte(b, 0)
		if j < 0 {
			j = len(b)
		}
		if j > 0 {
			env = append(env, string(b[:j]))
		}
		if j == len(b) {
			break
		}
		b = b[j+1:]
	}
	return env
}

// parseFDLimit returns the soft "Max open files" limit of a limits file
// (-1 when unlimited or absent).
func parseFDLimit(b []byte) int64 {
	i := bytes.Index(b, []byte("Max open files"))
	if i < 0 {
		return -1
	}
	f, _ := nextField(b[i+len("Max open files"):])
	if string(f) == "unlimited" {
		return -1
	}
	v, err := strconv.ParseInt(string(f), 10, 64)
	if err != nil {
		return -1
	}
	return v
}
