/* sys_anonfd.c — descriptors that are not files: eventfd, eventfd2, timerfd_create,
 * timerfd_settime, timerfd_gettime, signalfd, signalfd4, memfd_create, inotify_init,
 * inotify_init1, inotify_add_watch, inotify_rm_watch.
 *
 * All are the host kernel's objects. Their creation flags are the open flags O_CLOEXEC and
 * O_NONBLOCK (plus EFD_SEMAPHORE), converted from the guest's values like every open flag
 * (they happen to be equal on x86-64 and aarch64) and refused with EINVAL when unknown, as
 * Linux does. struct itimerspec (four 64-bit words), struct signalfd_siginfo (128 bytes),
 * struct inotify_event and the memfd flags are the same for the guest and the 64-bit hosts;
 * what the guest reads from these descriptors comes through read() unchanged.
 *
 * signalfd works with ferry's signal handling (signal.c): the host mask is the guest's, so a
 * signal the guest blocks waits in the host kernel, where the signalfd reads it. A signal
 * ferry had already taken from the host before the guest blocked it is not seen by the
 * signalfd (it is delivered when unblocked instead).
 */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "runtime/guest_abi.h"
#include "runtime/syscall.h"

#define GUEST_EFD_SEMAPHORE 1

/* Guest O_CLOEXEC | O_NONBLOCK (and `extra`, passed as it is) -> host; -1 for other bits. */
static int cloexec_nonblock(int g, int extra)
{
    if (g & ~(GUEST_O_CLOEXEC | GUEST_O_NONBLOCK | extra))
        return -1;
    return (g & GUEST_O_CLOEXEC ? O_CLOEXEC : 0) | (g & GUEST_O_NONBLOCK ? O_NONBLOCK : 0) |
           (g & extra);
}

/* ---------------------------------------------------------------- eventfd */

int64_t rt_sys_eventfd2(RtThread *t, const uint64_t *a)
{
    (void)t;
    int flags = cloexec_nonblock(rt_arg_int(a[1]), GUEST_EFD_SEMAPHORE);
    if (flags < 0)
        return -EINVAL;
    return rt_sysret(syscall(SYS_eventfd2, (unsigned)a[0], flags));
}

int64_t rt_sys_eventfd(RtThread *t, const uint64_t *a)
{
    (void)t;
    return rt_sysret(syscall(SYS_eventfd2, (unsigned)a[0], 0));
}

/* ---------------------------------------------------------------- timerfd */

int64_t rt_sys_timerfd_create(RtThread *t, const uint64_t *a)
{
    (void)t;
    int flags = cloexec_nonblock(rt_arg_int(a[1]), 0);
    if (flags < 0)
        return -EINVAL;
    return rt_sysret(syscall(SYS_timerfd_create, rt_arg_int(a[0]), flags));
}

int64_t rt_sys_timerfd_settime(RtThread *t, const uint64_t *a)
{
    /* Linux: read the new value (EFAULT), then flags and values (EINVAL) and the descriptor,
     * then write the old value (EFAULT). TFD_TIMER_ABSTIME and TFD_TIMER_CANCEL_ON_SET have
     * the same values everywhere. */
    int fd = rt_arg_int(a[0]);
    int64_t nv[4], ov[4];
    if (rt_copy_from_guest(t->proc, nv, a[2], sizeof nv) < 0)
        return -EFAULT;
    if (rt_fd_reserved(t->proc, fd))
        return -EBADF;
    long r = syscall(SYS_timerfd_settime, fd, rt_arg_int(a[1]), nv, a[3] ? ov : NULL);
    if (r < 0)
        return -errno;
    if (a[3] && rt_copy_to_guest(t->proc, a[3], ov, sizeof ov) < 0)
        return -EFAULT;
    return 0;
}

int64_t rt_sys_timerfd_gettime(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]);
    if (rt_fd_reserved(t->proc, fd))
        return -EBADF;
    int64_t cv[4];
    if (syscall(SYS_timerfd_gettime, fd, cv) < 0)
        return -errno;
    return rt_copy_to_guest(t->proc, a[1], cv, sizeof cv) < 0 ? -EFAULT : 0;
}

/* ---------------------------------------------------------------- signalfd */

static int64_t do_signalfd4(RtThread *t, int fd, uint64_t mask_addr, uint64_t size, int gflags)
{
    int flags = cloexec_nonblock(gflags, 0);
    if (flags < 0 || size != 8)
        return -EINVAL;
    uint64_t mask;
    if (rt_copy_from_guest(t->proc, &mask, mask_addr, sizeof mask) < 0)
        return -EFAULT;
    if (fd != -1 && rt_fd_reserved(t->proc, fd))
        return -EBADF;
    return rt_sysret(syscall(SYS_signalfd4, fd, &mask, (size_t)8, flags));
}

int64_t rt_sys_signalfd4(RtThread *t, const uint64_t *a)
{
    return do_signalfd4(t, rt_arg_int(a[0]), a[1], a[2], rt_arg_int(a[3]));
}

int64_t rt_sys_signalfd(RtThread *t, const uint64_t *a)
{
    return do_signalfd4(t, rt_arg_int(a[0]), a[1], a[2], 0);
}

/* ---------------------------------------------------------------- memfd */

#define RT_MFD_NAME_BUF 256     /* MFD_NAME_MAX_LEN is 249 */

int64_t rt_sys_memfd_create(RtThread *t, const uint64_t *a)
{
    /* Flags are checked by the host before the name, as Linux does: a name that cannot be
     * read is RT_FAULT_PTR, one too long is replaced by another too long. */
    char name[RT_MFD_NAME_BUF];
    const char *np = name;
    int64_t n = rt_strncpy_from_guest(t->proc, name, a[0], sizeof name);
    if (n == -EFAULT) {
        np = RT_FAULT_PTR;
    } else if (n < 0) {
        memset(name, 'x', sizeof name - 1);
        name[sizeof name - 1] = '\0';
    }
    return rt_sysret(syscall(SYS_memfd_create, np, (unsigned)a[1]));
}

/* ---------------------------------------------------------------- inotify */

#define GUEST_IN_DONT_FOLLOW 0x02000000u

int64_t rt_sys_inotify_init1(RtThread *t, const uint64_t *a)
{
    (void)t;
    int flags = cloexec_nonblock(rt_arg_int(a[0]), 0);
    if (flags < 0)
        return -EINVAL;
    return rt_sysret(syscall(SYS_inotify_init1, flags));
}

int64_t rt_sys_inotify_init(RtThread *t, const uint64_t *a)
{
    (void)t;
    (void)a;
    return rt_sysret(syscall(SYS_inotify_init1, 0));
}

int64_t rt_sys_inotify_add_watch(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]);
    uint32_t mask = (uint32_t)a[2];
    if (rt_fd_reserved(t->proc, fd))
        return -EBADF;
    /* The path is looked up after the mask and the descriptor are checked: a bad one goes
     * to the host as one the host refuses the same way. */
    char path[PATH_MAX];
    int64_t e = rt_path_from_guest(t, a[1], path, !(mask & GUEST_IN_DONT_FOLLOW));
    const char *pp = path;
    if (e == -EFAULT) {
        pp = RT_FAULT_PTR;
    } else if (e < 0) {
        memset(path, 'x', sizeof path - 1);     /* too long for the host as well */
        path[sizeof path - 1] = '\0';
    }
    return rt_sysret(syscall(SYS_inotify_add_watch, fd, pp, mask));
}

int64_t rt_sys_inotify_rm_watch(RtThread *t, const uint64_t *a)
{
    int fd = rt_arg_int(a[0]);
    if (rt_fd_reserved(t->proc, fd))
        return -EBADF;
    return rt_sysret(syscall(SYS_inotify_rm_watch, fd, rt_arg_int(a[1])));
}
