package syscall

import (
	"encoding/binary"
	"runtime"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// Newest event codes of the libscap table, as a live capture emits them.
const (
	codeCloneX    = 223
	codeExecveX   = 293
	codeOpenatX   = 307
	codeDup2X     = 363
	codePipe2X    = 393
	codeFcntlX    = 151
	codeChdirX    = 95
	codeSetuidX   = 199
	codeMemfdX    = 405
	codeSocketX   = 19
	codeBindX     = 21
	codeListenX   = 25
	codeAccept4X  = 389
	codeProcexitE = 186
	codeCloseX    = 5
)

func i64(v int64) []byte   { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }
func u32(v uint32) []byte  { return binary.LittleEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte  { return binary.LittleEndian.AppendUint64(nil, v) }
func cstr(s string) []byte { return append([]byte(s), 0) }

// script feeds synthetic events through a state and evaluates fields.
type script struct {
	t     *testing.T
	st    *State
	table *field.Table
	ts    uint64
}

// send applies one event with params by name (others empty) and returns
// the event as rules would see it.
func (s *script) send(code uint16, tid int64, params map[string][]byte) *Event {
	s.t.Helper()
	info, ok := scap.EventInfo(code)
	if !ok {
		s.t.Fatalf("no event %d", code)
	}
	s.ts += 1000
	ev := &scap.Event{TS: s.ts, TID: tid, Type: code}
	for _, p := range info.Params {
		ev.Params = append(ev.Params, params[p.Name])
	}
	raw := scap.AppendEvent(nil, ev)
	var dec scap.Event
	if err := scap.DecodeEvent(raw, &dec); err != nil {
		s.t.Fatal(err)
	}
	th := s.st.Update(&dec)
	e := &Event{Base: event.Base{Src: SourceName, TS: int64(dec.TS)}, Raw: &dec, Info: info, Thread: th, State: s.st}
	return e
}

func (s *script) field(e *Event, name string) string {
	s.t.Helper()
	return text(s.table, name, extractOne(s.t, s.table, name, e))
}

func TestStateFromLiveEvents(t *testing.T) {
	s := &script{t: t, st: NewState(0), table: Fields()}
	s.st.users[0], s.st.users[1000] = "root", "alice"
	s.st.groups[0] = "root"
	// A shell (pid 100) known from the start, as /proc would describe it.
	s.st.addThread(&scap.Thread{TID: 100, PID: 100, PTID: 1, SID: 100, VPGID: 100, Comm: "bash", Exe: "bash",
		ExePath: "/usr/bin/bash", Cwd: "/root", TTY: 34816, VTID: 100, VPID: 100, LoginUID: 1000}, nil)
	// fork: the child inherits identity, tty and session.
	s.send(codeCloneX, 101, map[string][]byte{"res": i64(0), "tid": i64(101), "pid": i64(101), "ptid": i64(100),
		"comm": cstr("bash"), "vtid": i64(101), "vpid": i64(101)})
	e := s.send(codeExecveX, 101, map[string][]byte{"res": i64(0), "exe": cstr("cat"), "args": cstr("/etc/shadow"),
		"tid": i64(101), "pid": i64(101), "ptid": i64(100), "cwd": cstr("/root"), "comm": cstr("cat"),
		"env": []byte("HOME=/root\x00TERM=xterm\x00"), "tty": u32(34816), "loginuid": u32(1000), "uid": u32(0),
		"gid": u32(0), "flags": u32(exeUpperLayer), "cap_effective": u64(1<<21 | 1<<7), "trusted_exepath": cstr("/usr/bin/cat"),
		"exe_ino_ctime": u64(5000)})
	for name, want := range map[string]string{"proc.name": "cat", "proc.pname": "bash", "proc.tty": "34816",
		"proc.env[TERM]": "xterm", "proc.env": "HOME=/root TERM=xterm", "user.loginname": "alice",
		"user.name": "root", "group.name": "root", "proc.is_exe_upper_layer": "true", "proc.is_exe_writable": "false",
		"thread.cap_effective": "CAP_SETUID CAP_SYS_ADMIN", "proc.exepath": "/usr/bin/cat", "proc.pexepath": "/usr/bin/bash",
		"proc.sname": "bash", "proc.vpid": "101", "proc.duration": "1000", "proc.aexe[1]": "bash"} {
		if got := s.field(e, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// Relative open after chdir, then dup2 and fcntl(F_DUPFD) of that fd.
	s.send(codeChdirX, 101, map[string][]byte{"res": i64(0), "path": cstr("../etc")})
	e = s.send(codeOpenatX, 101, map[string][]byte{"fd": i64(3), "dirfd": i64(-100), "name": cstr("shadow"),
		"flags": u32(1)})
	if got := s.field(e, "fd.name"); got != "/etc/shadow" {
		t.Errorf("fd.name after chdir = %q", got)
	}
	if got := s.field(e, "fd.nameraw"); got != "shadow" {
		t.Errorf("fd.nameraw = %q", got)
	}
	s.send(codeDup2X, 101, map[string][]byte{"res": i64(7), "oldfd": i64(3), "newfd": i64(7)})
	s.send(codeFcntlX, 101, map[string][]byte{"res": i64(9), "fd": i64(3), "cmd": {fcntlDupFD}})
	th := s.st.Thread(101)
	for _, fd := range []int64{7, 9} {
		if f := th.fds[fd]; f == nil || f.Name != "/etc/shadow" {
			t.Errorf("fd %d after dup: %+v", fd, f)
		}
	}
	s.send(codeCloseX, 101, map[string][]byte{"res": i64(0), "fd": i64(3)})
	s.send(codePipe2X, 101, map[string][]byte{"res": i64(0), "fd1": i64(4), "fd2": i64(5), "ino": u64(42)})
	if f := th.fds[5]; f == nil || f.Type != 'p' || f.Name != "pipe:[42]" {
		t.Errorf("pipe fd: %+v", f)
	}
	s.send(codeMemfdX, 101, map[string][]byte{"fd": i64(6), "name": cstr("x"), "flags": u32(0)})
	if f := th.fds[6]; f == nil || f.Type != 'm' || f.Name != "memfd:x" {
		t.Errorf("memfd fd: %+v", f)
	}
	s.send(codeSetuidX, 101, map[string][]byte{"res": i64(0), "uid": u32(1000)})
	if th.UID != 1000 {
		t.Errorf("uid after setuid = %d", th.UID)
	}
	// A TCP server: socket, bind, listen, accept.
	s.send(codeSocketX, 101, map[string][]byte{"fd": i64(10), "domain": u32(2), "type": u32(1), "proto": u32(0)})
	addr := append([]byte{2, 127, 0, 0, 1}, binary.LittleEndian.AppendUint16(nil, 8080)...)
	s.send(codeBindX, 101, map[string][]byte{"res": i64(0), "addr": addr, "fd": i64(10)})
	s.send(codeListenX, 101, map[string][]byte{"res": i64(0), "fd": i64(10), "backlog": u32(5)})
	tuple := []byte{2, 10, 0, 0, 9}
	tuple = binary.LittleEndian.AppendUint16(tuple, 5555)
	tuple = append(tuple, 127, 0, 0, 1)
	tuple = binary.LittleEndian.AppendUint16(tuple, 8080)
	e = s.send(codeAccept4X, 101, map[string][]byte{"fd": i64(11), "tuple": tuple})
	for name, want := range map[string]string{"fd.name": "10.0.0.9:5555->127.0.0.1:8080", "fd.lport": "8080",
		"fd.rport": "5555", "fd.rip": "10.0.0.9", "fd.l4proto": "tcp", "fd.is_server": "true", "fd.connected": "true",
		"fd.sockfamily": "ip", "fd.name_changed": "true"} {
		if got := s.field(e, name); got != want {
			t.Errorf("accept: %s = %q, want %q", name, got, want)
		}
	}
	// The parent exits; its child is adopted by init (tid 1).
	s.st.addThread(&scap.Thread{TID: 1, PID: 1, PTID: 0, Comm: "systemd", Exe: "/sbin/init"}, nil)
	s.send(codeProcexitE, 100, map[string][]byte{"reaper_tid": i64(1)})
	e = s.send(codeCloseX, 101, map[string][]byte{"res": i64(0), "fd": i64(4)})
	if got := s.field(e, "proc.pname"); got != "systemd" {
		t.Errorf("pname after the parent exited = %q, want systemd", got)
	}
}

// extractOne evaluates one field (with its argument) on an event.
func extractOne(t *testing.T, table *field.Table, name string, e *Event) field.Value {
	t.Helper()
	base, arg, hasArg := name, "", false
	if i := strings.IndexByte(name, '['); i >= 0 {
		base, arg, hasArg = name[:i], name[i+1:len(name)-1], true
	}
	desc, dotted, ok := table.Resolve(base)
	if !ok || desc.New == nil {
		t.Fatalf("field %s has no extractor", base)
	}
	if dotted != "" {
		arg, hasArg = dotted, true
	}
	x, err := desc.New(arg, hasArg)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := x.Extract(e, nil)
	if !ok || len(v) == 0 {
		return field.Value{B: []byte("<NA>")}
	}
	return v[0]
}

// BenchmarkStateMemory measures the state kept per process: 10,000
// processes, each forked from a shell, exec'd with arguments and an
// environment, holding five open files and a socket.
func BenchmarkStateMemory(b *testing.B) {
	env := []byte("HOME=/root\x00PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\x00TERM=xterm\x00" +
		"LANG=C.UTF-8\x00SHELL=/bin/bash\x00USER=root\x00PWD=/srv/app\x00HOSTNAME=node-1\x00")
	const procs = 10000
	var perProc float64
	for i := 0; i < b.N; i++ {
		s := &script{t: &testing.T{}, st: NewState(0), table: nil}
		s.st.addThread(&scap.Thread{TID: 1, PID: 1, Comm: "bash", Exe: "bash", ExePath: "/usr/bin/bash", Cwd: "/"}, nil)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for p := int64(2); p < procs+2; p++ {
			s.send(codeCloneX, p, map[string][]byte{"res": i64(0), "tid": i64(p), "pid": i64(p), "ptid": i64(1), "comm": cstr("bash")})
			s.send(codeExecveX, p, map[string][]byte{"res": i64(0), "exe": cstr("python3"), "args": []byte("-m\x00http.server\x008080\x00"),
				"tid": i64(p), "pid": i64(p), "ptid": i64(1), "cwd": cstr("/srv/app"), "comm": cstr("python3"), "env": env,
				"cgroups":         []byte("cpuset=/\x00cpu=/k8s.io/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\x00"),
				"trusted_exepath": cstr("/usr/bin/python3.11")})
			for fd := int64(3); fd < 8; fd++ {
				s.send(codeOpenatX, p, map[string][]byte{"fd": i64(fd), "dirfd": i64(-100), "name": cstr("/srv/app/data/file-" + uitoa(uint64(fd)) + ".json"), "flags": u32(1)})
			}
			s.send(codeSocketX, p, map[string][]byte{"fd": i64(8), "domain": u32(2), "type": u32(1)})
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if s.st.Len() != procs+1 {
			b.Fatalf("%d threads tracked", s.st.Len())
		}
		perProc = float64(after.HeapAlloc-before.HeapAlloc) / procs
		runtime.KeepAlive(s)
	}
	b.ReportMetric(perProc, "bytes/process")
	b.ReportMetric(perProc*10000/(1<<20), "MiB/10k-processes")
}
