/* SPDX-License-Identifier: (MIT OR GPL-2.0-only) */
/*
 * Privileges, memory, modules, namespaces and other calls.
 */
#pragma once

/* setuid (199), setgid (201): res, id. */
SYS_EXIT(x_setid)
{
	EXIT_BEGIN();
	ev_start(s, s->regs.orig_ax == 105 ? 199 : 201, 2, CAT_OTHER);
	put_s64(s, ret);
	put_u32(s, arg(s, 0));
	ev_submit(s);
	return 0;
}

/* setresuid (193), setresgid (195): res, r, e, s. */
SYS_EXIT(x_setresid)
{
	EXIT_BEGIN();
	ev_start(s, s->regs.orig_ax == 117 ? 193 : 195, 4, CAT_OTHER);
	put_s64(s, ret);
	put_u32(s, arg(s, 0));
	put_u32(s, arg(s, 1));
	put_u32(s, arg(s, 2));
	ev_submit(s);
	return 0;
}

/* ptrace (169): res, addr (dyn), data (dyn), request, pid. */
SYS_EXIT(x_ptrace)
{
	EXIT_BEGIN();
	__u16 req = ptrace_req_to_scap(arg(s, 0));
	ev_start(s, 169, 5, CAT_OTHER);
	put_s64(s, ret);
	/* addr: PPM_PTRACE_IDX_UINT64 + value (0 on failure) */
	__u32 start = s->pos;
	raw_u8(s, 0);
	raw_u64(s, ret < 0 ? 0 : arg(s, 2));
	put_len(s, s->pos - start);
	start = s->pos;
	if (ret < 0) {
		raw_u8(s, 0);
		raw_u64(s, 0);
	} else if (req >= 2 && req <= 4) { /* PEEK*: the word read */
		__u64 v = 0;
		bpf_probe_read_user(&v, sizeof(v), (void *)arg(s, 3));
		raw_u8(s, 0);
		raw_u64(s, v);
	} else if (req == 8 || req == 10 || req == 12 || req == 13) { /* CONT, SINGLESTEP, DETACH, SYSCALL: a signal */
		raw_u8(s, 1);
		raw_u8(s, arg(s, 3));
	} else {
		raw_u8(s, 0);
		raw_u64(s, arg(s, 3));
	}
	put_len(s, s->pos - start);
	put_u16(s, req);
	put_s64(s, (__s32)arg(s, 1));
	ev_submit(s);
	return 0;
}

/* mmap (161): res, vm_size, vm_rss, vm_swap, addr, length, prot, flags,
 * fd, offset. */
SYS_EXIT(x_mmap)
{
	EXIT_BEGIN();
	struct mm_struct *mm = BPF_CORE_READ(cur_task(), mm);
	ev_start(s, 161, 10, CAT_OTHER);
	put_s64(s, ret);
	put_u32(s, mm_vm_size(mm));
	put_u32(s, mm_rss(mm));
	put_u32(s, mm_swap(mm));
	put_u64(s, arg(s, 0));
	put_u64(s, arg(s, 1));
	put_u32(s, prot_to_scap(arg(s, 2)));
	put_u32(s, mmap_flags_to_scap(arg(s, 3)));
	put_s64(s, (__s32)arg(s, 4));
	put_u64(s, arg(s, 5));
	ev_submit(s);
	return 0;
}

/* mprotect (329): res, addr, length, prot. */
SYS_EXIT(x_mprotect)
{
	EXIT_BEGIN();
	ev_start(s, 329, 4, CAT_OTHER);
	put_s64(s, ret);
	put_u64(s, arg(s, 0));
	put_u64(s, arg(s, 1));
	put_u32(s, prot_to_scap(arg(s, 2)));
	ev_submit(s);
	return 0;
}

/* init_module (411): res, img (first snaplen bytes), length, uargs. */
SYS_EXIT(x_init_module)
{
	EXIT_BEGIN();
	ev_start(s, 411, 4, CAT_OTHER);
	put_s64(s, ret);
	put_buf(s, (void *)arg(s, 0), arg(s, 1), snaplen, 1);
	put_u64(s, arg(s, 1));
	put_str(s, (void *)arg(s, 2), MAX_ARGS, 1);
	ev_submit(s);
	return 0;
}

/* finit_module (413): res, fd, uargs, flags. */
SYS_EXIT(x_finit_module)
{
	EXIT_BEGIN();
	ev_start(s, 413, 4, CAT_OTHER);
	put_s64(s, ret);
	put_s64(s, (__s32)arg(s, 0));
	put_str(s, (void *)arg(s, 1), MAX_ARGS, 1);
	put_u32(s, arg(s, 2) & 7);
	ev_submit(s);
	return 0;
}

/* bpf (369): fd, cmd. */
SYS_EXIT(x_bpf)
{
	EXIT_BEGIN();
	ev_start(s, 369, 2, CAT_OTHER);
	put_s64(s, ret);
	put_s32(s, (__s32)arg(s, 0));
	ev_submit(s);
	return 0;
}

/* setns (241): res, fd, nstype. */
SYS_EXIT(x_setns)
{
	EXIT_BEGIN();
	ev_start(s, 241, 3, CAT_OTHER);
	put_s64(s, ret);
	put_s64(s, (__s32)arg(s, 0));
	put_u32(s, clone_flags_to_scap(arg(s, 1)));
	ev_submit(s);
	return 0;
}

/* unshare (285): res, flags. */
SYS_EXIT(x_unshare)
{
	EXIT_BEGIN();
	ev_start(s, 285, 2, CAT_OTHER);
	put_s64(s, ret);
	put_u32(s, clone_flags_to_scap(arg(s, 0)));
	ev_submit(s);
	return 0;
}

/* userfaultfd (321): res, flags. */
SYS_EXIT(x_userfaultfd)
{
	EXIT_BEGIN();
	ev_start(s, 321, 2, CAT_OTHER);
	put_s64(s, ret);
	put_u32(s, arg(s, 0));
	ev_submit(s);
	return 0;
}
