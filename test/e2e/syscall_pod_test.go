package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtime "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/peregrine-sec/peregrine/internal/testutil"
)

// podAgentConfig adds the container and Kubernetes fields to every syscall
// alert, as Falco users do with append_output.
const podAgentConfig = `append_output:
  - match:
      source: syscall
    extra_output: "container_id=%container.id container_name=%container.name image=%container.image.repository pod=%k8s.pod.name ns=%k8s.ns.name pod_uid=%k8s.pod.uid pod_ip=%k8s.pod.ip container_ip=%container.ip app=%k8s.pod.label[app]"
`

// TestSyscallInCRIPod runs a pod the way the kubelet does (CRI
// RunPodSandbox with its own network from the CNI bridge, then
// CreateContainer with the kubelet's labels) and reads /etc/shadow in its
// container through CRI exec; the upstream rule's alert must carry the
// container's name and image and the pod's name, namespace, uid, label and
// IP, all from the CRI socket.
func TestSyscallInCRIPod(t *testing.T) {
	image, work, bin, _, _ := prepareSyscallE2E(t)
	if _, err := os.Stat("/usr/lib/cni/bridge"); err != nil {
		t.Skip("no CNI plugins (scripts/containers.sh installs containernetworking-plugins)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	conn, err := grpc.NewClient("unix:///run/containerd/containerd.sock", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rt := runtime.NewRuntimeServiceClient(conn)

	m := marker()
	pod, ns, uid := "web-"+m, "shop", "uid-"+m
	podCfg := &runtime.PodSandboxConfig{
		Metadata:     &runtime.PodSandboxMetadata{Name: pod, Namespace: ns, Uid: uid},
		Hostname:     pod,
		LogDirectory: t.TempDir(),
		Labels:       map[string]string{"app": "storefront"},
		Linux:        &runtime.LinuxPodSandboxConfig{},
	}
	sb, err := rt.RunPodSandbox(ctx, &runtime.RunPodSandboxRequest{Config: podCfg})
	if err != nil {
		t.Fatalf("RunPodSandbox (pod network from CNI): %v", err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		rt.StopPodSandbox(c, &runtime.StopPodSandboxRequest{PodSandboxId: sb.PodSandboxId})
		rt.RemovePodSandbox(c, &runtime.RemovePodSandboxRequest{PodSandboxId: sb.PodSandboxId})
	})
	st, err := rt.PodSandboxStatus(ctx, &runtime.PodSandboxStatusRequest{PodSandboxId: sb.PodSandboxId})
	if err != nil {
		t.Fatal(err)
	}
	podIP := st.GetStatus().GetNetwork().GetIp()
	if podIP == "" {
		t.Fatalf("the pod has no IP: %+v", st.GetStatus().GetNetwork())
	}
	ctrCfg := &runtime.ContainerConfig{
		Metadata: &runtime.ContainerMetadata{Name: "frontend"},
		Image:    &runtime.ImageSpec{Image: image},
		Command:  []string{"/bin/sleep", "3600"},
		Labels: map[string]string{"io.kubernetes.pod.name": pod, "io.kubernetes.pod.namespace": ns,
			"io.kubernetes.pod.uid": uid, "io.kubernetes.container.name": "frontend"},
		LogPath: "frontend.log",
	}
	cr, err := rt.CreateContainer(ctx, &runtime.CreateContainerRequest{PodSandboxId: sb.PodSandboxId, Config: ctrCfg, SandboxConfig: podCfg})
	if err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	if _, err := rt.StartContainer(ctx, &runtime.StartContainerRequest{ContainerId: cr.ContainerId}); err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		rt.StopContainer(c, &runtime.StopContainerRequest{ContainerId: cr.ContainerId, Timeout: 1})
		rt.RemoveContainer(c, &runtime.RemoveContainerRequest{ContainerId: cr.ContainerId})
	})
	execIn := func(cmd ...string) int32 {
		res, err := rt.ExecSync(ctx, &runtime.ExecSyncRequest{ContainerId: cr.ContainerId, Cmd: cmd, Timeout: 10})
		if err != nil {
			t.Fatalf("ExecSync %v: %v", cmd, err)
		}
		return res.ExitCode
	}
	if code := execIn("/bin/sh", "-c", "echo 'root:*:19000:0:99999:7:::' > /etc/shadow"); code != 0 {
		t.Fatalf("writing the container's /etc/shadow: exit %d", code)
	}

	upstream := filepath.Join(testutil.SharedDir(t), "compat", "rules", "upstream", "falco_rules.yaml")
	a := startSyscallAgentWith(t, bin, work, podAgentConfig, nil, upstream)
	waitCapturing(t, a)

	w := want{rule: "Read sensitive file untrusted",
		fields: fm("container.id", cr.ContainerId[:12], "container.name", "frontend", "container.image.repository", "peregrine.local/busybox",
			"k8s.pod.name", pod, "k8s.ns.name", ns, "k8s.pod.uid", uid, "k8s.pod.ip", podIP, "container.ip", podIP,
			"k8s.pod.label[app]", "storefront", "fd.name", "/etc/shadow"),
		contains: fm("proc.cmdline", m)}
	execIn("grep", "-c", m, "/etc/shadow") // no line matches: exit 1
	al, near := a.await(w, m, 10*time.Second)
	if al == nil {
		t.Fatalf("%q not raised as wanted: %s", w.rule, near)
	}
	t.Logf("alert: %s", al.Output)
}
