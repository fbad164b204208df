package storesinks

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// lokiLabelName is the syntax of a Loki (Prometheus) label name.
func lokiLabelName(s string) bool {
	return regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`).MatchString(s)
}

func lokiKind() sink.Kind {
	return sink.Kind{
		Name:    "loki",
		Summary: "Grafana Loki push API (JSON streams, one line per alert)",
		Params: []sink.Param{
			{Name: "url", Type: "string", Required: true, Doc: "Loki base URL; alerts are pushed to {url}/loki/api/v1/push"},
			{Name: "tenant", Type: "string", Doc: "tenant id sent as X-Scope-OrgID (multi-tenant Loki)"},
			{Name: "extra_labels", Type: "map", Doc: "static stream labels added to source, priority and rule; names must match [a-zA-Z_][a-zA-Z0-9_]*"},
			{Name: "user", Type: "string", Doc: "basic auth user"},
			{Name: "password", Type: "string", Doc: "basic auth password"},
		},
		Example: `- name: loki
  type: loki
  min_priority: notice
  params:
    url: http://loki:3100
    tenant: security
    extra_labels:
      cluster: prod-eu
`,
		MaxBatch: 500,
		New:      newLoki,
	}
}

// lokiSink pushes alerts to Loki. Each alert is one log line (Falco's JSON
// alert) in the stream of its labels: source, priority, rule and the
// extra labels.
type lokiSink struct {
	url      string
	tenant   string
	user     string
	password string
	labels   map[string]string
	common   sink.Common
	client   *http.Client
}

func newLoki(c sink.Config) (sink.Sink, error) {
	base, err := c.Required("url")
	if err != nil {
		return nil, err
	}
	extra, err := c.StringMap("extra_labels")
	if err != nil {
		return nil, err
	}
	for k := range extra {
		if !lokiLabelName(k) {
			return nil, fmt.Errorf("destination %s: extra_labels: %q is not a valid Loki label name", c.Name, k)
		}
		if k == "source" || k == "priority" || k == "rule" {
			return nil, fmt.Errorf("destination %s: extra_labels: %q is set from the alert", c.Name, k)
		}
	}
	client, err := c.Common.HTTPClient()
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", c.Name, err)
	}
	return &lokiSink{
		url:      strings.TrimRight(base, "/") + "/loki/api/v1/push",
		tenant:   c.String("tenant", ""),
		user:     c.String("user", ""),
		password: c.String("password", ""),
		labels:   extra,
		common:   c.Common,
		client:   client,
	}, nil
}

// lokiStream is one stream of the push payload.
type lokiStream struct {
	Stream map[string]string `json:"stream"`
	Values [][2]string       `json:"values"`
}

// payload builds the push request body: the alerts grouped by label
// set, each stream's entries in time order.
func (s *lokiSink) payload(batch []*alert.Alert) ([]byte, error) {
	type entry struct {
		ts   int64
		line string
	}
	byKey := map[string]*lokiStream{}
	entries := map[string][]entry{}
	var keys []string
	for _, a := range batch {
		labels := make(map[string]string, len(s.labels)+3)
		for k, v := range s.labels {
			labels[k] = v
		}
		labels["source"] = a.Source
		labels["priority"] = a.Priority.String()
		labels["rule"] = a.Rule
		key := labelKey(labels)
		if _, ok := byKey[key]; !ok {
			byKey[key] = &lokiStream{Stream: labels}
			keys = append(keys, key)
		}
		ts := a.Time
		if ts <= 0 {
			ts = time.Now().UnixNano()
		}
		entries[key] = append(entries[key], entry{ts, string(sink.FalcoJSON(a))})
	}
	streams := make([]*lokiStream, 0, len(keys))
	for _, k := range keys {
		es := entries[k]
		sort.SliceStable(es, func(i, j int) bool { return es[i].ts < es[j].ts })
		st := byKey[k]
		for _, e := range es {
			st.Values = append(st.Values, [2]string{strconv.FormatInt(e.ts, 10), e.line})
		}
		streams = append(streams, st)
	}
	return json.Marshal(map[string]any{"streams": streams})
}

// labelKey is a canonical text of a label set.
func labelKey(m map[string]string) string {
	var b strings.Builder
	for _, k := range sortedKeys(m) {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(m[k])
		b.WriteByte(0)
	}
	return b.String()
}

// Send pushes the batch in one request. Loki answers 204; 429 and 5xx
// are retried, other 4xx (e.g. entries too old or out of order) are
// permanent.
func (s *lokiSink) Send(ctx context.Context, batch []*alert.Alert) error {
	if len(batch) == 0 {
		return nil
	}
	body, err := s.payload(batch)
	if err != nil {
		return sink.Permanent(err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if s.tenant != "" {
		h.Set("X-Scope-OrgID", s.tenant)
	}
	if s.user != "" || s.password != "" {
		h.Set("Authorization", basicAuth(s.user, s.password))
	}
	_, err = httpPost(ctx, s.client, s.common, s.url, body, h)
	return err
}

// Close releases idle connections.
func (s *lokiSink) Close() error {
	s.client.CloseIdleConnections()
	return nil
}

// basicAuth is the value of an Authorization header for basic auth.
func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}
