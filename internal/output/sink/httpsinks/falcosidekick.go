package httpsinks

import (
	"context"
	"net/http"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// falcoUserAgent is the default user_agent of Falco's http_output.
const falcoUserAgent = "falcosecurity/falco"

// falcosidekickParams are the falcosidekick kind's parameters.
func falcosidekickParams() []sink.Param {
	return []sink.Param{
		{Name: "url", Type: "string", Required: true, Doc: "Falcosidekick's address, e.g. http://falcosidekick:2801 (path / when none is given)"},
		{Name: "user_agent", Type: "string", Default: falcoUserAgent, Doc: "User-Agent header, as Falco's http_output.user_agent"},
	}
}

// falcosidekickKind forwards alerts to Falcosidekick as Falco's http_output does.
func falcosidekickKind() sink.Kind {
	return sink.Kind{
		Name:     "falcosidekick",
		Summary:  "Falcosidekick: POST of Falco's JSON alert, as Falco's http_output sends it",
		Params:   falcosidekickParams(),
		MaxBatch: 1,
		Example: `- name: sidekick
  type: falcosidekick
  min_priority: notice
  params:
    url: http://falcosidekick.falco.svc:2801/
`,
		New: newFalcosidekick,
	}
}

// falcosidekick is a Falcosidekick destination.
type falcosidekick struct {
	c   *client
	url string
}

func newFalcosidekick(c sink.Config) (sink.Sink, error) {
	u, err := parseURL(c, "url")
	if err != nil {
		return nil, err
	}
	if u.Path == "" {
		u.Path = "/"
	}
	cl, err := newClient(c, u, false)
	if err != nil {
		return nil, err
	}
	cl.userAgent = c.String("user_agent", falcoUserAgent)
	return &falcosidekick{c: cl, url: u.String()}, nil
}

// Send posts each alert of the batch in turn: Falco's JSON alert as the
// body, Content-Type application/json.
func (f *falcosidekick) Send(ctx context.Context, batch []*alert.Alert) error {
	for _, a := range batch {
		if _, err := f.c.post(ctx, http.MethodPost, f.url, "application/json", sink.FalcoJSON(a)); err != nil {
			return err
		}
	}
	return nil
}

// Close releases idle connections.
func (f *falcosidekick) Close() error { return f.c.close() }
