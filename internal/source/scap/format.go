package scap

import (
	"encoding/hex"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// Socket families as encoded in sockaddr/socktuple parameters (PPM_AF_*).
const (
	afUnix  = 1
	afInet  = 2
	afInet6 = 10
)

// errnoNames maps Linux errno values to their symbolic names.
var errnoNames = map[int64]string{
	1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG",
	8: "ENOEXEC", 9: "EBADF", 10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES",
	14: "EFAULT", 15: "ENOTBLK", 16: "EBUSY", 17: "EEXIST", 18: "EXDEV", 19: "ENODEV",
	20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 25: "ENOTTY",
	26: "ETXTBSY", 27: "EFBIG", 28: "ENOSPC", 29: "ESPIPE", 30: "EROFS", 31: "EMLINK",
	32: "EPIPE", 33: "EDOM", 34: "ERANGE", 35: "EDEADLK", 36: "ENAMETOOLONG", 37: "ENOLCK",
	38: "ENOSYS", 39: "ENOTEMPTY", 40: "ELOOP", 42: "ENOMSG", 43: "EIDRM", 61: "ENODATA",
	62: "ETIME", 71: "EPROTO", 75: "EOVERFLOW", 84: "EILSEQ", 88: "ENOTSOCK",
	89: "EDESTADDRREQ", 90: "EMSGSIZE", 91: "EPROTOTYPE", 92: "ENOPROTOOPT",
	93: "EPROTONOSUPPORT", 94: "ESOCKTNOSUPPORT", 95: "EOPNOTSUPP", 96: "EPFNOSUPPORT",
	97: "EAFNOSUPPORT", 98: "EADDRINUSE", 99: "EADDRNOTAVAIL", 100: "ENETDOWN",
	101: "ENETUNREACH", 102: "ENETRESET", 103: "ECONNABORTED", 104: "ECONNRESET",
	105: "ENOBUFS", 106: "EISCONN", 107: "ENOTCONN", 108: "ESHUTDOWN", 109: "ETOOMANYREFS",
	110: "ETIMEDOUT", 111: "ECONNREFUSED", 112: "EHOSTDOWN", 113: "EHOSTUNREACH",
	114: "EALREADY", 115: "EINPROGRESS", 116: "ESTALE", 122: "EDQUOT", 125: "ECANCELED",
	512: "ERESTARTSYS", 513: "ERESTARTNOINTR", 514: "ERESTARTNOHAND", 515: "ENOIOCTLCMD",
	516: "ERESTART_RESTARTBLOCK",
}

// ErrnoName returns the symbolic name of a positive errno value ("ENOENT"),
// or "" when unknown.
func ErrnoName(errno int64) string { return errnoNames[errno] }

// FormatParam renders a raw parameter value the way sysdig prints it for
// the common types: decimal integers; Errno and negative Fd values as
// "-2(ENOENT)"; strings and paths as-is; byte buffers with non-printable
// bytes shown as '.'; string arrays joined by '.'; sockaddr as "1.2.3.4:80"
// and socktuple as "1.2.3.4:80->5.6.7.8:1234". Flag sets print their
// numeric value only (sysdig also appends flag names). A value whose length
// does not fit its type is printed in hex.
func FormatParam(t ParamType, raw []byte) string {
	switch t {
	case CharBuf, FsPath, FsRelPath:
		return cstr(raw)
	case ByteBuf:
		return printable(raw)
	case CharBufArray, CharBufPairArray:
		return strings.ReplaceAll(string(raw), "\x00", ".")
	case Errno, Fd, Fd32:
		v, ok := signed(raw)
		if !ok {
			return hexOf(raw)
		}
		if v == atFDCWD && t != Errno {
			return "-100(AT_FDCWD)"
		}
		if name := errnoNames[-v]; v < 0 && name != "" {
			return strconv.FormatInt(v, 10) + "(" + name + ")"
		}
		return strconv.FormatInt(v, 10)
	case Int8, Int16, Int32, Int64, Pid, Pid32:
		if v, ok := signed(raw); ok {
			return strconv.FormatInt(v, 10)
		}
	case Uint8, Uint16, Uint32, Uint64, SyscallID, SigType, RelTime, AbsTime, Port, L4Proto,
		SockFamily, Flags8, Flags16, Flags32, UID, GID, SigSet, Mode, EnumFlags8, EnumFlags16,
		EnumFlags32:
		if v, ok := unsigned(raw); ok {
			return strconv.FormatUint(v, 10)
		}
	case Bool:
		if v, ok := unsigned(raw); ok {
			return strconv.FormatBool(v != 0)
		}
	case Double:
		if len(raw) == 8 {
			return strconv.FormatFloat(math.Float64frombits(u64(raw)), 'g', -1, 64)
		}
	case IPv4Addr, IPv6Addr, IPAddr:
		if a, ok := netip.AddrFromSlice(raw); ok {
			return a.String()
		}
	case SockAddr:
		if s, ok := formatSockAddr(raw); ok {
			return s
		}
	case SockTuple:
		if s, ok := formatSockTuple(raw); ok {
			return s
		}
	case FdList:
		if s, ok := formatFdList(raw); ok {
			return s
		}
	}
	return hexOf(raw)
}

// atFDCWD is the dirfd value meaning the working directory.
const atFDCWD = -100

// hexOf renders raw bytes in hex ("" for an empty value).
func hexOf(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	return "0x" + hex.EncodeToString(raw)
}

// signed decodes a 1, 2, 4 or 8 byte little-endian signed integer.
func signed(raw []byte) (int64, bool) {
	switch len(raw) {
	case 1:
		return int64(int8(raw[0])), true
	case 2:
		return int64(int16(u16(raw))), true
	case 4:
		return int64(int32(u32(raw))), true
	case 8:
		return int64(u64(raw)), true
	}
	return 0, false
}

// unsigned decodes a 1, 2, 4 or 8 byte little-endian unsigned integer.
func unsigned(raw []byte) (uint64, bool) {
	switch len(raw) {
	case 1:
		return uint64(raw[0]), true
	case 2:
		return uint64(u16(raw)), true
	case 4:
		return uint64(u32(raw)), true
	case 8:
		return u64(raw), true
	}
	return 0, false
}

// printable replaces bytes outside printable ASCII with '.'.
func printable(raw []byte) string {
	b := make([]byte, len(raw))
	for i, c := range raw {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		b[i] = c
	}
	return string(b)
}

// endpoint formats an address and a little-endian port.
func endpoint(addr, port []byte) string {
	a, _ := netip.AddrFromSlice(addr)
	return netip.AddrPortFrom(a, u16(port)).String()
}

// formatSockAddr decodes family + address (+ port).
func formatSockAddr(raw []byte) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case afInet:
		if len(raw) == 7 {
			return endpoint(raw[1:5], raw[5:7]), true
		}
	case afInet6:
		if len(raw) == 19 {
			return endpoint(raw[1:17], raw[17:19]), true
		}
	case afUnix:
		return cstr(raw[1:]), true
	}
	return "", false
}

// formatSockTuple decodes family + source and destination endpoints.
func formatSockTuple(raw []byte) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case afInet:
		if len(raw) == 13 {
			return endpoint(raw[1:5], raw[5:7]) + "->" + endpoint(raw[7:11], raw[11:13]), true
		}
	case afInet6:
		if len(raw) == 37 {
			return endpoint(raw[1:17], raw[17:19]) + "->" + endpoint(raw[19:35], raw[35:37]), true
		}
	case afUnix:
		if len(raw) >= 17 {
			return strconv.FormatUint(u64(raw[1:]), 16) + "->" +
				strconv.FormatUint(u64(raw[9:]), 16) + " " + cstr(raw[17:]), true
		}
	}
	return "", false
}

// formatFdList decodes a u16 count of (u64 fd, u16 flags) pairs as
// "fd:flags fd:flags".
func formatFdList(raw []byte) (string, bool) {
	if len(raw) < 2 {
		return "", false
	}
	n := int(u16(raw))
	if len(raw) != 2+10*n {
		return "", false
	}
	parts := make([]string, n)
	for i := range parts {
		p := raw[2+10*i:]
		parts[i] = strconv.FormatInt(int64(u64(p)), 10) + ":" + strconv.FormatUint(uint64(u16(p[8:])), 10)
	}
	return strings.Join(parts, " "), true
}
