package ebpf

import "sort"

// syscallDef is one captured syscall: its evt.type name, its x86_64 number
// and the programs that build its events.
type syscallDef struct {
	event string // evt.type name
	nr    uint32 // x86_64 syscall number
	exit  string // exit program
	base  bool   // captured whatever the selection (state tracking)
	// filter is the exit filter applied in the kernel when the syscall is
	// captured for the state only (base, not selected): the calls that
	// change no state are not sent.
	filter uint32
}

// Exit filters (see bpf/builder.h).
const (
	dropFailed     = 1 << 8  // failed calls change nothing
	dropFailedConn = 1 << 9  // failed connects, except EINPROGRESS
	keepChild      = 1 << 10 // only the child's clone exit creates a thread
	keepDupFD      = 1 << 11 // only F_DUPFD and F_DUPFD_CLOEXEC create an fd
)

// syscallDefs lists every syscall the capture supports.
var syscallDefs = [...]syscallDef{
	// process lifecycle
	{"clone", 56, "x_clone", true, keepChild},
	{"fork", 57, "x_clone", true, keepChild},
	{"vfork", 58, "x_clone", true, keepChild},
	{"clone3", 435, "x_clone", true, keepChild},
	{"execve", 59, "x_execve", true, dropFailed},
	{"execveat", 322, "x_execve", true, dropFailed},
	// files
	{"open", 2, "x_open", true, dropFailed},
	{"openat", 257, "x_openat", true, dropFailed},
	{"openat2", 437, "x_openat2", true, dropFailed},
	{"creat", 85, "x_creat", true, dropFailed},
	{"close", 3, "x_close", true, dropFailed},
	{"dup", 32, "x_dup", true, dropFailed},
	{"dup2", 33, "x_dup", true, dropFailed},
	{"dup3", 292, "x_dup", true, dropFailed},
	{"fcntl", 72, "x_fcntl", true, keepDupFD},
	{"chdir", 80, "x_chdir", true, dropFailed},
	{"fchdir", 81, "x_fchdir", true, dropFailed},
	{"pipe", 22, "x_pipe", true, dropFailed},
	{"pipe2", 293, "x_pipe", true, dropFailed},
	{"memfd_create", 319, "x_memfd_create", false, 0},
	{"unlink", 87, "x_unlink", false, 0},
	{"rmdir", 84, "x_unlink", false, 0},
	{"unlinkat", 263, "x_unlinkat", false, 0},
	{"mkdir", 83, "x_mkdir", false, 0},
	{"mkdirat", 258, "x_mkdirat", false, 0},
	{"rename", 82, "x_twopath", false, 0},
	{"link", 86, "x_twopath", false, 0},
	{"symlink", 88, "x_twopath", false, 0},
	{"renameat", 264, "x_renameat", false, 0},
	{"renameat2", 316, "x_renameat", false, 0},
	{"linkat", 265, "x_renameat", false, 0},
	{"symlinkat", 266, "x_symlinkat", false, 0},
	{"chmod", 90, "x_chmod", false, 0},
	{"fchmod", 91, "x_chmod", false, 0},
	{"fchmodat", 268, "x_chmod", false, 0},
	// network
	{"socket", 41, "x_socket", true, dropFailed},
	{"connect", 42, "x_connect", true, dropFailedConn},
	{"accept", 43, "x_accept", true, dropFailed},
	{"accept4", 288, "x_accept", true, dropFailed},
	{"bind", 49, "x_bind", true, dropFailed},
	{"listen", 50, "x_listen", false, 0},
	{"sendto", 44, "x_sendto", false, 0},
	{"sendmsg", 46, "x_sendmsg", false, 0},
	{"recvfrom", 45, "x_recvfrom", false, 0},
	{"recvmsg", 47, "x_recvmsg", false, 0},
	// privileges and others
	{"setuid", 105, "x_setid", false, 0},
	{"setgid", 106, "x_setid", false, 0},
	{"setresuid", 117, "x_setresid", false, 0},
	{"setresgid", 119, "x_setresid", false, 0},
	{"ptrace", 101, "x_ptrace", false, 0},
	{"mmap", 9, "x_mmap", false, 0},
	{"mprotect", 10, "x_mprotect", false, 0},
	{"init_module", 175, "x_init_module", false, 0},
	{"finit_module", 313, "x_finit_module", false, 0},
	{"bpf", 321, "x_bpf", false, 0},
	{"setns", 308, "x_setns", false, 0},
	{"unshare", 272, "x_unshare", false, 0},
	{"userfaultfd", 323, "x_userfaultfd", false, 0},
	{"read", 0, "x_rw", false, 0},
	{"write", 1, "x_rw", false, 0},
}

// stagePrograms are the later stages of multi-program events, by index in
// the stage_progs map.
var stagePrograms = [...]string{"x_clone_2", "x_execve_2", "x_execve_3"}

// procexitEvent is the event type emitted from sched_process_exit.
const procexitEvent = "procexit"

// SupportedEventTypes returns the evt.type names the capture can produce,
// sorted.
func SupportedEventTypes() []string {
	names := make([]string, 0, len(syscallDefs)+1)
	for _, d := range syscallDefs {
		names = append(names, d.event)
	}
	names = append(names, procexitEvent)
	sort.Strings(names)
	return names
}

// BaseEventTypes returns the evt.type names that are always captured
// because the thread and fd state depends on them, sorted.
func BaseEventTypes() []string {
	names := []string{procexitEvent}
	for _, d := range syscallDefs {
		if d.base {
			names = append(names, d.event)
		}
	}
	sort.Strings(names)
	return names
}
