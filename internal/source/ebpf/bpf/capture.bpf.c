/* SPDX-License-Identifier: (MIT OR GPL-2.0-only) */
/*
 * Live syscall capture: a raw tracepoint on sys_exit dispatches, by syscall
 * number, to one tail-called program per syscall family that writes a scap
 * v2 event into the ring buffer. sched_process_exit emits procexit;
 * sched_process_exec remembers the executed file name.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "builder.h"
#include "conv.h"
#include "task.h"
#include "proc.h"
#include "file.h"
#include "net.h"
#include "misc.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define F_DUPFD_ 0
#define F_DUPFD_CLOEXEC_ 1030

/* filtered_out applies the exit filters of a syscall's interesting value:
 * base syscalls that no rule selects are sent only when they change the
 * thread/fd state. */
static __always_inline int filtered_out(struct bpf_raw_tracepoint_args *ctx, __u32 want)
{
	long ret = (long)ctx->args[1];
	if (want & DROP_FAILED)
		return ret < 0;
	if (want & DROP_FAILED_CONN)
		return ret < 0 && ret != -EINPROGRESS_;
	if (want & KEEP_CHILD)
		return ret != 0;
	if (want & KEEP_DUPFD) {
		if (ret < 0)
			return 1;
		struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
		__u64 cmd = 0;
		bpf_probe_read_kernel(&cmd, sizeof(cmd), &regs->si);
		cmd = (__u32)cmd;
		return cmd != F_DUPFD_ && cmd != F_DUPFD_CLOEXEC_;
	}
	return 0;
}

SEC("raw_tp/sys_exit")
int sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	__u64 id = 0;
	bpf_probe_read_kernel(&id, sizeof(id), &regs->orig_ax);
	if (id >= MAX_SYSCALLS)
		return 0;
	__u32 key = id;
	__u32 *want = bpf_map_lookup_elem(&interesting, &key);
	if (!want || !(*want & WANT_EXIT))
		return 0;
	if (self_tgid && cur_tgid() == self_tgid)
		return 0;
	if (in_compat())
		return 0;
	if ((*want & FILTERS) && filtered_out(ctx, *want)) {
		struct counters *c = counters_get();
		if (c)
			c->filtered++;
		return 0;
	}
	bpf_tail_call(ctx, &exit_progs, key);
	return 0;
}
