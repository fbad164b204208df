package syscall

// ContainerMeta is what the container runtime reports about a container:
// the values of the container.* and k8s.* fields.
type ContainerMeta struct {
	Name       string // container.name
	Image      string // container.image: repository:tag as the runtime names it
	Repository string // container.image.repository
	Tag        string // container.image.tag
	ImageID    string // container.image.id
	Digest     string // container.image.digest
	Type       string // container.type: containerd, cri-o, docker...
	Privileged bool   // container.privileged
	Mounts     []Mount
	Labels     map[string]string
	StartTS    int64  // container.start_ts: ns since the epoch, 0 unknown
	IP         string // container.ip
	// Kubernetes pod the container belongs to ("" outside Kubernetes).
	PodName      string
	PodNamespace string
	PodUID       string
	PodSandboxID string
	PodLabels    map[string]string
	HostNetwork  bool
	HostPID      bool
	HostIPC      bool
}

// Mount is one mount of a container.
type Mount struct {
	Source      string
	Dest        string
	Mode        string // mount options such as "ro" or "rw"
	RW          bool
	Propagation string
}

// ContainerLookup resolves container metadata by full container id. It
// must not block: metadata that is not known yet is simply missing.
type ContainerLookup interface {
	Container(id string) (*ContainerMeta, bool)
}
