// Package cluster starts a real, kubelet-less Kubernetes control plane
// (etcd, kube-apiserver and optionally kube-controller-manager) for
// end-to-end tests of audit-log consumers.
//
// All key material and configuration is generated into Options.WorkDir; the
// binaries come from scripts/k8s-bins.sh (see BinDir). Pods never run (there
// is no kubelet), but every API request is authenticated, authorized and
// audited exactly as on a real cluster.
package cluster

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a test cluster.
type Options struct {
	// BinDir is where etcd, kube-apiserver, kube-controller-manager and
	// kubectl are (see BinDir).
	BinDir string
	// WorkDir is a temporary directory for data, certs, configs and logs
	// (typically t.TempDir()).
	WorkDir string
	// AuditPolicy is the audit policy YAML; "" means DefaultAuditPolicy.
	AuditPolicy string
	// WebhookURL, if set, enables the audit webhook backend posting
	// EventLists to this URL (batch mode, max wait 1s). Keep the receiver
	// up until Stop returns: the apiserver flushes its last batch while
	// shutting down and, if the receiver is gone, retries until killed.
	WebhookURL string
	// WebhookKubeconfig, if set, is the webhook backend's kubeconfig as
	// written (for HTTPS with a CA, a bearer token or a client certificate);
	// otherwise one for plain HTTP to WebhookURL is generated.
	WebhookKubeconfig string
	// WebhookBatchMaxWait is how long the webhook backend waits to fill a
	// batch (default 1s); lower it for tests of reaction time.
	WebhookBatchMaxWait time.Duration
	// AuditLog enables the log backend writing JSON lines to AuditLogPath().
	AuditLog bool
	// AuditLogMaxSizeMB, if > 0, sets --audit-log-maxsize to force rotation.
	AuditLogMaxSizeMB int
	// ControllerManager also starts kube-controller-manager (so that, for
	// example, ReplicaSets create pods). It authenticates as the token user
	// "system:kube-controller-manager" (group system:masters).
	ControllerManager bool
	// Users are extra token users besides "admin" (group system:masters).
	// When empty, a single user "mallory" with no extra groups is added.
	Users []User
	// Log, if set, receives the component logs; they are always kept in
	// files in WorkDir as well (see Cluster.LogPath).
	Log io.Writer
}

// User is a static-token user of the test cluster.
type User struct {
	Name   string
	Token  string   // generated when empty
	Groups []string // system:authenticated is always added by the apiserver
}

// Cluster is a running test control plane. Stop it with Stop.
type Cluster struct {
	opts        Options
	pki         *pki
	url         string
	etcdURL     string
	users       map[string]User
	kubeconfigs map[string]string
	auditLog    string

	procs    []*proc // in start order: etcd, apiserver, controller-manager
	stopOnce sync.Once
	stopErr  error
}

// kcmUser is the identity of kube-controller-manager (in system:masters,
// since it runs with --use-service-account-credentials=false).
const kcmUser = "system:kube-controller-manager"

// DefaultUsers is the list used when Options.Users is empty.
var DefaultUsers = []User{{Name: "mallory"}}

const (
	readyTimeout   = 60 * time.Second
	stopGrace      = 10 * time.Second
	kubectlTimeout = 30 * time.Second
)

// Start generates certificates and configuration, starts etcd, then
// kube-apiserver (then kube-controller-manager when requested), and waits
// until the apiserver's /readyz answers 200 (at most 60s). On error every
// process already started is stopped.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.BinDir == "" || opts.WorkDir == "" {
		return nil, errors.New("cluster: Options.BinDir and Options.WorkDir are required")
	}
	for _, b := range []string{"etcd", "kube-apiserver", "kubectl"} {
		if _, err := os.Stat(filepath.Join(opts.BinDir, b)); err != nil {
			return nil, fmt.Errorf("cluster: binary %s: %w", b, err)
		}
	}
	if opts.Log != nil {
		opts.Log = &lockedWriter{w: opts.Log}
	}
	c := &Cluster{opts: opts, users: map[string]User{}, kubeconfigs: map[string]string{}}
	if err := c.prepare(); err != nil {
		return nil, err
	}
	if err := c.start(ctx); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

// prepare picks ports and writes every file the components need.
func (c *Cluster) prepare() error {
	dir := c.opts.WorkDir
	ports, err := freePorts(4)
	if err != nil {
		return err
	}
	c.etcdURL = fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	c.url = fmt.Sprintf("https://127.0.0.1:%d", ports[2])
	c.procs = nil

	p, err := genPKI(dir)
	if err != nil {
		return fmt.Errorf("cluster: generate certificates: %w", err)
	}
	c.pki = p

	extra := c.opts.Users
	if len(extra) == 0 {
		extra = DefaultUsers
	}
	users := []User{{Name: "admin", Groups: []string{"system:masters"}}}
	users = append(users, extra...)
	if c.opts.ControllerManager {
		// Its own identity, so its requests are not audited as "admin".
		users = append(users, User{Name: kcmUser, Groups: []string{"system:masters"}})
	}
	for i := range users {
		u := &users[i]
		if u.Name == "" || strings.ContainsAny(u.Name, ",\"\n") {
			return fmt.Errorf("cluster: invalid user name %q", u.Name)
		}
		if _, dup := c.users[u.Name]; dup {
			return fmt.Errorf("cluster: duplicate user %q", u.Name)
		}
		if u.Token == "" {
			u.Token = randomToken()
		}
		c.users[u.Name] = *u
		kc := filepath.Join(dir, "kubeconfig-"+u.Name)
		if err := os.WriteFile(kc, []byte(userKubeconfig(c.url, p.caPEM, u.Name, u.Token)), 0o600); err != nil {
			return fmt.Errorf("cluster: write kubeconfig for %s: %w", u.Name, err)
		}
		c.kubeconfigs[u.Name] = kc
	}
	p.tokenFile = filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(p.tokenFile, []byte(tokenCSV(users)), 0o600); err != nil {
		return fmt.Errorf("cluster: write token file: %w", err)
	}
	policy := c.opts.AuditPolicy
	if policy == "" {
		policy = DefaultAuditPolicy
	}
	p.policyFile = filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(p.policyFile, []byte(policy), 0o644); err != nil {
		return fmt.Errorf("cluster: write audit policy: %w", err)
	}
	if c.opts.AuditLog {
		c.auditLog = filepath.Join(dir, "audit", "audit.log")
		if err := os.MkdirAll(filepath.Dir(c.auditLog), 0o755); err != nil {
			return fmt.Errorf("cluster: create audit log dir: %w", err)
		}
	}

	etcdPeer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	c.procs = append(c.procs, &proc{name: "etcd", args: []string{
		"--name=e2e",
		"--data-dir=" + filepath.Join(dir, "etcd-data"),
		"--listen-client-urls=" + c.etcdURL,
		"--advertise-client-urls=" + c.etcdURL,
		"--listen-peer-urls=" + etcdPeer,
		"--initial-advertise-peer-urls=" + etcdPeer,
		"--initial-cluster=e2e=" + etcdPeer,
		"--unsafe-no-fsync",
		"--log-level=warn",
	}})

	api := []string{
		"--etcd-servers=" + c.etcdURL,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(ports[2]),
		"--cert-dir=" + filepath.Join(dir, "apiserver-certs"),
		"--tls-cert-file=" + p.serveCert,
		"--tls-private-key-file=" + p.serveKey,
		"--client-ca-file=" + p.caCert,
		"--token-auth-file=" + p.tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.saPub,
		"--service-account-signing-key-file=" + p.saKey,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
		"--disable-admission-plugins=ServiceAccount",
		"--audit-policy-file=" + p.policyFile,
	}
	if c.opts.AuditLog {
		api = append(api, "--audit-log-path="+c.auditLog, "--audit-log-format=json")
		if c.opts.AuditLogMaxSizeMB > 0 {
			api = append(api, "--audit-log-maxsize="+strconv.Itoa(c.opts.AuditLogMaxSizeMB))
		}
	}
	if c.opts.WebhookURL != "" {
		wh := filepath.Join(dir, "audit-webhook.kubeconfig")
		if err := os.WriteFile(wh, []byte(c.webhookConfig()), 0o600); err != nil {
			return fmt.Errorf("cluster: write audit webhook kubeconfig: %w", err)
		}
		api = append(api, "--audit-webhook-config-file="+wh)
		api = append(api, c.webhookModeFlags()...)
	}
	c.procs = append(c.procs, &proc{name: "kube-apiserver", args: api})

	if c.opts.ControllerManager {
		c.procs = append(c.procs, &proc{name: "kube-controller-manager", args: []string{
			"--kubeconfig=" + c.kubeconfigs[kcmUser],
			"--controllers=*",
			"--service-account-private-key-file=" + p.saKey,
			"--root-ca-file=" + p.caCert,
			"--use-service-account-credentials=false",
			"--leader-elect=false",
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(ports[3]),
			"--cert-dir=" + filepath.Join(dir, "kcm-certs"),
		}, health: fmt.Sprintf("https://127.0.0.1:%d/healthz", ports[3])})
	}
	for _, pr := range c.procs {
		pr.bin = filepath.Join(c.opts.BinDir, pr.name)
		pr.logPath = filepath.Join(dir, pr.name+".log")
	}
	c.procs[0].health = c.etcdURL + "/health"
	c.procs[1].health = c.url + "/readyz"
	return nil
}

// start launches the processes in order, waiting for each to be healthy.
func (c *Cluster) start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.pki.caPEM)
	for _, pr := range c.procs {
		if err := pr.start(c.opts.Log); err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
		tlsCfg := &tls.Config{RootCAs: pool}
		if pr.name == "kube-controller-manager" {
			tlsCfg = &tls.Config{InsecureSkipVerify: true} // self-signed in-memory cert
		}
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}}
		if err := pr.waitHealthy(ctx, client, c.users["admin"].Token); err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
	}
	return nil
}

// Stop stops kube-apiserver and kube-controller-manager (SIGTERM, then
// SIGKILL after 10s), then etcd. It is safe to call more than once.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		var errs []error
		// Everything but etcd first, newest first: the apiserver hangs in
		// shutdown when etcd is already gone.
		for i := len(c.procs) - 1; i >= 1; i-- {
			errs = append(errs, c.procs[i].stop())
		}
		if len(c.procs) > 0 {
			errs = append(errs, c.procs[0].stop())
		}
		c.stopErr = errors.Join(errs...)
	})
	return c.stopErr
}

// URL returns the apiserver's base URL, https://127.0.0.1:PORT.
func (c *Cluster) URL() string { return c.url }

// AuditLogPath returns the path of the JSON-lines audit log ("" unless
// Options.AuditLog was set). With AuditLogMaxSizeMB, rotated files are kept
// beside it.
func (c *Cluster) AuditLogPath() string { return c.auditLog }

// CACertPath returns the path of the CA certificate that signed the
// apiserver's serving certificate.
func (c *Cluster) CACertPath() string { return c.pki.caCert }

// Token returns the bearer token of user ("" if unknown).
func (c *Cluster) Token(user string) string { return c.users[user].Token }

// Kubeconfig returns the path of a kubeconfig authenticating as user
// ("admin" or one of Options.Users), or "" for an unknown user.
func (c *Cluster) Kubeconfig(user string) string { return c.kubeconfigs[user] }

// LogPath returns the log file of a component ("etcd", "kube-apiserver",
// "kube-controller-manager").
func (c *Cluster) LogPath(component string) string {
	return filepath.Join(c.opts.WorkDir, component+".log")
}

// Kubectl runs the built kubectl as user with a 30s timeout.
func (c *Cluster) Kubectl(ctx context.Context, user string, args ...string) (stdout, stderr string, err error) {
	return c.KubectlStdin(ctx, user, "", args...)
}

// KubectlStdin is Kubectl with stdin fed to the command (for "apply -f -").
func (c *Cluster) KubectlStdin(ctx context.Context, user, stdin string, args ...string) (stdout, stderr string, err error) {
	kc := c.Kubeconfig(user)
	if kc == "" {
		return "", "", fmt.Errorf("kubectl: unknown user %q", user)
	}
	ctx, cancel := context.WithTimeout(ctx, kubectlTimeout)
	defer cancel()
	full := append([]string{"--kubeconfig=" + kc, "--cache-dir=" + filepath.Join(c.opts.WorkDir, "kubectl-cache")}, args...)
	cmd := exec.CommandContext(ctx, filepath.Join(c.opts.BinDir, "kubectl"), full...)
	cmd.Env = append(filteredEnv("KUBECONFIG"), "HOME="+c.opts.WorkDir)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return out.String(), errb.String(), fmt.Errorf("kubectl %s (as %s): %w: %s",
			strings.Join(args, " "), user, err, strings.TrimSpace(errb.String()))
	}
	return out.String(), errb.String(), nil
}

func filteredEnv(drop string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, drop+"=") {
			env = append(env, kv)
		}
	}
	return env
}

// freePorts reserves n distinct loopback ports and releases them.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("cluster: reserve port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// lockedWriter serializes writes from several processes' log copiers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// webhookConfig returns the audit webhook backend's kubeconfig.
func (c *Cluster) webhookConfig() string {
	if c.opts.WebhookKubeconfig != "" {
		return c.opts.WebhookKubeconfig
	}
	return webhookKubeconfig(c.opts.WebhookURL)
}

// webhookModeFlags returns the webhook backend's mode flags.
func (c *Cluster) webhookModeFlags() []string {
	wait := c.opts.WebhookBatchMaxWait
	if wait <= 0 {
		wait = time.Second
	}
	return []string{"--audit-webhook-mode=batch", "--audit-webhook-batch-max-wait=" + wait.String()}
}
