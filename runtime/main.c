/* main.c — the ferry program: `ferry [options] PROGRAM [ARGS...]`.
 *
 * Start-up order matters: options and the log first (their errors are usage errors, exit 1),
 * then the frontend's helpers, the guest image (its errors exit 126/127 before anything else
 * is mapped), the code cache, the first thread with its stack and registers, the host fault
 * handler, the guest's signal state (the mask and ignored signals ferry inherited), and
 * finally the dispatcher, which never returns: the guest ends through exit_group or a
 * signal.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "runtime/machine.h"
#include "runtime/rt.h"

/* 64 MiB of host code: a few hundred thousand blocks before the first flush. */
#define RT_CODE_CACHE_SIZE (64u << 20)

extern char **environ;

int main(int argc, char **argv)
{
    /* `ferry --system ARGS` is `ferry-system ARGS`: the same code, in this binary. */
    if (argc > 1 && strcmp(argv[1], "--system") == 0) {
        argv[1] = argv[0];
        rt_machine_main(argc - 1, argv + 1);
    }
    RtProcess *p = calloc(1, sizeof *p);
    if (!p) {
        fprintf(stderr, "ferry: out of memory\n");
        return 1;
    }
    rt_process_init(p);
    rt_options_parse(&p->opt, argc, argv);
    rt_log_open(p);
    /* execve runs this binary again for the guest's new program. */
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    p->ferry_path = n > 0 ? strndup(self, (size_t)n) : NULL;
    if (!p->ferry_path)
        p->ferry_path = "/proc/self/exe";

    fe_init();
    p->gi = fe_guest_info(0);
#if defined(__x86_64__)
    p->backend = &backend_x86_64;
#elif defined(__aarch64__)
    p->backend = &backend_aarch64;
#else
    p->backend = NULL;          /* no backend for this host yet: the interpreter runs all */
#endif
    p->fe_opt.single_step = p->opt.single_step;
    p->fe_opt.max_insns = p->opt.single_step ? 1 : 0;
    p->fe_opt.superblocks = !p->opt.single_step;
    /* -d exec reports every block, so blocks must come back to the dispatcher. */
    p->chain = !rt_log_on(p, RT_LOG_EXEC) && !p->opt.interp;
    if (p->chain) {
        /* Indirect exits look the thread's jump cache up inline: it sits at a fixed distance
         * from the guest state, which generated code holds in a register. */
        p->gi.jc_offset = (int32_t)(offsetof(RtThread, jc) - offsetof(RtThread, state));
        p->gi.jc_bits = RT_JC_BITS;
        /* Chained code reads the thread's interrupt word at backward exits (ir/backend.h). */
        p->gi.irq_offset = (int32_t)(offsetof(RtThread, interrupt) - offsetof(RtThread, state));
        /* CALLs push return-stack entries that RETs check and jump through (ir/backend.h). */
        p->gi.ras_offset = (int32_t)(offsetof(RtThread, ras) - offsetof(RtThread, state));
        p->gi.ras_key_offset = X86_OFF_GPR(X86_RSP);
    }
    /* Two tiers where blocks chain and superblocks are on (translate.c); -singlestep,
     * --interp and -d exec translate every block once, as before. */
    p->tiering = p->chain && p->fe_opt.superblocks && p->backend;
    rt_memorder_init(p);
    rt_vfork_probe(p);
    p->scratch = ir_block_new(0);
    rt_blocks_init(&p->blocks);
    rt_mem_init(p);
    rt_space_init(p);
    /* The stack window (ir.h): blocks keep the guest rsp within 2^31 of [0, L) at every entry,
     * so rsp-based accesses need no limit check. Needs the guest limit and guest base 0. */
    p->gi.sp_window = p->gi.guest_limit != 0 && p->gi.guest_base == 0;
    p->gi.sp_offset = X86_OFF_GPR(X86_RSP);

    const char *path = p->opt.program;
    p->exec_fn = path;
    rt_elf_load(p, path);
    char *abs = realpath(path, NULL);
    p->exe_path = abs ? abs : path;
    /* The task name (/proc/self/comm, PR_GET_NAME) is the program's, as execve sets it from
     * the file name, not "ferry". */
    const char *base = strrchr(path, '/');
    prctl(PR_SET_NAME, base ? base + 1 : path, 0, 0, 0);

    if (!p->opt.interp && p->backend) {
        int e = rt_cache_init(p, RT_CODE_CACHE_SIZE);
        if (e < 0) {
            /* The interpreter needs no executable memory: slower, but the guest runs. */
            fprintf(stderr, "ferry: cannot create the code cache (%s): using the interpreter\n",
                    strerror(-e));
            p->opt.interp = true;
            p->chain = false;
        }
    }

    RtThread *t = rt_thread_new(p);
    t->main_thread = true;
    char **env = rt_env_build(&p->opt, environ);
    char **gargv = p->opt.guest_argv;
    if (p->opt.argv0) {
        gargv = malloc(((size_t)p->opt.guest_argc + 1) * sizeof *gargv);
        if (!gargv || !env) {
            fprintf(stderr, "ferry: out of memory\n");
            return 1;
        }
        memcpy(gargv, p->opt.guest_argv, ((size_t)p->opt.guest_argc + 1) * sizeof *gargv);
        gargv[0] = (char *)p->opt.argv0;
    }
    int e = rt_stack_setup(p, t, p->opt.guest_argc, gargv, env);
    if (e < 0) {
        fprintf(stderr, "ferry: %s: cannot build the initial stack: %s\n", path, strerror(-e));
        return 126;
    }
    rt_fault_install(p);
    rt_fault_thread_init(t);
    rt_signal_init(t);
    rt_run(t);
}
