package k8saudit

import (
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/source/meta"
)

// TestLabels decodes a record as Fluent Bit ships it (the audit event plus
// the keys its filters add) with static labels configured: the record's own
// keys are labels, win over static ones of the same name, and are fields.
func TestLabels(t *testing.T) {
	static, err := event.NewLabels(map[string]string{"cluster": "static-cluster", "team": "payments"})
	if err != nil {
		t.Fatal(err)
	}
	dec := NewDecoder(nil, quiet)
	dec.Labels = static
	record := `{"kind":"Event","auditID":"a1","verb":"get","stageTimestamp":"2026-11-28T10:00:00Z",` +
		`"cluster":"eu-prod-3","region":"eu-west-1","replicas":3}`
	table := field.NewTable(meta.Fields())
	var got map[string]string
	var fieldVals []string
	if err := dec.Decode([]byte(record), func(e *Event) {
		got = map[string]string{}
		e.EachLabel(func(k string, v []byte) { got[k] = string(v) })
		for _, name := range []string{"meta.label[cluster]", "meta.label[team]", "meta.label[region]", "meta.label[replicas]", "meta.label[absent]", "meta.labels"} {
			base, arg, hasArg := name, "", false
			if i := strings.IndexByte(name, '['); i > 0 {
				base, arg, hasArg = name[:i], name[i+1:len(name)-1], true
			}
			d, _, ok := table.Resolve(base)
			if !ok {
				t.Fatalf("no field %s", base)
			}
			ex, err := d.New(arg, hasArg)
			if err != nil {
				t.Fatal(err)
			}
			vals, ok := ex.Extract(e, nil)
			var parts []string
			for _, v := range vals {
				parts = append(parts, string(v.B))
			}
			if !ok {
				parts = []string{"<missing>"}
			}
			fieldVals = append(fieldVals, name+"="+strings.Join(parts, ","))
		}
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"cluster": "eu-prod-3", "team": "payments", "region": "eu-west-1", "replicas": "3"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("label %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("labels %v, want %v", got, want)
	}
	wantFields := "meta.label[cluster]=eu-prod-3 meta.label[team]=payments meta.label[region]=eu-west-1 " +
		"meta.label[replicas]=3 meta.label[absent]=<missing> meta.labels=team=payments,cluster=eu-prod-3,region=eu-west-1,replicas=3"
	if g := strings.Join(fieldVals, " "); g != wantFields {
		t.Errorf("fields:\n got %s\nwant %s", g, wantFields)
	}
}

func TestLabelKeysValidated(t *testing.T) {
	if _, err := event.NewLabels(map[string]string{"bad key": "x"}); err == nil {
		t.Error("a key with a space was accepted")
	}
}
