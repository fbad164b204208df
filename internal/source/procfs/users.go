package procfs

import (
	"bytes"
	"path/filepath"
	"strconv"

	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// readUsers reads /etc/passwd and /etc/group. Missing files give empty
// lists; malformed lines are skipped.
func (s *Scanner) readUsers() ([]scap.User, []scap.Group) {
	var users []scap.User
	var groups []scap.Group
	if b, err := s.read(filepath.Join(s.etc, "passwd")); err == nil {
		users = parsePasswd(b)
	} else {
		s.log.Debug("procfs: no users", "err", err)
	}
	if b, err := s.read(filepath.Join(s.etc, "group")); err == nil {
		groups = parseGroup(b)
	} else {
		s.log.Debug("procfs: no groups", "err", err)
	}
	return users, groups
}

// parsePasswd reads passwd(5) lines (name:password:uid:gid:gecos:home:shell),
// skipping malformed lines and NSS compat entries (+name, -name).
func parsePasswd(b []byte) []scap.User {
	var users []scap.User
	forLines(b, func(f [][]byte) {
		if len(f) < 7 || isNSSEntry(f[0]) {
			return
		}
		uid, err1 := strconv.ParseUint(string(f[2]), 10, 32)
		gid, err2 := strconv.ParseUint(string(f[3]), 10, 32)
		if err1 != nil || err2 != nil {
			return
		}
		users = append(users, scap.User{UID: uint32(uid), GID: uint32(gid),
			Name: string(f[0]), HomeDir: string(f[5]), Shell: string(f[6])})
	})
	return users
}

// parseGroup reads group(5) lines (name:password:gid:members).
func parseGroup(b []byte) []scap.Group {
	var groups []scap.Group
	forLines(b, func(f [][]byte) {
		if len(f) < 3 || isNSSEntry(f[0]) {
			return
		}
		gid, err := strconv.ParseUint(string(f[2]), 10, 32)
		if err != nil {
			return
		}
		groups = append(groups, scap.Group{GID: uint32(gid), Name: string(f[0])})
	})
	return groups
}

func isNSSEntry(name []byte) bool { return len(name) > 0 && (name[0] == '+' || name[0] == '-') }

// forLines calls fn with the colon-separated fields of each line that is
// not empty or a comment.
func forLines(b []byte, fn func([][]byte)) {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		fn(bytes.Split(line, []byte{':'}))
	}
}

// machine fills the machine description from /proc/stat, /proc/meminfo
// and /proc/sys/kernel.
func (s *Scanner) machine(snap *Snapshot) {
	m := &snap.machine
	if b, err := s.read(filepath.Join(s.proc, "stat")); err == nil {
		for len(b) > 0 {
			line := b
			if i := bytes.IndexByte(b, '\n'); i >= 0 {
				line, b = b[:i], b[i+1:]
			} else {
				b = nil
			}
			switch {
			case bytes.HasPrefix(line, []byte("cpu")) && len(line) > 3 && line[3] >= '0' && line[3] <= '9':
				m.NumCPUs++
			case bytes.HasPrefix(line, []byte("btime ")):
				m.BootTime = uint64(atoi(line[len("btime "):])) * 1e9
			}
		}
	}
	if b, err := s.read(filepath.Join(s.proc, "meminfo")); err == nil {
		if kb := statusField(b, "MemTotal:"); kb > 0 {
			m.MemoryBytes = uint64(kb) * 1024
		}
	}
	if b, err := s.read(filepath.Join(s.proc, "sys", "kernel", "pid_max")); err == nil {
		m.MaxPID = uint64(atoi(b))
	}
	if b, err := s.read(filepath.Join(s.proc, "sys", "kernel", "hostname")); err == nil {
		m.Hostname = string(bytes.TrimSpace(b))
	}
}
