package condition

import (
	"strings"
	"testing"
)

func TestParseShapes(t *testing.T) {
	cases := map[string]string{
		"a.b = c":                         `a.b = "c"`,
		"a.b=c":                           `a.b = "c"`,
		"a.b exists":                      `a.b exists`,
		"not a.b exists":                  `not a.b exists`,
		"not not a.b exists":              `a.b exists`,
		"not(a.b exists)":                 `not a.b exists`,
		"a.b = 1 or c.d = 2 and e.f = 3":  `(a.b = "1" or (c.d = "2" and e.f = "3"))`,
		"(a.b = 1 or c.d = 2) and e.f=3":  `((a.b = "1" or c.d = "2") and e.f = "3")`,
		"a.b in (x, 'y z', \"w\")":        `a.b in ("x", "y z", "w")`,
		"a.b in ()":                       `a.b in ()`,
		"a.b in list_name":                `a.b in ("list_name")`,
		"a.b in(x)":                       `a.b in ("x")`,
		"a.b startswith oneof (x, y)":     `a.b startswith oneof ("x", "y")`,
		"a.b = oneof":                     `a.b = "oneof"`,
		"a.b[2] = x":                      `a.b[2] = "x"`,
		"a.b['/x y'] = x":                 `a.b["/x y"] = "x"`,
		"a.b = val(c.d)":                  `a.b = val(c.d)`,
		"tolower(a.b) = toupper(c.d)":     `tolower(a.b) = toupper(c.d)`,
		"len(basename(a.b)) > 3":          `len(basename(a.b)) > "3"`,
		"my_macro and(a.b = x)":           `(my_macro and a.b = "x")`,
		"a.b = 'it\\'s'":                  `a.b = "it's"`,
		"a.b = \"\\x41\\t\"":              `a.b = "A\t"`,
		"ka.req.pod.containers.image = x": `ka.req.pod.containers.image = "x"`,
	}
	for in, want := range cases {
		e, err := Parse(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if got := Format(e); got != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
		again, err := Parse(Format(e))
		if err != nil || Format(again) != Format(e) {
			t.Errorf("%q: round trip failed: %v %s", in, err, Format(again))
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		"evt.type = execve execve": "unexpected token after 'execve', expecting 'or', 'and'",
		"":                         "empty condition",
		"a.b = 'x":                 "unterminated string",
		"a.b = 'x\\q'":             "unsupported string escape sequence",
		"a.b = \"x\\'\"":           "unsupported string escape sequence",
		"(a.b exists":              "expected ')'",
		"a.b":                      "expected an operator",
		"a.b in (x":                "expected ',' or ')'",
	}
	for in, want := range cases {
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
	if _, err := Parse(strings.Repeat("(", 2000) + "a.b exists" + strings.Repeat(")", 2000)); err == nil || !strings.Contains(err.Error(), "depth") {
		t.Errorf("deep nesting: %v", err)
	}
}

func TestSubstituteLists(t *testing.T) {
	lists := []NamedList{
		{Name: "shells", Items: []string{"bash", "sh"}},
		{Name: "empty", Items: []string{}},
		{Name: "spaced", Items: []string{"a b", "'c d'"}},
	}
	cases := map[string]string{
		"proc.name in (shells)":        "proc.name in (bash, sh)",
		"proc.name in (shells, zsh)":   "proc.name in (bash, sh, zsh)",
		"proc.name in (zsh, empty)":    "proc.name in (zsh)",
		"proc.name in (empty, zsh)":    "proc.name in ( zsh)",
		"proc.name in (spaced)":        `proc.name in ("a b", 'c d')`,
		"proc.name in (shellsx)":       "proc.name in (shellsx)",
		"proc.name=shells":             "proc.name=bash, sh",
		"xshells and proc.name exists": "xshells and proc.name exists",
	}
	for in, want := range cases {
		got, _ := SubstituteLists(in, lists)
		if got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
	_, used := SubstituteLists("a.b in (shells) or c.d in (shells)", lists)
	if len(used) != 1 || used[0] != "shells" {
		t.Errorf("used = %v", used)
	}
}

func TestExpandMacros(t *testing.T) {
	e, _ := Parse("m1 and not m2")
	m1, _ := Parse("a.b = 1")
	m2, _ := Parse("c.d = 2 or e.f = 3")
	out, err := ExpandMacros(e, func(n string) (Expr, error) {
		return map[string]Expr{"m1": m1, "m2": m2}[n], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := Format(out); got != `(a.b = "1" and not (c.d = "2" or e.f = "3"))` {
		t.Errorf("got %s", got)
	}
	if refs := MacroRefs(e); strings.Join(refs, ",") != "m1,m2" {
		t.Errorf("refs %v", refs)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"a.b = c", "not (x.y in (1,2)) and m", "tolower(a.b) startswith oneof (x)", "a.b[1] = val(c.d)", "a.b = '\\x41'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		txt := Format(e)
		e2, err := Parse(txt)
		if err != nil {
			t.Fatalf("formatted condition %q does not parse: %v", txt, err)
		}
		if Format(e2) != txt {
			t.Fatalf("format not stable: %q vs %q", txt, Format(e2))
		}
	})
}

func FuzzSubstituteLists(f *testing.F) {
	f.Add("proc.name in (shells, x)", "shells", "bash")
	f.Fuzz(func(t *testing.T, cond, name, item string) {
		SubstituteLists(cond, []NamedList{{Name: name, Items: []string{item}}, {Name: name + "2"}})
	})
}
