package engine

import (
	"reflect"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/condition"
	"github.com/peregrine-sec/peregrine/internal/rules"
)

func TestRequires(t *testing.T) {
	e := newTestEngine()
	mk := func(cond string) *rules.Rule {
		expr, err := condition.Parse(cond)
		if err != nil {
			t.Fatal(err)
		}
		return &rules.Rule{Name: cond, Source: "test", Enabled: true, Expr: expr, Filter: compile(t, e, cond)}
	}
	notTCP := Constraint{Field: "t.opt", Op: "!=", Value: "tcp"}
	for _, c := range []struct {
		rules []string
		want  bool
	}{
		// Every rule matching connect requires it, in every branch that can match.
		{[]string{"((t.type = open) or (t.type = connect and t.opt != tcp)) and t.name = x", "t.type = execve"}, true},
		{[]string{"t.type in (connect, open) and t.opt != tcp and t.name = x"}, true},
		// A rule that matches connect without it.
		{[]string{"t.type in (connect, open) and t.opt != tcp", "t.type = connect and t.name = y"}, false},
		// A rule with no event type restriction can match connect without it.
		{[]string{"t.type = connect and t.opt != tcp", "t.name = z"}, false},
		// A negation is not reasoned about.
		{[]string{"t.type = connect and not t.opt = tcp"}, false},
		// No rule matches connect: nothing needs its events.
		{[]string{"t.type = open"}, true},
	} {
		var rs []*rules.Rule
		for _, r := range c.rules {
			rs = append(rs, mk(r))
		}
		set, err := e.NewRuleSet("test", rs, MatchAll)
		if err != nil {
			t.Fatal(err)
		}
		if got := set.Requires("t.type", "connect", notTCP); got != c.want {
			t.Errorf("%q: Requires = %v, want %v", c.rules, got, c.want)
		}
	}
}

func TestComparedValues(t *testing.T) {
	e := newTestEngine()
	var rs []*rules.Rule
	for _, cond := range []string{
		"t.type = connect and t.name in (b.example, a.example)",
		"not t.name = c.example and t.opt = ignored",
		"t.name != a.example or t.name startswith not-compared",
		"t.opt in (other)",
	} {
		expr, err := condition.Parse(cond)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, &rules.Rule{Name: cond, Source: "test", Enabled: true, Expr: expr, Filter: compile(t, e, cond)})
	}
	set, err := e.NewRuleSet("test", rs, MatchAll)
	if err != nil {
		t.Fatal(err)
	}
	got := set.ComparedValues("t.name")
	if want := []string{"a.example", "b.example", "c.example"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ComparedValues = %q, want %q", got, want)
	}
	if got := set.ComparedValues("t.none"); len(got) != 0 {
		t.Errorf("no such field: %q", got)
	}
}
