package syscall

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"path"

	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// atFDCWD is the dirfd value meaning "relative to the working directory".
const atFDCWD = -100

// Update applies a state-changing event before it is evaluated. It returns
// the thread the event belongs to (created from its parent for a new child).
// Events of every layout version of the event table are understood: newer
// exit events carry all parameters, older ones rely on their enter event.
func (s *State) Update(ev *scap.Event) *Thread {
	s.nameChanged = false
	info, ok := scap.EventInfo(ev.Type)
	t := s.threads[ev.TID]
	if !ok {
		return t
	}
	if t == nil && !info.Internal {
		t = s.unknownThread(ev.TID)
	}
	if info.Name == "procexit" { // an enter event with no exit
		s.exited(ev, &info)
		return t
	}
	if info.Dir == '>' {
		if t != nil {
			t.lastFD, t.hasLastFD = int64Param(ev, &info, "fd")
			if info.Name == "socket" {
				if v, ok := uintParam(ev, &info, "domain"); ok {
					t.lastDomain = byte(v)
				}
				if v, ok := uintParam(ev, &info, "type"); ok {
					t.lastSockType = uint32(v)
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
			if t != nil {
				t.StartTS = ev.TS
			}
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
	}
	if t == nil {
		return nil
	}
	s.updateFDs(t, ev, &info, res)
	s.updateIDs(t, ev, &info, res)
	return t
}

// unknownThread returns a placeholder for a thread nothing described yet,
// resolved through Resolve when set (a live source asks /proc), otherwise
// with unknown process fields (<NA>), as libsinsp reports them.
func (s *State) unknownThread(tid int64) *Thread {
	if len(s.threads) >= s.maxThreads {
		return nil
	}
	if s.Resolve != nil {
		if st, fds, ok := s.Resolve(tid); ok {
			return s.addThread(st, fds)
		}
	}
	t := &Thread{TID: tid, PID: tid, PTID: -1, UID: unknownID, GID: unknownID, LoginUID: unknownID,
		Process: unknownProcess(), fds: map[int64]*FD{}}
	s.threads[tid] = t
	return t
}

// addThread adds a thread described by a process-list entry and its fds
// (the process's fd table is shared with its other known threads).
func (s *State) addThread(st *scap.Thread, fds []scap.FD) *Thread {
	t := &Thread{TID: st.TID, PID: st.PID, PTID: st.PTID, Comm: st.Comm, Exe: st.Exe, ExePath: st.ExePath,
		Args: st.Args, Cwd: st.Cwd, UID: st.UID, GID: st.GID, LoginUID: st.LoginUID}
	t.ContainerID, t.ContainerRuntime = ContainerID(st.Cgroups)
	t.Process = processFromScap(st)
	if leader := s.threads[st.PID]; leader != nil && leader != t {
		t.fds = leader.fds
	} else {
		t.fds = make(map[int64]*FD, len(fds))
	}
	for _, f := range fds {
		t.fds[f.Num] = fromScap(f)
	}
	s.threads[st.TID] = t
	return t
}

// exited forgets a thread that exited and remembers who adopts its
// children. The event itself is still evaluated with the thread.
func (s *State) exited(ev *scap.Event, info *scap.Info) {
	if reaper, ok := int64Param(ev, info, "reaper_tid"); ok && reaper > 0 {
		s.reaped[ev.TID] = reaper
		if len(s.reaped) > s.maxThreads {
			clear(s.reaped)
		}
	}
	delete(s.threads, ev.TID)
}

// fdParam returns the fd an exit event acts on: its fd parameter, or the
// one its enter event named.
func (t *Thread) fdParam(ev *scap.Event, info *scap.Info) (int64, bool) {
	if fd, ok := int64Param(ev, info, "fd"); ok {
		return fd, true
	}
	return t.lastFD, t.hasLastFD
}

// updateFDs applies an exit event to the fd table.
func (s *State) updateFDs(t *Thread, ev *scap.Event, info *scap.Info, res int64) {
	switch info.Name {
	case "open", "openat", "openat2", "creat":
		if res >= 0 {
			t.fds[res], s.nameChanged = s.openedFD(t, ev, info, res), true
		}
	case "memfd_create":
		if res >= 0 {
			name, _ := stringParam(ev, info, "name")
			t.fds[res] = &FD{Num: res, Type: 'm', Name: "memfd:" + name}
		}
	case "dup", "dup2", "dup3", "fcntl":
		if res < 0 {
			return
		}
		old, ok := int64Param(ev, info, "oldfd")
		if info.Name == "fcntl" {
			if cmd, _ := uintParam(ev, info, "cmd"); cmd != fcntlDupFD && cmd != fcntlDupFDCloexec {
				return
			}
			old, ok = t.fdParam(ev, info)
		}
		if !ok && t.hasLastFD {
			old, ok = t.lastFD, true
		}
		if f := t.fds[old]; ok && f != nil && old != res {
			c := *f
			c.Num = res
			t.fds[res] = &c
		}
	case "pipe", "pipe2", "socketpair":
		if res != 0 {
			return
		}
		typ, name := byte('p'), ""
		if info.Name == "socketpair" {
			typ = 'u'
		} else if ino, ok := uintParam(ev, info, "ino"); ok && ino != 0 {
			name = "pipe:[" + uitoa(ino) + "]"
		}
		for _, p := range [...]string{"fd1", "fd2"} {
			if fd, ok := int64Param(ev, info, p); ok && fd >= 0 {
				t.fds[fd] = &FD{Num: fd, Type: typ, Name: name}
			}
		}
	case "eventfd", "eventfd2", "signalfd", "signalfd4", "timerfd_create", "inotify_init", "inotify_init1",
		"epoll_create", "epoll_create1", "userfaultfd", "pidfd_open":
		if res >= 0 {
			t.fds[res] = &FD{Num: res, Type: anonFDType(info.Name)}
		}
	case "socket":
		s.socketCreated(t, ev, info, res)
	case "connect", "accept", "accept4":
		s.connected(t, ev, info, res)
	case "bind":
		if fd, ok := t.fdParam(ev, info); ok && res == 0 {
			if f := t.fds[fd]; f != nil {
				if b, typ, ok := param(ev, info, "addr"); ok && typ == scap.SockAddr {
					bindAddr(f, b)
				}
				f.Server, f.L4Proto = true, f.pendingL4
			}
		}
	case "listen":
		if fd, ok := t.fdParam(ev, info); ok && res == 0 {
			if f := t.fds[fd]; f != nil {
				f.Server = true
			}
		}
	case "sendto", "recvfrom", "sendmsg", "recvmsg":
		// A datagram socket's peer can change with every message.
		if fd, ok := t.fdParam(ev, info); ok {
			if f := t.fds[fd]; f != nil && !f.Server {
				if b, typ, ok := param(ev, info, "tuple"); ok && typ == scap.SockTuple && len(b) > 1 {
					n := socketFD(fd, b)
					if n.Name != f.Name {
						n.L4Proto = max(f.L4Proto, f.pendingL4)
						t.fds[fd], s.nameChanged = n, true
					}
				}
			}
		}
	case "chdir":
		if res == 0 {
			if p, ok := stringParam(ev, info, "path"); ok && p != "" {
				s.setCwd(t, t.absolute(p))
			}
		}
	case "fchdir":
		if fd, ok := t.fdParam(ev, info); ok && res == 0 {
			if f := t.fds[fd]; f != nil && f.Name != "" {
				s.setCwd(t, f.Name)
			}
		}
	}
}

// updateIDs applies the id-changing calls (setuid family, setsid).
func (s *State) updateIDs(t *Thread, ev *scap.Event, info *scap.Info, res int64) {
	if res != 0 && info.Name != "setsid" {
		return
	}
	switch info.Name {
	case "setuid":
		if v, ok := uintParam(ev, info, "uid"); ok {
			t.UID = uint32(v)
		}
	case "setresuid", "setreuid":
		if v, ok := uintParam(ev, info, "euid"); ok && uint32(v) != unknownID {
			t.UID = uint32(v)
		}
	case "setgid":
		if v, ok := uintParam(ev, info, "gid"); ok {
			t.GID = uint32(v)
		}
	case "setresgid", "setregid":
		if v, ok := uintParam(ev, info, "egid"); ok && uint32(v) != unknownID {
			t.GID = uint32(v)
		}
	case "setsid":
		if res > 0 {
			t.SID = res
		}
	case "capset":
		execProcess(&t.Process, ev, info)
	}
}

// fcntl commands that duplicate an fd (PPM_FCNTL_* codes).
const (
	fcntlDupFD        = 1
	fcntlDupFDCloexec = 26
)

// openedFD describes the fd an open-family exit returned.
func (s *State) openedFD(t *Thread, ev *scap.Event, info *scap.Info, res int64) *FD {
	raw := s.pathParam(ev, info, "name")
	f := &FD{Num: res, Type: 'f', Name: raw}
	if raw != "" && !path.IsAbs(raw) {
		f.NameRaw = raw // fd.nameraw: the path as given, when it differs
		dir := t.Cwd
		if dirfd, ok := int64Param(ev, info, "dirfd"); ok && dirfd != atFDCWD {
			if d := t.fds[dirfd]; d != nil {
				dir = d.Name
			}
		}
		if dir != "" {
			f.Name = path.Join(dir, raw)
		}
	} else if raw != "" {
		if f.Name = path.Clean(raw); f.Name != raw { // no copy when already clean
			f.NameRaw = raw
		}
	}
	if v, ok := uintParam(ev, info, "flags"); ok {
		f.OpenFlags = uint32(v)
	} else if info.Name == "creat" {
		f.OpenFlags = openCreat | 2 | openTrunc
	}
	if f.OpenFlags&openDirectory != 0 {
		f.Type = 'd'
	}
	if v, ok := uintParam(ev, info, "dev"); ok {
		f.Dev = uint32(v)
	}
	if v, ok := uintParam(ev, info, "ino"); ok {
		f.Ino = v
	}
	return f
}

// pathParam returns a path parameter as a string shared with earlier
// events naming the same path, so that files opened again and again cost
// no new string.
func (s *State) pathParam(ev *scap.Event, info *scap.Info, name string) string {
	b, _, ok := param(ev, info, name)
	if !ok {
		return ""
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if v, ok := s.paths[string(b)]; ok { // no allocation for the lookup
		return v
	}
	if len(s.paths) >= maxInternedPaths {
		clear(s.paths)
	}
	v := string(b)
	s.paths[v] = v
	return v
}

// maxInternedPaths bounds the shared path strings.
const maxInternedPaths = 1 << 16

// PPM_O_* open flags used by the state.
const (
	openCreat     = 1 << 2
	openTrunc     = 1 << 8
	openDirectory = 1 << 10
)

// absolute makes a path absolute against the thread's working directory.
func (t *Thread) absolute(p string) string {
	if path.IsAbs(p) || t.Cwd == "" {
		return path.Clean(p)
	}
	return path.Join(t.Cwd, p)
}

// setCwd changes the working directory of a thread's whole process.
func (s *State) setCwd(t *Thread, dir string) {
	t.Cwd = dir
	if leader := s.threads[t.PID]; leader != nil {
		leader.Cwd = dir
	}
}

// socketCreated records the fd a socket call returned.
func (s *State) socketCreated(t *Thread, ev *scap.Event, info *scap.Info, res int64) {
	if res < 0 {
		return
	}
	domain, typ := uint64(t.lastDomain), uint64(t.lastSockType)
	if v, ok := uintParam(ev, info, "domain"); ok {
		domain = v
	}
	if v, ok := uintParam(ev, info, "type"); ok {
		typ = v
	}
	proto, _ := uintParam(ev, info, "proto")
	f := &FD{Num: res, Type: 'o'}
	switch domain {
	case 2:
		f.Type = '4'
	case 10:
		f.Type = '6'
	case 1:
		f.Type = 'u'
	}
	if f.Type == '4' || f.Type == '6' {
		// Known from here, reported once the socket is bound or connected,
		// as libsinsp does.
		f.pendingL4 = l4Proto(typ, proto)
	}
	t.fds[res] = f
}

// l4Proto maps a socket type and protocol to scap's SCAP_L4_* code.
func l4Proto(typ, proto uint64) uint8 {
	switch {
	case proto == 1 || proto == 58: // IPPROTO_ICMP, IPPROTO_ICMPV6
		return 4
	case typ&0xf == 1:
		return 2 // SOCK_STREAM: tcp
	case typ&0xf == 2:
		return 3 // SOCK_DGRAM: udp
	case typ&0xf == 3:
		return 5 // SOCK_RAW
	}
	return 0
}

// connected records the endpoints of a connect or accept.
func (s *State) connected(t *Thread, ev *scap.Event, info *scap.Info, res int64) {
	b, typ, ok := param(ev, info, "tuple")
	if !ok || typ != scap.SockTuple {
		return
	}
	fd := res
	if info.Name == "connect" {
		var known bool
		if fd, known = t.fdParam(ev, info); !known {
			return
		}
		if res < 0 && res != -115 { // a failed connect (EINPROGRESS still connects)
			return
		}
	}
	if fd < 0 {
		return
	}
	n := socketFD(fd, b)
	old := t.fds[fd]
	if old != nil {
		n.L4Proto = max(old.L4Proto, old.pendingL4)
	}
	if info.Name != "connect" {
		n.Server = true
		if n.L4Proto == 0 && (n.Type == '4' || n.Type == '6') {
			n.L4Proto = 2 // accepted: a stream socket
		}
	}
	n.Connected = n.Type == '4' || n.Type == '6'
	s.nameChanged = old == nil || old.Name != n.Name
	t.fds[fd] = n
}

// anonFDType is the fd.typechar of the fds anonymous-inode calls create.
func anonFDType(call string) byte {
	switch call {
	case "eventfd", "eventfd2":
		return 'e'
	case "signalfd", "signalfd4":
		return 's'
	case "timerfd_create":
		return 't'
	case "inotify_init", "inotify_init1":
		return 'i'
	case "epoll_create", "epoll_create1":
		return 'l'
	case "userfaultfd":
		return 'o'
	}
	return 'o'
}

// uitoa formats an unsigned integer.
func uitoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

// bindAddr records the local address a socket was bound to.
func bindAddr(f *FD, addr []byte) {
	if len(addr) == 0 {
		return
	}
	switch addr[0] {
	case 2: // AF_INET: family, ip(4), port(2)
		if len(addr) >= 7 {
			f.SIP = netip.AddrFrom4([4]byte(addr[1:5]))
			f.SPort = binary.LittleEndian.Uint16(addr[5:7])
			f.Name = netip.AddrPortFrom(f.SIP, f.SPort).String()
		}
	case 10: // AF_INET6: family, ip(16), port(2)
		if len(addr) >= 19 {
			f.SIP = netip.AddrFrom16([16]byte(addr[1:17])).Unmap()
			f.SPort = binary.LittleEndian.Uint16(addr[17:19])
			f.Name = f.SIP.String() + ":" + uitoa(uint64(f.SPort))
		}
	case 1: // AF_UNIX: family, path
		f.Name = cString(addr[1:])
	}
}

// cString returns b up to its first NUL.
func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
