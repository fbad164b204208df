package storesinks

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

func smtpKind() sink.Kind {
	return sink.Kind{
		Name:    "smtp",
		Summary: "e-mail through an SMTP relay (one message per alert)",
		Params: []sink.Param{
			{Name: "host", Type: "string", Required: true, Doc: "SMTP server host name"},
			{Name: "port", Type: "int", Default: "587", Doc: "SMTP server port"},
			{Name: "from", Type: "string", Required: true, Doc: "sender address (envelope and From header)"},
			{Name: "to", Type: "list", Required: true, Doc: "recipient addresses"},
			{Name: "user", Type: "string", Doc: "user for SMTP AUTH PLAIN (only over TLS, or to localhost)"},
			{Name: "password", Type: "string", Doc: "password for SMTP AUTH PLAIN"},
			{Name: "starttls", Type: "bool", Default: "true", Doc: "require STARTTLS (fails when the server does not offer it); false sends in clear text"},
		},
		Example: `- name: mail-oncall
  type: smtp
  min_priority: critical
  params:
    host: smtp.example.com
    port: 587
    from: peregrine@example.com
    to: [oncall@example.com, secops@example.com]
    user: peregrine
    password: ${SMTP_PASSWORD}
`,
		MaxBatch: 1,
		New:      newSMTP,
	}
}

// smtpSink mails each alert to the recipients.
type smtpSink struct {
	host     string
	addr     string
	from     string
	to       []string
	user     string
	password string
	starttls bool
	tls      *tls.Config
	timeout  time.Duration
	now      func() time.Time
}

func newSMTP(c sink.Config) (sink.Sink, error) {
	host, err := c.Required("host")
	if err != nil {
		return nil, err
	}
	port, err := c.Int("port", 587)
	if err != nil {
		return nil, err
	}
	from, err := c.Required("from")
	if err != nil {
		return nil, err
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("destination %s: from: %w", c.Name, err)
	}
	to, err := stringList(c, "to")
	if err != nil {
		return nil, err
	}
	if len(to) == 0 {
		return nil, fmt.Errorf("destination %s: parameter to is required", c.Name)
	}
	for _, t := range to {
		if _, err := mail.ParseAddress(t); err != nil {
			return nil, fmt.Errorf("destination %s: to %q: %w", c.Name, t, err)
		}
	}
	starttls, err := c.Bool("starttls", true)
	if err != nil {
		return nil, err
	}
	tc, err := c.Common.TLS.TLSConfig()
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", c.Name, err)
	}
	if tc == nil {
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	return &smtpSink{
		host: host, addr: net.JoinHostPort(host, strconv.Itoa(port)),
		from: from, to: to,
		user: c.String("user", ""), password: c.String("password", ""),
		starttls: starttls, tls: tc, timeout: timeout(c), now: time.Now,
	}, nil
}

// Send mails each alert of the batch (the kind's batches hold one).
func (s *smtpSink) Send(ctx context.Context, batch []*alert.Alert) error {
	for _, a := range batch {
		if err := s.send(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// send delivers one message in one SMTP session.
func (s *smtpSink) send(ctx context.Context, a *alert.Alert) (err error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return smtpErr("greeting", err)
	}
	defer c.Close()
	if h, herr := os.Hostname(); herr == nil && h != "" {
		if err := c.Hello(h); err != nil {
			return smtpErr("EHLO", err)
		}
	}
	if s.starttls {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return sink.Permanent(fmt.Errorf("smtp %s: server does not offer STARTTLS (set starttls: false to send in clear text)", s.addr))
		}
		if err := c.StartTLS(s.tls); err != nil {
			return smtpErr("STARTTLS", err)
		}
	}
	if s.user != "" {
		if err := c.Auth(smtp.PlainAuth("", s.user, s.password, s.host)); err != nil {
			return smtpErr("AUTH", err)
		}
	}
	if err := c.Mail(s.from); err != nil {
		return smtpErr("MAIL FROM", err)
	}
	for _, rcpt := range s.to {
		if err := c.Rcpt(rcpt); err != nil {
			return smtpErr("RCPT TO "+rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return smtpErr("DATA", err)
	}
	if _, err := w.Write(s.message(a)); err != nil {
		return smtpErr("DATA", err)
	}
	if err := w.Close(); err != nil {
		return smtpErr("end of DATA", err)
	}
	return smtpErr("QUIT", c.Quit())
}

// smtpErr classifies an SMTP error: 5xx replies, certificate failures and
// net/smtp's own refusals to authenticate (AUTH over an unencrypted
// connection to a remote host) are permanent; 4xx replies and connection
// failures are retryable.
func smtpErr(step string, err error) error {
	if err == nil {
		return nil
	}
	err = fmt.Errorf("smtp %s: %w", step, err)
	var te *textproto.Error
	var ne net.Error
	var ce *tls.CertificateVerificationError
	switch {
	case errors.As(err, &te):
		if te.Code >= 500 {
			return sink.Permanent(err)
		}
		return err
	case errors.As(err, &ce):
		return sink.Permanent(err)
	case errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case step == "AUTH":
		return sink.Permanent(err)
	}
	return err
}

// message renders the alert as a text/plain mail (quoted-printable body).
func (s *smtpSink) message(a *alert.Alert) []byte {
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	subject := oneLine(fmt.Sprintf("[peregrine] %s %s", a.Priority, a.Rule))
	hdr("From", s.from)
	hdr("To", strings.Join(s.to, ", "))
	hdr("Subject", mime.QEncoding.Encode("utf-8", subject))
	hdr("Date", s.now().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+randomID()+"@peregrine>")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	hdr("X-Peregrine-Rule", mime.QEncoding.Encode("utf-8", oneLine(a.Rule)))
	hdr("X-Peregrine-Priority", a.Priority.String())
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(s.body(a))) // line breaks become CRLF
	_ = qp.Close()
	return b.Bytes()
}

// body is the plain text: the output line, then the alert's attributes and
// output fields.
func (s *smtpSink) body(a *alert.Alert) string {
	var b strings.Builder
	b.WriteString(sink.FalcoOutput(a))
	b.WriteString("\n\n")
	line := func(k, v string) { fmt.Fprintf(&b, "%-10s %s\n", k+":", v) }
	line("Rule", a.Rule)
	line("Priority", a.Priority.String())
	line("Source", a.Source)
	line("Hostname", a.Hostname)
	line("Time", time.Unix(0, a.Time).UTC().Format(time.RFC3339Nano))
	if len(a.Tags) > 0 {
		line("Tags", strings.Join(a.Tags, ", "))
	}
	if len(a.Fields) > 0 || len(a.Extra) > 0 {
		b.WriteString("\nFields:\n")
		for _, f := range a.Fields {
			v := f.Text
			if f.Kind == alert.Null {
				v = "<NA>"
			}
			fmt.Fprintf(&b, "  %s: %s\n", f.Key, v)
		}
		for _, k := range sortedKeys(a.Extra) {
			fmt.Fprintf(&b, "  %s: %s\n", k, a.Extra[k])
		}
	}
	return b.String()
}

// oneLine replaces line breaks (header injection) with spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Close does nothing: each message has its own session.
func (s *smtpSink) Close() error { return nil }
