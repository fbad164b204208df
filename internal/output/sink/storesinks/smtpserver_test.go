package storesinks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// smtpServer is a minimal SMTP server (EHLO, AUTH PLAIN, MAIL, RCPT, DATA,
// RSET, NOOP, QUIT) recording the messages it accepts.
type smtpServer struct {
	ln       net.Listener
	rcptCode atomic.Int32 // reply to RCPT TO
	tls      *tls.Config  // offers STARTTLS when set
	mu       sync.Mutex
	msgs     []smtpMsg
	wg       sync.WaitGroup
}

type smtpMsg struct {
	auth string // decoded AUTH PLAIN credentials
	from string
	to   []string
	data string
	tls  bool // sent after STARTTLS
}

func newSMTPServer(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	s.rcptCode.Store(250)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *smtpServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *smtpServer) messages() []smtpMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMsg(nil), s.msgs...)
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	reply := func(code int, text string) { _ = tp.PrintfLine("%d %s", code, text) }
	reply(220, "test ESMTP")
	var m smtpMsg
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			_ = tp.PrintfLine("250-test greets %s", arg)
			_ = tp.PrintfLine("250-8BITMIME")
			if s.tls != nil {
				if _, ok := c.(*tls.Conn); !ok {
					_ = tp.PrintfLine("250-STARTTLS")
				}
			}
			_ = tp.PrintfLine("250 AUTH PLAIN")
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			dec, err := base64.StdEncoding.DecodeString(resp)
			if mech != "PLAIN" || err != nil {
				reply(504, "unsupported")
				continue
			}
			if strings.HasSuffix(string(dec), "\x00wrong") {
				reply(535, "5.7.8 authentication failed")
				continue
			}
			m.auth = string(dec)
			reply(235, "2.7.0 authenticated")
		case "MAIL":
			m.from = strings.TrimSuffix(strings.TrimPrefix(arg, "FROM:<"), ">")
			if i := strings.Index(m.from, ">"); i >= 0 {
				m.from = m.from[:i]
			}
			reply(250, "ok")
		case "RCPT":
			if code := int(s.rcptCode.Load()); code != 250 {
				reply(code, "mailbox unavailable")
				continue
			}
			m.to = append(m.to, strings.TrimSuffix(strings.TrimPrefix(arg, "TO:<"), ">"))
			reply(250, "ok")
		case "DATA":
			reply(354, "go ahead")
			data, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			m.data = string(data)
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			m = smtpMsg{tls: m.tls}
			reply(250, "queued")
		case "STARTTLS":
			reply(220, "ready to start TLS")
			tc := tls.Server(c, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, tp, m = tc, textproto.NewConn(tc), smtpMsg{tls: true}
		case "RSET", "NOOP":
			reply(250, "ok")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			reply(502, "not implemented")
		}
	}
}

// selfSigned returns a server TLS configuration for 127.0.0.1 and the path
// of its certificate (PEM).
func selfSigned(t *testing.T) (*tls.Config, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtp test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, path
}
