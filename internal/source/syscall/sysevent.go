package syscall

import (
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// Event is one syscall event with the state it happened in. Its memory is
// reused for the next event: it is valid only during the emit callback.
type Event struct {
	event.Base
	// Raw is the decoded event.
	Raw *scap.Event
	// Info is the event's schema.
	Info scap.Info
	// Thread is the thread the event belongs to (nil when unknown).
	Thread *Thread
	// State holds every thread, for ancestors and users.
	State   *State
	scratch []byte
}

// Scratch returns the buffer rendered values of this event live in.
func (e *Event) Scratch() *[]byte { return &e.scratch }

// paramIndex returns the index of a parameter by name.
func (e *Event) paramIndex(name string) int {
	for i, p := range e.Info.Params {
		if p.Name == name && i < len(e.Raw.Params) {
			return i
		}
	}
	return -1
}

// FD returns the file descriptor the event is about: the fd parameter, or
// the one an open-family exit returned.
func (e *Event) FD() *FD {
	if e.Thread == nil {
		return nil
	}
	if e.Info.Dir == '<' {
		switch e.Info.Name {
		case "open", "openat", "openat2", "creat", "socket", "accept", "accept4":
			if fd, ok := result(e.Raw, &e.Info); ok && fd >= 0 {
				return e.Thread.fds[fd]
			}
			return nil
		}
	}
	if !usesFD(e.Info.Name) {
		return nil
	}
	i := e.paramIndex("fd")
	if i < 0 {
		i = e.paramIndex("oldfd") // dup family: the fd being duplicated
	}
	if i >= 0 {
		if fd, ok := intOf(e.Raw.Params[i]); ok {
			return e.Thread.fds[fd]
		}
	}
	if e.Info.Dir == '<' && e.Thread.hasLastFD {
		return e.Thread.fds[e.Thread.lastFD]
	}
	return nil
}

// parent returns the parent thread of t.
func (e *Event) parent(t *Thread) *Thread {
	if t == nil || t.PTID == t.TID {
		return nil
	}
	return e.State.parent(t)
}

// usesFD reports whether an event acts on the fd it names (libsinsp's
// EF_USES_FD): reads, writes, socket calls, close, fstat... but not mmap,
// whose fd parameter is not resolved.
func usesFD(name string) bool {
	switch name {
	case "read", "write", "pread", "pwrite", "readv", "writev", "preadv", "pwritev", "close", "fstat", "fstat64",
		"connect", "accept", "accept4", "bind", "listen", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg",
		"recvmmsg", "shutdown", "getsockopt", "setsockopt", "lseek", "llseek", "ioctl", "fcntl", "getdents",
		"getdents64", "sendfile", "splice", "fchmod", "fchown", "flock", "fsync", "fdatasync", "ftruncate",
		"fchdir", "dup", "dup2", "dup3", "copy_file_range", "io_uring_enter":
		return true
	}
	return false
}
