/* SPDX-License-Identifier: (MIT OR GPL-2.0-only) */
/*
 * Reading kernel state (CO-RE): tasks, pids, files, paths, cgroups and
 * sockets.
 */
#pragma once

#define S_IFMT_ 0170000
#define S_IFSOCK_ 0140000
#define S_IFREG_ 0100000
#define S_IFDIR_ 0040000
#define S_IFLNK_ 0120000
#define SB_RDONLY_ 1
#define S_IMMUTABLE_ (1 << 3)
#define OVERLAYFS_MAGIC 0x794c7630
#define AF_UNIX_ 1
#define AF_INET_ 2
#define AF_INET6_ 10

struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

struct inode___old {
	struct timespec64 i_ctime;
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

static __always_inline struct task_struct *cur_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

static __always_inline __u32 cur_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

/* in_compat reports whether the current syscall is a 32-bit one. */
static __always_inline int in_compat(void)
{
	__u32 status = BPF_CORE_READ(cur_task(), thread_info.status);
	return status & 0x0002; /* TS_COMPAT */
}

/* pid_nr_ns returns the number of pid in its own (innermost) namespace
 * when virt is set, else in the initial namespace. */
static __always_inline __s32 pid_nr(struct pid *pid, int virt)
{
	__u32 level = 0;
	__s32 nr = 0;
	if (!pid)
		return 0;
	if (virt)
		level = BPF_CORE_READ(pid, level);
	struct upid *u = &pid->numbers[0];
	bpf_probe_read_kernel(&nr, sizeof(nr), &(u + (level & 31))->nr);
	return nr;
}

/* task_pid_of returns the struct pid of a task for PIDTYPE_PID (0),
 * PIDTYPE_TGID (1), PIDTYPE_PGID (2) or PIDTYPE_SID (3). */
static __always_inline struct pid *task_pid_of(struct task_struct *t, int type)
{
	if (type == 0)
		return BPF_CORE_READ(t, thread_pid);
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	struct pid *p = NULL;
	bpf_probe_read_kernel(&p, sizeof(p), &sig->pids[type & 3]);
	return p;
}

/* file_from_fd returns the open file of fd in the current task, or NULL. */
static __always_inline struct file *file_from_fd(__s64 fd)
{
	struct file *f = NULL;
	if (fd < 0)
		return NULL;
	struct fdtable *fdt = BPF_CORE_READ(cur_task(), files, fdt);
	if (!fdt)
		return NULL;
	__u32 max = BPF_CORE_READ(fdt, max_fds);
	if (fd >= max)
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	if (!fds)
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* overlay_layer returns 0 (not overlay), 1 (upper) or 2 (lower). */
static __always_inline int overlay_layer(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	if (BPF_CORE_READ(d, d_sb, s_magic) != OVERLAYFS_MAGIC)
		return 0;
	/* struct ovl_inode keeps the upper dentry right after its vfs inode. */
	char *vfs_inode = (char *)BPF_CORE_READ(d, d_inode);
	struct dentry *upper = NULL;
	bpf_probe_read_kernel(&upper, sizeof(upper), vfs_inode + bpf_core_type_size(struct inode));
	if (upper && BPF_CORE_READ(upper, d_inode, i_ino))
		return 1;
	return 2;
}

/* file_dev_ino reads the encoded device and inode number of a file. */
static __always_inline void file_dev_ino(struct file *f, __u32 *dev, __u64 *ino)
{
	struct inode *i = BPF_CORE_READ(f, f_inode);
	*dev = encode_dev(BPF_CORE_READ(i, i_sb, s_dev));
	*ino = BPF_CORE_READ(i, i_ino);
}

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	struct kernfs_node *p = NULL;
	if (bpf_core_field_exists(kn->__parent)) {
		barrier_var(kn);
		bpf_probe_read_kernel(&p, sizeof(p), &kn->__parent);
	} else {
		struct kernfs_node___old *o = (void *)kn;
		barrier_var(o);
		bpf_probe_read_kernel(&p, sizeof(p), &o->parent);
	}
	return p;
}

/* Path walks run in bpf_loop callbacks so that their loops are verified
 * once instead of once per iteration. The callbacks find the scratch area
 * again with scratch_get(). */

struct walk_ctx {
	struct dentry *dentry, *root_d;
	struct vfsmount *vfsmnt, *root_m;
	struct mount *mnt;
	struct kernfs_node *kn;
	__u32 n;
	__u32 pseudo; /* the walk ended at a dentry of no mounted tree */
};

/* dentry_step records one path component (leaf first), crossing mounts. */
static long dentry_step(__u64 i, void *arg)
{
	struct walk_ctx *w = arg;
	struct scratch *s = scratch_get();
	struct dentry *d = w->dentry;
	struct vfsmount *vm = w->vfsmnt;
	struct mount *mnt = w->mnt;
	if (!s || !d || (d == w->root_d && vm == w->root_m))
		return 1;
	struct dentry *mnt_root = BPF_CORE_READ(vm, mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if (d == parent && d != mnt_root) {
		/* A root that is no mount's root: a pseudo file system's
		 * dentry (memfd, pipe, anon inode) or a disconnected one. */
		w->pseudo = 1;
		return 1;
	}
	if (d == mnt_root) {
		struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);
		if (mp == mnt || !mp)
			return 1;
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mp;
		w->vfsmnt = &mp->mnt;
		return 0;
	}
	if (w->n >= MAX_COMPONENTS)
		return 1;
	s->comps[w->n & 63] = (__u64)BPF_CORE_READ(d, d_name.name);
	w->n++;
	w->dentry = parent;
	return 0;
}

/* kernfs_step records one cgroup path component (leaf first). */
static long kernfs_step(__u64 i, void *arg)
{
	struct walk_ctx *w = arg;
	struct scratch *s = scratch_get();
	struct kernfs_node *kn = w->kn;
	if (!s || !kn)
		return 1;
	struct kernfs_node *parent = kn_parent(kn);
	if (!parent)
		return 1; /* the hierarchy root has no name */
	s->comps[w->n & 63] = (__u64)BPF_CORE_READ(kn, name);
	w->n++;
	w->kn = parent;
	return 0;
}

/* emit_step writes "/component" for the recorded components, root first. */
static long emit_step(__u64 i, void *arg)
{
	struct walk_ctx *w = arg;
	struct scratch *s = scratch_get();
	if (!s)
		return 1;
	int k = (int)w->n - 1 - (int)i;
	if (k < 0)
		return 1;
	raw_u8(s, '/');
	if (raw_str(s, (void *)s->comps[k & 63], 256, 0))
		s->pos -= 1; /* the next '/' or the final NUL replaces it */
	return 0;
}

/* raw_path writes the path of (dentry, vfsmnt) as seen from the current
 * task's root, NUL-terminated, and returns its length. Deeper paths keep
 * their last MAX_COMPONENTS components. A file of no mounted tree is named
 * by its dentry alone, as Falco's drivers do: an executed memfd is
 * "memfd:NAME" (not "/memfd:NAME (deleted)" as d_path writes it). */
static __always_inline __u16 raw_path(struct scratch *s, struct dentry *dentry, struct vfsmount *vfsmnt)
{
	struct task_struct *t = cur_task();
	struct walk_ctx w = {
		.dentry = dentry,
		.vfsmnt = vfsmnt,
		.mnt = container_of(vfsmnt, struct mount, mnt),
		.root_d = BPF_CORE_READ(t, fs, root.dentry),
		.root_m = BPF_CORE_READ(t, fs, root.mnt),
	};
	__u32 start = s->pos;
	bpf_loop(MAX_COMPONENTS + 8, dentry_step, &w, 0);
	struct dentry *last = w.dentry;
	if (w.n == 0 && w.pseudo && last) {
		if (!raw_str(s, BPF_CORE_READ(last, d_name.name), 256, 0))
			raw_u8(s, '/');
		else
			s->pos -= 1; /* the final NUL is written below */
	} else if (w.n == 0)
		raw_u8(s, '/');
	else
		bpf_loop(MAX_COMPONENTS, emit_step, &w, 0);
	s = scratch_get(); /* the callbacks moved s->pos */
	if (!s)
		return 0;
	raw_u8(s, 0);
	return s->pos - start;
}

static __always_inline void put_path(struct scratch *s, struct dentry *d, struct vfsmount *m)
{
	put_len(s, raw_path(s, d, m));
}

/* put_cwd stores the current working directory of the current task. */
static __always_inline void put_cwd(struct scratch *s)
{
	struct fs_struct *fs = BPF_CORE_READ(cur_task(), fs);
	put_path(s, BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt));
}

/* raw_cgroup writes "name=/path\0" for one cgroup subsystem. */
static __always_inline __u32 raw_cgroup(struct scratch *s, struct task_struct *t, int id)
{
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cs = BPF_CORE_READ(t, cgroups);
	bpf_probe_read_kernel(&css, sizeof(css), &cs->subsys[id & 15]);
	if (!css)
		return 0;
	__u32 start = s->pos;
	const char *name = BPF_CORE_READ(css, ss, name);
	if (!raw_str(s, name, 64, 0))
		return 0;
	s->pos -= 1;
	raw_u8(s, '=');
	struct walk_ctx w = {.kn = BPF_CORE_READ(css, cgroup, kn)};
	bpf_loop(MAX_CGROUP_DEPTH, kernfs_step, &w, 0);
	if (w.n == 0)
		raw_u8(s, '/');
	else
		bpf_loop(MAX_CGROUP_DEPTH, emit_step, &w, 0);
	s = scratch_get();
	if (!s)
		return 0;
	raw_u8(s, 0);
	return s->pos - start;
}

/* put_cgroups stores the cpuset, cpu, cpuacct, io and memory cgroups. */
static __always_inline void put_cgroups(struct scratch *s, struct task_struct *t)
{
	__u32 n = 0;
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpuset_cgrp_id))
		n += raw_cgroup(s, t, bpf_core_enum_value(enum cgroup_subsys_id, cpuset_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpu_cgrp_id))
		n += raw_cgroup(s, t, bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpuacct_cgrp_id))
		n += raw_cgroup(s, t, bpf_core_enum_value(enum cgroup_subsys_id, cpuacct_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, io_cgrp_id))
		n += raw_cgroup(s, t, bpf_core_enum_value(enum cgroup_subsys_id, io_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		n += raw_cgroup(s, t, bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id));
	put_len(s, n);
}

/* Memory counters in KiB. */
static __always_inline __u32 mm_vm_size(struct mm_struct *mm)
{
	return BPF_CORE_READ(mm, total_vm) << 2;
}

static __always_inline __s64 mm_counter(struct mm_struct *mm, int idx)
{
	__s64 v = 0;
	bpf_probe_read_kernel(&v, sizeof(v), &mm->rss_stat[idx & 3].count);
	return v < 0 ? 0 : v;
}

static __always_inline __u32 mm_rss(struct mm_struct *mm)
{
	/* MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES */
	return (mm_counter(mm, 0) + mm_counter(mm, 1) + mm_counter(mm, 3)) << 2;
}

static __always_inline __u32 mm_swap(struct mm_struct *mm)
{
	return mm_counter(mm, 2) << 2; /* MM_SWAPENTS */
}

static __always_inline __u64 task_fdlimit(struct task_struct *t)
{
	return BPF_CORE_READ(t, signal, rlim[7].rlim_cur); /* RLIMIT_NOFILE */
}

static __always_inline __u32 task_tty(struct task_struct *t)
{
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if (!tty)
		return 0;
	struct tty_driver *drv = BPF_CORE_READ(tty, driver);
	if (!drv)
		return 0;
	__s32 index = BPF_CORE_READ(tty, index);
	__s32 major = BPF_CORE_READ(drv, major);
	__s32 minor = BPF_CORE_READ(drv, minor_start);
	return encode_dev(((__u32)major << 20) + (__u32)minor + (__u32)index);
}

static __always_inline __u64 caps_to_scap(kernel_cap_t c)
{
	return c.val & ((1ULL << 41) - 1); /* PPM_CAP_* share the kernel's bit positions */
}

static __always_inline __u64 inode_time(struct inode *i, int ctime)
{
	__s64 sec = 0;
	__u32 nsec = 0;
	if (bpf_core_field_exists(i->i_ctime_sec)) {
		if (ctime) {
			sec = BPF_CORE_READ(i, i_ctime_sec);
			nsec = BPF_CORE_READ(i, i_ctime_nsec);
		} else {
			sec = BPF_CORE_READ(i, i_mtime_sec);
			nsec = BPF_CORE_READ(i, i_mtime_nsec);
		}
	} else {
		struct inode___old *o = (void *)i;
		struct timespec64 ts = {};
		if (ctime)
			ts = BPF_CORE_READ(o, i_ctime);
		else
			ts = BPF_CORE_READ(o, i_mtime);
		sec = ts.tv_sec;
		nsec = ts.tv_nsec;
	}
	if (sec < 0)
		return 0;
	return (__u64)sec * 1000000000ULL + (nsec & 0x3fffffff);
}

/* exe_writable approximates the kernel's write permission check of the
 * executable for the task (owner, mode bits for owner/group/other,
 * CAP_DAC_OVERRIDE and CAP_FOWNER; supplementary groups and ACLs are not
 * considered). */
static __always_inline int exe_writable(struct task_struct *t, struct inode *i)
{
	__u16 mode = BPF_CORE_READ(i, i_mode);
	__u32 iflags = BPF_CORE_READ(i, i_flags);
	__u64 sflags = BPF_CORE_READ(i, i_sb, s_flags);
	__u16 fmt = mode & S_IFMT_;
	if ((sflags & SB_RDONLY_) && (fmt == S_IFREG_ || fmt == S_IFDIR_ || fmt == S_IFLNK_))
		return 0;
	if (iflags & S_IMMUTABLE_)
		return 0;
	__u32 iuid = BPF_CORE_READ(i, i_uid.val);
	__u32 igid = BPF_CORE_READ(i, i_gid.val);
	__u32 fsuid = BPF_CORE_READ(t, cred, fsuid.val);
	__u32 fsgid = BPF_CORE_READ(t, cred, fsgid.val);
	if (fsuid == iuid)
		return 1;
	__u16 m = mode;
	if (igid == fsgid)
		m >>= 3;
	if (m & 02)
		return 1;
	kernel_cap_t eff = BPF_CORE_READ(t, cred, cap_effective);
	if (eff.val & ((1ULL << 1) | (1ULL << 3))) /* CAP_DAC_OVERRIDE, CAP_FOWNER */
		return 1;
	return 0;
}

static __always_inline int exe_from_memfd(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	if (!d || BPF_CORE_READ(d, d_parent) != d)
		return 0;
	char name[8] = {};
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(d, d_name.name));
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' && name[4] == 'd' &&
	       name[5] == ':';
}

/* Sockets. */

/* socket_of_file returns the socket of a socket file, or NULL. */
static __always_inline struct socket *socket_of_file(struct file *f)
{
	if (!f)
		return NULL;
	__u16 mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT_) != S_IFSOCK_)
		return NULL;
	return BPF_CORE_READ(f, private_data);
}

static __always_inline struct sock *sock_of_file(struct file *f)
{
	struct socket *so = socket_of_file(f);
	if (!so)
		return NULL;
	return BPF_CORE_READ(so, sk);
}

static __always_inline __u16 ntoh16(__u16 v)
{
	return __builtin_bswap16(v);
}

/* raw_unix_path writes the path of a unix socket address (abstract names
 * without their leading NUL). */
static __always_inline __u16 raw_unix_path(struct scratch *s, struct unix_sock *u)
{
	struct unix_address *ua = BPF_CORE_READ(u, addr);
	if (!ua) {
		raw_u8(s, 0);
		return 1;
	}
	char *p = (char *)&ua->name[0].sun_path;
	char c = 0;
	bpf_probe_read_kernel(&c, 1, p);
	if (c == 0)
		p++;
	__u16 n = raw_str(s, p, 108, 0);
	if (!n) {
		raw_u8(s, 0);
		n = 1;
	}
	return n;
}

/* put_tuple stores the socktuple of socket fd. Outbound tuples (connect,
 * send) start with the local end, inbound ones (accept, recv) with the
 * remote end. usr is a user sockaddr used when the socket has no peer
 * address (unconnected UDP). */
static __always_inline void put_tuple(struct scratch *s, __s64 fd, int outbound, __u64 usr)
{
	struct sock *sk = sock_of_file(file_from_fd(fd));
	if (!sk) {
		put_empty(s);
		return;
	}
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u32 start = s->pos;
	struct inet_sock *inet = (struct inet_sock *)sk;
	if (family == AF_INET_) {
		__u32 laddr = BPF_CORE_READ(inet, inet_saddr);
		__u16 lport = BPF_CORE_READ(inet, inet_sport);
		__u32 raddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__u16 rport = BPF_CORE_READ(sk, __sk_common.skc_dport);
		if (rport == 0 && usr) {
			struct sockaddr_in sin = {};
			bpf_probe_read_user(&sin, sizeof(sin), (void *)usr);
			if (sin.sin_family == AF_INET_) {
				raddr = sin.sin_addr.s_addr;
				rport = sin.sin_port;
			}
		}
		raw_u8(s, AF_INET_);
		if (outbound) {
			raw_u32(s, laddr);
			raw_u16(s, ntoh16(lport));
			raw_u32(s, raddr);
			raw_u16(s, ntoh16(rport));
		} else {
			raw_u32(s, raddr);
			raw_u16(s, ntoh16(rport));
			raw_u32(s, laddr);
			raw_u16(s, ntoh16(lport));
		}
	} else if (family == AF_INET6_) {
		struct in6_addr l = {}, r = {};
		struct ipv6_pinfo *pi = BPF_CORE_READ(inet, pinet6);
		if (pi)
			l = BPF_CORE_READ(pi, saddr);
		__u16 lport = BPF_CORE_READ(inet, inet_sport);
		r = BPF_CORE_READ(sk, __sk_common.skc_v6_daddr);
		__u16 rport = BPF_CORE_READ(sk, __sk_common.skc_dport);
		if (rport == 0 && usr) {
			struct sockaddr_in6 sin6 = {};
			bpf_probe_read_user(&sin6, sizeof(sin6), (void *)usr);
			if (sin6.sin6_family == AF_INET6_) {
				r = sin6.sin6_addr;
				rport = sin6.sin6_port;
			}
		}
		raw_u8(s, AF_INET6_);
		struct in6_addr *a = outbound ? &l : &r;
		struct in6_addr *b = outbound ? &r : &l;
		__u16 pa = outbound ? lport : rport;
		__u16 pb = outbound ? rport : lport;
		raw_u64(s, *(__u64 *)&a->in6_u.u6_addr8[0]);
		raw_u64(s, *(__u64 *)&a->in6_u.u6_addr8[8]);
		raw_u16(s, ntoh16(pa));
		raw_u64(s, *(__u64 *)&b->in6_u.u6_addr8[0]);
		raw_u64(s, *(__u64 *)&b->in6_u.u6_addr8[8]);
		raw_u16(s, ntoh16(pb));
	} else if (family == AF_UNIX_) {
		struct unix_sock *local = (struct unix_sock *)sk;
		struct unix_sock *peer = (struct unix_sock *)BPF_CORE_READ(local, peer);
		raw_u8(s, AF_UNIX_);
		if (outbound) {
			raw_u64(s, (__u64)peer);
			raw_u64(s, (__u64)local);
			if (peer) {
				raw_unix_path(s, peer);
			} else if (usr) {
				/* sun_path of the user address, abstract names without their NUL */
				__u64 p = usr + 2;
				char c = 0;
				bpf_probe_read_user(&c, 1, (void *)p);
				if (c == 0)
					p++;
				if (!raw_str(s, (void *)p, 108, 1))
					raw_u8(s, 0);
			} else {
				raw_u8(s, 0);
			}
		} else {
			raw_u64(s, (__u64)local);
			raw_u64(s, (__u64)peer);
			raw_unix_path(s, local);
		}
	} else {
		put_empty(s);
		return;
	}
	put_len(s, s->pos - start);
}

/* put_sockaddr stores a user sockaddr of addrlen bytes. */
static __always_inline void put_sockaddr(struct scratch *s, __u64 uptr, __u64 addrlen)
{
	if (!uptr || addrlen < 2) {
		put_empty(s);
		return;
	}
	if (addrlen > sizeof(s->tmp))
		addrlen = sizeof(s->tmp);
	__builtin_memset(s->tmp, 0, sizeof(s->tmp));
	if (bpf_probe_read_user(s->tmp, addrlen & 127, (void *)uptr)) {
		count_error();
		put_empty(s);
		return;
	}
	__u16 family = *(__u16 *)&s->tmp[0];
	__u32 start = s->pos;
	if (family == AF_INET_) {
		raw_u8(s, AF_INET_);
		raw_u32(s, *(__u32 *)&s->tmp[4]);
		raw_u16(s, ntoh16(*(__u16 *)&s->tmp[2]));
	} else if (family == AF_INET6_) {
		raw_u8(s, AF_INET6_);
		raw_u64(s, *(__u64 *)&s->tmp[8]);
		raw_u64(s, *(__u64 *)&s->tmp[16]);
		raw_u16(s, ntoh16(*(__u16 *)&s->tmp[2]));
	} else if (family == AF_UNIX_) {
		raw_u8(s, AF_UNIX_);
		s->tmp[sizeof(s->tmp) - 1] = 0;
		int off = s->tmp[2] == 0 ? 3 : 2;
		if (!raw_str(s, &s->tmp[off], 108, 0))
			raw_u8(s, 0);
	} else {
		put_empty(s);
		return;
	}
	put_len(s, s->pos - start);
}
