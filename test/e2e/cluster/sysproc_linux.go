package cluster

import "syscall"

// sysProcAttr makes the child die with the test process (no orphaned
// apiservers when a test binary is killed) and puts it in its own process
// group so terminal signals are not delivered to it twice.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
