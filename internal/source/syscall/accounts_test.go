package syscall

import (
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
