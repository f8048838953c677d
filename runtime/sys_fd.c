/* sys_fd.c — system calls on file descriptors: read/write and their vector and positioned
 * forms, lseek, close, close_range, dup family, pipe, pipe2, fcntl, ioctl, fsync, fdatasync,
 * sync, syncfs, ftruncate, fallocate, flock, getdents, getdents64, fchown, fadvise64,
 * copy_file_range, sendfile. (poll, select and epoll: sys_poll.c; sockets: sys_net.c.)
 *
 * Descriptors are the host's (one guest process is one host process). Data buffers go to the
 * host kernel directly once they are known to be guest memory: a buffer the kernel fills or
 * reads is clamped to its guest-mapped prefix (Linux stops at the first unmapped byte too) and
 * is -EFAULT when not even its first byte is guest memory. iovec arrays are copied safely
 * first. ferry's own descriptor (-D log) cannot be closed or replaced by the guest.
 * Raw syscall() is used where a libc wrapper might touch guest memory itself.
 */
#include <fcntl.h>
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

/* fcntl commands that <fcntl.h> may not name (include/uapi/linux/fcntl.h, asm-generic
 * fcntl.h): the same numbers for x86-64 and the asm-generic hosts. */
#define GUEST_F_SETOWN_EX         15
#define GUEST_F_GETOWN_EX         16
#define GUEST_F_GETOWNER_UIDS     17
#define GUEST_F_NOTIFY            1026
#define GUEST_F_DUPFD_QUERY       1027
#define GUEST_F_CREATED_QUERY     1028
#define GUEST_F_CANCELLK          1029
#define GUEST_F_GET_RW_HINT       1035
#define GUEST_F_SET_RW_HINT       1036
#define GUEST_F_GET_FILE_RW_HINT  1037
#define GUEST_F_SET_FILE_RW_HINT  1038

/* A buffer the kernel reads or fills, clamped to its guest prefix (*n bytes). When not even
 * its first byte is guest memory it is RT_FAULT_PTR with the whole length, so the host still
 * checks the descriptor first (EBADF before EFAULT, as Linux). */
static void *clamp_buf(RtThread *t, uint64_t buf, uint64_t len, uint64_t *n)
{
    *n = len;
    if (len == 0)
        return (void *)(uintptr_t)buf;
    uint64_t ok = rt_guest_prefix(t->proc, buf, len);
    if (ok == 0)
        return RT_FAULT_PTR;
    *n = ok;
    return (void *)(uintptr_t)buf;
}

int64_t rt_sys_read(RtThread *t, const uint64_t *a)
{
    uint64_t n;
    void *b = clamp_buf(t, a[1], a[2], &n);
    return rt_sysret(syscall(SYS_read, rt_arg_int(a[0]), b, (size_t)n));
}

int64_t rt_sys_write(RtThread *t, const uint64_t *a)
{
    uint64_t n;
    void *b = clamp_buf(t, a[1], a[2], &n);
    return rt_sysret(syscall(SYS_write, rt_arg_int(a[0]), b, (size_t)n));
}

int64_t rt_sys_pread64(RtThread *t, const uint64_t *a)
{
    uint64_t n;
    void *b = clamp_buf(t, a[1], a[2], &n);
    return rt_sysret(syscall(SYS_pread64, rt_arg_int(a[0]), b, (size_t)n, (off_t)a[3]));
}

int64_t rt_sys_pwrite64(RtThread *t, const uint64_t *a)
{
    uint64_t n;
    void *b = clamp_buf(t, a[1], a[2], &n);
    return rt_sysret(syscall(SYS_pwrite64, rt_arg_int(a[0]), b, (size_t)n, (off_t)a[3]));
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

/* readv/writev: a vector ferry cannot take (unreadable, a bad count or segment) goes to the
 * host as RT_FAULT_PTR with the guest's count, so the host reports EBADF, EINVAL or EFAULT in
 * Linux's order. */
static int64_t do_rw_vec(RtThread *t, const uint64_t *a, long nr)
{
    struct iovec *v;
    int64_t n = get_iov(t, a[1], a[2], &v);
    if (n == -ENOMEM)
        return n;
    if (n < 0)
        return rt_sysret(syscall(nr, rt_arg_int(a[0]), RT_FAULT_PTR, rt_arg_int(a[2])));
    int64_t r = rt_sysret(syscall(nr, rt_arg_int(a[0]), v, (int)n));
    free(v);
    return r;
}

int64_t rt_sys_readv(RtThread *t, const uint64_t *a)
{
    return do_rw_vec(t, a, SYS_readv);
}

int64_t rt_sys_writev(RtThread *t, const uint64_t *a)
{
    return do_rw_vec(t, a, SYS_writev);
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
    /* O_NOTIFICATION_PIPE is O_EXCL (the host's decides: ENOPKG without watch queues). */
    if (gflags & ~(GUEST_O_CLOEXEC | GUEST_O_NONBLOCK | GUEST_O_DIRECT | GUEST_O_EXCL))
        return -EINVAL;
    int flags = (gflags & GUEST_O_CLOEXEC ? O_CLOEXEC : 0) |
                (gflags & GUEST_O_NONBLOCK ? O_NONBLOCK : 0) |
                (gflags & GUEST_O_DIRECT ? O_DIRECT : 0) |
                (gflags & GUEST_O_EXCL ? O_EXCL : 0);
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
        /* struct flock has the same 32-byte layout on x86-64 and aarch64 (and F_GETLK64 and
         * friends are these numbers on 64-bit). */
        return rt_sysret(syscall(SYS_fcntl, fd, cmd, rt_guest_ptr(t->proc, a[2], 32)));
    case GUEST_F_SETOWN_EX:
    case GUEST_F_GETOWN_EX:
    case GUEST_F_GETOWNER_UIDS:
        /* struct f_owner_ex { int type; pid_t pid; }, or two uid_t: 8 bytes everywhere. */
        return rt_sysret(syscall(SYS_fcntl, fd, cmd, rt_guest_ptr(t->proc, a[2], 8)));
    case GUEST_F_GET_RW_HINT:
    case GUEST_F_SET_RW_HINT:
    case GUEST_F_GET_FILE_RW_HINT:
    case GUEST_F_SET_FILE_RW_HINT:
        return rt_sysret(syscall(SYS_fcntl, fd, cmd, rt_guest_ptr(t->proc, a[2], 8)));
    case GUEST_F_NOTIFY:
    case GUEST_F_CANCELLK:
    case GUEST_F_CREATED_QUERY:
        return rt_sysret(syscall(SYS_fcntl, fd, cmd, (unsigned long)a[2]));
    case GUEST_F_DUPFD_QUERY:
        if (rt_fd_reserved(t->proc, rt_arg_int(a[2])))
            return -EBADF;
        return rt_sysret(syscall(SYS_fcntl, fd, cmd, (unsigned long)a[2]));
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
        if (tty_ioctls[i].size)     /* a bad pointer: the host says EBADF/ENOTTY first */
            return rt_sysret(syscall(SYS_ioctl, fd, req,
                                     rt_guest_ptr(t->proc, a[2], tty_ioctls[i].size)));
        return rt_sysret(syscall(SYS_ioctl, fd, req, (unsigned long)a[2]));
    }
    /* Not a terminal request ferry knows: say so only after checking the descriptor. */
    return fcntl(fd, F_GETFD) < 0 ? -EBADF : -ENOTTY;
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

int64_t rt_sys_fallocate(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]);
    if (rt_fd_reserved(t->proc, fd))
        return -EBADF;
    /* FALLOC_FL_* are the same everywhere. */
    return rt_sysret(syscall(SYS_fallocate, fd, rt_arg_int(a[1]), (off_t)a[2], (off_t)a[3]));
}

int64_t rt_sys_flock(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]);
    if (rt_fd_reserved(t->proc, fd))
        return -EBADF;
    return rt_sysret(syscall(SYS_flock, fd, (unsigned)a[1]));
}

int64_t rt_sys_sync(RtThread *t, const uint64_t *a)
{
    (void)t;
    (void)a;
    sync();
    return 0;
}

int64_t rt_sys_syncfs(RtThread *t, const uint64_t *a)
{
    (void)t;
    return rt_sysret(syscall(SYS_syncfs, rt_arg_int(a[0])));
}

int64_t rt_sys_sendfile(RtThread *t, const uint64_t *a)
{
    int out = rt_arg_int(a[0]), in = rt_arg_int(a[1]);
    if (rt_fd_reserved(t->proc, in) || rt_fd_reserved(t->proc, out))
        return -EBADF;
    if (!a[2])
        return rt_sysret(syscall(SYS_sendfile, out, in, NULL, (size_t)a[3]));
    /* Linux reads the offset, sends, and writes the offset back even after an error. */
    int64_t off;
    if (rt_copy_from_guest(t->proc, &off, a[2], sizeof off) < 0)
        return -EFAULT;
    long r = syscall(SYS_sendfile, out, in, &off, (size_t)a[3]);
    int64_t ret = r < 0 ? -errno : r;
    if (rt_copy_to_guest(t->proc, a[2], &off, sizeof off) < 0)
        return -EFAULT;
    return ret;
}

/* getdents: the old struct linux_dirent { unsigned long d_ino, d_off; unsigned short
 * d_reclen; char d_name[]; ...; char d_type (the record's last byte) }, which aarch64 hosts
 * lack. Built from getdents64: a record of either kind is 8-byte aligned 19 + namelen + 1
 * bytes (dirent64: name at 19, NUL; dirent: name at 18, NUL, d_type), so records keep their
 * sizes and the kernel fills the buffer exactly as far as it would for getdents. */
#define RT_DENTS_MAX (1u << 20)

int64_t rt_sys_getdents(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]);
    uint32_t count = (uint32_t)a[2];
    if (rt_fd_reserved(t->proc, fd))
        return -EBADF;
    uint64_t n = count;
    if (count) {
        n = rt_guest_prefix(t->proc, a[1], count);
        if (n == 0)
            return rt_sysret(syscall(SYS_getdents64, fd, RT_FAULT_PTR, count));
        if (n > RT_DENTS_MAX)
            n = RT_DENTS_MAX;   /* fewer entries per call, as a smaller buffer gets */
    }
    uint8_t *buf = malloc(n ? (size_t)n : 1);
    if (!buf)
        return -ENOMEM;
    long r = syscall(SYS_getdents64, fd, buf, (unsigned)n);
    if (r < 0) {
        free(buf);
        return -errno;
    }
    for (long off = 0; off < r;) {
        uint8_t *d = buf + off;
        uint16_t reclen;
        memcpy(&reclen, d + 16, 2);
        uint8_t type = d[18];
        size_t namelen = strnlen((const char *)d + 19, reclen - 19u);
        memmove(d + 18, d + 19, namelen);
        memset(d + 18 + namelen, 0, reclen - 18u - namelen);
        d[reclen - 1] = type;
        off += reclen;
    }
    int64_t ret = rt_copy_to_guest(t->proc, a[1], buf, (size_t)r) < 0 ? -EFAULT : r;
    free(buf);
    return ret;
}

int64_t rt_sys_getdents64(RtThread *t, const uint64_t *a)
{
    /* struct linux_dirent64 is the same on every architecture. */
    uint64_t n;
    void *b = clamp_buf(t, a[1], (uint32_t)a[2], &n);
    return rt_sysret(syscall(SYS_getdents64, rt_arg_int(a[0]), b, (unsigned)n));
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
