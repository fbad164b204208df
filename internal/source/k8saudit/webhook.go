package k8saudit

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/peregrine-sec/peregrine/internal/source/jsonevent"
)

// DefaultMaxRequest is the largest webhook body accepted (12 MiB, about 20%
// above the kube-apiserver's default batch size), as Falco's
// webhookMaxBatchSize.
const DefaultMaxRequest = 12 << 20

// DefaultQueueSize is the number of request bodies that may wait for decoding.
const DefaultQueueSize = 64

// Webhook receives audit events from kube-apiservers (webhook backend) and
// log shippers (Fluent Bit's http output) over HTTP or HTTPS. Bodies are
// queued and decoded by Workers goroutines, each with its own decoder and
// emit function; when the queue is full the server answers 429 with
// Retry-After instead of buffering without bound.
type Webhook struct {
	// Addr is the listen address (host:port; an empty host means all interfaces).
	Addr string
	// Path is the one path served for events, e.g. /k8s-audit.
	Path string
	// MaxRequest bounds a request body in bytes.
	MaxRequest int64
	// MaxEventSize bounds one audit event in bytes (re-serialised size).
	MaxEventSize int
	// QueueSize bounds the bodies waiting to be decoded.
	QueueSize int
	// Workers is the number of decoding goroutines (at least 1).
	Workers int
	// TLS, when set, serves HTTPS (with client certificates checked when its
	// ClientAuth asks for them).
	TLS *tls.Config
	// Token, when set, is the bearer token every request must present.
	Token string
	// Labels are attached to every decoded event.
	Labels Labels
	// Counters receive the decoders' statistics (shared by all workers).
	Counters *Counters
	// Metrics, when set, is updated per request.
	Metrics *Metrics
	// Log receives start-up and error messages.
	Log *slog.Logger

	queue    chan []byte
	reading  chan struct{} // slots for bodies being read (bounds memory with the queue)
	listener net.Listener
	pool     sync.Pool
}

// ParseWebhookURL turns open_params such as http://:9765/k8s-audit into a
// webhook with default limits. For https the caller sets TLS.
func ParseWebhookURL(params string) (*Webhook, error) {
	u, err := url.Parse(params)
	if err != nil {
		return nil, fmt.Errorf("invalid webhook address %q: %w", params, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("webhook %q: scheme %q is not supported (use http or https)", params, u.Scheme)
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	return &Webhook{Addr: u.Host, Path: path, MaxRequest: DefaultMaxRequest, MaxEventSize: DefaultMaxEventSize,
		QueueSize: DefaultQueueSize, Workers: 1}, nil
}

// Listen opens the listening socket (so callers know the address before Run).
func (w *Webhook) Listen() (net.Addr, error) {
	l, err := net.Listen("tcp", w.Addr)
	if err != nil {
		return nil, fmt.Errorf("audit webhook: %w", err)
	}
	if w.TLS != nil {
		l = tls.NewListener(l, w.TLS)
	}
	w.listener = l
	return l.Addr(), nil
}

// ServeHTTP accepts one request: POST with a JSON content type at Path. It
// also serves GET /healthz and, when metrics are on, GET /metrics.
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/healthz" && r.Method == http.MethodGet:
		rw.Header().Set("Content-Type", "application/json")
		io.WriteString(rw, `{"status": "ok"}`)
		return
	case r.URL.Path == "/metrics" && r.Method == http.MethodGet && w.Metrics != nil:
		w.Metrics.Handler().ServeHTTP(rw, r)
		return
	}
	code, msg := w.accept(r)
	w.Metrics.request(code)
	if code == http.StatusOK {
		return
	}
	if code == http.StatusTooManyRequests {
		rw.Header().Set("Retry-After", "1")
	}
	if code == http.StatusUnauthorized {
		rw.Header().Set("WWW-Authenticate", `Bearer realm="peregrine"`)
	}
	http.Error(rw, msg, code)
}

// accept checks and queues one request, returning the HTTP status and message.
func (w *Webhook) accept(r *http.Request) (int, string) {
	if r.URL.Path != w.Path {
		return http.StatusNotFound, "404 page not found"
	}
	if w.Token != "" && !w.authorized(r) {
		return http.StatusUnauthorized, "unauthorized: a valid bearer token is required"
	}
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, r.Method + " method not allowed"
	}
	if !jsonContentType(r.Header.Get("Content-Type")) {
		return http.StatusBadRequest, "wrong Content Type: application/json or application/x-ndjson expected"
	}
	if r.ContentLength > w.MaxRequest {
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", w.MaxRequest)
	}
	// Refuse before reading the body when the queue is already full, and
	// read at most QueueSize bodies at once: memory stays bounded by about
	// 2 x QueueSize x MaxRequest whatever the number of clients.
	if len(w.queue) == cap(w.queue) {
		return http.StatusTooManyRequests, "too many requests: the event queue is full"
	}
	select {
	case w.reading <- struct{}{}:
		defer func() { <-w.reading }()
	default:
		return http.StatusTooManyRequests, "too many requests: too many bodies in flight"
	}
	body, err := w.readBody(r)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", w.MaxRequest)
		}
		return http.StatusBadRequest, "bad request: " + err.Error()
	}
	select {
	case w.queue <- body:
		w.Metrics.received(len(body))
		return http.StatusOK, ""
	default:
		w.release(body)
		return http.StatusTooManyRequests, "too many requests: the event queue is full"
	}
}

func (w *Webhook) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(h[len(prefix):]), []byte(w.Token)) == 1
}

// readBody reads the request body into a pooled buffer, bounded by MaxRequest.
func (w *Webhook) readBody(r *http.Request) ([]byte, error) {
	buf, _ := w.pool.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(io.LimitReader(r.Body, w.MaxRequest+1))
	if err == nil && int64(buf.Len()) > w.MaxRequest {
		err = &http.MaxBytesError{Limit: w.MaxRequest}
	}
	if err != nil {
		w.pool.Put(buf)
		return nil, err
	}
	return buf.Bytes(), nil
}

// release returns a body's buffer to the pool.
func (w *Webhook) release(body []byte) {
	w.pool.Put(bytes.NewBuffer(body[:0]))
}

// Run serves until ctx ends. Each worker calls newEmit once for its own emit
// function (so each can own an engine matcher) and decodes queued bodies:
// one JSON document, or JSON lines when a body holds several (Fluent Bit's
// json_lines format). Bad records are counted and passed to onError; the
// rest of their body is still processed.
func (w *Webhook) Run(ctx context.Context, newEmit func() func(*Event), onError func(error)) error {
	if w.listener == nil {
		if _, err := w.Listen(); err != nil {
			return err
		}
	}
	if w.QueueSize <= 0 {
		w.QueueSize = DefaultQueueSize
	}
	if w.Workers <= 0 {
		w.Workers = 1
	}
	if w.Counters == nil {
		w.Counters = &Counters{}
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
	w.queue = make(chan []byte, w.QueueSize)
	w.reading = make(chan struct{}, w.QueueSize)
	w.Metrics.setQueue(w.queue)
	srv := &http.Server{Handler: w, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		ErrorLog: slog.NewLogLogger(w.Log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(w.listener) }()

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < w.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.work(ctx, stop, newEmit(), onError)
		}()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		} else {
			err = fmt.Errorf("audit webhook: %w", err)
		}
	}
	// Stop accepting, then let the workers drain what was accepted (a 200 was
	// already answered for it).
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shut)
	close(stop)
	wg.Wait()
	return err
}

// work decodes bodies until stop is closed and the queue is empty.
func (w *Webhook) work(ctx context.Context, stop <-chan struct{}, emit func(*Event), onError func(error)) {
	dec := NewDecoder(w.Counters, w.Log)
	dec.MaxEventSize = w.MaxEventSize
	dec.Labels = w.Labels
	decodeLine := func(line []byte) {
		if err := dec.Decode(line, emit); err != nil && onError != nil {
			onError(err)
		}
	}
	for {
		var body []byte
		select {
		case body = <-w.queue:
		case <-stop:
			select {
			case body = <-w.queue:
			default:
				return
			}
		}
		if isJSONLines(body) {
			jsonevent.Lines(ctx, bytes.NewReader(body), 0, decodeLine, onError)
		} else {
			decodeLine(body)
		}
		w.release(body)
	}
}

// jsonContentType accepts the media types audit senders use: JSON (the
// kube-apiserver) and newline-delimited JSON (Fluent Bit's json_lines).
func jsonContentType(ct string) bool {
	for _, t := range []string{"application/json", "application/x-ndjson", "application/jsonl", "application/x-json-stream"} {
		if strings.Contains(ct, t) {
			return true
		}
	}
	return false
}

// isJSONLines reports whether a body holds several documents, one per line
// (each non-blank line starting a JSON object or array).
func isJSONLines(body []byte) bool {
	n := 0
	for len(body) > 0 {
		i := bytes.IndexByte(body, '\n')
		line := body
		if i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] != '{' && line[0] != '[' {
			return false
		}
		n++
	}
	return n > 1
}
