/* sys_net.c — sockets: socket, socketpair, bind, listen, accept, accept4, connect,
 * getsockname, getpeername, sendto, recvfrom, sendmsg, recvmsg, sendmmsg, recvmmsg, shutdown,
 * setsockopt, getsockopt.
 *
 * Sockets are the host's, of every family (the kernel is the same one the guest would have).
 * Numbers and layouts are the same for the guest and the 64-bit hosts (guest_abi.h says
 * which), so ferry's work is the guest's pointers, checked in a way that keeps Linux's order
 * of errors: a pointer that is not guest memory is handed to the host as RT_FAULT_PTR and
 * the host kernel reports EFAULT where Linux would (after EBADF, ENOTSOCK, EINVAL for a bad
 * length, ...). Details:
 *   - Addresses the kernel reads (bind, connect, sendto, sendmsg) are checked for the length
 *     the kernel reads (at most sizeof(struct sockaddr_storage)).
 *   - Addresses the kernel writes (accept, getsockname, getpeername, recvfrom) go through a
 *     copy of the guest's socklen_t, written back afterwards, so the kernel never writes more
 *     than was checked even if another guest thread changes the length meanwhile (as Linux's
 *     move_addr_to_user: min(length, address size) bytes, then the full size). An accepted
 *     connection whose address cannot be written back is closed and the call is -EFAULT, as
 *     in Linux.
 *   - Data a call sends must be guest memory as a whole (else EFAULT: Linux's result for a
 *     datagram; a stream may send a prefix first on Linux). Data a call receives is clamped
 *     to the guest-mapped prefix of the buffer, as read() is (sys_fd.c).
 *   - struct msghdr is read field by field into a host one (guest_abi.h GuestMsghdr), its
 *     iovec array copied and each segment checked; a sendmsg control buffer is copied into
 *     ferry (at most 256 KiB: more than any optmem_max default, so the host says ENOBUFS)
 *     and SCM_RIGHTS entries naming ferry's own descriptor become -1 (EBADF). recvmsg's
 *     control buffer is written by the host kernel straight into guest memory (same cmsg
 *     layout; received descriptors are host descriptors, which are the guest's), then
 *     msg_namelen, msg_controllen and msg_flags are written back as Linux writes them.
 *   - sendmmsg/recvmmsg convert every entry (vlen capped at UIO_MAXIOV as Linux does) and
 *     make one host call; an unreadable entry ends the batch before it.
 *   - Socket options: the value goes to the host as it is (same layouts), checked for optlen
 *     bytes; getsockopt works on a copy of optlen. Options whose values hold pointers are
 *     either checked (SO_ATTACH_FILTER, SO_ATTACH_REUSEPORT_CBPF, PACKET_FANOUT_DATA: the
 *     struct sock_fprog's filter array) or refused with ENOPROTOOPT (TCP_ZEROCOPY_RECEIVE and
 *     the netfilter table replacements: the kernel would follow guest pointers unchecked).
 * ferry's own descriptor (-D log) is EBADF for every call.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "runtime/guest_abi.h"
#include "runtime/syscall.h"

#define CHECK_FD(fd)                            \
    do {                                        \
        if (rt_fd_reserved(t->proc, (fd)))      \
            return -EBADF;                      \
    } while (0)

#define RT_CONTROL_MAX (256u << 10)

/* ---------------------------------------------------------------- addresses */

/* An address the kernel reads: len bytes, when len is one it accepts. */
static void *addr_in(RtThread *t, uint64_t addr, int len)
{
    uint64_t n = len < 0 ? 0 : len > GUEST_SOCKADDR_STORAGE_SIZE ? 0 : (uint64_t)len;
    return rt_guest_ptr(t->proc, addr, n);
}

/* An address the kernel writes, with its value-result length. */
typedef struct AddrOut {
    uint64_t guest_lenp;        /* the guest's socklen_t *, 0 if NULL */
    bool local;                 /* lenp points at len (the guest's was readable) */
    int len;
    void *addr, *lenp;          /* what the host call gets */
} AddrOut;

static void addr_out_begin(RtThread *t, uint64_t addr, uint64_t lenp, AddrOut *o)
{
    o->guest_lenp = lenp;
    o->local = false;
    o->addr = rt_guest_ptr(t->proc, addr, 0);
    o->lenp = NULL;
    if (lenp == 0)
        return;                 /* the host faults on NULL itself, where Linux does */
    if (rt_copy_from_guest(t->proc, &o->len, lenp, sizeof o->len) < 0) {
        o->lenp = RT_FAULT_PTR;
        return;
    }
    o->local = true;
    o->lenp = &o->len;
    uint64_t n = o->len < 0 ? 0 : o->len > GUEST_SOCKADDR_STORAGE_SIZE ?
                 GUEST_SOCKADDR_STORAGE_SIZE : (uint64_t)o->len;
    o->addr = rt_guest_ptr(t->proc, addr, n);
}

/* After a successful call that wrote the length: copy it back (0 or -EFAULT). */
static int64_t addr_out_end(RtThread *t, const AddrOut *o)
{
    if (!o->local)
        return 0;
    return rt_copy_to_guest(t->proc, o->guest_lenp, &o->len, sizeof o->len) < 0 ? -EFAULT : 0;
}

/* ---------------------------------------------------------------- creating and naming */

int64_t rt_sys_socket(RtThread *t, const uint64_t *a)
{
    (void)t;
    return rt_sysret(syscall(SYS_socket, rt_arg_int(a[0]), rt_arg_int(a[1]), rt_arg_int(a[2])));
}

int64_t rt_sys_socketpair(RtThread *t, const uint64_t *a)
{
    /* Linux writes both descriptors before it creates the sockets: a bad pointer is EFAULT
     * even for a family without socketpair. */
    return rt_sysret(syscall(SYS_socketpair, rt_arg_int(a[0]), rt_arg_int(a[1]),
                             rt_arg_int(a[2]), rt_guest_ptr(t->proc, a[3], 8)));
}

int64_t rt_sys_bind(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]), len = rt_arg_int(a[2]);
    CHECK_FD(fd);
    return rt_sysret(syscall(SYS_bind, fd, addr_in(t, a[1], len), len));
}

int64_t rt_sys_connect(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]), len = rt_arg_int(a[2]);
    CHECK_FD(fd);
    return rt_sysret(syscall(SYS_connect, fd, addr_in(t, a[1], len), len));
}

int64_t rt_sys_listen(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]);
    CHECK_FD(fd);
    return rt_sysret(syscall(SYS_listen, fd, rt_arg_int(a[1])));
}

static int64_t do_accept(RtThread *t, int fd, uint64_t addr, uint64_t lenp, int flags)
{
    CHECK_FD(fd);
    AddrOut o;
    addr_out_begin(t, addr, lenp, &o);
    long r = syscall(SYS_accept4, fd, o.addr, addr ? o.lenp : NULL, flags);
    if (r < 0)
        return -errno;
    if (addr && addr_out_end(t, &o) < 0) {
        close((int)r);          /* as Linux: the connection is dropped */
        return -EFAULT;
    }
    return r;
}

int64_t rt_sys_accept(RtThread *t, const uint64_t *a)
{
    return do_accept(t, rt_arg_int(a[0]), a[1], a[2], 0);
}

int64_t rt_sys_accept4(RtThread *t, const uint64_t *a)
{
    return do_accept(t, rt_arg_int(a[0]), a[1], a[2], rt_arg_int(a[3]));
}

static int64_t do_getname(RtThread *t, const uint64_t *a, long nr)
{
    int fd = rt_arg_int(a[0]);
    CHECK_FD(fd);
    AddrOut o;
    addr_out_begin(t, a[1], a[2], &o);
    long r = syscall(nr, fd, o.addr, o.lenp);
    if (r < 0)
        return -errno;
    return addr_out_end(t, &o);
}

int64_t rt_sys_getsockname(RtThread *t, const uint64_t *a)
{
    return do_getname(t, a, SYS_getsockname);
}

int64_t rt_sys_getpeername(RtThread *t, const uint64_t *a)
{
    return do_getname(t, a, SYS_getpeername);
}

int64_t rt_sys_shutdown(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]);
    CHECK_FD(fd);
    return rt_sysret(syscall(SYS_shutdown, fd, rt_arg_int(a[1])));
}

/* ---------------------------------------------------------------- sendto, recvfrom */

/* A buffer the kernel fills: its guest-mapped prefix (RT_FAULT_PTR if none of it is). */
static void *recv_buf(RtThread *t, uint64_t buf, uint64_t len, uint64_t *n)
{
    *n = len;
    if (len == 0 || buf == 0)
        return (void *)(uintptr_t)buf;
    uint64_t ok = rt_guest_prefix(t->proc, buf, len);
    if (ok == 0)
        return RT_FAULT_PTR;
    *n = ok;
    return (void *)(uintptr_t)buf;
}

int64_t rt_sys_sendto(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]), alen = rt_arg_int(a[5]);
    CHECK_FD(fd);
    return rt_sysret(syscall(SYS_sendto, fd, rt_guest_ptr(t->proc, a[1], a[2]), (size_t)a[2],
                             (unsigned)a[3], a[4] ? addr_in(t, a[4], alen) : NULL, alen));
}

int64_t rt_sys_recvfrom(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]);
    CHECK_FD(fd);
    uint64_t n;
    void *buf = recv_buf(t, a[1], a[2], &n);
    AddrOut o;
    addr_out_begin(t, a[4], a[5], &o);
    long r = syscall(SYS_recvfrom, fd, buf, (size_t)n, (unsigned)a[3], o.addr,
                     a[4] ? o.lenp : NULL);
    if (r < 0)
        return -errno;
    if (a[4] && addr_out_end(t, &o) < 0)
        return -EFAULT;         /* as Linux: the data is consumed */
    return r;
}

/* ---------------------------------------------------------------- msghdr */

/* A guest msghdr as the host gets it. */
typedef struct MsgConv {
    struct msghdr h;
    struct iovec *iov;          /* malloc'd copy of the iovec array, or NULL */
    uint8_t *ctl;               /* malloc'd copy of a sendmsg control buffer, or NULL */
} MsgConv;

static void msg_free(MsgConv *c)
{
    free(c->iov);
    free(c->ctl);
    c->iov = NULL;
    c->ctl = NULL;
}

/* SCM_RIGHTS entries naming ferry's descriptor become -1, which the kernel refuses with
 * EBADF. The walk is the kernel's (for_each_cmsghdr, CMSG_OK): it stops where the kernel
 * would refuse the buffer with EINVAL. */
static void scrub_rights(RtThread *t, uint8_t *ctl, uint64_t len)
{
    uint64_t off = 0;
    while (len - off >= GUEST_CMSG_HDR_SIZE) {
        uint64_t clen;
        int32_t level, type;
        memcpy(&clen, ctl + off, 8);
        memcpy(&level, ctl + off + 8, 4);
        memcpy(&type, ctl + off + 12, 4);
        if (clen < GUEST_CMSG_HDR_SIZE || clen > len - off)
            return;
        if (level == GUEST_SOL_SOCKET && type == GUEST_SCM_RIGHTS) {
            for (uint64_t k = GUEST_CMSG_HDR_SIZE; k + 4 <= clen; k += 4) {
                int32_t fd;
                memcpy(&fd, ctl + off + k, 4);
                if (rt_fd_reserved(t->proc, fd)) {
                    fd = -1;
                    memcpy(ctl + off + k, &fd, 4);
                }
            }
        }
        uint64_t step = (clen + 7) & ~7ull;
        if (step > len - off)
            return;
        off += step;
    }
}

/* The iovec array: send checks each segment whole, receive clamps as read does. */
static int64_t msg_iov(RtThread *t, const GuestMsghdr *g, bool send, MsgConv *c)
{
    c->h.msg_iovlen = (size_t)g->iovlen;
    if (g->iovlen == 0) {
        c->h.msg_iov = rt_guest_ptr(t->proc, g->iov, 0);
        return 0;
    }
    if (g->iovlen > GUEST_UIO_MAXIOV) {     /* the host says EMSGSIZE */
        c->h.msg_iov = RT_FAULT_PTR;
        return 0;
    }
    uint64_t raw[2 * GUEST_UIO_MAXIOV];
    if (rt_copy_from_guest(t->proc, raw, g->iov, (size_t)g->iovlen * 16) < 0) {
        c->h.msg_iov = RT_FAULT_PTR;
        return 0;
    }
    c->iov = malloc((size_t)g->iovlen * sizeof *c->iov);
    if (!c->iov)
        return -ENOMEM;
    size_t n = (size_t)g->iovlen;
    for (size_t i = 0; i < n; i++) {
        uint64_t base = raw[2 * i], len = raw[2 * i + 1];
        c->iov[i].iov_len = (size_t)len;
        if ((int64_t)len < 0) {             /* the host says EINVAL */
            c->iov[i].iov_base = (void *)(uintptr_t)base;
        } else if (send) {
            c->iov[i].iov_base = rt_guest_ptr(t->proc, base, len);
        } else {
            uint64_t ok = rt_guest_prefix(t->proc, base, len);
            c->iov[i].iov_base = (void *)(uintptr_t)base;
            if (ok < len) {                 /* the transfer ends where guest memory does */
                if (ok == 0 && i == 0) {
                    c->iov[i].iov_base = RT_FAULT_PTR;
                    n = 1;
                } else {
                    c->iov[i].iov_len = (size_t)ok;
                    n = ok ? i + 1 : i;
                }
                break;
            }
        }
    }
    c->h.msg_iov = c->iov;
    c->h.msg_iovlen = n;
    return 0;
}

/* Convert the guest msghdr at addr. -EFAULT: unreadable (the caller hands the host
 * RT_FAULT_PTR, so the descriptor is still checked first); -ENOMEM. */
static int64_t msg_in(RtThread *t, uint64_t addr, bool send, MsgConv *c, GuestMsghdr *g)
{
    memset(c, 0, sizeof *c);
    if (rt_copy_from_guest(t->proc, g, addr, sizeof *g) < 0)
        return -EFAULT;
    int nl = g->namelen;
    uint64_t nlen = nl < 0 ? 0 : nl > GUEST_SOCKADDR_STORAGE_SIZE ?
                    GUEST_SOCKADDR_STORAGE_SIZE : (uint64_t)nl;
    c->h.msg_name = rt_guest_ptr(t->proc, g->name, nlen);
    c->h.msg_namelen = (socklen_t)g->namelen;
    int64_t e = msg_iov(t, g, send, c);
    if (e < 0)
        return e;
    c->h.msg_controllen = (size_t)g->controllen;
    c->h.msg_flags = (int)g->flags;
    if (g->controllen == 0) {
        c->h.msg_control = rt_guest_ptr(t->proc, g->control, 0);
    } else if (!send) {
        c->h.msg_control = rt_guest_ptr(t->proc, g->control, g->controllen);
    } else if (g->controllen > RT_CONTROL_MAX) {
        c->h.msg_control = RT_FAULT_PTR;    /* beyond optmem_max: the host says ENOBUFS */
    } else {
        c->ctl = malloc((size_t)g->controllen);
        if (!c->ctl) {
            msg_free(c);
            return -ENOMEM;
        }
        if (rt_copy_from_guest(t->proc, c->ctl, g->control, (size_t)g->controllen) < 0) {
            c->h.msg_control = RT_FAULT_PTR;
        } else {
            scrub_rights(t, c->ctl, g->controllen);
            c->h.msg_control = c->ctl;
        }
    }
    return 0;
}

/* recvmsg's results into the guest msghdr at addr: msg_namelen (only with a name buffer),
 * msg_flags, msg_controllen. 0 or -EFAULT. */
static int64_t msg_out(RtThread *t, uint64_t addr, const GuestMsghdr *g, const MsgConv *c)
{
    RtProcess *p = t->proc;
    int32_t nl = (int32_t)c->h.msg_namelen;
    uint32_t fl = (uint32_t)c->h.msg_flags;
    uint64_t cl = c->h.msg_controllen;
    if (g->name && rt_copy_to_guest(p, addr + offsetof(GuestMsghdr, namelen), &nl, 4) < 0)
        return -EFAULT;
    if (rt_copy_to_guest(p, addr + offsetof(GuestMsghdr, flags), &fl, 4) < 0 ||
        rt_copy_to_guest(p, addr + offsetof(GuestMsghdr, controllen), &cl, 8) < 0)
        return -EFAULT;
    return 0;
}

int64_t rt_sys_sendmsg(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]);
    CHECK_FD(fd);
    MsgConv c;
    GuestMsghdr g;
    int64_t e = msg_in(t, a[1], true, &c, &g);
    if (e == -ENOMEM)
        return e;
    long r = syscall(SYS_sendmsg, fd, e < 0 ? RT_FAULT_PTR : (void *)&c.h, (unsigned)a[2]);
    int64_t ret = r < 0 ? -errno : r;
    msg_free(&c);
    return ret;
}

int64_t rt_sys_recvmsg(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]);
    CHECK_FD(fd);
    MsgConv c;
    GuestMsghdr g;
    int64_t e = msg_in(t, a[1], false, &c, &g);
    if (e == -ENOMEM)
        return e;
    long r = syscall(SYS_recvmsg, fd, e < 0 ? RT_FAULT_PTR : (void *)&c.h, (unsigned)a[2]);
    int64_t ret = r < 0 ? -errno : r;
    if (ret >= 0 && msg_out(t, a[1], &g, &c) < 0)
        ret = -EFAULT;
    msg_free(&c);
    return ret;
}

/* ---------------------------------------------------------------- sendmmsg, recvmmsg */

typedef struct MmsgConv {
    struct mmsghdr *h;          /* what the host gets */
    MsgConv *c;
    GuestMsghdr *g;
    unsigned n;                 /* entries converted */
} MmsgConv;

static void mmsg_free(MmsgConv *m)
{
    for (unsigned i = 0; m->c && i < m->n; i++)
        msg_free(&m->c[i]);
    free(m->h);
    free(m->c);
    free(m->g);
}

/* Convert up to vlen entries (capped at UIO_MAXIOV); the batch ends before an unreadable
 * one. -ENOMEM, or 0. */
static int64_t mmsg_in(RtThread *t, uint64_t addr, unsigned vlen, bool send, MmsgConv *m)
{
    memset(m, 0, sizeof *m);
    if (vlen > GUEST_UIO_MAXIOV)
        vlen = GUEST_UIO_MAXIOV;
    if (vlen == 0)
        return 0;
    m->h = calloc(vlen, sizeof *m->h);
    m->c = calloc(vlen, sizeof *m->c);
    m->g = calloc(vlen, sizeof *m->g);
    if (!m->h || !m->c || !m->g) {
        mmsg_free(m);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < vlen; i++) {
        int64_t e = msg_in(t, addr + (uint64_t)i * sizeof(GuestMmsghdr), send, &m->c[i],
                           &m->g[i]);
        if (e == -ENOMEM) {
            mmsg_free(m);
            return e;
        }
        if (e < 0)
            break;
        m->h[i].msg_hdr = m->c[i].h;
        m->n = i + 1;
    }
    return 0;
}

/* Write back msg_len (and for recvmmsg the msghdr results) of the k entries the host
 * processed. Returns k, or the entries before the first that cannot be written (-EFAULT if
 * that is the first). */
static int64_t mmsg_out(RtThread *t, uint64_t addr, MmsgConv *m, long k, bool recv)
{
    for (long i = 0; i < k; i++) {
        uint64_t e = addr + (uint64_t)i * sizeof(GuestMmsghdr);
        uint32_t len = m->h[i].msg_len;
        m->c[i].h = m->h[i].msg_hdr;
        if ((recv && msg_out(t, e, &m->g[i], &m->c[i]) < 0) ||
            rt_copy_to_guest(t->proc, e + offsetof(GuestMmsghdr, len), &len, 4) < 0)
            return i ? i : -EFAULT;
    }
    return k;
}

int64_t rt_sys_sendmmsg(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]);
    CHECK_FD(fd);
    MmsgConv m;
    int64_t e = mmsg_in(t, a[1], (unsigned)a[2], true, &m);
    if (e < 0)
        return e;
    void *vec = m.n ? (void *)m.h : (unsigned)a[2] ? RT_FAULT_PTR
                                                    : rt_guest_ptr(t->proc, a[1], 0);
    long r = syscall(SYS_sendmmsg, fd, vec, m.n ? m.n : (unsigned)a[2], (unsigned)a[3]);
    int64_t ret = r < 0 ? -errno : mmsg_out(t, a[1], &m, r, false);
    mmsg_free(&m);
    return ret;
}

int64_t rt_sys_recvmmsg(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]);
    CHECK_FD(fd);
    struct timespec ts;
    if (a[4]) {             /* validated by the host; read and written back through ferry */
        int64_t g[2];
        if (rt_copy_from_guest(t->proc, g, a[4], sizeof g) < 0)
            return -EFAULT;
        ts.tv_sec = g[0];
        ts.tv_nsec = g[1];
    }
    MmsgConv m;
    int64_t e = mmsg_in(t, a[1], (unsigned)a[2], false, &m);
    if (e < 0)
        return e;
    void *vec = m.n ? (void *)m.h : (unsigned)a[2] ? RT_FAULT_PTR
                                                    : rt_guest_ptr(t->proc, a[1], 0);
    long r = syscall(SYS_recvmmsg, fd, vec, m.n ? m.n : (unsigned)a[2], (unsigned)a[3],
                     a[4] ? &ts : NULL);
    int64_t ret = r < 0 ? -errno : mmsg_out(t, a[1], &m, r, true);
    mmsg_free(&m);
    if (ret > 0 && a[4]) {
        int64_t g[2] = { ts.tv_sec, ts.tv_nsec };
        if (rt_copy_to_guest(t->proc, a[4], g, sizeof g) < 0)
            ret = -EFAULT;
    }
    return ret;
}

/* ---------------------------------------------------------------- socket options */

#define GUEST_SOL_IP                 0
#define GUEST_SOL_TCP                6
#define GUEST_SOL_IPV6               41
#define GUEST_SOL_PACKET             263
#define GUEST_SO_ATTACH_FILTER       26
#define GUEST_SO_ATTACH_REUSEPORT_CBPF 51
#define GUEST_PACKET_FANOUT_DATA     22
#define GUEST_TCP_ZEROCOPY_RECEIVE   35

/* Options whose values hold guest pointers the kernel would follow: netfilter's table
 * replacements (ipt/ip6t/arpt SET_REPLACE, ebtables SET_ENTRIES/SET_COUNTERS and its
 * GET_ENTRIES/GET_INIT_ENTRIES) and TCP zerocopy receive. */
static bool pointer_option(int level, int name, bool set)
{
    if (level == GUEST_SOL_IP)
        return set ? (name == 64 || name == 96 || name == 128 || name == 129)
                   : (name == 129 || name == 131);
    if (level == GUEST_SOL_IPV6)
        return set && name == 64;
    if (level == GUEST_SOL_TCP)
        return !set && name == GUEST_TCP_ZEROCOPY_RECEIVE;
    return false;
}

/* A struct sock_fprog value (u16 len, pad, struct sock_filter *filter: 16 bytes on x86-64
 * and the 64-bit hosts): its filter array (8 bytes per instruction) must be guest memory. */
static bool fprog_option(int level, int name)
{
    return (level == GUEST_SOL_SOCKET &&
            (name == GUEST_SO_ATTACH_FILTER || name == GUEST_SO_ATTACH_REUSEPORT_CBPF)) ||
           (level == GUEST_SOL_PACKET && name == GUEST_PACKET_FANOUT_DATA);
}

int64_t rt_sys_setsockopt(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]), level = rt_arg_int(a[1]), name = rt_arg_int(a[2]);
    int len = rt_arg_int(a[4]);
    CHECK_FD(fd);
    if (pointer_option(level, name, true))
        return -ENOPROTOOPT;
    void *val = len < 0 ? RT_FAULT_PTR : rt_guest_ptr(t->proc, a[3], (uint64_t)len);
    uint64_t prog[2];
    if (fprog_option(level, name) && len == (int)sizeof prog && val != RT_FAULT_PTR && val &&
        rt_copy_from_guest(t->proc, prog, a[3], sizeof prog) == 0) {
        uint64_t insns = prog[0] & 0xffff;
        if (!rt_guest_range_ok(t->proc, prog[1], insns * 8))
            prog[1] = (uint64_t)(uintptr_t)RT_FAULT_PTR;
        val = prog;
    }
    return rt_sysret(syscall(SYS_setsockopt, fd, level, name, val, len));
}

int64_t rt_sys_getsockopt(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]), level = rt_arg_int(a[1]), name = rt_arg_int(a[2]);
    CHECK_FD(fd);
    if (pointer_option(level, name, false))
        return -ENOPROTOOPT;
    int len = 0;
    void *lenp = NULL, *val = RT_FAULT_PTR;
    bool local = false;
    if (a[4]) {
        if (rt_copy_from_guest(t->proc, &len, a[4], sizeof len) < 0) {
            lenp = RT_FAULT_PTR;
        } else {
            lenp = &len;
            local = true;
            val = rt_guest_ptr(t->proc, a[3], len < 0 ? 0 : (uint64_t)len);
        }
    }
    long r = syscall(SYS_getsockopt, fd, level, name, val, lenp);
    if (r < 0)
        return -errno;
    if (local && rt_copy_to_guest(t->proc, a[4], &len, sizeof len) < 0)
        return -EFAULT;
    return r;
}
