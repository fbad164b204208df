package cri

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtime "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// fakeRuntime is a CRI runtime service that knows a fixed set of containers.
type fakeRuntime struct {
	runtime.UnimplementedRuntimeServiceServer
	ids []string
}

func (f *fakeRuntime) Version(context.Context, *runtime.VersionRequest) (*runtime.VersionResponse, error) {
	return &runtime.VersionResponse{RuntimeName: "cri-o", RuntimeVersion: "1.0"}, nil
}

func (f *fakeRuntime) ListPodSandbox(context.Context, *runtime.ListPodSandboxRequest) (*runtime.ListPodSandboxResponse, error) {
	return &runtime.ListPodSandboxResponse{}, nil
}

func (f *fakeRuntime) ListContainers(context.Context, *runtime.ListContainersRequest) (*runtime.ListContainersResponse, error) {
	resp := &runtime.ListContainersResponse{}
	for _, id := range f.ids {
		resp.Containers = append(resp.Containers, &runtime.Container{Id: id, Metadata: &runtime.ContainerMetadata{Name: "c-" + id[:4]},
			Image: &runtime.ImageSpec{Image: "quay.io/app/web:2.1"}, Labels: map[string]string{labelPodName: "web-0"}})
	}
	return resp, nil
}

func (f *fakeRuntime) ContainerStatus(_ context.Context, r *runtime.ContainerStatusRequest) (*runtime.ContainerStatusResponse, error) {
	for _, id := range f.ids {
		if strings.HasPrefix(id, r.ContainerId) {
			return &runtime.ContainerStatusResponse{
				Status: &runtime.ContainerStatus{Id: id, Metadata: &runtime.ContainerMetadata{Name: "c-" + id[:4]},
					Image: &runtime.ImageSpec{Image: "quay.io/app/web:2.1"}, ImageRef: "quay.io/app/web@sha256:abcd",
					ImageId: "sha256:1234", Labels: map[string]string{labelPodName: "web-0", labelPodNamespace: "prod"}},
				Info: map[string]string{"info": `{"privileged":true}`},
			}, nil
		}
	}
	return nil, status.Error(codes.NotFound, "no such container")
}

func (f *fakeRuntime) PodSandboxStatus(context.Context, *runtime.PodSandboxStatusRequest) (*runtime.PodSandboxStatusResponse, error) {
	return nil, status.Error(codes.NotFound, "no such sandbox")
}

// serve starts a fake runtime on a socket; stop ends it and removes the
// socket.
func serve(t *testing.T, sock string, ids ...string) (stop func()) {
	t.Helper()
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	runtime.RegisterRuntimeServiceServer(srv, &fakeRuntime{ids: ids})
	go srv.Serve(ln)
	var once sync.Once
	stop = func() { once.Do(srv.Stop) }
	t.Cleanup(stop)
	return stop
}

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

// eventually polls cond for up to 10s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSocketAbsentAppearsDies(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "cri.sock")
	logs := &logBuffer{}
	c := New(Options{CRISockets: []string{sock}, ContainerdSocket: "none",
		RefreshInterval: 30 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		CallTimeout: 300 * time.Millisecond, NegativeTTL: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()

	idA := strings.Repeat("a", 64)
	idB := strings.Repeat("b", 64)
	maxLookup := time.Duration(0)
	lookup := func(id string) (*Info, Status) {
		start := time.Now()
		info, st := c.Lookup(id)
		maxLookup = max(maxLookup, time.Since(start))
		return info, st
	}

	// 1. No socket: lookups answer at once and stay pending; failures are
	// counted and logged once.
	for i := 0; i < 20; i++ {
		if _, st := lookup(idA); st == Found {
			t.Fatal("found without a runtime")
		}
		time.Sleep(5 * time.Millisecond)
	}
	eventually(t, "failures counted", func() bool { return c.Stats().Runtimes[0].Failures >= 3 })
	if n := logs.count("container runtime unavailable"); n != 1 {
		t.Errorf("logged the absent socket %d times, want once:\n%s", n, logs.b.String())
	}

	// 2. The socket appears: the container is learned.
	stop := serve(t, sock, idA)
	eventually(t, "container A found", func() bool { _, st := lookup(idA); return st == Found })
	info, _ := lookup(idA[:12])
	if info == nil || info.Type != "cri-o" || info.PodName != "web-0" || info.ImageRepository != "quay.io/app/web" ||
		info.ImageTag != "2.1" || info.ImageDigest != "sha256:abcd" {
		t.Errorf("info = %+v", info)
	}
	eventually(t, "details fetched", func() bool { i, _ := lookup(idA); return i.Privileged && i.ImageID == "1234" })
	if !c.Stats().Runtimes[0].Up || logs.count("container runtime connected") != 1 {
		t.Errorf("after the socket appeared: stats %+v, logs:\n%s", c.Stats(), logs.b.String())
	}

	// 3. The runtime dies: known containers stay, new ids stay pending, the
	// loss is logged once.
	stop()
	eventually(t, "runtime down", func() bool { return !c.Stats().Runtimes[0].Up })
	for i := 0; i < 20; i++ {
		if _, st := lookup(idA); st != Found {
			t.Fatal("a known container was dropped while the runtime was down")
		}
		if _, st := lookup(idB); st == Found {
			t.Fatal("unknown container found while the runtime was down")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := logs.count("connection lost"); n != 1 {
		t.Errorf("logged the lost connection %d times, want once:\n%s", n, logs.b.String())
	}

	// 4. A runtime that accepts connections but never answers: lookups still
	// do not wait.
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	for i := 0; i < 20; i++ {
		lookup(idB)
		time.Sleep(5 * time.Millisecond)
	}
	ln.Close()

	// 5. It comes back with B instead of A: B is learned, A evicted.
	serve(t, sock, idB)
	eventually(t, "container B found", func() bool { _, st := lookup(idB); return st == Found })
	eventually(t, "container A evicted", func() bool { _, st := lookup(idA); return st != Found })
	if maxLookup > 50*time.Millisecond {
		t.Errorf("slowest lookup took %v: lookups must not wait for the runtime", maxLookup)
	}
	t.Logf("slowest lookup %v; stats %+v", maxLookup, c.Stats())
}

func TestNegativeCacheAndDedup(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "cri.sock")
	serve(t, sock)
	c := New(Options{CRISockets: []string{sock}, ContainerdSocket: "none", RefreshInterval: time.Hour,
		NegativeTTL: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	id := strings.Repeat("c", 64)
	for i := 0; i < 100; i++ {
		c.Lookup(id) // before Run: queued once
	}
	if got := len(c.queue); got != 1 {
		t.Fatalf("%d fetches queued for one id, want 1", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	eventually(t, "negative entry", func() bool { _, st := c.Lookup(id); return st == NotFound })
	if s := c.Stats(); s.Fetches != 1 || s.NegativeHits == 0 {
		t.Errorf("stats = %+v, want one fetch and negative hits", s)
	}
}

func TestSplitImage(t *testing.T) {
	for _, c := range []struct{ ref, repo, tag, digest string }{
		{"nginx", "nginx", "latest", ""},
		{"docker.io/library/nginx:1.25", "docker.io/library/nginx", "1.25", ""},
		{"localhost:5000/app", "localhost:5000/app", "latest", ""},
		{"localhost:5000/app:v1", "localhost:5000/app", "v1", ""},
		{"quay.io/app@sha256:ab", "quay.io/app", "", "sha256:ab"},
		{"quay.io/app:v2@sha256:ab", "quay.io/app", "v2", "sha256:ab"},
	} {
		repo, tag, digest := splitImage(c.ref)
		if repo != c.repo || tag != c.tag || digest != c.digest {
			t.Errorf("splitImage(%q) = %q %q %q, want %q %q %q", c.ref, repo, tag, digest, c.repo, c.tag, c.digest)
		}
	}
}

func TestParseSpec(t *testing.T) {
	spec := `{"process":{"capabilities":{"bounding":["CAP_SYS_ADMIN","CAP_NET_ADMIN"]}},
	"mounts":[{"destination":"/proc","type":"proc","source":"proc"},{"destination":"/etc/hosts","source":"/etc/hosts","options":["rbind","ro","rslave"]}],
	"linux":{}}`
	mounts, priv := parseSpec([]byte(spec))
	if !priv || len(mounts) != 2 || mounts[1].String() != "/etc/hosts:/etc/hosts::false:rslave" {
		t.Errorf("parseSpec = %v %v", mounts, priv)
	}
	if _, priv := parseSpec([]byte(`{"process":{"capabilities":{"bounding":["CAP_SYS_ADMIN"]}},"linux":{"maskedPaths":["/proc/kcore"]}}`)); priv {
		t.Error("masked paths: want not privileged")
	}
}
