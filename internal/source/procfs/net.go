package procfs

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"strconv"

	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// L4 protocol codes of scap.FD.L4Proto.
const (
	l4TCP = 2
	l4UDP = 3
	l4Raw = 5
)

// sockTable maps socket inodes of one network namespace to fd contents
// (Type, L4Proto, addresses, ports, unix names).
type sockTable struct {
	byIno map[uint64]scap.FD
}

// socket fills a socket fd from its network namespace's tables. Its
// contents follow the capture's conventions:
//
//   - tcp/udp/raw over IPv4 or IPv6 (v4-mapped IPv6 pairs become IPv4):
//     a listening tcp socket or a udp/raw socket without a peer is a server
//     (FDIPv4Server/FDIPv6Server, SrcIP:SrcPort the local address); a
//     connected one is FDIPv4Sock/FDIPv6Sock with Src the client and Dst the
//     server side. /proc does not say which side connected: when the local
//     port is a listening port of the same namespace and protocol, the
//     local side is taken as the server, otherwise as the client;
//   - unix: FDUnixSock, UnixSrc the kernel address of the socket (0 when
//     kernel pointers are hidden), UnixDst 0 (not in /proc), Name the bound
//     path ("@name" for the abstract namespace, "" when unbound);
//   - netlink: FDNetlink;
//   - anything else: FDUnknown.
func (s *Scanner) socket(f *scap.FD, p *process) {
	key, _ := s.readlink(filepath.Join(p.dir, "ns", "net"))
	tab := s.nets[key]
	if tab == nil {
		tab = s.readSockets(p.dir)
		s.nets[key] = tab
	}
	if e, ok := tab.byIno[f.Ino]; ok {
		e.Num, e.Ino = f.Num, f.Ino
		*f = e
		return
	}
	f.Type = scap.FDUnknown
}

// readSockets reads the socket tables of a process's network namespace.
func (s *Scanner) readSockets(pdir string) *sockTable {
	tab := &sockTable{byIno: map[uint64]scap.FD{}}
	netDir := filepath.Join(pdir, "net")
	for _, t := range []struct {
		file  string
		proto uint8
	}{{"tcp", l4TCP}, {"tcp6", l4TCP}, {"udp", l4UDP}, {"udp6", l4UDP}, {"raw", l4Raw}, {"raw6", l4Raw}} {
		if b, err := s.read(filepath.Join(netDir, t.file)); err == nil {
			parseInet(b, t.proto, tab)
		}
	}
	if b, err := s.read(filepath.Join(netDir, "unix")); err == nil {
		parseUnix(b, tab)
	}
	if b, err := s.read(filepath.Join(netDir, "netlink")); err == nil {
		forRows(b, func(f [][]byte) {
			if len(f) >= 10 {
				tab.byIno[uint64(atoi(f[9]))] = scap.FD{Type: scap.FDNetlink}
			}
		})
	}
	return tab
}

// forRows calls fn with the fields of each row after the header line.
func forRows(b []byte, fn func([][]byte)) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	} else {
		return
	}
	fields := make([][]byte, 0, 20)
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		fields = fields[:0]
		for {
			var f []byte
			f, line = nextField(line)
			if len(f) == 0 {
				break
			}
			fields = append(fields, f)
		}
		if len(fields) > 0 {
			fn(fields)
		}
	}
}

// tcpListen is the TCP_LISTEN state of /proc/net/tcp.
const tcpListen = 0x0a

// parseInet adds the rows of a /proc/net/{tcp,udp,raw}[6] table. Rows:
// "sl local_address rem_address st ... uid timeout inode".
func parseInet(b []byte, proto uint8, tab *sockTable) {
	type row struct {
		ino         uint64
		local, peer netip.AddrPort
		listen      bool
	}
	var rows []row
	listening := map[uint16]bool{}
	forRows(b, func(f [][]byte) {
		if len(f) < 10 {
			return
		}
		local, ok1 := hexAddrPort(f[1])
		peer, ok2 := hexAddrPort(f[2])
		if !ok1 || !ok2 {
			return
		}
		st, _ := strconv.ParseUint(string(f[3]), 16, 8)
		r := row{ino: uint64(atoi(f[9])), local: local, peer: peer}
		if proto == l4TCP {
			r.listen = st == tcpListen
		} else {
			r.listen = peer.Port() == 0 && peer.Addr().IsUnspecified()
		}
		if r.listen {
			listening[local.Port()] = true
		}
		rows = append(rows, r)
	})
	for _, r := range rows {
		if r.ino == 0 {
			continue // time-wait and orphaned sockets have no inode
		}
		local, peer := unmap(r.local, r.peer)
		v4 := local.Addr().Is4()
		f := scap.FD{L4Proto: proto}
		switch {
		case r.listen:
			f.Type = scap.FDIPv6Server
			if v4 {
				f.Type = scap.FDIPv4Server
			}
			f.SrcIP, f.SrcPort = local.Addr(), local.Port()
		default:
			f.Type = scap.FDIPv6Sock
			if v4 {
				f.Type = scap.FDIPv4Sock
			}
			client, server := local, peer
			if proto == l4TCP && listening[local.Port()] {
				client, server = peer, local
			}
			f.SrcIP, f.SrcPort, f.DstIP, f.DstPort = client.Addr(), client.Port(), server.Addr(), server.Port()
		}
		tab.byIno[r.ino] = f
	}
}

// unmap turns a pair of v4-mapped IPv6 endpoints (or a mapped endpoint with
// an unspecified peer) into IPv4 ones.
func unmap(a, b netip.AddrPort) (netip.AddrPort, netip.AddrPort) {
	am, bm := a.Addr().Is4In6(), b.Addr().Is4In6()
	bzero := b.Addr().IsUnspecified() && b.Addr().Is6()
	if am && (bm || bzero) {
		a = netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
		if bzero {
			b = netip.AddrPortFrom(netip.IPv4Unspecified(), b.Port())
		} else {
			b = netip.AddrPortFrom(b.Addr().Unmap(), b.Port())
		}
	}
	return a, b
}

// hexAddrPort parses "0100007F:1F90" (IPv4) or 32 hex digits and a port
// (IPv6), with the address in the kernel's word order (host-endian 32-bit
// words).
func hexAddrPort(b []byte) (netip.AddrPort, bool) {
	i := bytes.IndexByte(b, ':')
	if i < 0 {
		return netip.AddrPort{}, false
	}
	port, err := strconv.ParseUint(string(b[i+1:]), 16, 16)
	if err != nil {
		return netip.AddrPort{}, false
	}
	h := b[:i]
	switch len(h) {
	case 8:
		w, ok := hexWord(h)
		if !ok {
			return netip.AddrPort{}, false
		}
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{byte(w), byte(w >> 8), byte(w >> 16), byte(w >> 24)}), uint16(port)), true
	case 32:
		var a [16]byte
		for k := 0; k < 4; k++ {
			w, ok := hexWord(h[k*8 : k*8+8])
			if !ok {
				return netip.AddrPort{}, false
			}
			a[k*4], a[k*4+1], a[k*4+2], a[k*4+3] = byte(w), byte(w>>8), byte(w>>16), byte(w>>24)
		}
		return netip.AddrPortFrom(netip.AddrFrom16(a), uint16(port)), true
	}
	return netip.AddrPort{}, false
}

// hexWord parses 8 hex digits.
func hexWord(h []byte) (uint32, bool) {
	var w uint32
	for _, c := range h {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		w = w<<4 | uint32(d)
	}
	return w, true
}

// parseUnix adds the rows of /proc/net/unix:
// "Num RefCount Protocol Flags Type St Inode [Path]".
func parseUnix(b []byte, tab *sockTable) {
	forRows(b, func(f [][]byte) {
		if len(f) < 7 {
			return
		}
		addr, _ := strconv.ParseUint(string(bytes.TrimSuffix(f[0], []byte{':'})), 16, 64)
		e := scap.FD{Type: scap.FDUnixSock, UnixSrc: addr}
		if len(f) >= 8 {
			e.Name = string(f[7])
		}
		tab.byIno[uint64(atoi(f[6]))] = e
	})
}
