package syscall

import "testing"

func TestContainerID(t *testing.T) {
	id := "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"
	for _, c := range []struct {
		cgroups     []string
		id, runtime string
	}{
		{[]string{"cpuset=/docker/" + id}, id, "docker"},
		{[]string{"0::/system.slice/docker-" + id + ".scope"}, id, "docker"},
		{[]string{"cpu=/k8s.io/" + id}, id, "containerd"},
		{[]string{"0::/default/" + id}, id, "containerd"},
		{[]string{"memory=/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/cri-containerd-" + id + ".scope"}, id, "containerd"},
		{[]string{"memory=/kubepods/besteffort/pod0f3c/" + id}, id, "containerd"},
		{[]string{"0::/machine.slice/libpod-" + id + ".scope"}, id, "podman"},
		{[]string{"0::/kubepods.slice/crio-" + id + ".scope"}, id, "cri-o"},
		{[]string{"cpuset=/user.slice/user-1000.slice/session-1.scope"}, "", ""},
		{[]string{"cpuset=/docker/short"}, "", ""},
		{nil, "", ""},
	} {
		gotID, gotRT := ContainerID(c.cgroups)
		if gotID != c.id || gotRT != c.runtime {
			t.Errorf("%v: got %q %q, want %q %q", c.cgroups, gotID, gotRT, c.id, c.runtime)
		}
	}
}
