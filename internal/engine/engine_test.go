package engine

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/condition"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/rules"
)

// testEvent carries field values by name; a name that is absent is missing.
type testEvent struct {
	event.Base
	vals  map[string][]string
	cache map[string][]field.Value // converted values, filled on first extraction
}

func ev(kv ...string) *testEvent {
	e := &testEvent{Base: event.Base{Src: "test", TS: 1, Seq: 1}, vals: map[string][]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		e.vals[kv[i]] = append(e.vals[kv[i]], kv[i+1])
	}
	return e
}

func testField(name string, t field.Type, list bool, flags field.Flags) field.Desc {
	return field.Desc{Name: name, Type: t, IsList: list, Flags: flags, New: func(arg string, hasArg bool) (field.Extractor, error) {
		key := name
		if hasArg {
			key = name + "[" + arg + "]"
		}
		return field.ExtractorFunc(func(e event.Event, dst []field.Value) ([]field.Value, bool) {
			te := e.(*testEvent)
			if cached, ok := te.cache[key]; ok {
				return append(dst, cached...), true
			}
			vs, ok := te.vals[key]
			if !ok {
				return dst, false
			}
			start := len(dst)
			for _, s := range vs {
				var v field.Value
				switch t {
				case field.String, field.Bytes:
					v.B = []byte(s)
				case field.Bool:
					if s == "true" {
						v.N = 1
					}
				case field.Int64:
					n, _ := strconv.ParseInt(s, 10, 64)
					v.N = uint64(n)
				case field.IPAddr, field.IPNet:
					ip := net.ParseIP(s)
					if v4 := ip.To4(); v4 != nil {
						ip = v4
					}
					v.B = ip
				default:
					n, _ := strconv.ParseUint(s, 10, 64)
					v.N = n
				}
				dst = append(dst, v)
			}
			if te.cache == nil {
				te.cache = map[string][]field.Value{}
			}
			te.cache[key] = append([]field.Value(nil), dst[start:]...)
			return dst, true
		}), nil
	}}
}

type testTypes struct{}

func (testTypes) Codes(name string) int {
	switch name {
	case "open", "execve", "connect":
		return 2
	}
	return 0
}
func (testTypes) TotalCodes() int { return 300 }

func newTestEngine() *Engine {
	tbl := field.NewTable([]field.Desc{
		testField("t.type", field.String, false, 0),
		testField("t.name", field.String, false, 0),
		testField("t.opt", field.String, false, 0),
		testField("t.num", field.Int64, false, 0),
		testField("t.u", field.Uint64, false, 0),
		testField("t.flag", field.Bool, false, 0),
		testField("t.ip", field.IPAddr, false, 0),
		testField("t.net", field.IPNet, false, field.FilterOnly|field.NoRHS),
		testField("t.list", field.String, true, 0),
		testField("t.anc", field.String, false, field.AnyAncestor|field.ArgAllowed|field.ArgIndex),
		testField("t.arg", field.String, false, field.ArgRequired|field.ArgKey|field.DottedArg),
		testField("t.buf", field.Bytes, false, 0),
	})
	return New(Source{Name: "test", Fields: tbl, Index: []IndexSpec{{Field: "t.type", EventTypes: testTypes{}}}})
}

func compile(t *testing.T, e *Engine, cond string) *Filter {
	t.Helper()
	expr, err := condition.Parse(cond)
	if err != nil {
		t.Fatalf("parse %q: %v", cond, err)
	}
	f, _, err := e.CompileCondition("test", expr)
	if err != nil {
		t.Fatalf("compile %q: %v", cond, err)
	}
	return f.(*Filter)
}

func eval(t *testing.T, e *Engine, cond string, evt *testEvent) bool {
	t.Helper()
	f := compile(t, e, cond)
	r := &rules.Rule{Name: "r", Source: "test", Enabled: true, Filter: f}
	rs, err := e.NewRuleSet("test", []*rules.Rule{r}, MatchFirst)
	if err != nil {
		t.Fatal(err)
	}
	return len(rs.NewMatcher().Match(evt)) == 1
}

func TestOperators(t *testing.T) {
	e := newTestEngine()
	base := ev("t.type", "open", "t.name", "bash", "t.num", "-5", "t.u", "42", "t.flag", "true",
		"t.ip", "10.1.2.3", "t.net", "10.1.2.3", "t.list", "a", "t.list", "b",
		"t.anc", "sshd", "t.anc", "systemd", "t.anc[1]", "sshd", "t.arg[x]", "/etc/shadow", "t.buf", "MZ\x90")
	cases := []struct {
		cond string
		want bool
	}{
		{"t.name = bash", true},
		{"t.name=bash", true},
		{"t.name == bash", true},
		{"t.name != bash", false},
		{"t.name != zsh", true},
		{"t.opt = x", false},
		{"t.opt != x", false}, // missing: every comparison is false
		{"not t.opt = x", true},
		{"t.opt exists", false},
		{"not t.opt exists", true},
		{"t.name exists", true},
		{"t.name in (sh, bash)", true},
		{"t.name in (sh, zsh)", false},
		{"t.name intersects (bash)", true},
		{"t.name contains as", true},
		{"t.name icontains AS", true},
		{"t.name startswith ba", true},
		{"t.name endswith sh", true},
		{"t.name glob 'b*h'", true},
		{"t.name glob 'b?sh'", true},
		{"t.name glob '[a-c]ash'", true},
		{"t.name glob '[!a-c]ash'", false},
		{"t.name iglob 'B*'", true},
		{"t.name regex 'ba.h'", true},
		{"t.name regex 'ba'", false}, // anchored
		{"t.name < c", true},
		{"t.name > c", false},
		{"t.num < 0", true},
		{"t.num >= -5", true},
		{"t.num = -5", true},
		{"t.u > 41", true},
		{"t.u = 0x2a", true},
		{"t.u in (1, 42)", true},
		{"t.flag = true", true},
		{"t.flag = false", false},
		{"t.ip = 10.1.2.3", true},
		{"t.ip in (10.1.2.4, 10.1.2.3)", true},
		{"t.net = 10.0.0.0/8", true},
		{"t.net != 10.0.0.0/8", false},
		{"t.net in (192.168.0.0/16, 10.1.0.0/16)", true},
		{"t.list in (a, b, c)", true},
		{"t.list in (a)", false},
		{"t.list intersects (b, z)", true},
		{"t.list intersects (z)", false},
		{"t.list exists", true},
		{"t.anc = systemd", true},
		{"t.anc[1] = sshd", true},
		{"t.anc[1] = systemd", false},
		{"t.arg.x = /etc/shadow", true},
		{"t.arg[x] pmatch (/etc)", true},
		{"t.arg[x] pmatch (/et)", false},
		{"t.arg[x] pmatch (/usr, /etc/shadow)", true},
		{"t.arg[x] pmatch (/e*)", true},
		{"t.buf bcontains 905a", false},
		{"t.buf bcontains 5a90", true},
		{"t.buf bstartswith 4d5a", true},
		{"t.name startswith anyof (x, b)", true},
		{"t.name startswith allof (b, ba)", true},
		{"t.name startswith allof (b, x)", false},
		{"t.name startswith oneof (b, ba)", false},
		{"t.name startswith oneof (b, x)", true},
		{"t.name = val(t.name)", true},
		{"t.name = val(t.opt)", false},
		{"tolower(t.name) = BASH", false},
		{"toupper(t.name) = BASH", true},
		{"len(t.name) = 4", true},
		{"len(t.list) = 2", true},
		{"basename(t.arg[x]) = shadow", true},
		{"t.name = bash and t.u = 42", true},
		{"t.name = zsh or t.u = 42", true},
		{"not (t.name = zsh or t.u = 41)", true},
	}
	for _, c := range cases {
		if got := eval(t, e, c.cond, base); got != c.want {
			t.Errorf("%s: got %v, want %v", c.cond, got, c.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	e := newTestEngine()
	cases := map[string]string{
		"t.nope = 1":          "nonexistent field t.nope",
		"t.num contains 1":    "'contains' operator not supported for numeric filters",
		"t.list = a":          "not supported for list filters",
		"t.flag = maybe":      "not a valid boolean",
		"t.u = abc":           "not a valid number",
		"t.name regex '('":    "invalid regular expression",
		"t.type = nosuchcall": "unknown event type nosuchcall",
		"t.arg exists":        "requires an argument",
		"t.net = val(t.ip)":   "cannot be compared with another field",
		"some_macro":          "Undefined macro 'some_macro' used in filter.",
	}
	for cond, want := range cases {
		expr, err := condition.Parse(cond)
		if err != nil {
			t.Fatalf("parse %q: %v", cond, err)
		}
		_, _, err = e.CompileCondition("test", expr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to contain %q", cond, err, want)
		}
	}
	expr, _ := condition.Parse("t.nope = 1")
	if _, _, err := e.CompileCondition("test", expr); !rules.IsUnknownField(err) {
		t.Errorf("unknown field error is not classified as such: %v", err)
	}
}

func TestEventTypeAnalysis(t *testing.T) {
	e := newTestEngine()
	cases := map[string]int{
		"t.type = open":                                     2,
		"t.type in (open, execve)":                          4,
		"t.type = open and t.name = bash":                   2,
		"t.type = open or t.type = execve":                  4,
		"t.name = bash":                                     300,
		"t.type != open":                                    298,
		"not t.type = open":                                 298,
		"not t.type != open":                                2,
		"not (t.type = open or t.type = execve)":            296,
		"t.type in (open, execve) and not t.type = execve":  2,
		"t.type = open and t.type = execve":                 0,
		"(t.type = open or t.name = x) and t.type = execve": 2,
	}
	for cond, want := range cases {
		expr, err := condition.Parse(cond)
		if err != nil {
			t.Fatal(err)
		}
		n, indexed, err := e.EventTypes("test", expr)
		if err != nil || !indexed || n != want {
			t.Errorf("%s: got %d (indexed %v, err %v), want %d", cond, n, indexed, err, want)
		}
	}
}

func TestMatchingOrderAndIndex(t *testing.T) {
	e := newTestEngine()
	mk := func(name, cond string) *rules.Rule {
		return &rules.Rule{Name: name, Source: "test", Enabled: true, Filter: compile(t, e, cond)}
	}
	rs := []*rules.Rule{
		mk("open-bash", "t.type = open and t.name = bash"),
		mk("any-bash", "t.name = bash"),
		mk("not-open", "t.type != open"),
		mk("exec", "t.type = execve"),
		{Name: "disabled", Source: "test", Enabled: false, Filter: compile(t, e, "t.name = bash")},
	}
	names := func(list []*rules.Rule) string {
		var s []string
		for _, r := range list {
			s = append(s, r.Name)
		}
		return strings.Join(s, ",")
	}
	all, _ := e.NewRuleSet("test", rs, MatchAll)
	first, _ := e.NewRuleSet("test", rs, MatchFirst)
	ma, mf := all.NewMatcher(), first.NewMatcher()
	for _, c := range []struct {
		ev         *testEvent
		all, first string
	}{
		{ev("t.type", "open", "t.name", "bash"), "open-bash,any-bash", "open-bash"},
		{ev("t.type", "execve", "t.name", "bash"), "any-bash,not-open,exec", "any-bash"},
		{ev("t.type", "connect", "t.name", "zsh"), "not-open", "not-open"},
		{ev("t.name", "bash"), "any-bash", "any-bash"}, // no type value: != is false
	} {
		if got := names(ma.Match(c.ev)); got != c.all {
			t.Errorf("all %v: got %s, want %s", c.ev.vals, got, c.all)
		}
		if got := names(mf.Match(c.ev)); got != c.first {
			t.Errorf("first %v: got %s, want %s", c.ev.vals, got, c.first)
		}
	}
}

func TestOutputFormat(t *testing.T) {
	e := newTestEngine()
	f, err := e.CompileOutput("test", "user %t.name) num=%t.num flag=%t.flag list=%t.list opt=%t.opt w=%6t.name| x=%t.arg[x] lower=%toupper(t.name) ip=%t.ip")
	if err != nil {
		t.Fatal(err)
	}
	evt := ev("t.type", "open", "t.name", "bash", "t.num", "-5", "t.flag", "true", "t.list", "a", "t.list", "b", "t.arg[x]", "/x", "t.ip", "10.0.0.1")
	rs, _ := e.NewRuleSet("test", nil, MatchAll)
	m := rs.NewMatcher()
	m.Match(evt)
	msg, fields := m.Render(evt, f.(*Format))
	want := "user bash) num=-5 flag=true list=(a,b) opt=<NA> w=bash  | x=/x lower=BASH ip=10.0.0.1"
	if msg != want {
		t.Errorf("message\n got %q\nwant %q", msg, want)
	}
	keys := []string{}
	for _, fl := range fields {
		keys = append(keys, fl.Key+":"+fl.Text)
	}
	if got := strings.Join(keys, " "); got != "t.name:bash t.num:-5 t.flag:true t.list:(a,b) t.opt: t.arg[x]:/x toupper(t.name):BASH t.ip:10.0.0.1" {
		t.Errorf("fields: %s", got)
	}
	for _, bad := range []string{"%not_a_real_field", "trailing %", "%t.nope", "%t.net"} {
		if _, err := e.CompileOutput("test", bad); err == nil {
			t.Errorf("%q: expected an error", bad)
		}
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	e := newTestEngine()
	r := &rules.Rule{Name: "r", Source: "test", Enabled: true,
		Filter: compile(t, e, "t.type = open and t.name in (sh, bash, zsh, ksh, csh, tcsh, dash, fish) and t.u > 3 and not t.opt exists and toupper(t.name) = BASH")}
	rs, _ := e.NewRuleSet("test", []*rules.Rule{r}, MatchFirst)
	m := rs.NewMatcher()
	evt := ev("t.type", "open", "t.name", "bash", "t.u", "42")
	m.Match(evt)
	if n := testing.AllocsPerRun(100, func() { m.Match(evt) }); n != 0 {
		t.Errorf("Match allocates %v times per event", n)
	}
}

type lineDecoder struct{}

func (lineDecoder) Decode(rec []byte, emit func(event.Event)) error {
	if len(rec) == 0 {
		return errors.New("empty record")
	}
	emit(ev("t.type", "open", "t.name", string(rec)))
	return nil
}

func TestRunParallelKeepsOrder(t *testing.T) {
	e := newTestEngine()
	f, err := e.CompileOutput("test", "name=%t.name")
	if err != nil {
		t.Fatal(err)
	}
	r := &rules.Rule{Name: "r", Source: "test", Enabled: true, Filter: compile(t, e, "t.name startswith x"), Format: f}
	rs, _ := e.NewRuleSet("test", []*rules.Rule{r}, MatchFirst)
	in := make(chan Batch)
	go func() {
		for i := 0; i < 200; i++ {
			in <- Batch{Records: [][]byte{[]byte("x" + strconv.Itoa(i)), []byte("y"), nil}}
		}
		close(in)
	}()
	var got []string
	st := rs.RunParallel(context.Background(), 4, in, func() Decoder { return lineDecoder{} },
		func(ms []Match) {
			for _, m := range ms {
				got = append(got, m.Message)
			}
		}, nil)
	if len(got) != 200 || st.Records != 600 || st.Events != 400 || st.BadRecord != 200 {
		t.Fatalf("got %d matches, stats %+v", len(got), st)
	}
	for i, m := range got {
		if m != "name=x"+strconv.Itoa(i) {
			t.Fatalf("match %d out of order: %s", i, m)
		}
	}
}
