package storesinks

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// natsServerBin is the nats-server the tests run.
func natsServerBin(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/sbin/nats-server", "/usr/bin/nats-server"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p
	}
	t.Skip("nats-server is not installed")
	return ""
}

// natsServer is a nats-server process with JetStream.
type natsServer struct {
	t    *testing.T
	bin  string
	port int
	dir  string
	cmd  *exec.Cmd
}

func startNATS(t *testing.T) *natsServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &natsServer{t: t, bin: natsServerBin(t), port: port, dir: t.TempDir()}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *natsServer) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.port) }

// start runs the server and waits until it accepts connections.
func (s *natsServer) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "-js", "-a", "127.0.0.1", "-p", strconv.Itoa(s.port), "-sd", s.dir)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.stop()
			s.t.Fatalf("nats-server did not listen on %d: %v", s.port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop terminates the server (idempotent).
func (s *natsServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// readStream checks that the stream holds n messages and returns their
// subjects and payloads.
func readStream(t *testing.T, url, stream string, n int) ([]string, [][]byte) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != uint64(n) {
		t.Errorf("stream %s holds %d messages, want %d", stream, info.State.Msgs, n)
	}
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	var data [][]byte
	for len(data) < n {
		msgs, err := cons.Fetch(n-len(data), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m := range msgs.Messages() {
			got++
			subjects = append(subjects, m.Subject())
			data = append(data, m.Data())
		}
		if got == 0 {
			break
		}
	}
	return subjects, data
}

func TestNATSPublish(t *testing.T) {
	srv := startNATS(t)
	s, err := newNATS(cfg(map[string]any{
		"url": srv.url(), "subject": "falco.{priority}.{rule}", "stream": "FALCO", "create_stream": true,
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	batch := []*alert.Alert{
		testAlert("Terminal shell in container", alert.Warning, 0),
		testAlert("Write below etc", alert.Critical, 1),
		testAlert("a.b*c>d", alert.Notice, 2),
	}
	if err := s.Send(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	subjects, data := readStream(t, srv.url(), "FALCO", len(batch))
	want := []string{"falco.Warning.Terminal_shell_in_container", "falco.Critical.Write_below_etc", "falco.Notice.a_b_c_d"}
	if len(data) != len(batch) {
		t.Fatalf("%d messages, want %d", len(data), len(batch))
	}
	for i, a := range batch {
		if subjects[i] != want[i] {
			t.Errorf("subject %q, want %q", subjects[i], want[i])
		}
		if string(data[i]) != string(sink.FalcoJSON(a)) || !json.Valid(data[i]) {
			t.Errorf("payload %s", data[i])
		}
	}
	// The same batch again (a router retry) is deduplicated by message id.
	if err := s.Send(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	if _, data := readStream(t, srv.url(), "FALCO", len(batch)); len(data) != len(batch) {
		t.Errorf("%d messages after a retried batch, want %d", len(data), len(batch))
	}
}

func TestNATSRestart(t *testing.T) {
	srv := startNATS(t)
	c := cfg(map[string]any{"url": srv.url(), "subject": "alerts.{source}", "stream": "ALERTS", "create_stream": "true"})
	c.Common.Timeout = 2 * time.Second
	s, err := newNATS(c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(context.Background(), []*alert.Alert{testAlert("one", alert.Error, 0)}); err != nil {
		t.Fatal(err)
	}
	srv.stop()
	err = s.Send(context.Background(), []*alert.Alert{testAlert("two", alert.Error, 1)})
	if err == nil || sink.IsPermanent(err) {
		t.Fatalf("stopped server: %v (permanent %v)", err, sink.IsPermanent(err))
	}
	t.Logf("stopped server: %v", err)
	srv.start()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err = s.Send(context.Background(), []*alert.Alert{testAlert("two", alert.Error, 1)})
		if err == nil {
			break
		}
		if sink.IsPermanent(err) || time.Now().After(deadline) {
			t.Fatalf("restarted server: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	subjects, data := readStream(t, srv.url(), "ALERTS", 2)
	if len(data) != 2 || subjects[0] != "alerts.syscall" || string(data[1]) != string(sink.FalcoJSON(testAlert("two", alert.Error, 1))) {
		t.Errorf("stream after restart: %q %q", subjects, data)
	}
}

func TestNATSNoServerAtStart(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c := cfg(map[string]any{"url": "nats://" + addr, "subject": "x"})
	c.Common.Timeout = time.Second
	s, err := newNATS(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), []*alert.Alert{testAlert("r", alert.Error, 0)}); err == nil || sink.IsPermanent(err) {
		t.Errorf("no server: %v", err)
	}
	s.Close()
	if err := s.Send(context.Background(), []*alert.Alert{testAlert("r", alert.Error, 0)}); !sink.IsPermanent(err) {
		t.Errorf("after Close: %v", err)
	}
}

func TestNATSWrongStream(t *testing.T) {
	srv := startNATS(t)
	a, err := newNATS(cfg(map[string]any{"url": srv.url(), "subject": "a.x", "stream": "A", "create_stream": true}))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Send(context.Background(), []*alert.Alert{testAlert("r", alert.Error, 0)}); err != nil {
		t.Fatal(err)
	}
	// Stream A takes a.x, not the expected stream B: permanent.
	b, err := newNATS(cfg(map[string]any{"url": srv.url(), "subject": "a.x", "stream": "B"}))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Send(context.Background(), []*alert.Alert{testAlert("r", alert.Error, 1)}); !sink.IsPermanent(err) {
		t.Errorf("wrong stream: %v", err)
	}
}

func TestNATSSubjects(t *testing.T) {
	a := testAlert("Read sensitive file (user=root)", alert.Critical, 0)
	a.Source = "k8s_audit"
	if got := renderSubject("falco.{source}.{priority}.x-{rule}", a); got != "falco.k8s_audit.Critical.x-Read_sensitive_file__user_root_" {
		t.Errorf("rendered %q", got)
	}
	if got := streamSubject("falco.{source}.{priority}.x-{rule}"); got != "falco.*.*.*" {
		t.Errorf("stream subject %q", got)
	}
	for _, bad := range []map[string]any{
		{"subject": "a..b"},
		{"subject": "a.*"},
		{"subject": "a.>"},
		{"subject": "a b"},
		{"subject": "a.{unknown}"},
		{"subject": "a", "create_stream": true},
		{"subject": "a", "stream": "bad.name"},
	} {
		if s, err := newNATS(cfg(bad)); err == nil {
			s.Close()
			t.Errorf("%v accepted", bad)
		}
	}
}
