package syscall

import (
	"strings"
)

// ContainerID finds the container a process belongs to from its cgroup
// paths ("subsystem=path" entries, or bare paths), as the container runtimes
// name them: Docker (/docker/ID, docker-ID.scope), containerd and CRI
// (/k8s.io/ID, cri-containerd-ID.scope, kubepods .../ID), CRI-O
// (crio-ID.scope), podman (libpod-ID.scope). It returns the full id and the
// runtime, or "" when the process runs on the host.
func ContainerID(cgroups []string) (id, runtime string) {
	for _, cg := range cgroups {
		if i := strings.IndexByte(cg, '='); i >= 0 {
			cg = cg[i+1:]
		}
		for _, seg := range strings.Split(cg, "/") {
			if id, runtime := segmentID(seg, cg); id != "" {
				return id, runtime
			}
		}
	}
	return "", ""
}

// scopePrefixes are the systemd scope names runtimes give container cgroups.
var scopePrefixes = []struct{ prefix, runtime string }{
	{"docker-", "docker"},
	{"cri-containerd-", "containerd"},
	{"crio-", "cri-o"},
	{"libpod-", "podman"},
	{"containerd-", "containerd"},
}

func segmentID(seg, path string) (string, string) {
	if strings.HasSuffix(seg, ".scope") {
		name := strings.TrimSuffix(seg, ".scope")
		for _, p := range scopePrefixes {
			if id, ok := strings.CutPrefix(name, p.prefix); ok && isHexID(id) {
				return id, p.runtime
			}
		}
		return "", ""
	}
	if !isHexID(seg) {
		return "", ""
	}
	switch {
	case strings.Contains(path, "/docker/"):
		return seg, "docker"
	case strings.Contains(path, "/k8s.io/"), strings.Contains(path, "kubepods"):
		return seg, "containerd"
	case strings.Contains(path, "/libpod"):
		return seg, "podman"
	case strings.Contains(path, "crio"):
		return seg, "cri-o"
	case strings.Count(path, "/") >= 2:
		// containerd's own namespaces ("ctr run"): /NAMESPACE/ID
		return seg, "containerd"
	}
	return "", ""
}

// isHexID reports whether s is a 64-hex-digit container id.
func isHexID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
