package httpsinks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// Slack's documented Block Kit limits.
const (
	slackHeaderMax      = 150  // header block plain_text
	slackSectionTextMax = 3000 // section block text
	slackFieldTextMax   = 2000 // each section field
	slackFieldsMax      = 10   // fields per section block
	slackBlocksMax      = 50   // blocks per message
	slackFallbackMax    = 3000 // our own cap on the notification text
)

// slackParams are the slack kind's parameters.
func slackParams() []sink.Param {
	return []sink.Param{
		{Name: "webhook_url", Type: "string", Required: true, Doc: "Slack incoming webhook URL (a credential: prefer an environment override)"},
		{Name: "channel", Type: "string", Doc: "channel override (legacy webhooks only; app webhooks post to their own channel)"},
		{Name: "username", Type: "string", Default: "peregrine", Doc: "sender name override (legacy webhooks only)"},
		{Name: "icon_url", Type: "string", Doc: "sender icon override (legacy webhooks only)"},
		{Name: "mention_on", Type: "string", Doc: "minimum priority (e.g. critical) whose messages mention <!here>; none when unset"},
	}
}

// slackKind posts Block Kit messages to a Slack incoming webhook.
func slackKind() sink.Kind {
	return sink.Kind{
		Name:     "slack",
		Summary:  "Slack incoming webhook: one Block Kit message per alert",
		Params:   slackParams(),
		MaxBatch: 1,
		Example: `- name: slack-tenant-a
  type: slack
  min_priority: warning
  match: {condition: k8s.ns.name = tenant-a}
  params:
    webhook_url: https://hooks.slack.com/services/T000/B000/XXXX
    channel: "#tenant-a-security"
    mention_on: critical
`,
		New: newSlack,
	}
}

// slack is a Slack destination.
type slack struct {
	c         *client
	url       string
	channel   string
	username  string
	iconURL   string
	mention   bool
	mentionOn alert.Priority
}

func newSlack(c sink.Config) (sink.Sink, error) {
	u, err := parseURL(c, "webhook_url")
	if err != nil {
		return nil, err
	}
	s := &slack{url: u.String(), channel: c.String("channel", ""), username: c.String("username", "peregrine"), iconURL: c.String("icon_url", "")}
	if m := c.String("mention_on", ""); m != "" {
		p, err := alert.ParsePriority(m)
		if err != nil {
			return nil, fmt.Errorf("destination %s: parameter mention_on: %w", c.Name, err)
		}
		s.mention, s.mentionOn = true, p
	}
	if s.c, err = newClient(c, u, true); err != nil {
		return nil, err
	}
	return s, nil
}

// Send posts one message per alert.
func (s *slack) Send(ctx context.Context, batch []*alert.Alert) error {
	for _, a := range batch {
		body, err := json.Marshal(s.message(a))
		if err != nil {
			return sink.Permanent(fmt.Errorf("destination %s: encode message: %w", s.c.name, err))
		}
		if _, err := s.c.post(ctx, http.MethodPost, s.url, "application/json", body); err != nil {
			return err
		}
	}
	return nil
}

// Close releases idle connections.
func (s *slack) Close() error { return s.c.close() }

// slackText is a Block Kit text object.
type slackText struct {
	Type  string `json:"type"` // plain_text or mrkdwn
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

// slackBlock is a header, section or context block.
type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

// slackMessage is an incoming webhook payload.
type slackMessage struct {
	Text     string       `json:"text"`
	Channel  string       `json:"channel,omitempty"`
	Username string       `json:"username,omitempty"`
	IconURL  string       `json:"icon_url,omitempty"`
	Blocks   []slackBlock `json:"blocks"`
}

// message renders an alert: header (rule), section (priority and output),
// sections of at most 10 fields, context (source, hostname, tags, time).
func (s *slack) message(a *alert.Alert) slackMessage {
	mention := ""
	if s.mention && a.Priority.AtLeast(s.mentionOn) {
		mention = "<!here> "
	}
	rule := a.Rule
	if rule == "" {
		rule = "Falco alert"
	}
	m := slackMessage{Channel: s.channel, Username: s.username, IconURL: s.iconURL}
	m.Text = mention + slackLimit(fmt.Sprintf("[%s] %s: %s", a.Priority, rule, a.Message), slackFallbackMax-len(mention))
	m.Blocks = append(m.Blocks,
		slackBlock{Type: "header", Text: &slackText{Type: "plain_text", Text: truncate(rule, slackHeaderMax), Emoji: true}},
		slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn",
			Text: mention + "*Priority:* " + a.Priority.String() + "\n" + slackLimit(a.Message, slackSectionTextMax-len(mention)-len("*Priority:* \n")-len(a.Priority.String()))}},
	)
	fields := slackFields(a)
	for len(fields) > 0 && len(m.Blocks) < slackBlocksMax-1 {
		n := min(len(fields), slackFieldsMax)
		m.Blocks = append(m.Blocks, slackBlock{Type: "section", Fields: fields[:n]})
		fields = fields[n:]
	}
	ctxEls := []slackText{{Type: "mrkdwn", Text: "*source:* " + slackLimit(a.Source, 200)}}
	if a.Hostname != "" {
		ctxEls = append(ctxEls, slackText{Type: "mrkdwn", Text: "*host:* " + slackLimit(a.Hostname, 300)})
	}
	if len(a.Tags) > 0 {
		ctxEls = append(ctxEls, slackText{Type: "mrkdwn", Text: "*tags:* " + slackLimit(strings.Join(a.Tags, ", "), 2000)})
	}
	t := alertTime(a)
	ctxEls = append(ctxEls, slackText{Type: "mrkdwn",
		Text: fmt.Sprintf("<!date^%d^{date_short_pretty} {time_secs}|%s>", t.Unix(), t.Format("2006-01-02T15:04:05.000000000Z"))})
	if len(fields) > 0 {
		ctxEls = append(ctxEls, slackText{Type: "mrkdwn", Text: fmt.Sprintf("%d more fields omitted", len(fields))})
	}
	m.Blocks = append(m.Blocks, slackBlock{Type: "context", Elements: ctxEls})
	return m
}

// slackFields renders the output fields (then the enrichment fields) as
// mrkdwn "*key*\nvalue" texts.
func slackFields(a *alert.Alert) []slackText {
	out := make([]slackText, 0, len(a.Fields)+len(a.Extra))
	add := func(k, v string) {
		key := slackLimit(k, 200)
		out = append(out, slackText{Type: "mrkdwn", Text: "*" + key + "*\n" + slackLimit(v, slackFieldTextMax-utf8.RuneCountInString(key)-3)})
	}
	seen := make(map[string]bool, len(a.Fields))
	for _, f := range a.Fields {
		seen[f.Key] = true
		add(f.Key, fieldText(f))
	}
	keys := make([]string, 0, len(a.Extra))
	for k := range a.Extra {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		add(k, a.Extra[k])
	}
	return out
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackLimit escapes s and truncates it so that the escaped text has at
// most n characters (entities are never cut).
func slackLimit(s string, n int) string {
	s = strings.ToValidUTF8(s, "\ufffd")
	m := utf8.RuneCountInString(s)
	for {
		e := slackEscape(truncate(s, m))
		over := utf8.RuneCountInString(e) - n
		if over <= 0 || m <= 1 {
			return e
		}
		m = max(m-over, 1)
	}
}
