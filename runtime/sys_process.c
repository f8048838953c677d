/* sys_process.c — process and thread identity, limits and resources: exit, the get*id
 * family, setpgid/setsid, set_tid_address, set_robust_list, get_robust_list, rseq, arch_prctl,
 * uname, rlimits, getrusage, sysinfo, getrandom, sched_getaffinity/sched_yield. (New processes
 * and waiting for them: sys_clone.c; execve: sys_exec.c; prctl: sys_prctl.c; futex:
 * sys_futex.c.)
 *
 * One guest process is one host process, so identities are the host's. The guest's FS and GS
 * bases live in X86State (arch_prctl), never in host registers. uname reports the host's
 * kernel with machine "x86_64". rseq is declined with -ENOSYS (glibc then runs without it).
 * exit ends the calling thread (threads.c; the last one ends the process), exit_group the
 * process. futex is sys_futex.c's.
 */
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "runtime/guest_abi.h"
#include "runtime/syscall.h"

int64_t rt_sys_exit(RtThread *t, const uint64_t *a)
{
    rt_thread_exit(t, rt_arg_int(a[0]) & 0xff);    /* this thread (the last: the process) */
}

int64_t rt_sys_exit_group(RtThread *t, const uint64_t *a)
{
    rt_exit(t->proc, rt_arg_int(a[0]) & 0xff);
}

int64_t rt_sys_getpid(RtThread *t, const uint64_t *a)  { (void)t; (void)a; return getpid(); }
int64_t rt_sys_getppid(RtThread *t, const uint64_t *a) { (void)t; (void)a; return getppid(); }
int64_t rt_sys_gettid(RtThread *t, const uint64_t *a)  { (void)a; return t->tid; }
int64_t rt_sys_getuid(RtThread *t, const uint64_t *a)  { (void)t; (void)a; return getuid(); }
int64_t rt_sys_geteuid(RtThread *t, const uint64_t *a) { (void)t; (void)a; return geteuid(); }
int64_t rt_sys_getgid(RtThread *t, const uint64_t *a)  { (void)t; (void)a; return getgid(); }
int64_t rt_sys_getegid(RtThread *t, const uint64_t *a) { (void)t; (void)a; return getegid(); }
int64_t rt_sys_getpgrp(RtThread *t, const uint64_t *a) { (void)t; (void)a; return getpgrp(); }

int64_t rt_sys_getpgid(RtThread *t, const uint64_t *a)
{
    (void)t;
    return rt_sysret(getpgid(rt_arg_int(a[0])));
}

int64_t rt_sys_getsid(RtThread *t, const uint64_t *a)
{
    (void)t;
    return rt_sysret(getsid(rt_arg_int(a[0])));
}

int64_t rt_sys_setpgid(RtThread *t, const uint64_t *a)
{
    (void)t;
    return rt_sysret(setpgid(rt_arg_int(a[0]), rt_arg_int(a[1])));
}

int64_t rt_sys_setsid(RtThread *t, const uint64_t *a)
{
    (void)t;
    (void)a;
    return rt_sysret(setsid());
}

int64_t rt_sys_set_tid_address(RtThread *t, const uint64_t *a)
{
    t->clear_child_tid = a[0];      /* zeroed and woken when the thread exits (threads.c) */
    return t->tid;
}

int64_t rt_sys_set_robust_list(RtThread *t, const uint64_t *a)
{
    if (a[1] != 24)                 /* sizeof(struct robust_list_head) on x86-64 */
        return -EINVAL;
    t->robust_list = a[0];          /* walked when the thread exits (threads.c) */
    return 0;
}

int64_t rt_sys_get_robust_list(RtThread *t, const uint64_t *a)
{
    /* pid 0: this thread; else a thread of this process (ferry cannot read another
     * process's guest state: -EPERM, as ptrace permission would be needed). */
    int tid = rt_arg_int(a[0]);
    RtProcess *p = t->proc;
    uint64_t head = 0;
    bool found = tid == 0 || tid == t->tid;
    if (found) {
        head = t->robust_list;
    } else {
        pthread_mutex_lock(&p->lock);
        for (RtThread *th = p->threads; th; th = th->next)
            if (th->tid == tid) {
                head = th->robust_list;
                found = true;
            }
        pthread_mutex_unlock(&p->lock);
        if (!found)
            return tid < 0 ? -ESRCH : kill(tid, 0) == 0 || errno == EPERM ? -EPERM : -ESRCH;
    }
    uint64_t len = 24;
    if (rt_copy_to_guest(p, a[1], &head, sizeof head) < 0 ||
        rt_copy_to_guest(p, a[2], &len, sizeof len) < 0)
        return -EFAULT;
    return 0;
}

int64_t rt_sys_rseq(RtThread *t, const uint64_t *a)
{
    (void)t;
    (void)a;
    return -ENOSYS;                 /* declined: glibc and musl run without rseq */
}

int64_t rt_sys_arch_prctl(RtThread *t, const uint64_t *a)
{
    X86State *st = &t->state;
    switch (rt_arg_int(a[0])) {
    case GUEST_ARCH_SET_FS:
    case GUEST_ARCH_SET_GS:
        if (a[1] >= RT_USER_TOP)    /* Linux: a base must be a user address */
            return -EPERM;
        if (rt_arg_int(a[0]) == GUEST_ARCH_SET_FS)
            st->fs_base = a[1];
        else
            st->gs_base = a[1];
        return 0;
    case GUEST_ARCH_GET_FS:
        return rt_copy_to_guest(t->proc, a[1], &st->fs_base, 8) < 0 ? -EFAULT : 0;
    case GUEST_ARCH_GET_GS:
        return rt_copy_to_guest(t->proc, a[1], &st->gs_base, 8) < 0 ? -EFAULT : 0;
    default:
        return -EINVAL;
    }
}

int64_t rt_sys_uname(RtThread *t, const uint64_t *a)
{
    struct utsname u;
    if (uname(&u) != 0)
        return -errno;
    char g[6][GUEST_UTS_LEN];
    memset(g, 0, sizeof g);
    const char *f[6] = { u.sysname, u.nodename, u.release, u.version, "x86_64", u.domainname };
    for (int i = 0; i < 6; i++)
        strncpy(g[i], f[i], GUEST_UTS_LEN - 1);
    return rt_copy_to_guest(t->proc, a[0], g, sizeof g) < 0 ? -EFAULT : 0;
}

/* ---------------------------------------------------------------- limits and resources */

int64_t rt_sys_prlimit64(RtThread *t, const uint64_t *a)
{
    /* Resource numbers and struct rlimit64 are the same on x86-64 and the asm-generic hosts. */
    struct rlimit64 nl, ol;
    if (a[2] && rt_copy_from_guest(t->proc, &nl, a[2], sizeof nl) < 0)
        return -EFAULT;
    long r = syscall(SYS_prlimit64, rt_arg_int(a[0]), rt_arg_int(a[1]), a[2] ? &nl : NULL,
                     a[3] ? &ol : NULL);
    if (r < 0)
        return -errno;
    if (a[3] && rt_copy_to_guest(t->proc, a[3], &ol, sizeof ol) < 0)
        return -EFAULT;
    return 0;
}

int64_t rt_sys_getrlimit(RtThread *t, const uint64_t *a)
{
    struct rlimit64 ol;
    if (syscall(SYS_prlimit64, 0, rt_arg_int(a[0]), NULL, &ol) < 0)
        return -errno;
    return rt_copy_to_guest(t->proc, a[1], &ol, sizeof ol) < 0 ? -EFAULT : 0;
}

int64_t rt_sys_getrusage(RtThread *t, const uint64_t *a)
{
    struct rusage ru;               /* 144 bytes of longs and timevals on both hosts */
    _Static_assert(sizeof(struct rusage) == 144, "struct rusage is x86-64's 144 bytes");
    if (getrusage(rt_arg_int(a[0]), &ru) != 0)
        return -errno;
    return rt_copy_to_guest(t->proc, a[1], &ru, sizeof ru) < 0 ? -EFAULT : 0;
}

int64_t rt_sys_sysinfo(RtThread *t, const uint64_t *a)
{
    /* struct sysinfo: longs, two u16 and a u32 with the same padding on x86-64 and the
     * 64-bit asm-generic hosts (112 bytes), so the host's is the guest's. */
    _Static_assert(sizeof(struct sysinfo) == 112, "struct sysinfo is x86-64's 112 bytes");
    struct sysinfo si;
    if (sysinfo(&si) != 0)
        return -errno;
    return rt_copy_to_guest(t->proc, a[0], &si, sizeof si) < 0 ? -EFAULT : 0;
}

int64_t rt_sys_getrandom(RtThread *t, const uint64_t *a)
{
    /* The flags are the same everywhere and checked by the host before the buffer, which is
     * clamped to guest memory (RT_FAULT_PTR when none of it is). */
    if (a[1] == 0)
        return rt_sysret(syscall(SYS_getrandom, (void *)(uintptr_t)a[0], 0, (unsigned)a[2]));
    uint64_t n = rt_guest_prefix(t->proc, a[0], a[1]);
    void *b = n ? (void *)(uintptr_t)a[0] : RT_FAULT_PTR;
    return rt_sysret(syscall(SYS_getrandom, b, n ? (size_t)n : (size_t)a[1], (unsigned)a[2]));
}

int64_t rt_sys_sched_getaffinity(RtThread *t, const uint64_t *a)
{
    uint64_t n = rt_guest_prefix(t->proc, a[2], a[1]) & ~7ull;
    if (a[1] && n == 0)
        return -EFAULT;
    return rt_sysret(syscall(SYS_sched_getaffinity, rt_arg_int(a[0]), (size_t)n,
                             (void *)(uintptr_t)a[2]));
}

int64_t rt_sys_sched_yield(RtThread *t, const uint64_t *a)
{
    (void)t;
    (void)a;
    return rt_sysret(sched_yield());
}
