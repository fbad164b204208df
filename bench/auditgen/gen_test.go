package auditgen

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"
)

var t0 = time.Date(2026, 11, 28, 20, 19, 39, 123456789, time.UTC)

// required are the keys every audit Event has.
var required = []string{"kind", "apiVersion", "level", "auditID", "stage", "requestURI", "verb", "user",
	"sourceIPs", "userAgent", "responseStatus", "requestReceivedTimestamp", "stageTimestamp", "annotations"}

func checkEvent(t *testing.T, v *fastjson.Value, raw string) {
	t.Helper()
	for _, k := range required {
		if !v.Exists(k) {
			t.Fatalf("missing %q in %s", k, raw)
		}
	}
	if s := string(v.GetStringBytes("kind")); s != "Event" {
		t.Fatalf("kind %q", s)
	}
	if id := v.GetStringBytes("auditID"); len(id) != 36 || id[14] != '4' {
		t.Fatalf("auditID %q", id)
	}
	if v.GetStringBytes("user", "username") == nil || v.GetInt("responseStatus", "code") == 0 {
		t.Fatalf("no username or code: %s", raw)
	}
	if v.Exists("objectRef") && v.GetStringBytes("objectRef", "resource") == nil {
		t.Fatalf("objectRef without resource: %s", raw)
	}
	st, err := time.Parse(time.RFC3339Nano, string(v.GetStringBytes("stageTimestamp")))
	if err != nil {
		t.Fatal(err)
	}
	rt, err := time.Parse(time.RFC3339Nano, string(v.GetStringBytes("requestReceivedTimestamp")))
	if err != nil || rt.After(st) {
		t.Fatalf("requestReceivedTimestamp %v after %v (%v)", rt, st, err)
	}
	switch string(v.GetStringBytes("level")) {
	case "Metadata", "Request", "RequestResponse":
	default:
		t.Fatalf("level in %s", raw)
	}
	if v.GetStringBytes("annotations", "authorization.k8s.io/decision") == nil {
		t.Fatalf("no decision: %s", raw)
	}
}

func TestEventsValid(t *testing.T) {
	g := New(1, Options{AttackRatio: 0.05})
	var p fastjson.Parser
	var buf []byte
	total := 0
	for i := range 20000 {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		buf = g.Next(buf[:0], now)
		if bytes.IndexByte(buf, '\n') >= 0 {
			t.Fatalf("newline in event: %s", buf)
		}
		v, err := p.ParseBytes(buf)
		if err != nil {
			t.Fatalf("event %d: %v\n%s", i, err, buf)
		}
		checkEvent(t, v, string(buf))
		if got := string(v.GetStringBytes("stageTimestamp")); got != now.Format(time.RFC3339Nano) {
			t.Fatalf("stageTimestamp %s, want %s", got, now.Format(time.RFC3339Nano))
		}
		total += len(buf)
	}
	avg := total / 20000
	t.Logf("average event size %d bytes", avg)
	if avg < 700 || avg > 3000 {
		t.Errorf("average size %d out of the 0.7–3 KB range", avg)
	}
}

func TestAttacksCovered(t *testing.T) {
	g := New(3, Options{AttackRatio: 1})
	var p fastjson.Parser
	var buf []byte
	seen := map[AttackKind]bool{}
	for range 2000 {
		buf = g.Next(buf[:0], t0)
		k, ok := g.LastAttack()
		if !ok {
			t.Fatal("ratio 1 produced a routine event")
		}
		seen[k] = true
		v, err := p.ParseBytes(buf)
		if err != nil {
			t.Fatalf("%s: %v\n%s", k, err, buf)
		}
		checkEvent(t, v, string(buf))
		switch k {
		case AttackPrivilegedPod:
			if !v.GetBool("requestObject", "spec", "containers", "0", "securityContext", "privileged") {
				t.Fatalf("not privileged: %s", buf)
			}
		case AttackHostPathRoot:
			if string(v.GetStringBytes("requestObject", "spec", "volumes", "0", "hostPath", "path")) != "/" {
				t.Fatalf("no hostPath /: %s", buf)
			}
		case AttackHostNamespaces:
			if !v.GetBool("requestObject", "spec", "hostPID") || !v.GetBool("requestObject", "spec", "hostNetwork") {
				t.Fatalf("no host namespaces: %s", buf)
			}
		case AttackClusterAdminBind:
			if string(v.GetStringBytes("requestObject", "roleRef", "name")) != "cluster-admin" {
				t.Fatalf("binding: %s", buf)
			}
		case AttackSecretForbidden:
			if v.GetInt("responseStatus", "code") != 403 || string(v.GetStringBytes("annotations", "authorization.k8s.io/decision")) != "forbid" {
				t.Fatalf("forbidden: %s", buf)
			}
		case AttackAnonymous:
			if string(v.GetStringBytes("user", "username")) != "system:anonymous" {
				t.Fatalf("anonymous: %s", buf)
			}
		case AttackExecWebSocket, AttackExecSPDY:
			if string(v.GetStringBytes("objectRef", "subresource")) != "exec" {
				t.Fatalf("exec: %s", buf)
			}
		case AttackConfigMapAWSKey:
			if !strings.Contains(string(buf), `"aws_access_key_id"`) {
				t.Fatalf("aws: %s", buf)
			}
		case AttackNodePortService:
			if string(v.GetStringBytes("requestObject", "spec", "type")) != "NodePort" {
				t.Fatalf("nodeport: %s", buf)
			}
		}
	}
	if len(seen) != int(NumAttackKinds) {
		t.Errorf("saw %d attack kinds, want %d", len(seen), NumAttackKinds)
	}
}

func TestDeterministic(t *testing.T) {
	gen := func(seed int64) []byte {
		g := New(seed, Options{AttackRatio: 0.01})
		var b []byte
		for i := range 2000 {
			b = g.Next(b, t0.Add(time.Duration(i)*time.Microsecond))
		}
		return b
	}
	a, b := gen(7), gen(7)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed produced different streams")
	}
	if bytes.Equal(a, gen(8)) {
		t.Fatal("different seeds produced the same stream")
	}
}

func TestAttackRatio(t *testing.T) {
	for _, ratio := range []float64{0, 0.01, 0.2} {
		g := New(5, Options{AttackRatio: ratio})
		var buf []byte
		const n = 200000
		for range n {
			buf = g.Next(buf[:0], t0)
		}
		want := ratio
		if ratio == 0 {
			want = 0.001
		}
		got := float64(g.Stats().Attacks) / n
		if tol := 4 * math.Sqrt(want*(1-want)/n); math.Abs(got-want) > tol {
			t.Errorf("ratio %v: got %.5f attacks, want %.5f ± %.5f", ratio, got, want, tol)
		}
		if g.Stats().Events != n {
			t.Errorf("Events = %d", g.Stats().Events)
		}
	}
	g := New(5, Options{AttackRatio: -1})
	for range 10000 {
		g.Next(nil, t0)
	}
	if g.Stats().Attacks != 0 {
		t.Error("negative ratio still produced attacks")
	}
}

func TestMix(t *testing.T) {
	g := New(9, Options{})
	var p fastjson.Parser
	var buf []byte
	const n = 50000
	system := 0
	for range n {
		buf = g.Next(buf[:0], t0)
		v, _ := p.ParseBytes(buf)
		u := string(v.GetStringBytes("user", "username"))
		if strings.HasPrefix(u, "system:") && u != "system:anonymous" && !strings.HasPrefix(u, "system:serviceaccount:ci:") && !strings.HasPrefix(u, "system:serviceaccount:argocd:") {
			system++
		}
	}
	if share := float64(system) / n; share < 0.8 || share > 0.9 {
		t.Errorf("system traffic share %.3f, want about 0.85", share)
	}
}

func TestBatch(t *testing.T) {
	g := New(2, Options{})
	b := g.Batch(nil, 50, t0)
	if bytes.IndexByte(b, '\n') >= 0 {
		t.Fatal("newline in batch")
	}
	v, err := fastjson.ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(v.GetStringBytes("kind")) != "EventList" || string(v.GetStringBytes("apiVersion")) != "audit.k8s.io/v1" {
		t.Fatalf("not an EventList: %.200s", b)
	}
	items := v.GetArray("items")
	if len(items) != 50 {
		t.Fatalf("%d items", len(items))
	}
	for _, it := range items {
		checkEvent(t, it, it.String())
	}
	if g.Stats().Events != 50 {
		t.Fatalf("Events = %d", g.Stats().Events)
	}
	if b := New(2, Options{}).Batch(nil, 0, t0); string(b) != `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[]}` {
		t.Fatalf("empty batch %s", b)
	}
}

func TestNoAllocs(t *testing.T) {
	g := New(4, Options{AttackRatio: 0.1})
	buf := make([]byte, 0, 64<<10)
	for range 1000 {
		buf = g.Next(buf[:0], t0)
	}
	if n := testing.AllocsPerRun(2000, func() { buf = g.Next(buf[:0], t0) }); n != 0 {
		t.Errorf("Next allocates %.2f times per call", n)
	}
}

func BenchmarkNext(b *testing.B) {
	g := New(1, Options{})
	buf := make([]byte, 0, 64<<10)
	now := t0
	size := 0
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = g.Next(buf[:0], now)
		size += len(buf)
	}
	b.SetBytes(int64(size / max(b.N, 1)))
	b.ReportMetric(float64(size)/float64(max(b.N, 1)), "B/event")
}
