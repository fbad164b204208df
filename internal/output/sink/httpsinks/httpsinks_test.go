package httpsinks

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// testAlert is a realistic k8s_audit alert.
func testAlert() *alert.Alert {
	return &alert.Alert{
		Time:     time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC).UnixNano(),
		Rule:     "Exec Or Attach Into Pod",
		Priority: alert.Notice,
		Source:   "k8s_audit",
		Tags:     []string{"k8s", "mitre_execution"},
		Hostname: "node-1",
		Message:  "Attach/Exec to pod (user=alice pod=web-0 resource=pods ns=tenant-a action=exec command=(sh,-c,id) <&>)",
		Fields: []alert.Field{
			{Key: "ka.user.name", Kind: alert.String, Text: "alice"},
			{Key: "ka.target.name", Kind: alert.String, Text: "web-0"},
			{Key: "ka.target.namespace", Kind: alert.String, Text: "tenant-a"},
			{Key: "k8s.ns.name", Kind: alert.String, Text: "tenant-a"},
			{Key: "ka.uri.param[command]", Kind: alert.List, Text: "(sh,-c,id)", List: []string{"sh", "-c", "id"}},
			{Key: "ka.req.pod.containers.image", Kind: alert.Null},
			{Key: "ka.response.code", Kind: alert.Number, Text: "101"},
		},
		Extra: map[string]string{"cluster": "prod-eu-1"},
	}
}

// received is one request a receiver got.
type received struct {
	method, path string
	header       http.Header
	body         []byte
	user, pass   string
	basic        bool
}

// receiver is a local service answering status (and body) to every request.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	status int
	answer string
	delay  time.Duration
}

func newReceiver(t *testing.T, tlsSrv bool) *receiver {
	t.Helper()
	r := &receiver{status: http.StatusOK}
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		u, p, ok := req.BasicAuth()
		r.mu.Lock()
		r.got = append(r.got, received{method: req.Method, path: req.URL.Path, header: req.Header.Clone(), body: body, user: u, pass: p, basic: ok})
		status, answer, delay := r.status, r.answer, r.delay
		r.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-req.Context().Done():
				return
			}
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	})
	if tlsSrv {
		r.srv = httptest.NewTLSServer(h)
	} else {
		r.srv = httptest.NewServer(h)
	}
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (r *receiver) set(status int, answer string) {
	r.mu.Lock()
	r.status, r.answer = status, answer
	r.mu.Unlock()
}

// kindByName returns a kind of Kinds().
func kindByName(t *testing.T, name string) sink.Kind {
	t.Helper()
	for _, k := range Kinds() {
		if k.Name == name {
			return k
		}
	}
	t.Fatalf("no kind %s", name)
	return sink.Kind{}
}

// urlParam is the URL parameter of a kind.
func urlParam(kind string) string {
	if kind == "slack" || kind == "teams" {
		return "webhook_url"
	}
	return "url"
}

// newSink builds a sink of kind posting to base (+ path) with params.
func newSink(t *testing.T, kind, endpoint string, params map[string]any, common sink.Common) sink.Sink {
	t.Helper()
	p := map[string]any{urlParam(kind): endpoint}
	for k, v := range params {
		p[k] = v
	}
	s, err := kindByName(t, kind).New(sink.Config{Name: "test-" + kind, Params: p, Common: common})
	if err != nil {
		t.Fatalf("New %s: %v", kind, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// send sends one request's worth of alerts and returns the only request.
func sendOne(t *testing.T, s sink.Sink, r *receiver, batch ...*alert.Alert) received {
	t.Helper()
	if len(batch) == 0 {
		batch = []*alert.Alert{testAlert()}
	}
	if err := s.Send(context.Background(), batch); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := r.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	return got[0]
}

func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, body)
	}
	return m
}

func checkJSONPost(t *testing.T, req received, path, ua string) {
	t.Helper()
	if req.method != http.MethodPost || req.path != path {
		t.Errorf("request %s %s, want POST %s", req.method, req.path, path)
	}
	if ct := req.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if got := req.header.Get("User-Agent"); got != ua {
		t.Errorf("User-Agent %q, want %q", got, ua)
	}
}

func TestKinds(t *testing.T) {
	kinds := Kinds()
	var names []string
	for _, k := range kinds {
		names = append(names, k.Name)
		if k.Summary == "" || k.New == nil || k.MaxBatch < 1 || len(k.Params) == 0 {
			t.Errorf("%s: incomplete kind %+v", k.Name, k)
		}
		known := map[string]bool{}
		for _, p := range k.Params {
			known[p.Name] = true
			if p.Doc == "" || p.Type == "" {
				t.Errorf("%s.%s: no doc or type", k.Name, p.Name)
			}
		}
		if !known[urlParam(k.Name)] {
			t.Errorf("%s: no %s parameter", k.Name, urlParam(k.Name))
		}
		var entries []struct {
			Name   string         `yaml:"name"`
			Type   string         `yaml:"type"`
			Params map[string]any `yaml:"params"`
		}
		if err := yaml.Unmarshal([]byte(k.Example), &entries); err != nil || len(entries) != 1 {
			t.Fatalf("%s: example is not one YAML entry: %v\n%s", k.Name, err, k.Example)
		}
		e := entries[0]
		if e.Type != k.Name || e.Name == "" {
			t.Errorf("%s: example entry %+v", k.Name, e)
		}
		s, err := k.New(sink.Config{Name: e.Name, Params: e.Params})
		if err != nil {
			t.Errorf("%s: example does not build: %v", k.Name, err)
		} else {
			_ = s.Close()
		}
		if _, err := k.New(sink.Config{Name: "x", Params: map[string]any{}}); err == nil {
			t.Errorf("%s: built without its URL", k.Name)
		}
		if _, err := k.New(sink.Config{Name: "x", Params: map[string]any{urlParam(k.Name): "ftp://h/"}}); err == nil {
			t.Errorf("%s: ftp URL accepted", k.Name)
		}
	}
	if got := strings.Join(names, ","); got != "webhook,falcosidekick,slack,teams,alertmanager" {
		t.Errorf("kinds %s", got)
	}
	if kindByName(t, "alertmanager").MaxBatch != 100 || kindByName(t, "webhook").MaxBatch != 1 {
		t.Error("MaxBatch")
	}
}

func TestWebhook(t *testing.T) {
	r := newReceiver(t, false)
	s := newSink(t, "webhook", r.srv.URL+"/ingest/falco", nil, sink.Common{Headers: map[string]string{"Authorization": "Bearer t0k", "X-Tenant": "a"}})
	a := testAlert()
	req := sendOne(t, s, r, a)
	checkJSONPost(t, req, "/ingest/falco", "peregrine")
	if req.header.Get("Authorization") != "Bearer t0k" || req.header.Get("X-Tenant") != "a" {
		t.Errorf("headers %v", req.header)
	}
	if want := strings.TrimRight(string(sink.FalcoJSON(a)), "\n"); string(req.body) != want {
		t.Errorf("body\n%s\nwant\n%s", req.body, want)
	}
	m := decode(t, req.body)
	for _, k := range []string{"hostname", "output", "output_fields", "priority", "rule", "source", "tags", "time"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %s in %s", k, req.body)
		}
	}
	of := m["output_fields"].(map[string]any)
	if of["ka.req.pod.containers.image"] != nil || of["ka.response.code"] != 101.0 || len(of["ka.uri.param[command]"].([]any)) != 3 {
		t.Errorf("output_fields %v", of)
	}

	put := newReceiver(t, false)
	s = newSink(t, "webhook", put.srv.URL, map[string]any{"method": "put"}, sink.Common{})
	if req := sendOne(t, s, put); req.method != http.MethodPut {
		t.Errorf("method %s", req.method)
	}
	if _, err := kindByName(t, "webhook").New(sink.Config{Name: "x", Params: map[string]any{"url": put.srv.URL, "method": "GET"}}); err == nil {
		t.Error("GET accepted")
	}
}

func TestFalcosidekick(t *testing.T) {
	r := newReceiver(t, false)
	s := newSink(t, "falcosidekick", r.srv.URL, nil, sink.Common{})
	a := testAlert()
	req := sendOne(t, s, r, a)
	checkJSONPost(t, req, "/", "falcosecurity/falco")
	if string(req.body) != strings.TrimRight(string(sink.FalcoJSON(a)), "\n") {
		t.Errorf("body %s", req.body)
	}
	m := decode(t, req.body)
	if m["rule"] != a.Rule || m["priority"] != "Notice" || m["time"] != "2025-03-14T09:26:53.589793238Z" {
		t.Errorf("payload %v", m)
	}
}

func TestSlack(t *testing.T) {
	r := newReceiver(t, false)
	r.set(http.StatusOK, "ok")
	s := newSink(t, "slack", r.srv.URL+"/services/T000/B000/XXXX", map[string]any{"channel": "#sec", "mention_on": "warning"}, sink.Common{})
	a := testAlert()
	req := sendOne(t, s, r, a)
	checkJSONPost(t, req, "/services/T000/B000/XXXX", "peregrine")
	var msg struct {
		Text     string `json:"text"`
		Channel  string `json:"channel"`
		Username string `json:"username"`
		Blocks   []struct {
			Type string `json:"type"`
			Text *struct {
				Type, Text string
			} `json:"text"`
			Fields []struct {
				Type, Text string
			} `json:"fields"`
			Elements []struct {
				Type, Text string
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(req.body, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Text == "" || msg.Channel != "#sec" || msg.Username != "peregrine" || strings.Contains(msg.Text, "<!here>") {
		t.Errorf("message %+v", msg)
	}
	if !strings.Contains(msg.Text, "&lt;&amp;&gt;") {
		t.Errorf("text not escaped: %q", msg.Text)
	}
	types := []string{}
	var fields []string
	for _, b := range msg.Blocks {
		types = append(types, b.Type)
		switch b.Type {
		case "header":
			if b.Text == nil || b.Text.Type != "plain_text" || b.Text.Text != a.Rule {
				t.Errorf("header %+v", b.Text)
			}
		case "section":
			if b.Text == nil && len(b.Fields) == 0 || len(b.Fields) > 10 {
				t.Errorf("section %+v", b)
			}
			if b.Text != nil && (b.Text.Type != "mrkdwn" || !strings.Contains(b.Text.Text, "Notice") || utf8.RuneCountInString(b.Text.Text) > 3000) {
				t.Errorf("section text %+v", b.Text)
			}
			for _, f := range b.Fields {
				if f.Type != "mrkdwn" || !strings.HasPrefix(f.Text, "*") || !strings.Contains(f.Text, "*\n") {
					t.Errorf("field %+v", f)
				}
				fields = append(fields, f.Text)
			}
		case "context":
			if len(b.Elements) < 3 || len(b.Elements) > 10 {
				t.Errorf("context %+v", b.Elements)
			}
			all := fmt.Sprint(b.Elements)
			for _, w := range []string{"k8s_audit", "node-1", "mitre_execution", "<!date^1741944413^"} {
				if !strings.Contains(all, w) {
					t.Errorf("context lacks %s: %s", w, all)
				}
			}
		default:
			t.Errorf("block type %s", b.Type)
		}
	}
	if got := strings.Join(types, ","); got != "header,section,section,context" {
		t.Errorf("blocks %s", got)
	}
	want := []string{"*ka.user.name*\nalice", "*ka.uri.param[command]*\n(sh,-c,id)", "*ka.req.pod.containers.image*\n&lt;NA&gt;", "*cluster*\nprod-eu-1"}
	for _, w := range want {
		if !strings.Contains(strings.Join(fields, "|"), w) {
			t.Errorf("no field %q in %q", w, fields)
		}
	}
	if len(fields) != 8 {
		t.Errorf("%d fields", len(fields))
	}

	// Mention, many fields (split into sections of 10), a long output (truncated).
	r2 := newReceiver(t, false)
	s = newSink(t, "slack", r2.srv.URL, map[string]any{"mention_on": "notice", "username": "falco", "icon_url": "https://x/i.png"}, sink.Common{})
	a = testAlert()
	a.Message = strings.Repeat("<x> ", 2000)
	for i := range 25 {
		a.Fields = append(a.Fields, alert.Field{Key: fmt.Sprintf("proc.aname[%d]", i), Kind: alert.String, Text: strings.Repeat("é", 2500)})
	}
	req = sendOne(t, s, r2, a)
	m := decode(t, req.body)
	if !strings.HasPrefix(m["text"].(string), "<!here> ") || m["username"] != "falco" || m["icon_url"] != "https://x/i.png" {
		t.Errorf("message %v", m["text"])
	}
	var sizes []int
	for _, b := range m["blocks"].([]any) {
		b := b.(map[string]any)
		if txt, ok := b["text"].(map[string]any); ok && b["type"] == "section" {
			if n := utf8.RuneCountInString(txt["text"].(string)); n > 3000 || !strings.HasPrefix(txt["text"].(string), "<!here>") {
				t.Errorf("section text of %d characters", n)
			}
		}
		if fs, ok := b["fields"].([]any); ok {
			sizes = append(sizes, len(fs))
			for _, f := range fs {
				if n := utf8.RuneCountInString(f.(map[string]any)["text"].(string)); n > 2000 {
					t.Errorf("field of %d characters", n)
				}
			}
		}
	}
	if fmt.Sprint(sizes) != "[10 10 10 3]" {
		t.Errorf("field sections %v", sizes)
	}
}

func TestTeams(t *testing.T) {
	r := newReceiver(t, false)
	r.set(http.StatusAccepted, "")
	s := newSink(t, "teams", r.srv.URL+"/workflows/abc/triggers/manual/paths/invoke?sig=SECRET", nil, sink.Common{})
	req := sendOne(t, s, r)
	checkJSONPost(t, req, "/workflows/abc/triggers/manual/paths/invoke", "peregrine")
	var msg struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string `json:"contentType"`
			Content     struct {
				Type    string `json:"type"`
				Version string `json:"version"`
				Body    []struct {
					Type  string `json:"type"`
					Text  string `json:"text"`
					Facts []struct {
						Title string `json:"title"`
						Value string `json:"value"`
					} `json:"facts"`
				} `json:"body"`
			} `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(req.body, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Type != "message" || len(msg.Attachments) != 1 || msg.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" {
		t.Fatalf("message %s", req.body)
	}
	c := msg.Attachments[0].Content
	if c.Type != "AdaptiveCard" || c.Version != "1.4" || len(c.Body) != 4 {
		t.Fatalf("card %s", req.body)
	}
	if c.Body[0].Type != "TextBlock" || c.Body[0].Text != "Exec Or Attach Into Pod" || !strings.Contains(c.Body[2].Text, "user=alice") {
		t.Errorf("text blocks %+v", c.Body[:3])
	}
	fs := c.Body[3]
	if fs.Type != "FactSet" || len(fs.Facts) != 8 || fs.Facts[0].Title != "ka.user.name" || fs.Facts[0].Value != "alice" || fs.Facts[5].Value != "<NA>" {
		t.Errorf("facts %+v", fs)
	}

	// A huge alert stays under Teams' size limit; a legacy connector's
	// failure answered with 200 is an error.
	a := testAlert()
	for i := range 200 {
		a.Fields = append(a.Fields, alert.Field{Key: fmt.Sprintf("f%d", i), Kind: alert.String, Text: strings.Repeat("v", 400)})
	}
	r.set(http.StatusOK, "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413 with ContextId x")
	err := s.Send(context.Background(), []*alert.Alert{a})
	if !sink.IsPermanent(err) {
		t.Errorf("legacy 413: %v", err)
	}
	if got := r.requests(); len(got[1].body) > teamsPayloadMax || !strings.Contains(string(got[1].body), "more fields omitted") {
		t.Errorf("payload of %d bytes", len(got[1].body))
	}
	if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "workflows") {
		t.Errorf("error reveals the webhook URL: %v", err)
	}
}

func TestAlertmanagerBatch(t *testing.T) {
	r := newReceiver(t, false)
	s := newSink(t, "alertmanager", r.srv.URL+"/am/", map[string]any{
		"user": "am", "password": "pw", "expires_in": "15m",
		"extra_labels": map[string]any{"cluster": "prod", "team": "sec"}, "extra_annotations": map[string]any{"runbook_url": "https://rb/x"},
	}, sink.Common{})
	b1, b2, b3 := testAlert(), testAlert(), testAlert()
	b2.Rule, b2.Priority = "Terminal shell in container", alert.Warning
	b3.Fields = nil
	req := sendOne(t, s, r, b1, b2, b3)
	checkJSONPost(t, req, "/am/api/v2/alerts", "peregrine")
	if !req.basic || req.user != "am" || req.pass != "pw" {
		t.Errorf("basic auth %v %q %q", req.basic, req.user, req.pass)
	}
	var alerts []struct {
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		StartsAt    string            `json:"startsAt"`
		EndsAt      string            `json:"endsAt"`
	}
	if err := json.Unmarshal(req.body, &alerts); err != nil || len(alerts) != 3 {
		t.Fatalf("body %s: %v", req.body, err)
	}
	for i, am := range alerts {
		start, err := time.Parse(time.RFC3339, am.StartsAt)
		end, err2 := time.Parse(time.RFC3339, am.EndsAt)
		if err != nil || err2 != nil || start.UnixNano() != b1.Time || end.Sub(start) != 15*time.Minute {
			t.Errorf("alert %d: startsAt %q endsAt %q", i, am.StartsAt, am.EndsAt)
		}
		if am.Labels["alertname"] == "" || am.Labels["source"] != "k8s_audit" || am.Labels["cluster"] != "prod" || am.Labels["team"] != "sec" || am.Labels["hostname"] != "node-1" {
			t.Errorf("alert %d: labels %v", i, am.Labels)
		}
		if am.Annotations["summary"] == "" || am.Annotations["description"] == "" || am.Annotations["runbook_url"] != "https://rb/x" {
			t.Errorf("alert %d: annotations %v", i, am.Annotations)
		}
		for k := range am.Labels {
			if !validLabelName(k) {
				t.Errorf("alert %d: label name %q", i, k)
			}
		}
	}
	l := alerts[0].Labels
	want := map[string]string{"alertname": "Exec_Or_Attach_Into_Pod", "rule": "Exec Or Attach Into Pod", "priority": "Notice",
		"ka_user_name": "alice", "ka_target_namespace": "tenant-a", "k8s_ns_name": "tenant-a", "ka_response_code": "101"}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("label %s = %q, want %q (%v)", k, l[k], v, l)
		}
	}
	for _, k := range []string{"ka_uri_param_command", "ka_req_pod_containers_image"} {
		if _, ok := l[k]; ok {
			t.Errorf("list/null field labelled: %s", k)
		}
	}
	if alerts[1].Labels["priority"] != "Warning" || alerts[1].Labels["alertname"] != "Terminal_shell_in_container" {
		t.Errorf("second alert %v", alerts[1].Labels)
	}
	if _, ok := alerts[2].Labels["k8s_ns_name"]; ok {
		t.Errorf("third alert has field labels %v", alerts[2].Labels)
	}
	if alerts[0].Annotations["summary"] != b1.Message {
		t.Errorf("summary %q", alerts[0].Annotations["summary"])
	}

	// Without expires_in, endsAt is absent; a full API URL is not extended.
	r2 := newReceiver(t, false)
	s = newSink(t, "alertmanager", r2.srv.URL+"/api/v2/alerts", nil, sink.Common{})
	req = sendOne(t, s, r2)
	if req.path != "/api/v2/alerts" || req.basic || strings.Contains(string(req.body), "endsAt") {
		t.Errorf("request %s %s basic=%v", req.path, req.body, req.basic)
	}
	if _, err := kindByName(t, "alertmanager").New(sink.Config{Name: "x", Params: map[string]any{"url": r2.srv.URL, "extra_labels": map[string]any{"bad-name": "x"}}}); err == nil {
		t.Error("invalid extra label name accepted")
	}
}

func TestLabelName(t *testing.T) {
	for in, want := range map[string]string{"k8s.ns.name": "k8s_ns_name", "proc.aname[2]": "proc_aname_2", "jevt.value[/stage]": "jevt_value_stage",
		"__x": "x", "1abc": "_1abc", "Exec Or Attach Into Pod": "Exec_Or_Attach_Into_Pod", "": "_"} {
		if got := labelName(in); got != want {
			t.Errorf("labelName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestErrors checks, for every kind, the classification of answers and failures.
func TestErrors(t *testing.T) {
	for _, k := range Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			r := newReceiver(t, false)
			s := newSink(t, k.Name, r.srv.URL+"/hook/SECRET", nil, sink.Common{})
			for _, c := range []struct {
				status    int
				permanent bool
			}{{500, false}, {503, false}, {429, false}, {408, false}, {400, true}, {401, true}, {403, true}, {404, true}, {413, true}, {422, true}} {
				r.set(c.status, "invalid_payload")
				err := s.Send(context.Background(), []*alert.Alert{testAlert()})
				if err == nil || sink.IsPermanent(err) != c.permanent {
					t.Errorf("%d: err %v, permanent %v", c.status, err, sink.IsPermanent(err))
				}
				if err != nil && (k.Name == "slack" || k.Name == "teams") && strings.Contains(err.Error(), "SECRET") {
					t.Errorf("error reveals the webhook URL: %v", err)
				}
			}
			r.srv.Close()
			err := s.Send(context.Background(), []*alert.Alert{testAlert()})
			if err == nil || sink.IsPermanent(err) {
				t.Errorf("closed server: %v", err)
			}
			if strings.Contains(fmt.Sprint(err), "SECRET") && (k.Name == "slack" || k.Name == "teams") {
				t.Errorf("error reveals the webhook URL: %v", err)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	for _, k := range Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			r := newReceiver(t, false)
			r.delay = 5 * time.Second
			s := newSink(t, k.Name, r.srv.URL, nil, sink.Common{Timeout: 100 * time.Millisecond})
			start := time.Now()
			err := s.Send(context.Background(), []*alert.Alert{testAlert()})
			if err == nil || sink.IsPermanent(err) || time.Since(start) > 2*time.Second {
				t.Errorf("err %v after %v", err, time.Since(start))
			}
			// The caller's context is honoured too.
			s = newSink(t, k.Name, r.srv.URL, nil, sink.Common{})
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			start = time.Now()
			err = s.Send(ctx, []*alert.Alert{testAlert()})
			if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
				t.Errorf("context: err %v after %v", err, time.Since(start))
			}
		})
	}
}

func TestTLSAndHeaders(t *testing.T) {
	r := newReceiver(t, true)
	headers := map[string]string{"X-Scope-OrgID": "tenant-a", "Authorization": "Bearer abc"}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemCert, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range Kinds() {
		for _, opts := range []sink.TLSOptions{{InsecureSkipVerify: true}, {CAFile: caFile}} {
			n := len(r.requests())
			s := newSink(t, k.Name, r.srv.URL+"/x", nil, sink.Common{Headers: headers, TLS: opts})
			if err := s.Send(context.Background(), []*alert.Alert{testAlert()}); err != nil {
				t.Errorf("%s %+v: %v", k.Name, opts, err)
				continue
			}
			got := r.requests()
			if len(got) != n+1 || got[n].header.Get("X-Scope-OrgID") != "tenant-a" || got[n].header.Get("Authorization") != "Bearer abc" {
				t.Errorf("%s: headers not sent", k.Name)
			}
		}
		s := newSink(t, k.Name, r.srv.URL+"/x", nil, sink.Common{})
		if err := s.Send(context.Background(), []*alert.Alert{testAlert()}); err == nil {
			t.Errorf("%s: untrusted certificate accepted", k.Name)
		}
	}
	if _, err := kindByName(t, "slack").New(sink.Config{Name: "x", Params: map[string]any{"webhook_url": r.srv.URL}, Common: sink.Common{TLS: sink.TLSOptions{CAFile: "/nonexistent"}}}); err == nil {
		t.Error("missing CA file accepted")
	}
}

// TestBatchOfOne checks that kinds without a batch API send one request per alert.
func TestBatchOfOne(t *testing.T) {
	for _, name := range []string{"webhook", "falcosidekick", "slack", "teams"} {
		r := newReceiver(t, false)
		s := newSink(t, name, r.srv.URL, nil, sink.Common{})
		if err := s.Send(context.Background(), []*alert.Alert{testAlert(), testAlert()}); err != nil || len(r.requests()) != 2 {
			t.Errorf("%s: %v, %d requests", name, err, len(r.requests()))
		}
	}
}

// TestRedirect checks that a redirect turning the POST into a GET is an
// error, and that 307/308 are followed with the body.
func TestRedirect(t *testing.T) {
	final := newReceiver(t, false)
	for _, c := range []struct {
		code int
		ok   bool
	}{{http.StatusFound, false}, {http.StatusMovedPermanently, false}, {http.StatusTemporaryRedirect, true}, {http.StatusPermanentRedirect, true}} {
		redir := httptest.NewServer(http.RedirectHandler(final.srv.URL+"/moved", c.code))
		n := len(final.requests())
		s := newSink(t, "webhook", redir.URL, nil, sink.Common{})
		err := s.Send(context.Background(), []*alert.Alert{testAlert()})
		got := final.requests()[n:]
		if c.ok && (err != nil || len(got) != 1 || got[0].method != http.MethodPost || len(got[0].body) == 0) {
			t.Errorf("%d: %v, %d requests", c.code, err, len(got))
		}
		if !c.ok && (!sink.IsPermanent(err) || len(got) != 0) {
			t.Errorf("%d: %v, %d requests", c.code, err, len(got))
		}
		redir.Close()
	}
}

func TestDurationParam(t *testing.T) {
	for in, want := range map[any]time.Duration{"15m": 15 * time.Minute, 300: 300 * time.Second, "1.5": 1500 * time.Millisecond, nil: 0} {
		got, err := duration(sink.Config{Name: "x", Params: map[string]any{"expires_in": in}}, "expires_in", 0)
		if err != nil || got != want {
			t.Errorf("%v: %v, %v", in, got, err)
		}
	}
	if _, err := duration(sink.Config{Name: "x", Params: map[string]any{"expires_in": "soon"}}, "expires_in", 0); err == nil {
		t.Error("bad duration accepted")
	}
}
