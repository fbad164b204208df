/* SPDX-License-Identifier: (MIT OR GPL-2.0-only) */
/*
 * Live syscall capture: raw tracepoints on sys_enter/sys_exit dispatch, by
 * syscall number, to one tail-called program per syscall family that
 * writes a scap v2 event into the ring buffer. sched_process_exit emits
 * procexit; sched_process_exec remembers the executed file name.
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

SEC("raw_tp/sys_enter")
int sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 id = (__u32)ctx->args[1];
	if (id >= MAX_SYSCALLS)
		return 0;
	__u32 *want = bpf_map_lookup_elem(&interesting, &id);
	if (!want || !(*want & WANT_ENTER))
		return 0;
	if (self_tgid && cur_tgid() == self_tgid)
		return 0;
	if (in_compat())
		return 0;
	bpf_tail_call(ctx, &enter_progs, id);
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
	bpf_tail_call(ctx, &exit_progs, key);
	return 0;
}
