package auditgen

import "time"

// AttackKind is a kind of security-relevant audit event.
type AttackKind int8

// The attack kinds, drawn uniformly when an event is an attack.
const (
	AttackPrivilegedPod    AttackKind = iota // pod create with securityContext.privileged
	AttackHostNamespaces                     // pod create with hostPID and hostNetwork
	AttackHostPathRoot                       // pod create mounting the node's / (hostPath)
	AttackClusterAdminBind                   // ClusterRoleBinding to cluster-admin
	AttackWildcardRole                       // Role with wildcard verbs and resources
	AttackSecretForbidden                    // secret get denied (403, decision forbid)
	AttackSecretUnexpected                   // secret get allowed to an unexpected user
	AttackAnonymous                          // request by system:anonymous allowed
	AttackExecWebSocket                      // pods/exec with verb get (kubectl ≥ 1.30)
	AttackExecSPDY                           // pods/exec with verb create (SPDY)
	AttackNodePortService                    // Service of type NodePort
	AttackConfigMapAWSKey                    // ConfigMap holding aws_access_key_id
	NumAttackKinds
)

var attackNames = [NumAttackKinds]string{
	"privileged_pod", "host_namespaces_pod", "hostpath_root_pod", "cluster_admin_binding",
	"wildcard_role", "secret_forbidden", "secret_unexpected_reader", "anonymous_allowed",
	"exec_websocket", "exec_spdy", "nodeport_service", "configmap_aws_key",
}

// String returns the kind's snake_case name.
func (k AttackKind) String() string {
	if k < 0 || k >= NumAttackKinds {
		return "none"
	}
	return attackNames[k]
}

// Alerts reports whether peregrine's default k8s_audit rules
// (rules/k8s_audit.yaml) alert on the kind, once per event. Every kind does
// today; a kind the defaults stop covering must return false here so that
// loadgen's expected alert count stays right.
func (k AttackKind) Alerts() bool {
	return k >= 0 && k < NumAttackKinds
}

// attackPodNames are the names of the pods attackers create.
var attackPodNames = [...]string{"debug-tools", "node-shell-x7kq2", "rootfs-backup", "nsenter-5tq9w"}

// attackEvent fills e with an attack of kind k.
func (g *Generator) attackEvent(e *event, k AttackKind) {
	c := g.c
	e.attack = k
	e.who = pick(g, c.attackers)
	w := pick(g, c.workloads)
	e.latency = time.Duration(3+g.r.IntN(30)) * time.Millisecond
	switch k {
	case AttackPrivilegedPod, AttackHostNamespaces, AttackHostPathRoot:
		e.set("create", "", "v1", "pods", w.ns, pick(g, attackPodNames[:]), "")
		e.level, e.req, e.resp, e.code, e.podSec = "RequestResponse", bPod, bPod, 201, true
	case AttackClusterAdminBind:
		e.set("create", "rbac.authorization.k8s.io", "v1", "clusterrolebindings", "", "ops-admin-binding", "")
		e.level, e.req, e.resp, e.code = "RequestResponse", bClusterRoleBinding, bClusterRoleBinding, 201
	case AttackWildcardRole:
		e.set("create", "rbac.authorization.k8s.io", "v1", "roles", w.ns, "ci-runner", "")
		e.level, e.req, e.resp, e.code = "RequestResponse", bRole, bRole, 201
	case AttackSecretForbidden:
		e.who = c.attackers[1]
		e.set("get", "", "v1", "secrets", w.ns, pick(g, c.secrets), "")
		e.code, e.fail, e.decision, e.noReason = 403, fForbidden, "forbid", true
	case AttackSecretUnexpected:
		e.who = c.defaultSA
		e.set("get", "", "v1", "secrets", w.ns, pick(g, c.secrets), "")
	case AttackAnonymous:
		e.who = c.anonymous
		e.set("list", "", "v1", "pods", "kube-system", "", "")
		e.query = qList
	case AttackExecWebSocket, AttackExecSPDY:
		p := pick(g, w.pods)
		e.p = p
		verb := "get"
		if k == AttackExecSPDY {
			verb = "create"
		}
		// Exec sessions are audited when the stream starts (stage
		// ResponseStarted, code 101); ResponseComplete only comes when
		// the session ends, minutes later.
		e.set(verb, "", "v1", "pods", p.ns, p.name, "exec")
		e.stage, e.code, e.query = "ResponseStarted", 101, qExec
	case AttackNodePortService:
		e.set("create", "", "v1", "services", w.ns, "debug-np", "")
		e.level, e.req, e.resp, e.code = "RequestResponse", bService, bService, 201
	case AttackConfigMapAWSKey:
		e.set("create", "", "v1", "configmaps", w.ns, "backup-credentials", "")
		e.level, e.req, e.resp, e.code = "RequestResponse", bConfigMap, bConfigMap, 201
	}
}

// attackPod renders the pod of a pod-creating attack.
func (g *Generator) attackPod(dst []byte, e *event, resp bool) []byte {
	dst = append(dst, `{"kind":"Pod","apiVersion":"v1",`...)
	dst = g.meta(dst, e.name, e.ns, resp)
	dst = append(dst, `,"labels":{"run":`...)
	dst = str(dst, e.name)
	dst = append(dst, `}},"spec":{"volumes":[`...)
	if e.attack == AttackHostPathRoot {
		dst = append(dst, `{"name":"host-root","hostPath":{"path":"/","type":""}},`...)
	}
	dst = append(dst, `{"name":"kube-api-access-`...)
	dst = append(dst, e.name[len(e.name)-5:]...)
	dst = append(dst, `","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}],"containers":[{"name":`...)
	dst = str(dst, e.name)
	dst = append(dst, `,"image":"docker.io/library/alpine:3.22","command":["sleep","infinity"],"resources":{},"volumeMounts":[`...)
	if e.attack == AttackHostPathRoot {
		dst = append(dst, `{"name":"host-root","mountPath":"/host"},`...)
	}
	dst = append(dst, `{"name":"kube-api-access","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"`...)
	if e.attack == AttackPrivilegedPod {
		dst = append(dst, `,"securityContext":{"privileged":true}`...)
	}
	dst = append(dst, `,"stdin":true,"tty":true}],"restartPolicy":"Never","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","serviceAccount":"default"`...)
	if e.attack == AttackHostNamespaces {
		dst = append(dst, `,"hostNetwork":true,"hostPID":true`...)
	}
	dst = append(dst, `,"securityContext":{},"schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"}`...)
	if resp {
		dst = append(dst, `,"status":{"phase":"Pending","qosClass":"BestEffort"}`...)
	}
	return append(dst, '}')
}

// binding renders the ClusterRoleBinding to cluster-admin.
func (g *Generator) binding(dst []byte, e *event, resp bool) []byte {
	dst = append(dst, `{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1",`...)
	dst = g.meta(dst, e.name, "", resp)
	dst = append(dst, `},"subjects":[{"kind":"ServiceAccount","name":"default","namespace":"payments"},{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":`...)
	dst = str(dst, e.who.name)
	return append(dst, `}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"}}`...)
}
