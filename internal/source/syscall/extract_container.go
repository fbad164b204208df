package syscall

import (
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/field"
)

// containerExtractors are the container.* and k8s.* fields read from the
// runtime metadata (State.Containers). Host processes are named "host";
// containers whose metadata is not known (yet) have these fields missing.
func containerExtractors(m map[string]fieldFn) {
	m["container.name"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Thread != nil && e.Thread.ContainerID == "" {
			return e.str(dst, "host"), true
		}
		if c := e.container(); c != nil && c.Name != "" {
			return e.str(dst, c.Name), true
		}
		return dst, false
	}
	meta := func(get func(*ContainerMeta) string) fieldFn {
		return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			if c := e.container(); c != nil {
				if v := get(c); v != "" {
					return e.str(dst, v), true
				}
			}
			return dst, false
		}
	}
	flag := func(get func(*ContainerMeta) bool) fieldFn {
		return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			if c := e.container(); c != nil {
				return boolean(dst, get(c)), true
			}
			return dst, false
		}
	}
	m["container.image"] = meta(func(c *ContainerMeta) string { return c.Image })
	m["container.image.repository"] = meta(func(c *ContainerMeta) string { return c.Repository })
	m["container.image.tag"] = meta(func(c *ContainerMeta) string { return c.Tag })
	m["container.image.id"] = meta(func(c *ContainerMeta) string { return c.ImageID })
	m["container.image.digest"] = meta(func(c *ContainerMeta) string { return c.Digest })
	m["container.ip"] = meta(func(c *ContainerMeta) string { return c.IP })
	m["container.privileged"] = flag(func(c *ContainerMeta) bool { return c.Privileged })
	m["container.host_pid"] = flag(func(c *ContainerMeta) bool { return c.HostPID })
	m["container.host_network"] = flag(func(c *ContainerMeta) bool { return c.HostNetwork })
	m["container.host_ipc"] = flag(func(c *ContainerMeta) bool { return c.HostIPC })
	m["container.start_ts"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if c := e.container(); c != nil && c.StartTS > 0 {
			return append(dst, field.Value{N: uint64(c.StartTS)}), true
		}
		return dst, false
	}
	m["container.duration"] = func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if c := e.container(); c != nil && c.StartTS > 0 && e.TS >= c.StartTS {
			return append(dst, field.Value{N: uint64(e.TS - c.StartTS)}), true
		}
		return dst, false
	}
	m["container.label"] = func(e *Event, dst []field.Value, arg string, _ bool) ([]field.Value, bool) {
		if c := e.container(); c != nil {
			if v, ok := c.Labels[arg]; ok {
				return e.str(dst, v), true
			}
		}
		return dst, false
	}
	m["container.labels"] = meta(func(c *ContainerMeta) string { return joinLabels(c.Labels) })
	m["container.mounts"] = meta(func(c *ContainerMeta) string {
		parts := make([]string, len(c.Mounts))
		for i, mt := range c.Mounts {
			parts[i] = mountText(mt)
		}
		return strings.Join(parts, ",")
	})
	m["container.mount"] = mountField(func(mt Mount) string { return mountText(mt) }, true)
	m["container.mount.dest"] = mountField(func(mt Mount) string { return mt.Dest }, true)
	m["container.mount.source"] = mountField(func(mt Mount) string { return mt.Source }, false)
	m["container.mount.mode"] = mountField(func(mt Mount) string { return mt.Mode }, true)
	m["container.mount.rdwr"] = mountField(func(mt Mount) string { return strconv.FormatBool(mt.RW) }, true)
	m["container.mount.propagation"] = mountField(func(mt Mount) string { return mt.Propagation }, true)
	m["k8s.pod.name"] = meta(func(c *ContainerMeta) string { return c.PodName })
	m["k8s.ns.name"] = meta(func(c *ContainerMeta) string { return c.PodNamespace })
	m["k8s.pod.uid"] = meta(func(c *ContainerMeta) string { return c.PodUID })
	m["k8s.pod.id"] = meta(func(c *ContainerMeta) string { return c.PodUID })
	m["k8s.pod.full_sandbox_id"] = meta(func(c *ContainerMeta) string { return c.PodSandboxID })
	m["k8s.pod.sandbox_id"] = meta(func(c *ContainerMeta) string {
		if len(c.PodSandboxID) > 12 {
			return c.PodSandboxID[:12]
		}
		return c.PodSandboxID
	})
	m["k8s.pod.ip"] = meta(func(c *ContainerMeta) string {
		if c.PodName == "" {
			return ""
		}
		return c.IP
	})
	m["k8s.pod.label"] = func(e *Event, dst []field.Value, arg string, _ bool) ([]field.Value, bool) {
		if c := e.container(); c != nil {
			if v, ok := c.PodLabels[arg]; ok {
				return e.str(dst, v), true
			}
		}
		return dst, false
	}
	m["k8s.pod.labels"] = meta(func(c *ContainerMeta) string { return joinLabels(c.PodLabels) })
}

// container returns the runtime metadata of the event's container.
func (e *Event) container() *ContainerMeta {
	if e.Thread == nil || e.Thread.ContainerID == "" || e.State.Containers == nil {
		return nil
	}
	c, ok := e.State.Containers.Container(e.Thread.ContainerID)
	if !ok {
		return nil
	}
	return c
}

// mountText renders a mount as container.mounts lists it.
func mountText(m Mount) string {
	return m.Source + ":" + m.Dest + ":" + m.Mode + ":" + strconv.FormatBool(m.RW) + ":" + m.Propagation
}

// mountField selects one mount by index or by path glob: the source path
// for the destination-side fields (bySource), the destination otherwise.
func mountField(get func(Mount) string, bySource bool) fieldFn {
	return func(e *Event, dst []field.Value, arg string, _ bool) ([]field.Value, bool) {
		c := e.container()
		if c == nil {
			return dst, false
		}
		if i, err := strconv.Atoi(arg); err == nil {
			if i < 0 || i >= len(c.Mounts) {
				return dst, false
			}
			return e.str(dst, get(c.Mounts[i])), true
		}
		for _, mt := range c.Mounts {
			key := mt.Dest
			if bySource {
				key = mt.Source
			}
			if ok, _ := path.Match(arg, key); ok {
				return e.str(dst, get(mt)), true
			}
		}
		return dst, false
	}
}

// joinLabels renders labels as "k:v, k2:v2", sorted by key.
func joinLabels(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ":" + l[k]
	}
	return strings.Join(parts, ", ")
}
