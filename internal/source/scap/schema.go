package scap

import "strconv"

// ParamType is the wire type of an event parameter. The numeric values are
// the libscap PT_* codes, so they can be compared with other tools' output.
type ParamType uint8

// Parameter types (libscap PT_* codes).
const (
	None             ParamType = 0  // no type
	Int8             ParamType = 1  // signed 8-bit integer
	Int16            ParamType = 2  // signed 16-bit integer
	Int32            ParamType = 3  // signed 32-bit integer
	Int64            ParamType = 4  // signed 64-bit integer
	Uint8            ParamType = 5  // unsigned 8-bit integer
	Uint16           ParamType = 6  // unsigned 16-bit integer
	Uint32           ParamType = 7  // unsigned 32-bit integer
	Uint64           ParamType = 8  // unsigned 64-bit integer
	CharBuf          ParamType = 9  // NUL-terminated string
	ByteBuf          ParamType = 10 // raw bytes (e.g. read/write data)
	Errno            ParamType = 11 // signed 64-bit return value, negative errno on failure
	SockAddr         ParamType = 12 // family byte followed by a family-specific address
	SockTuple        ParamType = 13 // family byte followed by source and destination endpoints
	Fd               ParamType = 14 // signed 64-bit file descriptor
	Pid              ParamType = 15 // signed 64-bit process/thread id
	FdList           ParamType = 16 // u16 count followed by (u64 fd, u16 flags) pairs
	FsPath           ParamType = 17 // NUL-terminated file system path
	SyscallID        ParamType = 18 // 16-bit system call id
	SigType          ParamType = 19 // 8-bit signal number
	RelTime          ParamType = 20 // relative time in nanoseconds (u64)
	AbsTime          ParamType = 21 // absolute time in nanoseconds since the epoch (u64)
	Port             ParamType = 22 // 16-bit TCP/UDP port
	L4Proto          ParamType = 23 // 8-bit layer 4 protocol
	SockFamily       ParamType = 24 // 8-bit socket family
	Bool             ParamType = 25 // boolean (stored as an integer)
	IPv4Addr         ParamType = 26 // 4-byte IPv4 address
	Dyn              ParamType = 27 // u8 index selecting the real type, followed by the value
	Flags8           ParamType = 28 // 8-bit flag set
	Flags16          ParamType = 29 // 16-bit flag set
	Flags32          ParamType = 30 // 32-bit flag set
	UID              ParamType = 31 // 32-bit user id
	GID              ParamType = 32 // 32-bit group id
	Double           ParamType = 33 // IEEE-754 float64
	SigSet           ParamType = 34 // 32-bit signal set
	CharBufArray     ParamType = 35 // NUL-separated strings
	CharBufPairArray ParamType = 36 // NUL-separated key/value strings
	IPv4Net          ParamType = 37 // IPv4 network (address + prefix)
	IPv6Addr         ParamType = 38 // 16-byte IPv6 address
	IPv6Net          ParamType = 39 // IPv6 network (address + prefix)
	IPAddr           ParamType = 40 // IPv4 or IPv6 address, by length
	IPNet            ParamType = 41 // IPv4 or IPv6 network, by length
	Mode             ParamType = 42 // 32-bit file mode
	FsRelPath        ParamType = 43 // path relative to a directory fd
	EnumFlags8       ParamType = 44 // 8-bit enumeration
	EnumFlags16      ParamType = 45 // 16-bit enumeration
	EnumFlags32      ParamType = 46 // 32-bit enumeration
	Fd32             ParamType = 47 // signed 32-bit file descriptor
	Pid32            ParamType = 48 // signed 32-bit process id
)

// paramTypeNames maps a ParamType to its lower-case name.
var paramTypeNames = [...]string{
	"none", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
	"charbuf", "bytebuf", "errno", "sockaddr", "socktuple", "fd", "pid", "fdlist",
	"fspath", "syscallid", "sigtype", "reltime", "abstime", "port", "l4proto",
	"sockfamily", "bool", "ipv4addr", "dyn", "flags8", "flags16", "flags32", "uid",
	"gid", "double", "sigset", "charbufarray", "charbufpairarray", "ipv4net",
	"ipv6addr", "ipv6net", "ipaddr", "ipnet", "mode", "fsrelpath", "enumflags8",
	"enumflags16", "enumflags32", "fd32", "pid32",
}

// String returns the lower-case name of the type ("fspath", "errno", ...).
func (t ParamType) String() string {
	if int(t) < len(paramTypeNames) {
		return paramTypeNames[t]
	}
	return "paramtype(" + strconv.Itoa(int(t)) + ")"
}

// ParamInfo describes one event parameter.
type ParamInfo struct {
	Name string    // parameter name as printed by sysdig ("fd", "name", "res", ...)
	Type ParamType // wire type
}

// Info is the schema of one event type.
type Info struct {
	Name     string      // event name, shared by the enter and exit event ("open", "execve", ...)
	Dir      byte        // '>' for enter events, '<' for exit events
	Large    bool        // parameter lengths are 32-bit in V2 event blocks (EF_LARGE_PAYLOAD)
	Internal bool        // internal metaevent (EC_INTERNAL: procinfo, drop, container, ...)
	Params   []ParamInfo // parameters in wire order (current table; older captures may carry fewer)
}

// eventTableSplit is the first event type stored in eventTableHi.
const eventTableSplit = 228

// MaxEventType is one more than the highest event type code known to EventInfo.
const MaxEventType = eventTableSplit + len(eventTableHi)

// EventInfo returns the schema of event type t (a libscap PPME_* code). The
// boolean is false for codes that are unknown or unused. Params is shared
// with the package's table and must not be modified.
func EventInfo(t uint16) (Info, bool) {
	info := lookupInfo(t)
	if info == nil {
		return Info{}, false
	}
	return *info, true
}

// lookupInfo returns a pointer into the constant tables, or nil.
func lookupInfo(t uint16) *Info {
	var info *Info
	switch {
	case int(t) < eventTableSplit:
		info = &eventTableLo[t]
	case int(t) < MaxEventType:
		info = &eventTableHi[int(t)-eventTableSplit]
	default:
		return nil
	}
	if info.Name == "" {
		return nil
	}
	return info
}

// EventName returns the event name and direction for type t, or ("unknown",
// '?') when the type is not in the table.
func EventName(t uint16) (name string, dir byte) {
	if info := lookupInfo(t); info != nil {
		return info.Name, info.Dir
	}
	return "unknown", '?'
}

// SyscallName returns the lower-case name of a syscall code as carried by
// the ID parameter of generic "syscall" events (a libscap PPM_SC_* value).
func SyscallName(id uint16) (string, bool) {
	if int(id) < len(syscallNames) && syscallNames[id] != "" {
		return syscallNames[id], true
	}
	return "", false
}

// TypeName returns the event type name as sysdig's evt.type prints it: the
// event name, except for generic "syscall" events (types 0 and 1), which are
// named after the syscall in their ID parameter, or "<unknown>".
func (e *Event) TypeName() string {
	if e.Type > 1 {
		return e.Name()
	}
	if len(e.Params) > 0 && len(e.Params[0]) == 2 {
		if name, ok := SyscallName(u16(e.Params[0])); ok {
			return name
		}
	}
	return "<unknown>"
}
