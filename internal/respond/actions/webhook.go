package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/respond/action"
)

// webhook POSTs the alert, the target and the policy as JSON to a URL.
type webhook struct{ *base }

// Describe implements action.Action.
func (a *webhook) Describe() action.Description {
	return action.Description{
		Name:    "webhook",
		Summary: "POST the alert, target and policy as JSON to a URL.",
		Doc: `POSTs {"alert": <the alert in Falco's JSON format: time, rule, priority, source, output, ` +
			`output_fields, tags, hostname>, "target": {namespace, pod, container, node}, "policy": "<name>"} ` +
			"to url, e.g. to open a ticket or page someone. Any status outside 2xx is an error. " +
			"It touches no Kubernetes object, so it needs no RBAC and a dry run only validates the parameters.",
		Params: []action.ParamDesc{
			{Name: "url", Type: "string", Required: true, Doc: "http or https URL to POST to"},
			{Name: "headers", Type: "map", Doc: "extra request headers (e.g. Authorization)"},
			{Name: "timeout", Type: "duration", Default: "5s", Doc: "timeout of the whole request"},
		},
		Example: `- name: page-on-exec
  match:
    rules: ["Attach/Exec Pod"]
  actions:
    - action: webhook
      params:
        url: https://hooks.example.com/peregrine
        headers:
          Authorization: Bearer s3cr3t
        timeout: 5s
`,
	}
}

// webhookBody is the JSON the webhook posts.
type webhookBody struct {
	Alert  *falcoAlert `json:"alert"`
	Target struct {
		Namespace string `json:"namespace"`
		Pod       string `json:"pod"`
		Container string `json:"container,omitempty"`
		Node      string `json:"node,omitempty"`
	} `json:"target"`
	Policy string `json:"policy"`
}

// falcoAlert is an alert in Falco's JSON output format.
type falcoAlert struct {
	Time         string         `json:"time"`
	Rule         string         `json:"rule"`
	Priority     string         `json:"priority"`
	Source       string         `json:"source"`
	Output       string         `json:"output"`
	OutputFields map[string]any `json:"output_fields"`
	Tags         []string       `json:"tags"`
	Hostname     string         `json:"hostname"`
}

// toFalco converts an alert to Falco's JSON shape (nil stays nil).
func toFalco(a *alert.Alert) *falcoAlert {
	if a == nil {
		return nil
	}
	t := time.Unix(0, a.Time).UTC()
	f := &falcoAlert{
		Time:         t.Format(time.RFC3339Nano),
		Rule:         a.Rule,
		Priority:     a.Priority.String(),
		Source:       a.Source,
		Output:       t.Format("15:04:05.000000000") + ": " + a.Priority.String() + " " + a.Message,
		OutputFields: make(map[string]any, len(a.Fields)),
		Tags:         a.Tags,
		Hostname:     a.Hostname,
	}
	if f.Tags == nil {
		f.Tags = []string{}
	}
	for _, fl := range a.Fields {
		f.OutputFields[fl.Key] = fieldValue(fl)
	}
	return f
}

// fieldValue is a field's typed JSON value.
func fieldValue(f alert.Field) any {
	switch f.Kind {
	case alert.Null:
		return nil
	case alert.Number:
		if json.Valid([]byte(f.Text)) {
			return json.Number(f.Text)
		}
		return f.Text
	case alert.Bool:
		return f.Text == "true"
	case alert.List:
		if f.List == nil {
			return []string{}
		}
		return f.List
	}
	return f.Text
}

// Run implements action.Action.
func (a *webhook) Run(ctx context.Context, req action.Request) (action.Result, error) {
	const act = "webhook"
	raw := req.Params.String("url", "")
	if raw == "" {
		return action.Result{}, fmt.Errorf("%s for %s: parameter url is required", act, podRef(req.Target))
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return action.Result{}, fmt.Errorf("%s for %s: parameter url: %q is not an http(s) URL", act, podRef(req.Target), raw)
	}
	dest := u.Redacted()
	headers, err := req.Params.StringMap("headers")
	if err != nil {
		return action.Result{}, fmt.Errorf("%s to %s: %w", act, dest, err)
	}
	timeout, err := req.Params.Duration("timeout", 5*time.Second)
	if err != nil {
		return action.Result{}, fmt.Errorf("%s to %s: %w", act, dest, err)
	}
	var body webhookBody
	body.Alert = toFalco(req.Alert)
	body.Target.Namespace, body.Target.Pod = req.Target.Namespace, req.Target.Pod
	body.Target.Container, body.Target.Node = req.Target.Container, req.Target.Node
	body.Policy = req.Policy
	data, err := json.Marshal(body)
	if err != nil {
		return action.Result{}, fmt.Errorf("%s to %s: encode body: %w", act, dest, err)
	}
	details := map[string]string{"url": dest}
	if req.DryRun {
		return action.Result{Message: fmt.Sprintf("would POST the alert for %s to %s", podRef(req.Target), dest), Details: details}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, raw, bytes.NewReader(data))
	if err != nil {
		return action.Result{}, fmt.Errorf("%s to %s: %w", act, dest, err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("User-Agent", "peregrine")
	for k, v := range headers {
		hr.Header.Set(k, v)
	}
	resp, err := a.http.Do(hr)
	if err != nil {
		return action.Result{}, fmt.Errorf("%s to %s for %s: %w", act, dest, podRef(req.Target), err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	details["status"] = resp.Status
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return action.Result{Details: details}, fmt.Errorf("%s to %s for %s: %s: %s", act, dest, podRef(req.Target), resp.Status, bytes.TrimSpace(snippet))
	}
	a.log.Debug("webhook sent", "url", dest, "status", resp.Status)
	return action.Result{Message: fmt.Sprintf("posted the alert for %s to %s (%s)", podRef(req.Target), dest, resp.Status), Changed: true, Details: details}, nil
}
