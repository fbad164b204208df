package syscall

import (
	"strings"

	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// Process is the part of a thread's identity that execve sets and clone
// inherits, beyond the names and ids every thread has.
type Process struct {
	VTID, VPID    int64 // ids inside the thread's pid namespace (-1 unknown)
	SID           int64 // session id (-1 unknown)
	PGID, VPGID   int64 // process group, on the host and in the pid namespace (-1 unknown)
	TTY           uint32
	Env           []string
	FDLimit       int64
	ExeIno        uint64
	ExeInoCtime   uint64 // ns since the epoch
	ExeInoMtime   uint64
	ExeFlags      uint32 // PPM_EXE_* bits of the execve exit
	CapPermitted  uint64
	CapEffective  uint64
	CapInherit    uint64
	StartTS       uint64 // clone (or first exec seen) time, ns since the epoch; 0 unknown
	PidNsStartTS  uint64 // start time of the pid namespace's init
	VMSizeKB      uint32
	VMRSSKB       uint32
	VMSwapKB      uint32
	Cgroups       []string
	Root          string
	hasProcessIDs bool // VTID/VPID/SID/VPGID were recorded
}

// PPM_EXE_* bits of the execve exit event's flags parameter.
const (
	exeWritable   = 1 << 0
	exeUpperLayer = 1 << 1
	exeFromMemfd  = 1 << 2
	exeLowerLayer = 1 << 3
)

// unknownProcess is the identity of a thread nothing was recorded for.
func unknownProcess() Process {
	return Process{VTID: -1, VPID: -1, SID: -1, PGID: -1, VPGID: -1, FDLimit: -1}
}

// processFromScap converts the identity a capture's process list recorded.
func processFromScap(t *scap.Thread) Process {
	p := Process{VTID: t.VTID, VPID: t.VPID, SID: t.SID, PGID: t.PGID, VPGID: t.VPGID, TTY: t.TTY, Env: t.Env,
		FDLimit: t.FDLimit, ExeIno: t.ExeIno, ExeInoCtime: t.ExeInoCtime, ExeInoMtime: t.ExeInoMtime,
		CapPermitted: t.CapPermitted, CapEffective: t.CapEffective, CapInherit: t.CapInheritable,
		PidNsStartTS: t.PidNsInitStartTS, VMSizeKB: t.VMSizeKB, VMRSSKB: t.VMRSSKB, VMSwapKB: t.VMSwapKB,
		Cgroups: t.Cgroups, Root: t.Root, hasProcessIDs: true}
	if t.ExeWritable {
		p.ExeFlags |= exeWritable
	}
	if t.ExeUpperLayer {
		p.ExeFlags |= exeUpperLayer
	}
	if t.ExeFromMemfd {
		p.ExeFlags |= exeFromMemfd
	}
	if t.ExeLowerLayer {
		p.ExeFlags |= exeLowerLayer
	}
	return p
}

// execProcess updates the identity from an execve/execveat/clone exit's
// parameters; parameters the event's version lacks keep their values.
func execProcess(p *Process, ev *scap.Event, info *scap.Info) {
	if v, ok := int64Param(ev, info, "vtid"); ok {
		p.VTID, p.hasProcessIDs = v, true
	}
	if v, ok := int64Param(ev, info, "vpid"); ok {
		p.VPID = v
	}
	if v, ok := int64Param(ev, info, "vpgid"); ok {
		p.VPGID = v
	}
	if v, ok := int64Param(ev, info, "pgid"); ok {
		p.PGID = v
	}
	if v, ok := uintParam(ev, info, "tty"); ok {
		p.TTY = uint32(v)
	}
	if b, _, ok := param(ev, info, "env"); ok {
		p.Env = splitArgs(b)
	}
	if v, ok := int64Param(ev, info, "fdlimit"); ok {
		p.FDLimit = v
	}
	if info.Name == "execve" || info.Name == "execveat" {
		if v, ok := uintParam(ev, info, "flags"); ok {
			p.ExeFlags = uint32(v)
		}
	}
	for _, u := range [...]struct {
		name string
		dst  *uint64
	}{{"exe_ino", &p.ExeIno}, {"exe_ino_ctime", &p.ExeInoCtime}, {"exe_ino_mtime", &p.ExeInoMtime},
		{"cap_permitted", &p.CapPermitted}, {"cap_effective", &p.CapEffective}, {"cap_inheritable", &p.CapInherit},
		{"pidns_init_start_ts", &p.PidNsStartTS}} {
		if v, ok := uintParam(ev, info, u.name); ok {
			*u.dst = v
		}
	}
	if v, ok := uintParam(ev, info, "vm_size"); ok {
		p.VMSizeKB = uint32(v)
	}
	if v, ok := uintParam(ev, info, "vm_rss"); ok {
		p.VMRSSKB = uint32(v)
	}
	if v, ok := uintParam(ev, info, "vm_swap"); ok {
		p.VMSwapKB = uint32(v)
	}
	if b, _, ok := param(ev, info, "cgroups"); ok {
		p.Cgroups = splitArgs(b)
	}
}

// uintParam decodes an unsigned integer parameter of any width.
func uintParam(ev *scap.Event, info *scap.Info, name string) (uint64, bool) {
	b, _, ok := param(ev, info, name)
	if !ok {
		return 0, false
	}
	return uintOf(b)
}

// EnvVar returns the value of one environment variable of the process.
func (p *Process) EnvVar(name string) (string, bool) {
	for _, kv := range p.Env {
		if len(kv) > len(name) && kv[len(name)] == '=' && strings.HasPrefix(kv, name) {
			return kv[len(name)+1:], true
		}
	}
	return "", false
}

// capNames are the Linux capability names by bit number.
var capNames = [...]string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
	"CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
	"CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"}

// appendCaps appends the names of the set capability bits, space-separated.
func appendCaps(dst []byte, caps uint64) []byte {
	first := true
	for i, n := range capNames {
		if caps&(1<<uint(i)) == 0 {
			continue
		}
		if !first {
			dst = append(dst, ' ')
		}
		dst = append(dst, n...)
		first = false
	}
	return dst
}
