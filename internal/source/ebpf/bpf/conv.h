/* SPDX-License-Identifier: (MIT OR GPL-2.0-only) */
/*
 * Conversions of x86_64 Linux flag values to the libscap (PPM_*) encodings
 * the event table documents. Values not listed map to 0.
 */
#pragma once

/* Linux uapi values (x86_64). */
#define L_O_WRONLY 01
#define L_O_RDWR 02
#define L_O_CREAT 0100
#define L_O_EXCL 0200
#define L_O_TRUNC 01000
#define L_O_APPEND 02000
#define L_O_NONBLOCK 04000
#define L_O_DSYNC 010000
#define L_O_DIRECT 040000
#define L_O_LARGEFILE 0100000
#define L_O_DIRECTORY 0200000
#define L_O_CLOEXEC 02000000
#define L___O_SYNC 04000000
#define L___O_TMPFILE 020000000
#define L_O_SYNC (L___O_SYNC | L_O_DSYNC)
#define L_O_TMPFILE (L___O_TMPFILE | L_O_DIRECTORY)

#define FMODE_CREATED_BIT 0x100000

/* libscap values. */
#define PPM_O_RDONLY (1 << 0)
#define PPM_O_WRONLY (1 << 1)
#define PPM_O_RDWR (PPM_O_RDONLY | PPM_O_WRONLY)
#define PPM_O_CREAT (1 << 2)
#define PPM_O_APPEND (1 << 3)
#define PPM_O_DSYNC (1 << 4)
#define PPM_O_EXCL (1 << 5)
#define PPM_O_NONBLOCK (1 << 6)
#define PPM_O_SYNC (1 << 7)
#define PPM_O_TRUNC (1 << 8)
#define PPM_O_DIRECT (1 << 9)
#define PPM_O_DIRECTORY (1 << 10)
#define PPM_O_LARGEFILE (1 << 11)
#define PPM_O_CLOEXEC (1 << 12)
#define PPM_O_TMPFILE (1 << 13)
#define PPM_O_F_CREATED (1 << 14)
#define PPM_FD_UPPER_LAYER (1 << 15)
#define PPM_FD_LOWER_LAYER (1 << 16)
#define PPM_FD_UPPER_LAYER_CREAT (1 << 0)
#define PPM_FD_LOWER_LAYER_CREAT (1 << 1)

#define PPM_EXE_WRITABLE (1 << 0)
#define PPM_EXE_UPPER_LAYER (1 << 1)
#define PPM_EXE_FROM_MEMFD (1 << 2)
#define PPM_EXE_LOWER_LAYER (1 << 3)

#define PPM_CL_CHILD_IN_PIDNS (1 << 29)

#define PPM_AT_FDCWD -100

static __always_inline __u32 open_flags_to_scap(__u32 f)
{
	__u32 r = 0;
	switch (f & 3) {
	case L_O_WRONLY:
		r |= PPM_O_WRONLY;
		break;
	case L_O_RDWR:
		r |= PPM_O_RDWR;
		break;
	default:
		r |= PPM_O_RDONLY;
	}
	if (f & L_O_CREAT)
		r |= PPM_O_CREAT;
	/* As libscap: O_TMPFILE and O_SYNC are tested as masks (any of their
	 * bits), so O_DIRECTORY opens report O_TMPFILE and O_DSYNC ones
	 * O_SYNC. */
	if (f & L_O_TMPFILE)
		r |= PPM_O_TMPFILE;
	if (f & L_O_APPEND)
		r |= PPM_O_APPEND;
	if (f & L_O_DSYNC)
		r |= PPM_O_DSYNC;
	if (f & L_O_EXCL)
		r |= PPM_O_EXCL;
	if (f & L_O_NONBLOCK)
		r |= PPM_O_NONBLOCK;
	if (f & L_O_SYNC)
		r |= PPM_O_SYNC;
	if (f & L_O_TRUNC)
		r |= PPM_O_TRUNC;
	if (f & L_O_DIRECT)
		r |= PPM_O_DIRECT;
	if (f & L_O_DIRECTORY)
		r |= PPM_O_DIRECTORY;
	if (f & L_O_LARGEFILE)
		r |= PPM_O_LARGEFILE;
	if (f & L_O_CLOEXEC)
		r |= PPM_O_CLOEXEC;
	return r;
}

/* Mode bits: the PPM_S_* bits have the same positions as the octal ones. */
static __always_inline __u32 mode_to_scap(__u64 mode)
{
	return mode & 07777;
}

/* The mode of an open, reported (as by libscap) when O_CREAT or any bit of
 * O_TMPFILE (O_DIRECTORY included) is set. */
static __always_inline __u32 open_mode_to_scap(__u32 flags, __u64 mode)
{
	if (!(flags & (L_O_CREAT | L_O_TMPFILE)))
		return 0;
	return mode_to_scap(mode);
}

/* O_NONBLOCK / O_CLOEXEC (also SOCK_NONBLOCK / SOCK_CLOEXEC) as PPM_O_*. */
static __always_inline __u32 fd_flags_to_scap(__u64 f)
{
	__u32 r = 0;
	if (f & L_O_NONBLOCK)
		r |= PPM_O_NONBLOCK;
	if (f & L_O_CLOEXEC)
		r |= PPM_O_CLOEXEC;
	return r;
}

static __always_inline __u32 pipe2_flags_to_scap(__s32 f)
{
	if (f < 0)
		return 0;
	__u32 r = fd_flags_to_scap(f);
	if (f & L_O_DIRECT)
		r |= PPM_O_DIRECT;
	return r;
}

static __always_inline __u32 openat2_resolve_to_scap(__u64 f)
{
	__u32 r = 0;
	if (f & 0x08)
		r |= 1 << 0; /* RESOLVE_BENEATH */
	if (f & 0x10)
		r |= 1 << 1; /* RESOLVE_IN_ROOT */
	if (f & 0x02)
		r |= 1 << 2; /* RESOLVE_NO_MAGICLINKS */
	if (f & 0x04)
		r |= 1 << 3; /* RESOLVE_NO_SYMLINKS */
	if (f & 0x01)
		r |= 1 << 4; /* RESOLVE_NO_XDEV */
	if (f & 0x20)
		r |= 1 << 5; /* RESOLVE_CACHED */
	return r;
}

static __always_inline __u32 clone_flags_to_scap(__u64 f)
{
	__u32 r = 0;
	if (f & 0x400)
		r |= 1 << 0; /* CLONE_FILES */
	if (f & 0x200)
		r |= 1 << 1; /* CLONE_FS */
	if (f & 0x80000000ULL)
		r |= 1 << 2; /* CLONE_IO */
	if (f & 0x8000000)
		r |= 1 << 3; /* CLONE_NEWIPC */
	if (f & 0x40000000)
		r |= 1 << 4; /* CLONE_NEWNET */
	if (f & 0x20000)
		r |= 1 << 5; /* CLONE_NEWNS */
	if (f & 0x20000000)
		r |= 1 << 6; /* CLONE_NEWPID */
	if (f & 0x4000000)
		r |= 1 << 7; /* CLONE_NEWUTS */
	if (f & 0x8000)
		r |= 1 << 8; /* CLONE_PARENT */
	if (f & 0x100000)
		r |= 1 << 9; /* CLONE_PARENT_SETTID */
	if (f & 0x2000)
		r |= 1 << 10; /* CLONE_PTRACE */
	if (f & 0x800)
		r |= 1 << 11; /* CLONE_SIGHAND */
	if (f & 0x40000)
		r |= 1 << 12; /* CLONE_SYSVSEM */
	if (f & 0x10000)
		r |= 1 << 13; /* CLONE_THREAD */
	if (f & 0x800000)
		r |= 1 << 14; /* CLONE_UNTRACED */
	if (f & 0x100)
		r |= 1 << 15; /* CLONE_VM */
	if (f & 0x10000000)
		r |= 1 << 20; /* CLONE_NEWUSER */
	if (f & 0x200000)
		r |= 1 << 23; /* CLONE_CHILD_CLEARTID */
	if (f & 0x1000000)
		r |= 1 << 24; /* CLONE_CHILD_SETTID */
	if (f & 0x80000)
		r |= 1 << 25; /* CLONE_SETTLS */
	if (f & 0x4000)
		r |= 1 << 27; /* CLONE_VFORK */
	if (f & 0x2000000)
		r |= 1 << 28; /* CLONE_NEWCGROUP */
	return r;
}

static __always_inline __u32 prot_to_scap(__u64 p)
{
	__u32 r = p & 0xf; /* READ, WRITE, EXEC, SEM */
	if (p & 0x01000000)
		r |= 1 << 4; /* PROT_GROWSDOWN */
	if (p & 0x02000000)
		r |= 1 << 5; /* PROT_GROWSUP */
	return r;
}

static __always_inline __u32 mmap_flags_to_scap(__u64 f)
{
	__u32 r = f & 3; /* MAP_SHARED, MAP_PRIVATE */
	if (f & 0x10)
		r |= 1 << 2; /* MAP_FIXED */
	if (f & 0x20)
		r |= 1 << 3; /* MAP_ANONYMOUS */
	if (f & 0x40)
		r |= 1 << 4; /* MAP_32BIT */
	if (f & 0x4000)
		r |= 1 << 6; /* MAP_NORESERVE */
	if (f & 0x8000)
		r |= 1 << 7; /* MAP_POPULATE */
	if (f & 0x10000)
		r |= 1 << 8; /* MAP_NONBLOCK */
	if (f & 0x100)
		r |= 1 << 9; /* MAP_GROWSDOWN */
	if (f & 0x800)
		r |= 1 << 10; /* MAP_DENYWRITE */
	if (f & 0x1000)
		r |= 1 << 11; /* MAP_EXECUTABLE */
	if (f & 0x2000)
		r |= 1 << 14; /* MAP_LOCKED */
	return r;
}

static __always_inline __u8 fcntl_cmd_to_scap(__u64 cmd)
{
	switch (cmd) {
	case 0: return 1;     /* F_DUPFD */
	case 1: return 2;     /* F_GETFD */
	case 2: return 3;     /* F_SETFD */
	case 3: return 4;     /* F_GETFL */
	case 4: return 5;     /* F_SETFL */
	case 5: return 6;     /* F_GETLK */
	case 6: return 8;     /* F_SETLK */
	case 7: return 9;     /* F_SETLKW */
	case 8: return 10;    /* F_SETOWN */
	case 9: return 12;    /* F_GETOWN */
	case 10: return 13;   /* F_SETSIG */
	case 11: return 15;   /* F_GETSIG */
	case 15: return 21;   /* F_SETOWN_EX */
	case 16: return 22;   /* F_GETOWN_EX */
	case 1024: return 23; /* F_SETLEASE */
	case 1025: return 24; /* F_GETLEASE */
	case 1029: return 25; /* F_CANCELLK */
	case 1030: return 26; /* F_DUPFD_CLOEXEC */
	case 1026: return 27; /* F_NOTIFY */
	case 1031: return 28; /* F_SETPIPE_SZ */
	case 1032: return 29; /* F_GETPIPE_SZ */
	case 36: return 30;   /* F_OFD_GETLK */
	case 37: return 31;   /* F_OFD_SETLK */
	case 38: return 32;   /* F_OFD_SETLKW */
	}
	return 0;
}

static __always_inline __u16 ptrace_req_to_scap(__u64 req)
{
	switch (req) {
	case 0: return 1;       /* TRACEME */
	case 1: return 2;       /* PEEKTEXT */
	case 2: return 3;       /* PEEKDATA */
	case 3: return 4;       /* PEEKUSR */
	case 4: return 5;       /* POKETEXT */
	case 5: return 6;       /* POKEDATA */
	case 6: return 7;       /* POKEUSR */
	case 7: return 8;       /* CONT */
	case 8: return 9;       /* KILL */
	case 9: return 10;      /* SINGLESTEP */
	case 16: return 11;     /* ATTACH */
	case 17: return 12;     /* DETACH */
	case 24: return 13;     /* SYSCALL */
	case 0x4200: return 14; /* SETOPTIONS */
	case 0x4201: return 15; /* GETEVENTMSG */
	case 0x4202: return 16; /* GETSIGINFO */
	case 0x4203: return 17; /* SETSIGINFO */
	case 0x4204: return 18; /* GETREGSET */
	case 0x4205: return 19; /* SETREGSET */
	case 0x4206: return 20; /* SEIZE */
	case 0x4207: return 21; /* INTERRUPT */
	case 0x4208: return 22; /* LISTEN */
	case 0x4209: return 23; /* PEEKSIGINFO */
	case 0x420a: return 24; /* GETSIGMASK */
	case 0x420b: return 25; /* SETSIGMASK */
	case 12: return 26;     /* GETREGS */
	case 13: return 27;     /* SETREGS */
	case 14: return 28;     /* GETFPREGS */
	case 15: return 29;     /* SETFPREGS */
	case 18: return 30;     /* GETFPXREGS */
	case 19: return 31;     /* SETFPXREGS */
	case 21: return 32;     /* OLDSETOPTIONS */
	case 25: return 33;     /* GET_THREAD_AREA */
	case 26: return 34;     /* SET_THREAD_AREA */
	case 30: return 35;     /* ARCH_PRCTL */
	case 31: return 36;     /* SYSEMU */
	case 32: return 37;     /* SYSEMU_SINGLESTEP */
	case 33: return 38;     /* SINGLEBLOCK */
	}
	return 0;
}

/* new_encode_dev of a kernel dev_t (major << 20 | minor). */
static __always_inline __u32 encode_dev(__u32 dev)
{
	__u32 major = dev >> 20, minor = dev & ((1U << 20) - 1);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}
