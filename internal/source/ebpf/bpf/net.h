/* SPDX-License-Identifier: (MIT OR GPL-2.0-only) */
/*
 * Network system calls.
 */
#pragma once

SYS_EXIT(x_socket)
{
	EXIT_BEGIN();
	ev_start(s, 19, 5, CAT_NET);
	put_s64(s, ret);
	put_u32(s, (__u8)arg(s, 0));
	put_u32(s, arg(s, 1));
	put_u32(s, arg(s, 2));
	put_u32(s, fd_flags_to_scap(arg(s, 1)));
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_connect)
{
	EXIT_BEGIN();
	__s64 fd = (__s32)arg(s, 0);
	ev_start(s, 23, 4, CAT_NET);
	put_s64(s, ret);
	if (ret == 0 || ret == -EINPROGRESS_)
		put_tuple(s, fd, 1, arg(s, 1));
	else
		put_empty(s);
	put_s64(s, fd);
	put_sockaddr(s, arg(s, 1), arg(s, 2));
	ev_submit(s);
	return 0;
}

/* accept (247) and accept4 (389). */
SYS_EXIT(x_accept)
{
	EXIT_BEGIN();
	int four = s->regs.orig_ax == 288;
	ev_start(s, four ? 389 : 247, four ? 6 : 5, CAT_NET);
	put_s64(s, ret);
	if (ret >= 0)
		put_tuple(s, ret, 0, 0);
	else
		put_empty(s);
	__u32 qlen = 0, qmax = 0;
	__u8 pct = 0;
	struct sock *sk = sock_of_file(file_from_fd((__s32)arg(s, 0)));
	if (sk) {
		qlen = BPF_CORE_READ(sk, sk_ack_backlog);
		qmax = BPF_CORE_READ(sk, sk_max_ack_backlog);
		if (qmax)
			pct = (__u8)((__u64)qlen * 100 / qmax);
	}
	put_u8(s, pct);
	put_u32(s, qlen);
	put_u32(s, qmax);
	if (four)
		put_u32(s, fd_flags_to_scap(arg(s, 3)));
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_bind)
{
	EXIT_BEGIN();
	ev_start(s, 21, 3, CAT_NET);
	put_s64(s, ret);
	put_sockaddr(s, arg(s, 1), arg(s, 2));
	put_s64(s, (__s32)arg(s, 0));
	ev_submit(s);
	return 0;
}

SYS_EXIT(x_listen)
{
	EXIT_BEGIN();
	ev_start(s, 25, 3, CAT_NET);
	put_s64(s, ret);
	put_s64(s, (__s32)arg(s, 0));
	put_s32(s, (__s32)arg(s, 1));
	ev_submit(s);
	return 0;
}

#define SOCK_STREAM_ 1
#define TCP_ESTABLISHED_ 1

/* send_left_out applies Config.SendUnconnectedDatagramsOnly to a sendto or
 * sendmsg on fd: calls on stream sockets and on connected sockets (connected
 * datagram sockets are in state TCP_ESTABLISHED too) are not sent and are
 * counted as filtered. Anything that is not a readable socket is sent. */
static __always_inline int send_left_out(__s64 fd)
{
	if (!send_unconnected_dgram_only)
		return 0;
	struct socket *so = socket_of_file(file_from_fd(fd));
	if (!so)
		return 0;
	short type = BPF_CORE_READ(so, type);
	struct sock *sk = BPF_CORE_READ(so, sk);
	if (type != SOCK_STREAM_ && (!sk || BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_ESTABLISHED_))
		return 0;
	struct counters *c = counters_get();
	if (c)
		c->filtered++;
	return 1;
}

/* sendto (31): res, data, fd, size, tuple. */
SYS_EXIT(x_sendto)
{
	EXIT_BEGIN();
	__s64 fd = (__s32)arg(s, 0);
	if (send_left_out(fd))
		return 0;
	ev_start(s, 31, 5, CAT_NET);
	put_s64(s, ret);
	put_buf(s, (void *)arg(s, 1), ret > 0 ? ret : 0, snaplen, 1);
	put_s64(s, fd);
	put_u32(s, arg(s, 2));
	if (ret >= 0)
		put_tuple(s, fd, 1, arg(s, 4));
	else
		put_empty(s);
	ev_submit(s);
	return 0;
}

/* recvfrom (35): res, data, tuple, fd, size. */
SYS_EXIT(x_recvfrom)
{
	EXIT_BEGIN();
	__s64 fd = (__s32)arg(s, 0);
	ev_start(s, 35, 5, CAT_NET);
	put_s64(s, ret);
	if (ret >= 0) {
		put_buf(s, (void *)arg(s, 1), ret, snaplen, 1);
		put_tuple(s, fd, 0, arg(s, 4));
	} else {
		put_empty(s);
		put_empty(s);
	}
	put_s64(s, fd);
	put_u32(s, arg(s, 2));
	ev_submit(s);
	return 0;
}

struct umsg {
	__u64 name;
	__s32 namelen;
	__u64 iov;
	__u64 iovlen;
	__u64 control;
	__u64 controllen;
	__u32 flags;
};

#define MAX_IOV 8

/* iov_size sums the lengths of the first MAX_IOV iovecs. */
static __always_inline __u64 iov_size(__u64 iov, __u64 n)
{
	__u64 total = 0;
	for (int i = 0; i < MAX_IOV; i++) {
		if (i >= n)
			break;
		__u64 len = 0;
		bpf_probe_read_user(&len, sizeof(len), (void *)(iov + i * 16 + 8));
		total += len;
	}
	return total;
}

/* put_iov_data copies up to limit bytes from consecutive iovecs. */
static __always_inline void put_iov_data(struct scratch *s, __u64 iov, __u64 n, __u64 limit)
{
	__u32 total = 0;
	if (limit > snaplen)
		limit = snaplen;
	for (int i = 0; i < MAX_IOV; i++) {
		if (i >= n || total >= limit)
			break;
		__u64 v[2] = {};
		if (bpf_probe_read_user(v, sizeof(v), (void *)(iov + i * 16)))
			break;
		total += raw_buf(s, (void *)v[0], v[1], limit - total, 1);
	}
	put_len(s, total);
}

/* sendmsg (49): res, data, fd, size, tuple. */
SYS_EXIT(x_sendmsg)
{
	EXIT_BEGIN();
	__s64 fd = (__s32)arg(s, 0);
	if (send_left_out(fd))
		return 0;
	struct umsg m = {};
	bpf_probe_read_user(&m, sizeof(m), (void *)arg(s, 1));
	ev_start(s, 49, 5, CAT_NET);
	put_s64(s, ret);
	if (ret > 0)
		put_iov_data(s, m.iov, m.iovlen, ret);
	else
		put_empty(s);
	put_s64(s, fd);
	put_u32(s, iov_size(m.iov, m.iovlen));
	if (ret >= 0)
		put_tuple(s, fd, 1, m.name);
	else
		put_empty(s);
	ev_submit(s);
	return 0;
}

/* recvmsg (53): res, size, data, tuple, msgcontrol, fd. */
SYS_EXIT(x_recvmsg)
{
	EXIT_BEGIN();
	__s64 fd = (__s32)arg(s, 0);
	ev_start(s, 53, 6, CAT_NET);
	put_s64(s, ret);
	if (ret >= 0) {
		struct umsg m = {};
		bpf_probe_read_user(&m, sizeof(m), (void *)arg(s, 1));
		put_u32(s, ret);
		put_iov_data(s, m.iov, m.iovlen, ret);
		put_tuple(s, fd, 0, m.name);
		put_buf(s, (void *)m.control, m.controllen, 512, 1);
	} else {
		put_u32(s, 0);
		put_empty(s);
		put_empty(s);
		put_empty(s);
	}
	put_s64(s, fd);
	ev_submit(s);
	return 0;
}
