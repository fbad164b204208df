package procfs

import (
	"bytes"
	"path/filepath"
	"strings"
)

// cgroupEntries converts a /proc/PID/cgroup file into the "subsystem=path"
// entries scap.Thread.Cgroups holds, as libscap records them:
//
//   - a cgroup v1 line "ID:cpu,cpuacct:/path" gives one entry per
//     subsystem ("cpu=/path", "cpuacct=/path"); named hierarchies keep their
//     name ("name=systemd=/path");
//   - the cgroup v2 line "0::/path" gives one entry per controller enabled
//     in the v2 hierarchy (its root's cgroup.controllers) that no v1
//     hierarchy holds, all with the same path ("memory=/path", "pids=/path").
//     On a pure v2 machine with no controller listed, the line gives no entry.
//
// Paths are as the kernel shows them, relative to the reader's cgroup
// namespace root. syscall.ContainerID parses these entries.
func (s *Scanner) cgroupEntries(b []byte) []string {
	var out []string
	var v2 string
	haveV2 := false
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		first := bytes.IndexByte(line, ':')
		if first < 0 {
			continue
		}
		second := bytes.IndexByte(line[first+1:], ':')
		if second < 0 {
			continue
		}
		subsys, path := line[first+1:first+1+second], string(line[first+2+second:])
		if len(subsys) == 0 {
			v2, haveV2 = path, true
			continue
		}
		for _, ss := range bytes.Split(subsys, []byte{','}) {
			out = append(out, string(ss)+"="+path)
		}
	}
	if haveV2 {
		for _, c := range s.v2Controllers() {
			if !hasSubsys(out, c) {
				out = append(out, c+"="+v2)
			}
		}
	}
	return out
}

// hasSubsys reports whether an entry for a subsystem exists.
func hasSubsys(entries []string, subsys string) bool {
	for _, e := range entries {
		if strings.HasPrefix(e, subsys) && len(e) > len(subsys) && e[len(subsys)] == '=' {
			return true
		}
	}
	return false
}

// v2Controllers returns the controllers of the cgroup v2 hierarchy, read
// once from /sys/fs/cgroup/cgroup.controllers (pure v2) or
// /sys/fs/cgroup/unified/cgroup.controllers (hybrid).
func (s *Scanner) v2Controllers() []string {
	if s.cgv2 != nil {
		return s.cgv2
	}
	s.cgv2 = []string{}
	for _, dir := range []string{"fs/cgroup", "fs/cgroup/unified"} {
		b, err := s.read(filepath.Join(s.sys, dir, "cgroup.controllers"))
		if err != nil {
			continue
		}
		for _, f := range bytes.Fields(b) {
			s.cgv2 = append(s.cgv2, string(f))
		}
		break
	}
	return s.cgv2
}
