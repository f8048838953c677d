/* sys_fd.c — system calls on file descriptors: read/write and their vector and positioned
 * forms, lseek, close, close_range, dup family, pipe, fcntl, ioctl, poll, select, fsync,
 * ftruncate, getdents64, fchown, fadvise64, copy_file_range, epoll.
 *
 * Descriptors are the host's (one guest process is one host process). Data buffers go to the
 * host kernel directly once they are known to be guest memory: a buffer the kernel fills or
 * reads is clamped to its guest-mapped prefix (Linux stops at the first unmapped byte too) and
 * is -EFAULT when not even its first byte is guest memory. iovec arrays are copied safely
 * first. ferry's own descriptor (-D log) cannot be closed or replaced by the guest.
 * Raw syscall() is used where a libc wrapper might touch guest memory itself.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>
#include "runtime/guest_abi.h"
#include "runtime/syscall.h"

#define RT_IOV_MAX 1024

/* Clamp a buffer to its guest prefix; 0 means -EFAULT (unless len itself is 0). */
static int64_t clamp_buf(RtThread *t, uint64_t buf, uint64_t len, uint64_t *out)
{
    if (len == 0) {
        *out = 0;
        return 0;
    }
    *out = rt_guest_prefix(t->proc, buf, len);
    return *out ? 0 : -EFAULT;
}

int64_t rt_sys_read(RtThread *t, const uint64_t *a)
{
    uint64_t n;
    if (clamp_buf(t, a[1], a[2], &n) < 0)
        return -EFAULT;
    return rt_sysret(syscall(SYS_read, rt_arg_int(a[0]), (void *)(uintptr_t)a[1], (size_t)n));
}

int64_t rt_sys_write(RtThread *t, const uint64_t *a)
{
    uint64_t n;
    if (clamp_buf(t, a[1], a[2], &n) < 0)
        return -EFAULT;
    return rt_sysret(syscall(SYS_write, rt_arg_int(a[0]), (void *)(uintptr_t)a[1], (size_t)n));
}

int64_t rt_sys_pread64(RtThread *t, const uint64_t *a)
{
    uint64_t n;
    if (clamp_buf(t, a[1], a[2], &n) < 0)
        return -EFAULT;
    return rt_sysret(syscall(SYS_pread64, rt_arg_int(a[0]), (void *)(uintptr_t)a[1], (size_t)n,
                             (off_t)a[3]));
}

int64_t rt_sys_pwrite64(RtThread *t, const uint64_t *a)
{
    uint64_t n;
    if (clamp_buf(t, a[1], a[2], &n) < 0)
        return -EFAULT;
    return rt_sysret(syscall(SYS_pwrite64, rt_arg_int(a[0]), (void *)(uintptr_t)a[1], (size_t)n,
                             (off_t)a[3]));
}

/* Copy and check a guest iovec array; *iov is malloc'd. */
static int64_t get_iov(RtThread *t, uint64_t addr, uint64_t cnt, struct iovec **iov)
{
    int n = rt_arg_int(cnt);
    if (n < 0 || n > RT_IOV_MAX)
        return -EINVAL;
    struct iovec *v = calloc((size_t)n + 1, sizeof *v);
    if (!v)
        return -ENOMEM;
    uint64_t raw[2 * RT_IOV_MAX];
    if (rt_copy_from_guest(t->proc, raw, addr, (size_t)n * 16) < 0) {
        free(v);
        return -EFAULT;
    }
    for (int i = 0; i < n; i++) {
        uint64_t len = raw[2 * i + 1];
        if (len > (uint64_t)INT64_MAX) {
            free(v);
            return -EINVAL;
        }
        /* A segment that is not guest memory ends the transfer there, as a fault would. */
        uint64_t ok = rt_guest_prefix(t->proc, raw[2 * i], len);
        v[i].iov_base = (void *)(uintptr_t)raw[2 * i];
        v[i].iov_len = (size_t)ok;
        if (ok < len) {
            if (i == 0 && ok == 0) {
                free(v);
                return -EFAULT;
            }
            n = ok ? i + 1 : i;
            break;
        }
    }
    *iov = v;
    return n;
}

int64_t rt_sys_readv(RtThread *t, const uint64_t *a)
{
    struct iovec *v;
    int64_t n = get_iov(t, a[1], a[2], &v);
    if (n < 0)
        return n;
    int64_t r = rt_sysret(syscall(SYS_readv, rt_arg_int(a[0]), v, (int)n));
    free(v);
    return r;
}

int64_t rt_sys_writev(RtThread *t, const uint64_t *a)
{
    struct iovec *v;
    int64_t n = get_iov(t, a[1], a[2], &v);
    if (n < 0)
        return n;
    int64_t r = rt_sysret(syscall(SYS_writev, rt_arg_int(a[0]), v, (int)n));
    free(v);
    return r;
}

int64_t rt_sys_lseek(RtThread *t, const uint64_t *a)
{
    (void)t;
    return rt_sysret(syscall(SYS_lseek, rt_arg_int(a[0]), (off_t)a[1], rt_arg_int(a[2])));
}

int64_t rt_sys_close(RtThread *t, const uint64_t *a)
{
    if (rt_fd_reserved(t->proc, rt_arg_int(a[0])))
        return -EBADF;
    return rt_sysret(close(rt_arg_int(a[0])));
}

int64_t rt_sys_close_range(RtThread *t, const uint64_t *a)
{
    unsigned first = (unsigned)a[0], last = (unsigned)a[1], flags = (unsigned)a[2];
    if (first > last)
        return -EINVAL;
    /* ferry's log descriptor stays open: close the ranges on either side of it. */
    int lf = t->proc->log_fd;
    if (lf >= 0 && (unsigned)lf >= first && (unsigned)lf <= last) {
        long r = 0;
        if ((unsigned)lf > first)
            r = syscall(SYS_close_range, first, (unsigned)lf - 1, flags);
        if (r == 0 && (unsigned)lf < last)
            r = syscall(SYS_close_range, (unsigned)lf + 1, last, flags);
        return rt_sysret(r);
    }
    return rt_sysret(syscall(SYS_close_range, first, last, flags));
}

int64_t rt_sys_dup(RtThread *t, const uint64_t *a)
{
    if (rt_fd_reserved(t->proc, rt_arg_int(a[0])))
        return -EBADF;
    return rt_sysret(dup(rt_arg_int(a[0])));
}

int64_t rt_sys_dup2(RtThread *t, const uint64_t *a)
{
    int oldfd = rt_arg_int(a[0]), newfd = rt_arg_int(a[1]);
    if (rt_fd_reserved(t->proc, oldfd) || rt_fd_reserved(t->proc, newfd))
        return -EBADF;
    if (oldfd == newfd)         /* dup2's special case; dup3 would fail */
        return fcntl(oldfd, F_GETFD) < 0 ? -EBADF : newfd;
    return rt_sysret(syscall(SYS_dup3, oldfd, newfd, 0));
}

int64_t rt_sys_dup3(RtThread *t, const uint64_t *a)
{
    int oldfd = rt_arg_int(a[0]), newfd = rt_arg_int(a[1]);
    if (rt_fd_reserved(t->proc, oldfd) || rt_fd_reserved(t->proc, newfd))
        return -EBADF;
    int flags = rt_arg_int(a[2]);
    if (flags & ~GUEST_O_CLOEXEC)
        return -EINVAL;
    return rt_sysret(syscall(SYS_dup3, oldfd, newfd, flags ? O_CLOEXEC : 0));
}

static int64_t do_pipe2(RtThread *t, uint64_t fds, int gflags)
{
    if (gflags & ~(GUEST_O_CLOEXEC | GUEST_O_NONBLOCK | GUEST_O_DIRECT))
        return -EINVAL;
    int flags = (gflags & GUEST_O_CLOEXEC ? O_CLOEXEC : 0) |
                (gflags & GUEST_O_NONBLOCK ? O_NONBLOCK : 0) |
                (gflags & GUEST_O_DIRECT ? O_DIRECT : 0);
    int pfd[2];
    if (pipe2(pfd, flags) != 0)
        return -errno;
    int32_t g[2] = { pfd[0], pfd[1] };
    if (rt_copy_to_guest(t->proc, fds, g, sizeof g) < 0) {
        close(pfd[0]);          /* as Linux: no descriptors leak on -EFAULT */
        close(pfd[1]);
        return -EFAULT;
    }
    return 0;
}

int64_t rt_sys_pipe(RtThread *t, const uint64_t *a)
{
    return do_pipe2(t, a[0], 0);
}

int64_t rt_sys_pipe2(RtThread *t, const uint64_t *a)
{
    return do_pipe2(t, a[0], rt_arg_int(a[1]));
}

/* ---------------------------------------------------------------- open flags in fcntl */

/* Guest open flags <-> host. x86-64 hosts use the same numbers; an aarch64 host numbers
 * O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE differently. */
#if defined(__x86_64__)
int rt_host_open_flags(int g) { return g; }
int rt_guest_open_flags(int h) { return h; }
#else
static const struct { int guest, host; } open_bits[] = {
    { GUEST_O_ACCMODE, O_ACCMODE }, { GUEST_O_CREAT, O_CREAT }, { GUEST_O_EXCL, O_EXCL },
    { GUEST_O_NOCTTY, O_NOCTTY }, { GUEST_O_TRUNC, O_TRUNC }, { GUEST_O_APPEND, O_APPEND },
    { GUEST_O_NONBLOCK, O_NONBLOCK }, { GUEST_O_DSYNC, O_DSYNC }, { GUEST_O_ASYNC, O_ASYNC },
    { GUEST_O_DIRECT, O_DIRECT }, { GUEST_O_LARGEFILE, 0400000 /* arm64 */ },
    { GUEST_O_DIRECTORY, O_DIRECTORY }, { GUEST_O_NOFOLLOW, O_NOFOLLOW },
    { GUEST_O_NOATIME, O_NOATIME }, { GUEST_O_CLOEXEC, O_CLOEXEC },
    { GUEST___O_SYNC, O_SYNC & ~O_DSYNC }, { GUEST_O_PATH, O_PATH },
    { GUEST___O_TMPFILE, O_TMPFILE & ~O_DIRECTORY },
};
int rt_host_open_flags(int g)
{
    int h = g & O_ACCMODE;          /* entry 0: the access mode is a value, not a bit */
    for (size_t i = 1; i < sizeof open_bits / sizeof open_bits[0]; i++)
        if (g & open_bits[i].guest)
            h |= open_bits[i].host;
    return h;
}
int rt_guest_open_flags(int h)
{
    int g = h & O_ACCMODE;
    for (size_t i = 1; i < sizeof open_bits / sizeof open_bits[0]; i++)
        if (h & open_bits[i].host)
            g |= open_bits[i].guest;
    return g;
}
#endif

int64_t rt_sys_fcntl(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]), cmd = rt_arg_int(a[1]);
    if (rt_fd_reserved(t->proc, fd))
        return -EBADF;
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
    case F_GETFD:
    case F_SETFD:
    case F_GETOWN:
    case F_SETOWN:
    case F_GETSIG:
    case F_SETSIG:
    case F_GETLEASE:
    case F_SETLEASE:
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
    case F_ADD_SEALS:
    case F_GET_SEALS:
        return rt_sysret(fcntl(fd, cmd, (long)a[2]));
    case F_GETFL: {
        int r = fcntl(fd, F_GETFL);
        return r < 0 ? -errno : rt_guest_open_flags(r);
    }
    case F_SETFL:
        return rt_sysret(fcntl(fd, F_SETFL, rt_host_open_flags(rt_arg_int(a[2]))));
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        /* struct flock has the same 32-byte layout on x86-64 and aarch64. */
        if (!rt_guest_range_ok(t->proc, a[2], 32))
            return -EFAULT;
        return rt_sysret(syscall(SYS_fcntl, fd, cmd, (void *)(uintptr_t)a[2]));
    default:
        return -EINVAL;
    }
}

/* ---------------------------------------------------------------- ioctl */

/* Terminal ioctls pass through: their numbers and structures are the same on x86-64 and on
 * the asm-generic hosts. Each entry gives the size of the argument the kernel reads or
 * writes (0: the argument is a value, not a pointer). Anything else is -ENOTTY, which is
 * what programs probing for a terminal expect. */
static const struct { unsigned long req; unsigned size; } tty_ioctls[] = {
    { 0x5401, 36 },     /* TCGETS: struct termios (kernel layout) */
    { 0x5402, 36 },     /* TCSETS */
    { 0x5403, 36 },     /* TCSETSW */
    { 0x5404, 36 },     /* TCSETSF */
    { 0x5409, 0 },      /* TCSBRK */
    { 0x540A, 0 },      /* TCXONC */
    { 0x540B, 0 },      /* TCFLSH */
    { 0x540E, 0 },      /* TIOCSCTTY */
    { 0x540F, 4 },      /* TIOCGPGRP */
    { 0x5410, 4 },      /* TIOCSPGRP */
    { 0x5411, 4 },      /* TIOCOUTQ */
    { 0x5413, 8 },      /* TIOCGWINSZ: struct winsize */
    { 0x5414, 8 },      /* TIOCSWINSZ */
    { 0x541B, 4 },      /* FIONREAD */
    { 0x5421, 4 },      /* FIONBIO */
    { 0x5422, 0 },      /* TIOCNOTTY */
    { 0x5429, 4 },      /* TIOCGSID */
    { 0x5450, 0 },      /* FIONCLEX */
    { 0x5451, 0 },      /* FIOCLEX */
    { 0x5452, 4 },      /* FIOASYNC */
    { 0x80045430, 4 },  /* TIOCGPTN */
    { 0x40045431, 4 },  /* TIOCSPTLCK */
};

int64_t rt_sys_ioctl(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]);
    unsigned long req = (unsigned)a[1];
    if (rt_fd_reserved(t->proc, fd))
        return -EBADF;
    for (size_t i = 0; i < sizeof tty_ioctls / sizeof tty_ioctls[0]; i++) {
        if (tty_ioctls[i].req != req)
            continue;
        if (tty_ioctls[i].size && !rt_guest_range_ok(t->proc, a[2], tty_ioctls[i].size))
            return -EFAULT;
        return rt_sysret(syscall(SYS_ioctl, fd, req, (unsigned long)a[2]));
    }
    /* Not a terminal request ferry knows: say so only after checking the descriptor. */
    return fcntl(fd, F_GETFD) < 0 ? -EBADF : -ENOTTY;
}

/* ---------------------------------------------------------------- waiting */

int64_t rt_sys_poll(RtThread *t, const uint64_t *a)
{
    uint64_t nfds = a[1];
    if (nfds > 1u << 20)
        return -EINVAL;
    if (!rt_guest_range_ok(t->proc, a[0], nfds * sizeof(struct pollfd)))
        return -EFAULT;
    int timeout = rt_arg_int(a[2]);
    struct timespec ts = { timeout / 1000, (long)(timeout % 1000) * 1000000 };
    return rt_sysret(syscall(SYS_ppoll, (void *)(uintptr_t)a[0], (unsigned long)nfds,
                             timeout < 0 ? NULL : &ts, NULL, (size_t)8));
}

int64_t rt_sys_select(RtThread *t, const uint64_t *a)
{
    int nfds = rt_arg_int(a[0]);
    if (nfds < 0 || nfds > 1 << 20)
        return -EINVAL;
    uint64_t setbytes = ((uint64_t)nfds + 63) / 64 * 8;
    for (int i = 1; i <= 3; i++)
        if (a[i] && !rt_guest_range_ok(t->proc, a[i], setbytes))
            return -EFAULT;
    struct timespec ts, *tsp = NULL;
    int64_t tv[2];
    if (a[4]) {
        if (rt_copy_from_guest(t->proc, tv, a[4], sizeof tv) < 0)
            return -EFAULT;
        if (tv[0] < 0 || tv[1] < 0 || tv[1] >= 1000000)
            return -EINVAL;
        ts.tv_sec = tv[0];
        ts.tv_nsec = tv[1] * 1000;
        tsp = &ts;
    }
    int64_t r = rt_sysret(syscall(SYS_pselect6, nfds, (void *)(uintptr_t)a[1],
                                  (void *)(uintptr_t)a[2], (void *)(uintptr_t)a[3], tsp, NULL));
    if (tsp) {          /* Linux's select reports the time left */
        tv[0] = ts.tv_sec;
        tv[1] = ts.tv_nsec / 1000;
        rt_copy_to_guest(t->proc, a[4], tv, sizeof tv);
    }
    return r;
}

/* ---------------------------------------------------------------- the rest */

int64_t rt_sys_fsync(RtThread *t, const uint64_t *a)
{
    (void)t;
    return rt_sysret(fsync(rt_arg_int(a[0])));
}

int64_t rt_sys_fdatasync(RtThread *t, const uint64_t *a)
{
    (void)t;
    return rt_sysret(fdatasync(rt_arg_int(a[0])));
}

int64_t rt_sys_ftruncate(RtThread *t, const uint64_t *a)
{
    if (rt_fd_reserved(t->proc, rt_arg_int(a[0])))
        return -EBADF;
    return rt_sysret(ftruncate(rt_arg_int(a[0]), (off_t)a[1]));
}

int64_t rt_sys_getdents64(RtThread *t, const uint64_t *a)
{
    /* struct linux_dirent64 is the same on every architecture. */
    uint64_t n;
    if (clamp_buf(t, a[1], (uint32_t)a[2], &n) < 0)
        return -EFAULT;
    return rt_sysret(syscall(SYS_getdents64, rt_arg_int(a[0]), (void *)(uintptr_t)a[1],
                             (unsigned)n));
}

int64_t rt_sys_fchown(RtThread *t, const uint64_t *a)
{
    if (rt_fd_reserved(t->proc, rt_arg_int(a[0])))
        return -EBADF;
    return rt_sysret(syscall(SYS_fchown, rt_arg_int(a[0]), (unsigned)a[1], (unsigned)a[2]));
}

int64_t rt_sys_fadvise64(RtThread *t, const uint64_t *a)
{
    (void)t;
    /* Advice numbers are the generic ones on x86-64 and on the asm-generic hosts. */
    return rt_sysret(syscall(SYS_fadvise64, rt_arg_int(a[0]), (off_t)a[1], (off_t)a[2],
                             rt_arg_int(a[3])));
}

int64_t rt_sys_copy_file_range(RtThread *t, const uint64_t *a)
{
    int in = rt_arg_int(a[0]), out = rt_arg_int(a[2]);
    if (rt_fd_reserved(t->proc, in) || rt_fd_reserved(t->proc, out))
        return -EBADF;
    int64_t off_in, off_out;    /* loff_t, read and written back through safe copies */
    if (a[1] && rt_copy_from_guest(t->proc, &off_in, a[1], 8) < 0)
        return -EFAULT;
    if (a[3] && rt_copy_from_guest(t->proc, &off_out, a[3], 8) < 0)
        return -EFAULT;
    long r = syscall(SYS_copy_file_range, in, a[1] ? &off_in : NULL, out,
                     a[3] ? &off_out : NULL, (size_t)a[4], (unsigned)a[5]);
    if (r < 0)
        return -errno;
    if (a[1] && rt_copy_to_guest(t->proc, a[1], &off_in, 8) < 0)
        return -EFAULT;
    if (a[3] && rt_copy_to_guest(t->proc, a[3], &off_out, 8) < 0)
        return -EFAULT;
    return r;
}

/* ---------------------------------------------------------------- epoll */

/* struct epoll_event: packed on x86-64 (12 bytes), naturally aligned (16) on other hosts, so
 * events are converted one by one. At most this many are taken per epoll_wait (the rest stay
 * ready for the next call, as when maxevents is small). */
#define RT_EPOLL_BATCH 1024
#define GUEST_EPOLL_EVENT_SIZE 12

int64_t rt_sys_epoll_create1(RtThread *t, const uint64_t *a)
{
    (void)t;
    int flags = rt_arg_int(a[0]);
    if (flags & ~GUEST_O_CLOEXEC)
        return -EINVAL;
    return rt_sysret(epoll_create1(flags ? EPOLL_CLOEXEC : 0));
}

int64_t rt_sys_epoll_create(RtThread *t, const uint64_t *a)
{
    (void)t;
    if (rt_arg_int(a[0]) <= 0)
        return -EINVAL;
    return rt_sysret(epoll_create1(0));
}

int64_t rt_sys_epoll_ctl(RtThread *t, const uint64_t *a)
{
    int epfd = rt_arg_int(a[0]), op = rt_arg_int(a[1]), fd = rt_arg_int(a[2]);
    if (rt_fd_reserved(t->proc, epfd) || rt_fd_reserved(t->proc, fd))
        return -EBADF;
    struct epoll_event ev, *evp = NULL;
    if (op != EPOLL_CTL_DEL || a[3]) {
        uint8_t g[GUEST_EPOLL_EVENT_SIZE];
        if (rt_copy_from_guest(t->proc, g, a[3], sizeof g) < 0)
            return -EFAULT;
        memset(&ev, 0, sizeof ev);
        memcpy(&ev.events, g, 4);
        memcpy(&ev.data.u64, g + 4, 8);
        evp = &ev;
    }
    return rt_sysret(epoll_ctl(epfd, op, fd, evp));
}

static int64_t do_epoll_wait(RtThread *t, const uint64_t *a, const uint64_t *mask)
{
    int epfd = rt_arg_int(a[0]), max = rt_arg_int(a[2]), timeout = rt_arg_int(a[3]);
    if (rt_fd_reserved(t->proc, epfd))
        return -EBADF;
    if (max <= 0 || max > INT32_MAX / GUEST_EPOLL_EVENT_SIZE)
        return -EINVAL;
    if (!rt_guest_range_ok(t->proc, a[1], (uint64_t)max * GUEST_EPOLL_EVENT_SIZE))
        return -EFAULT;
    int n = max < RT_EPOLL_BATCH ? max : RT_EPOLL_BATCH;
    struct epoll_event *ev = malloc((size_t)n * sizeof *ev);
    if (!ev)
        return -ENOMEM;
    long r = syscall(SYS_epoll_pwait, epfd, ev, n, timeout, mask, (size_t)8);
    int64_t ret = r < 0 ? -errno : r;
    for (long i = 0; i < r; i++) {
        uint8_t g[GUEST_EPOLL_EVENT_SIZE];
        memcpy(g, &ev[i].events, 4);
        memcpy(g + 4, &ev[i].data.u64, 8);
        if (rt_copy_to_guest(t->proc, a[1] + (uint64_t)i * sizeof g, g, sizeof g) < 0) {
            ret = -EFAULT;
            break;
        }
    }
    free(ev);
    return ret;
}

int64_t rt_sys_epoll_wait(RtThread *t, const uint64_t *a)
{
    return do_epoll_wait(t, a, NULL);
}

int64_t rt_sys_epoll_pwait(RtThread *t, const uint64_t *a)
{
    /* The mask replaces the host's (which is the guest's, signal.c) for the wait, as the
     * kernel does it for the guest. */
    uint64_t mask;
    if (!a[4])
        return do_epoll_wait(t, a, NULL);
    if (a[5] != 8)
        return -EINVAL;
    if (rt_copy_from_guest(t->proc, &mask, a[4], sizeof mask) < 0)
        return -EFAULT;
    return do_epoll_wait(t, a, &mask);
}
