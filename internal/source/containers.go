package source

import (
	"github.com/peregrine-sec/peregrine/internal/source/cri"
	"github.com/peregrine-sec/peregrine/internal/source/syscall"
)

// runtimeContainers gives the syscall source the container metadata the
// runtimes report (through the CRI and containerd caches), converted once
// per container version. It is used from the one goroutine that evaluates
// syscall events.
type runtimeContainers struct {
	cache *cri.Cache
	conv  map[*cri.Info]*syscall.ContainerMeta
}

func newRuntimeContainers(c *cri.Cache) *runtimeContainers {
	return &runtimeContainers{cache: c, conv: map[*cri.Info]*syscall.ContainerMeta{}}
}

// Container returns the metadata of a container by full id, or false while
// it is unknown (a fetch is then under way).
func (r *runtimeContainers) Container(id string) (*syscall.ContainerMeta, bool) {
	info, st := r.cache.Lookup(id)
	if st != cri.Found || info == nil {
		return nil, false
	}
	if m, ok := r.conv[info]; ok {
		return m, true
	}
	if len(r.conv) > 4096 { // entries of replaced or removed containers
		clear(r.conv)
	}
	m := &syscall.ContainerMeta{Name: info.Name, Image: info.Image, Repository: info.ImageRepository,
		Tag: info.ImageTag, ImageID: info.ImageID, Digest: info.ImageDigest, Type: info.Type,
		Privileged: info.Privileged, Labels: info.Labels, IP: info.PodIP, PodName: info.PodName,
		PodNamespace: info.PodNamespace, PodUID: info.PodUID, PodSandboxID: info.SandboxID, PodLabels: info.PodLabels}
	if !info.CreatedAt.IsZero() {
		m.StartTS = info.CreatedAt.UnixNano()
	}
	for _, mt := range info.Mounts {
		m.Mounts = append(m.Mounts, syscall.Mount{Source: mt.Source, Dest: mt.Dest, Mode: mt.Mode, RW: mt.RW,
			Propagation: mt.Propagation})
	}
	r.conv[info] = m
	return m, true
}
