/* sys_poll.c — waiting for descriptors: poll, ppoll, select, pselect6 and the epoll family
 * (epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2).
 *
 * The host kernel does the waiting; ferry's part is the guest's arguments, in the order Linux
 * checks them, so that errors come out as Linux's do:
 *   - struct pollfd (8 bytes), fd_set (an array of longs) and struct timespec/timeval (two
 *     64-bit words) have the same layout on x86-64 and on the 64-bit hosts. The pollfd array
 *     goes to the host as it is (RT_FAULT_PTR when it is not guest memory, so the host's own
 *     RLIMIT_NOFILE check still comes first); fd_sets are copied in and out through ferry, as
 *     Linux copies them (FDS_BYTES(n) bytes each, written back only on success).
 *   - struct epoll_event differs: packed, 12 bytes, on x86-64 (the x86-64 host's own is the
 *     same packed struct), 16 bytes with natural alignment on aarch64, so events are
 *     converted one by one in both directions.
 *   - Timeouts are validated as Linux validates them (select's timeval is normalised first:
 *     tv_usec of a million or more carries into seconds) and the time left is written back
 *     where Linux writes it (select, pselect6, ppoll; not for a zero timeout; a timeout in
 *     read-only memory is not an error).
 *   - A signal mask (ppoll, pselect6, epoll_pwait, epoll_pwait2) replaces the guest's for the
 *     wait through rt_signal_wait_begin/end (signal.c), so a signal the mask lets through runs
 *     its handler under that mask. When ferry already holds a signal the mask unblocks, the
 *     call polls once without sleeping and is -EINTR if nothing was ready (epoll with a zero
 *     timeout returns 0, as ep_poll does).
 * Interrupted waits return -EINTR; signal.c restarts them only when no handler runs, as Linux
 * does for these calls (time already waited is not deducted from a restarted poll).
 */
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "runtime/guest_abi.h"
#include "runtime/syscall.h"

_Static_assert(sizeof(struct pollfd) == 8, "struct pollfd is 8 bytes on every host");

/* ---------------------------------------------------------------- timeouts and masks */

/* A guest struct timespec as Linux's poll_select_set_timeout accepts it. */
static int64_t get_timeout(RtThread *t, uint64_t addr, struct timespec *ts)
{
    int64_t g[2];
    if (rt_copy_from_guest(t->proc, g, addr, sizeof g) < 0)
        return -EFAULT;
    if (g[0] < 0 || (uint64_t)g[1] >= 1000000000u)
        return -EINVAL;
    ts->tv_sec = g[0];
    ts->tv_nsec = g[1];
    return 0;
}

static bool zero_ts(const struct timespec *ts)
{
    return ts->tv_sec == 0 && ts->tv_nsec == 0;
}

/* The guest's sigset_t for a wait: size must be 8 (the kernel's sigset_t). */
static int64_t get_mask(RtThread *t, uint64_t addr, uint64_t size, uint64_t *mask)
{
    if (size != 8)
        return -EINVAL;
    return rt_copy_from_guest(t->proc, mask, addr, 8) < 0 ? -EFAULT : 0;
}

/* How one wait runs: its timeout (NULL: forever) and, with a mask, the host mask. */
typedef struct Wait {
    struct timespec ts, *tsp;   /* the timeout the host call gets (time left afterwards) */
    bool masked;                /* the guest gave a mask: rt_signal_wait_begin/end */
    bool held;                  /* a held signal is deliverable: poll once, do not sleep */
    bool use_ms;                /* epoll_wait, epoll_pwait: the timeout is ms (tsp: not
                                   forever) */
    int ms;
    uint64_t host_mask;
    struct { const uint64_t *ss; size_t len; } argpack;     /* pselect6's sixth argument */
} Wait;

static void wait_begin(RtThread *t, Wait *w, const uint64_t *mask)
{
    w->masked = mask != NULL;
    w->held = false;
    if (w->masked) {
        w->held = rt_signal_wait_begin(t, *mask, &w->host_mask);
        if (w->held) {
            w->ts.tv_sec = w->ts.tv_nsec = 0;
            w->tsp = &w->ts;
        }
    }
    w->argpack.ss = w->masked ? &w->host_mask : NULL;
    w->argpack.len = 8;
}

/* ret: the host call's result (count or -errno). nothing_ready_ok: a count of 0 stays 0 when
 * the wait was polled because of a held signal (epoll with a zero timeout). */
static int64_t wait_end(RtThread *t, Wait *w, int64_t ret, bool nothing_ready_ok)
{
    if (!w->masked)
        return ret;
    if (w->held && ret == 0 && !nothing_ready_ok)
        ret = -EINTR;
    return rt_signal_wait_end(t, ret);
}

/* ---------------------------------------------------------------- poll */

static int64_t do_poll(RtThread *t, uint64_t fds, uint64_t nfds_arg, Wait *w)
{
    unsigned nfds = (unsigned)nfds_arg;             /* the kernel's unsigned int */
    void *ufds = rt_guest_ptr(t->proc, fds, (uint64_t)nfds * sizeof(struct pollfd));
    long r = syscall(SYS_ppoll, ufds, (unsigned long)nfds, w->tsp,
                     w->masked ? &w->host_mask : NULL, (size_t)8);
    return r < 0 ? -errno : r;
}

int64_t rt_sys_poll(RtThread *t, const uint64_t *a)
{
    int timeout = rt_arg_int(a[2]);                 /* milliseconds, negative: forever */
    Wait w = { .tsp = NULL };
    if (timeout >= 0) {
        w.ts.tv_sec = timeout / 1000;
        w.ts.tv_nsec = (long)(timeout % 1000) * 1000000;
        w.tsp = &w.ts;
    }
    return do_poll(t, a[0], a[1], &w);
}

int64_t rt_sys_ppoll(RtThread *t, const uint64_t *a)
{
    Wait w = { .tsp = NULL };
    int64_t e;
    if (a[2]) {
        if ((e = get_timeout(t, a[2], &w.ts)) < 0)
            return e;
        w.tsp = &w.ts;
    }
    uint64_t mask;
    if (a[3] && (e = get_mask(t, a[3], a[4], &mask)) < 0)
        return e;
    bool write_back = a[2] && !zero_ts(&w.ts);
    struct timespec given = w.ts;
    wait_begin(t, &w, a[3] ? &mask : NULL);
    int64_t r = wait_end(t, &w, do_poll(t, a[0], a[1], &w), false);
    if (write_back) {
        const struct timespec *left = w.held ? &given : &w.ts;
        int64_t g[2] = { left->tv_sec, left->tv_nsec };
        rt_copy_to_guest(t->proc, a[2], g, sizeof g);       /* a failure is not an error */
    }
    return r;
}

/* ---------------------------------------------------------------- select */

#define FDSET_WORD_BITS 64

/* The kernel's fdt->max_fds: select looks at no descriptor beyond it. Read from FDSize in
 * /proc/self/status (it is at least 64, BITS_PER_LONG); -1 if unknown. */
static int host_max_fds(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return -1;
    char line[256];
    int n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "FDSize: %d", &n) == 1)
            break;
    fclose(f);
    return n;
}

/* select's work once the timeout and mask are known (Linux's core_sys_select): the sets are
 * copied in (FDS_BYTES(n) each), the host selects on ferry's copies, and the results are
 * copied back on success. */
static int64_t do_select(RtThread *t, int n, const uint64_t *sets, Wait *w)
{
    if (n < 0)
        return -EINVAL;
    /* Linux looks at no more than max_fds descriptors; the common n <= 1024 never exceeds
     * the table enough to matter, so the table size is only asked for above that. */
    if (n > 1024) {
        int max = host_max_fds();
        if (max > 0 && n > max)
            n = max;
    }
    size_t bytes = ((size_t)n + FDSET_WORD_BITS - 1) / FDSET_WORD_BITS * 8;
    uint8_t *buf = calloc(3, bytes ? bytes : 1);
    if (!buf)
        return -ENOMEM;
    uint8_t *set[3];
    for (int i = 0; i < 3; i++) {
        set[i] = sets[i] ? buf + (size_t)i * bytes : NULL;
        if (set[i] && rt_copy_from_guest(t->proc, set[i], sets[i], bytes) < 0) {
            free(buf);
            return -EFAULT;
        }
    }
    long r = syscall(SYS_pselect6, n, set[0], set[1], set[2], w->tsp,
                     w->masked ? (void *)&w->argpack : NULL);
    int64_t ret = r < 0 ? -errno : r;
    if (ret >= 0 && !(w->held && ret == 0))
        for (int i = 0; i < 3; i++)
            if (set[i] && rt_copy_to_guest(t->proc, sets[i], set[i], bytes) < 0)
                ret = -EFAULT;
    free(buf);
    return ret;
}

int64_t rt_sys_select(RtThread *t, const uint64_t *a)
{
    Wait w = { .tsp = NULL };
    bool write_back = false;
    if (a[4]) {
        int64_t tv[2];
        if (rt_copy_from_guest(t->proc, tv, a[4], sizeof tv) < 0)
            return -EFAULT;
        /* kern_select: seconds + usec / 10^6, (usec % 10^6) * 1000 ns, then validated. */
        int64_t sec = tv[0] + tv[1] / 1000000, nsec = (tv[1] % 1000000) * 1000;
        if (sec < 0 || nsec < 0)
            return -EINVAL;
        w.ts.tv_sec = sec;
        w.ts.tv_nsec = nsec;
        w.tsp = &w.ts;
        write_back = sec || nsec;
    }
    const uint64_t sets[3] = { a[1], a[2], a[3] };
    int64_t r = do_select(t, rt_arg_int(a[0]), sets, &w);
    if (write_back) {               /* Linux reports the time left (not STICKY_TIMEOUTS) */
        int64_t tv[2] = { w.ts.tv_sec, w.ts.tv_nsec / 1000 };
        rt_copy_to_guest(t->proc, a[4], tv, sizeof tv);
    }
    return r;
}

int64_t rt_sys_pselect6(RtThread *t, const uint64_t *a)
{
    /* The sixth argument: { const sigset_t *ss; size_t ss_len; }, read first. */
    uint64_t pack[2] = { 0, 0 };
    if (a[5] && rt_copy_from_guest(t->proc, pack, a[5], sizeof pack) < 0)
        return -EFAULT;
    Wait w = { .tsp = NULL };
    int64_t e;
    if (a[4]) {
        if ((e = get_timeout(t, a[4], &w.ts)) < 0)
            return e;
        w.tsp = &w.ts;
    }
    uint64_t mask;
    if (pack[0] && (e = get_mask(t, pack[0], pack[1], &mask)) < 0)
        return e;
    bool write_back = a[4] && !zero_ts(&w.ts);
    struct timespec given = w.ts;
    wait_begin(t, &w, pack[0] ? &mask : NULL);
    const uint64_t sets[3] = { a[1], a[2], a[3] };
    int64_t r = wait_end(t, &w, do_select(t, rt_arg_int(a[0]), sets, &w), false);
    if (write_back) {
        const struct timespec *left = w.held ? &given : &w.ts;
        int64_t g[2] = { left->tv_sec, left->tv_nsec };
        rt_copy_to_guest(t->proc, a[4], g, sizeof g);
    }
    return r;
}

/* ---------------------------------------------------------------- epoll */

/* At most this many events are taken per wait (the rest stay ready for the next call, as
 * when maxevents is small). */
#define RT_EPOLL_BATCH 1024
#define GUEST_EPOLL_EVENT_SIZE 12
#define GUEST_EPOLL_CTL_DEL 2
/* EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event), the guest's (packed) size. */
#define GUEST_EP_MAX_EVENTS (INT_MAX / GUEST_EPOLL_EVENT_SIZE)

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
    struct epoll_event ev, *evp = NULL;
    /* Linux reads the event for every op but EPOLL_CTL_DEL (an unknown op too, before
     * saying EINVAL), and only then looks at the descriptors. */
    if (op != GUEST_EPOLL_CTL_DEL) {
        uint8_t g[GUEST_EPOLL_EVENT_SIZE];
        if (rt_copy_from_guest(t->proc, g, a[3], sizeof g) < 0)
            return -EFAULT;
        memset(&ev, 0, sizeof ev);
        memcpy(&ev.events, g, 4);
        memcpy(&ev.data.u64, g + 4, 8);
        evp = &ev;
    }
    if (rt_fd_reserved(t->proc, epfd) || rt_fd_reserved(t->proc, fd))
        return -EBADF;
    return rt_sysret(syscall(SYS_epoll_ctl, epfd, op, fd, evp));
}

/* do_epoll_wait: maxevents, then the buffer's range (access_ok only: Linux finds an unmapped
 * buffer when it copies the events), then the descriptor, then the wait. tsp NULL: forever.
 * Events that cannot be copied out are lost (Linux puts them back on the ready list); the
 * count copied so far is returned, or -EFAULT if none was. */
static int64_t do_epoll_wait(RtThread *t, const uint64_t *a, Wait *w, bool zero_timeout)
{
    int epfd = rt_arg_int(a[0]), max = rt_arg_int(a[2]);
    if (max <= 0 || max > GUEST_EP_MAX_EVENTS)
        return wait_end(t, w, -EINVAL, true);
    uint64_t bytes = (uint64_t)max * GUEST_EPOLL_EVENT_SIZE;
    if (a[1] >= RT_USER_TOP || bytes > RT_USER_TOP - a[1])
        return wait_end(t, w, -EFAULT, true);
    if (rt_fd_reserved(t->proc, epfd))
        return wait_end(t, w, -EBADF, true);
    int n = max < RT_EPOLL_BATCH ? max : RT_EPOLL_BATCH;
    struct epoll_event *ev = malloc((size_t)n * sizeof *ev);
    if (!ev)
        return wait_end(t, w, -ENOMEM, true);
    const uint64_t *hm = w->masked ? &w->host_mask : NULL;
    long r;
    if (w->use_ms || !w->tsp) {
        r = syscall(SYS_epoll_pwait, epfd, ev, n, w->held ? 0 : w->tsp ? w->ms : -1, hm,
                    (size_t)8);
    } else {
        r = syscall(SYS_epoll_pwait2, epfd, ev, n, w->tsp, hm, (size_t)8);
    }
    int64_t ret = r < 0 ? -errno : r;
    for (long i = 0; i < r; i++) {
        uint8_t g[GUEST_EPOLL_EVENT_SIZE];
        memcpy(g, &ev[i].events, 4);
        memcpy(g + 4, &ev[i].data.u64, 8);
        if (rt_copy_to_guest(t->proc, a[1] + (uint64_t)i * sizeof g, g, sizeof g) < 0) {
            ret = i ? i : -EFAULT;
            break;
        }
    }
    free(ev);
    return wait_end(t, w, ret, zero_timeout);
}

/* epoll_wait's milliseconds as a Wait (negative: forever), passed on as they are. */
static void ms_timeout(Wait *w, int ms)
{
    memset(w, 0, sizeof *w);
    w->use_ms = true;
    w->ms = ms;
    w->tsp = ms >= 0 ? &w->ts : NULL;
}

int64_t rt_sys_epoll_wait(RtThread *t, const uint64_t *a)
{
    Wait w;
    ms_timeout(&w, rt_arg_int(a[3]));
    wait_begin(t, &w, NULL);
    return do_epoll_wait(t, a, &w, rt_arg_int(a[3]) == 0);
}

int64_t rt_sys_epoll_pwait(RtThread *t, const uint64_t *a)
{
    /* The mask is taken first (do_epoll_pwait: set_user_sigmask, then do_epoll_wait). */
    uint64_t mask;
    int64_t e;
    if (a[4] && (e = get_mask(t, a[4], a[5], &mask)) < 0)
        return e;
    Wait w;
    ms_timeout(&w, rt_arg_int(a[3]));
    wait_begin(t, &w, a[4] ? &mask : NULL);
    return do_epoll_wait(t, a, &w, rt_arg_int(a[3]) == 0);
}

int64_t rt_sys_epoll_pwait2(RtThread *t, const uint64_t *a)
{
    Wait w = { .tsp = NULL };
    int64_t e;
    if (a[3]) {
        if ((e = get_timeout(t, a[3], &w.ts)) < 0)
            return e;
        w.tsp = &w.ts;
    }
    uint64_t mask;
    if (a[4] && (e = get_mask(t, a[4], a[5], &mask)) < 0)
        return e;
    bool zero = w.tsp && zero_ts(w.tsp);
    wait_begin(t, &w, a[4] ? &mask : NULL);
    return do_epoll_wait(t, a, &w, zero);
}
