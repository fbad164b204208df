package syscall

import (
	"strings"

	"github.com/peregrine-sec/peregrine/internal/field"
)

// processExtractors are the proc.*, thread.*, user.* and group.* fields
// beyond the basic identity.
func processExtractors(m map[string]fieldFn) {
	m["proc.tty"] = known(func(t *Thread) uint64 { return uint64(t.TTY) })
	m["proc.vpid"] = nsID(func(t *Thread) int64 { return t.VPID })
	m["thread.vtid"] = nsID(func(t *Thread) int64 { return t.VTID })
	m["proc.sid"] = ids(func(t *Thread) int64 { return t.SID })
	m["proc.vpgid"] = ids(func(t *Thread) int64 { return t.VPGID })
	m["proc.pgid"] = ids(func(t *Thread) int64 { return t.PGID })
	m["proc.fdlimit"] = known(func(t *Thread) uint64 { return uint64(t.FDLimit) })
	m["proc.vmsize"] = known(func(t *Thread) uint64 { return uint64(t.VMSizeKB) })
	m["proc.vmrss"] = known(func(t *Thread) uint64 { return uint64(t.VMRSSKB) })
	m["proc.vmswap"] = known(func(t *Thread) uint64 { return uint64(t.VMSwapKB) })
	m["proc.exe_ino"] = known(func(t *Thread) uint64 { return t.ExeIno })
	m["proc.exe_ino.ctime"] = known(func(t *Thread) uint64 { return t.ExeInoCtime })
	m["proc.exe_ino.mtime"] = known(func(t *Thread) uint64 { return t.ExeInoMtime })
	m["proc.pidns_init_start_ts"] = known(func(t *Thread) uint64 { return t.PidNsStartTS })
	m["proc.exe_ino.ctime_duration_proc_start"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		t := e.Thread
		if t == nil || t.StartTS == 0 || t.ExeInoCtime == 0 {
			return dst, false
		}
		return append(dst, field.Value{N: t.StartTS - t.ExeInoCtime}), true
	}
	m["proc.exe_ino.ctime_duration_pidns_start"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		t := e.Thread
		if t == nil || t.PidNsStartTS == 0 || t.ExeInoCtime == 0 {
			return dst, false
		}
		return append(dst, field.Value{N: t.PidNsStartTS - t.ExeInoCtime}), true
	}
	m["proc.duration"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		t := e.Thread
		if t == nil || t.StartTS == 0 || uint64(e.TS) < t.StartTS {
			return dst, false
		}
		return append(dst, field.Value{N: uint64(e.TS) - t.StartTS}), true
	}
	m["proc.is_exe_writable"] = exeFlag(exeWritable)
	m["proc.is_exe_upper_layer"] = exeFlag(exeUpperLayer)
	m["proc.is_exe_lower_layer"] = exeFlag(exeLowerLayer)
	m["proc.is_exe_from_memfd"] = exeFlag(exeFromMemfd)
	m["proc.is_vpgid_leader"] = leader(func(t *Thread) (int64, int64) { return t.VPGID, t.VPID })
	m["proc.is_sid_leader"] = leader(func(t *Thread) (int64, int64) { return t.SID, t.PID })
	m["proc.is_pgid_leader"] = leader(func(t *Thread) (int64, int64) { return t.PGID, t.PID })
	m["thread.ismain"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Thread == nil {
			return dst, false
		}
		return boolean(dst, e.Thread.TID == e.Thread.PID), true
	}
	m["proc.env"] = func(e *Event, dst []field.Value, arg string, hasArg bool) ([]field.Value, bool) {
		t := e.Thread
		if t == nil || t.Comm == "" {
			return dst, false
		}
		if hasArg {
			v, ok := t.EnvVar(arg)
			if !ok {
				return dst, false
			}
			return e.str(dst, v), true
		}
		return append(dst, e.joinValue("", t.Env)), true
	}
	m["proc.pexe"] = parentString(func(t *Thread) string { return t.Exe })
	m["proc.pexepath"] = parentString(func(t *Thread) string { return t.ExePath })
	m["proc.aexe"] = ancestors(func(e *Event, t *Thread) field.Value { return e.strValue(t.Exe) })
	m["proc.aexepath"] = ancestors(func(e *Event, t *Thread) field.Value { return e.strValue(t.ExePath) })
	m["proc.acmdline"] = ancestors(func(e *Event, t *Thread) field.Value { return e.joinValue(t.Comm, t.Args) })
	m["proc.exeline"] = thread(func(t *Thread) (string, bool) {
		return strings.TrimSpace(t.Exe + " " + strings.Join(t.Args, " ")), true
	})
	m["proc.cmdnargs"] = known(func(t *Thread) uint64 { return uint64(len(t.Args)) })
	m["proc.cmdlenargs"] = known(func(t *Thread) uint64 {
		n := 0
		for _, a := range t.Args {
			n += len(a)
		}
		return uint64(n)
	})
	m["proc.sname"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if l := e.sessionLeader(); l != nil && l.Comm != "" {
			return e.str(dst, l.Comm), true
		}
		return dst, false
	}
	m["proc.pvpid"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if p := e.parent(e.Thread); p != nil && p.hasProcessIDs {
			return append(dst, field.Value{N: uint64(p.VPID)}), true
		}
		return dst, false
	}
	m["thread.cap_effective"] = caps(func(t *Thread) uint64 { return t.CapEffective })
	m["thread.cap_permitted"] = caps(func(t *Thread) uint64 { return t.CapPermitted })
	m["thread.cap_inheritable"] = caps(func(t *Thread) uint64 { return t.CapInherit })
	m["thread.cgroups"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Thread == nil || len(e.Thread.Cgroups) == 0 {
			return dst, false
		}
		return append(dst, e.joinValue("", e.Thread.Cgroups)), true
	}
	m["thread.cgroup"] = func(e *Event, dst []field.Value, arg string, _ bool) ([]field.Value, bool) {
		if e.Thread == nil {
			return dst, false
		}
		for _, c := range e.Thread.Cgroups {
			if k, v, ok := strings.Cut(c, "="); ok && k == arg {
				return e.str(dst, v), true
			}
		}
		return dst, false
	}
	m["user.loginname"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Thread == nil || e.Thread.LoginUID == unknownID {
			return dst, false
		}
		return e.str(dst, e.State.idName(e.Thread, e.Thread.LoginUID, false, e.TS)), true
	}
	m["group.name"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Thread == nil || e.Thread.GID == unknownID {
			return dst, false
		}
		return e.str(dst, e.State.idName(e.Thread, e.Thread.GID, true, e.TS)), true
	}
}

// known extracts a number of a thread (threads known only by their id
// report the defaults, as libsinsp does).
func known(get func(*Thread) uint64) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Thread == nil {
			return dst, false
		}
		return append(dst, field.Value{N: get(e.Thread)}), true
	}
}

// ids extracts a namespace, group or session id (-1 when never recorded,
// as libsinsp reports it).
func ids(get func(*Thread) int64) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Thread == nil {
			return dst, false
		}
		return append(dst, field.Value{N: uint64(get(e.Thread))}), true
	}
}

// nsID extracts an id inside the pid namespace, missing when unknown.
func nsID(get func(*Thread) int64) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Thread == nil || get(e.Thread) < 0 {
			return dst, false
		}
		return append(dst, field.Value{N: uint64(get(e.Thread))}), true
	}
}

// exeFlag tests one PPM_EXE_* bit of the thread's executable.
func exeFlag(bit uint32) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Thread == nil {
			return dst, false
		}
		return boolean(dst, e.Thread.ExeFlags&bit != 0), true
	}
}

// leader compares a group id with the thread's own id.
func leader(get func(*Thread) (group, self int64)) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Thread == nil {
			return dst, false
		}
		g, self := get(e.Thread)
		if g < 0 || self < 0 {
			return dst, false
		}
		return boolean(dst, g == self), true
	}
}

func parentString(get func(*Thread) string) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if p := e.parent(e.Thread); p != nil && p.Comm != "" {
			return e.str(dst, get(p)), true
		}
		return dst, false
	}
}

func caps(get func(*Thread) uint64) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Thread == nil || e.Thread.Comm == "" {
			return dst, false
		}
		start := len(e.scratch)
		e.scratch = appendCaps(e.scratch, get(e.Thread))
		return append(dst, field.Value{B: e.scratch[start:len(e.scratch):len(e.scratch)]}), true
	}
}

// sessionLeader returns the session leader of the event's process: the
// eldest ancestor still in the same session.
func (e *Event) sessionLeader() *Thread {
	t := e.Thread
	if t == nil {
		return nil
	}
	leader := t
	for i := 0; i < 64; i++ {
		p := e.parent(leader)
		if p == nil || p.SID != t.SID {
			break
		}
		leader = p
	}
	return leader
}
