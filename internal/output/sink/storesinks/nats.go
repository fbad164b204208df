package storesinks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

func natsKind() sink.Kind {
	return sink.Kind{
		Name:    "nats",
		Summary: "NATS JetStream subject (durable publish, one message per alert)",
		Params: []sink.Param{
			{Name: "url", Type: "string", Default: nats.DefaultURL, Doc: "server URL(s), comma-separated (nats://, tls://)"},
			{Name: "subject", Type: "string", Required: true, Doc: "subject; {rule}, {priority} and {source} are replaced per alert by the value with every character other than letters, digits, - and _ turned into _"},
			{Name: "stream", Type: "string", Doc: "JetStream stream expected to store the messages (publishes fail when another stream or none takes them)"},
			{Name: "create_stream", Type: "bool", Default: "false", Doc: "create the stream (file storage) when missing, with the subject as its subject filter, placeholder tokens as *"},
			{Name: "credentials", Type: "string", Doc: "path of a .creds file (JWT and nkey seed)"},
			{Name: "token", Type: "string", Doc: "authentication token"},
			{Name: "user", Type: "string", Doc: "user name"},
			{Name: "password", Type: "string", Doc: "password"},
		},
		Example: `- name: nats
  type: nats
  min_priority: notice
  params:
    url: nats://nats:4222
    subject: falco.alerts.{priority}.{rule}
    stream: FALCO
    create_stream: true
`,
		MaxBatch: 100,
		New:      newNATS,
	}
}

// natsSink publishes each alert (Falco's JSON) to JetStream and waits for
// its acknowledgement. The connection is made at the first Send.
type natsSink struct {
	url      string
	subject  string // template
	stream   string
	create   bool
	opts     []nats.Option
	timeout  time.Duration
	mu       sync.Mutex
	nc       *nats.Conn
	js       jetstream.JetStream
	ready    bool // the stream was checked (or created)
	isClosed bool
}

func newNATS(c sink.Config) (sink.Sink, error) {
	subject, err := c.Required("subject")
	if err != nil {
		return nil, err
	}
	if err := checkSubject(renderSubject(subject, &alert.Alert{Rule: "r", Source: "s"})); err != nil {
		return nil, fmt.Errorf("destination %s: subject %q: %w", c.Name, subject, err)
	}
	create, err := c.Bool("create_stream", false)
	if err != nil {
		return nil, err
	}
	stream := c.String("stream", "")
	if stream != "" && strings.ContainsAny(stream, " \t.*>/\\") {
		return nil, fmt.Errorf("destination %s: stream %q: names may not contain spaces, ., *, >, / or \\", c.Name, stream)
	}
	if create && stream == "" {
		return nil, fmt.Errorf("destination %s: create_stream needs a stream name", c.Name)
	}
	to := timeout(c)
	opts := []nats.Option{
		nats.Name("peregrine " + c.Name),
		nats.Timeout(to),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		// No buffering while reconnecting: a publish then fails at once
		// instead of being sent later behind the router's retry.
		nats.ReconnectBufSize(-1),
	}
	tc, err := c.Common.TLS.TLSConfig()
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", c.Name, err)
	}
	if tc != nil {
		opts = append(opts, nats.Secure(tc))
	}
	if f := c.String("credentials", ""); f != "" {
		opts = append(opts, nats.UserCredentials(f))
	}
	if t := c.String("token", ""); t != "" {
		opts = append(opts, nats.Token(t))
	}
	if u := c.String("user", ""); u != "" {
		opts = append(opts, nats.UserInfo(u, c.String("password", "")))
	}
	return &natsSink{
		url: c.String("url", nats.DefaultURL), subject: subject, stream: stream, create: create,
		opts: opts, timeout: to,
	}, nil
}

// subjectToken makes a value one subject token.
func subjectToken(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// renderSubject fills the placeholders of a subject template.
func renderSubject(tmpl string, a *alert.Alert) string {
	return strings.NewReplacer(
		"{rule}", subjectToken(a.Rule),
		"{priority}", subjectToken(a.Priority.String()),
		"{source}", subjectToken(a.Source),
	).Replace(tmpl)
}

// streamSubject is the stream filter of a subject template: every token
// holding a placeholder becomes *.
func streamSubject(tmpl string) string {
	toks := strings.Split(tmpl, ".")
	for i, t := range toks {
		if strings.Contains(t, "{rule}") || strings.Contains(t, "{priority}") || strings.Contains(t, "{source}") {
			toks[i] = "*"
		}
	}
	return strings.Join(toks, ".")
}

// checkSubject validates a publish subject.
func checkSubject(s string) error {
	for _, t := range strings.Split(s, ".") {
		switch {
		case t == "":
			return errors.New("empty token")
		case t == "*" || t == ">":
			return errors.New("wildcards cannot be published to")
		case strings.ContainsAny(t, " \t\r\n{}"):
			return fmt.Errorf("invalid token %q", t)
		}
	}
	return nil
}

// conn returns the JetStream context, connecting and preparing the stream
// when needed.
func (s *natsSink) conn(ctx context.Context) (jetstream.JetStream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isClosed {
		return nil, errClosed()
	}
	if s.nc == nil || s.nc.IsClosed() {
		nc, err := nats.Connect(s.url, s.opts...)
		if err != nil {
			return nil, natsErr("connect", err)
		}
		js, err := jetstream.New(nc)
		if err != nil {
			nc.Close()
			return nil, sink.Permanent(err)
		}
		s.nc, s.js, s.ready = nc, js, false
	}
	if !s.ready && s.create {
		if _, err := s.js.Stream(ctx, s.stream); errors.Is(err, jetstream.ErrStreamNotFound) {
			_, err = s.js.CreateStream(ctx, jetstream.StreamConfig{
				Name:     s.stream,
				Subjects: []string{streamSubject(s.subject)},
				Storage:  jetstream.FileStorage,
			})
			if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
				return nil, natsErr("create stream "+s.stream, err)
			}
		} else if err != nil {
			return nil, natsErr("stream "+s.stream, err)
		}
	}
	s.ready = true
	return s.js, nil
}

// Send publishes the alerts in order, each waiting for its PubAck. Every
// message carries a Nats-Msg-Id derived from its content, so that a batch
// retried within the stream's duplicate window is not stored twice.
func (s *natsSink) Send(ctx context.Context, batch []*alert.Alert) error {
	if len(batch) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	js, err := s.conn(ctx)
	if err != nil {
		return err
	}
	for i, a := range batch {
		subj := renderSubject(s.subject, a)
		data := sink.FalcoJSON(a)
		sum := sha256.Sum256(append([]byte(subj+"\x00"), data...))
		opts := []jetstream.PublishOpt{jetstream.WithMsgID(hex.EncodeToString(sum[:16]))}
		if s.stream != "" {
			opts = append(opts, jetstream.WithExpectStream(s.stream))
		}
		if _, err := js.Publish(ctx, subj, data, opts...); err != nil {
			return natsErr(fmt.Sprintf("publish %d/%d to %s", i+1, len(batch), subj), err)
		}
	}
	return nil
}

// natsErr classifies a NATS error: authorization failures, payloads over
// the server's limit and JetStream API 4xx answers (e.g. the message went
// to another stream than `stream`) are permanent; connection problems,
// timeouts, missing responders (JetStream restarting) and 5xx are
// retryable.
func natsErr(op string, err error) error {
	werr := fmt.Errorf("nats %s: %w", op, err)
	if errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrAuthExpired) || errors.Is(err, nats.ErrMaxPayload) {
		return sink.Permanent(werr)
	}
	var je jetstream.JetStreamError
	if errors.As(err, &je) && je.APIError() != nil {
		if c := je.APIError().Code; c >= 400 && c < 500 && c != 408 && c != 429 {
			return sink.Permanent(werr)
		}
	}
	return werr
}

// Close closes the connection; later Sends fail permanently.
func (s *natsSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.isClosed = true
	if s.nc != nil {
		s.nc.Close()
	}
	return nil
}
