package httpsinks

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// webhookParams are the webhook kind's parameters.
func webhookParams() []sink.Param {
	return []sink.Param{
		{Name: "url", Type: "string", Required: true, Doc: "endpoint receiving one Falco JSON alert per request"},
		{Name: "method", Type: "string", Default: "POST", Doc: "HTTP method: POST or PUT"},
	}
}

// webhookKind posts Falco's JSON alert to any HTTP endpoint.
func webhookKind() sink.Kind {
	return sink.Kind{
		Name:     "webhook",
		Summary:  "HTTP POST/PUT of Falco's JSON alert, one alert per request",
		Params:   webhookParams(),
		MaxBatch: 1,
		Example: `- name: soc-webhook
  type: webhook
  min_priority: warning
  params:
    url: https://soc.example.com/ingest/falco
    method: POST
`,
		New: newWebhook,
	}
}

// webhook is a webhook destination.
type webhook struct {
	c      *client
	url    string
	method string
}

func newWebhook(c sink.Config) (sink.Sink, error) {
	u, err := parseURL(c, "url")
	if err != nil {
		return nil, err
	}
	method := strings.ToUpper(c.String("method", http.MethodPost))
	if method != http.MethodPost && method != http.MethodPut {
		return nil, fmt.Errorf("destination %s: parameter method: %q is neither POST nor PUT", c.Name, method)
	}
	cl, err := newClient(c, u, false)
	if err != nil {
		return nil, err
	}
	return &webhook{c: cl, url: u.String(), method: method}, nil
}

// Send posts each alert of the batch in turn.
func (w *webhook) Send(ctx context.Context, batch []*alert.Alert) error {
	for _, a := range batch {
		if _, err := w.c.post(ctx, w.method, w.url, "application/json", sink.FalcoJSON(a)); err != nil {
			return err
		}
	}
	return nil
}

// Close releases idle connections.
func (w *webhook) Close() error { return w.c.close() }
