package syscall

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// fakeAccounts names uid/gid 4321 "app" in container "c1".
type fakeAccounts struct{ pids []int64 }

func (f *fakeAccounts) UserName(id string, pid int64, uid uint32, _ int64) (string, bool) {
	f.pids = append(f.pids, pid)
	if id == "c1" && uid == 4321 {
		return "app", true
	}
	return "", false
}

func (f *fakeAccounts) GroupName(id string, pid int64, gid uint32, ts int64) (string, bool) {
	return f.UserName(id, pid, gid, ts)
}

// TestUserAndGroupNames: host threads are named from the host's lists,
// container threads from their container's accounts; unnamed ids are
// "root" for 0 and "<NA>" otherwise, as libsinsp prints them.
func TestUserAndGroupNames(t *testing.T) {
	s := &script{t: t, st: NewState(0), table: Fields()}
	s.st.users[1000], s.st.users[4321] = "alice", "host-4321"
	s.st.groups[1000] = "alice"
	acc := &fakeAccounts{}
	s.st.Accounts = acc
	s.st.addThread(&scap.Thread{TID: 100, PID: 100, PTID: 1, Comm: "sh", Exe: "sh", UID: 1000, GID: 1000, LoginUID: 4321,
		VTID: 100, VPID: 100}, nil)
	s.st.addThread(&scap.Thread{TID: 200, PID: 200, PTID: 1, Comm: "sh", Exe: "sh", UID: 4321, GID: 4321, LoginUID: 0,
		VTID: 1, VPID: 1}, nil)
	s.st.addThread(&scap.Thread{TID: 300, PID: 300, PTID: 1, Comm: "sh", Exe: "sh", UID: 0, GID: 7, LoginUID: 1000,
		VTID: 1, VPID: 1}, nil)
	s.st.threads[200].ContainerID = "c1"
	s.st.threads[300].ContainerID = "c2"
	cases := []struct {
		tid  int64
		want map[string]string
	}{
		{100, map[string]string{"user.name": "alice", "group.name": "alice", "user.loginname": "host-4321"}},
		{200, map[string]string{"user.name": "app", "group.name": "app", "user.loginname": "root"}},
		{300, map[string]string{"user.name": "root", "group.name": "<NA>", "user.loginname": "<NA>"}},
	}
	for _, c := range cases {
		e := s.send(codeCloseX, c.tid, map[string][]byte{"res": i64(0), "fd": i64(-1)})
		for name, want := range c.want {
			if got := s.field(e, name); got != want {
				t.Errorf("thread %d: %s = %q, want %q", c.tid, name, got, want)
			}
		}
	}
	for _, pid := range acc.pids {
		if pid != 200 && pid != 300 {
			t.Errorf("container accounts asked about pid %d, a host process", pid)
		}
	}
}

// fakeNames names 10.0.0.9 only.
type fakeNames struct{}

func (fakeNames) NameOf(ip netip.Addr) (string, bool) {
	if ip == netip.MustParseAddr("10.0.0.9") {
		return "peer.example", true
	}
	return "", false
}

// TestHostNameFields: fd.*.name name each end of an accepted connection
// from the host names; unnamed ends, and every end without a resolver,
// are missing.
func TestHostNameFields(t *testing.T) {
	for _, withNames := range []bool{true, false} {
		s := &script{t: t, st: NewState(0), table: Fields()}
		if withNames {
			s.st.Names = fakeNames{}
		}
		s.st.addThread(&scap.Thread{TID: 100, PID: 100, PTID: 1, Comm: "srv", Exe: "srv", VTID: 100, VPID: 100}, nil)
		tuple := []byte{2, 10, 0, 0, 9}
		tuple = binary.LittleEndian.AppendUint16(tuple, 5555)
		tuple = append(tuple, 127, 0, 0, 1)
		tuple = binary.LittleEndian.AppendUint16(tuple, 8080)
		s.send(codeSocketX, 100, map[string][]byte{"fd": i64(10), "domain": u32(2), "type": u32(1), "proto": u32(0)})
		e := s.send(codeAccept4X, 100, map[string][]byte{"fd": i64(11), "tuple": tuple})
		want := map[string]string{"fd.cip.name": "peer.example", "fd.rip.name": "peer.example",
			"fd.sip.name": "<NA>", "fd.lip.name": "<NA>"}
		for name, w := range want {
			if !withNames {
				w = "<NA>"
			}
			if got := s.field(e, name); got != w {
				t.Errorf("names %v: %s = %q, want %q", withNames, name, got, w)
			}
		}
	}
}
