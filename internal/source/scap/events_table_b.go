// Code generated from the public libscap event table (facts only: names, directions, parameter lists); DO NOT EDIT BY HAND.

package scap

// eventTableHi holds the schema of event types 228..453 (index = type - eventTableSplit).
var eventTableHi = [226]Info{
	0: {Name: "container", Dir: '>', Large: false, Params: []ParamInfo{{"id", CharBuf}, {"type", Uint32}, {"name", CharBuf}, {"image", CharBuf}}}, // PPME_CONTAINER_E
	2: {Name: "execve", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_EXECVE_16_E
	3: {Name: "execve", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Uint64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"comm", CharBuf}, {"cgroups", ByteBuf}, {"env", ByteBuf}}}, // PPME_SYSCALL_EXECVE_16_X
	4: {Name: "signaldeliver", Dir: '>', Large: false, Params: []ParamInfo{{"spid", Pid}, {"dpid", Pid}, {"sig", SigType}}}, // PPME_SIGNALDELIVER_E
	6: {Name: "procinfo", Dir: '>', Large: false, Params: []ParamInfo{{"cpu_usr", Uint64}, {"cpu_sys", Uint64}}}, // PPME_PROCINFO_E
	8: {Name: "getdents", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}}}, // PPME_SYSCALL_GETDENTS_E
	9: {Name: "getdents", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}}}, // PPME_SYSCALL_GETDENTS_X
	10: {Name: "getdents64", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}}}, // PPME_SYSCALL_GETDENTS64_E
	11: {Name: "getdents64", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}}}, // PPME_SYSCALL_GETDENTS64_X
	12: {Name: "setns", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"nstype", Flags32}}}, // PPME_SYSCALL_SETNS_E
	13: {Name: "setns", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"nstype", Flags32}}}, // PPME_SYSCALL_SETNS_X
	14: {Name: "flock", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"operation", Flags32}}}, // PPME_SYSCALL_FLOCK_E
	15: {Name: "flock", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"operation", Flags32}}}, // PPME_SYSCALL_FLOCK_X
	16: {Name: "cpu_hotplug", Dir: '>', Large: false, Params: []ParamInfo{{"cpu", Uint32}, {"action", Uint32}}}, // PPME_CPU_HOTPLUG_E
	18: {Name: "accept", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SOCKET_ACCEPT_5_E
	19: {Name: "accept", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"tuple", SockTuple}, {"queuepct", Uint8}, {"queuelen", Uint32}, {"queuemax", Uint32}}}, // PPME_SOCKET_ACCEPT_5_X
	20: {Name: "accept", Dir: '>', Large: false, Params: []ParamInfo{{"flags", Int32}}}, // PPME_SOCKET_ACCEPT4_5_E
	21: {Name: "accept", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"tuple", SockTuple}, {"queuepct", Uint8}, {"queuelen", Uint32}, {"queuemax", Uint32}}}, // PPME_SOCKET_ACCEPT4_5_X
	22: {Name: "semop", Dir: '>', Large: false, Params: []ParamInfo{{"semid", Int32}}}, // PPME_SYSCALL_SEMOP_E
	23: {Name: "semop", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"nsops", Uint32}, {"sem_num_0", Uint16}, {"sem_op_0", Int16}, {"sem_flg_0", Flags16}, {"sem_num_1", Uint16}, {"sem_op_1", Int16}, {"sem_flg_1", Flags16}, {"semid", Int32}}}, // PPME_SYSCALL_SEMOP_X
	24: {Name: "semctl", Dir: '>', Large: false, Params: []ParamInfo{{"semid", Int32}, {"semnum", Int32}, {"cmd", Flags16}, {"val", Int32}}}, // PPME_SYSCALL_SEMCTL_E
	25: {Name: "semctl", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"semid", Int32}, {"semnum", Int32}, {"cmd", Flags16}, {"val", Int32}}}, // PPME_SYSCALL_SEMCTL_X
	26: {Name: "ppoll", Dir: '>', Large: false, Params: []ParamInfo{{"fds", FdList}, {"timeout", RelTime}, {"sigmask", SigSet}}}, // PPME_SYSCALL_PPOLL_E
	27: {Name: "ppoll", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fds", FdList}, {"timeout", RelTime}, {"sigmask", SigSet}}}, // PPME_SYSCALL_PPOLL_X
	28: {Name: "mount", Dir: '>', Large: false, Params: []ParamInfo{{"flags", Flags32}}}, // PPME_SYSCALL_MOUNT_E
	29: {Name: "mount", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"dev", CharBuf}, {"dir", FsPath}, {"type", CharBuf}, {"flags", Flags32}}}, // PPME_SYSCALL_MOUNT_X
	30: {Name: "umount", Dir: '>', Large: false, Params: []ParamInfo{{"flags", Flags32}}}, // PPME_SYSCALL_UMOUNT_E
	31: {Name: "umount", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"name", FsPath}}}, // PPME_SYSCALL_UMOUNT_X
	32: {Name: "k8s", Dir: '>', Large: false, Params: []ParamInfo{{"json", CharBuf}}}, // PPME_K8S_E
	34: {Name: "semget", Dir: '>', Large: false, Params: []ParamInfo{{"key", Int32}, {"nsems", Int32}, {"semflg", Flags32}}}, // PPME_SYSCALL_SEMGET_E
	35: {Name: "semget", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"key", Int32}, {"nsems", Int32}, {"semflg", Flags32}}}, // PPME_SYSCALL_SEMGET_X
	36: {Name: "access", Dir: '>', Large: false, Params: []ParamInfo{{"mode", Flags32}}}, // PPME_SYSCALL_ACCESS_E
	37: {Name: "access", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"name", FsPath}, {"mode", Flags32}}}, // PPME_SYSCALL_ACCESS_X
	38: {Name: "chroot", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_CHROOT_E
	39: {Name: "chroot", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"path", FsPath}}}, // PPME_SYSCALL_CHROOT_X
	40: {Name: "tracer", Dir: '>', Large: false, Params: []ParamInfo{{"id", Int64}, {"tags", CharBufArray}, {"args", CharBufPairArray}}}, // PPME_TRACER_E
	42: {Name: "mesos", Dir: '>', Large: false, Params: []ParamInfo{{"json", CharBuf}}}, // PPME_MESOS_E
	44: {Name: "container", Dir: '>', Large: false, Params: []ParamInfo{{"json", CharBuf}}}, // PPME_CONTAINER_JSON_E
	46: {Name: "setsid", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_SETSID_E
	47: {Name: "setsid", Dir: '<', Large: false, Params: []ParamInfo{{"res", Pid}}}, // PPME_SYSCALL_SETSID_X
	48: {Name: "mkdir", Dir: '>', Large: false, Params: []ParamInfo{{"mode", Uint32}}}, // PPME_SYSCALL_MKDIR_2_E
	49: {Name: "mkdir", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"path", FsPath}, {"mode", Uint32}}}, // PPME_SYSCALL_MKDIR_2_X
	50: {Name: "rmdir", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_RMDIR_2_E
	51: {Name: "rmdir", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"path", FsPath}}}, // PPME_SYSCALL_RMDIR_2_X
	52: {Name: "notification", Dir: '>', Large: false, Params: []ParamInfo{{"id", CharBuf}, {"desc", CharBuf}}}, // PPME_NOTIFICATION_E
	54: {Name: "execve", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_EXECVE_17_E
	55: {Name: "execve", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Uint64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"comm", CharBuf}, {"cgroups", ByteBuf}, {"env", ByteBuf}, {"tty", Int32}}}, // PPME_SYSCALL_EXECVE_17_X
	56: {Name: "unshare", Dir: '>', Large: false, Params: []ParamInfo{{"flags", Flags32}}}, // PPME_SYSCALL_UNSHARE_E
	57: {Name: "unshare", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"flags", Flags32}}}, // PPME_SYSCALL_UNSHARE_X
	58: {Name: "infra", Dir: '>', Large: false, Params: []ParamInfo{{"source", CharBuf}, {"name", CharBuf}, {"description", CharBuf}, {"scope", CharBuf}}}, // PPME_INFRASTRUCTURE_EVENT_E
	60: {Name: "execve", Dir: '>', Large: false, Params: []ParamInfo{{"filename", FsPath}}}, // PPME_SYSCALL_EXECVE_18_E
	61: {Name: "execve", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Uint64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"comm", CharBuf}, {"cgroups", ByteBuf}, {"env", ByteBuf}, {"tty", Int32}}}, // PPME_SYSCALL_EXECVE_18_X
	62: {Name: "page_fault", Dir: '>', Large: false, Params: []ParamInfo{{"addr", Uint64}, {"ip", Uint64}, {"error", Flags32}}}, // PPME_PAGE_FAULT_E
	64: {Name: "execve", Dir: '>', Large: false, Params: []ParamInfo{{"filename", FsPath}}}, // PPME_SYSCALL_EXECVE_19_E
	65: {Name: "execve", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Uint64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"comm", CharBuf}, {"cgroups", ByteBuf}, {"env", ByteBuf}, {"tty", Uint32}, {"vpgid", Pid}, {"loginuid", UID}, {"flags", Flags32}, {"cap_inheritable", Uint64}, {"cap_permitted", Uint64}, {"cap_effective", Uint64}, {"exe_ino", Uint64}, {"exe_ino_ctime", AbsTime}, {"exe_ino_mtime", AbsTime}, {"uid", UID}, {"trusted_exepath", FsPath}, {"pgid", Pid}, {"gid", GID}, {"filename", FsPath}}}, // PPME_SYSCALL_EXECVE_19_X
	66: {Name: "setpgid", Dir: '>', Large: false, Params: []ParamInfo{{"pid", Pid}, {"pgid", Pid}}}, // PPME_SYSCALL_SETPGID_E
	67: {Name: "setpgid", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"pid", Pid}, {"pgid", Pid}}}, // PPME_SYSCALL_SETPGID_X
	68: {Name: "bpf", Dir: '>', Large: false, Params: []ParamInfo{{"cmd", Int64}}}, // PPME_SYSCALL_BPF_E
	69: {Name: "bpf", Dir: '<', Large: false, Params: []ParamInfo{{"res_or_fd", Dyn}}}, // PPME_SYSCALL_BPF_X
	70: {Name: "seccomp", Dir: '>', Large: false, Params: []ParamInfo{{"op", Uint64}, {"flags", Uint64}}}, // PPME_SYSCALL_SECCOMP_E
	71: {Name: "seccomp", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"op", Uint64}, {"flags", Uint64}}}, // PPME_SYSCALL_SECCOMP_X
	72: {Name: "unlink", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_UNLINK_2_E
	73: {Name: "unlink", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"path", FsPath}}}, // PPME_SYSCALL_UNLINK_2_X
	74: {Name: "unlinkat", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_UNLINKAT_2_E
	75: {Name: "unlinkat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"dirfd", Fd}, {"name", FsRelPath}, {"flags", Flags32}}}, // PPME_SYSCALL_UNLINKAT_2_X
	76: {Name: "mkdirat", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_MKDIRAT_E
	77: {Name: "mkdirat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"dirfd", Fd}, {"path", FsRelPath}, {"mode", Uint32}}}, // PPME_SYSCALL_MKDIRAT_X
	78: {Name: "openat", Dir: '>', Large: false, Params: []ParamInfo{{"dirfd", Fd}, {"name", FsRelPath}, {"flags", Flags32}, {"mode", Uint32}}}, // PPME_SYSCALL_OPENAT_2_E
	79: {Name: "openat", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"dirfd", Fd}, {"name", FsRelPath}, {"flags", Flags32}, {"mode", Uint32}, {"dev", Uint32}, {"ino", Uint64}}}, // PPME_SYSCALL_OPENAT_2_X
	80: {Name: "link", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_LINK_2_E
	81: {Name: "link", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"oldpath", FsPath}, {"newpath", FsPath}}}, // PPME_SYSCALL_LINK_2_X
	82: {Name: "linkat", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_LINKAT_2_E
	83: {Name: "linkat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"olddir", Fd}, {"oldpath", FsRelPath}, {"newdir", Fd}, {"newpath", FsRelPath}, {"flags", Flags32}}}, // PPME_SYSCALL_LINKAT_2_X
	84: {Name: "fchmodat", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_FCHMODAT_E
	85: {Name: "fchmodat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"dirfd", Fd}, {"filename", FsRelPath}, {"mode", Mode}}}, // PPME_SYSCALL_FCHMODAT_X
	86: {Name: "chmod", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_CHMOD_E
	87: {Name: "chmod", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"filename", FsPath}, {"mode", Mode}}}, // PPME_SYSCALL_CHMOD_X
	88: {Name: "fchmod", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_FCHMOD_E
	89: {Name: "fchmod", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"mode", Mode}}}, // PPME_SYSCALL_FCHMOD_X
	90: {Name: "renameat2", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_RENAMEAT2_E
	91: {Name: "renameat2", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"olddirfd", Fd}, {"oldpath", FsRelPath}, {"newdirfd", Fd}, {"newpath", FsRelPath}, {"flags", Flags32}}}, // PPME_SYSCALL_RENAMEAT2_X
	92: {Name: "userfaultfd", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_USERFAULTFD_E
	93: {Name: "userfaultfd", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"flags", Flags32}}}, // PPME_SYSCALL_USERFAULTFD_X
	94: {Name: "pluginevent", Dir: '>', Large: true, Params: []ParamInfo{{"plugin_id", Uint32}, {"event_data", ByteBuf}}}, // PPME_PLUGINEVENT_E
	96: {Name: "container", Dir: '>', Large: true, Params: []ParamInfo{{"json", CharBuf}}}, // PPME_CONTAINER_JSON_2_E
	98: {Name: "openat2", Dir: '>', Large: false, Params: []ParamInfo{{"dirfd", Fd}, {"name", FsRelPath}, {"flags", Flags32}, {"mode", Uint32}, {"resolve", Flags32}}}, // PPME_SYSCALL_OPENAT2_E
	99: {Name: "openat2", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"dirfd", Fd}, {"name", FsRelPath}, {"flags", Flags32}, {"mode", Uint32}, {"resolve", Flags32}, {"dev", Uint32}, {"ino", Uint64}}}, // PPME_SYSCALL_OPENAT2_X
	100: {Name: "mprotect", Dir: '>', Large: false, Params: []ParamInfo{{"addr", Uint64}, {"length", Uint64}, {"prot", Flags32}}}, // PPME_SYSCALL_MPROTECT_E
	101: {Name: "mprotect", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"addr", Uint64}, {"length", Uint64}, {"prot", Flags32}}}, // PPME_SYSCALL_MPROTECT_X
	102: {Name: "execveat", Dir: '>', Large: false, Params: []ParamInfo{{"dirfd", Fd}, {"pathname", FsRelPath}, {"flags", Flags32}}}, // PPME_SYSCALL_EXECVEAT_E
	103: {Name: "execveat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Uint64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"comm", CharBuf}, {"cgroups", ByteBuf}, {"env", ByteBuf}, {"tty", Uint32}, {"vpgid", Pid}, {"loginuid", UID}, {"flags", Flags32}, {"cap_inheritable", Uint64}, {"cap_permitted", Uint64}, {"cap_effective", Uint64}, {"exe_ino", Uint64}, {"exe_ino_ctime", AbsTime}, {"exe_ino_mtime", AbsTime}, {"uid", UID}, {"trusted_exepath", FsPath}, {"pgid", Pid}, {"gid", GID}}}, // PPME_SYSCALL_EXECVEAT_X
	104: {Name: "copy_file_range", Dir: '>', Large: false, Params: []ParamInfo{{"fdin", Fd}, {"offin", Uint64}, {"len", Uint64}}}, // PPME_SYSCALL_COPY_FILE_RANGE_E
	105: {Name: "copy_file_range", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fdout", Fd}, {"offout", Uint64}, {"fdin", Fd}, {"offin", Uint64}, {"len", Uint64}}}, // PPME_SYSCALL_COPY_FILE_RANGE_X
	106: {Name: "clone3", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_CLONE3_E
	107: {Name: "clone3", Dir: '<', Large: false, Params: []ParamInfo{{"res", Pid}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Int64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"comm", CharBuf}, {"cgroups", ByteBuf}, {"flags", Flags32}, {"uid", Uint32}, {"gid", Uint32}, {"vtid", Pid}, {"vpid", Pid}, {"pidns_init_start_ts", Uint64}}}, // PPME_SYSCALL_CLONE3_X
	108: {Name: "open_by_handle_at", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_OPEN_BY_HANDLE_AT_E
	109: {Name: "open_by_handle_at", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"mountfd", Fd}, {"flags", Flags32}, {"path", FsPath}, {"dev", Uint32}, {"ino", Uint64}}}, // PPME_SYSCALL_OPEN_BY_HANDLE_AT_X
	110: {Name: "io_uring_setup", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_IO_URING_SETUP_E
	111: {Name: "io_uring_setup", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"entries", Uint32}, {"sq_entries", Uint32}, {"cq_entries", Uint32}, {"flags", Flags32}, {"sq_thread_cpu", Uint32}, {"sq_thread_idle", Uint32}, {"features", Flags32}}}, // PPME_SYSCALL_IO_URING_SETUP_X
	112: {Name: "io_uring_enter", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_IO_URING_ENTER_E
	113: {Name: "io_uring_enter", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"to_submit", Uint32}, {"min_complete", Uint32}, {"flags", Flags32}, {"sig", SigSet}}}, // PPME_SYSCALL_IO_URING_ENTER_X
	114: {Name: "io_uring_register", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_IO_URING_REGISTER_E
	115: {Name: "io_uring_register", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"opcode", EnumFlags16}, {"arg", Uint64}, {"nr_args", Uint32}}}, // PPME_SYSCALL_IO_URING_REGISTER_X
	116: {Name: "mlock", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_MLOCK_E
	117: {Name: "mlock", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"addr", Uint64}, {"len", Uint64}}}, // PPME_SYSCALL_MLOCK_X
	118: {Name: "munlock", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_MUNLOCK_E
	119: {Name: "munlock", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"addr", Uint64}, {"len", Uint64}}}, // PPME_SYSCALL_MUNLOCK_X
	120: {Name: "mlockall", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_MLOCKALL_E
	121: {Name: "mlockall", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"flags", Flags32}}}, // PPME_SYSCALL_MLOCKALL_X
	122: {Name: "munlockall", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_MUNLOCKALL_E
	123: {Name: "munlockall", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}}}, // PPME_SYSCALL_MUNLOCKALL_X
	124: {Name: "capset", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_CAPSET_E
	125: {Name: "capset", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"cap_inheritable", Uint64}, {"cap_permitted", Uint64}, {"cap_effective", Uint64}}}, // PPME_SYSCALL_CAPSET_X
	126: {Name: "useradded", Dir: '>', Large: false, Params: []ParamInfo{{"uid", Uint32}, {"gid", Uint32}, {"name", CharBuf}, {"home", CharBuf}, {"shell", CharBuf}, {"container_id", CharBuf}}}, // PPME_USER_ADDED_E
	128: {Name: "userdeleted", Dir: '>', Large: false, Params: []ParamInfo{{"uid", Uint32}, {"gid", Uint32}, {"name", CharBuf}, {"home", CharBuf}, {"shell", CharBuf}, {"container_id", CharBuf}}}, // PPME_USER_DELETED_E
	130: {Name: "groupadded", Dir: '>', Large: false, Params: []ParamInfo{{"gid", Uint32}, {"name", CharBuf}, {"container_id", CharBuf}}}, // PPME_GROUP_ADDED_E
	132: {Name: "groupdeleted", Dir: '>', Large: false, Params: []ParamInfo{{"gid", Uint32}, {"name", CharBuf}, {"container_id", CharBuf}}}, // PPME_GROUP_DELETED_E
	134: {Name: "dup2", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}}}, // PPME_SYSCALL_DUP2_E
	135: {Name: "dup2", Dir: '<', Large: false, Params: []ParamInfo{{"res", Fd}, {"oldfd", Fd}, {"newfd", Fd}}}, // PPME_SYSCALL_DUP2_X
	136: {Name: "dup3", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}}}, // PPME_SYSCALL_DUP3_E
	137: {Name: "dup3", Dir: '<', Large: false, Params: []ParamInfo{{"res", Fd}, {"oldfd", Fd}, {"newfd", Fd}, {"flags", Flags32}}}, // PPME_SYSCALL_DUP3_X
	138: {Name: "dup", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}}}, // PPME_SYSCALL_DUP_1_E
	139: {Name: "dup", Dir: '<', Large: false, Params: []ParamInfo{{"res", Fd}, {"oldfd", Fd}}}, // PPME_SYSCALL_DUP_1_X
	140: {Name: "bpf", Dir: '>', Large: false, Params: []ParamInfo{{"cmd", Int64}}}, // PPME_SYSCALL_BPF_2_E
	141: {Name: "bpf", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"cmd", EnumFlags32}}}, // PPME_SYSCALL_BPF_2_X
	142: {Name: "mlock2", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_MLOCK2_E
	143: {Name: "mlock2", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"addr", Uint64}, {"len", Uint64}, {"flags", Flags32}}}, // PPME_SYSCALL_MLOCK2_X
	144: {Name: "fsconfig", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_FSCONFIG_E
	145: {Name: "fsconfig", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"cmd", EnumFlags32}, {"key", CharBuf}, {"value_bytebuf", ByteBuf}, {"value_charbuf", CharBuf}, {"aux", Int32}}}, // PPME_SYSCALL_FSCONFIG_X
	146: {Name: "epoll_create", Dir: '>', Large: false, Params: []ParamInfo{{"size", Int32}}}, // PPME_SYSCALL_EPOLL_CREATE_E
	147: {Name: "epoll_create", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"size", Int32}}}, // PPME_SYSCALL_EPOLL_CREATE_X
	148: {Name: "epoll_create1", Dir: '>', Large: false, Params: []ParamInfo{{"flags", Flags32}}}, // PPME_SYSCALL_EPOLL_CREATE1_E
	149: {Name: "epoll_create1", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"flags", Flags32}}}, // PPME_SYSCALL_EPOLL_CREATE1_X
	150: {Name: "chown", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_CHOWN_E
	151: {Name: "chown", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"path", FsPath}, {"uid", Uint32}, {"gid", Uint32}}}, // PPME_SYSCALL_CHOWN_X
	152: {Name: "lchown", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_LCHOWN_E
	153: {Name: "lchown", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"path", FsPath}, {"uid", Uint32}, {"gid", Uint32}}}, // PPME_SYSCALL_LCHOWN_X
	154: {Name: "fchown", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_FCHOWN_E
	155: {Name: "fchown", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"uid", Uint32}, {"gid", Uint32}}}, // PPME_SYSCALL_FCHOWN_X
	156: {Name: "fchownat", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_FCHOWNAT_E
	157: {Name: "fchownat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"dirfd", Fd}, {"pathname", FsRelPath}, {"uid", Uint32}, {"gid", Uint32}, {"flags", Flags32}}}, // PPME_SYSCALL_FCHOWNAT_X
	158: {Name: "umount", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_UMOUNT_1_E
	159: {Name: "umount", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"name", FsPath}}}, // PPME_SYSCALL_UMOUNT_1_X
	160: {Name: "accept4", Dir: '>', Large: false, Params: []ParamInfo{{"flags", Int32}}}, // PPME_SOCKET_ACCEPT4_6_E
	161: {Name: "accept4", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"tuple", SockTuple}, {"queuepct", Uint8}, {"queuelen", Uint32}, {"queuemax", Uint32}, {"flags", Int32}}}, // PPME_SOCKET_ACCEPT4_6_X
	162: {Name: "umount2", Dir: '>', Large: false, Params: []ParamInfo{{"flags", Flags32}}}, // PPME_SYSCALL_UMOUNT2_E
	163: {Name: "umount2", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"name", FsPath}, {"flags", Flags32}}}, // PPME_SYSCALL_UMOUNT2_X
	164: {Name: "pipe2", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_PIPE2_E
	165: {Name: "pipe2", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd1", Fd}, {"fd2", Fd}, {"ino", Uint64}, {"flags", Flags32}}}, // PPME_SYSCALL_PIPE2_X
	166: {Name: "inotify_init1", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_INOTIFY_INIT1_E
	167: {Name: "inotify_init1", Dir: '<', Large: false, Params: []ParamInfo{{"res", Fd}, {"flags", Flags16}}}, // PPME_SYSCALL_INOTIFY_INIT1_X
	168: {Name: "eventfd2", Dir: '>', Large: false, Params: []ParamInfo{{"initval", Uint64}}}, // PPME_SYSCALL_EVENTFD2_E
	169: {Name: "eventfd2", Dir: '<', Large: false, Params: []ParamInfo{{"res", Fd}, {"flags", Flags16}, {"initval", Uint64}}}, // PPME_SYSCALL_EVENTFD2_X
	170: {Name: "signalfd4", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"mask", Uint32}}}, // PPME_SYSCALL_SIGNALFD4_E
	171: {Name: "signalfd4", Dir: '<', Large: false, Params: []ParamInfo{{"res", Fd}, {"flags", Flags16}, {"fd", Fd}, {"mask", Uint32}}}, // PPME_SYSCALL_SIGNALFD4_X
	172: {Name: "prctl", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_PRCTL_E
	173: {Name: "prctl", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"option", EnumFlags32}, {"arg2_str", CharBuf}, {"arg2_int", Int64}}}, // PPME_SYSCALL_PRCTL_X
	174: {Name: "asyncevent", Dir: '>', Large: true, Params: []ParamInfo{{"plugin_id", Uint32}, {"name", CharBuf}, {"data", ByteBuf}}}, // PPME_ASYNCEVENT_E
	176: {Name: "memfd_create", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_MEMFD_CREATE_E
	177: {Name: "memfd_create", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"name", CharBuf}, {"flags", Flags32}}}, // PPME_SYSCALL_MEMFD_CREATE_X
	178: {Name: "pidfd_getfd", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_PIDFD_GETFD_E
	179: {Name: "pidfd_getfd", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"pid_fd", Fd}, {"target_fd", Fd}, {"flags", Uint32}}}, // PPME_SYSCALL_PIDFD_GETFD_X
	180: {Name: "pidfd_open", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_PIDFD_OPEN_E
	181: {Name: "pidfd_open", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"pid", Pid}, {"flags", Flags32}}}, // PPME_SYSCALL_PIDFD_OPEN_X
	182: {Name: "init_module", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_INIT_MODULE_E
	183: {Name: "init_module", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"img", ByteBuf}, {"length", Uint64}, {"uargs", CharBuf}}}, // PPME_SYSCALL_INIT_MODULE_X
	184: {Name: "finit_module", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_FINIT_MODULE_E
	185: {Name: "finit_module", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"uargs", CharBuf}, {"flags", Flags32}}}, // PPME_SYSCALL_FINIT_MODULE_X
	186: {Name: "mknod", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_MKNOD_E
	187: {Name: "mknod", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"path", FsPath}, {"mode", Mode}, {"dev", Uint32}}}, // PPME_SYSCALL_MKNOD_X
	188: {Name: "mknodat", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_MKNODAT_E
	189: {Name: "mknodat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"dirfd", Fd}, {"path", FsRelPath}, {"mode", Mode}, {"dev", Uint32}}}, // PPME_SYSCALL_MKNODAT_X
	190: {Name: "newfstatat", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_NEWFSTATAT_E
	191: {Name: "newfstatat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"dirfd", Fd}, {"path", FsRelPath}, {"flags", Flags32}}}, // PPME_SYSCALL_NEWFSTATAT_X
	192: {Name: "process_vm_readv", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_PROCESS_VM_READV_E
	193: {Name: "process_vm_readv", Dir: '<', Large: false, Params: []ParamInfo{{"res", Int64}, {"pid", Pid}, {"data", ByteBuf}}}, // PPME_SYSCALL_PROCESS_VM_READV_X
	194: {Name: "process_vm_writev", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_PROCESS_VM_WRITEV_E
	195: {Name: "process_vm_writev", Dir: '<', Large: false, Params: []ParamInfo{{"res", Int64}, {"pid", Pid}, {"data", ByteBuf}}}, // PPME_SYSCALL_PROCESS_VM_WRITEV_X
	196: {Name: "delete_module", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_DELETE_MODULE_E
	197: {Name: "delete_module", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"name", CharBuf}, {"flags", Flags32}}}, // PPME_SYSCALL_DELETE_MODULE_X
	198: {Name: "setreuid", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_SETREUID_E
	199: {Name: "setreuid", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"ruid", UID}, {"euid", UID}}}, // PPME_SYSCALL_SETREUID_X
	200: {Name: "setregid", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_SETREGID_E
	201: {Name: "setregid", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"rgid", UID}, {"egid", UID}}}, // PPME_SYSCALL_SETREGID_X
	202: {Name: "task", Dir: '>', Large: false, Params: []ParamInfo{{"ppid", Pid32}, {"pgid", Pid32}, {"vpgid", Pid32}, {"sid", Pid32}, {"comm", CharBuf}, {"argv", CharBufArray}, {"exepath", FsPath}, {"flags", Flags32}, {"env", CharBufArray}, {"cwd", CharBuf}, {"fdlimit", Uint64}, {"euid", UID}, {"egid", GID}, {"cap_permitted", Uint64}, {"cap_effective", Uint64}, {"cap_inheritable", Uint64}, {"exe_ino_num", Uint64}, {"exe_ino_ctime", AbsTime}, {"exe_ino_mtime", AbsTime}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vtgid", Pid32}, {"vpid", Pid32}, {"pidns_init_start_ts", Uint64}, {"cgroups", CharBufArray}, {"root", FsPath}, {"start_time", AbsTime}, {"tty", Uint32}, {"loginuid", UID}}}, // PPME_ITER_TASK_E
	204: {Name: "task_file_pipe", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd32}, {"path", FsPath}, {"ino_num", Uint64}}}, // PPME_ITER_TASK_FILE_PIPE_E
	206: {Name: "task_file_memfd", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd32}, {"path", FsPath}, {"ino_num", Uint64}}}, // PPME_ITER_TASK_FILE_MEMFD_E
	208: {Name: "task_file_regular", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd32}, {"path", FsPath}, {"flags", Flags32}, {"mnt_id", Uint32}, {"ino_num", Uint64}}}, // PPME_ITER_TASK_FILE_REGULAR_E
	210: {Name: "task_file_directory", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd32}, {"path", FsPath}, {"ino_num", Uint64}}}, // PPME_ITER_TASK_FILE_DIRECTORY_E
	212: {Name: "task_file_socket_inet", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd32}, {"sk_type", Uint16}, {"sk_proto", Uint16}, {"local_ip", IPv4Addr}, {"local_port", Port}, {"remote_ip", IPv4Addr}, {"remote_port", Port}, {"ino_num", Uint64}}}, // PPME_ITER_TASK_FILE_SOCKET_INET_E
	214: {Name: "task_file_socket_inet6", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd32}, {"sk_type", Uint16}, {"sk_proto", Uint16}, {"local_ip", IPv6Addr}, {"local_port", Port}, {"remote_ip", IPv6Addr}, {"remote_port", Port}, {"ino_num", Uint64}}}, // PPME_ITER_TASK_FILE_SOCKET_INET6_E
	216: {Name: "task_file_socket_unix", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd32}, {"sk_type", Uint16}, {"sk_proto", Uint16}, {"sk_pointer", Uint64}, {"sun_path", FsPath}, {"ino_num", Uint64}}}, // PPME_ITER_TASK_FILE_SOCKET_UNIX_E
	218: {Name: "task_file_socket_netlink", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd32}, {"sk_type", Uint16}, {"sk_proto", Uint16}, {"ino_num", Uint64}}}, // PPME_ITER_TASK_FILE_SOCKET_NETLINK_E
	220: {Name: "task_file_anon_inode", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd32}, {"fd_type", Flags8}, {"path", FsPath}, {"ino_num", Uint64}}}, // PPME_ITER_TASK_FILE_ANON_INODE_E
	223: {Name: "close_range", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"first", Uint32}, {"last", Uint32}, {"flags", Flags32}}}, // PPME_SYSCALL_CLOSE_RANGE_X
	225: {Name: "keyctl", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"operation", EnumFlags32}, {"arg2", Dyn}, {"arg3", Dyn}, {"arg4", Dyn}, {"arg5", Dyn}}}, // PPME_SYSCALL_KEYCTL_X
}
