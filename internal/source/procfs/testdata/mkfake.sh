#!/usr/bin/env bash
# Regenerates testdata/fake: a small /proc, /etc and /sys tree with the edge
# cases the scanner must survive. Run from the package directory.
set -euo pipefail
root=testdata/fake
rm -rf "$root"
p="$root/proc"
mkdir -p "$p/sys/kernel" "$root/etc" "$root/sys/fs/cgroup/unified"
printf 'cpu  1 2 3\ncpu0 1 2 3\ncpu1 1 2 3\nintr 0\nbtime 1700000000\n' >"$p/stat"
printf 'MemTotal:        2048 kB\nMemFree:  1 kB\n' >"$p/meminfo"
echo 4194304 >"$p/sys/kernel/pid_max"
echo fakehost >"$p/sys/kernel/hostname"
echo 'cpu memory pids' >"$root/sys/fs/cgroup/unified/cgroup.controllers"
cat >"$root/etc/passwd" <<'P'
# comment
root:x:0:0:root:/root:/bin/bash
alice:x:1000:1001:Alice:/home/alice:/bin/sh
broken:x:notanumber:0::/:/bin/false
short:x:1
P
cat >"$root/etc/group" <<'G'
root:x:0:
alice:x:1001:alice
bad:x:
G

# thread TID of process PID: stat and status. Args: pid tid ppid comm flags uid nspid-tail
thread() {
  local pid=$1 tid=$2 ppid=$3 comm=$4 flags=$5 uid=$6 vpid=$7 vtid=$8
  local d="$p/$pid/task/$tid"
  mkdir -p "$d"
  echo "$tid ($comm) S $ppid $pid $pid 34816 $pid $flags 500 0 3 0 1 1 0 0 20 0 1 0 100 1000 200" >"$d/stat"
  printf 'Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%s\nNgid:\t0\nPid:\t%s\nPPid:\t%s\nUid:\t%s\t%s\t%s\t%s\nGid:\t%s\t%s\t%s\t%s\nNStgid:\t%s\t%s\nNSpid:\t%s\t%s\nNSpgid:\t%s\t%s\nNSsid:\t%s\t%s\nVmSize:\t    1000 kB\nVmRSS:\t     200 kB\nVmSwap:\t      8 kB\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n' \
    "$comm" "$pid" "$tid" "$ppid" "$uid" "$uid" "$uid" "$uid" "$uid" "$uid" "$uid" "$uid" "$pid" "$vpid" "$tid" "$vtid" "$pid" "$vpid" "$pid" "$vpid" >"$d/status"
  if [[ $pid == "$tid" ]]; then cp "$d/stat" "$d/status" "$p/$pid/"; fi
}
limits() { printf 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            %s                 524288               files\n' "$2" >"$p/$1/limits"; }

# 1: init, v2-only cgroup, NUL-only environment.
thread 1 1 0 init 4194560 0 1 1
printf 'init\0' >"$p/1/cmdline"
printf '\0' >"$p/1/environ"
ln -s /sbin/init "$p/1/exe"; ln -s / "$p/1/cwd"; ln -s / "$p/1/root"
echo '0::/init.scope' >"$p/1/cgroup"
limits 1 1024
echo 4294967295 >"$p/1/loginuid"

# 100: a containerized process with two threads (a third vanished), empty
# arguments, a deleted exe, an odd comm, and many kinds of fds.
id=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
thread 100 100 1 'my) app' 4194560 1000 5 5
thread 100 101 1 'worker' 4194624 1000 5 6
mkdir -p "$p/100/task/102" # exited between the listing and the read
touch "$p/100/task/102/.keep"
printf 'app\0\0--flag\0\0' >"$p/100/cmdline"
printf 'A=1\0\0B=2\0' >"$p/100/environ"
ln -s '/usr/bin/app (deleted)' "$p/100/exe"; ln -s /srv "$p/100/cwd"; ln -s / "$p/100/root"
printf '4:memory:/k8s.io/%s\n1:cpu,cpuacct:/k8s.io/%s\n0::/\n' "$id" "$id" >"$p/100/cgroup"
limits 100 unlimited
echo 1000 >"$p/100/loginuid"
mkdir -p "$p/100/fd" "$p/100/fdinfo" "$p/100/ns" "$p/100/net"
ln -s 'net:[4026532000]' "$p/100/ns/net"
ln -s /dev/null "$p/100/fd/0"; printf 'pos:\t0\nflags:\t02102002\nmnt_id:\t1\n' >"$p/100/fdinfo/0"
ln -s / "$p/100/fd/1"
ln -s 'socket:[5001]' "$p/100/fd/3"
ln -s 'socket:[5002]' "$p/100/fd/4"
ln -s 'socket:[5003]' "$p/100/fd/5"
ln -s 'pipe:[777]' "$p/100/fd/6"
ln -s 'anon_inode:[eventfd]' "$p/100/fd/7"
ln -s 'anon_inode:inotify' "$p/100/fd/8"
ln -s 'anon_inode:bpf-map' "$p/100/fd/9"
ln -s '/memfd:jit (deleted)' "$p/100/fd/10"
ln -s '/tmp/gone.txt (deleted)' "$p/100/fd/11"
ln -s '/nonexistent/closed' "$p/100/fd/12"
ln -s 'socket:[5004]' "$p/100/fd/13"
ln -s 'socket:[5005]' "$p/100/fd/14"
ln -s 'socket:[9999]' "$p/100/fd/15"
ln -s 'anon_inode:[io_uring]' "$p/100/fd/16"
ln -s 'anon_inode:[weird]' "$p/100/fd/17"
cat >"$p/100/net/tcp" <<'T'
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5001 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 5002 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:1F90 0100007F:9C41 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0000000000000000
T
cat >"$p/100/net/tcp6" <<'T'
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000100000A:C350 0000000000000000FFFF00000200000A:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 5004 1 0000000000000000 20 4 30 10 -1
T
cat >"$p/100/net/udp6" <<'T'
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
   0: 00000000000000000000000001000000:0035 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 5005 2 0000000000000000 0
T
cat >"$p/100/net/unix" <<'T'
Num       RefCount Protocol Flags    Type St Inode Path
ffff8880deadbeef: 00000002 00000000 00010000 0001 01 5003 /run/app.sock
ffff8880deadbee0: 00000002 00000000 00000000 0001 03 5006
T

# 200: exited between the listing of /proc and the read.
mkdir -p "$p/200/task/200"
touch "$p/200/task/200/.keep"

# 300: a kernel thread: no cmdline, no exe.
thread 300 300 2 kworker/0:1 2149613632 0 300 300
: >"$p/300/cmdline"
echo '0::/' >"$p/300/cgroup"

# 400: a cmdline rewritten without NULs, in a pid namespace.
thread 400 400 100 nginx 4194560 33 7 7
printf 'nginx: worker process' >"$p/400/cmdline"
ln -s /usr/sbin/nginx "$p/400/exe"
