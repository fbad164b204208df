package httpsinks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// Teams limits: messages are refused above about 28 KB; we stay below.
const (
	teamsPayloadMax = 24 << 10
	teamsTextMax    = 3000 // the output TextBlock
	teamsFactMax    = 500  // each fact value
)

// teamsParams are the teams kind's parameters.
func teamsParams() []sink.Param {
	return []sink.Param{
		{Name: "webhook_url", Type: "string", Required: true, Doc: "Teams incoming webhook URL (Workflows \"post to a channel when a webhook request is received\", or a legacy connector); a credential"},
	}
}

// teamsKind posts Adaptive Card messages to a Microsoft Teams webhook.
func teamsKind() sink.Kind {
	return sink.Kind{
		Name:     "teams",
		Summary:  "Microsoft Teams incoming webhook: one Adaptive Card message per alert",
		Params:   teamsParams(),
		MaxBatch: 1,
		Example: `- name: teams-secops
  type: teams
  min_priority: error
  params:
    webhook_url: https://prod-00.westeurope.logic.azure.com:443/workflows/0000/triggers/manual/paths/invoke?api-version=2016-06-01&sig=XXXX
`,
		New: newTeams,
	}
}

// teams is a Microsoft Teams destination.
type teams struct {
	c   *client
	url string
}

func newTeams(c sink.Config) (sink.Sink, error) {
	u, err := parseURL(c, "webhook_url")
	if err != nil {
		return nil, err
	}
	cl, err := newClient(c, u, true)
	if err != nil {
		return nil, err
	}
	return &teams{c: cl, url: u.String()}, nil
}

// Send posts one message per alert.
func (t *teams) Send(ctx context.Context, batch []*alert.Alert) error {
	for _, a := range batch {
		body, err := teamsBody(a)
		if err != nil {
			return sink.Permanent(fmt.Errorf("destination %s: encode message: %w", t.c.name, err))
		}
		answer, err := t.c.post(ctx, http.MethodPost, t.url, "application/json", body)
		if err != nil {
			return err
		}
		// Legacy connectors answer some failures with 200 and a message.
		if msg := string(bytes.TrimSpace(answer)); strings.HasPrefix(msg, "Webhook message delivery failed") {
			err := fmt.Errorf("destination %s: POST %s: %s", t.c.name, t.c.dest, msg)
			if strings.Contains(msg, "HTTP error 4") && !strings.Contains(msg, "HTTP error 429") {
				return sink.Permanent(err)
			}
			return err
		}
	}
	return nil
}

// Close releases idle connections.
func (t *teams) Close() error { return t.c.close() }

// teamsFact is one FactSet entry.
type teamsFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// teamsElement is a TextBlock or a FactSet.
type teamsElement struct {
	Type     string      `json:"type"`
	Text     string      `json:"text,omitempty"`
	Size     string      `json:"size,omitempty"`
	Weight   string      `json:"weight,omitempty"`
	Color    string      `json:"color,omitempty"`
	IsSubtle bool        `json:"isSubtle,omitempty"`
	Spacing  string      `json:"spacing,omitempty"`
	Wrap     bool        `json:"wrap,omitempty"`
	Facts    []teamsFact `json:"facts,omitempty"`
}

// teamsCard is an Adaptive Card.
type teamsCard struct {
	Schema  string            `json:"$schema"`
	Type    string            `json:"type"`
	Version string            `json:"version"`
	Body    []teamsElement    `json:"body"`
	MSTeams map[string]string `json:"msteams"`
}

// teamsAttachment is a message attachment.
type teamsAttachment struct {
	ContentType string    `json:"contentType"`
	ContentURL  *string   `json:"contentUrl"`
	Content     teamsCard `json:"content"`
}

// teamsMessage is the webhook payload.
type teamsMessage struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

// teamsBody renders an alert as a message with one Adaptive Card: the rule,
// a subtle line (priority, source, host, time, tags), the output and a
// FactSet of the output fields; facts are dropped from the end when the
// message would exceed Teams' size limit.
func teamsBody(a *alert.Alert) ([]byte, error) {
	facts := teamsFacts(a)
	for dropped := 0; ; {
		body := teamsElements(a, facts, dropped)
		msg := teamsMessage{Type: "message", Attachments: []teamsAttachment{{
			ContentType: "application/vnd.microsoft.card.adaptive",
			Content: teamsCard{Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard",
				Version: "1.4", Body: body, MSTeams: map[string]string{"width": "Full"}},
		}}}
		data, err := json.Marshal(msg)
		if err != nil || len(data) <= teamsPayloadMax {
			return data, err
		}
		if len(facts) == 0 {
			return nil, errors.New("message too large for Teams")
		}
		n := max(len(facts)/4, 1)
		facts, dropped = facts[:len(facts)-n], dropped+n
	}
}

// teamsElements is the card body.
func teamsElements(a *alert.Alert, facts []teamsFact, dropped int) []teamsElement {
	rule := a.Rule
	if rule == "" {
		rule = "Falco alert"
	}
	meta := []string{a.Priority.String(), "source " + a.Source}
	if a.Hostname != "" {
		meta = append(meta, "host "+a.Hostname)
	}
	meta = append(meta, alertTime(a).Format("2006-01-02T15:04:05.000000000Z"))
	if len(a.Tags) > 0 {
		meta = append(meta, "tags: "+strings.Join(a.Tags, ", "))
	}
	els := []teamsElement{
		{Type: "TextBlock", Text: truncate(rule, 300), Size: "Large", Weight: "Bolder", Color: teamsColor(a.Priority), Wrap: true},
		{Type: "TextBlock", Text: truncate(strings.Join(meta, " · "), 1000), IsSubtle: true, Spacing: "None", Wrap: true},
		{Type: "TextBlock", Text: truncate(a.Message, teamsTextMax), Wrap: true},
	}
	if len(facts) > 0 {
		els = append(els, teamsElement{Type: "FactSet", Facts: facts})
	}
	if dropped > 0 {
		els = append(els, teamsElement{Type: "TextBlock", Text: fmt.Sprintf("%d more fields omitted", dropped), IsSubtle: true, Wrap: true})
	}
	return els
}

// teamsFacts are the output fields, then the enrichment fields.
func teamsFacts(a *alert.Alert) []teamsFact {
	facts := make([]teamsFact, 0, len(a.Fields)+len(a.Extra))
	seen := make(map[string]bool, len(a.Fields))
	for _, f := range a.Fields {
		seen[f.Key] = true
		facts = append(facts, teamsFact{Title: truncate(f.Key, 200), Value: truncate(fieldText(f), teamsFactMax)})
	}
	keys := make([]string, 0, len(a.Extra))
	for k := range a.Extra {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		facts = append(facts, teamsFact{Title: truncate(k, 200), Value: truncate(a.Extra[k], teamsFactMax)})
	}
	return facts
}

// teamsColor is the title color of a priority.
func teamsColor(p alert.Priority) string {
	switch {
	case p.AtLeast(alert.Error):
		return "Attention"
	case p == alert.Warning:
		return "Warning"
	case p == alert.Notice:
		return "Accent"
	}
	return "Default"
}
