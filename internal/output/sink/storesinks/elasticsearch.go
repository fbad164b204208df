package storesinks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

func elasticsearchKind() sink.Kind {
	return sink.Kind{
		Name:    "elasticsearch",
		Summary: "Elasticsearch/OpenSearch _bulk API (one document per alert, dated indices)",
		Params: []sink.Param{
			{Name: "url", Type: "string", Required: true, Doc: "cluster base URL; documents are sent to {url}/_bulk"},
			{Name: "index", Type: "string", Default: "peregrine-alerts", Doc: "index name (or data stream) prefix"},
			{Name: "index_suffix", Type: "string", Default: "daily", Doc: "date suffix from the alert time (UTC): daily (-2006.01.02), monthly (-2006.01) or none"},
			{Name: "flatten_fields", Type: "bool", Default: "false", Doc: "replace the dots of output field names with underscores (avoids object/value mapping conflicts such as container.image vs container.image.repository)"},
			{Name: "user", Type: "string", Doc: "basic auth user"},
			{Name: "password", Type: "string", Doc: "basic auth password"},
			{Name: "api_key", Type: "string", Doc: "API key (base64 id:key) sent as Authorization: ApiKey <api_key>; overrides user/password"},
		},
		Example: `- name: elastic
  type: elasticsearch
  min_priority: warning
  params:
    url: https://elastic:9200
    index: peregrine-alerts
    index_suffix: daily
    api_key: ${ES_API_KEY}
`,
		MaxBatch: 500,
		New:      newElasticsearch,
	}
}

// esSink indexes alerts with the _bulk API.
type esSink struct {
	url     string
	index   string
	layout  string // Go time layout of the index suffix, "" for none
	flatten bool
	auth    string // Authorization header value
	common  sink.Common
	client  *http.Client
	now     func() time.Time
}

func newElasticsearch(c sink.Config) (sink.Sink, error) {
	base, err := c.Required("url")
	if err != nil {
		return nil, err
	}
	suffix, err := oneOf(c, "index_suffix", "daily", "daily", "monthly", "none")
	if err != nil {
		return nil, err
	}
	flatten, err := c.Bool("flatten_fields", false)
	if err != nil {
		return nil, err
	}
	index := c.String("index", "peregrine-alerts")
	if index == "" || index != strings.ToLower(index) || strings.ContainsAny(index, ` "*\<|,>/?#:`) {
		return nil, fmt.Errorf("destination %s: index %q is not a valid index name (lowercase, no spaces or \\/*?\"<>|,#:)", c.Name, index)
	}
	client, err := c.Common.HTTPClient()
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", c.Name, err)
	}
	s := &esSink{
		url:     strings.TrimRight(base, "/") + "/_bulk",
		index:   index,
		flatten: flatten,
		common:  c.Common,
		client:  client,
		now:     time.Now,
	}
	switch suffix {
	case "daily":
		s.layout = "2006.01.02"
	case "monthly":
		s.layout = "2006.01"
	}
	if key := c.String("api_key", ""); key != "" {
		s.auth = "ApiKey " + key
	} else if user := c.String("user", ""); user != "" {
		s.auth = basicAuth(user, c.String("password", ""))
	}
	return s, nil
}

// indexFor is the index of an alert: the prefix and the date suffix of the
// alert time in UTC.
func (s *esSink) indexFor(t time.Time) string {
	if s.layout == "" {
		return s.index
	}
	return s.index + "-" + t.UTC().Format(s.layout)
}

// document is Falco's JSON alert with @timestamp (the alert time, RFC 3339
// with nanoseconds) added; numbers keep their exact text.
func (s *esSink) document(a *alert.Alert, t time.Time) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(sink.FalcoJSON(a)))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	doc["@timestamp"] = t.UTC().Format(time.RFC3339Nano)
	if fields, ok := doc["output_fields"].(map[string]any); ok && s.flatten {
		flat := make(map[string]any, len(fields))
		for k, v := range fields {
			flat[strings.ReplaceAll(k, ".", "_")] = v
		}
		doc["output_fields"] = flat
	}
	return json.Marshal(doc)
}

// body is the NDJSON bulk request: a create action line and a document line
// per alert.
func (s *esSink) body(batch []*alert.Alert) ([]byte, error) {
	var b bytes.Buffer
	for _, a := range batch {
		t := time.Unix(0, a.Time)
		if a.Time <= 0 {
			t = s.now()
		}
		action, err := json.Marshal(map[string]any{"create": map[string]string{"_index": s.indexFor(t)}})
		if err != nil {
			return nil, err
		}
		doc, err := s.document(a, t)
		if err != nil {
			return nil, err
		}
		b.Write(action)
		b.WriteByte('\n')
		b.Write(doc)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// bulkResponse is the part of the _bulk answer that is checked.
type bulkResponse struct {
	Errors bool                         `json:"errors"`
	Items  []map[string]bulkItemOutcome `json:"items"`
}

type bulkItemOutcome struct {
	Status int             `json:"status"`
	Error  json.RawMessage `json:"error"`
}

// Send indexes the batch with one _bulk request.
//
// The HTTP status is handled as for every HTTP destination (429 and 5xx
// retried, other 4xx permanent). A 200 answer with "errors": true is
// examined item by item: when any item failed with 429 or 5xx (a full
// queue, an unavailable shard) the whole batch is retried, as the router
// only retries whole batches; the items that were created are then
// indexed again (at-least-once, possible duplicates). When the failed
// items all have other 4xx statuses (mapping errors, a read-only or
// missing index, ...) a retry cannot fix them and the error is permanent;
// the other items of the batch were indexed.
func (s *esSink) Send(ctx context.Context, batch []*alert.Alert) error {
	if len(batch) == 0 {
		return nil
	}
	body, err := s.body(batch)
	if err != nil {
		return sink.Permanent(err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-ndjson")
	if s.auth != "" {
		h.Set("Authorization", s.auth)
	}
	data, err := httpPost(ctx, s.client, s.common, s.url, body, h)
	if err != nil {
		return err
	}
	return checkBulk(data, len(batch))
}

// checkBulk classifies a _bulk answer (see Send).
func checkBulk(data []byte, n int) error {
	var r bulkResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("bulk response: %w: %s", err, snippet(data))
	}
	if !r.Errors {
		return nil
	}
	var retry, fail int
	var firstRetry, firstFail string
	for i, item := range r.Items {
		for op, o := range item {
			switch {
			case o.Status == http.StatusTooManyRequests || o.Status >= 500:
				retry++
				if firstRetry == "" {
					firstRetry = fmt.Sprintf("item %d (%s) status %d: %s", i, op, o.Status, snippet(o.Error))
				}
			case o.Status >= 300 || len(o.Error) > 0 && string(o.Error) != "null":
				fail++
				if firstFail == "" {
					firstFail = fmt.Sprintf("item %d (%s) status %d: %s", i, op, o.Status, snippet(o.Error))
				}
			}
		}
	}
	switch {
	case retry > 0:
		return fmt.Errorf("bulk: %d of %d items rejected temporarily (%d permanently), retrying the batch; first: %s", retry, n, fail, firstRetry)
	case fail > 0:
		return sink.Permanent(fmt.Errorf("bulk: %d of %d items rejected; first: %s", fail, n, firstFail))
	default:
		return fmt.Errorf("bulk: errors reported without failed items: %s", snippet(data))
	}
}

// Close releases idle connections.
func (s *esSink) Close() error {
	s.client.CloseIdleConnections()
	return nil
}
