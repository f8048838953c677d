/* guarded_copy.c — memcpy that returns -EFAULT instead of crashing when a page is missing
 * (unmapped since the mapping table last saw it, or a file mapping beyond the end of its file,
 * which raises SIGBUS), for every copy between ferry and guest memory: system call buffers and
 * the code the frontend decodes.
 *
 * How: the copy loop is a few instructions of assembly at known addresses. When the host
 * signal handler (fault.c) sees SIGSEGV or SIGBUS at a pc inside the loop, rt_guarded_copy_
 * recover moves the interrupted context to the recovery label, which returns -EFAULT, and the
 * handler returns: the kernel restores the signal mask from the context. No system call on the
 * way in (process_vm_readv on ferry itself was ~15% of translating python3's startup: one
 * kernel copy with page pinning per block), none on the way out.
 *
 * The loops copy bytewise (rep movsb on x86_64, which the CPU runs as a fast string copy;
 * ldrb/strb on aarch64, where these copies are small: syscall structs and code windows). */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/host_ctx.h"
#include "runtime/rt.h"

/* int ferry_guarded_copy(void *dst, const void *src, size_t n): 0, or -EFAULT. */
int ferry_guarded_copy(void *dst, const void *src, size_t n);
extern const char ferry_guarded_copy_begin[], ferry_guarded_copy_end[], ferry_guarded_copy_fault[];

#if defined(__x86_64__)
__asm__(".text\n"
        ".globl ferry_guarded_copy\n"
        ".type ferry_guarded_copy, @function\n"
        "ferry_guarded_copy:\n"
        "    mov %rdx, %rcx\n"
        ".globl ferry_guarded_copy_begin\n"
        "ferry_guarded_copy_begin:\n"
        "    rep movsb\n"
        ".globl ferry_guarded_copy_end\n"
        "ferry_guarded_copy_end:\n"
        "    xor %eax, %eax\n"
        "    ret\n"
        ".globl ferry_guarded_copy_fault\n"
        "ferry_guarded_copy_fault:\n"
        "    mov $-14, %eax\n"
        "    ret\n"
        ".size ferry_guarded_copy, . - ferry_guarded_copy\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl ferry_guarded_copy\n"
        ".type ferry_guarded_copy, %function\n"
        "ferry_guarded_copy:\n"
        ".globl ferry_guarded_copy_begin\n"
        "ferry_guarded_copy_begin:\n"
        "1:  cbz x2, 2f\n"
        "    ldrb w3, [x1], #1\n"
        "    strb w3, [x0], #1\n"
        "    sub x2, x2, #1\n"
        "    b 1b\n"
        ".globl ferry_guarded_copy_end\n"
        "ferry_guarded_copy_end:\n"
        "2:  mov w0, #0\n"
        "    ret\n"
        ".globl ferry_guarded_copy_fault\n"
        "ferry_guarded_copy_fault:\n"
        "    mov w0, #-14\n"
        "    ret\n"
        ".size ferry_guarded_copy, . - ferry_guarded_copy\n");
#else
#error "guarded_copy.c: no copy loop for this host"
#endif

_Static_assert(EFAULT == 14, "the assembly returns -14");

int rt_guarded_copy(void *dst, const void *src, size_t n)
{
    return n ? ferry_guarded_copy(dst, src, n) : 0;
}

bool rt_guarded_copy_recover(void *ucv)
{
    uintptr_t pc = rt_host_pc(ucv);
    if (pc < (uintptr_t)ferry_guarded_copy_begin || pc >= (uintptr_t)ferry_guarded_copy_end)
        return false;
    rt_set_host_pc(ucv, (uintptr_t)ferry_guarded_copy_fault);
    return true;
}
