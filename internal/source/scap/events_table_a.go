// Code generated from the public libscap event table (facts only: names, directions, parameter lists); DO NOT EDIT BY HAND.

package scap

// eventTableLo holds the schema of event types 0..227.
var eventTableLo = [228]Info{
	0: {Name: "syscall", Dir: '>', Large: false, Params: []ParamInfo{{"ID", SyscallID}, {"nativeID", Uint16}}}, // PPME_GENERIC_E
	1: {Name: "syscall", Dir: '<', Large: false, Params: []ParamInfo{{"ID", SyscallID}, {"nativeID", Uint16}}}, // PPME_GENERIC_X
	2: {Name: "open", Dir: '>', Large: false, Params: []ParamInfo{{"name", FsPath}, {"flags", Flags32}, {"mode", Uint32}}}, // PPME_SYSCALL_OPEN_E
	3: {Name: "open", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"name", FsPath}, {"flags", Flags32}, {"mode", Uint32}, {"dev", Uint32}, {"ino", Uint64}}}, // PPME_SYSCALL_OPEN_X
	4: {Name: "close", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}}}, // PPME_SYSCALL_CLOSE_E
	5: {Name: "close", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}}}, // PPME_SYSCALL_CLOSE_X
	6: {Name: "read", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"size", Uint32}}}, // PPME_SYSCALL_READ_E
	7: {Name: "read", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"data", ByteBuf}, {"fd", Fd}, {"size", Uint32}}}, // PPME_SYSCALL_READ_X
	8: {Name: "write", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"size", Uint32}}}, // PPME_SYSCALL_WRITE_E
	9: {Name: "write", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"data", ByteBuf}, {"fd", Fd}, {"size", Uint32}}}, // PPME_SYSCALL_WRITE_X
	10: {Name: "brk", Dir: '>', Large: false, Params: []ParamInfo{{"size", Uint32}}}, // PPME_SYSCALL_BRK_1_E
	11: {Name: "brk", Dir: '<', Large: false, Params: []ParamInfo{{"res", Uint64}}}, // PPME_SYSCALL_BRK_1_X
	12: {Name: "execve", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_EXECVE_8_E
	13: {Name: "execve", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Uint64}}}, // PPME_SYSCALL_EXECVE_8_X
	14: {Name: "clone", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_CLONE_11_E
	15: {Name: "clone", Dir: '<', Large: false, Params: []ParamInfo{{"res", Pid}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Int64}, {"flags", Flags32}, {"uid", Uint32}, {"gid", Uint32}}}, // PPME_SYSCALL_CLONE_11_X
	16: {Name: "procexit", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_PROCEXIT_E
	18: {Name: "socket", Dir: '>', Large: false, Params: []ParamInfo{{"domain", EnumFlags32}, {"type", Uint32}, {"proto", Uint32}}}, // PPME_SOCKET_SOCKET_E
	19: {Name: "socket", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"domain", EnumFlags32}, {"type", Uint32}, {"proto", Uint32}, {"flags", Flags32}}}, // PPME_SOCKET_SOCKET_X
	20: {Name: "bind", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}}}, // PPME_SOCKET_BIND_E
	21: {Name: "bind", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"addr", SockAddr}, {"fd", Fd}}}, // PPME_SOCKET_BIND_X
	22: {Name: "connect", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"addr", SockAddr}}}, // PPME_SOCKET_CONNECT_E
	23: {Name: "connect", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"tuple", SockTuple}, {"fd", Fd}, {"addr", SockAddr}}}, // PPME_SOCKET_CONNECT_X
	24: {Name: "listen", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"backlog", Int32}}}, // PPME_SOCKET_LISTEN_E
	25: {Name: "listen", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"backlog", Int32}}}, // PPME_SOCKET_LISTEN_X
	26: {Name: "accept", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SOCKET_ACCEPT_E
	27: {Name: "accept", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"tuple", SockTuple}, {"queuepct", Uint8}}}, // PPME_SOCKET_ACCEPT_X
	28: {Name: "send", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"size", Uint32}}}, // PPME_SOCKET_SEND_E
	29: {Name: "send", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"data", ByteBuf}, {"fd", Fd}, {"size", Uint32}, {"tuple", SockTuple}}}, // PPME_SOCKET_SEND_X
	30: {Name: "sendto", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"size", Uint32}, {"tuple", SockTuple}}}, // PPME_SOCKET_SENDTO_E
	31: {Name: "sendto", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"data", ByteBuf}, {"fd", Fd}, {"size", Uint32}, {"tuple", SockTuple}}}, // PPME_SOCKET_SENDTO_X
	32: {Name: "recv", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"size", Uint32}}}, // PPME_SOCKET_RECV_E
	33: {Name: "recv", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"data", ByteBuf}, {"fd", Fd}, {"size", Uint32}, {"tuple", SockTuple}}}, // PPME_SOCKET_RECV_X
	34: {Name: "recvfrom", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"size", Uint32}}}, // PPME_SOCKET_RECVFROM_E
	35: {Name: "recvfrom", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"data", ByteBuf}, {"tuple", SockTuple}, {"fd", Fd}, {"size", Uint32}}}, // PPME_SOCKET_RECVFROM_X
	36: {Name: "shutdown", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"how", EnumFlags8}}}, // PPME_SOCKET_SHUTDOWN_E
	37: {Name: "shutdown", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"how", EnumFlags8}}}, // PPME_SOCKET_SHUTDOWN_X
	38: {Name: "getsockname", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SOCKET_GETSOCKNAME_E
	39: {Name: "getsockname", Dir: '<', Large: false, Params: []ParamInfo{}}, // PPME_SOCKET_GETSOCKNAME_X
	40: {Name: "getpeername", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SOCKET_GETPEERNAME_E
	41: {Name: "getpeername", Dir: '<', Large: false, Params: []ParamInfo{}}, // PPME_SOCKET_GETPEERNAME_X
	42: {Name: "socketpair", Dir: '>', Large: false, Params: []ParamInfo{{"domain", EnumFlags32}, {"type", Uint32}, {"proto", Uint32}}}, // PPME_SOCKET_SOCKETPAIR_E
	43: {Name: "socketpair", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd1", Fd}, {"fd2", Fd}, {"source", Uint64}, {"peer", Uint64}, {"domain", EnumFlags32}, {"type", Uint32}, {"proto", Uint32}}}, // PPME_SOCKET_SOCKETPAIR_X
	44: {Name: "setsockopt", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SOCKET_SETSOCKOPT_E
	45: {Name: "setsockopt", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"level", EnumFlags8}, {"optname", EnumFlags8}, {"val", Dyn}, {"optlen", Uint32}}}, // PPME_SOCKET_SETSOCKOPT_X
	46: {Name: "getsockopt", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SOCKET_GETSOCKOPT_E
	47: {Name: "getsockopt", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"level", EnumFlags8}, {"optname", EnumFlags8}, {"val", Dyn}, {"optlen", Uint32}}}, // PPME_SOCKET_GETSOCKOPT_X
	48: {Name: "sendmsg", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"size", Uint32}, {"tuple", SockTuple}}}, // PPME_SOCKET_SENDMSG_E
	49: {Name: "sendmsg", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"data", ByteBuf}, {"fd", Fd}, {"size", Uint32}, {"tuple", SockTuple}}}, // PPME_SOCKET_SENDMSG_X
	50: {Name: "sendmmsg", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SOCKET_SENDMMSG_E
	51: {Name: "sendmmsg", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"size", Uint32}, {"data", ByteBuf}, {"tuple", SockTuple}}}, // PPME_SOCKET_SENDMMSG_X
	52: {Name: "recvmsg", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}}}, // PPME_SOCKET_RECVMSG_E
	53: {Name: "recvmsg", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"size", Uint32}, {"data", ByteBuf}, {"tuple", SockTuple}, {"msgcontrol", ByteBuf}, {"fd", Fd}}}, // PPME_SOCKET_RECVMSG_X
	54: {Name: "recvmmsg", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SOCKET_RECVMMSG_E
	55: {Name: "recvmmsg", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"size", Uint32}, {"data", ByteBuf}, {"tuple", SockTuple}, {"msgcontrol", ByteBuf}}}, // PPME_SOCKET_RECVMMSG_X
	56: {Name: "accept", Dir: '>', Large: false, Params: []ParamInfo{{"flags", Int32}}}, // PPME_SOCKET_ACCEPT4_E
	57: {Name: "accept", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"tuple", SockTuple}, {"queuepct", Uint8}}}, // PPME_SOCKET_ACCEPT4_X
	58: {Name: "creat", Dir: '>', Large: false, Params: []ParamInfo{{"name", FsPath}, {"mode", Uint32}}}, // PPME_SYSCALL_CREAT_E
	59: {Name: "creat", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}, {"name", FsPath}, {"mode", Uint32}, {"dev", Uint32}, {"ino", Uint64}, {"creat_flags", Flags16}}}, // PPME_SYSCALL_CREAT_X
	60: {Name: "pipe", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_PIPE_E
	61: {Name: "pipe", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd1", Fd}, {"fd2", Fd}, {"ino", Uint64}}}, // PPME_SYSCALL_PIPE_X
	62: {Name: "eventfd", Dir: '>', Large: false, Params: []ParamInfo{{"initval", Uint64}, {"flags", Uint32}}}, // PPME_SYSCALL_EVENTFD_E
	63: {Name: "eventfd", Dir: '<', Large: false, Params: []ParamInfo{{"res", Fd}, {"initval", Uint64}, {"flags", Uint32}}}, // PPME_SYSCALL_EVENTFD_X
	64: {Name: "futex", Dir: '>', Large: false, Params: []ParamInfo{{"addr", Uint64}, {"op", Flags16}, {"val", Uint64}}}, // PPME_SYSCALL_FUTEX_E
	65: {Name: "futex", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"addr", Uint64}, {"op", Flags16}, {"val", Uint64}}}, // PPME_SYSCALL_FUTEX_X
	66: {Name: "stat", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_STAT_E
	67: {Name: "stat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"path", FsPath}}}, // PPME_SYSCALL_STAT_X
	68: {Name: "lstat", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_LSTAT_E
	69: {Name: "lstat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"path", FsPath}}}, // PPME_SYSCALL_LSTAT_X
	70: {Name: "fstat", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}}}, // PPME_SYSCALL_FSTAT_E
	71: {Name: "fstat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}}}, // PPME_SYSCALL_FSTAT_X
	72: {Name: "stat64", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_STAT64_E
	73: {Name: "stat64", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"path", FsPath}}}, // PPME_SYSCALL_STAT64_X
	74: {Name: "lstat64", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_LSTAT64_E
	75: {Name: "lstat64", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"path", FsPath}}}, // PPME_SYSCALL_LSTAT64_X
	76: {Name: "fstat64", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}}}, // PPME_SYSCALL_FSTAT64_E
	77: {Name: "fstat64", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}}}, // PPME_SYSCALL_FSTAT64_X
	78: {Name: "epoll_wait", Dir: '>', Large: false, Params: []ParamInfo{{"maxevents", Errno}}}, // PPME_SYSCALL_EPOLLWAIT_E
	79: {Name: "epoll_wait", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"maxevents", Errno}}}, // PPME_SYSCALL_EPOLLWAIT_X
	80: {Name: "poll", Dir: '>', Large: false, Params: []ParamInfo{{"fds", FdList}, {"timeout", Int64}}}, // PPME_SYSCALL_POLL_E
	81: {Name: "poll", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fds", FdList}, {"timeout", Int64}}}, // PPME_SYSCALL_POLL_X
	82: {Name: "select", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_SELECT_E
	83: {Name: "select", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}}}, // PPME_SYSCALL_SELECT_X
	84: {Name: "select", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_NEWSELECT_E
	85: {Name: "select", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}}}, // PPME_SYSCALL_NEWSELECT_X
	86: {Name: "lseek", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"offset", Uint64}, {"whence", EnumFlags8}}}, // PPME_SYSCALL_LSEEK_E
	87: {Name: "lseek", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"offset", Uint64}, {"whence", EnumFlags8}}}, // PPME_SYSCALL_LSEEK_X
	88: {Name: "llseek", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"offset", Uint64}, {"whence", EnumFlags8}}}, // PPME_SYSCALL_LLSEEK_E
	89: {Name: "llseek", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"offset", Uint64}, {"whence", EnumFlags8}}}, // PPME_SYSCALL_LLSEEK_X
	90: {Name: "ioctl", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"request", Uint64}}}, // PPME_SYSCALL_IOCTL_2_E
	91: {Name: "ioctl", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}}}, // PPME_SYSCALL_IOCTL_2_X
	92: {Name: "getcwd", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_GETCWD_E
	93: {Name: "getcwd", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"path", CharBuf}}}, // PPME_SYSCALL_GETCWD_X
	94: {Name: "chdir", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_CHDIR_E
	95: {Name: "chdir", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"path", CharBuf}}}, // PPME_SYSCALL_CHDIR_X
	96: {Name: "fchdir", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}}}, // PPME_SYSCALL_FCHDIR_E
	97: {Name: "fchdir", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}}}, // PPME_SYSCALL_FCHDIR_X
	98: {Name: "mkdir", Dir: '>', Large: false, Params: []ParamInfo{{"path", FsPath}, {"mode", Uint32}}}, // PPME_SYSCALL_MKDIR_E
	99: {Name: "mkdir", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}}}, // PPME_SYSCALL_MKDIR_X
	100: {Name: "rmdir", Dir: '>', Large: false, Params: []ParamInfo{{"path", FsPath}}}, // PPME_SYSCALL_RMDIR_E
	101: {Name: "rmdir", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}}}, // PPME_SYSCALL_RMDIR_X
	102: {Name: "openat", Dir: '>', Large: false, Params: []ParamInfo{{"dirfd", Fd}, {"name", CharBuf}, {"flags", Flags32}, {"mode", Uint32}}}, // PPME_SYSCALL_OPENAT_E
	103: {Name: "openat", Dir: '<', Large: false, Params: []ParamInfo{{"fd", Fd}}}, // PPME_SYSCALL_OPENAT_X
	104: {Name: "link", Dir: '>', Large: false, Params: []ParamInfo{{"oldpath", FsPath}, {"newpath", FsPath}}}, // PPME_SYSCALL_LINK_E
	105: {Name: "link", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}}}, // PPME_SYSCALL_LINK_X
	106: {Name: "linkat", Dir: '>', Large: false, Params: []ParamInfo{{"olddir", Fd}, {"oldpath", CharBuf}, {"newdir", Fd}, {"newpath", CharBuf}}}, // PPME_SYSCALL_LINKAT_E
	107: {Name: "linkat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}}}, // PPME_SYSCALL_LINKAT_X
	108: {Name: "unlink", Dir: '>', Large: false, Params: []ParamInfo{{"path", FsPath}}}, // PPME_SYSCALL_UNLINK_E
	109: {Name: "unlink", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}}}, // PPME_SYSCALL_UNLINK_X
	110: {Name: "unlinkat", Dir: '>', Large: false, Params: []ParamInfo{{"dirfd", Fd}, {"name", CharBuf}}}, // PPME_SYSCALL_UNLINKAT_E
	111: {Name: "unlinkat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}}}, // PPME_SYSCALL_UNLINKAT_X
	112: {Name: "pread", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"size", Uint32}, {"pos", Uint64}}}, // PPME_SYSCALL_PREAD_E
	113: {Name: "pread", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"data", ByteBuf}, {"fd", Fd}, {"size", Uint32}, {"pos", Uint64}}}, // PPME_SYSCALL_PREAD_X
	114: {Name: "pwrite", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"size", Uint32}, {"pos", Uint64}}}, // PPME_SYSCALL_PWRITE_E
	115: {Name: "pwrite", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"data", ByteBuf}, {"fd", Fd}, {"size", Uint32}, {"pos", Uint64}}}, // PPME_SYSCALL_PWRITE_X
	116: {Name: "readv", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}}}, // PPME_SYSCALL_READV_E
	117: {Name: "readv", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"size", Uint32}, {"data", ByteBuf}, {"fd", Fd}}}, // PPME_SYSCALL_READV_X
	118: {Name: "writev", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"size", Uint32}}}, // PPME_SYSCALL_WRITEV_E
	119: {Name: "writev", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"data", ByteBuf}, {"fd", Fd}, {"size", Uint32}}}, // PPME_SYSCALL_WRITEV_X
	120: {Name: "preadv", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"pos", Uint64}}}, // PPME_SYSCALL_PREADV_E
	121: {Name: "preadv", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"size", Uint32}, {"data", ByteBuf}, {"fd", Fd}, {"pos", Uint64}}}, // PPME_SYSCALL_PREADV_X
	122: {Name: "pwritev", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"size", Uint32}, {"pos", Uint64}}}, // PPME_SYSCALL_PWRITEV_E
	123: {Name: "pwritev", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"data", ByteBuf}, {"fd", Fd}, {"size", Uint32}, {"pos", Uint64}}}, // PPME_SYSCALL_PWRITEV_X
	124: {Name: "dup", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}}}, // PPME_SYSCALL_DUP_E
	125: {Name: "dup", Dir: '<', Large: false, Params: []ParamInfo{{"res", Fd}}}, // PPME_SYSCALL_DUP_X
	126: {Name: "signalfd", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"mask", Uint32}, {"flags", Uint8}}}, // PPME_SYSCALL_SIGNALFD_E
	127: {Name: "signalfd", Dir: '<', Large: false, Params: []ParamInfo{{"res", Fd}, {"fd", Fd}, {"mask", Uint32}, {"flags", Uint8}}}, // PPME_SYSCALL_SIGNALFD_X
	128: {Name: "kill", Dir: '>', Large: false, Params: []ParamInfo{{"pid", Pid}, {"sig", SigType}}}, // PPME_SYSCALL_KILL_E
	129: {Name: "kill", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"pid", Pid}, {"sig", SigType}}}, // PPME_SYSCALL_KILL_X
	130: {Name: "tkill", Dir: '>', Large: false, Params: []ParamInfo{{"tid", Pid}, {"sig", SigType}}}, // PPME_SYSCALL_TKILL_E
	131: {Name: "tkill", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"tid", Pid}, {"sig", SigType}}}, // PPME_SYSCALL_TKILL_X
	132: {Name: "tgkill", Dir: '>', Large: false, Params: []ParamInfo{{"pid", Pid}, {"tid", Pid}, {"sig", SigType}}}, // PPME_SYSCALL_TGKILL_E
	133: {Name: "tgkill", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"pid", Pid}, {"tid", Pid}, {"sig", SigType}}}, // PPME_SYSCALL_TGKILL_X
	134: {Name: "nanosleep", Dir: '>', Large: false, Params: []ParamInfo{{"interval", RelTime}}}, // PPME_SYSCALL_NANOSLEEP_E
	135: {Name: "nanosleep", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"interval", RelTime}}}, // PPME_SYSCALL_NANOSLEEP_X
	136: {Name: "timerfd_create", Dir: '>', Large: false, Params: []ParamInfo{{"clockid", Uint8}, {"flags", Uint8}}}, // PPME_SYSCALL_TIMERFD_CREATE_E
	137: {Name: "timerfd_create", Dir: '<', Large: false, Params: []ParamInfo{{"res", Fd}, {"clockid", Uint8}, {"flags", Uint8}}}, // PPME_SYSCALL_TIMERFD_CREATE_X
	138: {Name: "inotify_init", Dir: '>', Large: false, Params: []ParamInfo{{"flags", Uint8}}}, // PPME_SYSCALL_INOTIFY_INIT_E
	139: {Name: "inotify_init", Dir: '<', Large: false, Params: []ParamInfo{{"res", Fd}, {"flags", Uint8}}}, // PPME_SYSCALL_INOTIFY_INIT_X
	140: {Name: "getrlimit", Dir: '>', Large: false, Params: []ParamInfo{{"resource", EnumFlags8}}}, // PPME_SYSCALL_GETRLIMIT_E
	141: {Name: "getrlimit", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"cur", Int64}, {"max", Int64}, {"resource", EnumFlags8}}}, // PPME_SYSCALL_GETRLIMIT_X
	142: {Name: "setrlimit", Dir: '>', Large: false, Params: []ParamInfo{{"resource", EnumFlags8}}}, // PPME_SYSCALL_SETRLIMIT_E
	143: {Name: "setrlimit", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"cur", Int64}, {"max", Int64}, {"resource", EnumFlags8}}}, // PPME_SYSCALL_SETRLIMIT_X
	144: {Name: "prlimit", Dir: '>', Large: false, Params: []ParamInfo{{"pid", Pid}, {"resource", EnumFlags8}}}, // PPME_SYSCALL_PRLIMIT_E
	145: {Name: "prlimit", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"newcur", Int64}, {"newmax", Int64}, {"oldcur", Int64}, {"oldmax", Int64}, {"pid", Int64}, {"resource", EnumFlags8}}}, // PPME_SYSCALL_PRLIMIT_X
	146: {Name: "switch", Dir: '>', Large: false, Params: []ParamInfo{{"next", Pid}}}, // PPME_SCHEDSWITCH_1_E
	148: {Name: "drop", Dir: '>', Large: false, Params: []ParamInfo{{"ratio", Uint32}}}, // PPME_DROP_E
	149: {Name: "drop", Dir: '<', Large: false, Params: []ParamInfo{{"ratio", Uint32}}}, // PPME_DROP_X
	150: {Name: "fcntl", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"cmd", EnumFlags8}}}, // PPME_SYSCALL_FCNTL_E
	151: {Name: "fcntl", Dir: '<', Large: false, Params: []ParamInfo{{"res", Fd}, {"fd", Fd}, {"cmd", EnumFlags8}, {"arg", Uint64}}}, // PPME_SYSCALL_FCNTL_X
	152: {Name: "switch", Dir: '>', Large: false, Params: []ParamInfo{{"next", Pid}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}}}, // PPME_SCHEDSWITCH_6_E
	154: {Name: "execve", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_EXECVE_13_E
	155: {Name: "execve", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Uint64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}}}, // PPME_SYSCALL_EXECVE_13_X
	156: {Name: "clone", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_CLONE_16_E
	157: {Name: "clone", Dir: '<', Large: false, Params: []ParamInfo{{"res", Pid}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Int64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"flags", Flags32}, {"uid", Uint32}, {"gid", Uint32}}}, // PPME_SYSCALL_CLONE_16_X
	158: {Name: "brk", Dir: '>', Large: false, Params: []ParamInfo{{"addr", Uint64}}}, // PPME_SYSCALL_BRK_4_E
	159: {Name: "brk", Dir: '<', Large: false, Params: []ParamInfo{{"res", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"addr", Uint64}}}, // PPME_SYSCALL_BRK_4_X
	160: {Name: "mmap", Dir: '>', Large: false, Params: []ParamInfo{{"addr", Uint64}, {"length", Uint64}, {"prot", Flags32}, {"flags", Flags32}, {"fd", Fd}, {"offset", Uint64}}}, // PPME_SYSCALL_MMAP_E
	161: {Name: "mmap", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"addr", Uint64}, {"length", Uint64}, {"prot", Flags32}, {"flags", Flags32}, {"fd", Fd}, {"offset", Uint64}}}, // PPME_SYSCALL_MMAP_X
	162: {Name: "mmap2", Dir: '>', Large: false, Params: []ParamInfo{{"addr", Uint64}, {"length", Uint64}, {"prot", Flags32}, {"flags", Flags32}, {"fd", Fd}, {"pgoffset", Uint64}}}, // PPME_SYSCALL_MMAP2_E
	163: {Name: "mmap2", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"addr", Uint64}, {"length", Uint64}, {"prot", Flags32}, {"flags", Flags32}, {"fd", Fd}, {"pgoffset", Uint64}}}, // PPME_SYSCALL_MMAP2_X
	164: {Name: "munmap", Dir: '>', Large: false, Params: []ParamInfo{{"addr", Uint64}, {"length", Uint64}}}, // PPME_SYSCALL_MUNMAP_E
	165: {Name: "munmap", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"addr", Uint64}, {"length", Uint64}}}, // PPME_SYSCALL_MUNMAP_X
	166: {Name: "splice", Dir: '>', Large: false, Params: []ParamInfo{{"fd_in", Fd}, {"fd_out", Fd}, {"size", Uint64}, {"flags", Flags32}}}, // PPME_SYSCALL_SPLICE_E
	167: {Name: "splice", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd_in", Fd}, {"fd_out", Fd}, {"size", Uint64}, {"flags", Flags32}}}, // PPME_SYSCALL_SPLICE_X
	168: {Name: "ptrace", Dir: '>', Large: false, Params: []ParamInfo{{"request", EnumFlags16}, {"pid", Pid}}}, // PPME_SYSCALL_PTRACE_E
	169: {Name: "ptrace", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"addr", Dyn}, {"data", Dyn}, {"request", EnumFlags16}, {"pid", Pid}}}, // PPME_SYSCALL_PTRACE_X
	170: {Name: "ioctl", Dir: '>', Large: false, Params: []ParamInfo{{"fd", Fd}, {"request", Uint64}, {"argument", Uint64}}}, // PPME_SYSCALL_IOCTL_3_E
	171: {Name: "ioctl", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"fd", Fd}, {"request", Uint64}, {"argument", Uint64}}}, // PPME_SYSCALL_IOCTL_3_X
	172: {Name: "execve", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_EXECVE_14_E
	173: {Name: "execve", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Uint64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"env", ByteBuf}}}, // PPME_SYSCALL_EXECVE_14_X
	174: {Name: "rename", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_RENAME_E
	175: {Name: "rename", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"oldpath", FsPath}, {"newpath", FsPath}}}, // PPME_SYSCALL_RENAME_X
	176: {Name: "renameat", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_RENAMEAT_E
	177: {Name: "renameat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"olddirfd", Fd}, {"oldpath", FsRelPath}, {"newdirfd", Fd}, {"newpath", FsRelPath}}}, // PPME_SYSCALL_RENAMEAT_X
	178: {Name: "symlink", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_SYMLINK_E
	179: {Name: "symlink", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"target", CharBuf}, {"linkpath", FsPath}}}, // PPME_SYSCALL_SYMLINK_X
	180: {Name: "symlinkat", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_SYMLINKAT_E
	181: {Name: "symlinkat", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"target", CharBuf}, {"linkdirfd", Fd}, {"linkpath", FsRelPath}}}, // PPME_SYSCALL_SYMLINKAT_X
	182: {Name: "fork", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_FORK_E
	183: {Name: "fork", Dir: '<', Large: false, Params: []ParamInfo{{"res", Pid}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Int64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"flags", Flags32}, {"uid", Uint32}, {"gid", Uint32}}}, // PPME_SYSCALL_FORK_X
	184: {Name: "vfork", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_VFORK_E
	185: {Name: "vfork", Dir: '<', Large: false, Params: []ParamInfo{{"res", Pid}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Int64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"flags", Flags32}, {"uid", Uint32}, {"gid", Uint32}}}, // PPME_SYSCALL_VFORK_X
	186: {Name: "procexit", Dir: '>', Large: false, Params: []ParamInfo{{"status", Errno}, {"ret", Errno}, {"sig", SigType}, {"core", Uint8}, {"reaper_tid", Pid}}}, // PPME_PROCEXIT_1_E
	188: {Name: "sendfile", Dir: '>', Large: false, Params: []ParamInfo{{"out_fd", Fd}, {"in_fd", Fd}, {"offset", Uint64}, {"size", Uint64}}}, // PPME_SYSCALL_SENDFILE_E
	189: {Name: "sendfile", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"offset", Uint64}, {"out_fd", Fd}, {"in_fd", Fd}, {"size", Uint64}}}, // PPME_SYSCALL_SENDFILE_X
	190: {Name: "quotactl", Dir: '>', Large: false, Params: []ParamInfo{{"cmd", Flags16}, {"type", Flags8}, {"id", Uint32}, {"quota_fmt", Flags8}}}, // PPME_SYSCALL_QUOTACTL_E
	191: {Name: "quotactl", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"special", CharBuf}, {"quotafilepath", CharBuf}, {"dqb_bhardlimit", Uint64}, {"dqb_bsoftlimit", Uint64}, {"dqb_curspace", Uint64}, {"dqb_ihardlimit", Uint64}, {"dqb_isoftlimit", Uint64}, {"dqb_btime", RelTime}, {"dqb_itime", RelTime}, {"dqi_bgrace", RelTime}, {"dqi_igrace", RelTime}, {"dqi_flags", Flags8}, {"quota_fmt_out", Flags8}, {"cmd", Flags16}, {"type", Flags8}, {"id", Uint32}, {"quota_fmt", Flags8}}}, // PPME_SYSCALL_QUOTACTL_X
	192: {Name: "setresuid", Dir: '>', Large: false, Params: []ParamInfo{{"ruid", UID}, {"euid", UID}, {"suid", UID}}}, // PPME_SYSCALL_SETRESUID_E
	193: {Name: "setresuid", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"ruid", UID}, {"euid", UID}, {"suid", UID}}}, // PPME_SYSCALL_SETRESUID_X
	194: {Name: "setresgid", Dir: '>', Large: false, Params: []ParamInfo{{"rgid", GID}, {"egid", GID}, {"sgid", GID}}}, // PPME_SYSCALL_SETRESGID_E
	195: {Name: "setresgid", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"rgid", GID}, {"egid", GID}, {"sgid", GID}}}, // PPME_SYSCALL_SETRESGID_X
	196: {Name: "scapevent", Dir: '>', Large: false, Params: []ParamInfo{{"event_type", Uint32}, {"event_data", Uint64}}}, // PPME_SCAPEVENT_E
	198: {Name: "setuid", Dir: '>', Large: false, Params: []ParamInfo{{"uid", UID}}}, // PPME_SYSCALL_SETUID_E
	199: {Name: "setuid", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"uid", UID}}}, // PPME_SYSCALL_SETUID_X
	200: {Name: "setgid", Dir: '>', Large: false, Params: []ParamInfo{{"gid", GID}}}, // PPME_SYSCALL_SETGID_E
	201: {Name: "setgid", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"gid", GID}}}, // PPME_SYSCALL_SETGID_X
	202: {Name: "getuid", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_GETUID_E
	203: {Name: "getuid", Dir: '<', Large: false, Params: []ParamInfo{{"uid", UID}}}, // PPME_SYSCALL_GETUID_X
	204: {Name: "geteuid", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_GETEUID_E
	205: {Name: "geteuid", Dir: '<', Large: false, Params: []ParamInfo{{"euid", UID}}}, // PPME_SYSCALL_GETEUID_X
	206: {Name: "getgid", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_GETGID_E
	207: {Name: "getgid", Dir: '<', Large: false, Params: []ParamInfo{{"gid", GID}}}, // PPME_SYSCALL_GETGID_X
	208: {Name: "getegid", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_GETEGID_E
	209: {Name: "getegid", Dir: '<', Large: false, Params: []ParamInfo{{"egid", GID}}}, // PPME_SYSCALL_GETEGID_X
	210: {Name: "getresuid", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_GETRESUID_E
	211: {Name: "getresuid", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"ruid", UID}, {"euid", UID}, {"suid", UID}}}, // PPME_SYSCALL_GETRESUID_X
	212: {Name: "getresgid", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_GETRESGID_E
	213: {Name: "getresgid", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"rgid", GID}, {"egid", GID}, {"sgid", GID}}}, // PPME_SYSCALL_GETRESGID_X
	214: {Name: "execve", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_EXECVE_15_E
	215: {Name: "execve", Dir: '<', Large: false, Params: []ParamInfo{{"res", Errno}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Uint64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"comm", CharBuf}, {"env", ByteBuf}}}, // PPME_SYSCALL_EXECVE_15_X
	216: {Name: "clone", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_CLONE_17_E
	217: {Name: "clone", Dir: '<', Large: false, Params: []ParamInfo{{"res", Pid}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Int64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"comm", CharBuf}, {"flags", Flags32}, {"uid", Uint32}, {"gid", Uint32}}}, // PPME_SYSCALL_CLONE_17_X
	218: {Name: "fork", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_FORK_17_E
	219: {Name: "fork", Dir: '<', Large: false, Params: []ParamInfo{{"res", Pid}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Int64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"comm", CharBuf}, {"flags", Flags32}, {"uid", Uint32}, {"gid", Uint32}}}, // PPME_SYSCALL_FORK_17_X
	220: {Name: "vfork", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_VFORK_17_E
	221: {Name: "vfork", Dir: '<', Large: false, Params: []ParamInfo{{"res", Pid}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Int64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"comm", CharBuf}, {"flags", Flags32}, {"uid", Uint32}, {"gid", Uint32}}}, // PPME_SYSCALL_VFORK_17_X
	222: {Name: "clone", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_CLONE_20_E
	223: {Name: "clone", Dir: '<', Large: false, Params: []ParamInfo{{"res", Pid}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Int64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"comm", CharBuf}, {"cgroups", ByteBuf}, {"flags", Flags32}, {"uid", Uint32}, {"gid", Uint32}, {"vtid", Pid}, {"vpid", Pid}, {"pidns_init_start_ts", Uint64}}}, // PPME_SYSCALL_CLONE_20_X
	224: {Name: "fork", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_FORK_20_E
	225: {Name: "fork", Dir: '<', Large: false, Params: []ParamInfo{{"res", Pid}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Int64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"comm", CharBuf}, {"cgroups", ByteBuf}, {"flags", Flags32}, {"uid", Uint32}, {"gid", Uint32}, {"vtid", Pid}, {"vpid", Pid}, {"pidns_init_start_ts", Uint64}}}, // PPME_SYSCALL_FORK_20_X
	226: {Name: "vfork", Dir: '>', Large: false, Params: []ParamInfo{}}, // PPME_SYSCALL_VFORK_20_E
	227: {Name: "vfork", Dir: '<', Large: false, Params: []ParamInfo{{"res", Pid}, {"exe", CharBuf}, {"args", ByteBuf}, {"tid", Pid}, {"pid", Pid}, {"ptid", Pid}, {"cwd", CharBuf}, {"fdlimit", Int64}, {"pgft_maj", Uint64}, {"pgft_min", Uint64}, {"vm_size", Uint32}, {"vm_rss", Uint32}, {"vm_swap", Uint32}, {"comm", CharBuf}, {"cgroups", ByteBuf}, {"flags", Flags32}, {"uid", Uint32}, {"gid", Uint32}, {"vtid", Pid}, {"vpid", Pid}, {"pidns_init_start_ts", Uint64}}}, // PPME_SYSCALL_VFORK_20_X
}
