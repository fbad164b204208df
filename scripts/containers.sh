#!/usr/bin/env bash
# Sets up real containers on this machine for tests and CI, idempotently:
#   - installs containerd, runc and busybox-static when missing (apt);
#   - writes a containerd config whose CRI plugin has
#     restrict_oom_score_adj = true (the sandbox lacks CAP_SYS_RESOURCE) and
#     uses our own pause image;
#   - starts containerd in the background when its socket does not answer
#     (PID 1 is not systemd) and waits for the socket;
#   - builds a busybox rootfs (busybox-static + applet links) in a cache dir;
#   - builds an OCI archive with a pause image and a busybox image from that
#     rootfs and imports it into the k8s.io namespace, so CRI RunPodSandbox
#     and CreateContainer work;
#   - gives pods their own network: the standard CNI plugins
#     (containernetworking-plugins) and a bridge network, peregrine0 with
#     10.89.0.0/24, so that pods not on the host network get an IP.
# What it did goes to stderr; stdout ends with KEY=VALUE lines for callers:
#   CONTAINERD_SOCK, BUSYBOX_ROOTFS, PAUSE_IMAGE, BUSYBOX_IMAGE, POD_NETWORK
#   (POD_NETWORK=1 when pods can have their own network)
#
#   PEREGRINE_CONTAINERS_CACHE  cache dir (default /var/cache/peregrine-containers)
#   CONTAINERD_SOCK             socket (default /run/containerd/containerd.sock)
set -euo pipefail

cache="${PEREGRINE_CONTAINERS_CACHE:-/var/cache/peregrine-containers}"
sock="${CONTAINERD_SOCK:-/run/containerd/containerd.sock}"
conf=/etc/containerd/config.toml
pause_image="peregrine.local/pause:1"
busybox_image="peregrine.local/busybox:1"
cni_bin=/usr/lib/cni # where Debian's containernetworking-plugins installs them
cni_conf=/etc/cni/net.d/10-peregrine.conflist
say() { echo "containers.sh: $*" >&2; }

if [[ $(id -u) != 0 ]]; then
  say "must run as root"
  exit 1
fi
mkdir -p "$cache"

# 1. Packages.
need=()
command -v containerd >/dev/null || need+=(containerd)
command -v runc >/dev/null || need+=(runc)
[[ -x /bin/busybox ]] || need+=(busybox-static)
[[ -x $cni_bin/bridge ]] || need+=(containernetworking-plugins)
if [[ ${#need[@]} -gt 0 ]]; then
  say "installing ${need[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
else
  say "containerd, runc and busybox-static already installed"
fi
if ! /bin/busybox --list 2>/dev/null | grep -x sleep >/dev/null; then
  say "/bin/busybox is not a static busybox with applets (install busybox-static)"
  exit 1
fi

# 2. Config: the default one with the CRI settings this machine needs.
mkdir -p /etc/containerd
want="$(containerd config default |
  sed -e 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' \
      -e "s#sandbox_image = \".*\"#sandbox_image = \"$pause_image\"#" \
      -e "s#bin_dir = \"/opt/cni/bin\"#bin_dir = \"$cni_bin\"#")"
if ! grep -q 'restrict_oom_score_adj = true' <<<"$want"; then
  say "containerd's default config has no restrict_oom_score_adj setting"
  exit 1
fi
if [[ ! -f $conf ]] || [[ "$(cat "$conf")" != "$want" ]]; then
  say "writing $conf"
  printf '%s\n' "$want" >"$conf"
  config_changed=1
else
  say "$conf is up to date"
  config_changed=0
fi

# The pods' network: a bridge with host-local addresses, no masquerading
# (the tests' pods talk to the host only).
want_cni='{
  "cniVersion": "1.0.0",
  "name": "peregrine",
  "plugins": [
    {"type": "bridge", "bridge": "peregrine0", "isGateway": true, "ipMasq": false,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.89.0.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "loopback"}
  ]
}'
mkdir -p "$(dirname "$cni_conf")"
if [[ ! -f $cni_conf ]] || [[ "$(cat "$cni_conf")" != "$want_cni" ]]; then
  say "writing $cni_conf"
  printf '%s\n' "$want_cni" >"$cni_conf"
fi

# 3. The daemon.
answers() { timeout 5 ctr --address "$sock" version >/dev/null 2>&1; }
if answers && [[ $config_changed == 1 ]]; then
  pid="$(cat "$cache/containerd.pid" 2>/dev/null || true)"
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    say "restarting containerd (pid $pid) for the new config"
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  else
    say "containerd runs but was not started by this script; not restarting it"
  fi
fi
if ! answers; then
  say "starting containerd (log: $cache/containerd.log)"
  mkdir -p "$(dirname "$sock")"
  setsid containerd --config "$conf" --address "$sock" </dev/null >>"$cache/containerd.log" 2>&1 &
  echo $! >"$cache/containerd.pid"
  for _ in $(seq 150); do answers && break; sleep 0.2; done
  if ! answers; then
    say "containerd did not answer on $sock within 30s; last log lines:"
    tail -20 "$cache/containerd.log" >&2
    exit 1
  fi
else
  say "containerd answers on $sock"
fi

# 4. A busybox rootfs: the static binary and its applet links.
rootfs="$cache/rootfs"
if [[ ! -x $rootfs/bin/sleep ]]; then
  say "building busybox rootfs in $rootfs"
  rm -rf "$rootfs.tmp"
  mkdir -p "$rootfs.tmp"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,run,var}
  cp /bin/busybox "$rootfs.tmp/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$rootfs.tmp/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs.tmp/etc/passwd"
  echo 'root:x:0:' >"$rootfs.tmp/etc/group"
  chmod 1777 "$rootfs.tmp/tmp"
  rm -rf "$rootfs" && mv "$rootfs.tmp" "$rootfs"
else
  say "busybox rootfs in $rootfs is ready"
fi

# 5. Images: one layer (the rootfs), two configs, one OCI archive.
have_images() {
  local list
  list="$(ctr --address "$sock" -n k8s.io images ls -q 2>/dev/null)"
  grep -qx "$pause_image" <<<"$list" && grep -qx "$busybox_image" <<<"$list"
}
if ! have_images; then
  say "building and importing $pause_image and $busybox_image"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/oci/blobs/sha256"
  blob() { # file -> prints "digest size" after storing it as a blob
    local d s
    d="$(sha256sum "$1" | cut -d' ' -f1)"
    s="$(stat -c %s "$1")"
    cp "$1" "$work/oci/blobs/sha256/$d"
    echo "$d $s"
  }
  tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf "$work/layer.tar" .
  read -r layer_digest layer_size < <(blob "$work/layer.tar")
  manifests=""
  for spec in "pause|$pause_image|[\"/bin/sh\",\"-c\",\"trap 'exit 0' TERM INT; while :; do sleep 3600 \\u0026 wait; done\"]" \
              "busybox|$busybox_image|[\"/bin/sh\"]"; do
    IFS='|' read -r label ref cmd <<<"$spec"
    printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":%s,"Labels":{"org.peregrine.image":"%s"}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"scripts/containers.sh"}]}' \
      "$cmd" "$label" "$layer_digest" >"$work/config-$label.json"
    read -r cfg_digest cfg_size < <(blob "$work/config-$label.json")
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
      "$cfg_digest" "$cfg_size" "$layer_digest" "$layer_size" >"$work/manifest-$label.json"
    read -r man_digest man_size < <(blob "$work/manifest-$label.json")
    manifests+="${manifests:+,}{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$man_digest\",\"size\":$man_size,\"annotations\":{\"io.containerd.image.name\":\"$ref\",\"org.opencontainers.image.ref.name\":\"${ref##*:}\"}}"
  done
  printf '{"schemaVersion":2,"manifests":[%s]}' "$manifests" >"$work/oci/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$work/oci/oci-layout"
  tar -C "$work/oci" -cf "$work/images.tar" .
  ctr --address "$sock" -n k8s.io images import --all-platforms "$work/images.tar" >&2
  if ! have_images; then
    say "import did not produce $pause_image and $busybox_image:"
    ctr --address "$sock" -n k8s.io images ls >&2
    exit 1
  fi
else
  say "images $pause_image and $busybox_image are present in namespace k8s.io"
fi

echo "CONTAINERD_SOCK=$sock"
echo "BUSYBOX_ROOTFS=$rootfs"
echo "PAUSE_IMAGE=$pause_image"
echo "BUSYBOX_IMAGE=$busybox_image"
if [[ -x $cni_bin/bridge && -x $cni_bin/host-local && -x $cni_bin/loopback ]]; then
  echo "POD_NETWORK=1"
else
  echo "POD_NETWORK=0"
fi
