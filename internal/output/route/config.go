// Package route is peregrine's alert router: each configured destination
// has a match (minimum priority, rules, tags, sources, output fields, a
// rules-language condition), custom fields, deduplication, a rate limit and
// a durable on-disk queue, and a delivery loop that retries with
// exponential backoff until the destination acknowledges. Nothing is lost
// when a destination is down or peregrine restarts; a slow destination
// delays only itself.
package route

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/peregrine-sec/peregrine/internal/alertmatch"
	"github.com/peregrine-sec/peregrine/internal/duration"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// Destination is one configured destination, as written under `destinations:`.
type Destination struct {
	// Name is unique; it names the queue directory, metrics and logs.
	Name string `yaml:"name"`
	// Type is the destination kind (see `peregrine outputs`).
	Type string `yaml:"type"`
	// MinPriority is the least severe priority delivered (default debug).
	MinPriority string `yaml:"min_priority"`
	// Match further selects alerts.
	Match alertmatch.Spec `yaml:"match"`
	// CustomFields are added to every alert's output fields; a value
	// "%field" copies another output field.
	CustomFields map[string]string `yaml:"custom_fields"`
	// Params are the kind's own parameters.
	Params map[string]any `yaml:"params"`
	// Timeout bounds one send (default 10s).
	Timeout Duration `yaml:"timeout"`
	// Headers are added to HTTP requests.
	Headers map[string]string `yaml:"headers"`
	// TLS configures TLS connections.
	TLS sink.TLSOptions `yaml:"tls"`
	// Queue bounds the durable queue.
	Queue QueueOptions `yaml:"queue"`
	// Retry sets the exponential backoff between failed sends.
	Retry RetryOptions `yaml:"retry"`
	// RateLimit paces deliveries (alerts per period); excess alerts wait in
	// the queue.
	RateLimit *RateLimit `yaml:"rate_limit"`
	// Dedup aggregates repeated alerts (same rule and key fields) within a
	// window: the first is delivered, the repeats are counted and delivered
	// as one summary alert when the window closes.
	Dedup *Dedup `yaml:"dedup"`
}

// QueueOptions bound a destination's durable queue.
type QueueOptions struct {
	// MaxBytes bounds unacknowledged data (default 256 MiB).
	MaxBytes int64 `yaml:"max_bytes"`
	// Full is the policy when the queue is full: drop_oldest (default),
	// drop_newest or block.
	Full string `yaml:"full"`
}

// RetryOptions set the backoff: Initial doubling up to Max.
type RetryOptions struct {
	Initial Duration `yaml:"initial"`
	Max     Duration `yaml:"max"`
}

// RateLimit allows Max deliveries per Per.
type RateLimit struct {
	Max int      `yaml:"max"`
	Per Duration `yaml:"per"`
}

// Dedup is an aggregation window.
type Dedup struct {
	Window Duration `yaml:"window"`
	Fields []string `yaml:"fields"`
}

// Duration is a time.Duration written as "30s" in YAML.
type Duration = duration.Duration

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// validate checks a destination against the known kinds.
func (d *Destination) validate(kinds map[string]sink.Kind) error {
	if !validName.MatchString(d.Name) {
		return fmt.Errorf("destination name %q: use letters, digits, '.', '_' and '-'", d.Name)
	}
	k, ok := kinds[d.Type]
	if !ok {
		return fmt.Errorf("destination %s: unknown type %q (see `peregrine outputs`)", d.Name, d.Type)
	}
	for p := range d.Params {
		known := false
		var names []string
		for _, kp := range k.Params {
			known = known || kp.Name == p
			names = append(names, kp.Name)
		}
		if !known {
			return fmt.Errorf("destination %s: %s has no parameter %q (it has: %s)", d.Name, d.Type, p, strings.Join(names, ", "))
		}
	}
	switch d.Queue.Full {
	case "", "drop_oldest", "drop_newest", "block":
	default:
		return fmt.Errorf("destination %s: queue.full must be drop_oldest, drop_newest or block", d.Name)
	}
	if d.RateLimit != nil && (d.RateLimit.Max <= 0 || d.RateLimit.Per <= 0) {
		return fmt.Errorf("destination %s: rate_limit needs max > 0 and per > 0", d.Name)
	}
	if d.Dedup != nil && d.Dedup.Window <= 0 {
		return fmt.Errorf("destination %s: dedup needs a window > 0", d.Name)
	}
	return nil
}

// withEnv applies environment overrides to a destination's parameters:
// PEREGRINE_OUTPUT_<NAME>_<PARAM>=value, NAME and PARAM upper-cased with
// non-alphanumerics as underscores (e.g. PEREGRINE_OUTPUT_SLACK_TENANT_A_WEBHOOK_URL),
// so secrets need not be written in the file.
func (d *Destination) withEnv(environ []string) {
	prefix := "PEREGRINE_OUTPUT_" + envName(d.Name) + "_"
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, prefix) {
			continue
		}
		param := strings.ToLower(strings.TrimPrefix(k, prefix))
		if d.Params == nil {
			d.Params = map[string]any{}
		}
		// Match an existing parameter whatever its spelling (webhook_url, webhookURL).
		for existing := range d.Params {
			if envName(existing) == strings.ToUpper(param) {
				param = existing
			}
		}
		d.Params[param] = v
	}
}

func envName(s string) string {
	b := []byte(strings.ToUpper(s))
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// ParseDestinations reads the `destinations:` list of a configuration, rejecting
// unknown keys with their line.
func ParseDestinations(n *yaml.Node) ([]Destination, error) {
	if n == nil || n.Kind == 0 {
		return nil, nil
	}
	var out []Destination
	b, err := yaml.Marshal(n)
	if err != nil {
		return nil, fmt.Errorf("destinations: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("destinations: %w", err)
	}
	return out, nil
}

// HTTPOutput is Falco's http_output as a webhook destination with the
// router's delivery guarantees.
type HTTPOutput struct {
	URL, UserAgent        string
	Insecure              bool
	CAFile                string
	ClientCert, ClientKey string
}

// Destination returns the webhook destination for Falco's http_output.
func (h HTTPOutput) Destination() Destination {
	d := Destination{Name: "http_output", Type: "webhook", Params: map[string]any{"url": h.URL}}
	if h.UserAgent != "" {
		d.Headers = map[string]string{"User-Agent": h.UserAgent}
	}
	d.TLS = sink.TLSOptions{InsecureSkipVerify: h.Insecure, CAFile: h.CAFile, CertFile: h.ClientCert, KeyFile: h.ClientKey}
	return d
}
