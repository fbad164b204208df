package cri

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// errSocketAbsent is returned when an endpoint's socket file does not exist.
var errSocketAbsent = errors.New("socket absent")

// errBackoff is returned while an endpoint waits before its next attempt.
var errBackoff = errors.New("waiting before retrying")

// endpoint is one runtime socket: a lazily dialed gRPC connection, its
// health, and the backoff after failures. State changes are logged once
// per transition.
type endpoint struct {
	kind       string // "cri" or "containerd"
	path       string
	log        *slog.Logger
	minBackoff time.Duration
	maxBackoff time.Duration

	mu       sync.Mutex
	conn     *grpc.ClientConn
	up       bool
	wasUp    bool // was ever up (for the log message)
	reported bool // the current down state has been logged
	backoff  time.Duration
	next     time.Time // no attempt before

	failures atomic.Uint64
}

func newEndpoint(kind, path string, log *slog.Logger, minBackoff, maxBackoff time.Duration) *endpoint {
	return &endpoint{kind: kind, path: path, log: log, minBackoff: minBackoff, maxBackoff: maxBackoff}
}

// name identifies the endpoint in logs, metrics and Info.Source.
func (e *endpoint) name() string { return e.kind + ":" + e.path }

// client returns the connection when an attempt may be made now: the
// socket exists and no backoff is pending. It never blocks on the network
// (gRPC connects lazily, on the first call).
func (e *endpoint) client() (*grpc.ClientConn, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if time.Now().Before(e.next) {
		return nil, errBackoff
	}
	if _, err := os.Stat(e.path); err != nil {
		if e.conn != nil {
			e.conn.Close()
			e.conn = nil
		}
		e.failLocked(fmt.Errorf("%w: %s", errSocketAbsent, e.path))
		return nil, errSocketAbsent
	}
	if e.conn == nil {
		conn, err := grpc.NewClient("unix://"+e.path,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(16<<20)))
		if err != nil {
			e.failLocked(fmt.Errorf("creating gRPC client for %s: %w", e.path, err))
			return nil, err
		}
		e.conn = conn
	}
	return e.conn, nil
}

// done records the outcome of a call. Errors that say the runtime answered
// (NotFound, InvalidArgument, ...) do not count as failures.
func (e *endpoint) done(err error) {
	if status.Code(err) == codes.Canceled {
		return // the caller gave up: says nothing about the runtime
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil && transportError(err) {
		e.failLocked(err)
		return
	}
	if !e.up {
		e.log.Info("container runtime connected", "endpoint", e.name())
	}
	e.up, e.wasUp, e.reported, e.backoff, e.next = true, true, false, 0, time.Time{}
}

// failLocked marks the endpoint down and schedules the next attempt.
func (e *endpoint) failLocked(err error) {
	e.failures.Add(1)
	if !e.reported {
		msg := "container runtime unavailable; retrying with backoff"
		if e.wasUp {
			msg = "container runtime connection lost; retrying with backoff"
		}
		e.log.Warn(msg, "endpoint", e.name(), "err", err)
		e.reported = true
	}
	e.up = false
	if e.backoff == 0 {
		e.backoff = e.minBackoff
	} else {
		e.backoff = min(2*e.backoff, e.maxBackoff)
	}
	e.next = time.Now().Add(e.backoff)
}

// isUp reports whether the last call succeeded.
func (e *endpoint) isUp() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.up
}

// close releases the connection.
func (e *endpoint) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conn != nil {
		e.conn.Close()
		e.conn = nil
	}
}

// transportError reports whether err means the runtime could not be
// reached (as opposed to an answer such as NotFound).
func transportError(err error) bool {
	if errors.Is(err, errSocketAbsent) || errors.Is(err, errBackoff) {
		return true
	}
	st, ok := status.FromError(err)
	if !ok {
		return true
	}
	switch st.Code() {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Unknown, codes.Unimplemented:
		return true
	}
	return false
}

// notFound reports whether err is the runtime's answer that an id does
// not exist.
func notFound(err error) bool {
	return status.Code(err) == codes.NotFound
}
