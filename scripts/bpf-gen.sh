#!/bin/sh
# Regenerates the eBPF objects of internal/source/ebpf (the committed
# capture_x86_bpfel.o and capture_x86_bpfel.go) from bpf/*.c and *.h.
#
# Needs clang-19, llvm-19 (llvm-strip-19), libbpf-dev and bpftool:
#   apt-get install -y clang-19 llvm-19 libbpf-dev bpftool
# vmlinux.h is generated from the running kernel's BTF and not committed;
# the programs use CO-RE, so the object runs on other kernels too.
#
# With --check it fails when the committed files differ from a fresh build
# (the object embeds no paths or times, so builds are reproducible).
set -eu
cd "$(dirname "$0")/../internal/source/ebpf"
BTF=${BTF:-/sys/kernel/btf/vmlinux}
command -v bpftool >/dev/null || PATH=$PATH:/usr/sbin
bpftool btf dump file "$BTF" format c > bpf/vmlinux.h.tmp
mv bpf/vmlinux.h.tmp bpf/vmlinux.h
go generate ./...
if [ "${1:-}" = "--check" ]; then
	if ! git diff --quiet -- capture_x86_bpfel.o capture_x86_bpfel.go; then
		echo "bpf-gen: generated eBPF files are stale; run scripts/bpf-gen.sh and commit them" >&2
		git diff --stat -- capture_x86_bpfel.o capture_x86_bpfel.go >&2
		exit 1
	fi
fi
