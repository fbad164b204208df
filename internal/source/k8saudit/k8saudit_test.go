package k8saudit

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/testutil"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const podCreate = `{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"ResponseComplete",
"requestURI":"/api/v1/namespaces/shop/pods/web/exec?command=sh&command=-c&container=web","verb":"create",
"user":{"username":"mallory","groups":["dev","system:authenticated"]},"sourceIPs":["10.0.0.9"],"userAgent":"kubectl/v1.36",
"objectRef":{"resource":"pods","namespace":"shop","name":"web","apiVersion":"v1"},
"responseStatus":{"metadata":{},"code":201},
"requestObject":{"kind":"Pod","spec":{"hostNetwork":true,"securityContext":{"runAsUser":1000},
 "containers":[{"name":"a","image":"registry:5000/nginx:1.25@sha256:ab","securityContext":{"privileged":true}},
               {"name":"b","image":"busybox","securityContext":{"runAsUser":0}}],
 "volumes":[{"name":"root","hostPath":{"path":"/"}},{"name":"s","secret":{"secretName":"x"}}]}},
"responseObject":{"metadata":{"name":"web"}},
"stageTimestamp":"2026-11-22T10:00:00.123456789Z",
"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed"}}`

func extract(t *testing.T, name string, ev *Event) (string, bool) {
	t.Helper()
	tbl := field.NewTable(Fields())
	base, arg := name, ""
	hasArg := false
	if i := strings.IndexByte(name, '['); i >= 0 {
		base, arg, hasArg = name[:i], name[i+1:len(name)-1], true
	}
	d, _, ok := tbl.Resolve(base)
	if !ok {
		t.Fatalf("unknown field %s", base)
	}
	ex, err := d.New(arg, hasArg)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	vals, ok := ex.Extract(ev, nil)
	var parts []string
	for _, v := range vals {
		parts = append(parts, string(v.B))
	}
	return strings.Join(parts, ","), ok
}

func decodeOne(t *testing.T, payload string) *Event {
	t.Helper()
	var got *Event
	dec := NewDecoder(nil, quiet)
	if err := dec.Decode([]byte(payload), func(e *Event) { c := *e; got = &c }); err != nil {
		t.Fatal(err)
	}
	if got == nil {
		t.Fatal("no event")
	}
	return got
}

func TestFields(t *testing.T) {
	// The decoder's parser memory stays valid until its next Decode, so decode
	// into a dedicated decoder and keep it.
	dec := NewDecoder(nil, quiet)
	var ev *Event
	if err := dec.Decode([]byte(podCreate), func(e *Event) { ev = e }); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"ka.auditid":                             "a1",
		"ka.verb":                                "create",
		"ka.user.name":                           "mallory",
		"ka.user.groups":                         "dev,system:authenticated",
		"ka.target.resource":                     "pods",
		"ka.target.namespace":                    "shop",
		"ka.response.code":                       "201",
		"ka.auth.decision":                       "allow",
		"ka.uri.param[command]":                  "sh",
		"ka.req.pod.containers.image":            "registry:5000/nginx:1.25@sha256:ab,busybox",
		"ka.req.pod.containers.image[1]":         "busybox",
		"ka.req.pod.containers.image.repository": "registry,busybox",
		"ka.req.container.image":                 "registry:5000/nginx:1.25@sha256:ab",
		"ka.req.pod.containers.privileged":       "true",
		"ka.req.container.privileged":            "true",
		"ka.req.pod.host_network":                "true",
		"ka.req.pod.volumes.hostpath":            "/",
		"ka.req.volume.hostpath[/]":              "true",
		"ka.req.volume.hostpath[/etc*]":          "false",
		"ka.req.pod.containers.eff_run_as_user":  "1000,0",
		"ka.req.pod.volumes.volume_type":         "hostPath,secret",
		"ka.resp.name":                           "web",
		"jevt.value[/stage]":                     "ResponseComplete",
		"json.value[/requestObject/spec/volumes/0/hostPath/path]": "/",
		"jevt.value[/responseStatus/code]":                        "201",
		"jevt.rawtime":                                            "1795341600123456789",
	}
	for name, want := range cases {
		got, ok := extract(t, name, ev)
		if !ok || got != want {
			t.Errorf("%s = %q (ok %v), want %q", name, got, ok, want)
		}
	}
	for _, name := range []string{"ka.target.subresource", "ka.req.pod.host_pid", "ka.impuser.name", "jevt.value[/nope]", "ka.req.pod.containers.image[5]"} {
		if got, ok := extract(t, name, ev); ok {
			t.Errorf("%s should be missing, got %q", name, got)
		}
	}
}

func TestNoAuditIDMeansMissing(t *testing.T) {
	ev := decodeOne(t, `{"kind":"Event","verb":"get","stageTimestamp":"2026-11-22T10:00:00Z"}`)
	if _, ok := extract(t, "ka.verb", ev); ok {
		t.Error("ka.* fields need auditID")
	}
}

func TestDecodeBatches(t *testing.T) {
	ev := `{"kind":"Event","auditID":"%s","verb":"get","stageTimestamp":"2026-11-22T10:00:00Z"}`
	one := strings.Replace(ev, "%s", "x", 1)
	cases := map[string]int{
		one: 1,
		`{"kind":"EventList","items":[` + one + `,` + one + `]}`:     2,
		`[` + one + `,{"kind":"EventList","items":[` + one + `]}]`:   2,
		`[` + one + `,{"kind":"Event","auditID":"bad"},` + one + `]`: 2, // no stageTimestamp: dropped, rest goes on
		`{"kind":"Pod"}`: 0,
		`{"kind":"EventList","items":[` + one + `,{"kind":"Event","stageTimestamp":"yesterday"}]}`: 1,
	}
	for payload, want := range cases {
		n := 0
		NewDecoder(nil, quiet).Decode([]byte(payload), func(*Event) { n++ })
		if n != want {
			t.Errorf("%s: %d events, want %d", payload, n, want)
		}
	}
	c := &Counters{}
	dec := NewDecoder(c, quiet)
	dec.MaxEventSize = 100
	dec.Decode([]byte(`{"kind":"Event","auditID":"`+strings.Repeat("x", 200)+`","stageTimestamp":"2026-11-22T10:00:00Z"}`), func(*Event) { t.Error("oversize event emitted") })
	dec.Decode([]byte(`{not json`), func(*Event) {})
	if c.Oversize.Load() != 1 || c.Malformed.Load() != 1 {
		t.Errorf("counters: oversize %d malformed %d", c.Oversize.Load(), c.Malformed.Load())
	}
}

func TestTimestamps(t *testing.T) {
	for in, want := range map[string]int64{
		"2026-11-22T10:00:00Z":                1795341600000000000,
		"2026-11-22T10:00:00.5Z":              1795341600500000000,
		"2026-11-22T11:00:00.000000001+01:00": 1795341600000000001,
	} {
		got, err := parseTime([]byte(in))
		if err != nil || got != want {
			t.Errorf("%s: %d %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "2026-11-22", "2026-13-22T10:00:00Z", "2026-11-22T10:00:00", "2026-11-22T10:00:00Zjunk"} {
		if _, err := parseTime([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestReadLegacyTraces(t *testing.T) {
	dir := filepath.Join(testutil.SharedDir(t), "compat", "legacy", "trace_files", "k8s_audit")
	n, bad := 0, 0
	err := ReadPath(context.Background(), dir, NewDecoder(nil, quiet), func(*Event) { n++ }, func(error) { bad++ })
	if err != nil {
		t.Fatal(err)
	}
	if n < 45 {
		t.Errorf("read %d events from the legacy traces", n)
	}
	if bad != 1 { // fal_01_003.json is deliberately not an audit event
		t.Errorf("%d bad records, want 1", bad)
	}
}

func TestDecodeExtractNoAllocs(t *testing.T) {
	dec := NewDecoder(nil, quiet)
	tbl := field.NewTable(Fields())
	var exs []field.Extractor
	for _, name := range []string{"ka.verb", "ka.user.name", "ka.target.resource", "ka.req.pod.containers.image", "ka.response.code"} {
		d, _, _ := tbl.Resolve(name)
		ex, _ := d.New("", false)
		exs = append(exs, ex)
	}
	d, _, _ := tbl.Resolve("jevt.value")
	ptr, _ := d.New("/stage", true)
	exs = append(exs, ptr)
	buf := make([]field.Value, 0, 16)
	payload := []byte(podCreate)
	run := func() {
		dec.Decode(payload, func(e *Event) {
			for _, ex := range exs {
				buf, _ = ex.Extract(e, buf[:0])
			}
		})
	}
	run()
	if n := testing.AllocsPerRun(200, run); n != 0 {
		t.Errorf("decode+extract allocates %v times per event", n)
	}
	_ = os.Stdout
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(podCreate))
	f.Add([]byte(`[{"kind":"EventList","items":[{"kind":"Event","auditID":"x","stageTimestamp":"2026-11-22T10:00:00Z"}]}]`))
	tbl := field.NewTable(Fields())
	var exs []field.Extractor
	for _, d := range tbl.Fields() {
		arg, has := "", false
		if d.Has(field.ArgRequired) {
			arg, has = "/requestObject/spec/containers/0", true
			if d.Name == "ka.uri.param" {
				arg = "command"
			}
			if d.Name == "ka.req.volume.hostpath" {
				arg = "/etc*"
			}
		}
		ex, err := d.New(arg, has)
		if err != nil {
			f.Fatalf("%s: %v", d.Name, err)
		}
		exs = append(exs, ex)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		NewDecoder(nil, quiet).Decode(data, func(e *Event) {
			for _, ex := range exs {
				ex.Extract(e, nil)
			}
		})
	})
}

func BenchmarkDecode(b *testing.B) {
	dec := NewDecoder(nil, quiet)
	payload := []byte(podCreate)
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for i := 0; i < b.N; i++ {
		dec.Decode(payload, func(*Event) {})
	}
}
