//go:build linux && amd64

package ebpf

import (
	"fmt"
	"net"
	"path/filepath"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/source/syscall"
	"golang.org/x/sys/unix"
)

// TestNetworkCalls runs TCP over IPv4 and IPv6, UDP and unix sockets on one
// thread and checks socket, bind, listen, connect, accept4, sendto,
// recvfrom, sendmsg and recvmsg events and the socket fds in the state.
func TestNetworkCalls(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s.sock")
	have6 := false
	if l, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		have6 = true
		l.Close()
	}
	type conn struct{ lfd, cfd, afd, lport, cport int }
	var v4, v6, ux conn
	var udpA, udpB, udpAPort, udpBPort int
	var tid int
	s := record(t, Config{}, func() {
		tid = lockedThread(func() {
			tcp := func(family int, addr unix.Sockaddr) (c conn) {
				var err error
				c.lfd, err = unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
				if err != nil {
					t.Error(err)
					return
				}
				unix.Bind(c.lfd, addr)
				unix.Listen(c.lfd, 8)
				sa, _ := unix.Getsockname(c.lfd)
				c.cfd, _ = unix.Socket(family, unix.SOCK_STREAM, 0)
				if err := unix.Connect(c.cfd, sa); err != nil {
					t.Error(err)
				}
				c.afd, _, _ = unix.Accept4(c.lfd, unix.SOCK_CLOEXEC)
				ca, _ := unix.Getsockname(c.cfd)
				switch a := sa.(type) {
				case *unix.SockaddrInet4:
					c.lport, c.cport = a.Port, ca.(*unix.SockaddrInet4).Port
				case *unix.SockaddrInet6:
					c.lport, c.cport = a.Port, ca.(*unix.SockaddrInet6).Port
				}
				return c
			}
			v4 = tcp(unix.AF_INET, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
			unix.Sendto(v4.cfd, []byte("hello"), 0, nil)
			buf := make([]byte, 64)
			unix.Recvfrom(v4.afd, buf, 0)
			if have6 {
				v6 = tcp(unix.AF_INET6, &unix.SockaddrInet6{Addr: [16]byte{15: 1}})
			}
			ux = tcp(unix.AF_UNIX, &unix.SockaddrUnix{Name: sock})

			udpA, _ = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
			udpB, _ = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
			unix.Bind(udpA, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
			unix.Bind(udpB, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
			sa, _ := unix.Getsockname(udpA)
			sb, _ := unix.Getsockname(udpB)
			udpAPort, udpBPort = sa.(*unix.SockaddrInet4).Port, sb.(*unix.SockaddrInet4).Port
			if _, err := unix.SendmsgN(udpA, []byte("ping"), nil, sb, 0); err != nil {
				t.Error(err)
			}
			if _, _, _, _, err := unix.Recvmsg(udpB, buf, nil, 0); err != nil {
				t.Error(err)
			}
			for _, fd := range []int{v4.lfd, v4.cfd, v4.afd, v6.lfd, v6.cfd, v6.afd, ux.lfd, ux.cfd, ux.afd, udpA, udpB} {
				if fd > 0 {
					unix.Close(fd)
				}
			}
		})
	})
	mine := s.thread(tid)
	fd := func(n int) func(*rec) bool {
		return func(r *rec) bool { return mine(r) && r.int(t, "fd") == int64(n) }
	}
	local4 := func(a, b int) string { return fmt.Sprintf("127.0.0.1:%d->127.0.0.1:%d", a, b) }

	// only exit events: the state reads domain, type and fd from them
	if n := len(s.find("socket", '>', mine)) + len(s.find("connect", '>', mine)); n != 0 {
		t.Errorf("%d socket or connect enter events", n)
	}
	sx := s.one(t, "socket", '<', fd(v4.lfd))
	if sx.uint(t, "domain") != 2 || sx.uint(t, "flags") != 4096 || sx.uint(t, "type") != unix.SOCK_STREAM|unix.SOCK_CLOEXEC || sx.uint(t, "proto") != 0 {
		t.Errorf("socket exit: %s", sx)
	}
	if b := s.one(t, "bind", '<', fd(v4.lfd)); b.int(t, "res") != 0 || b.format(t, "addr") != "127.0.0.1:0" {
		t.Errorf("bind: %s", b)
	}
	if l := s.one(t, "listen", '<', fd(v4.lfd)); l.int(t, "res") != 0 || l.int(t, "backlog") != 8 {
		t.Errorf("listen: %s", l)
	}
	cx := s.one(t, "connect", '<', fd(v4.cfd))
	if cx.int(t, "res") != 0 || cx.format(t, "tuple") != local4(v4.cport, v4.lport) || cx.format(t, "addr") != fmt.Sprintf("127.0.0.1:%d", v4.lport) {
		t.Errorf("connect exit: %s", cx)
	}
	ax := s.one(t, "accept4", '<', func(r *rec) bool { return mine(r) && r.int(t, "fd") == int64(v4.afd) && r.format(t, "tuple")[0] == '1' })
	if ax.format(t, "tuple") != local4(v4.cport, v4.lport) || ax.uint(t, "queuemax") != 8 || ax.uint(t, "flags") != 4096 {
		t.Errorf("accept4: %s", ax)
	}
	st := s.one(t, "sendto", '<', fd(v4.cfd))
	if st.int(t, "res") != 5 || string(st.param(t, "data")) != "hello" || st.uint(t, "size") != 5 || st.format(t, "tuple") != local4(v4.cport, v4.lport) {
		t.Errorf("sendto: %s", st)
	}
	rf := s.one(t, "recvfrom", '<', fd(v4.afd))
	if rf.int(t, "res") != 5 || string(rf.param(t, "data")) != "hello" || rf.uint(t, "size") != 64 || rf.format(t, "tuple") != local4(v4.cport, v4.lport) {
		t.Errorf("recvfrom: %s", rf)
	}
	if have6 {
		c6 := s.one(t, "connect", '<', fd(v6.cfd))
		if want := fmt.Sprintf("[::1]:%d->[::1]:%d", v6.cport, v6.lport); c6.format(t, "tuple") != want {
			t.Errorf("connect over IPv6: %s, want tuple %s", c6, want)
		}
		a6 := s.one(t, "accept4", '<', fd(v6.afd))
		if want := fmt.Sprintf("[::1]:%d->[::1]:%d", v6.cport, v6.lport); a6.format(t, "tuple") != want {
			t.Errorf("accept4 over IPv6: %s, want tuple %s", a6, want)
		}
	}
	cu := s.one(t, "connect", '<', fd(ux.cfd))
	if tup := cu.param(t, "tuple"); len(tup) < 18 || tup[0] != 1 || string(tup[17:len(tup)-1]) != sock {
		t.Errorf("unix connect tuple: %s", cu)
	}
	au := s.one(t, "accept4", '<', fd(ux.afd))
	if tup := au.param(t, "tuple"); len(tup) < 18 || tup[0] != 1 || string(tup[17:len(tup)-1]) != sock {
		t.Errorf("unix accept tuple: %s", au)
	}
	sm := s.one(t, "sendmsg", '<', fd(udpA))
	if sm.int(t, "res") != 4 || string(sm.param(t, "data")) != "ping" || sm.uint(t, "size") != 4 || sm.format(t, "tuple") != local4(udpAPort, udpBPort) {
		t.Errorf("sendmsg: %s", sm)
	}
	rm := s.one(t, "recvmsg", '<', fd(udpB))
	if rm.int(t, "res") != 4 || string(rm.param(t, "data")) != "ping" || rm.format(t, "tuple") != local4(udpAPort, udpBPort) {
		t.Errorf("recvmsg: %s", rm)
	}

	// state: the sockets as the rules see them
	var seen int
	s.replay(func(r *rec, e *syscall.Event) {
		switch r {
		case cx:
			seen++
			f := e.FD()
			if f == nil || f.Type != '4' || f.CIP.String() != "127.0.0.1" || int(f.CPort) != v4.cport || int(f.SPort) != v4.lport || !f.Connected || f.L4Proto != 2 {
				t.Errorf("connected fd: %+v", f)
			}
		case ax:
			seen++
			if f := e.FD(); f == nil || f.Type != '4' || !f.Server || int(f.SPort) != v4.lport {
				t.Errorf("accepted fd: %+v", f)
			}
		case cu:
			seen++
			if f := e.FD(); f == nil || f.Type != 'u' {
				t.Errorf("unix fd: %+v", f)
			}
		}
	})
	if seen != 3 {
		t.Errorf("replay saw %d of 3 events", seen)
	}
}

// TestSendUnconnectedDatagramsOnly sends on a TCP connection, a connected
// UDP socket, an unconnected UDP socket, a unix stream pair and an
// unconnected unix datagram socket: with SendUnconnectedDatagramsOnly only
// the unconnected datagram sends produce sendto/sendmsg events, the others
// counting as filtered; without it every send does.
func TestSendUnconnectedDatagramsOnly(t *testing.T) {
	for _, only := range []bool{true, false} {
		t.Run(fmt.Sprintf("only=%v", only), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.sock")
			var tcpC, udpC, udpA, udpB, uxS, uxD, aPort, bPort int
			var tid int
			s := record(t, Config{SendUnconnectedDatagramsOnly: only}, func() {
				tid = lockedThread(func() {
					lo := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
					l, _ := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
					unix.Bind(l, lo)
					unix.Listen(l, 8)
					la, _ := unix.Getsockname(l)
					tcpC, _ = unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
					if err := unix.Connect(tcpC, la); err != nil {
						t.Error(err)
					}
					acc, _, _ := unix.Accept4(l, 0)
					if err := unix.Sendto(tcpC, []byte("tcp-sendto"), 0, nil); err != nil {
						t.Error(err)
					}
					if _, err := unix.SendmsgN(tcpC, []byte("tcp-sendmsg"), nil, nil, 0); err != nil {
						t.Error(err)
					}

					udpA, _ = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
					udpB, _ = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
					udpC, _ = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
					unix.Bind(udpA, lo)
					unix.Bind(udpB, lo)
					sa, _ := unix.Getsockname(udpA)
					sb, _ := unix.Getsockname(udpB)
					aPort, bPort = sa.(*unix.SockaddrInet4).Port, sb.(*unix.SockaddrInet4).Port
					if err := unix.Connect(udpC, sb); err != nil {
						t.Error(err)
					}
					if err := unix.Sendto(udpC, []byte("udp-conn-sendto"), 0, nil); err != nil {
						t.Error(err)
					}
					if _, err := unix.SendmsgN(udpC, []byte("udp-conn-sendmsg"), nil, nil, 0); err != nil {
						t.Error(err)
					}
					if err := unix.Sendto(udpA, []byte("udp-sendto"), 0, sb); err != nil {
						t.Error(err)
					}
					if _, err := unix.SendmsgN(udpA, []byte("udp-sendmsg"), nil, sb, 0); err != nil {
						t.Error(err)
					}

					pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
					if err != nil {
						t.Error(err)
					}
					uxS = pair[0]
					if err := unix.Sendto(uxS, []byte("unix-stream"), 0, nil); err != nil {
						t.Error(err)
					}
					srv, _ := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
					if err := unix.Bind(srv, &unix.SockaddrUnix{Name: path}); err != nil {
						t.Error(err)
					}
					uxD, _ = unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
					if err := unix.Sendto(uxD, []byte("unix-dgram"), 0, &unix.SockaddrUnix{Name: path}); err != nil {
						t.Error(err)
					}
					for _, fd := range []int{l, acc, tcpC, udpA, udpB, udpC, pair[0], pair[1], srv, uxD} {
						unix.Close(fd)
					}
				})
			})
			mine := s.thread(tid)
			sends := func(name string, fd int) []*rec {
				return s.find(name, '<', func(r *rec) bool { return mine(r) && r.int(t, "fd") == int64(fd) })
			}
			left := map[string][]*rec{
				"TCP sendto":            sends("sendto", tcpC),
				"TCP sendmsg":           sends("sendmsg", tcpC),
				"connected UDP sendto":  sends("sendto", udpC),
				"connected UDP sendmsg": sends("sendmsg", udpC),
				"unix stream sendto":    sends("sendto", uxS),
			}
			for what, got := range left {
				if want := map[bool]int{true: 0, false: 1}[only]; len(got) != want {
					t.Errorf("%s: %d events, want %d: %v", what, len(got), want, got)
				}
			}
			local4 := fmt.Sprintf("127.0.0.1:%d->127.0.0.1:%d", aPort, bPort)
			if got := sends("sendto", udpA); len(got) != 1 || string(got[0].param(t, "data")) != "udp-sendto" || got[0].format(t, "tuple") != local4 {
				t.Errorf("unconnected UDP sendto: %v, want one with tuple %s", got, local4)
			}
			if got := sends("sendmsg", udpA); len(got) != 1 || string(got[0].param(t, "data")) != "udp-sendmsg" || got[0].format(t, "tuple") != local4 {
				t.Errorf("unconnected UDP sendmsg: %v, want one with tuple %s", got, local4)
			}
			if got := sends("sendto", uxD); len(got) != 1 || string(got[0].param(t, "data")) != "unix-dgram" {
				t.Errorf("unconnected unix datagram sendto: %v, want one", got)
			}
			if only && s.st.Filtered < 5 {
				t.Errorf("%d exits filtered, want at least the 5 sends left out", s.st.Filtered)
			}
			if !only && s.st.Filtered != 0 {
				t.Errorf("%d exits filtered with every syscall selected and no send predicate", s.st.Filtered)
			}
		})
	}
}
