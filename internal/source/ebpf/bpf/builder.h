/* SPDX-License-Identifier: (MIT OR GPL-2.0-only) */
/*
 * Event builder: maps shared by every program and the helpers that write
 * one scap v2 event into a per-CPU scratch area before it is copied into the
 * ring buffer.
 *
 * Wire layout of an event (little endian):
 *   u64 ts, u64 tid, u32 len, u16 type, u32 nparams,
 *   u16 len[nparams], values back to back.
 */
#pragma once

#define HDR_LEN 26
#define MAX_EV (1 << 15) /* largest event; offsets are masked with EV_MASK */
#define EV_MASK (MAX_EV - 1)
#define MAX_SYSCALLS 512
#define MAX_PATH 4096
#define MAX_ARGS 4096 /* args and env are each cut at this many bytes */
#define MAX_ARGV 64   /* argv/envp pointers followed on a failed execve */
#define MAX_COMPONENTS 48
#define MAX_CGROUP_DEPTH 24
#define SNAPLEN_MAX 4096

/* Bits of the interesting map's values. */
#define WANT_EXIT 1
/* Exit filters, set by user space for base syscalls that no rule selects
 * (the state needs only some of their calls); decided at sys_exit. */
#define DROP_FAILED (1 << 8)     /* drop when the call failed (ret < 0) */
#define DROP_FAILED_CONN (1 << 9) /* ... except EINPROGRESS (connect) */
#define KEEP_CHILD (1 << 10)     /* keep only the child's exit (ret == 0) */
#define KEEP_DUPFD (1 << 11)     /* keep only successful F_DUPFD(_CLOEXEC) */
#define FILTERS (DROP_FAILED | DROP_FAILED_CONN | KEEP_CHILD | KEEP_DUPFD)

#define EINPROGRESS_ 115

/* Counter categories. */
#define CAT_PROC 0
#define CAT_FILE 1
#define CAT_NET 2
#define CAT_OTHER 3
#define NCAT 4

/* Set by user space before loading. */
const volatile __u64 boot_offset_ns = 0; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
const volatile __u64 wakeup_bytes = 256 * 1024;
const volatile __u32 self_tgid = 0; /* events of this process are ignored when non-zero */
const volatile __u32 snaplen = 80;  /* bytes of I/O data copied by read/write/send/recv */
/* When non-zero, sendto and sendmsg on stream sockets and on connected
 * sockets are not sent (Config.SendUnconnectedDatagramsOnly). */
const volatile __u32 send_unconnected_dgram_only = 0;

struct scratch {
	__u8 data[2 * MAX_EV];
	__u64 comps[64]; /* path component name pointers */
	__u8 tmp[128];               /* sockaddr copies */
	struct pt_regs regs;
	__u64 ts;
	__u32 pos;    /* next value byte */
	__u32 lenpos; /* next parameter length slot */
	__u32 nparams;
	__u16 type;
	__u16 cat;
};

struct counters {
	__u64 events[NCAT];
	__u64 drops[NCAT];
	__u64 errors;  /* failed kernel or user memory reads */
	__u64 too_big; /* events over MAX_EV, not sent */
	__u64 filtered; /* exits dropped by the exit filters and the send predicate */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} events SEC(".maps");

/* One scratch area per CPU (max_entries is set to the CPU count at load). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct counters);
} counters_map SEC(".maps");

/* Per syscall number: WANT_EXIT and exit filter bits, written by user
 * space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, __u32);
} interesting SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, __u32);
} exit_progs SEC(".maps");


/* Later stages of events too large for one program. */
#define STAGE_CLONE_2 0
#define STAGE_EXEC_2 1
#define STAGE_EXEC_3 2
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} stage_progs SEC(".maps");

static __always_inline struct scratch *scratch_get(void)
{
	__u32 k = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&scratch_map, &k);
}

static __always_inline struct counters *counters_get(void)
{
	__u32 k = 0;
	return bpf_map_lookup_elem(&counters_map, &k);
}

static __always_inline void count_error(void)
{
	struct counters *c = counters_get();
	if (c)
		c->errors++;
}

/* ev_start begins an event of the given type with nparams parameters. */
static __always_inline void ev_start(struct scratch *s, __u16 type, __u32 nparams, __u16 cat)
{
	s->ts = bpf_ktime_get_boot_ns();
	s->type = type;
	s->nparams = nparams;
	s->cat = cat;
	s->lenpos = HDR_LEN;
	s->pos = HDR_LEN + nparams * 2;
}

static __always_inline void put_len(struct scratch *s, __u16 n)
{
	__u32 p = s->lenpos;
	*(__u16 *)&s->data[p & EV_MASK] = n;
	s->lenpos = p + 2;
}

#define DEFINE_PUT(name, T)                                          \
	static __always_inline void name(struct scratch *s, T v)     \
	{                                                            \
		__u32 p = s->pos;                                    \
		*(T *)&s->data[p & EV_MASK] = v;                     \
		s->pos = p + sizeof(T);                              \
		put_len(s, sizeof(T));                               \
	}

DEFINE_PUT(put_u8, __u8)
DEFINE_PUT(put_u16, __u16)
DEFINE_PUT(put_u32, __u32)
DEFINE_PUT(put_u64, __u64)
DEFINE_PUT(put_s32, __s32)
DEFINE_PUT(put_s64, __s64)

static __always_inline void put_empty(struct scratch *s)
{
	put_len(s, 0);
}

/* raw_* write bytes without a length slot (for composite values). */
#define DEFINE_RAW(name, T)                                          \
	static __always_inline void name(struct scratch *s, T v)     \
	{                                                            \
		__u32 p = s->pos;                                    \
		*(T *)&s->data[p & EV_MASK] = v;                     \
		s->pos = p + sizeof(T);                              \
	}

DEFINE_RAW(raw_u8, __u8)
DEFINE_RAW(raw_u16, __u16)
DEFINE_RAW(raw_u32, __u32)
DEFINE_RAW(raw_u64, __u64)

/* raw_str copies a NUL-terminated string (user or kernel memory) without a
 * length slot and returns the bytes written, including the NUL (0 on
 * failure). */
static __always_inline __u16 raw_str(struct scratch *s, const void *ptr, __u32 max, int user)
{
	__u32 p = s->pos;
	long n;
	if (!ptr)
		return 0;
	if (user)
		n = bpf_probe_read_user_str(&s->data[p & EV_MASK], max & (MAX_PATH * 2 - 1), ptr);
	else
		n = bpf_probe_read_kernel_str(&s->data[p & EV_MASK], max & (MAX_PATH * 2 - 1), ptr);
	if (n <= 0) {
		count_error();
		return 0;
	}
	s->pos = p + n;
	return n;
}

/* put_str stores a charbuf parameter; an unreadable string is empty. */
static __always_inline __u16 put_str(struct scratch *s, const void *ptr, __u32 max, int user)
{
	__u16 n = raw_str(s, ptr, max, user);
	put_len(s, n);
	return n;
}

#define put_ustr(s, ptr) put_str(s, (const void *)(ptr), MAX_PATH, 1)
#define put_kstr(s, ptr, max) put_str(s, (const void *)(ptr), max, 0)

/* raw_buf copies len bytes (capped at max) without a length slot. */
static __always_inline __u32 raw_buf(struct scratch *s, const void *ptr, __u64 len, __u32 max, int user)
{
	__u32 p = s->pos;
	long err;
	if (len > max)
		len = max;
	if (len > SNAPLEN_MAX)
		len = SNAPLEN_MAX;
	if (!ptr || len == 0)
		return 0;
	if (user)
		err = bpf_probe_read_user(&s->data[p & EV_MASK], len, ptr);
	else
		err = bpf_probe_read_kernel(&s->data[p & EV_MASK], len, ptr);
	if (err) {
		count_error();
		return 0;
	}
	s->pos = p + len;
	return len;
}

static __always_inline void put_buf(struct scratch *s, const void *ptr, __u64 len, __u32 max, int user)
{
	put_len(s, raw_buf(s, ptr, len, max, user));
}

/* ev_submit writes the header and copies the event into the ring buffer,
 * waking the reader only when enough data is pending. */
static __always_inline void ev_submit(struct scratch *s)
{
	struct counters *c = counters_get();
	__u32 len = s->pos;
	__u32 cat = s->cat & (NCAT - 1);
	if (!c)
		return;
	if (len > MAX_EV || s->lenpos > HDR_LEN + 2 * 64) {
		c->too_big++;
		return;
	}
	*(__u64 *)&s->data[0] = s->ts + boot_offset_ns;
	*(__u64 *)&s->data[8] = (__u32)bpf_get_current_pid_tgid();
	*(__u32 *)&s->data[16] = len;
	*(__u16 *)&s->data[20] = s->type;
	*(__u32 *)&s->data[22] = s->nparams;
	__u64 flags = BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&events, s->data, len, flags))
		c->drops[cat]++;
	else
		c->events[cat]++;
}

/* Syscall arguments from the saved user registers (x86_64 ABI). */
static __always_inline __u64 arg(struct scratch *s, int i)
{
	switch (i) {
	case 0:
		return s->regs.di;
	case 1:
		return s->regs.si;
	case 2:
		return s->regs.dx;
	case 3:
		return s->regs.r10;
	case 4:
		return s->regs.r8;
	default:
		return s->regs.r9;
	}
}

/* load_regs copies the task's saved user registers into the scratch area. */
static __always_inline int load_regs(struct scratch *s, __u64 regs)
{
	if (bpf_probe_read_kernel(&s->regs, sizeof(s->regs), (void *)regs)) {
		count_error();
		return -1;
	}
	return 0;
}

/* Prologue of a syscall exit program: s, ret and the arguments. */
#define EXIT_BEGIN()                                     \
	struct scratch *s = scratch_get();               \
	if (!s)                                          \
		return 0;                                \
	if (load_regs(s, ctx->args[0]))                  \
		return 0;                                \
	long ret = (long)ctx->args[1];                   \
	(void)ret
