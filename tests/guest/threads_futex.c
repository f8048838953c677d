/* threads_futex.c — the futex operations through raw system calls: WAIT/WAKE (private and
 * shared), WAIT_BITSET with an absolute CLOCK_MONOTONIC and CLOCK_REALTIME timeout, WAKE_BITSET,
 * REQUEUE and CMP_REQUEUE (waiters moved from one word to another), WAKE_OP, and the errors
 * (EAGAIN for a changed word, ETIMEDOUT, EINVAL for a misaligned word, EFAULT for an unmapped
 * one, ENOSYS for FUTEX_FD). Waiters are counted through atomics, so the output is fixed. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Linux's futex ABI (musl has no <linux/futex.h>). */
enum {
    FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5,
    FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10,
    FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256,
    FUTEX_WAIT_PRIVATE = FUTEX_WAIT | FUTEX_PRIVATE_FLAG,
    FUTEX_WAKE_PRIVATE = FUTEX_WAKE | FUTEX_PRIVATE_FLAG,
    FUTEX_REQUEUE_PRIVATE = FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG,
    FUTEX_CMP_REQUEUE_PRIVATE = FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG,
    FUTEX_WAKE_OP_PRIVATE = FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG,
    FUTEX_WAIT_BITSET_PRIVATE = FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG,
    FUTEX_OP_ADD = 1, FUTEX_OP_CMP_GT = 4,
};
#define FUTEX_OP(op, oparg, cmp, cmparg) \
    (((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff))

static long fx(void *uaddr, int op, uint32_t val, const void *ts_or_val2, void *uaddr2,
               uint32_t val3)
{
    long r = syscall(SYS_futex, uaddr, op, val, ts_or_val2, uaddr2, val3);
    return r < 0 ? -errno : r;
}

static uint32_t word_a, word_b;
static int waiting, woken;
static long waiter_tid[8];

/* Waits on word_a while it is 0 (any op), counting itself in and out. */
static void *waiter(void *p)
{
    int op = (int)(long)p;
    waiter_tid[__atomic_fetch_add(&waiting, 1, __ATOMIC_SEQ_CST)] = syscall(SYS_gettid);
    while (__atomic_load_n(&word_a, __ATOMIC_SEQ_CST) == 0)
        fx(&word_a, op, 0, NULL, NULL, op == FUTEX_WAIT_BITSET ? 0x1 : 0);
    __atomic_fetch_add(&woken, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Waits until n waiters sleep in the kernel's futex wait (their wchan says so). */
static void wait_for(int n)
{
    while (__atomic_load_n(&waiting, __ATOMIC_SEQ_CST) < n)
        usleep(1000);
    for (int i = 0; i < n; i++)
        for (int tries = 0; tries < 5000; tries++) {
            char path[64], buf[64] = "";
            snprintf(path, sizeof path, "/proc/self/task/%ld/wchan", waiter_tid[i]);
            FILE *f = fopen(path, "r");
            if (f) {
                if (!fgets(buf, sizeof buf, f))
                    buf[0] = 0;
                fclose(f);
            }
            if (strstr(buf, "futex"))
                break;
            usleep(1000);
        }
}

static void reset(void)
{
    word_a = word_b = 0;
    waiting = woken = 0;
}

int main(void)
{
    /* Errors. */
    uint32_t w = 5;
    printf("wait on a changed word: %ld (EAGAIN %d)\n", fx(&w, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0), -EAGAIN);
    struct timespec rel = { 0, 10 * 1000 * 1000 };
    printf("relative timeout: %ld (ETIMEDOUT %d)\n", fx(&w, FUTEX_WAIT_PRIVATE, 5, &rel, NULL, 0), -ETIMEDOUT);
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 10 * 1000 * 1000;
    if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
    printf("absolute monotonic timeout: %ld\n", fx(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, &abs, NULL, ~0u));
    clock_gettime(CLOCK_REALTIME, &abs);
    abs.tv_nsec += 10 * 1000 * 1000;
    if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
    printf("absolute realtime timeout: %ld\n",
           fx(&w, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &abs, NULL, ~0u));
    printf("misaligned: %ld (EINVAL %d)\n", fx((char *)&w + 1, FUTEX_WAKE, 1, NULL, NULL, 0), -EINVAL);
    printf("unmapped: %ld (EFAULT %d)\n", fx((void *)16, FUTEX_WAIT, 0, NULL, NULL, 0), -EFAULT);
    printf("FUTEX_FD: %ld (ENOSYS %d)\n", fx(&w, 2, 0, NULL, NULL, 0), -ENOSYS);
    printf("wake with no waiter: %ld\n", fx(&w, FUTEX_WAKE, 10, NULL, NULL, 0));
    printf("bitset 0: %ld (EINVAL)\n", fx(&w, FUTEX_WAIT_BITSET, 5, NULL, NULL, 0));

    /* WAIT/WAKE, shared and private, and WAKE_BITSET. */
    static const int ops[3] = { FUTEX_WAIT, FUTEX_WAIT_PRIVATE, FUTEX_WAIT_BITSET };
    static const char *names[3] = { "shared", "private", "bitset" };
    for (int k = 0; k < 3; k++) {
        reset();
        pthread_t t[3];
        for (int i = 0; i < 3; i++)
            pthread_create(&t[i], NULL, waiter, (void *)(long)ops[k]);
        wait_for(3);
        __atomic_store_n(&word_a, 1, __ATOMIC_SEQ_CST);
        long n = k == 2 ? fx(&word_a, FUTEX_WAKE_BITSET, 10, NULL, NULL, 0x1)
                        : fx(&word_a, k ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE, 10, NULL, NULL, 0);
        for (int i = 0; i < 3; i++)
            pthread_join(t[i], NULL);
        printf("%s: woke %ld, %d threads done\n", names[k], n, woken);
    }

    /* CMP_REQUEUE: wake 1 on word_a, move the other 2 to word_b, then wake word_b. */
    reset();
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, waiter, (void *)(long)FUTEX_WAIT_PRIVATE);
    wait_for(3);
    printf("cmp_requeue with a wrong value: %ld (EAGAIN)\n",
           fx(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2L, &word_b, 7));
    __atomic_store_n(&word_a, 1, __ATOMIC_SEQ_CST);
    long moved = fx(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2L, &word_b, 1);
    while (__atomic_load_n(&woken, __ATOMIC_SEQ_CST) < 1)
        usleep(1000);
    usleep(20000);
    printf("cmp_requeue: %ld woken or moved, %d done\n", moved, __atomic_load_n(&woken, __ATOMIC_SEQ_CST));
    printf("wake the requeued: %ld\n", fx(&word_b, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("all %d done\n", woken);

    /* REQUEUE (no compare): all 2 moved, none woken. */
    reset();
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, waiter, (void *)(long)FUTEX_WAIT_PRIVATE);
    wait_for(2);
    __atomic_store_n(&word_a, 1, __ATOMIC_SEQ_CST);
    printf("requeue: %ld\n", fx(&word_a, FUTEX_REQUEUE_PRIVATE, 0, (void *)10L, &word_b, 0));
    usleep(20000);
    printf("woken before the second wake: %d\n", __atomic_load_n(&woken, __ATOMIC_SEQ_CST));
    printf("wake: %ld\n", fx(&word_b, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);

    /* WAKE_OP: *uaddr2 += 5 (old value compared > 0): wakes on word_a, and on word_b if the
     * comparison holds. */
    reset();
    word_b = 3;
    uint32_t op = FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_GT, 0);
    __atomic_store_n(&word_a, 1, __ATOMIC_SEQ_CST);
    long r = fx(&word_a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &word_b, op);
    printf("wake_op: %ld, word_b now %u\n", r, word_b);
    return 0;
}
