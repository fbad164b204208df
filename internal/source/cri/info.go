package cri

import (
	"fmt"
	"strings"
	"time"
)

// Info is the metadata of one container (or pod sandbox). The package doc
// lists the Falco field each value answers.
type Info struct {
	ID              string            // full id (64 hex digits for CRI; any string for containerd)
	Name            string            // container name (CRI metadata name; the id for containerd)
	Image           string            // image as the container was created from it ("repo:tag")
	ImageRepository string            // Image without tag and digest
	ImageTag        string            // tag ("latest" when the image names neither tag nor digest)
	ImageDigest     string            // "sha256:..." of the image manifest, when known
	ImageID         string            // image (config) id without "sha256:", when known
	Labels          map[string]string // container labels
	Privileged      bool              // runs privileged
	Mounts          []Mount           // mounts, in the runtime's order
	PodName         string            // Kubernetes pod name
	PodNamespace    string            // Kubernetes namespace
	PodUID          string            // Kubernetes pod uid
	PodLabels       map[string]string // labels of the pod sandbox
	PodIP           string            // pod IP ("" for host network or unknown)
	SandboxID       string            // full id of the pod sandbox
	Type            string            // runtime: "containerd", "cri-o", "docker", ...
	CreatedAt       time.Time         // creation time
	IsSandbox       bool              // the entry is a pod sandbox (pause container)
	Source          string            // where it came from: "cri:SOCKET" or "containerd:SOCKET#NAMESPACE"

	// partial marks an entry made from a listing, whose details (mounts,
	// privileged, image id, pod IP) are still being fetched.
	partial bool
}

// Mount is one mount of a container.
type Mount struct {
	Source      string // host path
	Dest        string // path in the container
	Mode        string // SELinux relabel mode ("" when none)
	RW          bool   // writable
	Propagation string // "private", "rslave", "rshared"
}

// String renders a mount as Falco's container.mounts entries:
// "source:dest:mode:rdwr:propagation".
func (m Mount) String() string {
	return fmt.Sprintf("%s:%s:%s:%t:%s", m.Source, m.Dest, m.Mode, m.RW, m.Propagation)
}

// MountsString renders all mounts space-separated, as container.mounts.
func (i *Info) MountsString() string {
	parts := make([]string, len(i.Mounts))
	for k, m := range i.Mounts {
		parts[k] = m.String()
	}
	return strings.Join(parts, " ")
}

// ShortID returns the 12-character id Falco's container.id holds.
func (i *Info) ShortID() string { return shortID(i.ID) }

// shortID returns the first 12 characters of an id.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// splitImage splits an image reference "host:port/path/name:tag@sha256:d"
// into repository, tag and digest. A reference with neither tag nor digest
// gets the tag "latest", as container runtimes resolve it.
func splitImage(ref string) (repo, tag, digest string) {
	repo = ref
	if i := strings.IndexByte(repo, '@'); i >= 0 {
		repo, digest = repo[:i], repo[i+1:]
	}
	if i := strings.LastIndexByte(repo, ':'); i >= 0 && !strings.Contains(repo[i:], "/") {
		repo, tag = repo[:i], repo[i+1:]
	}
	if tag == "" && digest == "" && repo != "" {
		tag = "latest"
	}
	return repo, tag, digest
}

// isDigestRef reports whether an image reference is only an id
// ("sha256:...").
func isDigestRef(ref string) bool { return strings.HasPrefix(ref, "sha256:") }

// isHex reports whether s is non-empty lowercase hex.
func isHex(s string) bool {
	if s == "" {
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

// Kubernetes labels the kubelet puts on CRI containers and sandboxes.
const (
	labelPodName      = "io.kubernetes.pod.name"
	labelPodNamespace = "io.kubernetes.pod.namespace"
	labelPodUID       = "io.kubernetes.pod.uid"
	labelContainer    = "io.kubernetes.container.name"
)
