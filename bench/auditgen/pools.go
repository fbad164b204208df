package auditgen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// k8sVersion and k8sCommit appear in the user agents of cluster components.
const (
	k8sVersion = "v1.36.3"
	k8sCommit  = "5a1f9e2"
)

// identity is an authenticated (or anonymous) client with its pre-rendered
// user object, authorization reason, user agent and source addresses.
type identity struct {
	name   string   // user.username
	user   string   // the rendered "user" JSON object
	reason string   // authorization.k8s.io/reason, JSON-escaped (no quotes)
	ua     string   // user agent, JSON-safe
	ips    []string // source IPs, one picked per request
}

// node is a cluster node and its kubelet identity.
type node struct {
	name, ip, uid string
	kubelet       *identity
}

// pod is a running pod with the metadata its status patches and token
// requests carry.
type pod struct {
	ns, name, uid, image, container, ip string
	node                                *node
}

// workload is a Deployment of an application namespace.
type workload struct {
	ns, name, image string
	slice           string // the name of its service's EndpointSlice
	pods            []*pod
}

// cluster holds the object and identity pools events are drawn from. It is
// built once per Generator from the seed, so every string used while
// generating already exists and Next needs no allocation.
type cluster struct {
	nodes     []*node
	pods      []*pod // every pod, system and application
	workloads []*workload
	appNS     []string

	kcm, scheduler, apiserver  *identity
	controllers                []*identity // kube-controller-manager's per-controller service accounts
	kubeProxy, coredns, prom   *identity
	users, ci, attackers       []*identity
	anonymous, defaultSA       *identity
	configMaps, services       []string
	secrets, controlPlaneLease []string
}

// jsonString returns s as JSON string contents (escaped, without quotes).
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// newIdentity builds an identity and renders its user object.
func newIdentity(name, uid string, groups []string, extra map[string][]string, reason, ua string, ips ...string) *identity {
	u := map[string]any{"username": name}
	if uid != "" {
		u["uid"] = uid
	}
	if len(groups) > 0 {
		u["groups"] = groups
	}
	if len(extra) > 0 {
		u["extra"] = extra
	}
	b, err := json.Marshal(u) // sorted keys: extra, groups, uid, username
	if err != nil {
		panic(err)
	}
	return &identity{name: name, user: string(b), reason: jsonString(reason), ua: jsonString(ua), ips: ips}
}

// rbac renders the RBAC authorizer's allow reason.
func rbac(binding, role, subject string) string {
	kind := "ClusterRoleBinding"
	if strings.Contains(binding, "/") {
		kind = "RoleBinding"
	}
	return fmt.Sprintf("RBAC: allowed by %s %q of ClusterRole %q to %s", kind, binding, role, subject)
}

func randHex(r *rand.Rand, n int) string {
	const hex = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hex[r.IntN(16)]
	}
	return string(b)
}

// randSuffix is a Kubernetes generated name suffix (no vowels, as in
// k8s.io/apimachinery/pkg/util/rand).
func randSuffix(r *rand.Rand, n int) string {
	const alnum = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[r.IntN(len(alnum))]
	}
	return string(b)
}

func randUUID(r *rand.Rand) string {
	return string(appendUUID(nil, r.Uint64(), r.Uint64()))
}

// saIdentity is a pod's service account token identity, with the extra
// claims kube-apiserver records for bound tokens.
func saIdentity(r *rand.Rand, ns, sa, reason, ua string, p *pod, ips ...string) *identity {
	extra := map[string][]string{"authentication.kubernetes.io/credential-id": {"JTI=" + randUUID(r)}}
	if p != nil {
		extra["authentication.kubernetes.io/node-name"] = []string{p.node.name}
		extra["authentication.kubernetes.io/node-uid"] = []string{p.node.uid}
		extra["authentication.kubernetes.io/pod-name"] = []string{p.name}
		extra["authentication.kubernetes.io/pod-uid"] = []string{p.uid}
	}
	name := "system:serviceaccount:" + ns + ":" + sa
	groups := []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}
	return newIdentity(name, randUUID(r), groups, extra, reason, ua, ips...)
}

// newCluster builds the pools for nodes nodes.
func newCluster(r *rand.Rand, nodes int) *cluster {
	c := &cluster{appNS: []string{"payments", "checkout", "frontend", "search", "inventory"}}
	cpIPs := []string{"10.0.0.10", "10.0.0.11", "10.0.0.12"}
	ua := func(component, suffix string) string {
		return component + "/" + k8sVersion + " (linux/amd64) kubernetes/" + k8sCommit + suffix
	}
	for i := range nodes {
		ip := fmt.Sprintf("10.0.%d.%d", 16+i/200, 10+i%200)
		n := &node{name: "ip-" + strings.ReplaceAll(ip, ".", "-") + ".ec2.internal", ip: ip, uid: randUUID(r)}
		n.kubelet = newIdentity("system:node:"+n.name, "", []string{"system:nodes", "system:authenticated"}, nil,
			"", ua("kubelet", ""), ip)
		c.nodes = append(c.nodes, n)
	}
	newPod := func(ns, prefix, image, container string, n *node) *pod {
		p := &pod{ns: ns, name: prefix + "-" + randSuffix(r, 5), uid: randUUID(r), image: image, container: container, node: n,
			ip: fmt.Sprintf("10.0.%d.%d", 64+r.IntN(64), 1+r.IntN(254))}
		if n == nil {
			p.node = c.nodes[r.IntN(len(c.nodes))]
		}
		c.pods = append(c.pods, p)
		return p
	}
	for _, n := range c.nodes {
		newPod("kube-system", "kube-proxy", "registry.k8s.io/kube-proxy:"+k8sVersion, "kube-proxy", n)
		newPod("kube-system", "aws-node", "602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon-k8s-cni:v1.20.4", "aws-node", n)
	}
	cdPod := newPod("kube-system", "coredns-6d4b75cb6d", "registry.k8s.io/coredns/coredns:v1.12.4", "coredns", nil)
	newPod("kube-system", "coredns-6d4b75cb6d", "registry.k8s.io/coredns/coredns:v1.12.4", "coredns", nil)
	promPod := newPod("monitoring", "prometheus-k8s", "quay.io/prometheus/prometheus:v3.5.0", "prometheus", nil)
	images := map[string]string{"api": "api", "worker": "worker", "web": "web", "cache": "redis"}
	for _, ns := range c.appNS {
		for _, d := range []string{"api", "worker", "web", "cache"} {
			w := &workload{ns: ns, name: d, image: "registry.example.com/" + ns + "/" + images[d] + ":1." + fmt.Sprint(r.IntN(50)) + "." + fmt.Sprint(r.IntN(10))}
			w.slice = d + "-" + randSuffix(r, 5)
			rs := d + "-" + randHex(r, 10)
			for range 3 {
				w.pods = append(w.pods, newPod(ns, rs, w.image, "app", nil))
			}
			c.workloads = append(c.workloads, w)
		}
	}

	c.kcm = newIdentity("system:kube-controller-manager", "", []string{"system:authenticated"}, nil,
		rbac("system:kube-controller-manager", "system:kube-controller-manager", `User "system:kube-controller-manager"`),
		ua("kube-controller-manager", "/leader-election"), cpIPs...)
	c.scheduler = newIdentity("system:kube-scheduler", "", []string{"system:authenticated"}, nil,
		rbac("system:kube-scheduler", "system:kube-scheduler", `User "system:kube-scheduler"`),
		ua("kube-scheduler", "/scheduler"), cpIPs...)
	c.apiserver = newIdentity("system:apiserver", randUUID(r), []string{"system:authenticated", "system:masters"}, nil,
		"", ua("kube-apiserver", ""), "::1")
	for _, ctl := range []string{"replicaset-controller", "deployment-controller", "endpointslice-controller", "endpoint-controller", "namespace-controller", "generic-garbage-collector", "node-controller", "daemon-set-controller"} {
		c.controllers = append(c.controllers, saIdentity(r, "kube-system", ctl,
			rbac("system:controller:"+ctl, "system:controller:"+ctl, `ServiceAccount "`+ctl+`/kube-system"`),
			ua("kube-controller-manager", "/system:serviceaccount:kube-system:"+ctl), nil, cpIPs...))
	}
	c.kubeProxy = saIdentity(r, "kube-system", "kube-proxy", rbac("eks:kube-proxy", "system:node-proxier", `Group "system:serviceaccounts:kube-system"`),
		ua("kube-proxy", ""), c.pods[0], c.nodes[0].ip)
	c.coredns = saIdentity(r, "kube-system", "coredns", rbac("system:coredns", "system:coredns", `ServiceAccount "coredns/kube-system"`),
		"coredns/v1.12.4 (linux/amd64) kubernetes/$Format", cdPod, cdPod.node.ip)
	c.prom = saIdentity(r, "monitoring", "prometheus-k8s", rbac("prometheus-k8s", "prometheus-k8s", `ServiceAccount "prometheus-k8s/monitoring"`),
		"Prometheus/3.5.0", promPod, promPod.node.ip)

	kubectl := "kubectl/v1.36.1 (darwin/arm64) kubernetes/8cc511e"
	for i, u := range []string{"alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com"} {
		grp := []string{"developers", "system:authenticated"}
		role, bind := "edit", "developers-edit/"+c.appNS[i%len(c.appNS)]
		if i == 2 {
			grp, role, bind = []string{"sre", "system:authenticated"}, "admin", "sre-admin"
		}
		c.users = append(c.users, newIdentity(u, randUUID(r), grp, nil, rbac(bind, role, `Group "`+grp[0]+`"`),
			kubectl, fmt.Sprintf("203.0.113.%d", 20+i), fmt.Sprintf("198.51.100.%d", 40+i)))
	}
	c.ci = []*identity{
		saIdentity(r, "argocd", "argocd-application-controller", rbac("argocd-application-controller", "argocd-application-controller", `ServiceAccount "argocd-application-controller/argocd"`),
			"argocd-application-controller/v0.0.0 (linux/amd64) kubernetes/$Format", nil, "10.0.16.77"),
		saIdentity(r, "ci", "deployer", rbac("ci-deployer", "edit", `ServiceAccount "deployer/ci"`),
			"Helm/3.19.0", nil, "10.0.16.91"),
	}
	c.attackers = []*identity{
		newIdentity("mallory@example.com", randUUID(r), []string{"contractors", "system:authenticated"}, nil,
			rbac("contractors-admin", "cluster-admin", `Group "contractors"`), "kubectl/v1.36.1 (linux/amd64) kubernetes/8cc511e", "185.220.101.47"),
		newIdentity("eve@example.com", randUUID(r), []string{"developers", "system:authenticated"}, nil,
			rbac("developers-edit/payments", "edit", `Group "developers"`), "kubectl/v1.36.1 (linux/amd64) kubernetes/8cc511e", "203.0.113.66"),
	}
	c.defaultSA = saIdentity(r, "payments", "default", rbac("payments-default-view/payments", "view", `ServiceAccount "default/payments"`),
		"curl/8.11.1", c.workloads[0].pods[0], c.workloads[0].pods[0].node.ip)
	c.anonymous = newIdentity("system:anonymous", "", []string{"system:unauthenticated"}, nil,
		rbac("anonymous-view", "view", `User "system:anonymous"`), "python-requests/2.32.3", "45.155.205.233")
	c.configMaps = []string{"app-config", "feature-flags", "nginx-conf", "kube-root-ca.crt", "istio-ca-root-cert"}
	c.services = []string{"api", "web", "cache", "metrics"}
	c.secrets = []string{"db-credentials", "stripe-api-key", "tls-cert", "registry-pull"}
	c.controlPlaneLease = []string{"kube-controller-manager", "kube-scheduler", "cloud-controller-manager"}
	return c
}
