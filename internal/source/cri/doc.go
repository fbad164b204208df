// Package cri keeps container metadata by container id, read from the
// container runtimes: the CRI runtime service (k8s.io/cri-api v1 over
// gRPC; containerd's /run/containerd/containerd.sock and CRI-O's
// /run/crio/crio.sock) and containerd's own API for containers that CRI
// does not show ("ctr run" in the "default" namespace, nerdctl, Docker's
// "moby" namespace).
//
// Lookups never wait for a runtime: an unknown id answers Pending at once
// and queues a fetch (a bounded worker pool, one fetch per id at a time);
// ids no runtime knows are remembered as NotFound for a while; a periodic
// listing learns new containers and evicts removed ones. A socket that is
// absent, appears later or dies is retried with exponential backoff; each
// change of its state is logged once and counted (Stats, Collector).
//
// # Falco fields
//
// Each Info value answers these fields of Falco's container plugin:
//
//	container.id                  Info.ShortID() (first 12 characters of ID)
//	container.full_id             Info.ID
//	container.name                Info.Name: CRI container metadata name; for a
//	                              sandbox its pod name; for containerd the id
//	container.image               Info.Image: the image the container was created
//	                              from (CRI ContainerStatus image, or, when that is
//	                              only an id, the user-specified image, the verbose
//	                              config image, the image ref); containerd: Image
//	container.image.repository    Info.ImageRepository: Image without :tag/@digest
//	container.image.tag           Info.ImageTag ("latest" when Image has neither)
//	container.image.digest        Info.ImageDigest: from "repo@sha256:..." image refs
//	                              (CRI) or the image's target digest (containerd)
//	container.image.id            Info.ImageID: CRI image id without "sha256:"
//	                              (ContainerStatus image_id/image_ref, or ImageStatus)
//	container.type                Info.Type: the CRI Version runtime name
//	                              ("containerd", "cri-o"); "containerd" for
//	                              containerd's API ("docker" in namespace "moby")
//	container.privileged          Info.Privileged: verbose ContainerStatus
//	                              config.linux.security_context.privileged
//	                              (containerd) or privileged (CRI-O); containerd's
//	                              API: CAP_SYS_ADMIN in the bounding set and no
//	                              masked or read-only paths in the OCI spec
//	container.mounts              Info.MountsString(): "source:dest:mode:rdwr:propagation"
//	container.mount.*             Info.Mounts (Source, Dest, Mode, RW, Propagation)
//	container.start_ts            Info.CreatedAt (CRI created_at; containerd CreatedAt)
//	container.label[KEY]          Info.Labels
//	container.ip                  Info.PodIP (a container shares its pod's network)
//	k8s.pod.name                  Info.PodName: sandbox metadata name, or the
//	                              io.kubernetes.pod.name label
//	k8s.ns.name                   Info.PodNamespace: sandbox metadata namespace, or
//	                              the io.kubernetes.pod.namespace label
//	k8s.pod.uid                   Info.PodUID: sandbox metadata uid, or the
//	                              io.kubernetes.pod.uid label
//	k8s.pod.labels, k8s.pod.label Info.PodLabels: the sandbox's labels
//	k8s.pod.ip                    Info.PodIP: sandbox network status ip
//	k8s.pod.sandbox_id            the first 12 characters of Info.SandboxID
//	k8s.pod.full_sandbox_id       Info.SandboxID
//
// Info.IsSandbox marks pod sandboxes (the pause containers), which the
// runtime lists separately from containers.
//
// Not provided: container.healthcheck and probes, container.cni.json,
// k8s.rc.*, k8s.deployment.* and other fields that need the Kubernetes API.
package cri
