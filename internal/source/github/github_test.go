package github

import (
	"testing"
	"time"

	"github.com/peregrine-sec/peregrine/internal/field"
)

const push = `{"webhook_type":"push","received_at":"2026-11-22T10:00:00Z","sender":{"login":"mallory"},
"repository":{"html_url":"https://github.com/acme/shop","private":false,"owner":{"login":"acme"}},"organization":{"login":"acme"},
"head_commit":{"id":"abc123"},"commits":[{"added":["a.go","b.go"],"modified":["c.go"],"removed":[]}],
"files":[{"name":"config.env","matches":[{"desc":"AWS key","line":3}]}]}`

func TestFields(t *testing.T) {
	r := Reader{Now: func() time.Time { return time.Unix(0, 0) }}
	tbl := field.NewTable(Fields())
	got := map[string]string{}
	if err := r.Decode([]byte(push), func(e *Event) {
		if e.Time() != time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC).UnixNano() {
			t.Errorf("time %d", e.Time())
		}
		for _, d := range tbl.Fields() {
			ex, _ := d.New("", false)
			if vals, ok := ex.Extract(e, nil); ok {
				got[d.Name] = string(vals[0].B)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"github.type": "push", "github.user": "mallory", "github.repo.name": "acme/shop", "github.repo.public": "true",
		"github.commit.added": "a.go,b.go", "github.diff.has_secrets": "true", "github.diff.committed_secrets.desc": "AWS key",
		"github.diff.committed_secrets.links": "https://github.com/acme/shop/blob/abc123/config.env/#L3", "github.org": "acme"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["github.workflow.has_miners"]; ok {
		t.Error("github.workflow.has_miners present on a push")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(push))
	descs := Fields()
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Reader
		r.Decode(data, func(e *Event) {
			for _, d := range descs {
				if ex, err := d.New("", false); err == nil {
					ex.Extract(e, nil)
				}
			}
		})
	})
}
