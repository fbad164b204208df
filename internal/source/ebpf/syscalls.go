package ebpf

import "sort"

// syscallDef is one captured syscall: its evt.type name, its x86_64 number
// and the programs that build its events.
type syscallDef struct {
	event string // evt.type name
	nr    uint32 // x86_64 syscall number
	exit  string // exit program
	enter string // enter program, "" for none
	base  bool   // captured whatever the selection (state tracking)
}

// syscallDefs lists every syscall the capture supports.
var syscallDefs = [...]syscallDef{
	// process lifecycle
	{"clone", 56, "x_clone", "", true},
	{"fork", 57, "x_clone", "", true},
	{"vfork", 58, "x_clone", "", true},
	{"clone3", 435, "x_clone", "", true},
	{"execve", 59, "x_execve", "", true},
	{"execveat", 322, "x_execve", "", true},
	// files
	{"open", 2, "x_open", "", true},
	{"openat", 257, "x_openat", "", true},
	{"openat2", 437, "x_openat2", "", true},
	{"creat", 85, "x_creat", "", true},
	{"close", 3, "x_close", "e_close", true},
	{"dup", 32, "x_dup", "", true},
	{"dup2", 33, "x_dup", "", true},
	{"dup3", 292, "x_dup", "", true},
	{"fcntl", 72, "x_fcntl", "", true},
	{"chdir", 80, "x_chdir", "", true},
	{"fchdir", 81, "x_fchdir", "", true},
	{"pipe", 22, "x_pipe", "", true},
	{"pipe2", 293, "x_pipe", "", true},
	{"memfd_create", 319, "x_memfd_create", "", false},
	{"unlink", 87, "x_unlink", "", false},
	{"rmdir", 84, "x_unlink", "", false},
	{"unlinkat", 263, "x_unlinkat", "", false},
	{"mkdir", 83, "x_mkdir", "", false},
	{"mkdirat", 258, "x_mkdirat", "", false},
	{"rename", 82, "x_twopath", "", false},
	{"link", 86, "x_twopath", "", false},
	{"symlink", 88, "x_twopath", "", false},
	{"renameat", 264, "x_renameat", "", false},
	{"renameat2", 316, "x_renameat", "", false},
	{"linkat", 265, "x_renameat", "", false},
	{"symlinkat", 266, "x_symlinkat", "", false},
	{"chmod", 90, "x_chmod", "", false},
	{"fchmod", 91, "x_chmod", "", false},
	{"fchmodat", 268, "x_chmod", "", false},
	// network
	{"socket", 41, "x_socket", "e_socket", true},
	{"connect", 42, "x_connect", "e_connect", true},
	{"accept", 43, "x_accept", "", true},
	{"accept4", 288, "x_accept", "", true},
	{"bind", 49, "x_bind", "", true},
	{"listen", 50, "x_listen", "", false},
	{"sendto", 44, "x_sendto", "", false},
	{"sendmsg", 46, "x_sendmsg", "", false},
	{"recvfrom", 45, "x_recvfrom", "", false},
	{"recvmsg", 47, "x_recvmsg", "", false},
	// privileges and others
	{"setuid", 105, "x_setid", "", false},
	{"setgid", 106, "x_setid", "", false},
	{"setresuid", 117, "x_setresid", "", false},
	{"setresgid", 119, "x_setresid", "", false},
	{"ptrace", 101, "x_ptrace", "", false},
	{"mmap", 9, "x_mmap", "", false},
	{"mprotect", 10, "x_mprotect", "", false},
	{"init_module", 175, "x_init_module", "", false},
	{"finit_module", 313, "x_finit_module", "", false},
	{"bpf", 321, "x_bpf", "", false},
	{"setns", 308, "x_setns", "", false},
	{"unshare", 272, "x_unshare", "", false},
	{"userfaultfd", 323, "x_userfaultfd", "", false},
	{"read", 0, "x_rw", "", false},
	{"write", 1, "x_rw", "", false},
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
