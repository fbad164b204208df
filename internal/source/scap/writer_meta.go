package scap

import (
	"encoding/binary"
	"net/netip"
	"strings"
)

// The encoders below are the inverse of the parsers in meta.go.

func appendU8(b []byte, v uint8) []byte   { return append(b, v) }
func appendU16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// Limits of libscap's capture reader, which refuses longer strings:
// paths and names (comm, exe, cwd, root, fd names, interface names) at
// most maxPathLen bytes, argument, environment and cgroup lists at most
// maxListLen, and user and group strings fewer than maxCredentialLen.
const (
	maxPathLen       = 1023
	maxListLen       = 4096
	maxCredentialLen = 255
)

// appendStr appends a u16 length and the bytes of s, cut at limit bytes.
func appendStr(b []byte, s string, limit int) []byte {
	if len(s) > limit {
		s = s[:limit]
	}
	b = appendU16(b, uint16(len(s)))
	return append(b, s...)
}

// appendList appends a u16 length and the items, each followed by a NUL,
// as libscap stores argument, environment and cgroup lists, in at most
// maxListLen bytes. Items that do not fit are left out; an item cut at
// the limit keeps its start and its NUL, as libscap reads a long
// /proc/PID/cmdline.
func appendList(b []byte, items []string) []byte {
	n, keep := 0, 0
	for keep < len(items) && n+len(items[keep])+1 <= maxListLen {
		n += len(items[keep]) + 1
		keep++
	}
	var cut string
	if keep < len(items) && n < maxListLen-1 {
		// The next item is longer than the room left, so this slice is in range.
		cut = items[keep][:maxListLen-n-1]
	}
	total := n
	if cut != "" {
		total += len(cut) + 1
	}
	b = appendU16(b, uint16(total))
	for _, s := range items[:keep] {
		b = append(b, s...)
		b = append(b, 0)
	}
	if cut != "" {
		b = append(b, cut...)
		b = append(b, 0)
	}
	return b
}

func appendIP(b []byte, a netip.Addr, v6 bool) []byte {
	if v6 {
		s := a.As16()
		return append(b, s[:]...)
	}
	if !a.Is4() {
		return append(b, 0, 0, 0, 0)
	}
	s := a.As4()
	return append(b, s[:]...)
}

func boolByte(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

// sized reserves a u32 entry length at the start of an entry and returns
// the position to patch; inclusive says whether the length counts itself.
func sized(b []byte) ([]byte, int) { return appendU32(b, 0), len(b) }

func patch(b []byte, at int, inclusive bool) {
	n := len(b) - at
	if !inclusive {
		n -= 4
	}
	binary.LittleEndian.PutUint32(b[at:], uint32(n))
}

func appendMachine(b []byte, m Machine) []byte {
	b = appendU32(b, m.NumCPUs)
	b = appendU64(b, m.MemoryBytes)
	b = appendU64(b, m.MaxPID)
	var host [128]byte
	copy(host[:127], m.Hostname)
	b = append(b, host[:]...)
	b = appendU64(b, m.BootTime)
	b = appendU64(b, m.Flags)
	return append(b, make([]byte, 16)...) // reserved
}

// appendProcList appends v9 thread entries, in tid order.
func appendProcList(b []byte, threads map[int64]*Thread) []byte {
	for _, tid := range sortedTIDs(threads) {
		t := threads[tid]
		var at int
		b, at = sized(b)
		b = appendU64(b, uint64(t.TID))
		b = appendU64(b, uint64(t.PID))
		b = appendU64(b, uint64(t.PTID))
		b = appendU64(b, uint64(t.SID))
		b = appendU64(b, uint64(t.VPGID))
		b = appendStr(b, t.Comm, maxPathLen)
		b = appendStr(b, t.Exe, maxPathLen)
		b = appendStr(b, t.ExePath, maxPathLen)
		b = appendList(b, t.Args)
		b = appendStr(b, t.Cwd, maxPathLen)
		b = appendU64(b, uint64(t.FDLimit))
		b = appendU32(b, t.Flags)
		b = appendU32(b, t.UID)
		b = appendU32(b, t.GID)
		b = appendU32(b, t.VMSizeKB)
		b = appendU32(b, t.VMRSSKB)
		b = appendU32(b, t.VMSwapKB)
		b = appendU64(b, t.PFMajor)
		b = appendU64(b, t.PFMinor)
		b = appendList(b, t.Env)
		b = appendU64(b, uint64(t.VTID))
		b = appendU64(b, uint64(t.VPID))
		b = appendList(b, t.Cgroups)
		b = appendStr(b, t.Root, maxPathLen)
		b = appendU64(b, t.PidNsInitStartTS)
		b = appendU32(b, t.TTY)
		b = appendU32(b, t.LoginUID)
		b = appendU8(b, boolByte(t.ExeWritable))
		b = appendU64(b, t.CapInheritable)
		b = appendU64(b, t.CapPermitted)
		b = appendU64(b, t.CapEffective)
		b = appendU8(b, boolByte(t.ExeUpperLayer))
		b = appendU64(b, t.ExeIno)
		b = appendU64(b, t.ExeInoCtime)
		b = appendU64(b, t.ExeInoMtime)
		b = appendU8(b, boolByte(t.ExeFromMemfd))
		b = appendU8(b, boolByte(t.ExeLowerLayer))
		b = appendU64(b, uint64(t.PGID))
		patch(b, at, procEntryLenInclusive)
	}
	return b
}

// appendFDList appends the v2 fd list of one thread.
func appendFDList(b []byte, tid int64, fds []FD) []byte {
	b = appendU64(b, uint64(tid))
	for _, f := range fds {
		var at int
		b, at = sized(b)
		b = appendU64(b, uint64(f.Num))
		b = appendU64(b, f.Ino)
		typ := f.Type
		switch {
		case typ == FDFile:
			typ = FDFileV2
		case typ > FDFileV2:
			// Kinds newer readers know (bpf, userfaultfd, io_uring, memfd,
			// pidfd) are written as "unsupported" with their name, which
			// every reader accepts.
			typ = FDUnsupported
		}
		b = appendU8(b, uint8(typ))
		switch typ {
		case FDIPv4Sock, FDIPv6Sock:
			v6 := typ == FDIPv6Sock
			b = appendIP(b, f.SrcIP, v6)
			b = appendIP(b, f.DstIP, v6)
			b = appendU16(b, f.SrcPort)
			b = appendU16(b, f.DstPort)
			b = appendU8(b, f.L4Proto)
		case FDIPv4Server, FDIPv6Server:
			b = appendIP(b, f.SrcIP, typ == FDIPv6Server)
			b = appendU16(b, f.SrcPort)
			b = appendU8(b, f.L4Proto)
		case FDUnixSock:
			b = appendU64(b, f.UnixSrc)
			b = appendU64(b, f.UnixDst)
			b = appendStr(b, f.Name, maxPathLen)
		case FDFileV2:
			b = appendU32(b, f.OpenFlags)
			b = appendStr(b, f.Name, maxPathLen)
			b = appendU32(b, f.Dev)
		case FDUnknown:
		default:
			b = appendStr(b, f.Name, maxPathLen)
		}
		patch(b, at, fdEntryLenInclusive)
	}
	return b
}

// appendUserList appends v2 user and group entries.
func appendUserList(b []byte, users []User, groups []Group) []byte {
	for _, u := range users {
		var at int
		b, at = sized(b)
		b = appendU8(b, 0)
		b = appendU32(b, u.UID)
		b = appendU32(b, u.GID)
		b = appendStr(b, u.Name, maxCredentialLen)
		b = appendStr(b, u.HomeDir, maxCredentialLen)
		b = appendStr(b, u.Shell, maxCredentialLen)
		patch(b, at, userEntryLenInclusive)
	}
	for _, g := range groups {
		var at int
		b, at = sized(b)
		b = appendU8(b, 1)
		b = appendU32(b, g.GID)
		b = appendStr(b, g.Name, maxCredentialLen)
		patch(b, at, userEntryLenInclusive)
	}
	return b
}

// appendIfList appends v2 interface entries (IPv4 and IPv6 with link speed).
func appendIfList(b []byte, ifaces []Interface) []byte {
	for _, it := range ifaces {
		var at int
		b, at = sized(b)
		v6 := it.Addr.Is6() && !it.Addr.Is4In6()
		typ := uint16(1)
		if v6 {
			typ = 2
		}
		name := strings.TrimRight(it.Name, "\x00")
		if len(name) > maxPathLen {
			name = name[:maxPathLen]
		}
		b = appendU16(b, typ)
		b = appendU16(b, uint16(len(name)))
		b = appendIP(b, it.Addr, v6)
		b = appendIP(b, it.Netmask, v6)
		b = appendIP(b, it.Bcast, v6)
		b = appendU64(b, it.LinkSpeed)
		b = append(b, name...)
		patch(b, at, false)
	}
	return b
}

// Whether the entry length of each sized entry kind counts its own four
// bytes, as libscap writes them.
const (
	procEntryLenInclusive = true
	fdEntryLenInclusive   = true
	userEntryLenInclusive = true
)
