package k8saudit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/peregrine-sec/peregrine/internal/source/jsonevent"
)

// DefaultMaxRequest is the largest webhook body accepted (12 MiB, about 20%
// above the kube-apiserver's default batch size).
const DefaultMaxRequest = 12 << 20

// Webhook receives audit events from kube-apiservers (webhook backend) and
// log shippers (Fluent Bit's http output) over HTTP. Bodies are queued and
// decoded in order by Run; when the queue is full the server answers 429 with
// Retry-After instead of buffering without bound.
type Webhook struct {
	// Addr is the listen address (host:port; an empty host means all interfaces).
	Addr string
	// Path is the one path served for events, e.g. /k8s-audit.
	Path string
	// MaxRequest bounds a request body in bytes.
	MaxRequest int64
	// QueueSize bounds the bodies waiting to be decoded.
	QueueSize int

	queue    chan []byte
	listener net.Listener
	// Stats
	Accepted, Rejected, Throttled atomic.Uint64
}

// ParseWebhookURL turns open_params such as http://:9765/k8s-audit into a webhook.
func ParseWebhookURL(params string) (*Webhook, error) {
	u, err := url.Parse(params)
	if err != nil {
		return nil, fmt.Errorf("invalid webhook address %q: %w", params, err)
	}
	switch u.Scheme {
	case "http":
	case "https":
		return nil, fmt.Errorf("webhook %q: https is not available yet; terminate TLS in front of peregrine or use http on a private address", params)
	default:
		return nil, fmt.Errorf("scheme %q is not supported", u.Scheme)
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	return &Webhook{Addr: u.Host, Path: path, MaxRequest: DefaultMaxRequest, QueueSize: 50}, nil
}

// Listen opens the listening socket (so callers know the address before Run).
func (w *Webhook) Listen() (net.Addr, error) {
	l, err := net.Listen("tcp", w.Addr)
	if err != nil {
		return nil, fmt.Errorf("audit webhook: %w", err)
	}
	w.listener = l
	return l.Addr(), nil
}

// ServeHTTP accepts one request: POST with a JSON content type at Path.
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" && r.Method == http.MethodGet {
		rw.Header().Set("Content-Type", "application/json")
		io.WriteString(rw, `{"status": "ok"}`)
		return
	}
	if r.URL.Path != w.Path {
		http.NotFound(rw, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Rejected.Add(1)
		http.Error(rw, r.Method+" method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !strings.Contains(r.Header.Get("Content-Type"), "application/json") {
		w.Rejected.Add(1)
		http.Error(rw, "wrong Content Type", http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, w.MaxRequest))
	if err != nil {
		w.Rejected.Add(1)
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(rw, fmt.Sprintf("bad request: body larger than %d bytes", w.MaxRequest), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(rw, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	select {
	case w.queue <- body:
		w.Accepted.Add(1)
	default:
		w.Throttled.Add(1)
		rw.Header().Set("Retry-After", "1")
		http.Error(rw, "too many requests: the event queue is full", http.StatusTooManyRequests)
	}
}

// Run serves until ctx ends, decoding queued bodies in arrival order and
// calling emit for every audit event. Each body is decoded as one document,
// or as JSON lines when it holds several (Fluent Bit's json_lines format).
func (w *Webhook) Run(ctx context.Context, dec *Decoder, emit func(*Event), onError func(error)) error {
	if w.listener == nil {
		if _, err := w.Listen(); err != nil {
			return err
		}
	}
	if w.QueueSize <= 0 {
		w.QueueSize = 50
	}
	w.queue = make(chan []byte, w.QueueSize)
	srv := &http.Server{Handler: w, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(w.listener) }()
	defer func() {
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return fmt.Errorf("audit webhook: %w", err)
		case body := <-w.queue:
			if isJSONLines(body) {
				jsonevent.Lines(ctx, bytes.NewReader(body), 0, func(line []byte) {
					if err := dec.Decode(line, emit); err != nil && onError != nil {
						onError(err)
					}
				}, onError)
			} else if err := dec.Decode(body, emit); err != nil && onError != nil {
				onError(err)
			}
		}
	}
}

// isJSONLines reports whether a body holds several documents, one per line
// (each non-blank line starting a JSON object or array).
func isJSONLines(body []byte) bool {
	n := 0
	for _, line := range bytes.Split(bytes.TrimSpace(body), []byte("\n")) {
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
