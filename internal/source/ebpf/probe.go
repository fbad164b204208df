//go:build linux && amd64

package ebpf

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"
)

// Capability bits checked by Probe.
const (
	capSysAdmin = 21
	capPerfmon  = 38
	capBPF      = 39
)

// Probe reports what the kernel or the process lacks for the capture, with
// a message naming it: privileges (root, or CAP_BPF and CAP_PERFMON), BTF
// type information (/sys/kernel/btf/vmlinux), BPF ring buffers and raw
// tracepoint programs. It returns nil when Open can be expected to work.
func Probe() error {
	if err := probePrivileges(); err != nil {
		return err
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		return fmt.Errorf("ebpf: the kernel has no BTF type information (/sys/kernel/btf/vmlinux: %w); a kernel built with CONFIG_DEBUG_INFO_BTF is needed", err)
	}
	if err := features.HaveMapType(ebpf.RingBuf); err != nil {
		return fmt.Errorf("ebpf: the kernel has no BPF ring buffer (Linux 5.8 or later is needed): %w", err)
	}
	if err := features.HaveProgramType(ebpf.RawTracepoint); err != nil {
		return fmt.Errorf("ebpf: the kernel cannot run raw tracepoint programs: %w", err)
	}
	return nil
}

// probePrivileges checks the effective capabilities of the process.
func probePrivileges() error {
	caps, err := effectiveCaps()
	if err != nil {
		if os.Geteuid() == 0 {
			return nil
		}
		return fmt.Errorf("ebpf: cannot read the process capabilities (%v) and not running as root", err)
	}
	has := func(bit uint) bool { return caps&(1<<bit) != 0 }
	if has(capSysAdmin) || (has(capBPF) && has(capPerfmon)) {
		return nil
	}
	return errors.New("ebpf: loading BPF programs needs root or the CAP_BPF and CAP_PERFMON capabilities")
}

// effectiveCaps reads CapEff from /proc/self/status.
func effectiveCaps() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no CapEff line in /proc/self/status")
}
