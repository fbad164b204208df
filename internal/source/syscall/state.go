package syscall

import (
	"encoding/binary"
	"net/netip"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// Thread is the state of one thread, shared by the threads of a process
// for the process-wide parts (fd table).
type Thread struct {
	TID, PID, PTID int64
	Comm           string
	Exe            string   // argv[0]
	ExePath        string   // full path of the executable
	Args           []string // arguments after argv[0]
	Cwd            string
	UID, GID       uint32
	LoginUID       uint32
	// ContainerID is the full container id from the cgroups ("" on the host).
	ContainerID      string
	ContainerRuntime string
	Process                        // process identity beyond the basics
	fds              map[int64]*FD // the process's fd table (shared by its threads)
	// lastFD is the fd parameter of the thread's last enter event: the
	// exit event that follows is about the same fd.
	lastFD    int64
	hasLastFD bool
	// lastDomain and lastSockType are the socket family and type of the
	// thread's last socket enter.
	lastDomain   byte
	lastSockType uint32
}

// FD is one open file descriptor.
type FD struct {
	Num  int64
	Type byte   // fd.typechar: f file, d directory, 4 ipv4, 6 ipv6, u unix, p pipe, e event, s signalfd, l eventpoll, i inotify, t timerfd, m memfd, o other
	Name string // path, connection tuple or other name
	// NameRaw is the path exactly as the process passed it.
	NameRaw string
	// Sockets: client and server endpoints.
	CIP, SIP     netip.Addr
	CPort, SPort uint16
	// L4Proto is the transport protocol (scap's SCAP_L4_* codes: 2 tcp,
	// 3 udp, 4 icmp, 5 raw; 0 unknown).
	L4Proto uint8
	// Server is true when this process is the server side of the socket
	// (accepted, or bound and listening), so local is the server endpoint.
	Server bool
	// Connected is true for sockets with both endpoints known.
	Connected bool
	// OpenFlags are the PPM_O_* flags the file was opened with.
	OpenFlags uint32
	Dev       uint32
	Ino       uint64
	// pendingL4 is the protocol a socket was created with, reported as
	// L4Proto once it is bound or connected.
	pendingL4 uint8
}

// State is the thread and fd tables a capture or a live source maintains
// from process-list blocks and state-changing events.
type State struct {
	threads    map[int64]*Thread
	users      map[uint32]string
	groups     map[uint32]string
	maxThreads int
	// Containers resolves container metadata (name, image, pod...) by
	// full container id; nil when no runtime is known.
	Containers ContainerLookup
	// Accounts names users and groups inside containers; nil names them
	// from the host's (or the capture's) lists.
	Accounts ContainerAccounts
	// Names names socket addresses for fd.*.name; nil leaves them unnamed.
	Names HostNames
	// Resolve describes a thread the events refer to but the state does not
	// know (a live source reads /proc); nil or false leaves it unknown.
	Resolve func(tid int64) (*scap.Thread, []scap.FD, bool)
	// nameChanged is set by Update when the event renamed its fd.
	nameChanged bool
	// reaped maps exited threads to the thread that adopted their children.
	reaped map[int64]int64
	// paths holds the path strings of recent opens (see pathParam).
	paths map[string]string
}

// NewState returns empty state bounded to maxThreads threads (0: 100,000).
func NewState(maxThreads int) *State {
	if maxThreads <= 0 {
		maxThreads = 100000
	}
	return &State{threads: map[int64]*Thread{}, users: map[uint32]string{}, groups: map[uint32]string{},
		reaped: map[int64]int64{}, paths: map[string]string{}, maxThreads: maxThreads}
}

// Tables is what a capture's metadata blocks (or a scan of /proc) hold:
// the threads, their fds, users and groups at the start.
type Tables interface {
	Threads() map[int64]*scap.Thread
	FDs() map[int64][]scap.FD
	Users() []scap.User
	Groups() []scap.Group
}

// Load adds the process, fd, user and group tables of a capture (or of a
// scan of the running system).
func (s *State) Load(r Tables) {
	for _, u := range r.Users() {
		s.users[u.UID] = u.Name
	}
	for _, g := range r.Groups() {
		s.groups[g.GID] = g.Name
	}
	byPID := map[int64]map[int64]*FD{}
	for tid, t := range r.Threads() {
		if old, ok := s.threads[tid]; ok && old.Comm != "" {
			continue // known from the events already
		}
		fds := byPID[t.PID]
		if fds == nil {
			fds = map[int64]*FD{}
			byPID[t.PID] = fds
		}
		th := &Thread{TID: t.TID, PID: t.PID, PTID: t.PTID, Comm: t.Comm, Exe: t.Exe, ExePath: t.ExePath,
			Args: t.Args, Cwd: t.Cwd, UID: t.UID, GID: t.GID, LoginUID: t.LoginUID, fds: fds}
		th.ContainerID, th.ContainerRuntime = ContainerID(t.Cgroups)
		th.Process = processFromScap(t)
		s.threads[tid] = th
	}
	for tid, list := range r.FDs() {
		t := s.threads[tid]
		if t == nil {
			continue
		}
		for _, f := range list {
			t.fds[f.Num] = fromScap(f)
		}
	}
}

// fromScap converts a recorded fd.
func fromScap(f scap.FD) *FD {
	out := &FD{Num: f.Num, Name: f.Tuple(), Ino: f.Ino, Dev: f.Dev, OpenFlags: f.OpenFlags, L4Proto: f.L4Proto}
	switch f.Type {
	case scap.FDFile, scap.FDFileV2:
		out.Type = 'f'
	case scap.FDDirectory:
		out.Type = 'd'
	case scap.FDIPv4Sock:
		out.Type, out.SPort, out.CPort, out.SIP, out.CIP, out.Connected = '4', f.DstPort, f.SrcPort, f.DstIP, f.SrcIP, true
	case scap.FDIPv6Sock:
		out.Type, out.SPort, out.CPort, out.SIP, out.CIP, out.Connected = '6', f.DstPort, f.SrcPort, f.DstIP, f.SrcIP, true
	case scap.FDIPv4Server:
		out.Type, out.SPort, out.SIP, out.Server = '4', f.SrcPort, f.SrcIP, true
	case scap.FDIPv6Server:
		out.Type, out.SPort, out.SIP, out.Server = '6', f.SrcPort, f.SrcIP, true
	case scap.FDUnixSock:
		out.Type = 'u'
	case scap.FDFifo:
		out.Type = 'p'
	case scap.FDEvent:
		out.Type = 'e'
	case scap.FDSignalfd:
		out.Type = 's'
	case scap.FDEventpoll:
		out.Type = 'l'
	case scap.FDInotify:
		out.Type = 'i'
	case scap.FDTimerfd:
		out.Type = 't'
	case scap.FDMemfd:
		out.Type = 'm'
	default:
		out.Type = 'o'
	}
	return out
}

// parent returns the parent of t: the thread that created it or, after it
// exited, the thread that adopted t (as Linux reparents to a reaper).
func (s *State) parent(t *Thread) *Thread {
	if mt := s.threads[t.PID]; mt != nil {
		t = mt // a process's parent is its main thread's
	}
	ptid := t.PTID
	for i := 0; i < 8; i++ {
		if p := s.threads[ptid]; p != nil {
			return p
		}
		r, ok := s.reaped[ptid]
		if !ok || r == ptid {
			return nil
		}
		ptid = r
	}
	return nil
}

// parentTID returns the parent thread id of t's process: its main
// thread's, or the reaper that adopted it after that parent exited.
func (s *State) parentTID(t *Thread) int64 {
	if mt := s.threads[t.PID]; mt != nil {
		t = mt
	}
	ptid := t.PTID
	for i := 0; i < 8 && s.threads[ptid] == nil; i++ {
		r, ok := s.reaped[ptid]
		if !ok || r == ptid {
			break
		}
		ptid = r
	}
	return ptid
}

// Thread returns a thread, or nil.
func (s *State) Thread(tid int64) *Thread { return s.threads[tid] }

// Len returns the number of threads tracked.
func (s *State) Len() int { return len(s.threads) }

// param returns the raw value of the named parameter of an event.
func param(ev *scap.Event, info *scap.Info, name string) ([]byte, scap.ParamType, bool) {
	for i, p := range info.Params {
		if p.Name == name && i < len(ev.Params) {
			return ev.Params[i], p.Type, true
		}
	}
	return nil, 0, false
}

func int64Param(ev *scap.Event, info *scap.Info, name string) (int64, bool) {
	b, _, ok := param(ev, info, name)
	if !ok {
		return 0, false
	}
	return intOf(b)
}

func stringParam(ev *scap.Event, info *scap.Info, name string) (string, bool) {
	b, _, ok := param(ev, info, name)
	if !ok {
		return "", false
	}
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b), true
}

// After applies the changes that follow the evaluation of an event: a
// successful close removes its fd (the close exit itself still names it).
func (s *State) After(ev *scap.Event, info *scap.Info, t *Thread) {
	if t == nil || info.Dir != '<' || info.Name != "close" {
		return
	}
	fd, ok := t.fdParam(ev, info) // the exit's fd, or the one its enter named
	if !ok {
		return
	}
	if res, ok := result(ev, info); ok && res == 0 {
		delete(t.fds, fd)
	}
}

// result returns an exit event's return value: its first parameter (named
// res, or fd for the calls that return one).
func result(ev *scap.Event, info *scap.Info) (int64, bool) {
	if info.Dir != '<' || len(info.Params) == 0 || len(ev.Params) == 0 {
		return 0, false
	}
	switch info.Params[0].Type {
	case scap.Errno, scap.Fd, scap.Pid:
		return intOf(ev.Params[0])
	case scap.Uint64, scap.Int64:
		if info.Params[0].Name == "res" { // brk, mmap: an address
			return intOf(ev.Params[0])
		}
	}
	return 0, false
}

// socketFD describes a socket from a socktuple parameter.
func socketFD(num int64, tuple []byte) *FD {
	f := &FD{Num: num, Type: 'o', Name: scap.FormatParam(scap.SockTuple, tuple)}
	if len(tuple) == 0 {
		return f
	}
	switch tuple[0] {
	case 2: // AF_INET: family, sip(4), sport(2), dip(4), dport(2)
		f.Type = '4'
		if len(tuple) >= 13 {
			f.CIP = netip.AddrFrom4([4]byte(tuple[1:5]))
			f.CPort = binary.LittleEndian.Uint16(tuple[5:7])
			f.SIP = netip.AddrFrom4([4]byte(tuple[7:11]))
			f.SPort = binary.LittleEndian.Uint16(tuple[11:13])
		}
	case 10: // AF_INET6: family, sip(16), sport(2), dip(16), dport(2)
		f.Type = '6'
		if len(tuple) >= 37 {
			f.CIP = netip.AddrFrom16([16]byte(tuple[1:17])).Unmap()
			f.CPort = binary.LittleEndian.Uint16(tuple[17:19])
			f.SIP = netip.AddrFrom16([16]byte(tuple[19:35])).Unmap()
			f.SPort = binary.LittleEndian.Uint16(tuple[35:37])
		}
	case 1: // AF_UNIX
		f.Type = 'u'
	}
	return f
}

// unknownID is the uid, gid or loginuid of a thread whose ids were never
// recorded (libsinsp reports it as 4294967295, and no user name).
const unknownID = 0xffffffff

// newThread creates a thread from a clone child's or an execve's exit
// event. A clone child inherits its parent's identity (inherit); a thread
// first seen at an execve only gets what the event carries.
func (s *State) newThread(ev *scap.Event, info *scap.Info, inherit bool) *Thread {
	if len(s.threads) >= s.maxThreads {
		return nil
	}
	t := &Thread{TID: ev.TID, UID: unknownID, GID: unknownID, LoginUID: unknownID, Process: unknownProcess()}
	t.PID, _ = int64Param(ev, info, "pid")
	t.PTID, _ = int64Param(ev, info, "ptid")
	parent := s.threads[t.PTID]
	if t.PID != t.TID && t.PID > 0 {
		// A new thread copies its process (the main thread), not the
		// process's parent.
		if leader := s.threads[t.PID]; leader != nil {
			parent = leader
		}
	}
	if parent != nil && inherit {
		*t = Thread{TID: ev.TID, PID: t.PID, PTID: t.PTID, Comm: parent.Comm, Exe: parent.Exe, ExePath: parent.ExePath,
			Args: parent.Args, Cwd: parent.Cwd, UID: parent.UID, GID: parent.GID, LoginUID: parent.LoginUID,
			ContainerID: parent.ContainerID, ContainerRuntime: parent.ContainerRuntime, Process: parent.Process}
		t.StartTS = 0
	}
	s.exec(t, ev, info)
	if t.PID != t.TID {
		if leader := s.threads[t.PID]; leader != nil {
			t.fds = leader.fds // a thread shares its process's fds
		}
	}
	if t.fds == nil {
		t.fds = map[int64]*FD{}
		if parent != nil && inherit && parent.PID != t.PID {
			for k, v := range parent.fds { // a new process inherits a copy
				t.fds[k] = v
			}
		}
	}
	s.threads[ev.TID] = t
	return t
}

// exec updates a thread from an execve (or clone) exit event's parameters.
func (s *State) exec(t *Thread, ev *scap.Event, info *scap.Info) {
	if v, ok := int64Param(ev, info, "pid"); ok && v > 0 {
		t.PID = v
	}
	if v, ok := int64Param(ev, info, "ptid"); ok && v > 0 {
		t.PTID = v
	}
	if v, ok := stringParam(ev, info, "comm"); ok && v != "" {
		t.Comm = v
	}
	if v, ok := stringParam(ev, info, "exe"); ok && v != "" {
		t.Exe = v
	}
	if b, _, ok := param(ev, info, "args"); ok {
		t.Args = splitArgs(b)
	}
	if v, ok := stringParam(ev, info, "cwd"); ok && v != "" {
		t.Cwd = v
	}
	if v, ok := stringParam(ev, info, "trusted_exepath"); ok && v != "" {
		t.ExePath = v
	} else if strings.HasPrefix(t.Exe, "/") {
		t.ExePath = t.Exe
	}
	if v, ok := int64Param(ev, info, "uid"); ok {
		t.UID = uint32(v)
	}
	if v, ok := int64Param(ev, info, "gid"); ok {
		t.GID = uint32(v)
	}
	if v, ok := int64Param(ev, info, "loginuid"); ok {
		t.LoginUID = uint32(v)
	}
	if b, _, ok := param(ev, info, "cgroups"); ok {
		t.ContainerID, t.ContainerRuntime = ContainerID(splitArgs(b))
	}
	execProcess(&t.Process, ev, info)
}

// splitArgs splits a NUL-separated argument list.
func splitArgs(b []byte) []string {
	s := strings.TrimRight(string(b), "\x00")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}
