package scap

import (
	"fmt"
	"net/netip"
	"strings"
)

// Machine is the content of the machine info block.
type Machine struct {
	NumCPUs     uint32 // number of processors
	MemoryBytes uint64 // physical memory size
	MaxPID      uint64 // highest pid number on the machine
	Hostname    string // host name
	BootTime    uint64 // boot time in ns since the epoch; 0 when not recorded (older captures)
	Flags       uint64 // machine info flags
}

// Thread is one entry of a process list block. Fields that the block
// version does not carry keep the defaults noted below.
type Thread struct {
	TID, PID, PTID int64
	SID            int64 // session id (-1 before process list v6)
	VPGID          int64 // process group id in the pid namespace (-1 before v8)
	PGID           int64 // process group id (-1 unless recorded)
	Comm           string
	Exe            string   // argv[0]
	ExePath        string   // full executable path (empty before v7)
	Args           []string // arguments after argv[0]
	Env            []string // environment (empty before v3)
	Cwd            string
	FDLimit        int64
	Flags          uint32 // PPM_CL_* clone flags
	UID, GID       uint32
	LoginUID       uint32 // 0xffffffff unless recorded
	VMSizeKB       uint32
	VMRSSKB        uint32
	VMSwapKB       uint32
	PFMajor        uint64
	PFMinor        uint64
	VTID, VPID     int64    // ids inside the pid namespace (-1 before v4)
	Cgroups        []string // "subsystem=path" entries (empty before v4)
	Root           string   // root directory (empty before v5)

	// Fields appended to version 9 entries; zero when absent.
	PidNsInitStartTS                 uint64
	TTY                              uint32
	ExeWritable, ExeUpperLayer       bool
	ExeLowerLayer, ExeFromMemfd      bool
	CapInheritable, CapPermitted     uint64
	CapEffective                     uint64
	ExeIno, ExeInoCtime, ExeInoMtime uint64
}

// FDType is the kind of a file descriptor (libscap scap_fd_type codes).
type FDType uint8

// File descriptor kinds.
const (
	FDUnknown     FDType = 0
	FDFile        FDType = 1
	FDDirectory   FDType = 2
	FDIPv4Sock    FDType = 3
	FDIPv6Sock    FDType = 4
	FDIPv4Server  FDType = 5
	FDIPv6Server  FDType = 6
	FDFifo        FDType = 7
	FDUnixSock    FDType = 8
	FDEvent       FDType = 9
	FDUnsupported FDType = 10
	FDSignalfd    FDType = 11
	FDEventpoll   FDType = 12
	FDInotify     FDType = 13
	FDTimerfd     FDType = 14
	FDNetlink     FDType = 15
	FDFileV2      FDType = 16
	FDBPF         FDType = 17
	FDUserfaultfd FDType = 18
	FDIOUring     FDType = 19
	FDMemfd       FDType = 20
	FDPidfd       FDType = 21
)

// fdTypeNames holds the names of the FDType values.
var fdTypeNames = [...]string{"unknown", "file", "directory", "ipv4", "ipv6", "ipv4_server", "ipv6_server",
	"fifo", "unix", "event", "unsupported", "signalfd", "eventpoll", "inotify", "timerfd", "netlink",
	"file", "bpf", "userfaultfd", "io_uring", "memfd", "pidfd"}

// String returns a short name ("file", "ipv4", "unix", ...).
func (t FDType) String() string {
	if int(t) < len(fdTypeNames) {
		return fdTypeNames[t]
	}
	return fmt.Sprintf("fdtype(%d)", uint8(t))
}

// FD is one entry of an fd list block.
type FD struct {
	Num       int64
	Ino       uint64
	Type      FDType
	Name      string // path for files, pipes, unix sockets and other named fds
	OpenFlags uint32 // FDFileV2 only
	Dev       uint32 // FDFileV2 only, when recorded
	L4Proto   uint8  // sockets: 0 unknown, 1 n/a, 2 tcp, 3 udp, 4 icmp, 5 raw
	SrcIP     netip.Addr
	DstIP     netip.Addr // also the listening address of server sockets is in SrcIP
	SrcPort   uint16
	DstPort   uint16
	UnixSrc   uint64 // unix sockets: kernel addresses of both ends
	UnixDst   uint64
}

// Tuple renders socket endpoints as sysdig does ("1.2.3.4:80->5.6.7.8:1234",
// "0.0.0.0:80" for servers); other kinds return Name.
func (f FD) Tuple() string {
	switch f.Type {
	case FDIPv4Sock, FDIPv6Sock:
		return netip.AddrPortFrom(f.SrcIP, f.SrcPort).String() + "->" + netip.AddrPortFrom(f.DstIP, f.DstPort).String()
	case FDIPv4Server, FDIPv6Server:
		return netip.AddrPortFrom(f.SrcIP, f.SrcPort).String()
	case FDUnixSock:
		return fmt.Sprintf("%x->%x %s", f.UnixSrc, f.UnixDst, f.Name)
	}
	return f.Name
}

// User is an entry of the user list block.
type User struct {
	UID, GID uint32
	Name     string
	HomeDir  string
	Shell    string
}

// Group is a group entry of the user list block.
type Group struct {
	GID  uint32
	Name string
}

// Interface is an entry of the interface list block.
type Interface struct {
	Name      string
	Addr      netip.Addr
	Netmask   netip.Addr
	Bcast     netip.Addr
	LinkSpeed uint64 // 0 when not recorded
}

// cursor decodes little-endian fields from a block body and remembers the
// first out-of-bounds read.
type cursor struct {
	b   []byte
	pos int
	err error
}

// take returns the next n bytes, or nil after recording an error.
func (c *cursor) take(n int) []byte {
	if c.err != nil {
		return nil
	}
	if n < 0 || n > len(c.b)-c.pos {
		c.err = fmt.Errorf("truncated entry: need %d bytes at body offset %d, have %d", n, c.pos, len(c.b)-c.pos)
		return nil
	}
	v := c.b[c.pos : c.pos+n : c.pos+n]
	c.pos += n
	return v
}

func (c *cursor) left() int { return len(c.b) - c.pos }

func (c *cursor) u8() uint8 {
	if v := c.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (c *cursor) u16() uint16 {
	if v := c.take(2); v != nil {
		return u16(v)
	}
	return 0
}

func (c *cursor) u32() uint32 {
	if v := c.take(4); v != nil {
		return u32(v)
	}
	return 0
}

func (c *cursor) u64() uint64 {
	if v := c.take(8); v != nil {
		return u64(v)
	}
	return 0
}

// str reads a u16-length-prefixed string, dropping trailing NULs.
func (c *cursor) str() string { return cstr(c.take(int(c.u16()))) }

// list reads a u16-length-prefixed list of NUL-separated strings.
func (c *cursor) list() []string { return splitNul(c.take(int(c.u16()))) }

// cstr converts b to a string up to its first NUL.
func cstr(b []byte) string {
	for i, ch := range b {
		if ch == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// splitNul splits NUL-separated strings, ignoring the final terminator.
func splitNul(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

// ip4 converts 4 raw bytes (network order) to an address.
func ip4(b []byte) netip.Addr {
	if len(b) != 4 {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(b))
}

// ip6 converts 16 raw bytes to an address.
func ip6(b []byte) netip.Addr {
	if len(b) != 16 {
		return netip.Addr{}
	}
	return netip.AddrFrom16([16]byte(b))
}

// blockName names a metadata block type for error messages.
func blockName(typ uint32) string {
	switch typ {
	case blockSHB:
		return "section header"
	case blockMI, blockMIInt:
		return "machine info"
	case blockFDL, blockFDLInt, blockFDLv2:
		return "fd list"
	case blockIL, blockILInt, blockILv2:
		return "interface list"
	case blockUL, blockULInt, blockULv2:
		return "user list"
	}
	if plVersion(typ) > 0 {
		return fmt.Sprintf("process list v%d", plVersion(typ))
	}
	return fmt.Sprintf("type 0x%x", typ)
}

// plVersion returns the process list version of a block type, or 0.
func plVersion(typ uint32) int {
	switch typ {
	case blockPLv1, blockPLv1Int:
		return 1
	case blockPLv2, blockPLv2Int:
		return 2
	case blockPLv3, blockPLv3Int:
		return 3
	case blockPLv4:
		return 4
	case blockPLv5:
		return 5
	case blockPLv6:
		return 6
	case blockPLv7:
		return 7
	case blockPLv8:
		return 8
	case blockPLv9:
		return 9
	}
	return 0
}

// absorb parses a non-event block into the reader's tables. Unknown block
// types are skipped.
func (r *Reader) absorb(typ uint32, body []byte, off int64) error {
	var err error
	switch typ {
	case blockSHB:
		err = r.parseSectionHeader(body)
	case blockMI, blockMIInt:
		r.machine = parseMachine(body)
	case blockFDL, blockFDLInt, blockFDLv2:
		err = r.parseFDList(body, typ == blockFDLv2)
	case blockIL, blockILInt, blockILv2:
		err = r.parseIfList(body, typ == blockILv2)
	case blockUL, blockULInt, blockULv2:
		err = r.parseUserList(body, typ == blockULv2)
	default:
		if v := plVersion(typ); v > 0 {
			err = r.parseProcList(body, v)
		}
	}
	if err != nil {
		return fmt.Errorf("scap: block at offset %d (%s): %w", off, blockName(typ), err)
	}
	return nil
}

// parseSectionHeader validates a section header block body.
func (r *Reader) parseSectionHeader(body []byte) error {
	if len(body) < 16 {
		return fmt.Errorf("not a .scap file: section header body of %d bytes, want at least 16", len(body))
	}
	switch magic := u32(body); magic {
	case shbMagic:
	case shbMagicSwapped:
		return fmt.Errorf("unsupported .scap file: big-endian byte order")
	default:
		return fmt.Errorf("not a .scap file: byte-order magic 0x%08x, want 0x%08x", magic, uint32(shbMagic))
	}
	r.major, r.minor = u16(body[4:]), u16(body[6:])
	if r.major != supportedMajor {
		return fmt.Errorf("unsupported .scap version %d.%d: only major version %d is supported", r.major, r.minor, supportedMajor)
	}
	return nil
}

// parseMachine decodes whatever fields of the machine info block are present.
func parseMachine(body []byte) Machine {
	var m Machine
	c := &cursor{b: body}
	if c.left() >= 4 {
		m.NumCPUs = c.u32()
	}
	if c.left() >= 16 {
		m.MemoryBytes, m.MaxPID = c.u64(), c.u64()
	}
	if c.left() >= 128 {
		m.Hostname = cstr(c.take(128))
	}
	if c.left() >= 16 {
		m.BootTime, m.Flags = c.u64(), c.u64()
	}
	return m
}

// parseProcList decodes a process list block of the given version (1-9).
func (r *Reader) parseProcList(body []byte, ver int) error {
	all := &cursor{b: body}
	for all.left() >= 4 {
		c := all
		if ver >= 9 {
			start := all.pos
			subLen := int(all.u32())
			if subLen < 4 || subLen > len(body)-start {
				return fmt.Errorf("thread entry at body offset %d: length %d out of range", start, subLen)
			}
			all.pos = start + subLen
			c = &cursor{b: body[start : start+subLen], pos: 4}
		}
		t := &Thread{SID: -1, VPGID: -1, PGID: -1, VTID: -1, VPID: -1, LoginUID: 0xffffffff}
		t.TID, t.PID, t.PTID = int64(c.u64()), int64(c.u64()), int64(c.u64())
		if ver >= 6 {
			t.SID = int64(c.u64())
		}
		if ver >= 8 {
			t.VPGID = int64(c.u64())
		}
		t.Comm, t.Exe = c.str(), c.str()
		if ver >= 7 {
			t.ExePath = c.str()
		}
		t.Args = c.list()
		t.Cwd = c.str()
		t.FDLimit = int64(c.u64())
		t.Flags, t.UID, t.GID = c.u32(), c.u32(), c.u32()
		if ver >= 2 {
			t.VMSizeKB, t.VMRSSKB, t.VMSwapKB = c.u32(), c.u32(), c.u32()
			t.PFMajor, t.PFMinor = c.u64(), c.u64()
		}
		if ver >= 3 {
			t.Env = c.list()
		}
		if ver >= 4 {
			t.VTID, t.VPID = int64(c.u64()), int64(c.u64())
			t.Cgroups = c.list()
		}
		if ver >= 5 {
			t.Root = c.str()
		}
		if ver >= 9 && c.err == nil {
			parseThreadTail(c, t)
		}
		if c.err != nil {
			return fmt.Errorf("thread entry: %w", c.err)
		}
		r.threads[t.TID] = t
	}
	return nil
}

// parseThreadTail reads the optional fields appended to v9 thread entries;
// each one is present only when the entry is long enough to hold it.
func parseThreadTail(c *cursor, t *Thread) {
	// Writers older than libs 0.10 did not emit pidns_init_start_ts and tty;
	// their tail (loginuid .. cap_effective) is at most 29 bytes.
	if c.left() > 29 {
		t.PidNsInitStartTS = c.u64()
		if c.left() >= 4 {
			t.TTY = c.u32()
		}
	}
	if c.left() < 4 {
		return
	}
	t.LoginUID = c.u32()
	if c.left() < 1 {
		return
	}
	t.ExeWritable = c.u8() != 0
	if c.left() < 24 {
		return
	}
	t.CapInheritable, t.CapPermitted, t.CapEffective = c.u64(), c.u64(), c.u64()
	if c.left() < 1 {
		return
	}
	t.ExeUpperLayer = c.u8() != 0
	if c.left() < 24 {
		return
	}
	t.ExeIno, t.ExeInoCtime, t.ExeInoMtime = c.u64(), c.u64(), c.u64()
	if c.left() < 1 {
		return
	}
	t.ExeFromMemfd = c.u8() != 0
	if c.left() < 1 {
		return
	}
	t.ExeLowerLayer = c.u8() != 0
	if c.left() < 8 {
		return
	}
	t.PGID = int64(c.u64())
}

// parseFDList decodes an fd list block (v2 entries carry a length prefix).
func (r *Reader) parseFDList(body []byte, v2 bool) error {
	all := &cursor{b: body}
	tid := int64(all.u64())
	if all.err != nil {
		return all.err
	}
	for all.left() >= 4 {
		c := all
		if v2 {
			start := all.pos
			subLen := int(all.u32())
			if subLen < 4 || subLen > len(body)-start {
				return fmt.Errorf("fd entry at body offset %d: length %d out of range", start, subLen)
			}
			all.pos = start + subLen
			c = &cursor{b: body[start : start+subLen], pos: 4}
		}
		f := FD{Num: int64(c.u64()), Ino: c.u64(), Type: FDType(c.u8())}
		switch f.Type {
		case FDIPv4Sock:
			f.SrcIP, f.DstIP = ip4(c.take(4)), ip4(c.take(4))
			f.SrcPort, f.DstPort, f.L4Proto = c.u16(), c.u16(), c.u8()
		case FDIPv4Server:
			f.SrcIP, f.SrcPort, f.L4Proto = ip4(c.take(4)), c.u16(), c.u8()
		case FDIPv6Sock:
			f.SrcIP, f.DstIP = ip6(c.take(16)), ip6(c.take(16))
			f.SrcPort, f.DstPort, f.L4Proto = c.u16(), c.u16(), c.u8()
		case FDIPv6Server:
			f.SrcIP, f.SrcPort, f.L4Proto = ip6(c.take(16)), c.u16(), c.u8()
		case FDUnixSock:
			f.UnixSrc, f.UnixDst = c.u64(), c.u64()
			f.Name = c.str()
		case FDFileV2:
			f.OpenFlags = c.u32()
			f.Name = c.str()
			if v2 && c.left() >= 4 {
				f.Dev = c.u32()
			}
		case FDUnknown:
		default:
			if f.Type > FDPidfd {
				if !v2 {
					return fmt.Errorf("fd %d: unknown fd type %d in an unsized entry", f.Num, f.Type)
				}
				f.Type = FDUnsupported
				break
			}
			f.Name = c.str()
		}
		if c.err != nil {
			return fmt.Errorf("fd entry of tid %d: %w", tid, c.err)
		}
		r.fds[tid] = append(r.fds[tid], f)
	}
	return nil
}

// parseUserList decodes a user list block into users and groups.
func (r *Reader) parseUserList(body []byte, v2 bool) error {
	all := &cursor{b: body}
	r.users, r.groups = r.users[:0], r.groups[:0]
	for all.left() >= 4 {
		c := all
		if v2 {
			start := all.pos
			subLen := int(all.u32())
			if subLen < 4 || subLen > len(body)-start {
				return fmt.Errorf("user entry at body offset %d: length %d out of range", start, subLen)
			}
			all.pos = start + subLen
			c = &cursor{b: body[start : start+subLen], pos: 4}
		}
		if c.u8() == 0 {
			u := User{UID: c.u32(), GID: c.u32()}
			u.Name, u.HomeDir, u.Shell = c.str(), c.str(), c.str()
			r.users = append(r.users, u)
		} else {
			g := Group{GID: c.u32()}
			g.Name = c.str()
			r.groups = append(r.groups, g)
		}
		if c.err != nil {
			return fmt.Errorf("user entry: %w", c.err)
		}
	}
	return nil
}

// parseIfList decodes an interface list block. In v2 each entry is preceded
// by its length, which excludes the length field itself.
func (r *Reader) parseIfList(body []byte, v2 bool) error {
	all := &cursor{b: body}
	r.ifaces = r.ifaces[:0]
	for all.left() >= 4 {
		c := all
		if v2 {
			n := int(all.u32())
			if n > all.left() {
				return fmt.Errorf("interface entry at body offset %d: length %d out of range", all.pos-4, n)
			}
			c = &cursor{b: all.take(n)}
		}
		typ, namelen := c.u16(), int(c.u16())
		var it Interface
		switch typ {
		case 1, 3: // IPv4, IPv4 without link speed
			it.Addr, it.Netmask, it.Bcast = ip4(c.take(4)), ip4(c.take(4)), ip4(c.take(4))
		case 2, 4: // IPv6, IPv6 without link speed
			it.Addr, it.Netmask, it.Bcast = ip6(c.take(16)), ip6(c.take(16)), ip6(c.take(16))
		default:
			return fmt.Errorf("unknown interface entry type %d", typ)
		}
		if typ <= 2 {
			it.LinkSpeed = c.u64()
		}
		it.Name = cstr(c.take(namelen))
		if c.err != nil {
			return fmt.Errorf("interface entry: %w", c.err)
		}
		r.ifaces = append(r.ifaces, it)
	}
	return nil
}
