package rules_test

import (
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/engine"
	"github.com/peregrine-sec/peregrine/internal/rules"
	"github.com/peregrine-sec/peregrine/internal/source"
)

func newLoader() *rules.Loader {
	var srcs []engine.Source
	for _, b := range source.Builtins() {
		if b.Engine != nil {
			srcs = append(srcs, b.Engine())
		}
	}
	return rules.NewLoader(engine.New(srcs...), rules.Options{})
}

func codes(ds []rules.Diagnostic) string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Code+":"+d.Message)
	}
	return strings.Join(out, "\n")
}

func TestLoaderDiagnostics(t *testing.T) {
	cases := []struct {
		name, yaml, code, msg string
		warning               bool
	}{
		{"not yaml", "foo", "LOAD_ERR_YAML_VALIDATE", "Rules content is not yaml", false},
		{"mapping", "a: b", "LOAD_ERR_YAML_VALIDATE", "Rules content is not yaml array of objects", false},
		{"parse", "- rule: [", "LOAD_ERR_YAML_PARSE", "", false},
		{"no items", "- list: x", "LOAD_ERR_YAML_VALIDATE", "Item has no mapping for key 'items'", false},
		{"bad priority", "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: loud", "LOAD_ERR_YAML_VALIDATE", "Invalid priority", false},
		{"undefined macro", "- rule: r\n  desc: d\n  condition: nope\n  output: o\n  priority: INFO", "LOAD_ERR_VALIDATE", "Undefined macro 'nope' used in filter.", false},
		{"syntax", "- rule: r\n  desc: d\n  condition: evt.type=open open\n  output: o\n  priority: INFO", "LOAD_ERR_COMPILE_CONDITION", "unexpected token after 'open', expecting 'or', 'and'", false},
		{"bad output", "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: '%not_a_field'\n  priority: INFO", "LOAD_ERR_COMPILE_OUTPUT", "invalid formatting token not_a_field", false},
		{"unknown field", "- rule: r\n  desc: d\n  condition: proc.nobody=x\n  output: o\n  priority: INFO", "LOAD_ERR_COMPILE_CONDITION", "nonexistent field proc.nobody", false},
		{"engine version", "- required_engine_version: 99.0.0", "LOAD_ERR_VALIDATE", "Rules require engine version 99.0.0", false},
		{"append dangling", "- macro: m\n  condition: evt.type=open\n  append: true", "LOAD_ERR_VALIDATE", "Macro has 'append' key but no macro by that name already exists", false},
		{"override conflict", "- list: l\n  items: [a]\n- list: l\n  items: [b]\n  append: true\n  override: {items: append}", "LOAD_ERR_YAML_VALIDATE", "cannot be used together", false},
		{"unknown key", "- list: l\n  items: [a]\n  colour: red", "LOAD_UNKNOWN_KEY", "Unknown key 'colour'", true},
		{"unknown item", "- foo: bar", "LOAD_UNKNOWN_ITEM", "Unknown top level item", true},
		{"unused list", "- list: l\n  items: [a]", "LOAD_UNUSED_LIST", "List not referred to by any other rule/macro", true},
		{"unknown source", "- rule: r\n  desc: d\n  condition: x.y=1\n  output: o\n  priority: INFO\n  source: nosuch", "LOAD_UNKNOWN_SOURCE", "Unknown source nosuch, skipping", true},
		{"no evttype", "- rule: r\n  desc: d\n  condition: proc.name=bash\n  output: o\n  priority: INFO", "LOAD_NO_EVTTYPE", "Rule matches too many evt.type values", true},
		{"unsafe NA", "- rule: r\n  desc: d\n  condition: ka.user.name = \"<NA>\"\n  output: o\n  priority: INFO\n  source: k8s_audit", "LOAD_UNSAFE_NA_CHECK", "unsafe", true},
	}
	for _, c := range cases {
		res := newLoader().LoadContent("t.yaml", []byte(c.yaml))
		list := res.Errors
		if c.warning {
			list = res.Warnings
			if !res.Successful {
				t.Errorf("%s: unexpected errors %s", c.name, codes(res.Errors))
			}
		}
		found := false
		for _, d := range list {
			found = found || (d.Code == c.code && strings.Contains(d.Message, c.msg))
		}
		if !found {
			t.Errorf("%s: want %s %q, got errors:\n%s\nwarnings:\n%s", c.name, c.code, c.msg, codes(res.Errors), codes(res.Warnings))
		}
	}
}

func TestExceptionsExpansion(t *testing.T) {
	l := newLoader()
	res := l.LoadContent("t.yaml", []byte(`
- rule: r
  desc: d
  condition: evt.type=open
  output: o
  priority: INFO
  exceptions:
    - name: two
      fields: [proc.name, fd.name]
      comps: [=, startswith]
      values: [[cat, /etc], [vi, "/my dir"]]
    - name: one
      fields: proc.name
      values: [a, b c]
`))
	if !res.Successful {
		t.Fatal(res.String())
	}
	want := `(evt.type=open) and not (( proc.name = cat and  fd.name startswith /etc) or ( proc.name = vi and  fd.name startswith "/my dir")) and not (proc.name in (a, "b c"))`
	if got := l.Rules()[0].Condition; got != want {
		t.Errorf("condition\n got %s\nwant %s", got, want)
	}
}

func TestOverrideAndOrder(t *testing.T) {
	l := newLoader()
	for i, doc := range []string{`
- macro: m
  condition: evt.type=open
- rule: first
  desc: d
  condition: m
  output: o
  priority: INFO
  tags: [a]
- rule: second
  desc: d
  condition: evt.type=execve
  output: o
  priority: INFO
`, `
- rule: first
  condition: and proc.name=cat
  tags: [b]
  priority: ERROR
  override: {condition: append, tags: append, priority: replace}
- rule: first
  desc: redefined later but keeps its place
  condition: evt.type=open
  output: o2
  priority: WARNING
`} {
		if res := l.LoadContent("f"+string(rune('0'+i)), []byte(doc)); !res.Successful {
			t.Fatal(res.String())
		}
	}
	rs := l.Rules()
	if len(rs) != 2 || rs[0].Name != "first" || rs[1].Name != "second" {
		t.Fatalf("order: %v", rs)
	}
	if rs[0].Output != "o2" || rs[0].Priority.String() != "Warning" {
		t.Errorf("redefinition not applied: %+v", rs[0])
	}
}

func FuzzLoadContent(f *testing.F) {
	f.Add([]byte("- rule: r\n  desc: d\n  condition: evt.type=open and proc.name in (l)\n  output: '%proc.name'\n  priority: INFO\n- list: l\n  items: [a]"))
	f.Add([]byte("- macro: m\n  condition: m2\n- macro: m2\n  condition: m\n  append: true"))
	f.Add([]byte("- rule: r\n  exceptions: [{name: e, fields: [proc.name], values: [[x]]}]\n  override: {exceptions: append}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res := newLoader().LoadContent("fuzz.yaml", data)
		if _, err := res.JSON(); err != nil {
			t.Fatal(err)
		}
		_ = res.String()
	})
}
