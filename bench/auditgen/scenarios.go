package auditgen

import "time"

// scenario is one kind of routine (non-attack) request.
type scenario uint8

const (
	sKubeletGetNode scenario = iota
	sKubeletLease
	sKubeletNodeStatus
	sKubeletPodStatus
	sKubeletToken
	sKubeletWatch
	sLeaderLease
	sControllerRead
	sEndpointSlice
	sSchedulerBind
	sEventCreate
	sProxyDNS
	sAPIServerLease
	sPrometheus
	sUserRead
	sUserLogs
	sUserWrite
	sCIApply
	sDiscovery
	sHealthProbe
	numScenarios
)

// weights are per mille of routine traffic: about 85% system components,
// 12% users and CI, 3% discovery and health probes.
var weights = [numScenarios]int{
	sKubeletGetNode: 60, sKubeletLease: 150, sKubeletNodeStatus: 40, sKubeletPodStatus: 50,
	sKubeletToken: 40, sKubeletWatch: 50, sLeaderLease: 140, sControllerRead: 80,
	sEndpointSlice: 40, sSchedulerBind: 20, sEventCreate: 60, sProxyDNS: 50,
	sAPIServerLease: 40, sPrometheus: 30,
	sUserRead: 70, sUserLogs: 10, sUserWrite: 20, sCIApply: 20,
	sDiscovery: 15, sHealthProbe: 15,
}

// totalWeight is the sum of weights.
var totalWeight = func() int {
	t := 0
	for _, w := range weights {
		t += w
	}
	return t
}()

// pickScenario draws a scenario by weight.
func (g *Generator) pickScenario() scenario {
	n := g.r.IntN(totalWeight)
	for s, w := range weights {
		if n < w {
			return scenario(s)
		}
		n -= w
	}
	return sKubeletLease
}

// watch makes e a long-running informer watch that just timed out.
func (g *Generator) watch(e *event, byName bool) {
	e.verb, e.query = "watch", qWatch
	if byName {
		e.query = qWatchName
	}
	e.watchSecs = 300 + g.r.IntN(300)
	e.latency = time.Duration(e.watchSecs)*time.Second + time.Duration(g.r.IntN(900))*time.Millisecond
}

// list makes e a paginated list.
func (g *Generator) list(e *event) {
	e.verb, e.query = "list", qList
	e.latency = time.Duration(2+g.r.IntN(60)) * time.Millisecond
}

// benign fills e with routine traffic.
func (g *Generator) benign(e *event) {
	c := g.c
	switch g.pickScenario() {
	case sKubeletGetNode:
		n := pick(g, c.nodes)
		e.who, e.n = n.kubelet, n
		e.set("get", "", "v1", "nodes", "", n.name, "")
		e.query = qTimeout
	case sKubeletLease:
		n := pick(g, c.nodes)
		e.who, e.n, e.level, e.req = n.kubelet, n, "Request", bLease
		e.set("update", "coordination.k8s.io", "v1", "leases", "kube-node-lease", n.name, "")
		e.query = qTimeout
		if g.chance(0.003) {
			e.fail, e.code = fConflict, 409
		}
	case sKubeletNodeStatus:
		n := pick(g, c.nodes)
		e.who, e.n, e.level, e.req = n.kubelet, n, "Request", bNodeStatus
		e.set("patch", "", "v1", "nodes", "", n.name, "status")
		e.query = qTimeout
	case sKubeletPodStatus:
		p := pick(g, c.pods)
		e.who, e.p, e.n, e.level, e.req = p.node.kubelet, p, p.node, "Request", bPodStatus
		e.set("patch", "", "v1", "pods", p.ns, p.name, "status")
	case sKubeletToken:
		p := pick(g, c.pods)
		e.who, e.p, e.n, e.level, e.req = p.node.kubelet, p, p.node, "Request", bToken
		e.set("create", "", "v1", "serviceaccounts", p.ns, p.container, "token")
		e.code = 201
	case sKubeletWatch:
		n := pick(g, c.nodes)
		e.who, e.n = n.kubelet, n
		switch g.r.IntN(4) {
		case 0:
			e.set("", "", "v1", "pods", "", "", "")
			g.list(e)
			e.query = qListNode
		case 1:
			e.set("", "", "v1", "configmaps", pick(g, c.appNS), "kube-root-ca.crt", "")
			g.watch(e, true)
		case 2:
			e.set("", "", "v1", "secrets", pick(g, c.appNS), pick(g, c.secrets), "")
			g.watch(e, true)
		default:
			e.set("", "", "v1", "services", "", "", "")
			g.watch(e, false)
		}
	case sLeaderLease:
		who, name := c.kcm, "kube-controller-manager"
		if g.chance(0.4) {
			who, name = c.scheduler, "kube-scheduler"
		}
		e.who = who
		e.set("get", "coordination.k8s.io", "v1", "leases", "kube-system", name, "")
		e.query = qTimeout
		if g.chance(0.5) {
			e.verb, e.level, e.req, e.n = "update", "Request", bLeaderLease, c.nodes[0]
		}
	case sControllerRead:
		e.who = pick(g, c.controllers)
		res := [...]string{"pods", "nodes", "endpoints", "replicasets", "deployments", "daemonsets", "namespaces"}[g.r.IntN(7)]
		group := ""
		if res == "replicasets" || res == "deployments" || res == "daemonsets" {
			group = "apps"
		}
		e.set("", group, "v1", res, "", "", "")
		if g.chance(0.8) {
			g.watch(e, false)
		} else {
			g.list(e)
		}
		if g.chance(0.3) && res != "nodes" && res != "namespaces" {
			e.ns = pick(g, c.appNS)
		}
	case sEndpointSlice:
		w := pick(g, c.workloads)
		e.who, e.w, e.level, e.req = c.controllers[2], w, "Request", bEndpointSlice
		e.set("update", "discovery.k8s.io", "v1", "endpointslices", w.ns, w.slice, "")
	case sSchedulerBind:
		p := pick(g, c.pods)
		e.who, e.p, e.n, e.level, e.req = c.scheduler, p, p.node, "Request", bBinding
		e.set("create", "", "v1", "pods", p.ns, p.name, "binding")
		e.code = 201
	case sEventCreate:
		p := pick(g, c.pods)
		e.who, e.p, e.n, e.level, e.req = p.node.kubelet, p, p.node, "Request", bEvent
		if g.chance(0.4) {
			e.who = c.controllers[0]
		}
		e.set("create", "", "v1", "events", p.ns, p.name, "")
		e.code = 201
	case sProxyDNS:
		e.who = c.kubeProxy
		if g.chance(0.5) {
			e.who = c.coredns
		}
		if g.chance(0.6) {
			e.set("", "discovery.k8s.io", "v1", "endpointslices", "", "", "")
		} else {
			e.set("", "", "v1", "services", "", "", "")
		}
		g.watch(e, false)
	case sAPIServerLease:
		e.who, e.level, e.req, e.n = c.apiserver, "Request", bLeaderLease, c.nodes[0]
		e.set("update", "coordination.k8s.io", "v1", "leases", "kube-system", "apiserver-"+"k4xq2vhb7rz6tzn5w2d3jt6ymi", "")
		e.query = qTimeout
	case sPrometheus:
		e.who = c.prom
		res := [...]string{"endpoints", "pods", "services", "nodes"}[g.r.IntN(4)]
		e.set("", "", "v1", res, "", "", "")
		g.watch(e, false)
	case sUserRead:
		g.userRead(e)
	case sUserLogs:
		w := pick(g, c.workloads)
		p := pick(g, w.pods)
		e.who, e.p = pick(g, c.users), p
		e.set("get", "", "v1", "pods", p.ns, p.name, "log")
		e.query = qLog
		e.latency = time.Duration(10+g.r.IntN(600)) * time.Second
	case sUserWrite:
		g.userWrite(e)
	case sCIApply:
		w := pick(g, c.workloads)
		e.who, e.w, e.level = pick(g, c.ci), w, "RequestResponse"
		e.set("patch", "apps", "v1", "deployments", w.ns, w.name, "")
		e.req, e.resp = bDeployPatch, bDeployment
		e.latency = time.Duration(5+g.r.IntN(40)) * time.Millisecond
	case sDiscovery:
		e.who = pick(g, c.users)
		e.verb, e.nonResource = "get", [...]string{"/api?timeout=32s", "/apis?timeout=32s", "/version?timeout=32s"}[g.r.IntN(3)]
	case sHealthProbe:
		e.who = c.anonymous
		e.verb, e.nonResource, e.ip = "get", [...]string{"/readyz", "/livez", "/healthz"}[g.r.IntN(3)], "10.0.0.5"
	}
}

// userRead is kubectl get/list/describe by a developer.
func (g *Generator) userRead(e *event) {
	c := g.c
	w := pick(g, c.workloads)
	e.who, e.w = pick(g, c.users), w
	switch g.r.IntN(6) {
	case 0, 1:
		e.set("list", "", "v1", "pods", w.ns, "", "")
		e.query = qList
	case 2:
		p := pick(g, w.pods)
		e.p = p
		e.set("get", "", "v1", "pods", w.ns, p.name, "")
	case 3:
		e.set("get", "apps", "v1", "deployments", w.ns, w.name, "")
		if g.chance(0.05) {
			e.name, e.fail, e.code = "api-v2", fNotFound, 404
		}
	case 4:
		e.set("list", "", "v1", "services", w.ns, "", "")
	default:
		e.set("list", "", "v1", "events", w.ns, "", "")
		e.query = qList
	}
	if e.verb == "list" {
		e.latency = time.Duration(3+g.r.IntN(40)) * time.Millisecond
	}
}

// userWrite is a developer changing an application.
func (g *Generator) userWrite(e *event) {
	c := g.c
	w := pick(g, c.workloads)
	e.who, e.w, e.level = pick(g, c.users), w, "RequestResponse"
	e.latency = time.Duration(4+g.r.IntN(30)) * time.Millisecond
	switch g.r.IntN(7) {
	case 0:
		e.set("patch", "apps", "v1", "deployments", w.ns, w.name, "")
		e.req, e.resp, e.query = bDeployPatch, bDeployment, qFieldManager
	case 1:
		e.set("update", "apps", "v1", "deployments", w.ns, w.name, "")
		e.req, e.resp = bDeployment, bDeployment
	case 2:
		e.set("create", "", "v1", "configmaps", w.ns, c.configMaps[g.r.IntN(3)], "")
		e.req, e.resp, e.code = bConfigMap, bConfigMap, 201
	case 3:
		e.set("delete", "", "v1", "configmaps", w.ns, c.configMaps[g.r.IntN(3)], "")
		e.req, e.resp = bDeleteOptions, bStatusSuccess
	case 4:
		e.set("create", "", "v1", "services", w.ns, pick(g, c.services), "")
		e.req, e.resp, e.code = bService, bService, 201
	case 5:
		e.set("delete", "", "v1", "pods", w.ns, pick(g, w.pods).name, "")
		e.p = w.pods[0]
		e.req, e.resp = bDeleteOptions, bStatusSuccess
	default:
		e.set("create", "apps", "v1", "deployments", w.ns, w.name, "")
		e.req, e.resp, e.code = bDeployment, bDeployment, 201
	}
}
