package auditgen

import "time"

// query selects the query string of a request URI.
type query uint8

const (
	qNone         query = iota
	qTimeout            // ?timeout=10s (kubelet lease and status calls)
	qList               // ?limit=500&resourceVersion=0
	qListNode           // pods list of a kubelet, by spec.nodeName
	qWatch              // informer watch
	qWatchName          // informer watch of one object by metadata.name
	qExec               // kubectl exec parameters
	qFieldManager       // kubectl apply / client-side patch
	qLog                // kubectl logs
)

// failure selects a failed responseStatus.
type failure uint8

const (
	fNone failure = iota
	fNotFound
	fConflict
	fForbidden
)

// event is the description of one audit event before it is rendered.
type event struct {
	level, stage, verb string
	who                *identity
	ip                 string
	// objectRef; no objectRef when resource is empty (non-resource URLs).
	group, version, resource, ns, name, sub string
	nonResource                             string // requestURI of a non-resource request
	query                                   query
	watchSecs                               int
	code                                    int
	fail                                    failure
	decision                                string
	noReason                                bool
	req, resp                               body
	p                                       *pod
	n                                       *node
	w                                       *workload
	latency                                 time.Duration
	podSec                                  bool
	attack                                  AttackKind
}

// set fills the request line of an event.
func (e *event) set(verb, group, version, resource, ns, name, sub string) {
	e.verb, e.group, e.version, e.resource, e.ns, e.name, e.sub = verb, group, version, resource, ns, name, sub
}

// write renders e in kube-apiserver's key order.
func (g *Generator) write(dst []byte, e *event) []byte {
	dst = append(dst, `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"`...)
	dst = append(dst, e.level...)
	dst = append(dst, `","auditID":"`...)
	dst = appendUUID(dst, g.r.Uint64(), g.r.Uint64())
	dst = append(dst, `","stage":"`...)
	dst = append(dst, e.stage...)
	dst = append(dst, `","requestURI":"`...)
	dst = g.appendURI(dst, e)
	dst = append(dst, `","verb":"`...)
	dst = append(dst, e.verb...)
	dst = append(dst, `","user":`...)
	dst = append(dst, e.who.user...)
	dst = append(dst, `,"sourceIPs":["`...)
	dst = append(dst, e.ip...)
	dst = append(dst, `"],"userAgent":"`...)
	dst = append(dst, e.who.ua...)
	dst = append(dst, '"')
	if e.resource != "" {
		dst = append(dst, `,"objectRef":{"resource":"`...)
		dst = append(dst, e.resource...)
		dst = append(dst, '"')
		if e.ns != "" {
			dst = append(dst, `,"namespace":"`...)
			dst = append(dst, e.ns...)
			dst = append(dst, '"')
		}
		if e.name != "" {
			dst = append(dst, `,"name":"`...)
			dst = append(dst, e.name...)
			dst = append(dst, '"')
		}
		if e.group != "" {
			dst = append(dst, `,"apiGroup":"`...)
			dst = append(dst, e.group...)
			dst = append(dst, '"')
		}
		dst = append(dst, `,"apiVersion":"`...)
		dst = append(dst, e.version...)
		dst = append(dst, '"')
		if e.sub != "" {
			dst = append(dst, `,"subresource":"`...)
			dst = append(dst, e.sub...)
			dst = append(dst, '"')
		}
		dst = append(dst, '}')
	}
	dst = append(dst, `,"responseStatus":{"metadata":{}`...)
	dst = g.appendFailure(dst, e)
	dst = append(dst, `,"code":`...)
	dst = appendInt(dst, int64(e.code))
	dst = append(dst, '}')
	if e.req != bNone {
		dst = append(dst, `,"requestObject":`...)
		dst = g.appendBody(dst, e, e.req, false)
	}
	if e.resp != bNone {
		dst = append(dst, `,"responseObject":`...)
		dst = g.appendBody(dst, e, e.resp, true)
	}
	if e.latency == 0 {
		e.latency = time.Duration(300+g.r.IntN(4000)) * time.Microsecond
	}
	dst = append(dst, `,"requestReceivedTimestamp":`...)
	dst = appendTime(dst, g.now.Add(-e.latency), microLayout)
	dst = append(dst, `,"stageTimestamp":`...)
	dst = appendTime(dst, g.now, time.RFC3339Nano)
	dst = append(dst, `,"annotations":{"authorization.k8s.io/decision":"`...)
	dst = append(dst, e.decision...)
	dst = append(dst, `","authorization.k8s.io/reason":"`...)
	if !e.noReason {
		dst = append(dst, e.who.reason...)
	}
	dst = append(dst, '"')
	if e.podSec {
		dst = append(dst, `,"pod-security.kubernetes.io/enforce-policy":"privileged:latest"`...)
	}
	return append(dst, "}}"...)
}

// appendURI renders the request URI from the objectRef and query.
func (g *Generator) appendURI(dst []byte, e *event) []byte {
	if e.resource == "" {
		return append(dst, e.nonResource...)
	}
	if e.group == "" {
		dst = append(dst, "/api/"...)
	} else {
		dst = append(dst, "/apis/"...)
		dst = append(dst, e.group...)
		dst = append(dst, '/')
	}
	dst = append(dst, e.version...)
	if e.ns != "" && e.resource != "namespaces" {
		dst = append(dst, "/namespaces/"...)
		dst = append(dst, e.ns...)
	}
	dst = append(dst, '/')
	dst = append(dst, e.resource...)
	if e.name != "" {
		dst = append(dst, '/')
		dst = append(dst, e.name...)
	}
	if e.sub != "" {
		dst = append(dst, '/')
		dst = append(dst, e.sub...)
	}
	switch e.query {
	case qTimeout:
		dst = append(dst, "?timeout=10s"...)
	case qList:
		dst = append(dst, "?limit=500&resourceVersion=0"...)
	case qListNode:
		dst = append(dst, "?fieldSelector=spec.nodeName%3D"...)
		dst = append(dst, e.n.name...)
		dst = append(dst, "&limit=500&resourceVersion=0"...)
	case qWatch, qWatchName:
		dst = append(dst, "?allowWatchBookmarks=true"...)
		if e.query == qWatchName {
			dst = append(dst, "&fieldSelector=metadata.name%3D"...)
			dst = append(dst, e.name...)
		}
		dst = append(dst, "&resourceVersion="...)
		dst = strconvU(dst, g.rv-g.r.Uint64N(50_000))
		dst = append(dst, "&timeout="...)
		dst = appendInt(dst, int64(e.watchSecs/60))
		dst = append(dst, 'm')
		dst = appendInt(dst, int64(e.watchSecs%60))
		dst = append(dst, "s&timeoutSeconds="...)
		dst = appendInt(dst, int64(e.watchSecs))
		dst = append(dst, "&watch=true"...)
	case qExec:
		dst = append(dst, "?command=sh&command=-c&command=cat+%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken&container="...)
		dst = append(dst, e.p.container...)
		dst = append(dst, "&stdin=true&stdout=true&tty=true"...)
	case qFieldManager:
		dst = append(dst, "?fieldManager=kubectl-client-side-apply&fieldValidation=Strict"...)
	case qLog:
		dst = append(dst, "?container="...)
		dst = append(dst, e.p.container...)
		dst = append(dst, "&follow=true&tailLines=100"...)
	}
	return dst
}

// appendFailure renders the Status fields of a failed request.
func (g *Generator) appendFailure(dst []byte, e *event) []byte {
	if e.fail == fNone {
		return dst
	}
	dst = append(dst, `,"status":"Failure","message":"`...)
	switch e.fail {
	case fConflict:
		dst = append(dst, `Operation cannot be fulfilled on `...)
		dst = appendQualified(dst, e)
		dst = append(dst, ` \"`...)
		dst = append(dst, e.name...)
		dst = append(dst, `\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict"`...)
	case fNotFound:
		dst = appendQualified(dst, e)
		dst = append(dst, ` \"`...)
		dst = append(dst, e.name...)
		dst = append(dst, `\" not found","reason":"NotFound"`...)
	case fForbidden:
		dst = appendQualified(dst, e)
		dst = append(dst, ` \"`...)
		dst = append(dst, e.name...)
		dst = append(dst, `\" is forbidden: User \"`...)
		dst = append(dst, e.who.name...)
		dst = append(dst, `\" cannot `...)
		dst = append(dst, e.verb...)
		dst = append(dst, ` resource \"`...)
		dst = append(dst, e.resource...)
		dst = append(dst, `\" in API group \"`...)
		dst = append(dst, e.group...)
		dst = append(dst, `\" in the namespace \"`...)
		dst = append(dst, e.ns...)
		dst = append(dst, `\"","reason":"Forbidden"`...)
	}
	dst = append(dst, `,"details":{"name":"`...)
	dst = append(dst, e.name...)
	if e.group != "" {
		dst = append(dst, `","group":"`...)
		dst = append(dst, e.group...)
	}
	dst = append(dst, `","kind":"`...)
	dst = append(dst, e.resource...)
	return append(dst, `"}`...)
}

// appendQualified appends resource.group as Kubernetes error messages name it.
func appendQualified(dst []byte, e *event) []byte {
	dst = append(dst, e.resource...)
	if e.group != "" {
		dst = append(dst, '.')
		dst = append(dst, e.group...)
	}
	return dst
}

func strconvU(dst []byte, v uint64) []byte { return appendInt(dst, int64(v)) }
