package cri

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtime "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// containerEnv is what scripts/containers.sh reports.
type containerEnv struct {
	sock, rootfs, pauseImage, busyboxImage string
}

// setupContainers runs scripts/containers.sh (idempotent; installs and
// starts containerd when needed) or skips the test when it cannot.
// PEREGRINE_CONTAINERS=0 skips without trying.
func setupContainers(t *testing.T) containerEnv {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("real containers need root")
	}
	if os.Getenv("PEREGRINE_CONTAINERS") == "0" {
		t.Skip("PEREGRINE_CONTAINERS=0")
	}
	script, err := filepath.Abs("../../../scripts/containers.sh")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("containerd cannot be set up here (%v): %s", err, stderr.String())
	}
	env := containerEnv{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "CONTAINERD_SOCK":
			env.sock = v
		case "BUSYBOX_ROOTFS":
			env.rootfs = v
		case "PAUSE_IMAGE":
			env.pauseImage = v
		case "BUSYBOX_IMAGE":
			env.busyboxImage = v
		}
	}
	if env.sock == "" || env.busyboxImage == "" {
		t.Skipf("scripts/containers.sh printed no socket or image: %s", out)
	}
	return env
}

// criClient dials a CRI socket for the test's own calls.
func criClient(t *testing.T, sock string) runtime.RuntimeServiceClient {
	t.Helper()
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return runtime.NewRuntimeServiceClient(conn)
}

// waitFound polls a lookup until Found or the deadline, returning the
// info and the time it took.
func waitFound(t *testing.T, c *Cache, id string) (*Info, time.Duration) {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 20*time.Second {
		if info, st := c.Lookup(id); st == Found {
			return info, time.Since(start)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s not found within 20s; stats %+v", id, c.Stats())
	return nil, 0
}

func TestRealCRIPodAndContainer(t *testing.T) {
	env := setupContainers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rt := criClient(t, env.sock)

	suffix := fmt.Sprint(time.Now().UnixNano())
	podName, podNS, podUID := "peregrine-test-"+suffix, "peregrine-ns", "uid-"+suffix
	podCfg := &runtime.PodSandboxConfig{
		Metadata:     &runtime.PodSandboxMetadata{Name: podName, Namespace: podNS, Uid: podUID},
		LogDirectory: t.TempDir(),
		Labels:       map[string]string{"app": "peregrine-test", "tier": "backend"},
		Linux: &runtime.LinuxPodSandboxConfig{SecurityContext: &runtime.LinuxSandboxSecurityContext{
			NamespaceOptions: &runtime.NamespaceOption{Network: runtime.NamespaceMode_NODE}}},
	}
	sb, err := rt.RunPodSandbox(ctx, &runtime.RunPodSandboxRequest{Config: podCfg})
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	sandboxID := sb.PodSandboxId
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		rt.StopPodSandbox(c, &runtime.StopPodSandboxRequest{PodSandboxId: sandboxID})
		rt.RemovePodSandbox(c, &runtime.RemovePodSandboxRequest{PodSandboxId: sandboxID})
	})
	ctrCfg := &runtime.ContainerConfig{
		Metadata: &runtime.ContainerMetadata{Name: "sleeper"},
		Image:    &runtime.ImageSpec{Image: env.busyboxImage},
		Command:  []string{"/bin/sleep", "3600"},
		Labels: map[string]string{"peregrine.test": "yes", labelPodName: podName,
			labelPodNamespace: podNS, labelPodUID: podUID, labelContainer: "sleeper"},
		Mounts:  []*runtime.Mount{{ContainerPath: "/data", HostPath: t.TempDir(), Readonly: true}},
		LogPath: "sleeper.log",
	}
	cr, err := rt.CreateContainer(ctx, &runtime.CreateContainerRequest{PodSandboxId: sandboxID, Config: ctrCfg, SandboxConfig: podCfg})
	if err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	id := cr.ContainerId
	removed := false
	t.Cleanup(func() {
		if !removed {
			c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			rt.RemoveContainer(c, &runtime.RemoveContainerRequest{ContainerId: id})
		}
	})
	if _, err := rt.StartContainer(ctx, &runtime.StartContainerRequest{ContainerId: id}); err != nil {
		t.Fatalf("StartContainer: %v", err)
	}

	// A long refresh interval: the container must be found through the
	// lookup-triggered fetch, not the listing.
	c := New(Options{CRISockets: []string{env.sock}, ContainerdSocket: env.sock, RefreshInterval: time.Hour})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	defer func() { stop(); <-done }()

	// The first lookup of a container created after the start answers at
	// once, pending.
	if info, st := c.Lookup(id); st == Found && info.Name != "sleeper" {
		t.Errorf("first lookup = %v %+v", st, info)
	}
	info, took := waitFound(t, c, id)
	t.Logf("found %s after %v: %+v", id[:12], took, info)
	checks := []struct{ name, got, want string }{
		{"name", info.Name, "sleeper"},
		{"image", info.Image, env.busyboxImage},
		{"image repository", info.ImageRepository, strings.Split(env.busyboxImage, ":")[0]},
		{"image tag", info.ImageTag, "1"},
		{"pod name", info.PodName, podName},
		{"pod namespace", info.PodNamespace, podNS},
		{"pod uid", info.PodUID, podUID},
		{"sandbox id", info.SandboxID, sandboxID},
		{"type", info.Type, "containerd"},
		{"label", info.Labels["peregrine.test"], "yes"},
		{"pod label", info.PodLabels["tier"], "backend"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if info.ImageID == "" || info.CreatedAt.IsZero() || info.IsSandbox || info.Privileged {
		t.Errorf("image id %q created %v sandbox %v privileged %v", info.ImageID, info.CreatedAt, info.IsSandbox, info.Privileged)
	}
	if !strings.Contains(info.MountsString(), ":/data::false:private") {
		t.Errorf("mounts = %q, want the read-only /data", info.MountsString())
	}
	// By short id, measuring a cached lookup.
	short, st := c.Lookup(id[:12])
	if st != Found || short != info {
		t.Errorf("short id lookup = %v %+v", st, short)
	}
	start := time.Now()
	const n = 100000
	for i := 0; i < n; i++ {
		c.Lookup(id[:12])
	}
	t.Logf("cached lookup: %v", time.Since(start)/n)
	// The sandbox.
	pod, _ := waitFound(t, c, sandboxID)
	if !pod.IsSandbox || pod.PodName != podName || pod.PodUID != podUID || pod.Image != env.pauseImage {
		t.Errorf("sandbox = %+v", pod)
	}

	// A removed container disappears at the next listing.
	if _, err := rt.StopContainer(ctx, &runtime.StopContainerRequest{ContainerId: id, Timeout: 1}); err != nil {
		t.Fatalf("StopContainer: %v", err)
	}
	if _, err := rt.RemoveContainer(ctx, &runtime.RemoveContainerRequest{ContainerId: id}); err != nil {
		t.Fatalf("RemoveContainer: %v", err)
	}
	removed = true
	c.Refresh(ctx)
	if _, st := c.Lookup(id); st == Found {
		t.Fatal("removed container still found after a refresh")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, st := c.Lookup(id)
		if st == NotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("removed container: lookup %v, want NotFound; stats %+v", st, c.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s := c.Stats(); s.Evicted == 0 {
		t.Errorf("stats = %+v, want an eviction", s)
	}
}

// ctrRunFound runs "ctr -n NS run -d ARGS... ID /bin/sleep 60", removes it
// at the end of the test, and returns what a running cache finds for it.
func ctrRunFound(t *testing.T, env containerEnv, ns, prefix string, args ...string) (*Info, string) {
	t.Helper()
	id := fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
	ctr := func(args ...string) ([]byte, error) {
		return exec.Command("ctr", append([]string{"--address", env.sock, "-n", ns}, args...)...).CombinedOutput()
	}
	run := append(append([]string{"run", "-d"}, args...), id, "/bin/sleep", "60")
	if out, err := ctr(run...); err != nil {
		t.Fatalf("ctr run: %v: %s", err, out)
	}
	t.Cleanup(func() {
		ctr("task", "kill", "-s", "SIGKILL", id)
		for i := 0; i < 50; i++ {
			if _, err := ctr("task", "delete", id); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		ctr("container", "delete", id)
		ctr("snapshot", "rm", id)
	})
	c := New(Options{CRISockets: []string{env.sock}, ContainerdSocket: env.sock, RefreshInterval: time.Hour})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	info, took := waitFound(t, c, id)
	t.Logf("found %s after %v: %+v", id, took, info)
	return info, id
}

func TestRealCtrContainer(t *testing.T) {
	env := setupContainers(t)
	info, id := ctrRunFound(t, env, "default", "peregrine-ctr", "--label", "peregrine.test=ctr", "--rootfs", env.rootfs)
	if info.Name != id || info.Type != "containerd" || info.Labels["peregrine.test"] != "ctr" ||
		info.Source != "containerd:"+env.sock+"#default" || info.CreatedAt.IsZero() || len(info.Mounts) == 0 {
		t.Errorf("ctr container = %+v", info)
	}
}

// TestRealCtrContainerInCRINamespace: a container created in CRI's
// namespace without CRI ("ctr -n k8s.io run --privileged") is unknown to
// CRI and found through containerd's own API, privileged flag included.
func TestRealCtrContainerInCRINamespace(t *testing.T) {
	env := setupContainers(t)
	info, _ := ctrRunFound(t, env, criNamespace, "peregrine-ctr-k8s", "--privileged", env.busyboxImage)
	if info.Source != "containerd:"+env.sock+"#"+criNamespace || !info.Privileged || info.Image == "" {
		t.Errorf("ctr container in %s = %+v", criNamespace, info)
	}
}
