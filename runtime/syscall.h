/* syscall.h — what the system-call files share: the table derived from syscalls.def, the
 * handler prototypes, -strace formatting, and small helpers for handlers.
 *
 * Handler contract: arguments are the raw 64-bit guest registers; the result is the value
 * Linux would put in RAX (>= 0, or -errno). Guest pointers are checked against the guest
 * mapping table before the host kernel sees them (rt_guest_range_ok / rt_guest_prefix), and
 * anything ferry itself reads or writes goes through the safe copies (mem.c), so a bad
 * pointer is -EFAULT, never a crash, and never a way into ferry's own memory.
 */
#ifndef FERRY_RT_SYSCALL_H
#define FERRY_RT_SYSCALL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include "runtime/rt.h"

typedef int64_t (*RtSysFn)(RtThread *t, const uint64_t *a);

typedef struct RtSyscallDesc {
    uint32_t nr;            /* guest system call number */
    const char *name;       /* strace name */
    RtSysFn fn;             /* handler */
    uint8_t nargs;          /* arguments strace prints */
    const char *kinds;      /* argument kinds, then optionally '=' and the result kind */
} RtSyscallDesc;

#define SYSCALL(nr, name, handler, nargs, kinds) int64_t handler(RtThread *t, const uint64_t *a);
#include "runtime/syscalls.def"
#undef SYSCALL

/* Numbers at or above this are unknown (the highest in the table is below it). */
#define RT_SYSCALL_LIMIT 512

extern const RtSyscallDesc rt_syscalls[];   /* table order (sorted by number) */
extern const size_t rt_syscall_count;
/* The descriptor of guest system call nr, or NULL. */
const RtSyscallDesc *rt_syscall_lookup(uint64_t nr);

/* strace.c: "name(args) = result" for a call (d NULL: an unknown number, printed as
 * syscall_NNN with its six arguments in hex). With returned false the result is "?".
 * Returns the length written (truncated to fit n, always NUL-terminated). */
size_t rt_strace_format(const RtProcess *p, char *buf, size_t n, const RtSyscallDesc *d,
                        uint64_t nr, const uint64_t *a, int64_t ret, bool returned);
/* " = 3", " = 0x7f0000000000", " = -1 ENOENT (No such file or directory)". */
size_t rt_strace_result(char *buf, size_t n, int64_t ret, char kind);

/* A host libc/syscall() result (-1 and errno on failure) in Linux's -errno convention. */
static inline int64_t rt_sysret(long r)
{
    return r < 0 ? -(int64_t)errno : (int64_t)r;
}

/* A pointer every host kernel refuses with EFAULT (above any user address space, also with
 * the top byte ignored). Handed to the host in place of a guest pointer that is not guest
 * memory, so that the host kernel itself reports the error, in the order Linux checks
 * arguments (a bad descriptor before a bad buffer, a bad length before either). */
#define RT_FAULT_PTR ((void *)(uintptr_t)0xfffffffffffff000ull)

/* The host pointer for the guest buffer [addr, addr + len) the host kernel reads or writes:
 * NULL stays NULL (the kernel has its own rules for it), guest memory is passed as it is
 * (guest base 0), anything else becomes RT_FAULT_PTR. */
static inline void *rt_guest_ptr(const RtProcess *p, uint64_t addr, uint64_t len)
{
    if (addr == 0)
        return NULL;
    return rt_guest_range_ok(p, addr, len) ? (void *)(uintptr_t)addr : RT_FAULT_PTR;
}

/* Descriptors ferry keeps for itself (the -D log): the guest may not close or replace them. */
static inline bool rt_fd_reserved(const RtProcess *p, int64_t fd)
{
    return p->log_fd >= 0 && fd == p->log_fd;
}

/* A guest int argument (the low 32 bits of the register, as the kernel reads it). */
static inline int rt_arg_int(uint64_t v)
{
    return (int)(int32_t)(uint32_t)v;
}

/* The guest path at gp as the host path system calls use (sys_path.c): copied safely into
 * buf (PATH_MAX bytes), /proc/self/exe (with follow) naming the guest program, absolute
 * paths under the -L sysroot. 0 or -errno (-EFAULT, -ENAMETOOLONG). */
int64_t rt_path_from_guest(RtThread *t, uint64_t gp, char *buf, bool follow);

/* Guest open flags <-> host open flags (sys_fd.c). */
int rt_host_open_flags(int guest_flags);
int rt_guest_open_flags(int host_flags);

#endif /* FERRY_RT_SYSCALL_H */
