/* syscall.c — performing a guest system call: look the number up in the table built from
 * syscalls.def, run the handler, put the result in RAX, and print the -strace line.
 *
 * As the syscall instruction does, RCX receives the return address (the guest pc after the
 * instruction, which the block's exit stored) and R11 the flags, except after rt_sigreturn,
 * which reloads every register from the signal frame. A call interrupted by a signal (-EINTR)
 * is noted for signal.c, which decides when delivering whether it runs again. -strace lines read
 * "TID name(args) = result" (the thread's id, the pid in the main thread) and go to the log
 * (stderr or -D), flushed at once; calls that do not return (exit, exit_group) are printed
 * before they run, with "= ?".
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "runtime/syscall.h"

const RtSyscallDesc rt_syscalls[] = {
#define SYSCALL(nr, name, handler, nargs, kinds) { nr, #name, handler, nargs, kinds },
#include "runtime/syscalls.def"
#undef SYSCALL
};
const size_t rt_syscall_count = sizeof rt_syscalls / sizeof rt_syscalls[0];

/* By number: a duplicate number in the .def is a compile error (-Woverride-init, -Werror). */
static const RtSyscallDesc by_nr[RT_SYSCALL_LIMIT] = {
#define SYSCALL(nr, name, handler, nargs, kinds) [nr] = { nr, #name, handler, nargs, kinds },
#include "runtime/syscalls.def"
#undef SYSCALL
};

const RtSyscallDesc *rt_syscall_lookup(uint64_t nr)
{
    return nr < RT_SYSCALL_LIMIT && by_nr[nr].fn ? &by_nr[nr] : NULL;
}

static bool returns(const RtSyscallDesc *d)
{
    const char *eq = d ? strchr(d->kinds, '=') : NULL;
    return !(eq && eq[1] == '?');
}

static void strace_line(RtThread *t, const RtSyscallDesc *d, uint64_t nr, const uint64_t *a,
                        int64_t ret, bool returned)
{
    RtProcess *p = t->proc;
    char line[1024];
    rt_strace_format(p, line, sizeof line, d, nr, a, ret, returned);
    fprintf(p->log.f, "%d %s\n", t->tid, line);    /* the thread's id: the pid in the main one */
    fflush(p->log.f);
}

void rt_syscall(RtThread *t)
{
    X86State *st = &t->state;
    RtProcess *p = t->proc;
    uint64_t nr = st->gpr[X86_RAX];
    const uint64_t a[6] = { st->gpr[X86_RDI], st->gpr[X86_RSI], st->gpr[X86_RDX],
                            st->gpr[X86_R10], st->gpr[X86_R8], st->gpr[X86_R9] };
    const RtSyscallDesc *d = rt_syscall_lookup(nr);
    t->n_syscalls++;
    if (p->opt.strace && !returns(d))
        strace_line(t, d, nr, a, 0, false);
    int64_t ret = d ? d->fn(t, a) : -ENOSYS;
    /* A buffer on a code page ferry write-protects (smc.c): the kernel fails the call with
     * EFAULT, having done nothing. Unprotected (the cache is flushed before the next block),
     * the call is made again. */
    if (ret == -EFAULT && !t->regs_replaced && rt_smc_unprotect_all(p))
        ret = d->fn(t, a);
    if (t->regs_replaced) {
        t->regs_replaced = false;
    } else {
        st->gpr[X86_RAX] = (uint64_t)ret;
        st->gpr[X86_RCX] = st->rip;
        st->gpr[X86_R11] = x86_get_eflags(st);
        if (ret == -EINTR) {
            t->restart_nr = (int64_t)nr;
            t->interrupt = 1;
        }
    }
    if (p->opt.strace)
        strace_line(t, d, nr, a, ret, true);
}
