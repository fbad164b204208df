package k8saudit

import (
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/source/jsonevent"
)

var (
	reqSpec       = []string{"requestObject", "spec"}
	containers    = []string{"requestObject", "spec", "containers"}
	initConts     = []string{"requestObject", "spec", "initContainers"}
	ephemConts    = []string{"requestObject", "spec", "ephemeralContainers"}
	volumes       = []string{"requestObject", "spec", "volumes"}
	roleRules     = []string{"requestObject", "rules"}
	idx           = field.ArgAllowed | field.ArgIndex
	annotations   = "annotations"
	decisionKey   = "authorization.k8s.io/decision"
	reasonKey     = "authorization.k8s.io/reason"
	podSecKey     = "pod-security.kubernetes.io/enforce-policy"
	podSecAudit   = "pod-security.kubernetes.io/audit-violations"
	clusterKey    = "cluster_name"
	openshiftUser = "openshift.io/user"
)

func sub(p []string, rest ...string) []string { return append(append([]string{}, p...), rest...) }

// Fields returns the k8s_audit source's fields: every ka.* field of the
// k8saudit plugin and the json plugin's json.* fields with their jevt.* aliases.
func Fields() []field.Desc {
	return append([]field.Desc{
		desc("ka.auditid", false, 0, "The unique id of the audit event", str("auditID")),
		desc("ka.stage", false, 0, "Stage of the request (e.g. RequestReceived, ResponseComplete, etc.)", str("stage")),
		desc("ka.auth.decision", false, 0, "The authorization decision", str(annotations, decisionKey)),
		desc("ka.auth.reason", false, 0, "The authorization reason", str(annotations, reasonKey)),
		desc("ka.auth.openshift.decision", false, 0, "The authorization decision of OpenShift", str(annotations, "authorization.openshift.io/decision")),
		desc("ka.auth.openshift.username", false, 0, "The user name from OpenShift", str(annotations, openshiftUser)),
		desc("ka.podsecuritypolicy.enforce", false, 0, "The enforced pod security level", str(annotations, podSecKey)),
		desc("ka.podsecuritypolicy.violations", false, 0, "Pod security violations reported in audit mode", str(annotations, podSecAudit)),
		desc("ka.user.name", false, 0, "The user name performing the request", str("user", "username")),
		desc("ka.user.groups", true, 0, "The groups to which the user belongs", each([]string{"user", "groups"})),
		desc("ka.impuser.name", false, 0, "The impersonated user name", str("impersonatedUser", "username")),
		desc("ka.verb", false, 0, "The action being performed", str("verb")),
		desc("ka.uri", false, 0, "The request URI as sent from client to server", str("requestURI")),
		desc("ka.uri.param", false, field.ArgRequired|field.ArgKey, "The value of a given query parameter in the uri (e.g. when uri=/foo?key=val, ka.uri.param[key] is val)", uriParam),
		desc("ka.target.name", false, 0, "The target object name", str("objectRef", "name")),
		desc("ka.target.namespace", false, 0, "The target object namespace", str("objectRef", "namespace")),
		desc("ka.target.resource", false, 0, "The target object resource", str("objectRef", "resource")),
		desc("ka.target.subresource", false, 0, "The target object subresource", str("objectRef", "subresource")),
		desc("ka.target.pod.name", false, 0, "The target pod name", str("objectRef", "name")),
		desc("ka.req.binding.subjects", true, 0, "When the request object refers to a cluster role binding, the subject (e.g. account/users) being linked by the binding", each([]string{"requestObject", "subjects"})),
		desc("ka.req.binding.role", false, 0, "When the request object refers to a cluster role binding, the role being linked by the binding", str("requestObject", "roleRef", "name")),
		desc("ka.req.binding.subjects.user_names", true, 0, "When the request object refers to a cluster role binding, the subject user names being linked by the binding", subjectNames("User")),
		desc("ka.req.binding.subjects.serviceaccount_names", true, 0, "When the request object refers to a cluster role binding, the subject service account names being linked by the binding", subjectNames("ServiceAccount")),
		desc("ka.req.binding.subjects.serviceaccount_ns_names", true, 0, "When the request object refers to a cluster role binding, the subject serviceaccount namespace/name pairs", subjectNSNames),
		desc("ka.req.binding.subjects.group_names", true, 0, "When the request object refers to a cluster role binding, the subject group names being linked by the binding", subjectNames("Group")),
		desc("ka.req.binding.subject.has_name", false, field.ArgRequired|field.ArgKey|field.Deprecated, "Deprecated: true when the binding has a subject with the given name", subjectHasName),
		desc("ka.req.configmap.name", false, 0, "If the request object refers to a configmap, the configmap name", str("objectRef", "name")),
		desc("ka.req.configmap.obj", false, 0, "If the request object refers to a configmap, the entire configmap object", str("requestObject", "data")),
		desc("ka.req.pod.containers.image", true, idx, "When the request object refers to a pod, the container's images.", each(containers, "image")),
		desc("ka.req.container.image", false, field.Deprecated, "Deprecated by ka.req.pod.containers.image. Returns the image of the first container only", first(each(containers, "image"))),
		desc("ka.req.pod.containers.image.repository", true, idx, "The same as req.container.image, but only the repository part (e.g. falcosecurity/falco).", repository(each(containers, "image"))),
		desc("ka.req.container.image.repository", false, field.Deprecated, "Deprecated by ka.req.pod.containers.image.repository. Returns the repository of the first container only", first(repository(each(containers, "image")))),
		desc("ka.req.pod.host_ipc", false, 0, "When the request object refers to a pod, the value of the hostIPC flag.", str(sub(reqSpec, "hostIPC")...)),
		desc("ka.req.pod.host_network", false, 0, "When the request object refers to a pod, the value of the hostNetwork flag.", str(sub(reqSpec, "hostNetwork")...)),
		desc("ka.req.container.host_network", false, field.Deprecated, "Deprecated alias for ka.req.pod.host_network", str(sub(reqSpec, "hostNetwork")...)),
		desc("ka.req.pod.host_pid", false, 0, "When the request object refers to a pod, the value of the hostPID flag.", str(sub(reqSpec, "hostPID")...)),
		desc("ka.req.pod.containers.host_port", true, idx, "When the request object refers to a pod, all container's hostPort values.", each(containers, "ports", "hostPort")),
		desc("ka.req.pod.containers.privileged", true, idx, "When the request object refers to a pod, the value of the privileged flag for all containers.", each(containers, "securityContext", "privileged")),
		desc("ka.req.container.privileged", false, field.Deprecated, "Deprecated by ka.req.pod.containers.privileged. true if any container has privileged=true", anyTrue(each(containers, "securityContext", "privileged"))),
		desc("ka.req.pod.containers.allow_privilege_escalation", true, idx, "When the request object refers to a pod, the value of the allowPrivilegeEscalation flag for all containers", each(containers, "securityContext", "allowPrivilegeEscalation")),
		desc("ka.req.pod.containers.read_only_fs", true, idx, "When the request object refers to a pod, the value of the readOnlyRootFilesystem flag for all containers", each(containers, "securityContext", "readOnlyRootFilesystem")),
		desc("ka.req.pod.run_as_user", false, 0, "When the request object refers to a pod, the runAsUser uid specified in the security context for the pod.", str(sub(reqSpec, "securityContext", "runAsUser")...)),
		desc("ka.req.pod.containers.run_as_user", true, idx, "When the request object refers to a pod, the runAsUser uid for all containers", each(containers, "securityContext", "runAsUser")),
		desc("ka.req.pod.containers.eff_run_as_user", true, idx, "When the request object refers to a pod, the initial uid that will be used for all containers: the container's runAsUser, else the pod's, else 0", effective("runAsUser")),
		desc("ka.req.pod.run_as_group", false, 0, "When the request object refers to a pod, the runAsGroup gid specified in the security context for the pod.", str(sub(reqSpec, "securityContext", "runAsGroup")...)),
		desc("ka.req.pod.containers.run_as_group", true, idx, "When the request object refers to a pod, the runAsGroup gid for all containers", each(containers, "securityContext", "runAsGroup")),
		desc("ka.req.pod.containers.eff_run_as_group", true, idx, "When the request object refers to a pod, the initial gid that will be used for all containers: the container's runAsGroup, else the pod's, else 0", effective("runAsGroup")),
		desc("ka.req.pod.containers.proc_mount", true, idx, "When the request object refers to a pod, the procMount types for all containers", each(containers, "securityContext", "procMount")),
		desc("ka.req.role.rules", true, 0, "When the request object refers to a role/cluster role, the rules associated with the role", each(roleRules)),
		desc("ka.req.role.rules.apiGroups", true, idx, "When the request object refers to a role/cluster role, the api groups associated with the role's rules", each(roleRules, "apiGroups")),
		desc("ka.req.role.rules.nonResourceURLs", true, idx, "When the request object refers to a role/cluster role, the non resource urls associated with the role's rules", each(roleRules, "nonResourceURLs")),
		desc("ka.req.role.rules.verbs", true, idx, "When the request object refers to a role/cluster role, the verbs associated with the role's rules", each(roleRules, "verbs")),
		desc("ka.req.role.rules.resources", true, idx, "When the request object refers to a role/cluster role, the resources associated with the role's rules", each(roleRules, "resources")),
		desc("ka.req.pod.fs_group", false, 0, "When the request object refers to a pod, the fsGroup gid specified by the security context.", str(sub(reqSpec, "securityContext", "fsGroup")...)),
		desc("ka.req.pod.supplemental_groups", true, 0, "When the request object refers to a pod, the supplementalGroup gids specified by the security context.", each(sub(reqSpec, "securityContext", "supplementalGroups"))),
		desc("ka.req.pod.containers.add_capabilities", true, idx, "When the request object refers to a pod, all capabilities to add when running the container.", each(containers, "securityContext", "capabilities", "add")),
		desc("ka.req.service.type", false, 0, "When the request object refers to a service, the service type", str(sub(reqSpec, "type")...)),
		desc("ka.req.service.ports", true, idx, "When the request object refers to a service, the service's ports", each(sub(reqSpec, "ports"))),
		desc("ka.req.pod.volumes.hostpath", true, idx, "When the request object refers to a pod, all hostPath paths specified for all volumes", each(volumes, "hostPath", "path")),
		desc("ka.req.volume.hostpath", false, field.ArgRequired|field.ArgKey|field.Deprecated, "Deprecated by ka.req.pod.volumes.hostpath. true if a hostPath volume has the given path (prefix match when it ends in *)", hostPathMounted),
		desc("ka.req.pod.volumes.flexvolume_driver", true, idx, "When the request object refers to a pod, all flexvolume drivers specified for all volumes", each(volumes, "flexVolume", "driver")),
		desc("ka.req.pod.volumes.volume_type", true, idx, "When the request object refers to a pod, all volume types for all volumes", volumeTypes),
		desc("ka.req.pod.initContainers.image", true, idx, "When the request object refers to a pod, the init container's images.", each(initConts, "image")),
		desc("ka.req.pod.initContainers.image.repository", true, idx, "The repository part of the init container images", repository(each(initConts, "image"))),
		desc("ka.req.pod.initContainers.privileged", true, idx, "When the request object refers to a pod, the value of the privileged flag for all init containers.", each(initConts, "securityContext", "privileged")),
		desc("ka.req.pod.ephemeralContainers.image", true, idx, "When the request object refers to a pod, the ephemeral container's images.", each(ephemConts, "image")),
		desc("ka.req.pod.ephemeralContainers.image.repository", true, idx, "The repository part of the ephemeral container images", repository(each(ephemConts, "image"))),
		desc("ka.req.pod.ephemeralContainers.privileged", true, idx, "When the request object refers to a pod, the value of the privileged flag for all ephemeral containers.", each(ephemConts, "securityContext", "privileged")),
		desc("ka.resp.name", false, 0, "The response object name", str("responseObject", "metadata", "name")),
		desc("ka.response.code", false, 0, "The response code", str("responseStatus", "code")),
		desc("ka.response.reason", false, 0, "The response reason (usually present only for failures)", str("responseStatus", "reason")),
		desc("ka.useragent", false, 0, "The useragent of the client who made the request to the apiserver", str("userAgent")),
		desc("ka.sourceips", true, idx, "The IP addresses of the client who made the request to the apiserver", each([]string{"sourceIPs"})),
		desc("ka.cluster.name", false, 0, "The name of the k8s cluster (from the cluster_name annotation)", str(annotations, clusterKey)),
	}, jsonevent.Fields()...)
}
