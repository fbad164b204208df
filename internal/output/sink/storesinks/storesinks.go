// Package storesinks implements alert destinations that store or stream
// alerts: Grafana Loki, Elasticsearch/OpenSearch, e-mail (SMTP), Kafka and
// NATS JetStream. Kinds lists them for the router's registry.
package storesinks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// Kinds returns the destination kinds of this package: loki,
// elasticsearch, smtp, kafka and nats, in that order.
func Kinds() []sink.Kind {
	return []sink.Kind{lokiKind(), elasticsearchKind(), smtpKind(), kafkaKind(), natsKind()}
}

// defaultTimeout bounds one Send when the destination sets no timeout.
const defaultTimeout = 10 * time.Second

// timeout returns the destination's Send timeout.
func timeout(c sink.Config) time.Duration {
	if c.Common.Timeout > 0 {
		return c.Common.Timeout
	}
	return defaultTimeout
}

// stringList reads a list parameter: a YAML sequence or a comma-separated
// string. Empty items are dropped.
func stringList(c sink.Config, key string) ([]string, error) {
	v, ok := c.Params[key]
	if !ok || v == nil {
		return nil, nil
	}
	var raw []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			raw = append(raw, fmt.Sprint(e))
		}
	case []string:
		raw = x
	case string:
		raw = strings.Split(x, ",")
	default:
		return nil, fmt.Errorf("destination %s: parameter %s: a list is expected", c.Name, key)
	}
	var out []string
	for _, s := range raw {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// oneOf checks that a parameter value is one of the allowed ones.
func oneOf(c sink.Config, key, def string, allowed ...string) (string, error) {
	v := strings.ToLower(c.String(key, def))
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", fmt.Errorf("destination %s: parameter %s: %q is not one of %s", c.Name, key, v, strings.Join(allowed, ", "))
}

// httpPost sends body to url with the common headers and the given extra
// ones and returns the response body of a 2xx answer. Other answers are
// errors: 408, 425, 429 and 5xx are retryable, the other statuses are
// permanent. Transport errors are retryable.
func httpPost(ctx context.Context, client *http.Client, common sink.Common, url string, body []byte, header http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, sink.Permanent(err)
	}
	for k, v := range common.Headers {
		req.Header.Set(k, v)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil && resp.StatusCode/100 == 2 {
		return nil, fmt.Errorf("reading response: %w", err)
	}
	if resp.StatusCode/100 == 2 {
		return data, nil
	}
	err = fmt.Errorf("POST %s: %s: %s", url, resp.Status, snippet(data))
	if sink.RetryableStatus(resp.StatusCode) {
		return nil, err
	}
	return nil, sink.Permanent(err)
}

// snippet shortens a response body for error messages.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// errClosed is the error of a Send after Close.
func errClosed() error { return sink.Permanent(errors.New("sink is closed")) }

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
