// Package httpsinks implements the alert destinations reached over HTTP:
// a generic webhook, Falcosidekick, Slack and Microsoft Teams incoming
// webhooks and the Prometheus Alertmanager API. Each kind renders alerts
// into the payload its service documents; the router (matching, queueing,
// retries, rate limits) lives in package sink's callers.
//
// Error classification, shared by every kind: a 4xx answer other than
// 408 (Request Timeout), 425 (Too Early) and 429 (Too Many Requests) is
// wrapped with sink.Permanent; 429, 5xx, 408, 425 and network errors are
// plain errors that the router retries. Retry-After is not honoured.
package httpsinks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// Kinds returns the HTTP destination kinds: webhook, falcosidekick, slack,
// teams and alertmanager.
func Kinds() []sink.Kind {
	return []sink.Kind{webhookKind(), falcosidekickKind(), slackKind(), teamsKind(), alertmanagerKind()}
}

// userAgent is the User-Agent of every kind but falcosidekick (which sends
// Falco's).
const userAgent = "peregrine"

// client is the HTTP plumbing shared by the kinds: one destination's
// client, common headers and a redacted name of the endpoint for errors.
type client struct {
	name      string // destination name
	dest      string // endpoint for messages, without secrets
	http      *http.Client
	headers   map[string]string
	userAgent string
	user      string // basic auth, when set
	password  string
}

// newClient builds the client of destination c posting to endpoint u.
// secretPath hides the URL's path in messages (webhook URLs of Slack and
// Teams are credentials).
func newClient(c sink.Config, u *url.URL, secretPath bool) (*client, error) {
	hc, err := c.Common.HTTPClient()
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", c.Name, err)
	}
	// Follow only redirects that keep the method and body (307, 308): a
	// POST turned into a GET would drop the alert and still succeed.
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 || req.Method != via[0].Method {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return &client{name: c.Name, dest: redact(u, secretPath), http: hc, headers: c.Common.Headers, userAgent: userAgent}, nil
}

// redact renders u without its password, query and, with secretPath, path.
func redact(u *url.URL, secretPath bool) string {
	r := *u
	r.RawQuery, r.Fragment = "", ""
	if secretPath && r.Path != "" && r.Path != "/" {
		r.Path, r.RawPath = "/…", ""
	}
	return r.Redacted()
}

// post sends body to endpoint and classifies the answer. It returns the
// first bytes of a successful answer's body.
func (c *client) post(ctx context.Context, method, endpoint, contentType string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, sink.Permanent(fmt.Errorf("destination %s: %s %s: %w", c.name, method, c.dest, stripURL(err)))
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", c.userAgent)
	if c.user != "" || c.password != "" {
		req.SetBasicAuth(c.user, c.password)
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("destination %s: %s %s: %w", c.name, method, c.dest, stripURL(err))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return snippet, nil
	}
	err = fmt.Errorf("destination %s: %s %s: %s: %s", c.name, method, c.dest, resp.Status, strings.TrimSpace(string(bytes.ToValidUTF8(snippet, []byte("?")))))
	if permanentStatus(resp.StatusCode) {
		return nil, sink.Permanent(err)
	}
	return nil, err
}

// permanentStatus reports whether a retry cannot change an answer with this
// status (redirects that are not followed included, see newClient).
func permanentStatus(code int) bool {
	return code >= 300 && !sink.RetryableStatus(code)
}

// stripURL removes the request URL (which may hold a credential) from a
// transport error, keeping the cause for errors.Is/As.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// close releases the client's idle connections.
func (c *client) close() error {
	c.http.CloseIdleConnections()
	return nil
}

// parseURL parses parameter key of c as an absolute http(s) URL.
func parseURL(c sink.Config, key string) (*url.URL, error) {
	raw, err := c.Required(key)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("destination %s: parameter %s: not an http(s) URL", c.Name, key)
	}
	return u, nil
}

// duration returns a duration parameter ("90s", "5m"; a bare number is seconds) or def.
func duration(c sink.Config, key string, def time.Duration) (time.Duration, error) {
	v, ok := c.Params[key]
	if !ok || v == nil {
		return def, nil
	}
	s := strings.TrimSpace(fmt.Sprint(v))
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return def, fmt.Errorf("destination %s: parameter %s: %q is not a duration", c.Name, key, s)
	}
	return d, nil
}

// fieldText is an output field's value as Falco prints it in text output.
func fieldText(f alert.Field) string {
	switch f.Kind {
	case alert.Null:
		return "<NA>"
	case alert.List:
		if f.Text != "" {
			return f.Text
		}
		return "(" + strings.Join(f.List, ",") + ")"
	}
	return f.Text
}

// alertTime is the alert's time in UTC.
func alertTime(a *alert.Alert) time.Time { return time.Unix(0, a.Time).UTC() }

// truncate cuts s to at most n characters (runes), ending with "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
