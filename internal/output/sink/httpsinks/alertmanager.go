package httpsinks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// alertmanagerLabelValueMax bounds the output field values made labels
// (longer values, e.g. command lines, stay in the description).
const alertmanagerLabelValueMax = 256

// alertmanagerParams are the alertmanager kind's parameters.
func alertmanagerParams() []sink.Param {
	return []sink.Param{
		{Name: "url", Type: "string", Required: true, Doc: "Alertmanager base URL, e.g. http://alertmanager:9093 (/api/v2/alerts is appended)"},
		{Name: "user", Type: "string", Doc: "basic auth user"},
		{Name: "password", Type: "string", Doc: "basic auth password (prefer an environment override)"},
		{Name: "extra_labels", Type: "map", Doc: "labels added to every alert (they override field labels, not alertname/rule/priority/source/hostname)"},
		{Name: "extra_annotations", Type: "map", Doc: "annotations added to every alert"},
		{Name: "expires_in", Type: "duration", Default: "0", Doc: "when > 0, endsAt = alert time + expires_in; 0 leaves endsAt unset (Alertmanager's resolve_timeout applies)"},
	}
}

// alertmanagerKind posts alerts to the Prometheus Alertmanager API v2.
func alertmanagerKind() sink.Kind {
	return sink.Kind{
		Name:     "alertmanager",
		Summary:  "Prometheus Alertmanager API v2 (POST /api/v2/alerts), batches of up to 100 alerts",
		Params:   alertmanagerParams(),
		MaxBatch: 100,
		Example: `- name: alertmanager
  type: alertmanager
  min_priority: warning
  params:
    url: http://alertmanager.monitoring.svc:9093
    expires_in: 15m
    extra_labels:
      cluster: prod-eu-1
`,
		New: newAlertmanager,
	}
}

// alertmanager is an Alertmanager destination.
type alertmanager struct {
	c           *client
	url         string
	labels      map[string]string
	annotations map[string]string
	expiresIn   time.Duration
}

func newAlertmanager(c sink.Config) (sink.Sink, error) {
	u, err := parseURL(c, "url")
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/api/v2/alerts") {
		u = u.JoinPath("api", "v2", "alerts")
	}
	am := &alertmanager{url: u.String()}
	if am.labels, err = c.StringMap("extra_labels"); err != nil {
		return nil, err
	}
	for k := range am.labels {
		if !validLabelName(k) {
			return nil, fmt.Errorf("destination %s: parameter extra_labels: %q is not a valid label name", c.Name, k)
		}
	}
	if am.annotations, err = c.StringMap("extra_annotations"); err != nil {
		return nil, err
	}
	if am.expiresIn, err = duration(c, "expires_in", 0); err != nil {
		return nil, err
	}
	if am.expiresIn < 0 {
		return nil, fmt.Errorf("destination %s: parameter expires_in: negative duration", c.Name)
	}
	if am.c, err = newClient(c, u, false); err != nil {
		return nil, err
	}
	am.c.user, am.c.password = c.String("user", ""), c.String("password", "")
	return am, nil
}

// Send posts the batch as one JSON array.
func (am *alertmanager) Send(ctx context.Context, batch []*alert.Alert) error {
	if len(batch) == 0 {
		return nil
	}
	out := make([]amAlert, 0, len(batch))
	for _, a := range batch {
		out = append(out, am.render(a))
	}
	body, err := json.Marshal(out)
	if err != nil {
		return sink.Permanent(fmt.Errorf("destination %s: encode alerts: %w", am.c.name, err))
	}
	_, err = am.c.post(ctx, http.MethodPost, am.url, "application/json", body)
	return err
}

// Close releases idle connections.
func (am *alertmanager) Close() error { return am.c.close() }

// amAlert is a postableAlert of the API v2.
type amAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    string            `json:"startsAt"`
	EndsAt      string            `json:"endsAt,omitempty"`
}

// render maps an alert: output fields (then enrichment fields) whose values
// are label values become labels, then extra_labels, then the fixed labels.
func (am *alertmanager) render(a *alert.Alert) amAlert {
	labels := make(map[string]string, len(a.Fields)+len(am.labels)+6)
	for _, f := range a.Fields {
		if f.Kind == alert.Null || f.Kind == alert.List {
			continue
		}
		addLabel(labels, f.Key, f.Text)
	}
	keys := make([]string, 0, len(a.Extra))
	for k := range a.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		addLabel(labels, k, a.Extra[k])
	}
	for k, v := range am.labels {
		labels[k] = v
	}
	labels["alertname"] = labelName(a.Rule)
	labels["rule"] = a.Rule
	labels["priority"] = a.Priority.String()
	labels["source"] = a.Source
	if a.Hostname != "" {
		labels["hostname"] = a.Hostname
	}
	for k, v := range labels {
		if v == "" {
			delete(labels, k) // an empty value is no label
		}
	}
	annotations := make(map[string]string, len(am.annotations)+3)
	for k, v := range am.annotations {
		annotations[k] = v
	}
	annotations["summary"] = a.Message
	annotations["description"] = sink.FalcoOutput(a)
	if len(a.Tags) > 0 {
		annotations["tags"] = strings.Join(a.Tags, ", ")
	}
	start := alertTime(a)
	am1 := amAlert{Labels: labels, Annotations: annotations, StartsAt: start.Format(time.RFC3339Nano)}
	if am.expiresIn > 0 {
		am1.EndsAt = start.Add(am.expiresIn).Format(time.RFC3339Nano)
	}
	return am1
}

// addLabel adds a field as a label when its value is a usable label value
// (non-empty UTF-8, not too long) and its key maps to a new label name.
func addLabel(labels map[string]string, key, value string) {
	if value == "" || !utf8.ValidString(value) || len(value) > alertmanagerLabelValueMax {
		return
	}
	name := labelName(key)
	if _, dup := labels[name]; dup || name == "_" {
		return
	}
	labels[name] = value
}

// labelName converts a field key (k8s.ns.name, proc.aname[2]) or a rule
// name to a Prometheus label name: runs of characters outside
// [A-Za-z0-9_] become one underscore, leading and trailing underscores
// are trimmed (no reserved __ prefix), a leading digit gets an underscore.
func labelName(s string) string {
	var b strings.Builder
	under := false
	for _, r := range s {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !ok || r == '_' {
			under = true
			continue
		}
		if under && b.Len() > 0 {
			b.WriteByte('_')
		}
		under = false
		b.WriteRune(r)
	}
	n := b.String()
	if n == "" {
		return "_"
	}
	if n[0] >= '0' && n[0] <= '9' {
		n = "_" + n
	}
	return n
}

// validLabelName reports whether s matches [a-zA-Z_][a-zA-Z0-9_]* and
// does not use the reserved __ prefix.
func validLabelName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
