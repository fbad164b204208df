// Package sink defines the seam between peregrine's alert router and the
// destinations it delivers to: a Sink sends batches of alerts to one
// destination; a Kind describes a destination type (parameters, example)
// and builds sinks from a destination's configuration. The router owns
// matching, queueing, retries and rate limits; sinks only send.
package sink

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output"
)

// Sink delivers alerts to one destination.
type Sink interface {
	// Send delivers a batch (of at most the kind's MaxBatch alerts). An error
	// means the whole batch must be retried; wrap it with Permanent when a
	// retry cannot succeed (e.g. a 400 answer to a malformed payload).
	Send(ctx context.Context, batch []*alert.Alert) error
	// Close releases connections.
	Close() error
}

// Kind is a destination type.
type Kind struct {
	// Name is what configurations write in `type:`.
	Name string
	// Summary is one line for listings.
	Summary string
	// Params are the destination's own parameters (beyond Common).
	Params []Param
	// Example is a configuration snippet.
	Example string
	// MaxBatch is the most alerts one Send takes (1 when the service has no batch API).
	MaxBatch int
	// New builds a sink from a destination's configuration.
	New func(c Config) (Sink, error)
}

// Param describes one parameter.
type Param struct {
	Name     string
	Type     string // string, bool, int, duration, map, list
	Default  string
	Required bool
	Doc      string
}

// Config is one configured destination.
type Config struct {
	// Name is the destination's unique name (e.g. slack-tenant-a).
	Name string
	// Params are the kind's parameters as written in YAML, after environment overrides.
	Params map[string]any
	// Common are the knobs every destination has.
	Common Common
}

// Common are the knobs every destination has.
type Common struct {
	// Timeout bounds one Send (default 10s).
	Timeout time.Duration
	// Headers are added to every HTTP request.
	Headers map[string]string
	// TLS configures HTTPS and other TLS connections.
	TLS TLSOptions
}

// TLSOptions are the TLS knobs.
type TLSOptions struct {
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"` // client certificate (mutual TLS)
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
	ServerName         string `yaml:"server_name"`
}

// permanent marks errors a retry cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so that the router does not retry the batch.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was wrapped with Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// TLSConfig builds a *tls.Config from the options (nil when none are set).
func (o TLSOptions) TLSConfig() (*tls.Config, error) {
	if o == (TLSOptions{}) {
		return nil, nil
	}
	cfg := &tls.Config{InsecureSkipVerify: o.InsecureSkipVerify, ServerName: o.ServerName, MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls ca_file %s: no PEM certificate", o.CAFile)
		}
		cfg.RootCAs = pool
	}
	if o.CertFile != "" || o.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// HTTPClient returns a client with the common timeout and TLS options.
func (c Common) HTTPClient() (*http.Client, error) {
	tc, err := c.TLS.TLSConfig()
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &http.Client{Transport: tr, Timeout: timeout}, nil
}

// String returns a string parameter or def.
func (c Config) String(key, def string) string {
	if v, ok := c.Params[key]; ok && v != nil {
		return fmt.Sprint(v)
	}
	return def
}

// Required returns a string parameter that must be set.
func (c Config) Required(key string) (string, error) {
	v := c.String(key, "")
	if v == "" {
		return "", fmt.Errorf("destination %s: parameter %s is required", c.Name, key)
	}
	return v, nil
}

// Int returns an integer parameter or def.
func (c Config) Int(key string, def int) (int, error) {
	v, ok := c.Params[key]
	if !ok || v == nil {
		return def, nil
	}
	n, err := strconv.Atoi(fmt.Sprint(v))
	if err != nil {
		return def, fmt.Errorf("destination %s: parameter %s: %v is not an integer", c.Name, key, v)
	}
	return n, nil
}

// Bool returns a boolean parameter or def.
func (c Config) Bool(key string, def bool) (bool, error) {
	v, ok := c.Params[key]
	if !ok || v == nil {
		return def, nil
	}
	b, err := strconv.ParseBool(fmt.Sprint(v))
	if err != nil {
		return def, fmt.Errorf("destination %s: parameter %s: %v is not a boolean", c.Name, key, v)
	}
	return b, nil
}

// StringMap returns a map parameter with string values.
func (c Config) StringMap(key string) (map[string]string, error) {
	v, ok := c.Params[key]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("destination %s: parameter %s: a map is expected", c.Name, key)
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		out[k] = fmt.Sprint(x)
	}
	return out, nil
}

// FalcoJSON renders an alert exactly as Falco's json_output does (time,
// rule, priority, source, output, output_fields, tags, hostname), without
// a trailing newline.
func FalcoJSON(a *alert.Alert) []byte {
	f := output.Formatter{JSON: true, IncludeOutput: true, IncludeOutputFields: true, IncludeTags: true}
	return bytes.TrimRight(f.JSONLine(a), "\r\n")
}

// RetryableStatus reports whether an HTTP answer with this status may
// succeed on retry: 408, 425, 429 and 5xx. Other non-2xx answers are
// refusals a retry cannot fix.
func RetryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooEarly ||
		code == http.StatusTooManyRequests || code >= 500
}

// FalcoOutput renders the alert's output line as Falco prints it
// ("HH:MM:SS.nnnnnnnnn: Priority message").
func FalcoOutput(a *alert.Alert) string {
	f := output.Formatter{}
	return strings.TrimRight(f.Text(a), "\n")
}
