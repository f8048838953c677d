/* sys_prctl.c — prctl, option by option.
 *
 * Options about the process that Linux implements the same on every architecture go to the
 * host (the name, the parent-death signal, dumpable, keepcaps, securebits, no_new_privs,
 * the child subreaper, timer slack, capabilities, THP, ...): one guest process is one host
 * process, so the host's answer is the guest's. Options whose results are pointers written
 * through guest memory are passed only after the pointer is checked.
 *
 * What is different under ferry:
 *   - x86-specific options are answered for the guest: PR_GET_TSC says PR_TSC_ENABLE and
 *     PR_SET_TSC accepts only PR_TSC_ENABLE (ferry cannot make rdtsc fault: PR_TSC_SIGSEGV is
 *     EINVAL); PR_GET_TID_ADDRESS returns the guest's set_tid_address pointer.
 *   - Options of other architectures (arm64's SVE, SME, pointer authentication, tagged
 *     addresses, MTE; mips FP modes; powerpc endianness and FP exceptions; riscv vector and
 *     icache) are EINVAL, as on an x86-64 kernel, even when the host is one they exist on.
 *   - Options that would act on ferry itself rather than on the guest are EINVAL, what a
 *     kernel built without them returns: PR_SET_SECCOMP (a filter would see ferry's host
 *     system calls, in host numbering), PR_SET_SYSCALL_USER_DISPATCH, PR_SET_MM (the layout
 *     fields belong to ferry's view; /proc/self/cmdline and friends are the guest's, see
 *     proc_self.c), PR_SET_MDWE (would forbid ferry's code cache), PR_SET_VMA (anonymous VMA
 *     names are not tracked), PR_GET_AUXV (Linux 6.4; the guest's auxv is /proc/self/auxv).
 *   - Unknown options are EINVAL, as in Linux.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "runtime/syscall.h"

/* The x86-64 option numbers (include/uapi/linux/prctl.h; the same for every architecture). */
enum {
    G_PR_SET_PDEATHSIG = 1, G_PR_GET_PDEATHSIG = 2, G_PR_GET_DUMPABLE = 3,
    G_PR_SET_DUMPABLE = 4, G_PR_GET_KEEPCAPS = 7, G_PR_SET_KEEPCAPS = 8,
    G_PR_GET_TIMING = 13, G_PR_SET_TIMING = 14, G_PR_SET_NAME = 15, G_PR_GET_NAME = 16,
    G_PR_GET_SECCOMP = 21, G_PR_SET_SECCOMP = 22, G_PR_CAPBSET_READ = 23,
    G_PR_CAPBSET_DROP = 24, G_PR_GET_TSC = 25, G_PR_SET_TSC = 26, G_PR_GET_SECUREBITS = 27,
    G_PR_SET_SECUREBITS = 28, G_PR_SET_TIMERSLACK = 29, G_PR_GET_TIMERSLACK = 30,
    G_PR_TASK_PERF_EVENTS_DISABLE = 31, G_PR_TASK_PERF_EVENTS_ENABLE = 32,
    G_PR_MCE_KILL = 33, G_PR_MCE_KILL_GET = 34, G_PR_SET_MM = 35,
    G_PR_SET_CHILD_SUBREAPER = 36, G_PR_GET_CHILD_SUBREAPER = 37,
    G_PR_SET_NO_NEW_PRIVS = 38, G_PR_GET_NO_NEW_PRIVS = 39, G_PR_GET_TID_ADDRESS = 40,
    G_PR_SET_THP_DISABLE = 41, G_PR_GET_THP_DISABLE = 42, G_PR_CAP_AMBIENT = 47,
    G_PR_GET_SPECULATION_CTRL = 52, G_PR_SET_SPECULATION_CTRL = 53,
    G_PR_SET_IO_FLUSHER = 57, G_PR_GET_IO_FLUSHER = 58, G_PR_SCHED_CORE = 62,
    G_PR_SET_MEMORY_MERGE = 67, G_PR_GET_MEMORY_MERGE = 68,
    G_PR_SET_PTRACER = 0x59616d61,
};
#define G_PR_TSC_ENABLE 1
#define RT_TASK_COMM_LEN 16

int64_t rt_sys_prctl(RtThread *t, const uint64_t *a)
{
    RtProcess *p = t->proc;
    int op = rt_arg_int(a[0]);
    switch (op) {
    /* Results written through arg2 as an int: the pointer is checked first. */
    case G_PR_GET_PDEATHSIG:
    case G_PR_GET_CHILD_SUBREAPER:
        return rt_sysret(syscall(SYS_prctl, op, rt_guest_ptr(p, a[1], 4), a[2], a[3], a[4]));
    case G_PR_GET_TSC: {
        int32_t mode = G_PR_TSC_ENABLE;
        return rt_copy_to_guest(p, a[1], &mode, sizeof mode) < 0 ? -EFAULT : 0;
    }
    case G_PR_SET_TSC:
        return a[1] == G_PR_TSC_ENABLE ? 0 : -EINVAL;
    case G_PR_GET_TID_ADDRESS:
        return rt_copy_to_guest(p, a[1], &t->clear_child_tid, 8) < 0 ? -EFAULT : 0;
    case G_PR_SET_NAME: {
        /* As the kernel: at most TASK_COMM_LEN - 1 bytes up to a NUL, then terminated. */
        char name[RT_TASK_COMM_LEN];
        if (rt_strncpy_from_guest(p, name, a[1], sizeof name) == -EFAULT)
            return -EFAULT;
        return rt_sysret(syscall(SYS_prctl, op, name, 0, 0, 0));
    }
    case G_PR_GET_NAME: {
        char name[RT_TASK_COMM_LEN];
        if (syscall(SYS_prctl, op, name, 0, 0, 0) < 0)
            return -errno;
        return rt_copy_to_guest(p, a[1], name, sizeof name) < 0 ? -EFAULT : 0;
    }
    /* Values only: the host's answer is the guest's. */
    case G_PR_SET_PDEATHSIG:
    case G_PR_GET_DUMPABLE:
    case G_PR_SET_DUMPABLE:
    case G_PR_GET_KEEPCAPS:
    case G_PR_SET_KEEPCAPS:
    case G_PR_GET_TIMING:
    case G_PR_SET_TIMING:
    case G_PR_GET_SECCOMP:
    case G_PR_CAPBSET_READ:
    case G_PR_CAPBSET_DROP:
    case G_PR_GET_SECUREBITS:
    case G_PR_SET_SECUREBITS:
    case G_PR_SET_TIMERSLACK:
    case G_PR_GET_TIMERSLACK:
    case G_PR_TASK_PERF_EVENTS_DISABLE:
    case G_PR_TASK_PERF_EVENTS_ENABLE:
    case G_PR_MCE_KILL:
    case G_PR_MCE_KILL_GET:
    case G_PR_SET_CHILD_SUBREAPER:
    case G_PR_SET_NO_NEW_PRIVS:
    case G_PR_GET_NO_NEW_PRIVS:
    case G_PR_SET_THP_DISABLE:
    case G_PR_GET_THP_DISABLE:
    case G_PR_CAP_AMBIENT:
    case G_PR_GET_SPECULATION_CTRL:
    case G_PR_SET_SPECULATION_CTRL:
    case G_PR_SET_IO_FLUSHER:
    case G_PR_GET_IO_FLUSHER:
    case G_PR_SET_MEMORY_MERGE:
    case G_PR_GET_MEMORY_MERGE:
    case G_PR_SET_PTRACER:
        return rt_sysret(syscall(SYS_prctl, op, a[1], a[2], a[3], a[4]));
    case G_PR_SCHED_CORE:
        /* PR_SCHED_CORE_GET (0) writes a u64 cookie through arg5. */
        if (a[1] == 0)
            return rt_sysret(syscall(SYS_prctl, op, a[1], a[2], a[3],
                                     rt_guest_ptr(p, a[4], 8)));
        return rt_sysret(syscall(SYS_prctl, op, a[1], a[2], a[3], a[4]));
    case G_PR_SET_SECCOMP:
    case G_PR_SET_MM:
    default:
        return -EINVAL;
    }
}
