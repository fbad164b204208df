package cri

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	runtime "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// backend is one source of container metadata.
type backend interface {
	// name identifies it ("cri:/run/containerd/containerd.sock").
	name() string
	// list returns every container it knows, with the fields a listing
	// gives. ok is false when it could not be asked (the entries it
	// listed before must then be kept).
	list(ctx context.Context) (infos []*Info, ok bool, err error)
	// get returns the full metadata of a container or sandbox by full id
	// or unique prefix; nil with a nil error when the runtime does not
	// know it.
	get(ctx context.Context, id string) (*Info, error)
	// ep is its connection.
	ep() *endpoint
}

// criBackend asks a CRI runtime service (containerd, CRI-O).
type criBackend struct {
	e *endpoint

	mu      sync.Mutex
	runtime string            // RuntimeName of Version, as container.type
	imageID map[string]string // image reference -> image id
}

func newCRIBackend(e *endpoint) *criBackend {
	return &criBackend{e: e, imageID: map[string]string{}}
}

func (b *criBackend) name() string  { return b.e.name() }
func (b *criBackend) ep() *endpoint { return b.e }
func (b *criBackend) rt() (runtime.RuntimeServiceClient, error) {
	conn, err := b.e.client()
	if err != nil {
		return nil, err
	}
	return runtime.NewRuntimeServiceClient(conn), nil
}

// runtimeType returns the container.type of this runtime, asking once.
func (b *criBackend) runtimeType(ctx context.Context, rt runtime.RuntimeServiceClient) string {
	b.mu.Lock()
	typ := b.runtime
	b.mu.Unlock()
	if typ != "" {
		return typ
	}
	v, err := rt.Version(ctx, &runtime.VersionRequest{})
	b.e.done(err)
	if err != nil {
		return "cri"
	}
	switch n := strings.ToLower(v.RuntimeName); {
	case strings.Contains(n, "containerd"):
		typ = "containerd"
	case strings.Contains(n, "cri-o"), strings.Contains(n, "crio"):
		typ = "cri-o"
	case strings.Contains(n, "docker"):
		typ = "docker"
	default:
		typ = n
	}
	b.mu.Lock()
	b.runtime = typ
	b.mu.Unlock()
	return typ
}

// list reads ListPodSandbox and ListContainers.
func (b *criBackend) list(ctx context.Context) ([]*Info, bool, error) {
	rt, err := b.rt()
	if err != nil {
		return nil, false, err
	}
	typ := b.runtimeType(ctx, rt)
	sbs, err := rt.ListPodSandbox(ctx, &runtime.ListPodSandboxRequest{})
	b.e.done(err)
	if err != nil {
		return nil, false, fmt.Errorf("listing pod sandboxes on %s: %w", b.e.path, err)
	}
	ctrs, err := rt.ListContainers(ctx, &runtime.ListContainersRequest{})
	b.e.done(err)
	if err != nil {
		return nil, false, fmt.Errorf("listing containers on %s: %w", b.e.path, err)
	}
	pods := make(map[string]*Info, len(sbs.Items))
	out := make([]*Info, 0, len(sbs.Items)+len(ctrs.Containers))
	for _, sb := range sbs.Items {
		info := b.sandboxInfo(typ, sb.Id, sb.Metadata, sb.Labels, sb.CreatedAt)
		info.partial = true
		pods[sb.Id] = info
		out = append(out, info)
	}
	for _, c := range ctrs.Containers {
		info := &Info{ID: c.Id, Labels: c.Labels, SandboxID: c.PodSandboxId, Type: typ,
			CreatedAt: time.Unix(0, c.CreatedAt), Source: b.name(), partial: true}
		if c.Metadata != nil {
			info.Name = c.Metadata.Name
		}
		if img := c.GetImage().GetImage(); img != "" && !isDigestRef(img) {
			info.setImage(img)
		}
		info.fillPod(pods[c.PodSandboxId])
		out = append(out, info)
	}
	return out, true, nil
}

// sandboxInfo makes the entry of a pod sandbox.
func (b *criBackend) sandboxInfo(typ, id string, md *runtime.PodSandboxMetadata, labels map[string]string, created int64) *Info {
	info := &Info{ID: id, SandboxID: id, IsSandbox: true, Type: typ, Labels: labels,
		PodLabels: labels, CreatedAt: time.Unix(0, created), Source: b.name()}
	if md != nil {
		info.Name, info.PodName, info.PodNamespace, info.PodUID = md.Name, md.Name, md.Namespace, md.Uid
	}
	return info
}

// fillPod copies the pod fields of a sandbox entry, falling back on the
// kubelet's labels on the container.
func (i *Info) fillPod(pod *Info) {
	if pod != nil {
		i.PodName, i.PodNamespace, i.PodUID = pod.PodName, pod.PodNamespace, pod.PodUID
		i.PodLabels, i.PodIP = pod.PodLabels, pod.PodIP
	}
	if i.PodName == "" {
		i.PodName = i.Labels[labelPodName]
	}
	if i.PodNamespace == "" {
		i.PodNamespace = i.Labels[labelPodNamespace]
	}
	if i.PodUID == "" {
		i.PodUID = i.Labels[labelPodUID]
	}
}

// setImage sets the image and its parts from a reference.
func (i *Info) setImage(ref string) {
	i.Image = ref
	i.ImageRepository, i.ImageTag, i.ImageDigest = splitImage(ref)
}

// get asks ContainerStatus, and PodSandboxStatus when the id is no
// container.
func (b *criBackend) get(ctx context.Context, id string) (*Info, error) {
	rt, err := b.rt()
	if err != nil {
		return nil, err
	}
	typ := b.runtimeType(ctx, rt)
	cs, err := rt.ContainerStatus(ctx, &runtime.ContainerStatusRequest{ContainerId: id, Verbose: true})
	b.e.done(err)
	if err == nil && cs.Status != nil {
		return b.containerInfo(ctx, rt, typ, cs), nil
	}
	if err != nil && !notFound(err) {
		return nil, fmt.Errorf("container status of %s on %s: %w", id, b.e.path, err)
	}
	sb, err := rt.PodSandboxStatus(ctx, &runtime.PodSandboxStatusRequest{PodSandboxId: id, Verbose: true})
	b.e.done(err)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pod sandbox status of %s on %s: %w", id, b.e.path, err)
	}
	if sb.Status == nil {
		return nil, nil
	}
	return b.podInfo(sb), nil
}

// podInfo makes the entry of a pod sandbox from its status.
func (b *criBackend) podInfo(sb *runtime.PodSandboxStatusResponse) *Info {
	st := sb.Status
	info := b.sandboxInfo(b.runtime, st.Id, st.Metadata, st.Labels, st.CreatedAt)
	if st.Network != nil {
		info.PodIP = st.Network.Ip
	}
	var v struct {
		Image  string `json:"image"`
		Config struct {
			Linux struct {
				SecurityContext struct {
					Privileged bool `json:"privileged"`
				} `json:"security_context"`
			} `json:"linux"`
		} `json:"config"`
		Privileged bool `json:"privileged"` // CRI-O
	}
	if raw := sb.Info["info"]; raw != "" && json.Unmarshal([]byte(raw), &v) == nil {
		if v.Image != "" {
			info.setImage(v.Image)
		}
		info.Privileged = v.Config.Linux.SecurityContext.Privileged || v.Privileged
	}
	return info
}

// verboseInfo is what the verbose ContainerStatus "info" JSON holds
// (containerd and CRI-O spell some fields differently).
type verboseInfo struct {
	SandboxID string `json:"sandboxID"`
	Config    struct {
		Image struct {
			Image string `json:"image"`
		} `json:"image"`
		Linux struct {
			SecurityContext struct {
				Privileged bool `json:"privileged"`
			} `json:"security_context"`
		} `json:"linux"`
	} `json:"config"`
	Privileged bool `json:"privileged"` // CRI-O
}

// containerInfo makes the entry of a container from its verbose status,
// its sandbox and its image.
func (b *criBackend) containerInfo(ctx context.Context, rt runtime.RuntimeServiceClient, typ string, cs *runtime.ContainerStatusResponse) *Info {
	st := cs.Status
	info := &Info{ID: st.Id, Labels: st.Labels, Type: typ, CreatedAt: time.Unix(0, st.CreatedAt), Source: b.name()}
	if st.Metadata != nil {
		info.Name = st.Metadata.Name
	}
	var v verboseInfo
	if raw := cs.Info["info"]; raw != "" {
		_ = json.Unmarshal([]byte(raw), &v) // best effort: fields stay empty
	}
	info.SandboxID = v.SandboxID
	info.Privileged = v.Config.Linux.SecurityContext.Privileged || v.Privileged

	// The image name: what the container was created with, unless that is
	// only an id.
	img := st.GetImage().GetImage()
	for _, alt := range []string{st.GetImage().GetUserSpecifiedImage(), v.Config.Image.Image, st.ImageRef} {
		if img != "" && !isDigestRef(img) {
			break
		}
		img = alt
	}
	info.setImage(img)
	if i := strings.IndexByte(st.ImageRef, '@'); i >= 0 && info.ImageDigest == "" {
		info.ImageDigest = st.ImageRef[i+1:]
	}
	switch {
	case st.ImageId != "":
		info.ImageID = strings.TrimPrefix(st.ImageId, "sha256:")
	case isDigestRef(st.ImageRef):
		info.ImageID = strings.TrimPrefix(st.ImageRef, "sha256:")
	default:
		info.ImageID = b.lookupImageID(ctx, st.ImageRef)
	}

	for _, m := range st.Mounts {
		mt := Mount{Source: m.HostPath, Dest: m.ContainerPath, RW: !m.Readonly, Propagation: "private"}
		if m.SelinuxRelabel {
			mt.Mode = "Z"
		}
		switch m.Propagation {
		case runtime.MountPropagation_PROPAGATION_HOST_TO_CONTAINER:
			mt.Propagation = "rslave"
		case runtime.MountPropagation_PROPAGATION_BIDIRECTIONAL:
			mt.Propagation = "rshared"
		}
		info.Mounts = append(info.Mounts, mt)
	}

	if info.SandboxID != "" {
		sb, err := rt.PodSandboxStatus(ctx, &runtime.PodSandboxStatusRequest{PodSandboxId: info.SandboxID})
		b.e.done(err)
		if err == nil && sb.Status != nil {
			info.fillPod(b.podInfo(sb))
		}
	}
	info.fillPod(nil)
	return info
}

// lookupImageID asks ImageStatus for the id of an image reference, once
// per reference.
func (b *criBackend) lookupImageID(ctx context.Context, ref string) string {
	if ref == "" {
		return ""
	}
	b.mu.Lock()
	id, ok := b.imageID[ref]
	b.mu.Unlock()
	if ok {
		return id
	}
	conn, err := b.e.client()
	if err != nil {
		return ""
	}
	is, err := runtime.NewImageServiceClient(conn).ImageStatus(ctx, &runtime.ImageStatusRequest{Image: &runtime.ImageSpec{Image: ref}})
	b.e.done(err)
	if err != nil || is.Image == nil {
		return ""
	}
	id = strings.TrimPrefix(is.Image.Id, "sha256:")
	b.mu.Lock()
	if len(b.imageID) > 4096 {
		clear(b.imageID)
	}
	b.imageID[ref] = id
	b.mu.Unlock()
	return id
}
