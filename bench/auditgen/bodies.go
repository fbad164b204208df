package auditgen

import (
	"strings"
	"time"
)

// body selects a requestObject or responseObject.
type body uint8

const (
	bNone body = iota
	bLease
	bLeaderLease
	bNodeStatus
	bPodStatus
	bToken
	bBinding
	bEvent
	bEndpointSlice
	bDeployPatch
	bDeployment
	bConfigMap
	bService
	bDeleteOptions
	bStatusSuccess
	bPod
	bClusterRoleBinding
	bRole
)

// clusterBirth is how long ago the cluster's objects were created.
const clusterBirth = 41 * 24 * time.Hour

// str appends a JSON string (s must need no escaping).
func str(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// meta appends `"metadata":{"name":...,"namespace":...` and, for objects
// the server returns, uid, resourceVersion and creationTimestamp. The caller
// closes the object.
func (g *Generator) meta(dst []byte, name, ns string, resp bool) []byte {
	dst = append(dst, `"metadata":{"name":`...)
	dst = str(dst, name)
	if ns != "" {
		dst = append(dst, `,"namespace":`...)
		dst = str(dst, ns)
	}
	if resp {
		dst = append(dst, `,"uid":"`...)
		dst = appendUUID(dst, g.r.Uint64(), g.r.Uint64())
		dst = append(dst, `","resourceVersion":"`...)
		dst = strconvU(dst, g.nextRV())
		dst = append(dst, `","creationTimestamp":`...)
		dst = appendTime(dst, g.now, secondLayout)
	}
	return dst
}

// appendBody renders body b of event e.
func (g *Generator) appendBody(dst []byte, e *event, b body, resp bool) []byte {
	now := g.now
	switch b {
	case bLease:
		n := e.n
		dst = append(dst, `{"kind":"Lease","apiVersion":"coordination.k8s.io/v1",`...)
		dst = g.meta(dst, n.name, "kube-node-lease", true)
		dst = append(dst, `,"ownerReferences":[{"apiVersion":"v1","kind":"Node","name":`...)
		dst = str(dst, n.name)
		dst = append(dst, `,"uid":`...)
		dst = str(dst, n.uid)
		dst = append(dst, `}],"managedFields":[{"manager":"kubelet","operation":"Update","apiVersion":"coordination.k8s.io/v1","time":`...)
		dst = appendTime(dst, now, secondLayout)
		dst = append(dst, `,"fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:ownerReferences":{".":{},"k:{\"uid\":\"`...)
		dst = append(dst, n.uid...)
		dst = append(dst, `\"}":{}}},"f:spec":{"f:holderIdentity":{},"f:leaseDurationSeconds":{},"f:renewTime":{}}}}]},"spec":{"holderIdentity":`...)
		dst = str(dst, n.name)
		dst = append(dst, `,"leaseDurationSeconds":40,"renewTime":`...)
		dst = appendTime(dst, now, microLayout)
		return append(dst, "}}"...)
	case bLeaderLease:
		dst = append(dst, `{"kind":"Lease","apiVersion":"coordination.k8s.io/v1",`...)
		dst = g.meta(dst, e.name, e.ns, true)
		dst = append(dst, `},"spec":{"holderIdentity":"ip-10-0-0-10.ec2.internal_`...)
		dst = append(dst, e.n.uid...)
		dst = append(dst, `","leaseDurationSeconds":15,"acquireTime":`...)
		dst = appendTime(dst, now.Add(-clusterBirth/7), microLayout)
		dst = append(dst, `,"renewTime":`...)
		dst = appendTime(dst, now, microLayout)
		return append(dst, `,"leaseTransitions":3}}`...)
	case bNodeStatus:
		dst = append(dst, `{"status":{"$setElementOrder/conditions":[{"type":"MemoryPressure"},{"type":"DiskPressure"},{"type":"PIDPressure"},{"type":"Ready"}],"conditions":[`...)
		for i, c := range [...]string{"MemoryPressure", "DiskPressure", "PIDPressure", "Ready"} {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"lastHeartbeatTime":`...)
			dst = appendTime(dst, now, secondLayout)
			dst = append(dst, `,"type":`...)
			dst = str(dst, c)
			dst = append(dst, '}')
		}
		return append(dst, "]}}"...)
	case bPodStatus:
		p := e.p
		dst = append(dst, `{"metadata":{"uid":`...)
		dst = str(dst, p.uid)
		dst = append(dst, `},"status":{"$setElementOrder/conditions":[{"type":"PodReadyToStartContainers"},{"type":"Initialized"},{"type":"Ready"},{"type":"ContainersReady"},{"type":"PodScheduled"}],"conditions":[{"lastTransitionTime":`...)
		dst = appendTime(dst, now, secondLayout)
		dst = append(dst, `,"message":null,"reason":null,"status":"True","type":"Ready"},{"lastTransitionTime":`...)
		dst = appendTime(dst, now, secondLayout)
		dst = append(dst, `,"message":null,"reason":null,"status":"True","type":"ContainersReady"}],"containerStatuses":[{"allocatedResources":{"cpu":"100m","memory":"128Mi"},"containerID":"containerd://`...)
		dst = g.appendHex(dst, 64)
		dst = append(dst, `","image":`...)
		dst = str(dst, p.image)
		dst = append(dst, `,"imageID":"`...)
		if i := strings.LastIndexByte(p.image, ':'); i > 0 {
			dst = append(dst, p.image[:i]...)
		}
		dst = append(dst, `@sha256:`...)
		dst = g.appendHex(dst, 64)
		dst = append(dst, `","lastState":{},"name":`...)
		dst = str(dst, p.container)
		dst = append(dst, `,"ready":true,"resources":{"limits":{"memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},"restartCount":0,"started":true,"state":{"running":{"startedAt":`...)
		dst = appendTime(dst, now.Add(-time.Duration(g.r.IntN(3600))*time.Second), secondLayout)
		dst = append(dst, `}}}],"podIP":`...)
		dst = str(dst, p.ip)
		dst = append(dst, `,"podIPs":[{"ip":`...)
		dst = str(dst, p.ip)
		return append(dst, "}]}}"...)
	case bToken:
		p := e.p
		dst = append(dst, `{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{"name":`...)
		dst = str(dst, e.name)
		dst = append(dst, `,"namespace":`...)
		dst = str(dst, e.ns)
		dst = append(dst, `,"creationTimestamp":null},"spec":{"audiences":["https://kubernetes.default.svc.cluster.local"],"expirationSeconds":3607,"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":`...)
		dst = str(dst, p.name)
		dst = append(dst, `,"uid":`...)
		dst = str(dst, p.uid)
		return append(dst, `}},"status":{"token":"","expirationTimestamp":null}}`...)
	case bBinding:
		dst = append(dst, `{"kind":"Binding","apiVersion":"v1","metadata":{"name":`...)
		dst = str(dst, e.p.name)
		dst = append(dst, `,"namespace":`...)
		dst = str(dst, e.p.ns)
		dst = append(dst, `,"uid":`...)
		dst = str(dst, e.p.uid)
		dst = append(dst, `,"creationTimestamp":null},"target":{"kind":"Node","name":`...)
		dst = str(dst, e.n.name)
		return append(dst, "}}"...)
	case bEvent:
		p := e.p
		dst = append(dst, `{"kind":"Event","apiVersion":"v1","metadata":{"name":"`...)
		dst = append(dst, p.name...)
		dst = append(dst, '.')
		dst = g.appendHex(dst, 16)
		dst = append(dst, `","namespace":`...)
		dst = str(dst, p.ns)
		dst = append(dst, `,"creationTimestamp":null},"involvedObject":{"kind":"Pod","namespace":`...)
		dst = str(dst, p.ns)
		dst = append(dst, `,"name":`...)
		dst = str(dst, p.name)
		dst = append(dst, `,"uid":`...)
		dst = str(dst, p.uid)
		dst = append(dst, `,"apiVersion":"v1","resourceVersion":"`...)
		dst = strconvU(dst, g.rv)
		dst = append(dst, `","fieldPath":"spec.containers{`...)
		dst = append(dst, p.container...)
		dst = append(dst, `}"},"reason":"Pulled","message":"Container image \"`...)
		dst = append(dst, p.image...)
		dst = append(dst, `\" already present on machine","source":{"component":"kubelet","host":`...)
		dst = str(dst, p.node.name)
		dst = append(dst, `},"firstTimestamp":`...)
		dst = appendTime(dst, now, secondLayout)
		dst = append(dst, `,"lastTimestamp":`...)
		dst = appendTime(dst, now, secondLayout)
		dst = append(dst, `,"count":1,"type":"Normal","eventTime":null,"reportingComponent":"kubelet","reportingInstance":`...)
		dst = str(dst, p.node.name)
		return append(dst, '}')
	case bEndpointSlice:
		w := e.w
		dst = append(dst, `{"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1",`...)
		dst = g.meta(dst, w.slice, w.ns, true)
		dst = append(dst, `,"labels":{"endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io","kubernetes.io/service-name":`...)
		dst = str(dst, w.name)
		dst = append(dst, `},"ownerReferences":[{"apiVersion":"v1","kind":"Service","name":`...)
		dst = str(dst, w.name)
		dst = append(dst, `,"uid":"`...)
		dst = appendUUID(dst, g.r.Uint64(), g.r.Uint64())
		dst = append(dst, `","controller":true,"blockOwnerDeletion":true}]},"addressType":"IPv4","endpoints":[`...)
		for i, p := range w.pods {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"addresses":[`...)
			dst = str(dst, p.ip)
			dst = append(dst, `],"conditions":{"ready":true,"serving":true,"terminating":false},"targetRef":{"kind":"Pod","namespace":`...)
			dst = str(dst, p.ns)
			dst = append(dst, `,"name":`...)
			dst = str(dst, p.name)
			dst = append(dst, `,"uid":`...)
			dst = str(dst, p.uid)
			dst = append(dst, `},"nodeName":`...)
			dst = str(dst, p.node.name)
			dst = append(dst, `,"zone":"us-east-1a"}`...)
		}
		return append(dst, `],"ports":[{"name":"http","protocol":"TCP","port":8080}]}`...)
	case bDeployPatch:
		if g.chance(0.5) {
			dst = append(dst, `{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":`...)
			dst = appendTime(dst, now, secondLayout)
			return append(dst, "}}}}}"...)
		}
		dst = append(dst, `{"spec":{"template":{"spec":{"containers":[{"image":`...)
		dst = str(dst, e.w.image)
		return append(dst, `,"name":"app"}]}}}}`...)
	case bDeployment:
		return g.deployment(dst, e, resp)
	case bConfigMap:
		dst = append(dst, `{"kind":"ConfigMap","apiVersion":"v1",`...)
		dst = g.meta(dst, e.name, e.ns, resp)
		if e.attack == AttackConfigMapAWSKey {
			dst = append(dst, `},"data":{"aws_access_key_id":"AKIA`...)
			dst = g.appendHex(dst, 16)
			dst = append(dst, `","aws_secret_access_key":"`...)
			dst = g.appendHex(dst, 40)
			return append(dst, `","region":"us-east-1"}}`...)
		}
		return append(dst, `},"data":{"LOG_LEVEL":"info","FEATURE_CHECKOUT_V2":"true","config.yaml":"server:\n  port: 8080\n  readTimeout: 5s\nupstreams:\n  - http://api:80\n  - http://cache:6379\n"}}`...)
	case bService:
		dst = append(dst, `{"kind":"Service","apiVersion":"v1",`...)
		dst = g.meta(dst, e.name, e.ns, resp)
		dst = append(dst, `,"labels":{"app.kubernetes.io/name":`...)
		dst = str(dst, e.name)
		dst = append(dst, `}},"spec":{"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080`...)
		typ := "ClusterIP"
		if e.attack == AttackNodePortService {
			dst = append(dst, `,"nodePort":31337`...)
			typ = "NodePort"
		}
		dst = append(dst, `}],"selector":{"app.kubernetes.io/name":`...)
		dst = str(dst, e.name)
		dst = append(dst, `},"type":`...)
		dst = str(dst, typ)
		if resp {
			dst = append(dst, `,"clusterIP":"172.20.41.7","clusterIPs":["172.20.41.7"],"ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","sessionAffinity":"None","internalTrafficPolicy":"Cluster"`...)
		}
		return append(dst, `},"status":{"loadBalancer":{}}}`...)
	case bDeleteOptions:
		return append(dst, `{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}`...)
	case bStatusSuccess:
		dst = append(dst, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":`...)
		dst = str(dst, e.name)
		dst = append(dst, `,"kind":`...)
		dst = str(dst, e.resource)
		dst = append(dst, `,"uid":"`...)
		dst = appendUUID(dst, g.r.Uint64(), g.r.Uint64())
		return append(dst, `"}}`...)
	case bPod:
		return g.attackPod(dst, e, resp)
	case bClusterRoleBinding:
		return g.binding(dst, e, resp)
	case bRole:
		dst = append(dst, `{"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1",`...)
		dst = g.meta(dst, e.name, e.ns, resp)
		return append(dst, `},"rules":[{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["pods","pods/log"]},{"verbs":["*"],"apiGroups":["*"],"resources":["*"]}]}`...)
	}
	return append(dst, "{}"...)
}

// deployment renders an application Deployment.
func (g *Generator) deployment(dst []byte, e *event, resp bool) []byte {
	w := e.w
	dst = append(dst, `{"kind":"Deployment","apiVersion":"apps/v1",`...)
	dst = g.meta(dst, w.name, w.ns, resp)
	dst = append(dst, `,"labels":{"app.kubernetes.io/name":`...)
	dst = str(dst, w.name)
	dst = append(dst, `,"app.kubernetes.io/part-of":`...)
	dst = str(dst, w.ns)
	dst = append(dst, `}},"spec":{"replicas":3,"selector":{"matchLabels":{"app.kubernetes.io/name":`...)
	dst = str(dst, w.name)
	dst = append(dst, `}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app.kubernetes.io/name":`...)
	dst = str(dst, w.name)
	dst = append(dst, `}},"spec":{"containers":[{"name":"app","image":`...)
	dst = str(dst, w.image)
	dst = append(dst, `,"ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],"resources":{"limits":{"memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},"readinessProbe":{"httpGet":{"path":"/healthz","port":"http","scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent","securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":true}}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","securityContext":{},"schedulerName":"default-scheduler"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},"revisionHistoryLimit":10,"progressDeadlineSeconds":600}`...)
	if resp {
		dst = append(dst, `,"status":{"observedGeneration":7,"replicas":3,"updatedReplicas":3,"readyReplicas":3,"availableReplicas":3}`...)
	}
	return append(dst, '}')
}
