package cri

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	containers "github.com/containerd/containerd/api/services/containers/v1"
	images "github.com/containerd/containerd/api/services/images/v1"
	namespaces "github.com/containerd/containerd/api/services/namespaces/v1"
	"google.golang.org/grpc/metadata"
)

// criNamespace is the containerd namespace of CRI containers; the CRI
// backend describes those better.
const criNamespace = "k8s.io"

// containerdBackend asks containerd's own API for containers that CRI does
// not show (those of "ctr run", nerdctl, Docker's "moby" namespace, and
// those created in CRI's namespace without CRI).
type containerdBackend struct {
	e *endpoint
}

func (b *containerdBackend) name() string  { return b.e.name() }
func (b *containerdBackend) ep() *endpoint { return b.e }

// nsContext adds containerd's namespace header to a context.
func nsContext(ctx context.Context, ns string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "containerd-namespace", ns)
}

// namespaces lists the namespaces other than CRI's.
func (b *containerdBackend) namespaces(ctx context.Context) ([]string, error) {
	conn, err := b.e.client()
	if err != nil {
		return nil, err
	}
	resp, err := namespaces.NewNamespacesClient(conn).List(ctx, &namespaces.ListNamespacesRequest{})
	b.e.done(err)
	if err != nil {
		return nil, fmt.Errorf("listing containerd namespaces on %s: %w", b.e.path, err)
	}
	var out []string
	for _, ns := range resp.Namespaces {
		if ns.Name != criNamespace {
			out = append(out, ns.Name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// list lists the containers of every namespace but CRI's.
func (b *containerdBackend) list(ctx context.Context) ([]*Info, bool, error) {
	nss, err := b.namespaces(ctx)
	if err != nil {
		return nil, false, err
	}
	conn, err := b.e.client()
	if err != nil {
		return nil, false, err
	}
	cc := containers.NewContainersClient(conn)
	var out []*Info
	for _, ns := range nss {
		resp, err := cc.List(nsContext(ctx, ns), &containers.ListContainersRequest{})
		b.e.done(err)
		if err != nil {
			return nil, false, fmt.Errorf("listing containers of namespace %s on %s: %w", ns, b.e.path, err)
		}
		for _, c := range resp.Containers {
			info := b.info(ns, c)
			info.partial = true // the image digest comes with the details
			out = append(out, info)
		}
	}
	return out, true, nil
}

// get finds a container by id in the namespaces other than CRI's, then in
// CRI's: the CRI backends, asked first, describe the CRI containers there,
// so what is left are containers created in it without CRI ("ctr -n k8s.io
// run"), and CRI containers while no CRI socket answers.
func (b *containerdBackend) get(ctx context.Context, id string) (*Info, error) {
	nss, err := b.namespaces(ctx)
	if err != nil {
		return nil, err
	}
	nss = append(nss, criNamespace)
	conn, err := b.e.client()
	if err != nil {
		return nil, err
	}
	cc := containers.NewContainersClient(conn)
	for _, ns := range nss {
		resp, err := cc.Get(nsContext(ctx, ns), &containers.GetContainerRequest{ID: id})
		b.e.done(err)
		if notFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("getting container %s of namespace %s on %s: %w", id, ns, b.e.path, err)
		}
		info := b.info(ns, resp.Container)
		b.imageDigest(ctx, ns, info)
		return info, nil
	}
	return nil, nil
}

// info converts a containerd container.
func (b *containerdBackend) info(ns string, c *containers.Container) *Info {
	info := &Info{ID: c.ID, Name: c.ID, Labels: c.Labels, Type: "containerd", Source: b.name() + "#" + ns}
	if ns == "moby" {
		info.Type = "docker"
	}
	if c.CreatedAt != nil {
		info.CreatedAt = c.CreatedAt.AsTime()
	}
	if c.Image != "" {
		info.setImage(c.Image)
	}
	if c.Spec != nil {
		info.Mounts, info.Privileged = parseSpec(c.Spec.Value)
	}
	return info
}

// imageDigest fills the manifest digest of the container's image.
func (b *containerdBackend) imageDigest(ctx context.Context, ns string, info *Info) {
	if info.Image == "" {
		return
	}
	conn, err := b.e.client()
	if err != nil {
		return
	}
	resp, err := images.NewImagesClient(conn).Get(nsContext(ctx, ns), &images.GetImageRequest{Name: info.Image})
	b.e.done(err)
	if err == nil && resp.Image != nil && resp.Image.Target != nil && info.ImageDigest == "" {
		info.ImageDigest = resp.Image.Target.Digest
	}
}

// ociSpec is the part of an OCI runtime spec this package reads.
type ociSpec struct {
	Process struct {
		Capabilities struct {
			Bounding []string `json:"bounding"`
		} `json:"capabilities"`
	} `json:"process"`
	Mounts []struct {
		Destination string   `json:"destination"`
		Type        string   `json:"type"`
		Source      string   `json:"source"`
		Options     []string `json:"options"`
	} `json:"mounts"`
	Linux struct {
		MaskedPaths   []string `json:"maskedPaths"`
		ReadonlyPaths []string `json:"readonlyPaths"`
	} `json:"linux"`
}

// parseSpec reads the mounts of an OCI runtime spec (JSON) and whether it
// looks privileged: CAP_SYS_ADMIN in the bounding set and no masked or
// read-only /proc paths, as "ctr run --privileged" and Docker's
// --privileged make it.
func parseSpec(raw []byte) ([]Mount, bool) {
	var s ociSpec
	if json.Unmarshal(raw, &s) != nil {
		return nil, false
	}
	var mounts []Mount
	for _, m := range s.Mounts {
		mt := Mount{Source: m.Source, Dest: m.Destination, RW: true, Propagation: "private"}
		for _, o := range m.Options {
			switch o {
			case "ro":
				mt.RW = false
			case "rslave", "slave":
				mt.Propagation = "rslave"
			case "rshared", "shared":
				mt.Propagation = "rshared"
			case "z", "Z":
				mt.Mode = o
			}
		}
		mounts = append(mounts, mt)
	}
	priv := slices.Contains(s.Process.Capabilities.Bounding, "CAP_SYS_ADMIN") &&
		len(s.Linux.MaskedPaths) == 0 && len(s.Linux.ReadonlyPaths) == 0
	return mounts, priv
}
