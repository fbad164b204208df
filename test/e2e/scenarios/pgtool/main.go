// Command pgtool performs, for real, the system calls behind some of the
// behaviours the syscall end-to-end suite must detect and that no busybox
// or coreutils program makes on its own. It is built statically so that the
// same binary runs on the host and inside a busybox container.
//
//	pgtool MODE MARKER [ARGS]
//
// Modes: noop, sleep, ptrace-attach, traceme, memfd-exec, packet-socket,
// setns, spawn-shell, finit-module PATH, read-after SECONDS PATH,
// setuid UID, bpf-prog-load, exec-env VAR=VALUE PROGRAM ARGS... (busybox
// env would start an applet as /proc/self/exe, named exe), exec-as UID
// PROGRAM ARGS... (ctr exec --user would mount the container's snapshot a
// second time on the host to read its passwd, which breaks the running
// container's overlayfs work directory).
//
// The marker is unused except that it appears in the command line, so that
// each scenario's alert can be told from the others.
package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: pgtool MODE MARKER [ARGS]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "noop":
	case "sleep":
		time.Sleep(30 * time.Second)
	case "ptrace-attach":
		err = ptraceAttach()
	case "traceme":
		err = traceme()
	case "memfd-exec":
		err = memfdExec()
	case "packet-socket":
		err = packetSocket()
	case "setns":
		err = setns()
	case "spawn-shell":
		err = exec.Command("/bin/sh", "-c", "true "+os.Args[2]).Run()
	case "finit-module":
		err = finitModule()
	case "read-after":
		err = readAfter()
	case "setuid":
		err = setuid()
	case "bpf-prog-load":
		err = bpfProgLoad()
	case "exec-env":
		err = execEnv()
	case "exec-as":
		err = execAs()
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtool:", err)
		os.Exit(1)
	}
}

// ptraceAttach starts a child of its own and attaches to it with
// PTRACE_ATTACH (allowed without CAP_SYS_PTRACE: the tracee is a
// descendant with the same credentials), then detaches and kills it.
func ptraceAttach() error {
	runtime.LockOSThread()
	child := exec.Command("/proc/self/exe", "sleep", os.Args[2])
	if err := child.Start(); err != nil {
		return err
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	pid := child.Process.Pid
	if err := syscall.PtraceAttach(pid); err != nil {
		return fmt.Errorf("PTRACE_ATTACH %d: %w", pid, err)
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, syscall.WALL, nil); err != nil {
		return err
	}
	return syscall.PtraceDetach(pid)
}

// traceme asks to be traced by its parent (PTRACE_TRACEME, the classic
// anti-debugging trick) and exits at once: a traced process stops on the
// next signal, so it must not live on (run it with
// GODEBUG=asyncpreemptoff=1 so that the runtime sends itself no signal).
func traceme() error {
	if _, _, e := syscall.RawSyscall(syscall.SYS_PTRACE, syscall.PTRACE_TRACEME, 0, 0); e != 0 {
		return fmt.Errorf("PTRACE_TRACEME: %w", e)
	}
	syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	return nil
}

// memfdExec copies its own executable into an anonymous memfd and executes
// that with execveat(AT_EMPTY_PATH): a program that never was on disk.
func memfdExec() error {
	name, err := syscall.BytePtrFromString(os.Args[2])
	if err != nil {
		return err
	}
	fd, _, e := syscall.Syscall(319 /* memfd_create */, uintptr(unsafe.Pointer(name)), 0, 0)
	if e != 0 {
		return fmt.Errorf("memfd_create: %w", e)
	}
	self, err := os.Open("/proc/self/exe")
	if err != nil {
		return err
	}
	mem := os.NewFile(fd, "memfd")
	if _, err := io.Copy(mem, self); err != nil {
		return err
	}
	argv, err := syscall.SlicePtrFromStrings([]string{"pgtool-memfd", "noop", os.Args[2]})
	if err != nil {
		return err
	}
	envv, err := syscall.SlicePtrFromStrings(os.Environ())
	if err != nil {
		return err
	}
	empty, _ := syscall.BytePtrFromString("")
	const atEmptyPath = 0x1000
	_, _, e = syscall.Syscall6(322 /* execveat */, fd, uintptr(unsafe.Pointer(empty)),
		uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&envv[0])), atEmptyPath, 0)
	return fmt.Errorf("execveat: %w", e)
}

// packetSocket opens (and closes) an AF_PACKET raw socket.
func packetSocket() error {
	const ethPAll = 0x0300 // htons(ETH_P_ALL)
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, ethPAll)
	if err != nil {
		return fmt.Errorf("socket(AF_PACKET): %w", err)
	}
	return syscall.Close(fd)
}

// setns re-enters its own network namespace (a no-op that still is a setns).
func setns() error {
	runtime.LockOSThread()
	f, err := os.Open("/proc/self/ns/net")
	if err != nil {
		return err
	}
	defer f.Close()
	if _, _, e := syscall.Syscall(308 /* setns */, f.Fd(), syscall.CLONE_NEWNET, 0); e != 0 {
		return fmt.Errorf("setns: %w", e)
	}
	return nil
}

// finitModule asks the kernel to load the file given as a module; the file
// is no module, so the kernel refuses it (or has no module support at all).
func finitModule() error {
	if len(os.Args) < 4 {
		return fmt.Errorf("finit-module needs a file")
	}
	f, err := os.Open(os.Args[3])
	if err != nil {
		return err
	}
	defer f.Close()
	empty, _ := syscall.BytePtrFromString("")
	_, _, e := syscall.Syscall(313 /* finit_module */, f.Fd(), uintptr(unsafe.Pointer(empty)), 0)
	if e != 0 {
		fmt.Fprintln(os.Stderr, "finit_module refused as expected:", e)
	}
	return nil
}

// readAfter waits (a long-running server is not "new") and then reads a
// file.
func readAfter() error {
	if len(os.Args) < 5 {
		return fmt.Errorf("read-after needs SECONDS and PATH")
	}
	d, err := time.ParseDuration(os.Args[3] + "s")
	if err != nil {
		return err
	}
	time.Sleep(d)
	f, err := os.Open(os.Args[4])
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(io.Discard, f)
	return err
}

// setuid calls setuid(UID) on the thread (raw, so exactly one call, which
// fails with EPERM for an unprivileged caller).
func setuid() error {
	if len(os.Args) < 4 {
		return fmt.Errorf("setuid needs a UID")
	}
	var uid int
	if _, err := fmt.Sscan(os.Args[3], &uid); err != nil {
		return err
	}
	_, _, errno := syscall.RawSyscall(syscall.SYS_SETUID, uintptr(uid), 0, 0)
	if errno != 0 {
		fmt.Fprintln(os.Stderr, "pgtool: setuid:", errno)
	}
	return nil
}

// bpfProgLoad loads a socket filter that returns 0 (BPF_PROG_LOAD) and
// closes it.
func bpfProgLoad() error {
	insns := []uint64{
		0x00000000000000b7, // mov r0, 0
		0x0000000000000095, // exit
	}
	license := []byte("GPL\x00")
	// union bpf_attr for BPF_PROG_LOAD: prog_type, insn_cnt, insns, license.
	var attr [128]byte
	*(*uint32)(unsafe.Pointer(&attr[0])) = 1 // BPF_PROG_TYPE_SOCKET_FILTER
	*(*uint32)(unsafe.Pointer(&attr[4])) = uint32(len(insns))
	*(*uint64)(unsafe.Pointer(&attr[8])) = uint64(uintptr(unsafe.Pointer(&insns[0])))
	*(*uint64)(unsafe.Pointer(&attr[16])) = uint64(uintptr(unsafe.Pointer(&license[0])))
	fd, _, errno := syscall.Syscall(321, 5, uintptr(unsafe.Pointer(&attr[0])), unsafe.Sizeof(attr)) // SYS_BPF, BPF_PROG_LOAD
	runtime.KeepAlive(insns)
	runtime.KeepAlive(license)
	if errno != 0 {
		return fmt.Errorf("BPF_PROG_LOAD: %w", errno)
	}
	return syscall.Close(int(fd))
}

// execEnv replaces itself with PROGRAM (argv[0] its base name), with one
// more environment variable.
func execEnv() error {
	if len(os.Args) < 5 {
		return fmt.Errorf("exec-env needs VAR=VALUE and PROGRAM")
	}
	prog := os.Args[4]
	argv := append([]string{filepath.Base(prog)}, os.Args[5:]...)
	return syscall.Exec(prog, argv, append(os.Environ(), os.Args[3]))
}

// execAs replaces itself with PROGRAM running as UID (and GID = UID).
func execAs() error {
	if len(os.Args) < 5 {
		return fmt.Errorf("exec-as needs UID and PROGRAM")
	}
	var id int
	if _, err := fmt.Sscan(os.Args[3], &id); err != nil {
		return err
	}
	if err := syscall.Setgroups(nil); err != nil {
		return err
	}
	if err := syscall.Setgid(id); err != nil {
		return err
	}
	if err := syscall.Setuid(id); err != nil {
		return err
	}
	prog := os.Args[4]
	return syscall.Exec(prog, append([]string{filepath.Base(prog)}, os.Args[5:]...), os.Environ())
}
