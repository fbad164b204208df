package e2e

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func repoRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/peregrine-sec/peregrine").Output()
	if err != nil {
		t.Fatalf("finding the repository: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// buildPeregrine builds the binary under test.
func buildPeregrine(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "peregrine")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/peregrine")
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building peregrine: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// writeServerPKI writes ca.pem and server.pem (certificate and key for
// 127.0.0.1, in one file as Falco's sslCertificate) into dir/tls.
func writeServerPKI(t testing.TB, dir string) string {
	t.Helper()
	dir = filepath.Join(dir, "tls")
	os.MkdirAll(dir, 0o700)
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "e2e-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "peregrine"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	pemCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	os.WriteFile(filepath.Join(dir, "server.pem"), append(pemCert, pemKey...), 0o600)
	os.WriteFile(filepath.Join(dir, "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644)
	return dir
}

// webhookKubeconfig is the kube-apiserver's audit webhook configuration:
// HTTPS to peregrine, verifying its certificate, with a bearer token.
func webhookKubeconfig(url, caFile, token string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: peregrine
  cluster:
    server: %q
    certificate-authority: %q
users:
- name: kube-apiserver
  user:
    token: %q
contexts:
- name: audit
  context: {cluster: peregrine, user: kube-apiserver}
current-context: audit
`, url, caFile, token)
}

// peregrineProc is a running peregrine with its JSON alerts captured.
type peregrineProc struct {
	name   string
	cmd    *exec.Cmd
	mu     sync.Mutex
	stdout bytes.Buffer
	stderr bytes.Buffer
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// startPeregrine runs the binary with JSON output; it is stopped with
// SIGTERM at the end of the test, and its stderr is logged when the test fails.
func startPeregrine(t *testing.T, bin, dir, name string, args ...string) *peregrineProc {
	t.Helper()
	p := &peregrineProc{name: name}
	if len(args) > 0 && args[0] == "run" {
		args = append(args, "-o", "json_output=true", "-o", "labels.backend="+name, "-v")
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout = lockedWriter{&p.mu, &p.stdout}
	p.cmd.Stderr = lockedWriter{&p.mu, &p.stderr}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-done
			t.Errorf("%s peregrine did not stop on SIGTERM", name)
		}
		if t.Failed() {
			p.mu.Lock()
			t.Logf("%s peregrine stderr:\n%s", name, p.stderr.String())
			p.mu.Unlock()
		}
	})
	return p
}

func (p *peregrineProc) out() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String()
}

// alerts parses the JSON alerts printed so far.
func (p *peregrineProc) alerts(t *testing.T) []alertLine {
	var out []alertLine
	sc := bufio.NewScanner(strings.NewReader(p.out()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var a alertLine
		if err := json.Unmarshal(line, &a); err != nil {
			t.Errorf("%s: bad alert line %q: %v", p.name, line, err)
			continue
		}
		if a.OutputFields["meta.label[backend]"] != p.name {
			t.Errorf("%s: alert without its backend label: %s", p.name, line)
		}
		out = append(out, a)
	}
	return out
}

func waitHealthy(t *testing.T, url string) {
	t.Helper()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not healthy: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func mkdir(t testing.TB, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func (p *peregrineProc) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}
