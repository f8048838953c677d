/* sys_time.c — clocks and sleeping: clock_gettime, clock_getres, gettimeofday, time,
 * nanosleep, clock_nanosleep, times.
 *
 * ferry offers no vDSO, so the guest's libc makes these real system calls. struct timespec,
 * struct timeval and struct tms are pairs or quadruples of 64-bit integers on x86-64 and on
 * the 64-bit hosts; ferry calls the host with its own copies and writes results back with
 * the safe copies (time() has no system call on aarch64, so it is built on clock_gettime).
 */
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>
#include "runtime/syscall.h"

static int64_t get_ts(RtThread *t, uint64_t addr, struct timespec *ts)
{
    int64_t g[2];
    if (rt_copy_from_guest(t->proc, g, addr, sizeof g) < 0)
        return -EFAULT;
    ts->tv_sec = g[0];
    ts->tv_nsec = g[1];
    return 0;
}

static int64_t put_pair(RtThread *t, uint64_t addr, int64_t x, int64_t y)
{
    int64_t g[2] = { x, y };
    return rt_copy_to_guest(t->proc, addr, g, sizeof g) < 0 ? -EFAULT : 0;
}

int64_t rt_sys_clock_gettime(RtThread *t, const uint64_t *a)
{
    struct timespec ts;
    if (syscall(SYS_clock_gettime, rt_arg_int(a[0]), &ts) != 0)
        return -errno;
    return put_pair(t, a[1], ts.tv_sec, ts.tv_nsec);
}

int64_t rt_sys_clock_getres(RtThread *t, const uint64_t *a)
{
    struct timespec ts;
    if (syscall(SYS_clock_getres, rt_arg_int(a[0]), &ts) != 0)
        return -errno;
    return a[1] ? put_pair(t, a[1], ts.tv_sec, ts.tv_nsec) : 0;
}

int64_t rt_sys_gettimeofday(RtThread *t, const uint64_t *a)
{
    struct timeval tv;
    struct timezone tz;
    if (syscall(SYS_gettimeofday, &tv, &tz) != 0)
        return -errno;
    if (a[0] && put_pair(t, a[0], tv.tv_sec, tv.tv_usec) < 0)
        return -EFAULT;
    if (a[1]) {
        int32_t g[2] = { tz.tz_minuteswest, tz.tz_dsttime };
        if (rt_copy_to_guest(t->proc, a[1], g, sizeof g) < 0)
            return -EFAULT;
    }
    return 0;
}

int64_t rt_sys_time(RtThread *t, const uint64_t *a)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return -errno;
    int64_t s = ts.tv_sec;
    if (a[0] && rt_copy_to_guest(t->proc, a[0], &s, sizeof s) < 0)
        return -EFAULT;
    return s;
}

static int64_t sleep_common(RtThread *t, int clk, int flags, uint64_t req, uint64_t rem)
{
    struct timespec r, left = { 0, 0 };
    if (get_ts(t, req, &r) < 0)
        return -EFAULT;
    long e = syscall(SYS_clock_nanosleep, clk, flags, &r, &left);
    int err = e < 0 ? errno : 0;    /* before put_pair, whose copy may set errno */
    if (err == EINTR && rem && !(flags & TIMER_ABSTIME))
        put_pair(t, rem, left.tv_sec, left.tv_nsec);
    return e < 0 ? -err : e;
}

int64_t rt_sys_nanosleep(RtThread *t, const uint64_t *a)
{
    return sleep_common(t, CLOCK_MONOTONIC, 0, a[0], a[1]);
}

int64_t rt_sys_clock_nanosleep(RtThread *t, const uint64_t *a)
{
    return sleep_common(t, rt_arg_int(a[0]), rt_arg_int(a[1]), a[2], a[3]);
}

int64_t rt_sys_times(RtThread *t, const uint64_t *a)
{
    struct tms tm;
    clock_t r = times(&tm);
    if (r == (clock_t)-1)
        return -errno;
    if (a[0]) {
        int64_t g[4] = { tm.tms_utime, tm.tms_stime, tm.tms_cutime, tm.tms_cstime };
        if (rt_copy_to_guest(t->proc, a[0], g, sizeof g) < 0)
            return -EFAULT;
    }
    return r;
}
