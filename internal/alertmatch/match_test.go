package alertmatch

import (
	"reflect"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/source/k8saudit"
	"github.com/peregrine-sec/peregrine/internal/source/meta"
)

func tables() []*field.Table {
	return []*field.Table{field.NewTable(k8saudit.Fields()), field.NewTable(meta.Fields())}
}

func execAlert(ns string, code string) *alert.Alert {
	return &alert.Alert{Rule: "Exec Or Attach Into Pod", Priority: alert.Notice, Source: "k8s_audit",
		Tags: []string{"k8s", "mitre_execution"}, Fields: []alert.Field{
			{Key: "ka.target.namespace", Kind: alert.String, Text: ns},
			{Key: "ka.target.name", Kind: alert.String, Text: "web-1"},
			{Key: "ka.response.code", Kind: alert.Number, Text: code},
			{Key: "ka.uri.param[command]", Kind: alert.String, Text: "sh"},
			{Key: "meta.label[cluster]", Kind: alert.String, Text: "prod-eu"},
		}}
}

func TestMatch(t *testing.T) {
	specs := []Spec{
		{},                          // 0: everything
		{Priority: "warning"},       // 1: Notice is below Warning
		{Rules: []string{"Exec *"}}, // 2: glob
		{Rules: []string{"Privileged Pod Created"}},                                            // 3
		{Tags: []string{"mitre_execution", "x"}},                                               // 4
		{Sources: []string{"syscall"}},                                                         // 5
		{Fields: map[string]string{"ka.target.namespace": "tenant-a"}},                         // 6
		{Condition: "ka.target.namespace in (tenant-a, tenant-b) and ka.response.code >= 400"}, // 7
		{Condition: `alert.rule startswith "Exec" and alert.tags intersects (k8s)`},            // 8
		{Condition: "ka.uri.param[command] = sh and meta.label[cluster] = prod-eu"},            // 9
		{Condition: "ka.user.name exists"},                                                     // 10: not in the alert
		{Priority: "notice", Condition: "not ka.target.namespace = tenant-b"},                  // 11
	}
	s, err := Compile(specs, nil, tables()...)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Match(execAlert("tenant-a", "400"), nil)
	if want := []int{0, 2, 4, 6, 7, 8, 9, 11}; !reflect.DeepEqual(got, want) {
		t.Errorf("tenant-a: got %v, want %v", got, want)
	}
	got = s.Match(execAlert("tenant-b", "101"), nil)
	if want := []int{0, 2, 4, 8, 9}; !reflect.DeepEqual(got, want) {
		t.Errorf("tenant-b: got %v, want %v", got, want)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, c := range []struct {
		spec Spec
		want string
	}{
		{Spec{Condition: "ka.nope = 1"}, "tenant-policy: condition"},
		{Spec{Condition: "ka.verb = "}, "tenant-policy: condition"},
		{Spec{Priority: "loud"}, "tenant-policy"},
		{Spec{Rules: []string{"[x"}}, "bad rule glob"},
	} {
		_, err := Compile([]Spec{c.spec}, []string{"tenant-policy"}, tables()...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error with %q", c.spec, err, c.want)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	s, err := Compile([]Spec{{Rules: []string{"Exec *"}}, {Condition: "ka.target.namespace in (tenant-a, tenant-b)"}}, nil, tables()...)
	if err != nil {
		b.Fatal(err)
	}
	a := execAlert("tenant-a", "400")
	var dst []int
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		dst = s.Match(a, dst[:0])
	}
}
