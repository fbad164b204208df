package storesinks

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

func TestSMTPSend(t *testing.T) {
	srv := newSMTPServer(t)
	s, err := newSMTP(cfg(map[string]any{
		"host": "127.0.0.1", "port": srv.port(), "starttls": false,
		"from": "peregrine@example.com", "to": []any{"a@example.com", "b@example.com"},
		"user": "bot", "password": "secret",
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := testAlert("Terminal shell in container", alert.Critical, 0)
	a.Message = "Shell spawned (user=root proc=bash) " + strings.Repeat("x", 120) + " é"
	if err := s.Send(context.Background(), []*alert.Alert{a}); err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.auth != "\x00bot\x00secret" || m.from != "peregrine@example.com" || strings.Join(m.to, ",") != "a@example.com,b@example.com" {
		t.Errorf("envelope %+v", m)
	}
	msg, err := mail.ReadMessage(strings.NewReader(m.data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	for k, want := range map[string]string{
		"From": "peregrine@example.com", "To": "a@example.com, b@example.com",
		"Content-Type": "text/plain; charset=utf-8", "Content-Transfer-Encoding": "quoted-printable",
		"MIME-Version": "1.0", "X-Peregrine-Priority": "Critical",
	} {
		if h.Get(k) != want {
			t.Errorf("%s: %q, want %q", k, h.Get(k), want)
		}
	}
	if subject != "[peregrine] Critical Terminal shell in container" {
		t.Errorf("subject %q", subject)
	}
	if _, err := h.Date(); err != nil || h.Get("Message-ID") == "" {
		t.Errorf("date/message-id: %v %q", err, h.Get("Message-ID"))
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(body), "\r\n", "\n")
	for _, want := range []string{
		sink.FalcoOutput(a) + "\n\n",
		"Rule:      Terminal shell in container\n",
		"Priority:  Critical\n",
		"Source:    syscall\n",
		"Hostname:  node-1\n",
		"Time:      2024-03-05T10:11:12.123456789Z\n",
		"Tags:      container, shell\n",
		"  proc.name: bash\n", "  proc.pid: 4242\n", "  container.id: <NA>\n", "  cluster: prod\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("body lacks %q:\n%s", want, text)
		}
	}
	for _, l := range strings.Split(m.data, "\n") { // DotReader turns CRLF into LF
		if len(l) > 78 {
			t.Errorf("line longer than 78: %q", l)
		}
	}
}

func TestSMTPErrors(t *testing.T) {
	srv := newSMTPServer(t)
	base := func(extra map[string]any) sink.Config {
		p := map[string]any{"host": "127.0.0.1", "port": srv.port(), "from": "p@example.com", "to": "x@example.com"}
		for k, v := range extra {
			p[k] = v
		}
		return cfg(p)
	}
	send := func(c sink.Config) error {
		s, err := newSMTP(c)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return s.Send(context.Background(), []*alert.Alert{testAlert("r\r\nBcc: evil@example.com", alert.Error, 0)})
	}
	// starttls (default) against a server without STARTTLS: permanent.
	if err := send(base(nil)); !sink.IsPermanent(err) {
		t.Errorf("no STARTTLS: %v", err)
	}
	// Wrong password: 535, permanent.
	if err := send(base(map[string]any{"starttls": "false", "user": "u", "password": "wrong"})); !sink.IsPermanent(err) {
		t.Errorf("bad auth: %v", err)
	}
	// 4xx on RCPT: retryable; 5xx: permanent.
	srv.rcptCode.Store(451)
	if err := send(base(map[string]any{"starttls": false})); err == nil || sink.IsPermanent(err) {
		t.Errorf("451: %v", err)
	}
	srv.rcptCode.Store(550)
	if err := send(base(map[string]any{"starttls": false})); !sink.IsPermanent(err) {
		t.Errorf("550: %v", err)
	}
	srv.rcptCode.Store(250)
	// Header injection through the rule name is neutralised.
	if err := send(base(map[string]any{"starttls": false})); err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages()
	msg, err := mail.ReadMessage(strings.NewReader(msgs[len(msgs)-1].data))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Bcc") != "" || !strings.Contains(msg.Header.Get("Subject"), "Bcc") {
		t.Errorf("headers %v", msg.Header)
	}
	// Nobody listening: retryable.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if err := send(cfg(map[string]any{"host": "127.0.0.1", "port": strconv.Itoa(port), "from": "p@example.com", "to": "x@example.com"})); err == nil || sink.IsPermanent(err) {
		t.Errorf("closed port: %v", err)
	}
	// Configuration errors.
	for _, bad := range []map[string]any{
		{"host": "h", "from": "not an address", "to": "x@example.com"},
		{"host": "h", "from": "p@example.com"},
		{"host": "h", "from": "p@example.com", "to": "x@example.com", "port": "abc"},
	} {
		if _, err := newSMTP(cfg(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestSMTPStartTLS(t *testing.T) {
	srv := newSMTPServer(t)
	conf, ca := selfSigned(t)
	srv.tls = conf
	c := cfg(map[string]any{
		"host": "127.0.0.1", "port": srv.port(), "from": "p@example.com", "to": "x@example.com",
		"user": "bot", "password": "secret",
	})
	// Unknown certificate authority: permanent.
	s, err := newSMTP(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), []*alert.Alert{testAlert("r", alert.Error, 0)}); !sink.IsPermanent(err) {
		t.Errorf("untrusted certificate: %v", err)
	}
	c.Common.TLS.CAFile = ca
	if s, err = newSMTP(c); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), []*alert.Alert{testAlert("r", alert.Error, 0)}); err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 || !msgs[0].tls || msgs[0].auth != "\x00bot\x00secret" {
		t.Errorf("messages %+v", msgs)
	}
}
