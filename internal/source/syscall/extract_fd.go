package syscall

import (
	"net/netip"

	"github.com/peregrine-sec/peregrine/internal/field"
)

// fdExtractors are the fd.* fields beyond name and endpoints, and the
// evt.* fields that read an event's data or open flags.
func fdExtractors(m map[string]fieldFn) {
	isIP := func(f *FD) bool { return f.Type == '4' || f.Type == '6' }
	m["fd.lport"] = fdNum(func(f *FD) (uint64, bool) {
		if f.Server {
			return uint64(f.SPort), isIP(f) && f.SIP.IsValid()
		}
		return uint64(f.CPort), isIP(f) && f.CIP.IsValid()
	})
	m["fd.rport"] = fdNum(func(f *FD) (uint64, bool) {
		if f.Server {
			return uint64(f.CPort), isIP(f) && f.CIP.IsValid()
		}
		return uint64(f.SPort), isIP(f) && f.SIP.IsValid()
	})
	m["fd.port"] = fdPorts
	m["fd.lip"] = fdIP(func(f *FD) []netip.Addr { return []netip.Addr{local(f)} })
	m["fd.rip"] = fdIP(func(f *FD) []netip.Addr { return []netip.Addr{remote(f)} })
	m["fd.cip.name"] = hostName(func(f *FD) netip.Addr { return f.CIP })
	m["fd.sip.name"] = hostName(func(f *FD) netip.Addr { return f.SIP })
	m["fd.lip.name"] = hostName(local)
	m["fd.rip.name"] = hostName(remote)
	m["fd.lnet"] = fdIP(func(f *FD) []netip.Addr { return []netip.Addr{local(f)} })
	m["fd.rnet"] = fdIP(func(f *FD) []netip.Addr { return []netip.Addr{remote(f)} })
	m["fd.ip"] = fdIP(func(f *FD) []netip.Addr { return []netip.Addr{f.CIP, f.SIP} })
	m["fd.l4proto"] = fdString(func(f *FD) (string, bool) {
		if !isIP(f) {
			return "", false
		}
		switch f.L4Proto {
		case 2:
			return "tcp", true
		case 3:
			return "udp", true
		case 4:
			return "icmp", true
		case 5:
			return "raw", true
		}
		return "", false
	})
	m["fd.sockfamily"] = fdString(func(f *FD) (string, bool) {
		switch f.Type {
		case '4', '6':
			return "ip", true
		case 'u':
			return "unix", true
		}
		return "", false
	})
	m["fd.is_server"] = fdBool(func(f *FD) (bool, bool) { return f.Server, isIP(f) || f.Type == 'u' })
	m["fd.connected"] = fdBool(func(f *FD) (bool, bool) { return f.Connected, true })
	m["fd.nameraw"] = fdString(func(f *FD) (string, bool) {
		if f.NameRaw != "" {
			return f.NameRaw, true
		}
		return f.Name, f.Name != ""
	})
	m["fd.ino"] = fdNum(func(f *FD) (uint64, bool) { return f.Ino, f.Type == 'f' || f.Type == 'd' })
	m["fd.dev"] = fdNum(func(f *FD) (uint64, bool) { return uint64(f.Dev), f.Type == 'f' || f.Type == 'd' })
	m["fd.dev.major"] = fdNum(func(f *FD) (uint64, bool) { return uint64(f.Dev >> 20), f.Type == 'f' || f.Type == 'd' })
	m["fd.dev.minor"] = fdNum(func(f *FD) (uint64, bool) { return uint64(f.Dev & 0xfffff), f.Type == 'f' || f.Type == 'd' })
	m["fd.name_changed"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.FD() == nil {
			return dst, false
		}
		return boolean(dst, e.State.nameChanged), true
	}
	m["evt.buffer"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		i := e.paramIndex("data")
		if i < 0 {
			return dst, false
		}
		return append(dst, field.Value{B: e.Raw.Params[i]}), true
	}
	m["evt.buflen"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.FD() == nil || !isIO(e.Info.Name) {
			return dst, false
		}
		if res, ok := e.res(); ok && res >= 0 {
			return append(dst, field.Value{N: uint64(res)}), true
		}
		return dst, false
	}
	m["evt.is_open_exec"] = openMode(func(flags, mode uint32) bool {
		return flags&openCreat != 0 && mode&(1<<6|1<<3|1<<0) != 0 // PPM_S_IXUSR|IXGRP|IXOTH
	})
	m["evt.is_open_create"] = openMode(func(flags, _ uint32) bool { return flags&openCreat != 0 })
}

func local(f *FD) netip.Addr {
	if f.Server {
		return f.SIP
	}
	return f.CIP
}

func remote(f *FD) netip.Addr {
	if f.Server {
		return f.CIP
	}
	return f.SIP
}

// fdPorts extracts both ports of a socket (fd.port matches either).
func fdPorts(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	f := e.FD()
	if f == nil || (f.Type != '4' && f.Type != '6') {
		return dst, false
	}
	n := len(dst)
	if f.CIP.IsValid() {
		dst = append(dst, field.Value{N: uint64(f.CPort)})
	}
	if f.SIP.IsValid() {
		dst = append(dst, field.Value{N: uint64(f.SPort)})
	}
	return dst, len(dst) > n
}

func fdBool(get func(*FD) (bool, bool)) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		f := e.FD()
		if f == nil {
			return dst, false
		}
		v, ok := get(f)
		if !ok {
			return dst, false
		}
		return boolean(dst, v), true
	}
}

// openMode tests the flags and mode of an open-family exit event.
func openMode(test func(flags, mode uint32) bool) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Info.Dir != '<' {
			return boolean(dst, false), true
		}
		var flags uint32
		switch e.Info.Name {
		case "open", "openat", "openat2":
			v, _ := uintParam(e.Raw, &e.Info, "flags")
			flags = uint32(v)
		case "creat":
			flags = openCreat
		default:
			return boolean(dst, false), true
		}
		mode, _ := uintParam(e.Raw, &e.Info, "mode")
		return boolean(dst, test(flags, uint32(mode))), true
	}
}

// isIO reports whether a call moves data through an fd (libsinsp's I/O
// event categories), close included.
func isIO(name string) bool {
	switch name {
	case "read", "write", "pread", "pwrite", "readv", "writev", "preadv", "pwritev", "send", "recv", "sendto",
		"recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "sendfile", "splice", "close":
		return true
	}
	return false
}
