package k8saudit

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const testEvent = `{"kind":"Event","auditID":"x","verb":"get","stageTimestamp":"2026-11-22T10:00:00Z"}`

// startWebhook runs wh on a free loopback port; block, when set, holds every
// emit until it is closed.
func startWebhook(t *testing.T, wh *Webhook, block chan struct{}) (string, *atomic.Int64) {
	t.Helper()
	wh.Addr = "127.0.0.1:0"
	if wh.Path == "" {
		wh.Path = "/k8s-audit"
	}
	if wh.MaxRequest == 0 {
		wh.MaxRequest = DefaultMaxRequest
	}
	if wh.MaxEventSize == 0 {
		wh.MaxEventSize = DefaultMaxEventSize
	}
	if wh.Log == nil {
		wh.Log = quiet
	}
	if wh.Counters == nil {
		wh.Counters = &Counters{}
	}
	addr, err := wh.Listen()
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		wh.Run(ctx, func() func(*Event) {
			return func(*Event) {
				if block != nil {
					<-block
				}
				n.Add(1)
			}
		}, nil)
	}()
	t.Cleanup(func() { cancel(); <-done })
	scheme := "http://"
	if wh.TLS != nil {
		scheme = "https://"
	}
	return scheme + addr.String(), &n
}

func post(t *testing.T, c *http.Client, url, ctype, body string, hdr ...string) int {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func waitCount(t *testing.T, n *atomic.Int64, want int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for n.Load() < want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n.Load() != want {
		t.Errorf("%d events decoded, want %d", n.Load(), want)
	}
}

func TestWebhookAcceptsBatches(t *testing.T) {
	base, n := startWebhook(t, &Webhook{Workers: 2}, nil)
	bodies := []string{
		`{"kind":"EventList","items":[` + testEvent + `,` + testEvent + `]}`, // webhook backend: 2
		`[` + testEvent + `]`,               // array: 1
		testEvent + "\n" + testEvent + "\n", // Fluent Bit json_lines: 2
		testEvent,                           // single event: 1
		"[\n  " + testEvent + "\n]\n",       // pretty-printed array: 1
	}
	for _, b := range bodies {
		if code := post(t, nil, base+"/k8s-audit", "application/json", b); code != 200 {
			t.Fatalf("status %d for %s", code, b)
		}
	}
	waitCount(t, n, 7)
}

// TestWebhookBadRecords sends one batch holding a good event between each
// kind of bad record: every bad one is rejected and counted by reason, and
// every good one still goes through.
func TestWebhookBadRecords(t *testing.T) {
	c := &Counters{}
	wh := &Webhook{Counters: c, MaxEventSize: 4096}
	base, n := startWebhook(t, wh, nil)
	deep := strings.Repeat("[", 400) + strings.Repeat("]", 400)
	lines := []string{
		testEvent,
		`{"kind":"Event","auditID":"t","verb":"get","stageTimestamp":"2026-11-22T10:`, // truncated
		testEvent,
		`{"kind":"Event","auditID":"w","verb":7,"stageTimestamp":"2026-11-22T10:00:00Z"}`,     // wrong type
		`{"kind":"Event","auditID":"u","user":"bob","stageTimestamp":"2026-11-22T10:00:00Z"}`, // wrong type
		testEvent,
		`{"kind":"Event","auditID":"h","requestURI":"` + strings.Repeat("a", 5000) + `","stageTimestamp":"2026-11-22T10:00:00Z"}`, // huge
		`{"kind":"Event","auditID":"d","requestObject":` + deep + `,"stageTimestamp":"2026-11-22T10:00:00Z"}`,                     // deep
		"{\"kind\":\"Event\",\"auditID\":\"b\",\"verb\":\"g\xffet\",\"stageTimestamp\":\"2026-11-22T10:00:00Z\"}",                 // bad UTF-8
		`{"kind":"Event","auditID":"n","verb":"get"}`,                                                                             // no timestamp
		`{"hello":"world"}`, // not audit
		testEvent,
	}
	if code := post(t, nil, base+"/k8s-audit", "application/json", strings.Join(lines, "\n")); code != 200 {
		t.Fatalf("status %d", code)
	}
	waitCount(t, n, 4)
	want := map[string]uint64{"malformed": 2, "wrong_type": 2, "oversize": 1, "invalid_utf8": 1, "no_timestamp": 1, "unrecognized": 1}
	for _, rc := range c.Rejected() {
		if rc.N != want[rc.Reason] {
			t.Errorf("%s: %d rejected, want %d", rc.Reason, rc.N, want[rc.Reason])
		}
	}
}

func TestWebhookRejects(t *testing.T) {
	wh := &Webhook{}
	base, _ := startWebhook(t, wh, nil)
	if code := post(t, nil, base+"/k8s-audit", "text/plain", "{}"); code != 400 {
		t.Errorf("wrong content type: %d", code)
	}
	resp, err := http.Get(base + "/k8s-audit")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("GET: %d", resp.StatusCode)
	}
	if code := post(t, nil, base+"/other", "application/json", "{}"); code != 404 {
		t.Errorf("other path: %d", code)
	}
	wh.MaxRequest = 10
	if code := post(t, nil, base+"/k8s-audit", "application/json", strings.Repeat("x", 100)); code != 413 {
		t.Errorf("oversize body: %d", code)
	}
	resp, err = http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
}

func TestWebhookBackpressureAndMetrics(t *testing.T) {
	block := make(chan struct{})
	reg := prometheus.NewRegistry()
	c := &Counters{}
	wh := &Webhook{QueueSize: 1, Counters: c, Metrics: NewMetrics(reg, c)}
	base, n := startWebhook(t, wh, block)
	got429 := false
	sent := 0
	for i := 0; i < 10 && !got429; i++ {
		req, _ := http.NewRequest(http.MethodPost, base+"/k8s-audit", strings.NewReader(testEvent))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 429 {
			got429 = resp.Header.Get("Retry-After") == "1"
		} else {
			sent++
		}
	}
	close(block)
	if !got429 {
		t.Fatal("a full queue did not answer 429 with Retry-After")
	}
	waitCount(t, n, int64(sent))
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`peregrine_k8saudit_requests_total{code="429"} 1`,
		`peregrine_k8saudit_events_received_total ` + itoa(sent),
		`peregrine_k8saudit_events_rejected_total{reason="malformed"} 0`,
		`peregrine_k8saudit_queue_depth 0`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

func TestWebhookBearerToken(t *testing.T) {
	base, n := startWebhook(t, &Webhook{Token: "s3cret"}, nil)
	if code := post(t, nil, base+"/k8s-audit", "application/json", testEvent); code != 401 {
		t.Errorf("no token: %d", code)
	}
	if code := post(t, nil, base+"/k8s-audit", "application/json", testEvent, "Authorization", "Bearer wrong"); code != 401 {
		t.Errorf("wrong token: %d", code)
	}
	if code := post(t, nil, base+"/k8s-audit", "application/json", testEvent, "Authorization", "Bearer s3cret"); code != 200 {
		t.Errorf("right token: %d", code)
	}
	waitCount(t, n, 1)
}

// testPKI writes a CA, a server certificate for 127.0.0.1 (cert and key in
// one PEM file, as Falco's sslCertificate) and a client certificate.
func testPKI(t *testing.T) (dir string, client tls.Certificate, roots *x509.CertPool) {
	t.Helper()
	dir = t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(cn string, usage x509.ExtKeyUsage, ips []net.IP) ([]byte, []byte) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips, KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kb, _ := x509.MarshalECPrivateKey(k)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	}
	sc, sk := issue("peregrine", x509.ExtKeyUsageServerAuth, []net.IP{net.ParseIP("127.0.0.1")})
	os.WriteFile(filepath.Join(dir, "server.pem"), append(sc, sk...), 0o600)
	os.WriteFile(filepath.Join(dir, "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600)
	cc, ck := issue("kube-apiserver", x509.ExtKeyUsageClientAuth, nil)
	client, err = tls.X509KeyPair(cc, ck)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(ca)
	return dir, client, roots
}

func TestWebhookMutualTLS(t *testing.T) {
	dir, clientCert, roots := testPKI(t)
	o, err := ParseOptions(map[string]any{"sslCertificate": filepath.Join(dir, "server.pem"), "clientCA": filepath.Join(dir, "ca.pem")})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := o.tlsConfig()
	if err != nil {
		t.Fatal(err)
	}
	base, n := startWebhook(t, &Webhook{TLS: cfg}, nil)
	if !strings.HasPrefix(base, "https://") {
		t.Fatal(base)
	}
	withCert := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{clientCert}}}}
	if code := post(t, withCert, base+"/k8s-audit", "application/json", testEvent); code != 200 {
		t.Errorf("client with certificate: %d", code)
	}
	noCert := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	req, _ := http.NewRequest(http.MethodPost, base+"/k8s-audit", strings.NewReader(testEvent))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := noCert.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("a client without a certificate was served: %d", resp.StatusCode)
	}
	waitCount(t, n, 1)
}

func TestParseOptions(t *testing.T) {
	o, err := ParseOptions(`{"maxEventSize": 1024, "webhookMaxBatchSize": 2048, "workers": 3}`)
	if err != nil || o.MaxEventSize != 1024 || o.WebhookMaxBatchSize != 2048 || o.Workers != 3 || o.FollowFrom != "end" {
		t.Errorf("%+v %v", o, err)
	}
	if _, err := ParseOptions(map[string]any{"maxEventSise": 1}); err == nil || !strings.Contains(err.Error(), "maxEventSise") {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := ParseOptions(map[string]any{"followFrom": "middle"}); err == nil {
		t.Error("bad followFrom accepted")
	}
	if _, err := (Options{ClientCA: "x"}).tlsConfig(); err == nil {
		t.Error("clientCA without certificate accepted")
	}
}

func TestParseWebhookURL(t *testing.T) {
	if _, err := ParseWebhookURL("ftp://x/y"); err == nil || !strings.Contains(err.Error(), `scheme "ftp" is not supported`) {
		t.Errorf("ftp: %v", err)
	}
	wh, err := ParseWebhookURL("http://:9765/k8s-audit")
	if err != nil || wh.Addr != ":9765" || wh.Path != "/k8s-audit" {
		t.Errorf("%+v %v", wh, err)
	}
}

// TestWebhookOverloadBoundsMemory floods a slow webhook from many clients
// with large batches: the excess is refused with 429 and the heap stays
// within the bound the queue sets, instead of growing with the load.
func TestWebhookOverloadBoundsMemory(t *testing.T) {
	release := make(chan struct{})
	wh := &Webhook{QueueSize: 4, Workers: 1}
	base, _ := startWebhook(t, wh, release)
	defer close(release)
	item := strings.TrimSuffix(testEvent, "}") + `,"requestObject":{"pad":"` + strings.Repeat("x", 4000) + `"}}`
	var sb strings.Builder
	sb.WriteString(`{"kind":"EventList","items":[`)
	for i := 0; i < 250; i++ { // about 1 MiB per body
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(item)
	}
	sb.WriteString(`]}`)
	body := sb.String()
	var ok, throttled atomic.Int64
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := 0; c < 32; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{}
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Post(base+"/k8s-audit", "application/json", strings.NewReader(body))
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 429 {
					throttled.Add(1)
				} else if resp.StatusCode == 200 {
					ok.Add(1)
				}
			}
		}()
	}
	var ms runtime.MemStats
	for i := 0; i < 40; i++ {
		time.Sleep(25 * time.Millisecond)
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse > peak.Load() {
			peak.Store(ms.HeapInuse)
		}
	}
	close(stop)
	wg.Wait()
	// 32 clients x 1 MiB would be 32 MiB in flight; the queue (4) plus the
	// bodies being read (4), plus the blocked worker's batch, bound it.
	const bound = 48 << 20
	t.Logf("accepted %d, throttled %d, peak heap in use %.1f MiB", ok.Load(), throttled.Load(), float64(peak.Load())/(1<<20))
	if throttled.Load() == 0 {
		t.Error("no request was throttled under overload")
	}
	if peak.Load() > bound {
		t.Errorf("heap in use reached %d MiB under overload, bound %d MiB", peak.Load()>>20, bound>>20)
	}
}
