package k8saudit

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options are the k8saudit plugin's init_config keys. The first three are
// Falco's own; the others are peregrine's additions.
type Options struct {
	// MaxEventSize bounds one audit event in bytes (Falco: maxEventSize, 256 KiB).
	MaxEventSize int `json:"maxEventSize"`
	// WebhookMaxBatchSize bounds a webhook request body (Falco: webhookMaxBatchSize, 12 MiB).
	WebhookMaxBatchSize int64 `json:"webhookMaxBatchSize"`
	// SSLCertificate is the PEM file with the HTTPS certificate and, unless
	// SSLKey is given, its private key (Falco: sslCertificate).
	SSLCertificate string `json:"sslCertificate"`
	// SSLKey is the PEM private key, when not inside SSLCertificate.
	SSLKey string `json:"sslKey"`
	// ClientCA is a PEM bundle; when set, HTTPS clients must present a
	// certificate it signed (mutual TLS).
	ClientCA string `json:"clientCA"`
	// BearerTokenFile holds the token webhook clients must send as
	// "Authorization: Bearer TOKEN".
	BearerTokenFile string `json:"bearerTokenFile"`
	// Workers is the number of decoding and evaluation goroutines for the
	// webhook (default: one per CPU).
	Workers int `json:"workers"`
	// QueueSize bounds webhook bodies waiting for a worker (default 64);
	// beyond it requests get 429.
	QueueSize int `json:"queueSize"`
	// FollowFrom is where followed audit logs without a saved offset are
	// first read from: "end" (default) or "start".
	FollowFrom string `json:"followFrom"`
	// OffsetsFile persists the read position of followed logs across restarts.
	OffsetsFile string `json:"offsetsFile"`
}

// ParseOptions reads init_config, given as a YAML map or a JSON string.
func ParseOptions(initConfig any) (Options, error) {
	o := Options{MaxEventSize: DefaultMaxEventSize, WebhookMaxBatchSize: DefaultMaxRequest,
		QueueSize: DefaultQueueSize, FollowFrom: "end"}
	var raw []byte
	switch v := initConfig.(type) {
	case nil:
		return o, nil
	case string:
		if strings.TrimSpace(v) == "" {
			return o, nil
		}
		raw = []byte(v)
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return o, fmt.Errorf("k8saudit init_config: %w", err)
		}
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return o, fmt.Errorf("k8saudit init_config: %w", err)
	}
	if o.FollowFrom != "end" && o.FollowFrom != "start" {
		return o, fmt.Errorf("k8saudit init_config: followFrom must be \"start\" or \"end\", got %q", o.FollowFrom)
	}
	if o.MaxEventSize <= 0 || o.WebhookMaxBatchSize <= 0 {
		return o, errors.New("k8saudit init_config: maxEventSize and webhookMaxBatchSize must be positive")
	}
	return o, nil
}

// tlsConfig builds the HTTPS configuration, or nil for plain HTTP.
func (o Options) tlsConfig() (*tls.Config, error) {
	if o.SSLCertificate == "" {
		if o.ClientCA != "" {
			return nil, errors.New("clientCA needs sslCertificate (mutual TLS is HTTPS)")
		}
		return nil, nil
	}
	key := o.SSLKey
	if key == "" {
		key = o.SSLCertificate
	}
	cert, err := tls.LoadX509KeyPair(o.SSLCertificate, key)
	if err != nil {
		return nil, fmt.Errorf("loading webhook certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if o.ClientCA != "" {
		pem, err := os.ReadFile(o.ClientCA)
		if err != nil {
			return nil, fmt.Errorf("reading clientCA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("clientCA %s: no PEM certificate found", o.ClientCA)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// Live is the audit source reading every input named by open_params at once.
type Live struct {
	// Params is open_params: a comma-separated list of inputs, each an
	// http(s):// webhook address, "follow:" and a file path or glob to follow
	// (the log backend), or a file or directory to read once.
	Params string
	// Options are the init_config settings.
	Options Options
	// Labels are static enrichment labels.
	Labels Labels
	// Registry, when set, receives the source's metrics and is served at
	// the webhook's /metrics.
	Registry *prometheus.Registry
	// Log receives progress and rejection messages.
	Log *slog.Logger
	// Follow follows log files; nil disables "follow:" inputs.
	Follow FollowFunc

	// Counters are the decoders' statistics.
	Counters Counters
	metrics  *Metrics
}

// FollowFunc follows the files matching patterns and calls onLine for every
// complete line, until ctx ends.
type FollowFunc func(ctx context.Context, patterns []string, fromStart bool, offsetsFile string,
	log *slog.Logger, onLine func(path string, line []byte)) error

// Run reads all inputs until ctx ends (or, with only files to read once,
// until they are read). newEmit is called once per goroutine that emits.
func (l *Live) Run(ctx context.Context, newEmit func() func(*Event)) error {
	if l.Log == nil {
		l.Log = slog.Default()
	}
	if l.Registry != nil && l.metrics == nil {
		l.metrics = NewMetrics(l.Registry, &l.Counters)
	}
	var hooks, follows, files []string
	for _, in := range strings.Split(l.Params, ",") {
		in = strings.TrimSpace(in)
		switch {
		case in == "":
		case strings.HasPrefix(in, "http://") || strings.HasPrefix(in, "https://"):
			hooks = append(hooks, in)
		case strings.HasPrefix(in, "follow:"):
			follows = append(follows, strings.TrimPrefix(in, "follow:"))
		default:
			files = append(files, in)
		}
	}
	if len(hooks)+len(follows)+len(files) == 0 {
		return errors.New("k8saudit: open_params names no input")
	}
	onError := l.onError()
	lagged := func(emit func(*Event)) func(*Event) {
		if l.metrics == nil {
			return emit
		}
		return func(e *Event) {
			l.metrics.ObserveLag(float64(time.Now().UnixNano()-e.TS) / 1e9)
			emit(e)
		}
	}
	for _, f := range files {
		dec := l.decoder()
		if err := ReadPath(ctx, f, dec, lagged(newEmit()), onError); err != nil {
			return err
		}
	}
	if len(hooks)+len(follows) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, len(hooks)+1)
	for _, h := range hooks {
		wh, err := l.webhook(h)
		if err != nil {
			return err
		}
		addr, err := wh.Listen()
		if err != nil {
			return err
		}
		l.Log.Info("audit webhook listening", "address", addr.String(), "path", wh.Path,
			"tls", wh.TLS != nil, "auth", wh.Token != "", "workers", wh.Workers)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- wh.Run(ctx, func() func(*Event) { return lagged(newEmit()) }, onError)
		}()
	}
	if len(follows) > 0 {
		if l.Follow == nil {
			return errors.New("k8saudit: following audit logs is not available")
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			dec := l.decoder()
			emit := lagged(newEmit())
			errs <- l.Follow(ctx, follows, l.Options.FollowFrom == "start", l.Options.OffsetsFile, l.Log, func(path string, line []byte) {
				if err := dec.Decode(line, emit); err != nil {
					onError(fmt.Errorf("%s: %w", path, err))
				}
			})
		}()
	}
	var first error
	go func() { wg.Wait(); close(errs) }()
	for err := range errs {
		if err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}

func (l *Live) decoder() *Decoder {
	d := NewDecoder(&l.Counters, l.Log)
	d.MaxEventSize = l.Options.MaxEventSize
	d.Labels = l.Labels
	return d
}

// webhook builds one webhook input from its address and the options.
func (l *Live) webhook(addr string) (*Webhook, error) {
	wh, err := ParseWebhookURL(addr)
	if err != nil {
		return nil, err
	}
	o := l.Options
	wh.MaxRequest, wh.MaxEventSize, wh.QueueSize = o.WebhookMaxBatchSize, o.MaxEventSize, o.QueueSize
	wh.Workers = o.Workers
	if wh.Workers <= 0 {
		wh.Workers = runtime.GOMAXPROCS(0)
	}
	if wh.TLS, err = o.tlsConfig(); err != nil {
		return nil, fmt.Errorf("webhook %s: %w", addr, err)
	}
	if strings.HasPrefix(addr, "https://") && wh.TLS == nil {
		return nil, fmt.Errorf("webhook %s: https needs sslCertificate in init_config", addr)
	}
	if o.BearerTokenFile != "" {
		b, err := os.ReadFile(o.BearerTokenFile)
		if err != nil {
			return nil, fmt.Errorf("webhook bearer token: %w", err)
		}
		if wh.Token = strings.TrimSpace(string(b)); wh.Token == "" {
			return nil, fmt.Errorf("webhook bearer token file %s is empty", o.BearerTokenFile)
		}
	}
	wh.Labels, wh.Counters, wh.Metrics, wh.Log = l.Labels, &l.Counters, l.metrics, l.Log
	return wh, nil
}

// onError logs rejected records: the first ten, then one in a thousand (the
// counters keep exact numbers).
func (l *Live) onError() func(error) {
	var mu sync.Mutex
	n := 0
	return func(err error) {
		mu.Lock()
		n++
		c := n
		mu.Unlock()
		if c <= 10 || c%1000 == 0 {
			l.Log.Warn("audit record rejected", "error", err, "rejected_so_far", c)
		}
	}
}
