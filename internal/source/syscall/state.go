package syscall

import (
	"encoding/binary"
	"net/netip"
	"path"
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
	fds              map[int64]*FD // the process's fd table (shared by its threads)
	// lastFD is the fd parameter of the thread's last enter event: the
	// exit event that follows is about the same fd.
	lastFD    int64
	hasLastFD bool
	// lastDomain is the socket family of the thread's last socket enter.
	lastDomain byte
}

// FD is one open file descriptor.
type FD struct {
	Num  int64
	Type byte   // fd.typechar: f file, d directory, 4 ipv4, 6 ipv6, u unix, p pipe, e event, s signalfd, l eventpoll, i inotify, t timerfd, m memfd, o other
	Name string // path, connection tuple or other name
	// Sockets: client and server endpoints.
	CIP, SIP     netip.Addr
	CPort, SPort uint16
}

// State is the thread and fd tables a capture or a live source maintains
// from process-list blocks and state-changing events.
type State struct {
	threads    map[int64]*Thread
	users      map[uint32]string
	maxThreads int
}

// NewState returns empty state bounded to maxThreads threads (0: 100,000).
func NewState(maxThreads int) *State {
	if maxThreads <= 0 {
		maxThreads = 100000
	}
	return &State{threads: map[int64]*Thread{}, users: map[uint32]string{}, maxThreads: maxThreads}
}

// Load adds the process, fd and user tables a capture recorded.
func (s *State) Load(r *scap.Reader) {
	for _, u := range r.Users() {
		s.users[u.UID] = u.Name
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
	out := &FD{Num: f.Num, Name: f.Tuple()}
	switch f.Type {
	case scap.FDFile, scap.FDFileV2:
		out.Type = 'f'
	case scap.FDDirectory:
		out.Type = 'd'
	case scap.FDIPv4Sock, scap.FDIPv4Server:
		out.Type, out.SPort, out.CPort, out.SIP, out.CIP = '4', f.DstPort, f.SrcPort, f.DstIP, f.SrcIP
	case scap.FDIPv6Sock, scap.FDIPv6Server:
		out.Type, out.SPort, out.CPort, out.SIP, out.CIP = '6', f.DstPort, f.SrcPort, f.DstIP, f.SrcIP
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

// Thread returns a thread, or nil.
func (s *State) Thread(tid int64) *Thread { return s.threads[tid] }

// UserName returns the name of a uid, or "" when unknown.
func (s *State) UserName(uid uint32) string { return s.users[uid] }

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

// Update applies a state-changing event. It returns the thread the event
// belongs to (created from its parent for a new child).
func (s *State) Update(ev *scap.Event) *Thread {
	info, ok := scap.EventInfo(ev.Type)
	t := s.threads[ev.TID]
	if !ok {
		return t
	}
	if t == nil && !info.Internal && len(s.threads) < s.maxThreads {
		// A thread the capture never described: track its fds anyway; its
		// process fields stay unknown (<NA>), as libsinsp reports them.
		t = &Thread{TID: ev.TID, PID: ev.TID, PTID: -1, fds: map[int64]*FD{}}
		s.threads[ev.TID] = t
	}
	if info.Dir == '>' {
		if t != nil {
			t.lastFD, t.hasLastFD = int64Param(ev, &info, "fd")
			if info.Name == "socket" {
				if b, _, ok := param(ev, &info, "domain"); ok && len(b) > 0 {
					t.lastDomain = b[0]
				}
			}
		}
		return t
	}
	res, _ := result(ev, &info)
	switch info.Name {
	case "clone", "fork", "vfork", "clone3":
		if res == 0 { // the child
			t = s.newThread(ev, &info, true)
		}
	case "execve", "execveat":
		if res == 0 {
			if t == nil || t.Comm == "" {
				// A thread the capture saw no clone of: create it from the
				// event and its parent, keeping the fds seen so far.
				old := t
				t = s.newThread(ev, &info, false)
				if old != nil && t != nil {
					for k, v := range old.fds {
						t.fds[k] = v
					}
				}
			} else {
				s.exec(t, ev, &info)
			}
		}
	case "open", "openat", "openat2", "creat":
		if res >= 0 && t != nil {
			name, _ := stringParam(ev, &info, "name")
			if name != "" && !path.IsAbs(name) && t.Cwd != "" {
				name = path.Join(t.Cwd, name)
			}
			t.fds[res] = &FD{Num: res, Type: 'f', Name: name}
		}
	case "close": // the fd goes away after the exit is evaluated: see After
	case "socket":
		if res >= 0 && t != nil {
			f := &FD{Num: res, Type: 'o'}
			switch t.lastDomain {
			case 2:
				f.Type = '4'
			case 10:
				f.Type = '6'
			case 1:
				f.Type = 'u'
			}
			t.fds[res] = f
		}
	case "connect", "accept", "accept4":
		if t != nil {
			if b, typ, ok := param(ev, &info, "tuple"); ok && typ == scap.SockTuple {
				fd := res
				if info.Name == "connect" {
					fd = -1
					if t.hasLastFD {
						fd = t.lastFD
					}
				}
				if fd >= 0 {
					t.fds[fd] = socketFD(fd, b)
				}
			}
		}
	case "procexit":
		delete(s.threads, ev.TID)
	}
	return t
}

// After applies the changes that follow the evaluation of an event: a
// successful close removes its fd (the close exit itself still names it).
func (s *State) After(ev *scap.Event, info *scap.Info, t *Thread) {
	if t == nil || info.Dir != '<' || info.Name != "close" || !t.hasLastFD {
		return
	}
	if res, ok := result(ev, info); ok && res == 0 {
		delete(t.fds, t.lastFD)
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
	t := &Thread{TID: ev.TID, UID: unknownID, GID: unknownID, LoginUID: unknownID}
	t.PID, _ = int64Param(ev, info, "pid")
	t.PTID, _ = int64Param(ev, info, "ptid")
	parent := s.threads[t.PTID]
	if parent != nil && inherit {
		*t = Thread{TID: ev.TID, PID: t.PID, PTID: t.PTID, Comm: parent.Comm, Exe: parent.Exe, ExePath: parent.ExePath,
			Args: parent.Args, Cwd: parent.Cwd, UID: parent.UID, GID: parent.GID, LoginUID: parent.LoginUID,
			ContainerID: parent.ContainerID, ContainerRuntime: parent.ContainerRuntime}
	}
	s.exec(t, ev, info)
	if t.PID != t.TID {
		if leader := s.threads[t.PID]; leader != nil {
			t.fds = leader.fds // a thread shares its process's fds
		}
	}
	if t.fds == nil {
		t.fds = map[int64]*FD{}
		if parent != nil && inherit {
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
}

// splitArgs splits a NUL-separated argument list.
func splitArgs(b []byte) []string {
	s := strings.TrimRight(string(b), "\x00")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}
