package syscall

import (
	"net/netip"

	"github.com/peregrine-sec/peregrine/internal/field"
)

// The seams through which a live source names things the events carry as
// numbers: users and groups in containers, and hosts.

// ContainerAccounts names the users and groups of containers from the
// container's own account files, as libsinsp does: a uid inside a
// container is named by the container's /etc/passwd, not the host's.
type ContainerAccounts interface {
	// UserName returns the name of uid in the container that pid (one of
	// its processes) runs in; false when the container does not name it.
	// ts is the time of the event asking (nanoseconds since the epoch),
	// which paces reading the files again.
	UserName(containerID string, pid int64, uid uint32, ts int64) (string, bool)
	// GroupName is UserName for a gid.
	GroupName(containerID string, pid int64, gid uint32, ts int64) (string, bool)
}

// notAvailable is what libsinsp prints for a user or group no account
// file names (other than root).
const notAvailable = "<NA>"

// idName names a uid (or, when group, a gid) for thread t: from its
// container's accounts when t runs in a container and they are known, else
// from the host's (or the capture's) lists; id 0 is "root" and any other
// unnamed id "<NA>", as libsinsp prints them.
func (s *State) idName(t *Thread, id uint32, group bool, ts int64) string {
	if n, ok := s.accountName(t, id, group, ts); ok {
		return n
	}
	if id == 0 {
		return "root"
	}
	return notAvailable
}

func (s *State) accountName(t *Thread, id uint32, group bool, ts int64) (string, bool) {
	if t.ContainerID != "" && s.Accounts != nil {
		if group {
			return s.Accounts.GroupName(t.ContainerID, t.PID, id, ts)
		}
		return s.Accounts.UserName(t.ContainerID, t.PID, id, ts)
	}
	var n string
	if group {
		n = s.groups[id]
	} else {
		n = s.users[id]
	}
	return n, n != ""
}

// HostNames names IP addresses with the host names the rules compare the
// fd.*.name fields with (see package dnsnames).
type HostNames interface {
	NameOf(ip netip.Addr) (string, bool)
}

// hostName extracts the name of one address of a socket fd.
func hostName(get func(*FD) netip.Addr) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		f := e.FD()
		if f == nil || (f.Type != '4' && f.Type != '6') || e.State.Names == nil {
			return dst, false
		}
		n, ok := e.State.Names.NameOf(get(f))
		if !ok {
			return dst, false
		}
		return e.str(dst, n), true
	}
}
