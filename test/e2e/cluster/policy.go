package cluster

// DefaultAuditPolicy is a realistic audit policy modelled on the upstream
// (GCE/GKE) example policy. It is used when Options.AuditPolicy is empty.
//
//   - the noisiest reads (events, health checks, control-plane lease renewals)
//     are dropped;
//   - secrets, configmaps, service-account tokens and token reviews are logged
//     at Metadata so that no secret material reaches the log;
//   - interactive pod subresources (exec, attach, portforward) are logged at
//     RequestResponse for every verb (kubectl's WebSocket exec is a "get");
//   - writes to RBAC objects, pods, services and workloads are logged at
//     RequestResponse;
//   - every other write is logged at Request;
//   - everything else (reads) is logged at Metadata.
//
// The RequestReceived stage is omitted throughout.
const DefaultAuditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
  - "RequestReceived"
rules:
  # Events are high-volume and low-risk: drop reads of them.
  - level: None
    resources:
      - group: ""
        resources: ["events"]
      - group: "events.k8s.io"
        resources: ["events"]
    verbs: ["get", "list", "watch"]
  # Health checks and version probes.
  - level: None
    nonResourceURLs:
      - "/healthz*"
      - "/livez*"
      - "/readyz*"
      - "/version"
  # Control-plane lease renewals and endpoint churn.
  - level: None
    users:
      - "system:apiserver"
      - "system:kube-controller-manager"
      - "system:kube-scheduler"
    verbs: ["get", "update"]
    resources:
      - group: "coordination.k8s.io"
        resources: ["leases"]
      - group: ""
        resources: ["endpoints"]
  - level: None
    users: ["system:apiserver"]
    verbs: ["get"]
    resources:
      - group: ""
        resources: ["namespaces", "namespaces/status", "namespaces/finalize"]
  # Sensitive payloads: metadata only.
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets", "configmaps", "serviceaccounts/token"]
      - group: "authentication.k8s.io"
        resources: ["tokenreviews"]
  # Interactive access to containers, whatever the verb.
  - level: RequestResponse
    resources:
      - group: ""
        resources: ["pods/exec", "pods/attach", "pods/portforward", "pods/ephemeralcontainers"]
  # Writes to security-relevant objects and workloads.
  - level: RequestResponse
    verbs: ["create", "update", "patch", "delete", "deletecollection"]
    resources:
      - group: "rbac.authorization.k8s.io"
        resources: ["roles", "rolebindings", "clusterroles", "clusterrolebindings"]
      - group: ""
        resources: ["pods", "services", "serviceaccounts", "namespaces"]
      - group: "apps"
        resources: ["deployments", "daemonsets", "statefulsets", "replicasets"]
      - group: "batch"
        resources: ["jobs", "cronjobs"]
      - group: "admissionregistration.k8s.io"
  # Any other write.
  - level: Request
    verbs: ["create", "update", "patch", "delete", "deletecollection"]
  # Reads and everything else.
  - level: Metadata
`
