// Package ebpf captures system calls live from the kernel with eBPF and hands
// them on as scap v2 events, byte for byte the layout of the newest libscap
// event code for each syscall, so that the same decoder
// (scap.DecodeEvent), thread/fd state (syscall.State) and .scap writer
// handle live and recorded events alike.
//
// # Kernel side
//
// A raw tracepoint on sys_exit (none on sys_enter) looks the syscall
// number up in an "interesting" array map filled from user space and
// tail-calls one program per syscall family; a syscall that is not
// selected costs the lookup only. Exit programs read the arguments from the task's saved user
// registers at sys_exit (paths are faulted in by then), build the event in
// a per-CPU scratch area and copy it into one BPF ring buffer, asking for a
// wakeup only when more than WakeupBytes are pending. sched_process_exit
// emits procexit; sched_process_exec remembers bprm->filename for the
// execve exit. Per-CPU counters record events, drops (ring buffer full),
// read errors and events too large to send, by category.
//
// Only exit events are sent, as by Falco's modern probe: the exits of
// close, socket and connect carry the fd (and domain, type and protocol),
// which is all the state needs. A successful execveat reaches sys_exit as an
// execve on x86_64 (the kernel reports syscall 59) and is sent as an
// execve exit, as Falco's probe does; failed ones are execveat exits.
//
// # User side
//
//	if err := ebpf.Probe(); err != nil { ... } // what the kernel lacks
//	c, err := ebpf.Open(ebpf.Config{Syscalls: []string{"execve", "openat"}})
//	defer c.Close()
//	err = c.Run(ctx, func(raw []byte) { ... scap.DecodeEvent(raw, &ev) ... })
//	st := c.Stats()
//
// The base syscalls the state needs (clone family, execve family,
// procexit, open family, close, dup family, fcntl, chdir, fchdir, pipe,
// pipe2, socket, connect, accept, accept4, bind) are always captured. When
// no rule selects one of them (Config.Syscalls does not name it), sys_exit
// sends only the calls that change the state: successful ones (connect
// also on EINPROGRESS), fcntl only for F_DUPFD and F_DUPFD_CLOEXEC, and of
// the clone family only the child's exit. Stats.Filtered counts the exits
// left out this way. With Config.SendUnconnectedDatagramsOnly, sendto and
// sendmsg exits on stream sockets and on connected sockets (TCP_ESTABLISHED,
// as connected datagram sockets are marked) are left out too, the socket
// being looked up from the fd at sys_exit; they count as filtered.
// Run reads the ring buffer in place: raw is valid only during the call,
// and nothing is allocated per event.
//
// # Parameter sources
//
// Event parameters are filled in the kernel. Process events: exe and args
// from the process's argument area (argv from user memory on a failed
// execve), env from its environment area, tid/pid/ptid from
// task->pid/tgid/real_parent->pid, cwd and trusted_exepath by walking
// dentries and mounts up to the task's root (at most 48 components; a file
// outside any mounted tree, such as an executed memfd, is named by its
// dentry: "memfd:NAME", as Falco's drivers report it),
// cgroups by walking the kernfs nodes of the cpuset, cpu, cpuacct, io and
// memory subsystems, fdlimit, page faults, memory sizes, comm, tty,
// loginuid, credentials and capabilities from the task, execve flags
// (writable, overlay upper/lower layer, memfd) and exe inode times from
// mm->exe_file, filename from bprm->filename (sched_process_exec).
// procexit's reaper_tid is found as the kernel's find_new_reaper does and
// as Falco's probe reports it: 0 without children, else a live thread of
// the group, the nearest child subreaper ancestor in the pid namespace or
// the namespace's init; -1 (find it in user space) when it cannot tell
// (more than 64 threads or ancestors to look at, an exiting subreaper,
// kernels before 6.7). Approximations: the writable flag ignores
// supplementary groups and ACLs. File events: paths as passed by the
// caller (relative to dirfd), dev/ino and the created and overlay-layer
// flags from the new file. Network events: socktuples from the kernel
// socket (the user sockaddr when an unconnected socket has no peer),
// sockaddrs from user memory, data cut at Config.Snaplen bytes.
//
// Flag values are converted to the libscap PPM_* encodings exactly as
// libscap converts them, including its mask tests: an O_DIRECTORY open
// reports O_TMPFILE (and its mode), an O_DSYNC open reports O_SYNC too.
// clone3's flags are read from its clone_args in user memory.
package ebpf
