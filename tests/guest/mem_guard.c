/* mem_guard.c — wild pointers into where an emulator keeps its own memory: addresses like
 * 0x7f0000000000 (mmap area), 0x555555554000.. (a PIE and its heap), 0x3fff00000000, the top
 * of the user range and beyond it (non-canonical, kernel half), reached by a load, a store,
 * [base + index] and [base - disp] forms, rep movsb, rep stosq, an SSE load, a LOCK cmpxchg,
 * and system calls (read, write, stat, pipe, clock_gettime) handed such a pointer. Natively
 * none of them is mapped in this process (the test checks with msync first and skips an
 * address that is), so each access is a SIGSEGV with si_code SEGV_MAPERR and si_addr the
 * address (a non-canonical one: SI_KERNEL, address 0; one a negative displacement wraps
 * past 2^64 from a small base: the kernel half's), caught in a handler that
 * siglongjmps out, and each system call is -EFAULT. Under ferry those addresses may hold
 * ferry's code cache, heap or stacks: the answers must be the same, and the memory intact.
 * Also mmap with a hint above the guest's space, which Linux and ferry both honour or not
 * (only "the result is usable" is printed), and MAP_FIXED_NOREPLACE far beyond TASK_SIZE.
 * The plain loads and stores also print the fault's write bit (REG_ERR). At the top of the
 * guest's space (top_edge): a base just above it with a negative displacement back below it
 * loads and stores as natively, and a base near 2^64 whose displacement wraps to address 8
 * faults there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <emmintrin.h>

static sigjmp_buf env;
static volatile uintptr_t want;
static volatile int show_write;     /* also print the page fault's write bit (REG_ERR & 2) */

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
    const ucontext_t *uc = ucv;
    uintptr_t a = (uintptr_t)si->si_addr;
    char msg[96];
    int n = snprintf(msg, sizeof msg, "  signal %d code %d addr %s%s\n", sig, si->si_code,
                     a == want ? "= the address" : a == 0 ? "0" : "WRONG",
                     !show_write ? "" : uc->uc_mcontext.gregs[REG_ERR] & 2 ? ", a write"
                                                                          : ", a read");
    if (write(1, msg, (size_t)n) < 0)
        _exit(3);
    siglongjmp(env, 1);
}

/* Whether the page at a is mapped here (msync says ENOMEM for an unmapped page). */
static int mapped(uintptr_t a)
{
    return syscall(SYS_msync, a & ~4095ul, 4096, MS_ASYNC) == 0;
}

static void probe(const char *what, uintptr_t a, void (*fn)(uintptr_t), uintptr_t expect)
{
    if (mapped(a)) {
        printf("%s at %#lx: mapped here, skipped\n", what, (unsigned long)a);
        return;
    }
    printf("%s at %#lx:\n", what, (unsigned long)a);
    want = expect;
    if (sigsetjmp(env, 1) == 0) {
        fn(a);
        printf("  no fault: WRONG\n");
    }
}

static void do_load(uintptr_t a) { int v = *(volatile int *)a; printf("  %d\n", v); }
static void do_store(uintptr_t a) { *(volatile long *)a = 0x1234; }
static void do_load_byte(uintptr_t a)
{
    int v = *(volatile unsigned char *)a;
    printf("  %d\n", v);
}

static void do_indexed(uintptr_t a)
{
    volatile long idx = (long)(a - 0x1000);
    long v;
    __asm__ volatile("mov (%1,%2,1), %0" : "=r"(v) : "r"(0x1000l), "r"(idx) : "memory");
    printf("  %ld\n", v);
}

static void do_negdisp(uintptr_t a)
{
    long v;
    __asm__ volatile("mov -0x100(%1), %0" : "=r"(v) : "r"(a + 0x100) : "memory");
    printf("  %ld\n", v);
}

/* [base + 0x10] from base a - 0x10: the displacement wraps a base near 2^64 to a low a */
static void do_wrapdisp(uintptr_t a)
{
    long v;
    __asm__ volatile("mov 0x10(%1), %0" : "=r"(v) : "r"(a - 0x10) : "memory");
    printf("  %ld\n", v);
}

/* [base + 8] from base a - 8, after [base - 0x10]: the second access of one base */
static void do_after_negdisp(uintptr_t a)
{
    long v, w;
    __asm__ volatile("mov -0x10(%2), %0\n\tmov 8(%2), %1" : "=&r"(v), "=&r"(w) : "r"(a - 8)
                     : "memory");
    printf("  %ld %ld\n", v, w);
}

/* The top of the guest's space, 2^k for the largest k <= 46 whose page below maps (2^46
 * natively, ferry's guest limit under it), with a page mapped there: a base at or just
 * above it whose negative displacement reaches back below it is an ordinary access (an
 * emulator that checks the base alone must let it go ahead), and the same base's next access
 * above the top faults at its own address. */
static void top_edge(void)
{
    char *page = MAP_FAILED;
    for (int k = 46; k >= 30 && page == MAP_FAILED; k--) {
        void *want_at = (void *)((1ul << k) - 4096);
        page = mmap(want_at, 4096, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (page != MAP_FAILED && page != want_at) {
            munmap(page, 4096);
            page = MAP_FAILED;
        }
    }
    if (page == MAP_FAILED) {
        printf("top edge: no page below a power of two, skipped\n");
        return;
    }
    uintptr_t top = (uintptr_t)page + 4096;
    ((volatile long *)top)[-1] = 0x5eed;
    long v;
    __asm__ volatile("mov -0x10(%1), %0" : "=r"(v) : "r"(top + 8) : "memory");
    printf("top edge: [top + 8 - 0x10] = %#lx\n", (unsigned long)v);
    __asm__ volatile("movq $0x600d, -0x100(%0)" : : "r"(top + 0xf8) : "memory");
    printf("top edge: store at [top + 0xf8 - 0x100] then %#lx\n",
           (unsigned long)((volatile long *)top)[-1]);
    printf("top edge, then [base + 8] at top + 16:\n");     /* top differs under ferry */
    want = top + 16;
    if (mapped(top + 16))
        printf("  mapped here, skipped\n");
    else if (sigsetjmp(env, 1) == 0) {
        do_after_negdisp(top + 16);
        printf("  no fault: WRONG\n");
    }
    munmap(page, 4096);
}

static void do_movsb(uintptr_t a)
{
    static char buf[64];
    void *d = buf, *s = (void *)a;
    size_t n = sizeof buf;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

static void do_stosq(uintptr_t a)
{
    void *d = (void *)a;
    size_t n = 8;
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(0l) : "memory");
}

static void do_sse(uintptr_t a)
{
    __m128i v = _mm_loadu_si128((const __m128i *)a);
    printf("  %d\n", _mm_cvtsi128_si32(v));
}

static void do_cmpxchg(uintptr_t a)
{
    long old = 0;
    __asm__ volatile("lock cmpxchg %2, (%1)" : "+a"(old) : "r"(a), "r"(1l) : "memory");
}

static void sys_probe(const char *what, uintptr_t a)
{
    if (mapped(a)) {
        printf("syscalls at %#lx: mapped here, skipped\n", (unsigned long)a);
        return;
    }
    int p[2];
    if (pipe(p) != 0)
        return;
    ssize_t w = syscall(SYS_write, p[1], "hello", 5);
    /* raw system calls: a libc may copy a result through the pointer itself (musl's stat) */
    errno = 0;
    long r = syscall(SYS_read, p[0], (void *)a, 5);
    printf("%s %#lx: read %ld errno %d", what, (unsigned long)a, r, errno);
    errno = 0;
    r = syscall(SYS_write, p[1], (void *)a, 5);
    printf(", write %ld errno %d", r, errno);
    errno = 0;
    r = syscall(SYS_stat, "/", (struct stat *)a);
    printf(", stat %ld errno %d", r, errno);
    errno = 0;
    struct stat sb;
    r = syscall(SYS_stat, (const char *)a, &sb);
    printf(", stat path %ld errno %d", r, errno);
    errno = 0;
    r = syscall(SYS_pipe, (int *)a);
    printf(", pipe %ld errno %d", r, errno);
    errno = 0;
    r = syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (struct timespec *)a);
    printf(", clock_gettime %ld errno %d\n", r, errno);
    (void)w;
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    setvbuf(stdout, NULL, _IONBF, 0);   /* in order with the handler's write(2) */

    static const uintptr_t addrs[] = {
        0x7f0000000000ul, 0x7f0000100040ul, 0x7ff000000000ul, 0x555555554000ul,
        0x555555560000ul, 0x555556000000ul, 0x3fff00000000ul, 0x400000000000ul,
        0x400000001000ul, 0x400080000000ul, 0x4000fffff000ul, 0x5500000000ul,
        0x4000000000ul, 0x4100000000ul, 0x7ffffffff000ul, 0x7fffffffeff8ul,
    };
    for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
        uintptr_t a = addrs[i];
        show_write = 1;
        probe("load", a, do_load, a);
        probe("store", a, do_store, a);
        show_write = 0;
        probe("byte load", a + 7, do_load_byte, a + 7);
        probe("indexed load", a, do_indexed, a);
        probe("negative disp load", a, do_negdisp, a);
        probe("rep movsb", a, do_movsb, a);
        probe("rep stosq", a, do_stosq, a);
        probe("sse load", a, do_sse, a);
        probe("lock cmpxchg", a, do_cmpxchg, a);
        sys_probe("syscalls", a);
    }
    /* Beyond the user range: non-canonical is #GP (SI_KERNEL, address 0); the kernel half
     * is an ordinary unmapped-page fault natively. */
    probe("load", 0x800000000000ul, do_load, 0);
    probe("store", 0x8000000000000000ul, do_store, 0);
    probe("sse load", 0x0001000000000000ul, do_sse, 0);
    probe("load", 0xffff900000000000ul, do_load, 0xffff900000000000ul);
    probe("store", 0xffffffff80000000ul, do_store, 0xffffffff80000000ul);
    /* A base below a negative displacement wraps past 2^64 into the kernel half: base 0,
     * -0x100(base) */
    probe("negative disp load", 0xffffffffffffff00ul, do_negdisp, 0xffffffffffffff00ul);
    /* A base near 2^64 whose displacement wraps it to a low unmapped address: the fault is
     * there */
    probe("wrapping disp load", 0x8, do_wrapdisp, 0x8);
    top_edge();
    sys_probe("syscalls", 0x800000000000ul);
    sys_probe("syscalls", 0xffff900000000000ul);

    /* A hint above the guest's space: Linux takes it when free, ferry places the mapping in
     * the guest's space; either way the memory works. */
    char *m = mmap((void *)0x7e0000000000ul, 8192, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED) {
        strcpy(m + 4096, "usable");
        printf("mmap with a high hint: %s\n", m + 4096);
        munmap(m, 8192);
    }
    /* Past TASK_SIZE: ENOMEM natively and under ferry. */
    errno = 0;
    m = mmap((void *)0x800000000000ul, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
             MAP_FIXED_NOREPLACE, -1, 0);
    printf("MAP_FIXED_NOREPLACE past TASK_SIZE: %s errno %d\n", m == MAP_FAILED ? "failed" : "mapped",
           errno);
    errno = 0;
    m = mmap((void *)0x7ffffffff000ul, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
             MAP_FIXED, -1, 0);
    printf("MAP_FIXED across TASK_SIZE: %s errno %d\n", m == MAP_FAILED ? "failed" : "mapped",
           errno);
    printf("done\n");
    return 0;
}
