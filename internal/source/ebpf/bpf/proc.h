/* SPDX-License-Identifier: (MIT OR GPL-2.0-only) */
/*
 * Process lifecycle: clone family, execve family, procexit.
 */
#pragma once

#define PPME_CLONE_X 223
#define PPME_FORK_X 225
#define PPME_VFORK_X 227
#define PPME_CLONE3_X 335
#define PPME_EXECVE_X 293
#define PPME_EXECVEAT_X 331
#define PPME_PROCEXIT_E 186

/* The path an execve was asked to run (bprm->filename), keyed by the
 * thread id after the exec, read back by the execve exit. */
struct exec_file {
	char name[MAX_PATH];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct exec_file);
} exec_files SEC(".maps");

/* put_mm_args stores exe (argv[0]) and args (the rest, NUL-separated) from
 * the process's argument area. */
static __always_inline void put_mm_args(struct scratch *s, struct mm_struct *mm)
{
	__u64 start = BPF_CORE_READ(mm, arg_start);
	__u64 end = BPF_CORE_READ(mm, arg_end);
	__u16 n = put_str(s, (void *)start, MAX_PATH, 1);
	__u64 total = end > start ? end - start : 0;
	put_buf(s, (void *)(start + n), total > n ? total - n : 0, MAX_ARGS, 1);
}

/* put_argv stores exe and args from a user argv array (failed execve). */
static __always_inline void put_argv(struct scratch *s, __u64 argv)
{
	__u64 p = 0;
	if (argv)
		bpf_probe_read_user(&p, sizeof(p), (void *)argv);
	put_str(s, (void *)p, MAX_PATH, 1);
	__u32 total = 0;
	for (int i = 1; i < MAX_ARGV && argv; i++) {
		p = 0;
		if (bpf_probe_read_user(&p, sizeof(p), (void *)(argv + i * 8)) || !p)
			break;
		total += raw_str(s, (void *)p, MAX_PATH, 1);
		if (total >= MAX_ARGS)
			break;
	}
	put_len(s, total);
}

/* put_envp stores a user envp array (failed execve). */
static __always_inline void put_envp(struct scratch *s, __u64 envp)
{
	__u32 total = 0;
	for (int i = 0; i < MAX_ARGV && envp; i++) {
		__u64 p = 0;
		if (bpf_probe_read_user(&p, sizeof(p), (void *)(envp + i * 8)) || !p)
			break;
		total += raw_str(s, (void *)p, MAX_PATH, 1);
		if (total >= MAX_ARGS)
			break;
	}
	put_len(s, total);
}

/* put_proc_common stores the parameters clone and execve exits share:
 * tid, pid, ptid, cwd, fdlimit, pgft_maj, pgft_min, vm_size, vm_rss,
 * vm_swap, comm. */
static __always_inline void put_proc_common(struct scratch *s, struct task_struct *t)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	put_s64(s, BPF_CORE_READ(t, pid));
	put_s64(s, BPF_CORE_READ(t, tgid));
	put_s64(s, BPF_CORE_READ(t, real_parent, pid));
	put_cwd(s);
	put_u64(s, task_fdlimit(t));
	put_u64(s, BPF_CORE_READ(t, maj_flt));
	put_u64(s, BPF_CORE_READ(t, min_flt));
	put_u32(s, mm_vm_size(mm));
	put_u32(s, mm_rss(mm));
	put_u32(s, mm_swap(mm));
	put_str(s, &t->comm[0], 16, 0);
}

SEC("raw_tp/sys_exit")
int x_clone(struct bpf_raw_tracepoint_args *ctx)
{
	EXIT_BEGIN();
	__u16 type = PPME_CLONE_X;
	switch (s->regs.orig_ax) {
	case 57:
		type = PPME_FORK_X;
		break;
	case 58:
		type = PPME_VFORK_X;
		break;
	case 435:
		type = PPME_CLONE3_X;
		break;
	}
	struct task_struct *t = cur_task();
	ev_start(s, type, 21, CAT_PROC);
	put_s64(s, ret);
	if (ret >= 0) {
		put_mm_args(s, BPF_CORE_READ(t, mm));
	} else {
		put_empty(s);
		put_empty(s);
	}
	put_proc_common(s, t);
	bpf_tail_call(ctx, &stage_progs, STAGE_CLONE_2);
	return 0;
}

SEC("raw_tp/sys_exit")
int x_clone_2(struct bpf_raw_tracepoint_args *ctx)
{
	struct scratch *s = scratch_get();
	if (!s)
		return 0;
	long ret = (long)ctx->args[1];
	struct task_struct *t = cur_task();
	put_cgroups(s, t);

	__u64 flags = 0;
	switch (s->regs.orig_ax) {
	case 56:
		flags = s->regs.di;
		break;
	case 58:
		flags = 0x100 | 0x4000; /* CLONE_VM | CLONE_VFORK */
		break;
	case 435:
		bpf_probe_read_user(&flags, sizeof(flags), (void *)s->regs.di); /* clone_args.flags */
		break;
	}
	__u32 f = clone_flags_to_scap(flags);
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	struct pid_namespace *ns = NULL;
	__u32 level = BPF_CORE_READ(pid, level);
	struct upid *u = &pid->numbers[0];
	bpf_probe_read_kernel(&ns, sizeof(ns), &(u + (level & 31))->ns);
	if (level != 0 || BPF_CORE_READ(t, nsproxy, pid_ns_for_children) != ns)
		f |= PPM_CL_CHILD_IN_PIDNS;
	put_u32(s, f);
	put_u32(s, BPF_CORE_READ(t, cred, euid.val));
	put_u32(s, BPF_CORE_READ(t, cred, egid.val));
	put_s64(s, pid_nr(pid, 1));
	put_s64(s, pid_nr(task_pid_of(t, 1), 1));
	__u64 init_ts = 0;
	if (ret == 0)
		init_ts = BPF_CORE_READ(ns, child_reaper, start_time);
	put_u64(s, init_ts);
	ev_submit(s);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int on_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct scratch *s = scratch_get();
	if (!s)
		return 0;
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	const char *name = BPF_CORE_READ(bprm, filename);
	/* the upper half of the scratch data is free between events */
	struct exec_file *ef = (struct exec_file *)&s->data[MAX_EV];
	if (bpf_probe_read_kernel_str(ef->name, sizeof(ef->name), name) <= 0)
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&exec_files, &tid, ef, BPF_ANY);
	return 0;
}

SEC("raw_tp/sys_exit")
int x_execve(struct bpf_raw_tracepoint_args *ctx)
{
	EXIT_BEGIN();
	int at = s->regs.orig_ax == 322;
	struct task_struct *t = cur_task();
	ev_start(s, at ? PPME_EXECVEAT_X : PPME_EXECVE_X, at ? 30 : 31, CAT_PROC);
	put_s64(s, ret);
	if (ret == 0)
		put_mm_args(s, BPF_CORE_READ(t, mm));
	else
		put_argv(s, at ? s->regs.dx : s->regs.si);
	put_proc_common(s, t);
	bpf_tail_call(ctx, &stage_progs, STAGE_EXEC_2);
	return 0;
}

SEC("raw_tp/sys_exit")
int x_execve_2(struct bpf_raw_tracepoint_args *ctx)
{
	struct scratch *s = scratch_get();
	if (!s)
		return 0;
	long ret = (long)ctx->args[1];
	int at = s->regs.orig_ax == 322;
	struct task_struct *t = cur_task();
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	put_cgroups(s, t);
	if (ret == 0) {
		__u64 start = BPF_CORE_READ(mm, env_start);
		__u64 end = BPF_CORE_READ(mm, env_end);
		put_buf(s, (void *)start, end > start ? end - start : 0, MAX_ARGS, 1);
	} else {
		put_envp(s, at ? s->regs.r10 : s->regs.dx);
	}
	put_u32(s, task_tty(t));
	put_s64(s, pid_nr(task_pid_of(t, 2), 1));
	put_u32(s, BPF_CORE_READ(t, loginuid.val));

	struct file *exe = BPF_CORE_READ(mm, exe_file);
	struct inode *ino = BPF_CORE_READ(exe, f_inode);
	__u32 flags = 0;
	if (exe) {
		if (exe_writable(t, ino))
			flags |= PPM_EXE_WRITABLE;
		int layer = overlay_layer(exe);
		if (layer == 1)
			flags |= PPM_EXE_UPPER_LAYER;
		else if (layer == 2)
			flags |= PPM_EXE_LOWER_LAYER;
		if (exe_from_memfd(exe))
			flags |= PPM_EXE_FROM_MEMFD;
	}
	put_u32(s, flags);
	put_u64(s, caps_to_scap(BPF_CORE_READ(t, cred, cap_inheritable)));
	put_u64(s, caps_to_scap(BPF_CORE_READ(t, cred, cap_permitted)));
	put_u64(s, caps_to_scap(BPF_CORE_READ(t, cred, cap_effective)));
	put_u64(s, exe ? BPF_CORE_READ(ino, i_ino) : 0);
	put_u64(s, exe ? inode_time(ino, 1) : 0);
	put_u64(s, exe ? inode_time(ino, 0) : 0);
	put_u32(s, BPF_CORE_READ(t, cred, euid.val));
	bpf_tail_call(ctx, &stage_progs, STAGE_EXEC_3);
	return 0;
}

SEC("raw_tp/sys_exit")
int x_execve_3(struct bpf_raw_tracepoint_args *ctx)
{
	struct scratch *s = scratch_get();
	if (!s)
		return 0;
	long ret = (long)ctx->args[1];
	int at = s->regs.orig_ax == 322;
	struct task_struct *t = cur_task();
	struct file *exe = BPF_CORE_READ(t, mm, exe_file);
	if (exe)
		put_path(s, BPF_CORE_READ(exe, f_path.dentry), BPF_CORE_READ(exe, f_path.mnt));
	else
		put_empty(s);
	put_s64(s, pid_nr(task_pid_of(t, 2), 0));
	put_u32(s, BPF_CORE_READ(t, cred, egid.val));
	if (!at) {
		if (ret == 0) {
			__u32 tid = (__u32)bpf_get_current_pid_tgid();
			struct exec_file *ef = bpf_map_lookup_elem(&exec_files, &tid);
			if (ef) {
				put_str(s, ef->name, MAX_PATH, 0);
				bpf_map_delete_elem(&exec_files, &tid);
			} else {
				put_empty(s);
			}
		} else {
			put_ustr(s, s->regs.di);
		}
	}
	ev_submit(s);
	return 0;
}

#define PF_EXITING_ 0x00000004
#define MAX_GROUP_THREADS 64 /* threads of a group looked at for a live one */
#define MAX_ANCESTORS 64     /* ancestors looked at for a child subreaper */

struct reaper_walk {
	struct list_head *head, *next;
	struct task_struct *task, *ns_reaper;
	__u32 level;
	__s32 found;
	__u8 done;
};

/* alive_step looks at one thread of a group for one that is not exiting. */
static long alive_step(__u64 i, void *arg)
{
	struct reaper_walk *w = arg;
	if (w->next == w->head || !w->next) {
		w->done = 1;
		return 1;
	}
	struct task_struct *t = (void *)w->next - bpf_core_field_offset(struct task_struct, thread_node);
	if (!(BPF_CORE_READ(t, flags) & PF_EXITING_)) {
		w->found = BPF_CORE_READ(t, pid);
		return 1;
	}
	w->next = BPF_CORE_READ(t, thread_node.next);
	return 0;
}

/* alive_thread returns the pid of a thread of t's group that is not
 * exiting, 0 when there is none, -1 when it cannot tell. */
static __always_inline __s32 alive_thread(struct task_struct *t)
{
	if (!bpf_core_field_exists(struct signal_struct, thread_head))
		return -1; /* kernels before 6.7 link threads differently */
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	struct reaper_walk w = {.head = &sig->thread_head};
	w.next = BPF_CORE_READ(sig, thread_head.next);
	bpf_loop(MAX_GROUP_THREADS, alive_step, &w, 0);
	if (w.found)
		return w.found;
	return w.done ? 0 : -1;
}

/* subreaper_step climbs one ancestor looking for a child subreaper in the
 * same pid namespace. */
static long subreaper_step(__u64 i, void *arg)
{
	struct reaper_walk *w = arg;
	struct task_struct *p = w->task;
	if (!p || BPF_CORE_READ(p, thread_pid, level) != w->level || p == w->ns_reaper) {
		w->done = 1; /* the namespace's init adopts */
		return 1;
	}
	struct signal_struct *sig = BPF_CORE_READ(p, signal);
	if (BPF_CORE_READ_BITFIELD_PROBED(sig, is_child_subreaper)) {
		w->found = 1;
		return 1;
	}
	w->task = BPF_CORE_READ(p, real_parent);
	return 0;
}

/* reaper_of returns the thread that adopts the children of the exiting
 * task t, as the kernel's find_new_reaper picks it: a live thread of its
 * group, else the nearest child subreaper ancestor in its pid namespace,
 * else the namespace's init; 0 when the namespace's init itself exits, -1
 * when it cannot tell (user space decides then). */
static __always_inline __s32 reaper_of(struct task_struct *t)
{
	__s32 r = alive_thread(t);
	if (r != 0)
		return r;
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	__u32 level = BPF_CORE_READ(pid, level);
	struct pid_namespace *ns = NULL;
	struct upid *u = &pid->numbers[0];
	bpf_probe_read_kernel(&ns, sizeof(ns), &(u + (level & 31))->ns);
	struct task_struct *ns_reaper = BPF_CORE_READ(ns, child_reaper);
	if (ns_reaper == t)
		return 0;
	__s32 init = BPF_CORE_READ(ns_reaper, pid);
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	if (!BPF_CORE_READ_BITFIELD_PROBED(sig, has_child_subreaper))
		return init;
	struct reaper_walk w = {.task = BPF_CORE_READ(t, real_parent), .ns_reaper = ns_reaper, .level = level};
	bpf_loop(MAX_ANCESTORS, subreaper_step, &w, 0);
	if (w.found) {
		r = alive_thread(w.task);
		return r > 0 ? r : -1; /* an exiting subreaper: let user space decide */
	}
	return w.done ? init : -1;
}

SEC("raw_tp/sched_process_exit")
int on_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *t = (struct task_struct *)ctx->args[0];
	if (self_tgid && cur_tgid() == self_tgid)
		return 0;
	struct scratch *s = scratch_get();
	if (!s)
		return 0;
	__s32 code = BPF_CORE_READ(t, exit_code);
	ev_start(s, PPME_PROCEXIT_E, 5, CAT_PROC);
	put_s64(s, code);
	put_s64(s, (code >> 8) & 0xff);
	__u8 sig = 0;
	if ((code & 0x7f) != 0 && (code & 0x7f) != 0x7f)
		sig = code & 0x7f;
	put_u8(s, sig);
	put_u8(s, (code & 0x80) != 0);
	/* reaper_tid: 0 without children (nothing to adopt) */
	struct list_head *head = &t->children;
	struct list_head *next = BPF_CORE_READ(t, children.next);
	put_s64(s, next == head ? 0 : reaper_of(t));
	ev_submit(s);
	return 0;
}
