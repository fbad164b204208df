/* SPDX-License-Identifier: (MIT OR GPL-2.0-only) */
/*
 * File system calls.
 */
#pragma once

#define SYS_EXIT(name) \
	SEC("raw_tp/sys_exit") int name(struct bpf_raw_tracepoint_args *ctx)

static __always_inline __s64 dirfd_arg(__u64 v)
{
	return (__s64)(__s32)v; /* AT_FDCWD is -100 in both encodings */
}

/* put_open_result stores flags (with created and layer bits), mode, dev and
 * ino of an open-like call; dev and ino come from the new file. */
static __always_inline void put_open_tail(struct scratch *s, long ret, __u32 flags, __u64 mode, int with_resolve,
					  __u64 resolve)
{
	__u32 dev = 0;
	__u64 ino = 0;
	__u32 f = open_flags_to_scap(flags);
	if (ret >= 0) {
		struct file *file = file_from_fd(ret);
		if (file) {
			file_dev_ino(file, &dev, &ino);
			if (BPF_CORE_READ(file, f_mode) & FMODE_CREATED_BIT)
				f |= PPM_O_F_CREATED;
			int layer = overlay_layer(file);
			if (layer == 1)
				f |= PPM_FD_UPPER_LAYER;
			else if (layer == 2)
				f |= PPM_FD_LOWER_LAYER;
		}
	}
	put_u32(s, f);
	put_u32(s, open_mode_to_scap(flags, mode));
	if (with_resolve)
		put_u32(s, openat2_resolve_to_scap(resolve));
	put_u32(s, dev);
	put_u64(s, ino);
}

SYS_EXIT(x_open)
{
	EXIT_BEGIN();
	ev_start(s, 3, 6, CAT_FILE);
	put_s64(s, ret);
	put_ustr(s, arg(s, 0));
	put_open_tail(s, ret, arg(s, 1), arg(s, 2), 0, 0);
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_openat)
{
	EXIT_BEGIN();
	ev_start(s, 307, 7, CAT_FILE);
	put_s64(s, ret);
	put_s64(s, dirfd_arg(arg(s, 0)));
	put_ustr(s, arg(s, 1));
	put_open_tail(s, ret, arg(s, 2), arg(s, 3), 0, 0);
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_openat2)
{
	EXIT_BEGIN();
	struct open_how how = {};
	bpf_probe_read_user(&how, sizeof(how), (void *)arg(s, 2));
	ev_start(s, 327, 8, CAT_FILE);
	put_s64(s, ret);
	put_s64(s, dirfd_arg(arg(s, 0)));
	put_ustr(s, arg(s, 1));
	put_open_tail(s, ret, how.flags, how.mode, 1, how.resolve);
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_creat)
{
	EXIT_BEGIN();
	__u32 dev = 0;
	__u64 ino = 0;
	__u16 cf = 0;
	ev_start(s, 59, 6, CAT_FILE);
	put_s64(s, ret);
	put_ustr(s, arg(s, 0));
	put_u32(s, mode_to_scap(arg(s, 1)));
	if (ret >= 0) {
		struct file *file = file_from_fd(ret);
		if (file) {
			file_dev_ino(file, &dev, &ino);
			int layer = overlay_layer(file);
			if (layer == 1)
				cf |= PPM_FD_UPPER_LAYER_CREAT;
			else if (layer == 2)
				cf |= PPM_FD_LOWER_LAYER_CREAT;
		}
	}
	put_u32(s, dev);
	put_u64(s, ino);
	put_u16(s, cf);
	ev_submit(s);
	return 0;
}

/* close: the exit carries the fd, which is all the state needs. */
SYS_EXIT(x_close)
{
	EXIT_BEGIN();
	ev_start(s, 5, 2, CAT_FILE);
	put_s64(s, ret);
	put_s64(s, (__s32)arg(s, 0));
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_dup)
{
	EXIT_BEGIN();
	__u32 nr = s->regs.orig_ax;
	if (nr == 32) {
		ev_start(s, 367, 2, CAT_FILE);
	} else if (nr == 33) {
		ev_start(s, 363, 3, CAT_FILE);
	} else {
		ev_start(s, 365, 4, CAT_FILE);
	}
	put_s64(s, ret);
	put_s64(s, (__s32)arg(s, 0));
	if (nr != 32)
		put_s64(s, (__s32)arg(s, 1));
	if (nr == 292)
		put_u32(s, fd_flags_to_scap(arg(s, 2)) & PPM_O_CLOEXEC);
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_fcntl)
{
	EXIT_BEGIN();
	ev_start(s, 151, 4, CAT_FILE);
	put_s64(s, ret);
	put_s64(s, (__s32)arg(s, 0));
	put_u8(s, fcntl_cmd_to_scap((__u32)arg(s, 1)));
	put_u64(s, arg(s, 2));
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_chdir)
{
	EXIT_BEGIN();
	ev_start(s, 95, 2, CAT_FILE);
	put_s64(s, ret);
	put_ustr(s, arg(s, 0));
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_fchdir)
{
	EXIT_BEGIN();
	ev_start(s, 97, 2, CAT_FILE);
	put_s64(s, ret);
	put_s64(s, (__s32)arg(s, 0));
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_pipe)
{
	EXIT_BEGIN();
	__s32 fds[2] = {-1, -1};
	__u64 ino = 0;
	int two = s->regs.orig_ax == 293;
	ev_start(s, two ? 393 : 61, two ? 5 : 4, CAT_FILE);
	put_s64(s, ret);
	if (ret == 0) {
		bpf_probe_read_user(fds, sizeof(fds), (void *)arg(s, 0));
		struct file *f = file_from_fd(fds[0]);
		if (f)
			ino = BPF_CORE_READ(f, f_inode, i_ino);
	}
	put_s64(s, fds[0]);
	put_s64(s, fds[1]);
	put_u64(s, ino);
	if (two)
		put_u32(s, pipe2_flags_to_scap(arg(s, 1)));
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_memfd_create)
{
	EXIT_BEGIN();
	ev_start(s, 405, 3, CAT_FILE);
	put_s64(s, ret);
	put_ustr(s, arg(s, 0));
	put_u32(s, arg(s, 1) & 7); /* MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB */
	ev_submit(s);
	return 0;
}

/* One-path calls: unlink, rmdir, chdir-like "res, path". */
SYS_EXIT(x_unlink)
{
	EXIT_BEGIN();
	ev_start(s, s->regs.orig_ax == 84 ? 279 : 301, 2, CAT_FILE); /* rmdir : unlink */
	put_s64(s, ret);
	put_ustr(s, arg(s, 0));
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_unlinkat)
{
	EXIT_BEGIN();
	ev_start(s, 303, 4, CAT_FILE);
	put_s64(s, ret);
	put_s64(s, dirfd_arg(arg(s, 0)));
	put_ustr(s, arg(s, 1));
	put_u32(s, arg(s, 2) & 0x200); /* AT_REMOVEDIR */
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_mkdir)
{
	EXIT_BEGIN();
	ev_start(s, 277, 3, CAT_FILE);
	put_s64(s, ret);
	put_ustr(s, arg(s, 0));
	put_u32(s, arg(s, 1));
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_mkdirat)
{
	EXIT_BEGIN();
	ev_start(s, 305, 4, CAT_FILE);
	put_s64(s, ret);
	put_s64(s, dirfd_arg(arg(s, 0)));
	put_ustr(s, arg(s, 1));
	put_u32(s, arg(s, 2));
	ev_submit(s);
	return 0;
}

/* Two-path calls: rename (175), link (309), symlink (179: target is a
 * charbuf). */
SYS_EXIT(x_twopath)
{
	EXIT_BEGIN();
	__u32 nr = s->regs.orig_ax;
	ev_start(s, nr == 82 ? 175 : nr == 86 ? 309 : 179, 3, CAT_FILE);
	put_s64(s, ret);
	put_ustr(s, arg(s, 0));
	put_ustr(s, arg(s, 1));
	ev_submit(s);
	return 0;
}

/* renameat (177), renameat2 (319), linkat (311). */
SYS_EXIT(x_renameat)
{
	EXIT_BEGIN();
	__u32 nr = s->regs.orig_ax;
	if (nr == 264)
		ev_start(s, 177, 5, CAT_FILE);
	else
		ev_start(s, nr == 316 ? 319 : 311, 6, CAT_FILE);
	put_s64(s, ret);
	put_s64(s, dirfd_arg(arg(s, 0)));
	put_ustr(s, arg(s, 1));
	put_s64(s, dirfd_arg(arg(s, 2)));
	put_ustr(s, arg(s, 3));
	if (nr == 316)
		put_u32(s, arg(s, 4) & 7); /* RENAME_NOREPLACE, _EXCHANGE, _WHITEOUT */
	else if (nr == 265)
		put_u32(s, arg(s, 4) & (0x400 | 0x1000)); /* AT_SYMLINK_FOLLOW, AT_EMPTY_PATH */
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_symlinkat)
{
	EXIT_BEGIN();
	ev_start(s, 181, 4, CAT_FILE);
	put_s64(s, ret);
	put_ustr(s, arg(s, 0));
	put_s64(s, dirfd_arg(arg(s, 1)));
	put_ustr(s, arg(s, 2));
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_chmod)
{
	EXIT_BEGIN();
	__u32 nr = s->regs.orig_ax;
	if (nr == 90) { /* chmod */
		ev_start(s, 315, 3, CAT_FILE);
		put_s64(s, ret);
		put_ustr(s, arg(s, 0));
		put_u32(s, mode_to_scap(arg(s, 1)));
	} else if (nr == 91) { /* fchmod */
		ev_start(s, 317, 3, CAT_FILE);
		put_s64(s, ret);
		put_s64(s, (__s32)arg(s, 0));
		put_u32(s, mode_to_scap(arg(s, 1)));
	} else { /* fchmodat */
		ev_start(s, 313, 4, CAT_FILE);
		put_s64(s, ret);
		put_s64(s, dirfd_arg(arg(s, 0)));
		put_ustr(s, arg(s, 1));
		put_u32(s, mode_to_scap(arg(s, 2)));
	}
	ev_submit(s);
	return 0;
}

/* read (7) and write (9): res, data, fd, size. */
SYS_EXIT(x_rw)
{
	EXIT_BEGIN();
	int wr = s->regs.orig_ax == 1;
	ev_start(s, wr ? 9 : 7, 4, CAT_OTHER);
	put_s64(s, ret);
	if (ret > 0)
		put_buf(s, (void *)arg(s, 1), ret, snaplen, 1);
	else
		put_empty(s);
	put_s64(s, (__s32)arg(s, 0));
	put_u32(s, arg(s, 2));
	ev_submit(s);
	return 0;
}
