/* machine_main.c — ferry-system's start-up (machine.h).
 *
 * Order: the command line (usage errors exit 1 before anything is allocated), the log, guest
 * RAM (a size the host cannot give exits 1), the kernel and initrd files (missing or malformed:
 * exit 1), the frontend in system mode with guest base = RAM, the code cache, the CPU, the
 * serial backend and the board, the boot hand-off, the host fault handler, and the loop,
 * which never returns: the machine ends through isa-debug-exit, a reset under -no-reboot, a
 * halt nothing can end, or a stop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "runtime/machine.h"

#define RT_MACHINE_CODE_CACHE_SIZE (64u << 20)

static _Noreturn void out_of_memory(void)
{
    fprintf(stderr, "ferry-system: out of memory\n");
    exit(RT_MACHINE_EXIT_USAGE);
}

_Noreturn void rt_machine_main(int argc, char **argv)
{
    RtMachine *m = calloc(1, sizeof *m);
    RtProcess *p = calloc(1, sizeof *p);
    if (!m || !p)
        out_of_memory();
    rt_machine_options_parse(&m->opt, argc, argv);
    m->p = p;
    p->machine = m;
    p->opt.log_mask = m->opt.log_mask;
    p->opt.log_file = m->opt.log_file;
    p->opt.log_fd = -1;
    p->opt.interp = m->opt.interp;
    p->opt.single_step = m->opt.single_step;
    p->opt.program = m->opt.kernel;
    p->exe_path = p->exec_fn = p->ferry_path = m->opt.kernel;
    rt_log_open(p);

    rt_machine_ram_init(m);
    rt_machine_load_files(m);

    fe_init();
    p->gi = fe_guest_info((uint64_t)(uintptr_t)m->ram);
#if defined(__x86_64__)
    p->backend = &backend_x86_64;
#elif defined(__aarch64__)
    p->backend = &backend_aarch64;
#else
    p->backend = NULL;
#endif
    p->fe_opt.single_step = m->opt.single_step;
    p->fe_opt.max_insns = m->opt.single_step ? 1 : 0;
    p->fe_opt.system = true;
    p->fe_opt.mem_limit = m->ram_size;
    p->fe_opt.port_in = rt_machine_port_in;
    p->fe_opt.port_out = rt_machine_port_out;
    p->fe_opt.mmu_xlate = rt_mmu_xlate;
    p->fe_opt.mmu_finish = rt_mmu_finish;
    p->fe_opt.sys_ctl = rt_machine_sys_ctl;
    p->fe_opt.msr = rt_machine_msr;
    ir_helper_register(rt_mmu_xlate, "mmu_xlate");
    ir_helper_register(rt_mmu_finish, "mmu_finish");
    ir_helper_register(rt_machine_sys_ctl, "sys_ctl");
    ir_helper_register(rt_machine_msr, "machine_msr");
    ir_helper_register(rt_machine_port_in, "port_in");
    ir_helper_register(rt_machine_port_out, "port_out");
    p->chain = !rt_log_on(p, RT_LOG_EXEC) && !p->opt.interp;
    if (p->chain) {
        p->gi.jc_offset = (int32_t)(offsetof(RtThread, jc) - offsetof(RtThread, state));
        p->gi.jc_bits = RT_JC_BITS;
    }
    p->scratch = ir_block_new(0);
    rt_blocks_init(&p->blocks);
    if (!p->opt.interp && p->backend && rt_cache_init(p, RT_MACHINE_CODE_CACHE_SIZE) < 0) {
        fprintf(stderr, "ferry-system: cannot create the code cache: using the interpreter\n");
        p->opt.interp = true;
        p->chain = false;
    }

    m->cpu = rt_thread_new(p);
    if (m->opt.serial == RT_SERIAL_STDIO)
        dev_char_init_stdio(&m->serial);
    else
        dev_char_init_null(&m->serial);
    DevBoardHooks hooks = rt_machine_hooks(m);
    if (dev_board_init(&m->board, m->ram, m->ram_size, &m->serial, (int64_t)time(NULL),
                       &hooks) < 0) {
        fprintf(stderr, "ferry-system: internal error: the board's devices overlap\n");
        abort();
    }
    rt_machine_boot(m);
    rt_fault_install(p);
    rt_fault_thread_init(m->cpu);
    rt_machine_run(m);
}
