/* sys_futex.c — futex: every operation glibc and musl use, forwarded to the host kernel.
 *
 * Guest memory is host memory at guest base 0, so a guest futex word is a host futex word at
 * the same address: the host kernel compares, sleeps, wakes and requeues on exactly the words
 * the guest's atomics change, between any of the process's threads (each a host thread) and,
 * for shared futexes, other processes. PI futexes work too, because the tids they hold are
 * the host's. The operations and flags are the same numbers on x86-64 and the asm-generic
 * hosts, and so is struct timespec (two 64-bit fields).
 *
 * What ferry checks before the host sees an address (so the kernel never touches ferry's
 * memory for the guest): uaddr, and uaddr2 for the operations that have one, must be 4-byte
 * aligned (-EINVAL, as Linux) guest memory (-EFAULT); the timeout is copied from guest memory.
 * FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME are passed on; the host kernel rejects the
 * combinations Linux rejects. Operations Linux removed or never had: -ENOSYS.
 *
 * Arguments by operation (uaddr, op, val, timeout-or-val2, uaddr2, val3):
 *   WAIT, WAIT_BITSET         val, timeout (relative for WAIT, absolute for WAIT_BITSET), val3
 *   WAKE, WAKE_BITSET         val (how many), val3 (bitset)
 *   REQUEUE, CMP_REQUEUE      val (wake), val2 (requeue at most), uaddr2, val3 (compare)
 *   WAKE_OP                   val, val2, uaddr2, val3 (the operation on *uaddr2)
 *   LOCK_PI, LOCK_PI2         timeout (absolute)
 *   UNLOCK_PI, TRYLOCK_PI     -
 *   WAIT_REQUEUE_PI           val, timeout, uaddr2
 *   CMP_REQUEUE_PI            val, val2, uaddr2, val3
 * A wait blocks the host thread in the kernel; the guest thread is then not running
 * (threads.c), and a signal interrupts it with -EINTR like any other call (signal.c decides
 * whether it restarts).
 */
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "runtime/syscall.h"

enum {
    FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_FD = 2, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4,
    FUTEX_WAKE_OP = 5, FUTEX_LOCK_PI = 6, FUTEX_UNLOCK_PI = 7, FUTEX_TRYLOCK_PI = 8,
    FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_WAIT_REQUEUE_PI = 11,
    FUTEX_CMP_REQUEUE_PI = 12, FUTEX_LOCK_PI2 = 13,
};
#define FUTEX_PRIVATE        128
#define FUTEX_CLOCK_REALTIME 256

/* 0 if the futex word at addr may be handed to the host, else -errno. */
static int64_t check_word(RtThread *t, uint64_t addr)
{
    if (addr & 3)
        return -EINVAL;
    return rt_guest_range_ok(t->proc, addr, 4) ? 0 : -EFAULT;
}

int64_t rt_sys_futex(RtThread *t, const uint64_t *a)
{
    int op = rt_arg_int(a[1]);
    int cmd = op & ~(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);
    bool has_timeout = false, has_uaddr2 = false;
    switch (cmd) {
    case FUTEX_WAIT: case FUTEX_WAIT_BITSET: case FUTEX_LOCK_PI: case FUTEX_LOCK_PI2:
        has_timeout = true;
        break;
    case FUTEX_WAIT_REQUEUE_PI:
        has_timeout = has_uaddr2 = true;
        break;
    case FUTEX_REQUEUE: case FUTEX_CMP_REQUEUE: case FUTEX_WAKE_OP: case FUTEX_CMP_REQUEUE_PI:
        has_uaddr2 = true;
        break;
    case FUTEX_WAKE: case FUTEX_WAKE_BITSET: case FUTEX_UNLOCK_PI: case FUTEX_TRYLOCK_PI:
        break;
    default:                    /* FUTEX_FD (removed in Linux 2.6.26) and unknown ones */
        return -ENOSYS;
    }
    int64_t e = check_word(t, a[0]);
    if (e == 0 && has_uaddr2)
        e = check_word(t, a[4]);
    if (e < 0)
        return e;
    /* The fourth argument: a timeout pointer, or val2 passed as a number. */
    const void *arg4 = (const void *)(uintptr_t)a[3];
    struct timespec ts;
    if (has_timeout) {
        arg4 = NULL;
        if (a[3]) {
            int64_t g[2];
            if (rt_copy_from_guest(t->proc, g, a[3], sizeof g) < 0)
                return -EFAULT;
            ts.tv_sec = g[0];
            ts.tv_nsec = g[1];
            arg4 = &ts;
        }
    }
    return rt_sysret(syscall(SYS_futex, (void *)(uintptr_t)a[0], op, (uint32_t)a[2], arg4,
                             (void *)(uintptr_t)a[4], (uint32_t)a[5]));
}
