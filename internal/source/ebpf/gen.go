package ebpf

//go:generate go tool bpf2go -cc clang-19 -strip llvm-strip-19 -target amd64 -go-package ebpf -output-stem capture capture bpf/capture.bpf.c -- -I bpf -O2 -g -Wall -Werror
