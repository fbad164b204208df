package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Limits of Accounts.
const (
	// maxAccountTables bounds the containers whose accounts are kept.
	maxAccountTables = 4096
	// maxAccountFileBytes bounds what is read of one account file.
	maxAccountFileBytes = 4 << 20
	// accountsReload is how soon a container's files are read again when
	// they do not name an id (a user added since, or a first read that
	// raced the container's start). libsinsp reads them again at every
	// execve of an unnamed id; this bounds the cost for containers that
	// run as an id their files never name (at most 10 reads a second).
	accountsReload = 100 * time.Millisecond
	// maxServingPIDs bounds the processes remembered per container.
	maxServingPIDs = 4
)

// Accounts names users and groups inside containers from the container's
// own /etc/passwd and /etc/group, read through /proc/PID/root of one of its
// processes, as libsinsp does. A process that shares the host's root
// directory (that of pid 1, or the agent's own when pid 1's is out of
// reach) gets no names.
//
// The files are opened with openat2(RESOLVE_IN_ROOT), so symbolic links in
// the container resolve inside the container's root and cannot make the
// agent read a host file; only regular files are read, at most 4 MiB each.
// Kernels without openat2 (before 5.6) get no container names.
//
// Accounts is safe for concurrent use.
type Accounts struct {
	proc string
	log  *slog.Logger

	mu        sync.Mutex
	tables    map[string]*accountTable
	hostRoot  [2]uint64 // device and inode of the host's root, zero until read
	noOpenat2 bool
}

type accountTable struct {
	users, groups map[uint32]string
	read          int64   // time of the event that read them
	pids          []int64 // processes whose root served, latest first
}

// NewAccounts returns container accounts read under the proc directory
// (normally /proc).
func NewAccounts(proc string, log *slog.Logger) *Accounts {
	if log == nil {
		log = slog.Default()
	}
	return &Accounts{proc: proc, log: log, tables: map[string]*accountTable{}}
}

// UserName returns the name the container gives uid; pid is one of its
// processes and ts the time of the event that asks (ns since the epoch).
func (a *Accounts) UserName(containerID string, pid int64, uid uint32, ts int64) (string, bool) {
	return a.name(containerID, pid, uid, false, ts)
}

// GroupName returns the name the container gives gid.
func (a *Accounts) GroupName(containerID string, pid int64, gid uint32, ts int64) (string, bool) {
	return a.name(containerID, pid, gid, true, ts)
}

func (a *Accounts) name(containerID string, pid int64, id uint32, group bool, ts int64) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.tables[containerID]
	if t == nil {
		if len(a.tables) >= maxAccountTables {
			for k := range a.tables {
				delete(a.tables, k)
				break
			}
		}
		t = &accountTable{users: map[uint32]string{}, groups: map[uint32]string{}, read: ts}
		a.reload(t, containerID, pid, ts)
		a.tables[containerID] = t
	}
	if n, ok := t.lookup(id, group); ok {
		return n, true
	}
	// Paced by event time, not the clock: events are evaluated in batches,
	// and what matters is that the asking event came well after the read.
	if ts-t.read >= int64(accountsReload) || ts < t.read {
		a.reload(t, containerID, pid, ts)
		return t.lookup(id, group)
	}
	return "", false
}

// reload reads the container's files again through pid or, when pid is
// gone (events are evaluated after the fact, and short-lived processes
// are gone by then), through a process that served before and still runs
// in the container. What was read before is kept when none can.
func (a *Accounts) reload(t *accountTable, containerID string, pid, ts int64) {
	t.read = ts
	candidates := append([]int64{pid}, t.pids...)
	for i, p := range candidates {
		if i > 0 && p == pid {
			continue
		}
		if !a.inContainer(p, containerID) {
			continue
		}
		fresh, ok := a.load(p, ts)
		if !ok {
			continue
		}
		fresh.pids = append(fresh.pids, p)
		for _, q := range t.pids {
			if q != p && len(fresh.pids) < maxServingPIDs {
				fresh.pids = append(fresh.pids, q)
			}
		}
		*t = *fresh
		return
	}
	// None of them runs any more: look for another process of the
	// container (rare: at most once per reload interval and container).
	if p, ok := a.findInContainer(containerID, candidates); ok {
		if fresh, ok := a.load(p, ts); ok {
			fresh.pids = append(fresh.pids, p)
			*t = *fresh
		}
	}
}

// findInContainer returns a running process of the container other than
// those tried already.
func (a *Accounts) findInContainer(containerID string, tried []int64) (int64, bool) {
	entries, err := os.ReadDir(a.proc)
	if err != nil {
		return 0, false
	}
	for _, e := range entries {
		p, err := strconv.ParseInt(e.Name(), 10, 64)
		if err != nil || slices.Contains(tried, p) {
			continue
		}
		if a.inContainer(p, containerID) {
			return p, true
		}
	}
	return 0, false
}

// inContainer reports whether pid runs in the container (its cgroups name
// the container id), so that a remembered pid that was reused is not read.
func (a *Accounts) inContainer(pid int64, containerID string) bool {
	b, err := os.ReadFile(filepath.Join(a.proc, strconv.FormatInt(pid, 10), "cgroup"))
	return err == nil && bytes.Contains(b, []byte(containerID))
}

func (t *accountTable) lookup(id uint32, group bool) (string, bool) {
	m := t.users
	if group {
		m = t.groups
	}
	n, ok := m[id]
	return n, ok
}

// load reads the account files of the root directory of pid; false when
// its passwd could not be read.
func (a *Accounts) load(pid, ts int64) (*accountTable, bool) {
	t := &accountTable{users: map[uint32]string{}, groups: map[uint32]string{}, read: ts}
	root, err := a.containerRoot(pid)
	if err != nil {
		a.log.Debug("procfs: no container accounts", "pid", pid, "err", err)
		return t, false
	}
	defer unix.Close(root)
	ok := false
	if b, err := a.readInRoot(root, "etc/passwd"); err == nil {
		ok = true
		for _, u := range parsePasswd(b) {
			t.users[u.UID] = u.Name
		}
	} else {
		a.log.Debug("procfs: container passwd unreadable", "pid", pid, "err", err)
	}
	if b, err := a.readInRoot(root, "etc/group"); err == nil {
		for _, g := range parseGroup(b) {
			t.groups[g.GID] = g.Name
		}
	} else {
		a.log.Debug("procfs: container group unreadable", "pid", pid, "err", err)
	}
	return t, ok
}

// containerRoot opens the root directory of pid, unless it is the host's.
func (a *Accounts) containerRoot(pid int64) (int, error) {
	if a.hostRoot == [2]uint64{} {
		// The root of pid 1 is the host's; it can be out of reach even for
		// root (ptrace rules when pid 1 holds capabilities the agent does
		// not), and then the agent's own root stands for it.
		var st unix.Stat_t
		if err := unix.Stat(filepath.Join(a.proc, "1", "root"), &st); err != nil {
			if err2 := unix.Stat("/", &st); err2 != nil {
				return -1, fmt.Errorf("host root: %w", err)
			}
		}
		a.hostRoot = [2]uint64{st.Dev, st.Ino}
	}
	path := filepath.Join(a.proc, strconv.FormatInt(pid, 10), "root")
	fd, err := unix.Open(path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open %s: %w", path, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || [2]uint64{st.Dev, st.Ino} == a.hostRoot {
		unix.Close(fd)
		if err == nil {
			err = errors.New("the process shares the host's root directory")
		}
		return -1, err
	}
	return fd, nil
}

// readInRoot reads the regular file name resolved inside the root dirfd.
func (a *Accounts) readInRoot(root int, name string) ([]byte, error) {
	if a.noOpenat2 {
		return nil, errors.ErrUnsupported
	}
	fd, err := unix.Openat2(root, name, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOCTTY,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	})
	if errors.Is(err, unix.ENOSYS) {
		a.noOpenat2 = true
		a.log.Info("procfs: the kernel lacks openat2; users and groups in containers are not named")
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", name, st.Mode().Type())
	}
	return io.ReadAll(io.LimitReader(f, maxAccountFileBytes))
}
