/* sys_memory.c — the memory system calls: thin argument unpacking over mem.c, which holds
 * the semantics (validation, the mapping table, protection of ferry's own memory).
 */
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "runtime/syscall.h"

int64_t rt_sys_mmap(RtThread *t, const uint64_t *a)
{
    return rt_mmap(t->proc, a[0], a[1], rt_arg_int(a[2]), rt_arg_int(a[3]), rt_arg_int(a[4]),
                   a[5]);
}

int64_t rt_sys_munmap(RtThread *t, const uint64_t *a)
{
    return rt_munmap(t->proc, a[0], a[1]);
}

int64_t rt_sys_mprotect(RtThread *t, const uint64_t *a)
{
    return rt_mprotect(t->proc, a[0], a[1], rt_arg_int(a[2]));
}

int64_t rt_sys_mremap(RtThread *t, const uint64_t *a)
{
    return rt_mremap(t->proc, a[0], a[1], a[2], rt_arg_int(a[3]), a[4]);
}

int64_t rt_sys_madvise(RtThread *t, const uint64_t *a)
{
    return rt_madvise(t->proc, a[0], a[1], rt_arg_int(a[2]));
}

int64_t rt_sys_brk(RtThread *t, const uint64_t *a)
{
    return (int64_t)rt_brk(t->proc, a[0]);
}

int64_t rt_sys_msync(RtThread *t, const uint64_t *a)
{
    if (a[0] & (RT_PAGE_SIZE - 1))
        return -EINVAL;
    if (!rt_guest_range_ok(t->proc, a[0], RT_PAGE_UP(a[1])))
        return -ENOMEM;
    return rt_sysret(msync((void *)(uintptr_t)a[0], (size_t)a[1], rt_arg_int(a[2])));
}

int64_t rt_sys_mincore(RtThread *t, const uint64_t *a)
{
    if (a[0] & (RT_PAGE_SIZE - 1))
        return -EINVAL;
    uint64_t len = RT_PAGE_UP(a[1]);
    if (!rt_guest_range_ok(t->proc, a[0], len))
        return -ENOMEM;
    if (!rt_guest_range_ok(t->proc, a[2], len / RT_PAGE_SIZE))
        return -EFAULT;
    return rt_sysret(syscall(SYS_mincore, (void *)(uintptr_t)a[0], (size_t)a[1],
                             (void *)(uintptr_t)a[2]));
}
