/* stack.c — the guest's initial stack and registers, as Linux x86-64 builds them at execve.
 *
 * The stack is an 8 MiB read-write mapping (with a PROT_NONE guard page below it, so running
 * off the end is a guest SIGSEGV) at the top of the guest's space (space.c). From the top down:
 *
 *     8 zero bytes                        end marker
 *     execfn string                       AT_EXECFN
 *     envp strings, ascending             envp[i]
 *     argv strings, ascending             argv[i]
 *     "x86_64"                            AT_PLATFORM
 *     16 random bytes                     AT_RANDOM
 *     (alignment)
 *     auxv pairs, AT_NULL pair
 *     NULL, envp pointers
 *     NULL, argv pointers
 *     argc                                <- rsp, 16-byte aligned
 *
 * Registers: all zero except rsp and rip (rdx = 0: no dynamic-linker finaliser to register;
 * rip is the dynamic loader's entry for a dynamic program, whose base is AT_BASE),
 * EFLAGS and MXCSR as x86_state_init sets them. AT_HWCAP is CPUID leaf 1 EDX from the model
 * the frontend presents, so the auxv and the cpuid instruction agree. No vDSO is offered
 * (no AT_SYSINFO_EHDR): the guest libc falls back to real system calls for the clocks.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "runtime/rt.h"

#define RT_STACK_SIZE (8ull << 20)

/* Linux limits the argument and environment strings to a quarter of the stack. */
#define RT_ARG_MAX (RT_STACK_SIZE / 4)

static uint64_t put_string(uint64_t *sp, const char *s)
{
    size_t n = strlen(s) + 1;
    *sp -= n;
    memcpy((void *)(uintptr_t)*sp, s, n);
    return *sp;
}

int rt_stack_setup(RtProcess *p, RtThread *t, int argc, char **argv, char **envp)
{
    int envc = 0;
    while (envp && envp[envc])
        envc++;
    const char *execfn = p->exec_fn ? p->exec_fn : argv[0];

    /* Refuse before mapping anything if the strings do not fit. */
    uint64_t strings = strlen(execfn) + 1;
    for (int i = 0; i < argc; i++)
        strings += strlen(argv[i]) + 1;
    for (int i = 0; i < envc; i++)
        strings += strlen(envp[i]) + 1;
    uint64_t vectors = (uint64_t)(argc + envc + 3) * 8;
    if (strings + vectors > RT_ARG_MAX)
        return -E2BIG;

    uint64_t guard = RT_PAGE_SIZE;
    /* At the top of the guest's space, as Linux puts it below TASK_SIZE (space.c). */
    void *r = rt_space_map(p, RT_STACK_SIZE + guard, 0, p->user_top - RT_PAGE_SIZE, PROT_NONE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED)
        return -ENOMEM;
    uint64_t lo = (uint64_t)(uintptr_t)r + guard, hi = lo + RT_STACK_SIZE;
    if (mprotect((void *)(uintptr_t)lo, RT_STACK_SIZE, PROT_READ | PROT_WRITE) != 0) {
        munmap(r, RT_STACK_SIZE + guard);
        return -ENOMEM;
    }
    rt_map_add(&p->map, lo, hi, PROT_READ | PROT_WRITE);
    p->stack_lo = lo;
    p->stack_hi = hi;

    uint64_t sp = hi - 8;                       /* the zero end marker */
    uint64_t execfn_addr = put_string(&sp, execfn);
    uint64_t *env_addr = envc ? calloc((size_t)envc, sizeof *env_addr) : NULL;
    uint64_t *arg_addr = calloc((size_t)argc + 1, sizeof *arg_addr);
    if ((envc && !env_addr) || !arg_addr) {
        free(env_addr);
        free(arg_addr);
        return -ENOMEM;
    }
    /* Copy the last string first so that each block ends up ascending. */
    for (int i = envc - 1; i >= 0; i--)
        env_addr[i] = put_string(&sp, envp[i]);
    for (int i = argc - 1; i >= 0; i--)
        arg_addr[i] = put_string(&sp, argv[i]);
    /* /proc/self/cmdline and environ read these ranges, as Linux's arg_start.. and
     * env_start.. (argv strings lie just below the environment strings). */
    p->arg_start = argc ? arg_addr[0] : sp;
    p->arg_end = argc ? arg_addr[argc - 1] + strlen(argv[argc - 1]) + 1 : sp;
    p->env_start = envc ? env_addr[0] : p->arg_end;
    p->env_end = envc ? env_addr[envc - 1] + strlen(envp[envc - 1]) + 1 : p->arg_end;
    uint64_t platform_addr = put_string(&sp, "x86_64");
    sp -= 16;
    uint64_t random_addr = sp;
    uint8_t rnd[16];
    if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
        /* No entropy source: a weak but varying fallback (AT_RANDOM seeds stack canaries). */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
        for (int i = 0; i < 16; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            rnd[i] = (uint8_t)(x >> 56);
        }
    }
    memcpy((void *)(uintptr_t)random_addr, rnd, sizeof rnd);
    sp &= ~15ull;

    uint32_t cpuid1[4];
    fe_cpuid(1, 0, cpuid1);
    const uint64_t auxv[][2] = {
        { AT_HWCAP,    cpuid1[3] },
        { AT_PAGESZ,   RT_PAGE_SIZE },
        { AT_CLKTCK,   (uint64_t)sysconf(_SC_CLK_TCK) },
        { AT_PHDR,     p->phdr_addr },
        { AT_PHENT,    p->phent },
        { AT_PHNUM,    p->phnum },
        { AT_BASE,     p->interp_base },
        { AT_FLAGS,    0 },
        { AT_ENTRY,    p->entry },
        { AT_UID,      getuid() },
        { AT_EUID,     geteuid() },
        { AT_GID,      getgid() },
        { AT_EGID,     getegid() },
        { AT_SECURE,   0 },
        { AT_RANDOM,   random_addr },
        { AT_HWCAP2,   0 },
        { AT_EXECFN,   execfn_addr },
        { AT_PLATFORM, platform_addr },
        { AT_NULL,     0 },
    };
    size_t naux = sizeof auxv / sizeof auxv[0];
    uint64_t items = 1 + (uint64_t)argc + 1 + (uint64_t)envc + 1 + 2 * naux;
    sp = (sp - items * 8) & ~15ull;
    uint64_t *w = (uint64_t *)(uintptr_t)sp;
    *w++ = (uint64_t)argc;
    for (int i = 0; i < argc; i++)
        *w++ = arg_addr[i];
    *w++ = 0;
    for (int i = 0; i < envc; i++)
        *w++ = env_addr[i];
    *w++ = 0;
    for (size_t i = 0; i < naux; i++) {
        *w++ = auxv[i][0];
        *w++ = auxv[i][1];
    }
    free(env_addr);
    free(arg_addr);
    /* Linux keeps the auxv it built (saved_auxv) for /proc/self/auxv. */
    free(p->auxv);
    p->auxv = malloc(sizeof auxv);
    p->auxv_words = p->auxv ? 2 * naux : 0;
    if (p->auxv)
        memcpy(p->auxv, auxv, sizeof auxv);

    x86_state_init(&t->state);
    t->state.gpr[X86_RSP] = sp;
    t->state.gpr[X86_RDX] = 0;
    t->state.rip = p->start_pc;
    t->state.mem_base = 0;
    rt_space_thread_init(p, &t->state);
    return 0;
}
