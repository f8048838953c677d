/* test_runtime.c — the runtime's pure pieces, without running a guest: -strace formatting and
 * errno/signal names, the system-call table, the guest mapping table, brk and mmap semantics,
 * safe copies and code fetch, the jump cache, the block table and chaining (with a fake
 * backend that records patches), and the command line and guest environment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "runtime/guest_abi.h"
#include "runtime/rt.h"
#include "runtime/syscall.h"

#define PAGE 4096ull

static RtProcess *new_process(void)
{
    RtProcess *p = calloc(1, sizeof *p);
    assert_non_null(p);
    rt_process_init(p);
    rt_mem_init(p);
    rt_blocks_init(&p->blocks);
    p->log_fd = -1;
    p->log.f = stderr;
    return p;
}

static void free_process(RtProcess *p)
{
    for (RtThread *t = p->threads, *next; t; t = next) {   /* threads rt_thread_new made */
        next = t->next;
        free(t);
    }
    p->threads = NULL;
    rt_blocks_clear(p);
    rt_blocks_free(&p->blocks);
    rt_map_free(&p->map);
    rt_files_free(&p->files);
    free(p->auxv);
    free(p);
}

/* A free, page-aligned range of n pages (mapped then released). */
static uint64_t free_range(size_t pages)
{
    void *r = mmap(NULL, pages * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(r != MAP_FAILED);
    munmap(r, pages * PAGE);
    return (uint64_t)(uintptr_t)r;
}

/* ---------------------------------------------------------------- names and strace */

static void test_errno_and_signal_names(void **state)
{
    (void)state;
    assert_string_equal(rt_errno_name(ENOENT), "ENOENT");
    assert_string_equal(rt_errno_name(EAGAIN), "EAGAIN");
    assert_string_equal(rt_errno_name(ENOSYS), "ENOSYS");
    assert_string_equal(rt_errno_name(EHWPOISON), "EHWPOISON");
    assert_null(rt_errno_name(0));
    assert_null(rt_errno_name(-3));
    assert_null(rt_errno_name(100000));
    assert_string_equal(rt_signal_name(SIGSEGV), "SIGSEGV");
    assert_string_equal(rt_signal_name(SIGILL), "SIGILL");
    assert_null(rt_signal_name(0));
    assert_null(rt_signal_name(99));
}

static void test_strace_results(void **state)
{
    (void)state;
    char b[128];
    rt_strace_result(b, sizeof b, 3, 'd');
    assert_string_equal(b, " = 3");
    rt_strace_result(b, sizeof b, -ENOENT, 'd');
    assert_string_equal(b, " = -1 ENOENT (No such file or directory)");
    rt_strace_result(b, sizeof b, -ENOSYS, 'x');
    assert_string_equal(b, " = -1 ENOSYS (Function not implemented)");
    rt_strace_result(b, sizeof b, 0x7f0000001000, 'x');
    assert_string_equal(b, " = 0x7f0000001000");
    rt_strace_result(b, sizeof b, 022, 'm');
    assert_string_equal(b, " = 022");
    rt_strace_result(b, sizeof b, 0, '?');
    assert_string_equal(b, " = ?");
    /* -4096 is not an error code: it prints as a number. */
    rt_strace_result(b, sizeof b, -4096, 'd');
    assert_string_equal(b, " = -4096");
    /* Truncation keeps a terminated string. */
    rt_strace_result(b, 8, -ENOENT, 'd');
    assert_int_equal(strlen(b), 7);
}

static void test_strace_lines(void **state)
{
    (void)state;
    RtProcess *p = new_process();
    char *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(page != MAP_FAILED);
    uint64_t g = (uint64_t)(uintptr_t)page;
    rt_map_add(&p->map, g, g + PAGE, PROT_READ | PROT_WRITE);
    strcpy(page, "/etc/hosts");
    strcpy(page + 100, "hello\n\"world\"");
    char b[512];

    const RtSyscallDesc *d = rt_syscall_lookup(257);        /* openat */
    assert_non_null(d);
    uint64_t a[6] = { (uint64_t)-100, g, GUEST_O_CLOEXEC, 0, 0, 0 };
    rt_strace_format(p, b, sizeof b, d, 257, a, 3, true);
    assert_string_equal(b, "openat(AT_FDCWD, \"/etc/hosts\", O_RDONLY|O_CLOEXEC, 0) = 3");

    d = rt_syscall_lookup(1);                               /* write */
    uint64_t w[6] = { 1, g + 100, 13, 0, 0, 0 };
    rt_strace_format(p, b, sizeof b, d, 1, w, 13, true);
    assert_string_equal(b, "write(1, \"hello\\n\\\"world\\\"\", 13) = 13");

    d = rt_syscall_lookup(0);                               /* read: contents after */
    uint64_t r[6] = { 0, g + 100, 64, 0, 0, 0 };
    rt_strace_format(p, b, sizeof b, d, 0, r, 5, true);
    assert_string_equal(b, "read(0, \"hello\", 64) = 5");

    d = rt_syscall_lookup(9);                               /* mmap */
    uint64_t m[6] = { 0, 8192, GUEST_PROT_READ | GUEST_PROT_WRITE,
                      GUEST_MAP_PRIVATE | GUEST_MAP_ANONYMOUS, (uint64_t)-1, 0 };
    rt_strace_format(p, b, sizeof b, d, 9, m, 0x7f1234560000, true);
    assert_string_equal(b, "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, "
                           "-1, 0x0) = 0x7f1234560000");

    d = rt_syscall_lookup(231);                             /* exit_group: before the call */
    uint64_t e[6] = { 3, 0, 0, 0, 0, 0 };
    rt_strace_format(p, b, sizeof b, d, 231, e, 0, false);
    assert_string_equal(b, "exit_group(3) = ?");

    /* A string pointer that is not guest memory prints as an address, not a crash. */
    d = rt_syscall_lookup(2);                               /* open */
    uint64_t o[6] = { 0x10, 0, 0644, 0, 0, 0 };
    rt_strace_format(p, b, sizeof b, d, 2, o, -EFAULT, true);
    assert_string_equal(b, "open(0x10, O_RDONLY, 0644) = -1 EFAULT (Bad address)");

    /* Unknown numbers. */
    uint64_t u[6] = { 1, 2, 3, 4, 5, 0xff };
    rt_strace_format(p, b, sizeof b, NULL, 335, u, -ENOSYS, true);
    assert_string_equal(b, "syscall_335(0x1, 0x2, 0x3, 0x4, 0x5, 0xff) = "
                           "-1 ENOSYS (Function not implemented)");

    /* Long strings are cut at 32 bytes. */
    memset(page + 200, 'a', 100);
    page[300] = '\0';
    d = rt_syscall_lookup(87);                              /* unlink */
    uint64_t l[6] = { g + 200, 0, 0, 0, 0, 0 };
    rt_strace_format(p, b, sizeof b, d, 87, l, 0, true);
    assert_string_equal(b, "unlink(\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"...) = 0");

    munmap(page, PAGE);
    free_process(p);
}

/* ---------------------------------------------------------------- the syscall table */

static void test_syscall_table(void **state)
{
    (void)state;
    assert_true(rt_syscall_count > 80);
    for (size_t i = 0; i < rt_syscall_count; i++) {
        const RtSyscallDesc *d = &rt_syscalls[i];
        assert_non_null(d->fn);
        assert_non_null(d->name);
        assert_true(strlen(d->name) > 0);
        assert_true(d->nr < RT_SYSCALL_LIMIT);
        if (i > 0)
            assert_true(d->nr > rt_syscalls[i - 1].nr);     /* sorted, hence unique */
        /* One kind letter per printed argument, then an optional "=R". */
        size_t nk = strcspn(d->kinds, "=");
        assert_int_equal(nk, d->nargs);
        assert_true(d->nargs <= 6);
        for (size_t k = 0; k < nk; k++)
            assert_non_null(strchr("ilupxswbdfmPMS", d->kinds[k]));
        const RtSyscallDesc *l = rt_syscall_lookup(d->nr);
        assert_non_null(l);
        assert_string_equal(l->name, d->name);
        assert_ptr_equal(l->fn, d->fn);
    }
    assert_null(rt_syscall_lookup(335));
    assert_null(rt_syscall_lookup(RT_SYSCALL_LIMIT));
    assert_null(rt_syscall_lookup(~0ull));
#if defined(__x86_64__)
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452       /* Linux 6.6; older C libraries do not name it */
#endif
    /* On an x86-64 host the guest numbers are the host's: check each against <sys/syscall.h>. */
#define SYSCALL(nr, name, handler, nargs, kinds) assert_int_equal(nr, SYS_##name);
#include "runtime/syscalls.def"
#undef SYSCALL
#endif
    /* The calls the issue names are all there. */
    const char *required[] = { "read", "write", "writev", "readv", "pread64", "pwrite64", "open",
        "openat", "close", "fstat", "stat", "lstat", "newfstatat", "statx", "lseek", "mmap",
        "munmap", "mprotect", "mremap", "madvise", "brk", "exit", "exit_group", "arch_prctl",
        "set_tid_address", "set_robust_list", "rseq", "prlimit64", "getrlimit", "getrandom",
        "clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep",
        "uname", "readlink", "readlinkat", "ioctl", "getpid", "getppid", "gettid", "getuid",
        "geteuid", "getgid", "getegid", "getcwd", "chdir", "access", "faccessat", "faccessat2",
        "dup", "dup2", "dup3", "pipe", "pipe2", "fcntl", "getdents64", "unlink", "unlinkat",
        "mkdir", "mkdirat", "rmdir", "rename", "renameat", "renameat2", "sched_getaffinity",
        "sched_yield", "rt_sigaction", "rt_sigprocmask", "sigaltstack", "kill", "tgkill",
        "umask", "fsync", "fdatasync", "ftruncate", "truncate", "poll",
        /* the "More syscalls" part of the Linux user mode issue */
        "ppoll", "select", "pselect6", "epoll_create1", "epoll_ctl", "epoll_wait",
        "epoll_pwait", "socket", "socketpair", "bind", "listen", "accept", "accept4",
        "connect", "getsockname", "getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg",
        "shutdown", "setsockopt", "getsockopt", "statfs", "fstatfs", "symlink", "symlinkat",
        "link", "linkat", "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown",
        "fchownat", "utimensat", "fallocate", "sysinfo", "times", "getrusage", "prctl",
        "memfd_create", "eventfd2", "timerfd_create", "timerfd_settime", "timerfd_gettime",
        "signalfd4", "inotify_init1", "uname" };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        bool found = false;
        for (size_t k = 0; k < rt_syscall_count; k++)
            found |= strcmp(rt_syscalls[k].name, required[i]) == 0;
        if (!found)
            fprintf(stderr, "missing system call %s\n", required[i]);
        assert_true(found);
    }
}

/* ---------------------------------------------------------------- mapping table */

static void test_map_table(void **state)
{
    (void)state;
    RtMemMap m;
    rt_map_init(&m);
    rt_map_add(&m, 0x10000, 0x20000, PROT_READ);
    rt_map_add(&m, 0x20000, 0x30000, PROT_READ);            /* merges */
    assert_int_equal(m.n, 1);
    assert_int_equal(m.v[0].end, 0x30000);
    rt_map_add(&m, 0x18000, 0x19000, PROT_READ | PROT_WRITE); /* splits in three */
    assert_int_equal(m.n, 3);
    assert_int_equal(rt_map_find(&m, 0x18000)->prot, PROT_READ | PROT_WRITE);
    assert_int_equal(rt_map_find(&m, 0x17fff)->prot, PROT_READ);
    assert_null(rt_map_find(&m, 0x30000));
    assert_null(rt_map_find(&m, 0xffff));
    assert_true(rt_map_covers(&m, 0x10000, 0x20000, 0));
    assert_true(rt_map_covers(&m, 0x18000, 0x1000, PROT_WRITE));
    assert_false(rt_map_covers(&m, 0x17000, 0x2000, PROT_WRITE));
    assert_false(rt_map_covers(&m, 0x2f000, 0x2000, 0));
    assert_int_equal(rt_map_prefix(&m, 0x2f000, 0x2000, 0), 0x1000);
    assert_int_equal(rt_map_prefix(&m, 0x17000, 0x3000, PROT_WRITE), 0);
    assert_true(rt_map_any_prot(&m, 0x10000, 0x30000, PROT_WRITE));
    assert_false(rt_map_any_prot(&m, 0x10000, 0x18000, PROT_WRITE));
    rt_map_remove(&m, 0x14000, 0x1c000);                      /* a hole across three */
    assert_int_equal(m.n, 2);
    assert_false(rt_map_covers(&m, 0x13000, 0x2000, 0));
    assert_int_equal(m.v[0].end, 0x14000);
    assert_int_equal(m.v[1].start, 0x1c000);
    rt_map_add(&m, 0x14000, 0x1c000, PROT_READ);              /* fills and merges back */
    assert_int_equal(m.n, 1);
    rt_map_remove(&m, 0, ~0ull);
    assert_int_equal(m.n, 0);
    assert_false(rt_map_covers(&m, 0x10000, 1, 0));
    assert_true(rt_map_covers(&m, 0x10000, 0, 0));
    assert_int_equal(rt_host_prot(PROT_EXEC), PROT_READ);
    assert_int_equal(rt_host_prot(PROT_READ | PROT_WRITE | PROT_EXEC), PROT_READ | PROT_WRITE);
    rt_map_free(&m);
}

/* The files behind loaded segments (/proc/self/maps): splitting keeps offsets right. */
static void test_file_ranges(void **state)
{
    (void)state;
    RtFileRanges r = { 0 };
    rt_files_add(&r, 0x20000, 0x24000, 0x3000, 1, 2, "/bin/b");
    rt_files_add(&r, 0x10000, 0x14000, 0, 1, 2, "/bin/a");
    assert_int_equal(r.n, 2);
    assert_string_equal(r.v[0].path, "/bin/a");             /* sorted */
    rt_files_forget(&r, 0x11000, 0x12000);                  /* a hole in the middle */
    assert_int_equal(r.n, 3);
    assert_int_equal(r.v[0].end, 0x11000);
    assert_int_equal(r.v[1].start, 0x12000);
    assert_int_equal(r.v[1].offset, 0x2000);
    assert_string_equal(r.v[1].path, "/bin/a");
    rt_files_forget(&r, 0x13000, 0x21000);                  /* a tail and a head */
    assert_int_equal(r.n, 3);
    assert_int_equal(r.v[1].end, 0x13000);
    assert_int_equal(r.v[2].start, 0x21000);
    assert_int_equal(r.v[2].offset, 0x4000);
    const RtFileRange *f = rt_files_next(&r, 0x13000);
    assert_non_null(f);
    assert_int_equal(f->start, 0x21000);
    assert_null(rt_files_next(&r, 0x24000));
    rt_files_add(&r, 0x20000, 0x22000, 0x9000, 3, 4, "/bin/c"); /* replaces an overlap */
    assert_int_equal(r.n, 4);
    assert_string_equal(r.v[2].path, "/bin/c");
    assert_int_equal(r.v[3].start, 0x22000);
    assert_int_equal(r.v[3].offset, 0x5000);
    rt_files_forget(&r, 0, ~0ull);
    assert_int_equal(r.n, 0);
    rt_files_free(&r);
}

/* ---------------------------------------------------------------- brk */

static void test_brk(void **state)
{
    (void)state;
    RtProcess *p = new_process();
    uint64_t start = free_range(16);
    p->brk_start = p->brk_cur = p->brk_mapped = start;

    assert_int_equal(rt_brk(p, 0), start);                   /* query */
    assert_int_equal(rt_brk(p, start - PAGE), start);        /* below the start: unchanged */
    assert_int_equal(rt_brk(p, start + 5000), start + 5000);  /* grows: two pages */
    assert_true(rt_map_covers(&p->map, start, 2 * PAGE, PROT_WRITE));
    memset((void *)(uintptr_t)start, 0x5a, 5000);            /* really mapped */
    assert_int_equal(rt_brk(p, 0), start + 5000);
    assert_int_equal(rt_brk(p, start + 100), start + 100);    /* shrinks: page 2 unmapped */
    assert_false(rt_map_covers(&p->map, start + PAGE, 1, 0));
    assert_int_equal(msync((void *)(uintptr_t)(start + PAGE), PAGE, MS_ASYNC), -1);
    assert_int_equal(*(volatile uint8_t *)(uintptr_t)start, 0x5a);  /* page 1 kept */
    assert_int_equal(rt_brk(p, start + PAGE + 1), start + PAGE + 1);
    assert_int_equal(*(volatile uint8_t *)(uintptr_t)(start + PAGE), 0);  /* fresh zero page */

    /* Something else at start + 8 pages: growing over it fails and keeps the old break. */
    void *block = mmap((void *)(uintptr_t)(start + 8 * PAGE), PAGE, PROT_READ,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    assert_true(block == (void *)(uintptr_t)(start + 8 * PAGE));
    assert_int_equal(rt_brk(p, start + 10 * PAGE), start + PAGE + 1);
    assert_int_equal(rt_brk(p, start + 8 * PAGE), start + 8 * PAGE);   /* up to it is fine */
    munmap(block, PAGE);
    assert_int_equal(rt_brk(p, start), start);
    assert_false(rt_map_covers(&p->map, start, 1, 0));
    free_process(p);
}

/* ---------------------------------------------------------------- mmap family */

static void test_mmap_family(void **state)
{
    (void)state;
    RtProcess *p = new_process();
    int64_t a = rt_mmap(p, 0, 3 * PAGE, PROT_READ | PROT_WRITE,
                        GUEST_MAP_PRIVATE | GUEST_MAP_ANONYMOUS, -1, 0);
    assert_true(a > 0);
    assert_true(rt_map_covers(&p->map, (uint64_t)a, 3 * PAGE, PROT_WRITE));
    /* Validation. */
    assert_int_equal(rt_mmap(p, 0, 0, PROT_READ, GUEST_MAP_PRIVATE | GUEST_MAP_ANONYMOUS, -1, 0),
                     -EINVAL);
    assert_int_equal(rt_mmap(p, 0, PAGE, PROT_READ, GUEST_MAP_ANONYMOUS, -1, 0), -EINVAL);
    assert_int_equal(rt_mmap(p, 0, PAGE, 0x40, GUEST_MAP_PRIVATE | GUEST_MAP_ANONYMOUS, -1, 0),
                     -EINVAL);
    assert_int_equal(rt_mmap(p, 0, PAGE, PROT_READ, GUEST_MAP_PRIVATE, -1, 123), -EINVAL);
    assert_int_equal(rt_mmap(p, 0x1001, PAGE, PROT_READ,
                             GUEST_MAP_PRIVATE | GUEST_MAP_ANONYMOUS | GUEST_MAP_FIXED, -1, 0),
                     -EINVAL);
    /* MAP_FIXED over ferry's own memory (a host mapping the guest does not own) is refused
     * and leaves it intact. */
    char *mine = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mine[0] = 'F';
    assert_int_equal(rt_mmap(p, (uint64_t)(uintptr_t)mine, PAGE, PROT_READ,
                             GUEST_MAP_PRIVATE | GUEST_MAP_ANONYMOUS | GUEST_MAP_FIXED, -1, 0),
                     -ENOMEM);
    assert_int_equal(mine[0], 'F');
    assert_int_equal(rt_mprotect(p, (uint64_t)(uintptr_t)mine, PAGE, PROT_READ), -ENOMEM);
    assert_int_equal(rt_munmap(p, (uint64_t)(uintptr_t)mine, PAGE), 0);   /* skipped */
    assert_int_equal(mine[0], 'F');
    /* MAP_FIXED over the guest's own mapping, reaching into a free hole, works. */
    int64_t f = rt_mmap(p, (uint64_t)a + 2 * PAGE, 2 * PAGE, PROT_READ,
                        GUEST_MAP_PRIVATE | GUEST_MAP_ANONYMOUS | GUEST_MAP_FIXED, -1, 0);
    if (f == -ENOMEM) {
        /* The page after the mapping happened to be taken: try inside only. */
        f = rt_mmap(p, (uint64_t)a + 2 * PAGE, PAGE, PROT_READ,
                    GUEST_MAP_PRIVATE | GUEST_MAP_ANONYMOUS | GUEST_MAP_FIXED, -1, 0);
    }
    assert_int_equal(f, a + 2 * PAGE);
    assert_int_equal(rt_map_find(&p->map, (uint64_t)a + 2 * PAGE)->prot, PROT_READ);
    /* mprotect and munmap on guest memory. */
    assert_int_equal(rt_mprotect(p, (uint64_t)a, PAGE, PROT_READ | PROT_EXEC), 0);
    assert_int_equal(rt_map_find(&p->map, (uint64_t)a)->prot, PROT_READ | PROT_EXEC);
    assert_int_equal(rt_mprotect(p, (uint64_t)a + 1, PAGE, PROT_READ), -EINVAL);
    assert_int_equal(rt_munmap(p, (uint64_t)a + PAGE, PAGE), 0);
    assert_false(rt_map_covers(&p->map, (uint64_t)a + PAGE, 1, 0));
    assert_int_equal(rt_munmap(p, (uint64_t)a + 5, PAGE), -EINVAL);
    assert_int_equal(rt_munmap(p, (uint64_t)a, 0), -EINVAL);
    /* mremap: grow with MAYMOVE, the table follows. */
    int64_t r = rt_mremap(p, (uint64_t)a, PAGE, 4 * PAGE, GUEST_MREMAP_MAYMOVE, 0);
    assert_true(r > 0);
    assert_true(rt_map_covers(&p->map, (uint64_t)r, 4 * PAGE, 0));
    assert_int_equal(rt_mremap(p, (uint64_t)(uintptr_t)mine, PAGE, 2 * PAGE,
                               GUEST_MREMAP_MAYMOVE, 0), -EFAULT);
    rt_munmap(p, (uint64_t)r, 4 * PAGE);
    rt_munmap(p, (uint64_t)a, 4 * PAGE);
    assert_int_equal(p->map.n, 0);
    munmap(mine, PAGE);
    free_process(p);
}

/* ---------------------------------------------------------------- safe copies, fetch */

static void test_safe_copies_and_fetch(void **state)
{
    (void)state;
    RtProcess *p = new_process();
    uint8_t *page = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                         -1, 0);
    uint64_t g = (uint64_t)(uintptr_t)page;
    munmap(page + PAGE, PAGE);                      /* only the first page exists */
    rt_map_add(&p->map, g, g + PAGE, PROT_READ | PROT_EXEC);
    memcpy(page + PAGE - 4, "abc", 4);
    char buf[64];
    assert_int_equal(rt_copy_from_guest(p, buf, g + PAGE - 4, 4), 0);
    assert_string_equal(buf, "abc");
    assert_int_equal(rt_copy_from_guest(p, buf, g + PAGE - 4, 8), -EFAULT);
    assert_int_equal(rt_copy_from_guest(p, buf, 0x10, 1), -EFAULT);
    assert_int_equal(rt_copy_to_guest(p, g, "x", 1), -EFAULT);      /* not writable */
    assert_int_equal(rt_strncpy_from_guest(p, buf, g + PAGE - 4, sizeof buf), 3);
    memcpy(page + PAGE - 4, "abcd", 4);                              /* no NUL before the end */
    assert_int_equal(rt_strncpy_from_guest(p, buf, g + PAGE - 4, sizeof buf), -EFAULT);
    assert_int_equal(rt_strncpy_from_guest(p, buf, g + PAGE - 4, 3), -ENAMETOOLONG);
    /* Code fetch stops at the end of executable memory. */
    uint8_t code[16];
    assert_int_equal(rt_fetch_code(p, g + PAGE - 4, code, sizeof code), 4);
    assert_memory_equal(code, "abcd", 4);
    assert_int_equal(rt_fetch_code(p, g + PAGE, code, sizeof code), 0);
    rt_map_add(&p->map, g, g + PAGE, PROT_READ);                     /* not executable */
    assert_int_equal(rt_fetch_code(p, g, code, sizeof code), 0);
    assert_true(rt_guest_range_ok(p, g, PAGE));
    assert_false(rt_guest_range_ok(p, g, PAGE + 1));
    assert_int_equal(rt_guest_prefix(p, g + 10, 2 * PAGE), PAGE - 10);
    munmap(page, PAGE);
    free_process(p);
}

/* ---------------------------------------------------------------- jump cache, block table */

static void test_jump_cache(void **state)
{
    (void)state;
    RtProcess *p = new_process();
    static const uint8_t miss_routine[4];           /* stands for CodeBuf.jc_miss */
    p->cache.cb.jc_miss = miss_routine;
    RtThread *t = rt_thread_new(p);
    /* Every entry of a new thread's cache (and of one emptied) has the miss routine for its
     * code, never NULL (ir/backend.h): generated code jumps to it without a test. */
    for (unsigned i = 0; i < RT_JC_SIZE; i++)
        assert_ptr_equal(t->jc[i].code, miss_routine);
    RtBlock *a = rt_block_alloc(0x401000, 0), *b = rt_block_alloc(0x401000 + RT_JC_SIZE, 0);
    assert_null(rt_jc_lookup(t, 0x401000));
    assert_null(rt_jc_lookup(t, 0));            /* an empty entry never matches pc 0 */
    rt_jc_insert(t, a);                         /* interpreted (no code): the miss routine */
    assert_ptr_equal(rt_jc_lookup(t, 0x401000), a);
    assert_ptr_equal(t->jc[rt_jc_index(a->pc)].code, miss_routine);
    assert_null(rt_jc_lookup(t, 0x401001));
    a->code = (uint8_t *)(uintptr_t)0x123450;
    a->cold = true;                             /* cold: the miss routine too (counted) */
    rt_jc_insert(t, a);
    assert_ptr_equal(t->jc[rt_jc_index(a->pc)].code, miss_routine);
    a->cold = false;
    rt_jc_insert(t, a);
    assert_ptr_equal(t->jc[rt_jc_index(a->pc)].code, a->code);
    /* Direct mapped: a block whose index collides replaces the entry. */
    if (rt_jc_index(a->pc) == rt_jc_index(b->pc)) {
        rt_jc_insert(t, b);
        assert_null(rt_jc_lookup(t, a->pc));
    } else {
        rt_jc_insert(t, b);
        assert_ptr_equal(rt_jc_lookup(t, a->pc), a);
    }
    assert_ptr_equal(rt_jc_lookup(t, b->pc), b);
    for (uint64_t pc = 0x400000; pc < 0x400000 + 4 * RT_JC_SIZE; pc += 7)
        assert_true(rt_jc_index(pc) < RT_JC_SIZE);
    rt_jc_clear(t);
    assert_null(rt_jc_lookup(t, b->pc));
    for (unsigned i = 0; i < RT_JC_SIZE; i++)
        assert_ptr_equal(t->jc[i].code, miss_routine);
    /* The table lies right below the state (jc_offset = -its size, ir/backend.h). */
    assert_ptr_equal((uint8_t *)&t->state - sizeof t->jc, (uint8_t *)t->jc);
    assert_ptr_equal(rt_thread_of_state(&t->state), t);
    free(a);
    free(b);
    free_process(p);
}

static void test_block_table(void **state)
{
    (void)state;
    RtProcess *p = new_process();
    RtThread *t = rt_thread_new(p);
    enum { N = 5000 };
    for (uint64_t i = 0; i < N; i++) {
        RtBlock *b = rt_block_alloc(0x400000 + 16 * i, 0);
        b->code = (uint8_t *)(uintptr_t)(0x100000 + 64 * i);
        b->code_size = 64;
        rt_block_insert(p, b);
        rt_jc_insert(t, b);
    }
    assert_int_equal(p->blocks.count, N);
    for (uint64_t i = 0; i < N; i++) {
        RtBlock *b = rt_block_lookup(p, 0x400000 + 16 * i);
        assert_non_null(b);
        assert_int_equal(b->pc, 0x400000 + 16 * i);
    }
    assert_null(rt_block_lookup(p, 0x400008));
    /* Host pc -> block, for fault reports. */
    RtBlock *h = rt_block_by_host_pc(p, 0x100000 + 64 * 77 + 5);
    assert_non_null(h);
    assert_int_equal(h->pc, 0x400000 + 16 * 77);
    assert_null(rt_block_by_host_pc(p, 0x100000 + 64 * N));
    /* A newer block hides an older one of the same pc. */
    RtBlock *newer = rt_block_alloc(0x400000, 0);
    rt_block_insert(p, newer);
    assert_ptr_equal(rt_block_lookup(p, 0x400000), newer);
    /* Clearing empties the table and every jump cache. */
    rt_blocks_clear(p);
    assert_int_equal(p->blocks.count, 0);
    assert_null(rt_block_lookup(p, 0x400000));
    assert_null(rt_jc_lookup(t, 0x400010));
    p->threads = NULL;
    free(t);
    free_process(p);
}

/* The host pc index (blocks_index.c): gaps between blocks (alignment, the trampoline) and
 * interpreted blocks find nothing, a flush empties it, and an insert below the previous block
 * (the order the index relies on broken) still gives right answers, by the slow walk. */
static void test_block_by_host_pc(void **state)
{
    (void)state;
    RtProcess *p = new_process();
    enum { N = 9000 };                      /* three chunks */
    for (uint64_t i = 0; i < N; i++) {
        RtBlock *b = rt_block_alloc(0x400000 + 16 * i, 0);
        if (i % 3 != 2) {                   /* every third block interpreted: no code */
            b->code = (uint8_t *)(uintptr_t)(0x200000 + 100 * i);
            b->code_size = 40 + (uint32_t)(i % 50);
        }
        rt_block_insert(p, b);
    }
    assert_false(p->blocks.by_code.unsorted);
    for (uint64_t i = 0; i < N; i++) {
        uintptr_t code = 0x200000 + 100 * i;
        RtBlock *h = rt_block_by_host_pc(p, code + 39);
        if (i % 3 == 2) {
            assert_null(h);
            continue;
        }
        assert_non_null(h);
        assert_int_equal(h->pc, 0x400000 + 16 * i);
        assert_ptr_equal(rt_block_by_host_pc(p, code), h);
        assert_null(rt_block_by_host_pc(p, code + 40 + i % 50));    /* the gap after it */
    }
    assert_null(rt_block_by_host_pc(p, 0x1fffff));
    assert_null(rt_block_by_host_pc(p, 0x200000 + 100 * N));
    /* Out of order: the walk over every block takes over. */
    RtBlock *low = rt_block_alloc(0x900000, 0);
    low->code = (uint8_t *)(uintptr_t)0x100000;
    low->code_size = 64;
    rt_block_insert(p, low);
    assert_true(p->blocks.by_code.unsorted);
    assert_ptr_equal(rt_block_by_host_pc(p, 0x100010), low);
    assert_int_equal(rt_block_by_host_pc(p, 0x200000 + 100 * 4 + 1)->pc, 0x400000 + 16 * 4);
    /* A flush empties it (and sorts it again). */
    rt_blocks_clear(p);
    assert_false(p->blocks.by_code.unsorted);
    assert_null(rt_block_by_host_pc(p, 0x100010));
    assert_null(rt_block_by_host_pc(p, 0x200000));
    RtBlock *again = rt_block_alloc(0x400000, 0);
    again->code = (uint8_t *)(uintptr_t)0x300000;
    again->code_size = 8;
    rt_block_insert(p, again);
    assert_ptr_equal(rt_block_by_host_pc(p, 0x300007), again);
    assert_null(rt_block_by_host_pc(p, 0x200000));
    free_process(p);
}

/* A backend that only records patches. */
typedef struct Patch { uint8_t *site; const uint8_t *target; } Patch;
static Patch patches[16];
static int n_patches;

static void fake_patch(CodeBuf *cb, uint8_t *site, const uint8_t *target)
{
    (void)cb;
    assert_true(n_patches < 16);
    patches[n_patches++] = (Patch){ site, target };
}

/* A process that chains blocks through fake_patch (which records the patches), with code
 * written where it runs (no dual mapping). */
static RtProcess *new_chaining_process(void)
{
    static const Backend fake = { .name = "fake", .patch_exit = fake_patch };
    RtProcess *p = new_process();
    p->backend = &fake;
    p->chain = true;
    p->cache.cb.exec_delta = 0;
    return p;
}

static void test_chaining(void **state)
{
    (void)state;
    RtProcess *p = new_chaining_process();
    static uint8_t code[4096];
    n_patches = 0;

    /* A at 0x1000: exit 0 -> 0x2000 (direct), exit 1 indirect, exit 2 -> 0x3000 (direct). */
    RtBlock *a = rt_block_alloc(0x1000, 3);
    a->code = code;
    a->code_size = 100;
    a->exits[0] = (RtExitSlot){ .direct = true, .patch_offset = 10, .target_pc = 0x2000,
                                .owner = a };
    a->exits[1] = (RtExitSlot){ .direct = false, .owner = a };
    a->exits[2] = (RtExitSlot){ .direct = true, .patch_offset = 30, .target_pc = 0x3000,
                                .owner = a };
    rt_block_insert(p, a);
    rt_block_chain(p, a);
    assert_int_equal(n_patches, 0);             /* no target exists yet */

    /* B at 0x2000 (compiled): A's exit 0 is patched to B; B's own exit back to A at once. */
    RtBlock *b = rt_block_alloc(0x2000, 1);
    b->code = code + 200;
    b->code_size = 50;
    b->exits[0] = (RtExitSlot){ .direct = true, .patch_offset = 7, .target_pc = 0x1000,
                                .owner = b };
    rt_block_insert(p, b);
    rt_block_chain(p, b);
    assert_int_equal(n_patches, 2);
    bool a_to_b = false, b_to_a = false;
    for (int i = 0; i < n_patches; i++) {
        a_to_b |= patches[i].site == code + 10 && patches[i].target == b->code;
        b_to_a |= patches[i].site == code + 207 && patches[i].target == a->code;
    }
    assert_true(a_to_b && b_to_a);
    assert_true(a->exits[0].patched && b->exits[0].patched);
    assert_false(a->exits[1].patched || a->exits[2].patched);

    /* C at 0x3000 is interpreted: never a chain target. */
    RtBlock *c = rt_block_alloc(0x3000, 0);
    rt_block_insert(p, c);
    rt_block_chain(p, c);
    assert_int_equal(n_patches, 2);
    assert_false(a->exits[2].patched);

    /* Chaining off (-d exec): nothing is patched. */
    p->chain = false;
    RtBlock *d = rt_block_alloc(0x4000, 1);
    d->code = code + 400;
    d->exits[0] = (RtExitSlot){ .direct = true, .patch_offset = 1, .target_pc = 0x1000,
                                .owner = d };
    rt_block_insert(p, d);
    rt_block_chain(p, d);
    assert_int_equal(n_patches, 2);
    free_process(p);
}

/* A cold block its hot copy replaced is retired (blocks.c): out of its bucket, its waiting
 * exits out of the pending index (a later target patches only the hot copy), but still
 * found by host pc (another thread may run it) until the flush frees it. */
static void test_cold_retire(void **state)
{
    (void)state;
    RtProcess *p = new_chaining_process();
    static uint8_t code[4096];
    n_patches = 0;
    RtBlock *cold = rt_block_alloc(0x5000, 1);
    cold->code = code;
    cold->code_size = 64;
    cold->cold = true;
    cold->exits[0] = (RtExitSlot){ .direct = true, .patch_offset = 5, .target_pc = 0x6000,
                                   .owner = cold };
    rt_block_insert(p, cold);
    rt_block_chain(p, cold);
    RtBlock *hot = rt_block_alloc(0x5000, 1);
    hot->code = code + 100;
    hot->code_size = 64;
    hot->exits[0] = (RtExitSlot){ .direct = true, .patch_offset = 9, .target_pc = 0x6000,
                                  .owner = hot };
    rt_block_insert(p, hot);
    rt_block_chain(p, hot);
    cold->hot = hot;
    size_t before = p->blocks.count;
    rt_block_retire(p, cold);
    assert_true(cold->retired);
    assert_int_equal(p->blocks.count, before - 1);
    assert_ptr_equal(rt_block_lookup(p, 0x5000), hot);
    for (uint32_t i = 0; i <= p->blocks.mask; i++)
        for (RtBlock *b = p->blocks.bucket[i]; b; b = b->hash_next)
            assert_ptr_not_equal(b, cold);
    assert_int_equal(p->stats.cold_retired, 1);
    assert_int_equal(p->stats.cold_retired_bytes, 64);
    /* The target arrives: only the hot copy's exit is patched. */
    RtBlock *target = rt_block_alloc(0x6000, 0);
    target->code = code + 200;
    target->code_size = 16;
    rt_block_insert(p, target);
    rt_block_chain(p, target);
    assert_int_equal(n_patches, 1);
    assert_ptr_equal(patches[0].site, code + 109);
    assert_true(hot->exits[0].patched);
    assert_false(cold->exits[0].patched);
    /* Its code is still known (a thread may be in it); retiring twice changes nothing. */
    assert_ptr_equal(rt_block_by_host_pc(p, (uintptr_t)code + 10), cold);
    rt_block_retire(p, cold);
    assert_int_equal(p->stats.cold_retired, 1);
    free_process(p);
}

/* ---------------------------------------------------------------- initial stack */

static uint64_t auxv_get(const uint64_t *auxv, uint64_t type, bool *found)
{
    for (; auxv[0] != AT_NULL; auxv += 2)
        if (auxv[0] == type) {
            *found = true;
            return auxv[1];
        }
    *found = false;
    return 0;
}

/* Signals: a signal taken for a thread (the host handler's rt_signal_host) is recorded
 * pending with its siginfo and sets the thread's interrupt word, which generated code reads at
 * backward exits; chained exits stay patched (nothing is unpatched under other threads). */
static void test_signal_interrupt(void **state)
{
    (void)state;
    RtProcess *p = new_chaining_process();
    static uint8_t code[4096];
    p->sigact[SIGUSR1].handler = 0x1234;        /* a guest handler */
    RtThread *t = rt_thread_new(p);
    RtBlock *a = rt_block_alloc(0x1000, 1);
    a->code = code;
    a->code_size = 100;
    a->exits[0] = (RtExitSlot){ .direct = true, .patch_offset = 10, .target_pc = 0x1000,
                                .owner = a };
    rt_block_insert(p, a);
    rt_block_chain(p, a);
    rt_jc_insert(t, a);
    n_patches = 0;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = SI_TKILL;
    t->in_guest = RT_IN_CODE;
    assert_int_equal(t->interrupt, 0);
    rt_signal_host(p, t, SIGUSR1, &si, NULL);
    assert_int_equal(t->interrupt, 1);
    assert_true(t->sigpending & (1ull << (SIGUSR1 - 1)));
    assert_int_equal(t->siginfo[SIGUSR1].signo, SIGUSR1);
    assert_int_equal(n_patches, 0);                         /* nothing unpatched */
    assert_ptr_equal(rt_jc_lookup(t, 0x1000), a);
    assert_ptr_equal(t->jc[rt_jc_index(0x1000)].code, a->code);
    /* An ignored signal is not recorded. */
    t->interrupt = 0;
    p->sigact[SIGUSR2].handler = GUEST_SIG_IGN;
    si.si_signo = SIGUSR2;
    rt_signal_host(p, t, SIGUSR2, &si, NULL);
    assert_int_equal(t->interrupt, 0);
    assert_false(t->sigpending & (1ull << (SIGUSR2 - 1)));
    free_process(p);
}


/* Lazy flags in the state: a producer stores only the fields x86_cc_fields names, and
 * x86_get_eflags (signal frames, pushf helpers, syscalls) must give the same flags whatever the
 * others hold. The unstored field gets its true value in one state and junk in the other. */
static void test_lazy_flag_fields(void **state)
{
    (void)state;
    static const X86CcKind kinds[] = { X86_CCK_ADD, X86_CCK_SUB, X86_CCK_SHL, X86_CCK_SHR,
                                       X86_CCK_SAR, X86_CCK_INC, X86_CCK_DEC, X86_CCK_LOGIC,
                                       X86_CCK_MUL };
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    unsigned derived = 0;
    for (unsigned k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (unsigned size = 1; size <= 8; size *= 2)
            for (int n = 0; n < 2000; n++) {
                seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
                unsigned w = 8 * size;
                uint64_t m = size == 8 ? ~0ull : (1ull << w) - 1;
                uint64_t a = seed & m, b = (seed >> 17) & m, res = 0;
                if (n < 16)             /* the edges: 0, 1, the sign bit, all ones */
                    a = (uint64_t[]){ 0, 1, 1ull << (w - 1), m }[n & 3],
                    b = (uint64_t[]){ 0, 1, 1ull << (w - 1), m }[n >> 2];
                X86CcKind kind = kinds[k];
                if (kind == X86_CCK_SHL || kind == X86_CCK_SHR || kind == X86_CCK_SAR) {
                    b = 1 + b % (size == 8 ? 63 : 31);     /* the masked count, never 0 */
                    if (kind == X86_CCK_SAR && size <= 2 && b > w)
                        b = w;                              /* as gen_SHIFT gives it */
                }
                int64_t sa = (int64_t)(a << (64 - w)) >> (64 - w);
                switch (kind) {
                case X86_CCK_ADD: res = (a + b) & m; break;
                case X86_CCK_SUB: res = (a - b) & m; break;
                case X86_CCK_SHL: res = (a << b) & m; break;
                case X86_CCK_SHR: res = a >> b; break;
                case X86_CCK_SAR: res = (uint64_t)(sa >> b) & m; break;
                case X86_CCK_INC: res = (a + 1) & m; b &= 1; break;
                case X86_CCK_DEC: res = (a - 1) & m; b &= 1; break;
                default:          res = a; b &= 1; break;
                }
                unsigned keep = x86_cc_fields(kind);
                X86State full, part;
                x86_state_init(&full);
                full.cc_op = X86_CC_OP(kind, size);
                full.cc_a = a;
                full.cc_b = b;
                full.cc_res = res;
                part = full;
                uint64_t junk = seed * 0x2545f4914f6cdd1dull;
                if (!(keep & X86_CCF_A)) part.cc_a = junk;
                if (!(keep & X86_CCF_B)) part.cc_b = junk;
                if (!(keep & X86_CCF_RES)) part.cc_res = junk;
                derived += part.cc_a != full.cc_a || part.cc_res != full.cc_res;
                if (x86_get_eflags(&full) != x86_get_eflags(&part))
                    fail_msg("kind %d size %u a %#llx b %#llx res %#llx: %#llx != %#llx", kind,
                             size, (unsigned long long)a, (unsigned long long)b,
                             (unsigned long long)res,
                             (unsigned long long)x86_get_eflags(&full),
                             (unsigned long long)x86_get_eflags(&part));
            }
    assert_true(derived > 0);
    /* every kind that needs a field has it stored: ADC/SBB recover the carry from res */
    assert_int_equal(x86_cc_fields(X86_CCK_ADC), X86_CCF_A | X86_CCF_B | X86_CCF_RES);
    assert_int_equal(x86_cc_fields(X86_CCK_SBB), X86_CCF_A | X86_CCF_B | X86_CCF_RES);
    assert_int_equal(x86_cc_fields(X86_CCK_PCMPSTR), X86_CCF_A | X86_CCF_B | X86_CCF_RES);
    assert_int_equal(x86_cc_fields(X86_CCK_SUB), X86_CCF_A | X86_CCF_B);
}

/* Signals: the rt_sigframe written for a handler (layout, alignment, registers at entry) and
 * rt_sigreturn reading back what the handler changed; the alternate stack. */
static void test_sigframe(void **state)
{
    (void)state;
    RtProcess *p = new_process();
    RtThread *t = rt_thread_new(p);
    X86State *s = &t->state;
    int64_t stack = rt_mmap(p, 0, 64 * 1024, GUEST_PROT_READ | GUEST_PROT_WRITE,
                            GUEST_MAP_PRIVATE | GUEST_MAP_ANONYMOUS, -1, 0);
    assert_true(stack > 0);
    for (int r = 0; r < 16; r++)
        s->gpr[r] = 0x1000 + (uint64_t)r;
    uint64_t rsp = (uint64_t)stack + 60000 - 3;             /* any alignment */
    s->gpr[X86_RSP] = rsp;
    s->rip = 0x401000;
    x86_set_eflags(s, 0x202 | X86_CF | X86_DF);
    s->mxcsr = 0x3f80;
    s->xmm[5].q[0] = 0x1122334455667788ull;
    s->fpu_top = 7;
    s->fpu_tag = 0x80;
    s->fpr[7].sig = 0xc90fdaa22168c235ull;
    s->fpr[7].se = 0x4000;

    RtSigAction act = { 0x402000, GUEST_SA_SIGINFO, 0x403000, 0 };
    GuestSiginfo info;
    memset(&info, 0, sizeof info);
    info.signo = SIGUSR1;
    info.code = -6;
    assert_int_equal(rt_sigframe_push(t, SIGUSR1, &info, &act, 0x5), -EFAULT); /* no restorer */
    act.flags |= GUEST_SA_RESTORER;
    assert_int_equal(rt_sigframe_push(t, SIGUSR1, &info, &act, 0x5), 0);

    uint64_t frame = s->gpr[X86_RSP];
    assert_int_equal((frame + 8) % 16, 0);
    assert_true(frame + sizeof(GuestRtSigframe) + GUEST_FXSAVE_SIZE <= rsp - GUEST_REDZONE);
    assert_int_equal(s->rip, 0x402000);
    assert_int_equal(s->gpr[X86_RDI], SIGUSR1);
    assert_int_equal(s->gpr[X86_RSI], frame + offsetof(GuestRtSigframe, info));
    assert_int_equal(s->gpr[X86_RDX], frame + offsetof(GuestRtSigframe, uc));
    assert_int_equal(s->gpr[X86_RAX], 0);
    assert_int_equal(s->gpr[X86_RBX], 0x1003);              /* the rest as interrupted */
    assert_int_equal(x86_get_eflags(s) & (X86_DF | X86_CF), X86_CF);
    assert_int_equal(s->mxcsr, 0x1f80);                     /* the handler's FPU: initial */
    assert_int_equal(s->xmm[5].q[0], 0);
    assert_int_equal(s->fpu_tag, 0);

    GuestRtSigframe *f = (GuestRtSigframe *)(uintptr_t)frame;
    GuestMcontext *mc = &f->uc.uc_mcontext;
    assert_int_equal(f->pretcode, 0x403000);
    assert_int_equal(mc->gregs[GUEST_REG_RIP], 0x401000);
    assert_int_equal(mc->gregs[GUEST_REG_RSP], rsp);
    assert_int_equal(mc->gregs[GUEST_REG_RAX], 0x1000);
    assert_int_equal(mc->gregs[GUEST_REG_R15], 0x100f);
    assert_int_equal(mc->gregs[GUEST_REG_EFL], 0x202 | X86_CF | X86_DF);
    assert_int_equal(mc->gregs[GUEST_REG_OLDMASK], 0x5);
    assert_int_equal(f->uc.uc_sigmask, 0x5);
    assert_int_equal(f->uc.uc_stack.ss_flags, GUEST_SS_DISABLE);
    assert_int_equal(f->info.signo, SIGUSR1);
    assert_int_equal(f->info.code, -6);
    assert_int_equal(mc->fpstate % 64, 0);
    assert_true(mc->fpstate >= frame + sizeof *f && mc->fpstate + GUEST_FXSAVE_SIZE <= rsp);
    const uint8_t *fx = (const uint8_t *)(uintptr_t)mc->fpstate;
    uint32_t mx;
    uint64_t x5;
    memcpy(&mx, fx + 24, 4);
    memcpy(&x5, fx + 160 + 5 * 16, 8);
    assert_int_equal(mx, 0x3f80);
    assert_int_equal(x5, 0x1122334455667788ull);
    assert_int_equal(fx[4], 0x80);                          /* abridged tag: R7 in use */
    assert_int_equal((fx[2] | fx[3] << 8) >> 11 & 7, 7);    /* TOP */

    /* The handler changes rip, rax and CF, then returns through the restorer. */
    mc->gregs[GUEST_REG_RIP] = 0x401100;
    mc->gregs[GUEST_REG_RAX] = 42;
    mc->gregs[GUEST_REG_EFL] &= ~(uint64_t)X86_CF;
    f->uc.uc_sigmask = 0x9;
    s->gpr[X86_RSP] = frame + 8;
    assert_int_equal(rt_sigframe_pop(t), 0);
    assert_int_equal(s->rip, 0x401100);
    assert_int_equal(s->gpr[X86_RAX], 42);
    assert_int_equal(s->gpr[X86_RSP], rsp);
    assert_int_equal(s->gpr[X86_R12], 0x100c);
    assert_int_equal(x86_get_eflags(s) & (X86_DF | X86_CF), X86_DF);
    assert_int_equal(s->mxcsr, 0x3f80);
    assert_int_equal(s->xmm[5].q[0], 0x1122334455667788ull);
    assert_int_equal(s->fpu_top, 7);
    assert_int_equal(s->fpu_tag, 0x80);
    assert_int_equal(s->fpr[7].se, 0x4000);
    assert_int_equal(t->sigmask, 0x9);

    /* SA_ONSTACK: the frame goes on the alternate stack, nested frames stay on it, and one
     * that would leave it is refused. */
    t->altstack_sp = (uint64_t)stack;
    t->altstack_size = 8192;
    t->altstack_flags = 0;
    act.flags |= GUEST_SA_ONSTACK;
    assert_int_equal(rt_sigframe_push(t, SIGUSR1, &info, &act, 0), 0);
    uint64_t f1 = s->gpr[X86_RSP];
    assert_true(f1 > (uint64_t)stack && f1 < (uint64_t)stack + 8192);
    assert_int_equal((f1 + 8) % 16, 0);
    assert_int_equal(rt_sigframe_push(t, SIGUSR1, &info, &act, 0), 0);
    uint64_t f2 = s->gpr[X86_RSP];
    assert_true(f2 > (uint64_t)stack && f2 < f1 - GUEST_REDZONE);
    int frames = 2;                 /* about 1.1 KiB each: 7 fit in 8 KiB */
    while (rt_sigframe_push(t, SIGUSR1, &info, &act, 0) == 0) {
        assert_true(s->gpr[X86_RSP] > (uint64_t)stack);
        assert_true(++frames < 10);
    }
    assert_int_equal(frames, 7);

    /* An unreadable frame. */
    s->gpr[X86_RSP] = 0x1000;
    assert_int_equal(rt_sigframe_pop(t), -EFAULT);
    free_process(p);
}

static void test_initial_stack(void **state)
{
    (void)state;
    RtProcess *p = new_process();
    p->phdr_addr = 0x400040;
    p->phnum = 7;
    p->phent = 56;
    p->entry = 0x401234;
    /* A dynamic program: the guest starts in its loader, AT_ENTRY is the program's. */
    p->interp_base = 0x7f0000000000ull;
    p->start_pc = 0x7f0000001100ull;
    p->exec_fn = "./prog";
    RtThread *t = rt_thread_new(p);
    char *argv[] = { "prog", "one", "", "three", NULL };
    char *envp[] = { "A=1", "PATH=/bin", NULL };
    assert_int_equal(rt_stack_setup(p, t, 4, argv, envp), 0);

    uint64_t sp = t->state.gpr[X86_RSP];
    assert_int_equal(sp % 16, 0);
    assert_true(sp > p->stack_lo && sp < p->stack_hi);
    assert_true(rt_map_covers(&p->map, p->stack_lo, p->stack_hi - p->stack_lo, PROT_WRITE));
    assert_int_equal(p->stack_hi - p->stack_lo, 8u << 20);
    assert_int_equal(t->state.rip, 0x7f0000001100ull);
    assert_int_equal(t->state.gpr[X86_RDX], 0);
    for (int r = 0; r < 16; r++)
        if (r != X86_RSP)
            assert_int_equal(t->state.gpr[r], 0);

    const uint64_t *w = (const uint64_t *)(uintptr_t)sp;
    assert_int_equal(w[0], 4);                                  /* argc */
    for (int i = 0; i < 4; i++)
        assert_string_equal((const char *)(uintptr_t)w[1 + i], argv[i]);
    assert_int_equal(w[5], 0);
    assert_string_equal((const char *)(uintptr_t)w[6], "A=1");
    assert_string_equal((const char *)(uintptr_t)w[7], "PATH=/bin");
    assert_int_equal(w[8], 0);
    /* Strings: argv ascending, then envp, all above the vectors. */
    assert_true(w[1] < w[2] && w[4] < w[6] && w[6] < w[7]);
    const uint64_t *auxv = &w[9];
    bool f;
    assert_int_equal(auxv_get(auxv, AT_PHDR, &f), 0x400040);
    assert_true(f);
    assert_int_equal(auxv_get(auxv, AT_PHNUM, &f), 7);
    assert_int_equal(auxv_get(auxv, AT_PHENT, &f), 56);
    assert_int_equal(auxv_get(auxv, AT_PAGESZ, &f), 4096);
    assert_int_equal(auxv_get(auxv, AT_ENTRY, &f), 0x401234);
    assert_int_equal(auxv_get(auxv, AT_BASE, &f), 0x7f0000000000ull);
    assert_true(f);
    assert_int_equal(auxv_get(auxv, AT_UID, &f), getuid());
    assert_int_equal(auxv_get(auxv, AT_EGID, &f), getegid());
    assert_int_equal(auxv_get(auxv, AT_SECURE, &f), 0);
    assert_true(f);
    uint32_t cpuid1[4];
    fe_cpuid(1, 0, cpuid1);
    assert_int_equal(auxv_get(auxv, AT_HWCAP, &f), cpuid1[3]);
    assert_true(f);
    auxv_get(auxv, AT_HWCAP2, &f);
    assert_true(f);
    assert_true(auxv_get(auxv, AT_CLKTCK, &f) > 0);
    assert_string_equal((const char *)(uintptr_t)auxv_get(auxv, AT_PLATFORM, &f), "x86_64");
    assert_string_equal((const char *)(uintptr_t)auxv_get(auxv, AT_EXECFN, &f), "./prog");
    uint64_t rnd = auxv_get(auxv, AT_RANDOM, &f);
    assert_true(f && rnd > sp && rnd + 16 <= p->stack_hi);
    /* Nothing but the 8-byte end marker above the execfn string. */
    uint64_t execfn = auxv_get(auxv, AT_EXECFN, &f);
    assert_int_equal(execfn + strlen("./prog") + 1 + 8, p->stack_hi);

    /* Too much for a quarter of the stack: E2BIG, nothing mapped. */
    static char big[3u << 20];
    memset(big, 'x', sizeof big - 1);
    char *bigv[] = { big, NULL };
    size_t before = p->map.n;
    assert_int_equal(rt_stack_setup(p, t, 1, bigv, envp), -E2BIG);
    assert_int_equal(p->map.n, before);
    p->threads = NULL;
    free(t);
    free_process(p);
}

/* ---------------------------------------------------------------- options */

static void test_options_and_env(void **state)
{
    (void)state;
    char *argv[] = { "ferry", "-strace", "-d", "in_asm,exec", "--interp", "-E", "A=1",
                     "-U", "B", "-E", "C=new", "-0", "zero", "-L", "/sysroot", "-D", "log",
                     "prog", "-x", "y", NULL };
    RtOptions o;
    rt_options_parse(&o, 20, argv);
    assert_true(o.strace);
    assert_true(o.interp);
    assert_false(o.single_step);
    assert_int_equal(o.log_mask, RT_LOG_IN_ASM | RT_LOG_EXEC);
    assert_string_equal(o.argv0, "zero");
    assert_string_equal(o.sysroot, "/sysroot");
    assert_string_equal(o.log_file, "log");
    assert_string_equal(o.program, "prog");
    assert_int_equal(o.guest_argc, 3);
    assert_string_equal(o.guest_argv[1], "-x");         /* guest options stay the guest's */
    assert_int_equal(o.n_env_edits, 3);

    char *env[] = { "B=old", "C=old", "D=keep", "B=dup", NULL };
    char **ge = rt_env_build(&o, env);
    assert_non_null(ge);
    assert_string_equal(ge[0], "C=new");
    assert_string_equal(ge[1], "D=keep");
    assert_string_equal(ge[2], "A=1");
    assert_null(ge[3]);
    free(ge);
    free(o.env_edits);

    char *argv2[] = { "ferry", "--", "-prog", NULL };
    rt_options_parse(&o, 3, argv2);
    assert_string_equal(o.program, "-prog");
    assert_int_equal(o.guest_argc, 1);
    assert_int_equal(o.log_fd, -1);
}

/* What execve passes on to the ferry that runs the new program. */
static void test_options_for_exec(void **state)
{
    (void)state;
    char *argv[] = { "ferry", "-L", "/sr", "-d", "exec,in_asm", "-D", "log", "-strace",
                     "-singlestep", "-E", "A=1", "-0", "zero", "prog", NULL };
    RtOptions o;
    rt_options_parse(&o, 14, argv);
    const char *v[16];
    int n = rt_options_for_exec(&o, 105, v, 16);
    const char *want[] = { "-L", "/sr", "-d", "in_asm,exec", "--log-fd", "105", "-strace",
                           "-singlestep" };
    assert_int_equal(n, (int)(sizeof want / sizeof want[0]));
    for (int i = 0; i < n; i++)
        assert_string_equal(v[i], want[i]);
    /* What it produces parses back to the same options. */
    char *back[20] = { "ferry" };
    for (int i = 0; i < n; i++)
        back[1 + i] = (char *)v[i];
    back[1 + n] = "prog";
    RtOptions o2;
    rt_options_parse(&o2, n + 2, back);
    assert_string_equal(o2.sysroot, "/sr");
    assert_int_equal(o2.log_mask, o.log_mask);
    assert_int_equal(o2.log_fd, 105);
    assert_true(o2.strace && o2.single_step && !o2.interp);
    assert_int_equal(o2.n_env_edits, 0);
    free(o.env_edits);
    /* No options: nothing. */
    char *plain[] = { "ferry", "prog", NULL };
    rt_options_parse(&o, 2, plain);
    assert_int_equal(rt_options_for_exec(&o, -1, v, 16), 0);
}

/* -L: absolute paths go to the sysroot's file when it exists, symbolic links resolved inside
 * the sysroot, /proc and friends and missing files stay the host's. */
static void test_sysroot_paths(void **state)
{
    (void)state;
    char root[] = "/tmp/ferry-sysroot-XXXXXX";
    assert_non_null(mkdtemp(root));
    char p[512], buf[4096];
    snprintf(p, sizeof p, "%s/usr", root);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/usr/lib", root);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/usr/lib/libx.so", root);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(p, sizeof p, "%s/lib", root);
    assert_int_equal(symlink("/usr/lib", p), 0);            /* absolute: stays inside */
    snprintf(p, sizeof p, "%s/up", root);
    assert_int_equal(symlink("../../../usr/lib", p), 0);    /* ".." stops at the root */
    snprintf(p, sizeof p, "%s/usr/lib/link.so", root);
    assert_int_equal(symlink("libx.so", p), 0);

    RtOptions o;
    memset(&o, 0, sizeof o);
    o.sysroot = root;
    char want[512];
    snprintf(want, sizeof want, "%s/usr/lib/libx.so", root);
    assert_string_equal(rt_sysroot_path(&o, "/lib/libx.so", buf, sizeof buf, true), want);
    assert_string_equal(rt_sysroot_path(&o, "/up/libx.so", buf, sizeof buf, true), want);
    assert_string_equal(rt_sysroot_path(&o, "/usr/./lib/../lib/libx.so", buf, sizeof buf, true),
                        want);
    assert_string_equal(rt_sysroot_path(&o, "/lib/link.so", buf, sizeof buf, true), want);
    snprintf(want, sizeof want, "%s/usr/lib/link.so", root);
    assert_string_equal(rt_sysroot_path(&o, "/lib/link.so", buf, sizeof buf, false), want);
    /* The host's: missing in the sysroot, relative, /proc. */
    assert_string_equal(rt_sysroot_path(&o, "/etc/passwd", buf, sizeof buf, true), "/etc/passwd");
    assert_string_equal(rt_sysroot_path(&o, "lib/libx.so", buf, sizeof buf, true), "lib/libx.so");
    assert_string_equal(rt_sysroot_path(&o, "/proc/self/maps", buf, sizeof buf, true),
                        "/proc/self/maps");
    /* Without -L, or with -L /, every path is the host's. */
    o.sysroot = "/";
    assert_string_equal(rt_sysroot_path(&o, "/lib/libx.so", buf, sizeof buf, true),
                        "/lib/libx.so");
    o.sysroot = NULL;
    assert_string_equal(rt_sysroot_path(&o, "/lib/libx.so", buf, sizeof buf, true),
                        "/lib/libx.so");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errno_and_signal_names),
        cmocka_unit_test(test_strace_results),
        cmocka_unit_test(test_strace_lines),
        cmocka_unit_test(test_syscall_table),
        cmocka_unit_test(test_map_table),
        cmocka_unit_test(test_file_ranges),
        cmocka_unit_test(test_brk),
        cmocka_unit_test(test_mmap_family),
        cmocka_unit_test(test_safe_copies_and_fetch),
        cmocka_unit_test(test_jump_cache),
        cmocka_unit_test(test_block_table),
        cmocka_unit_test(test_block_by_host_pc),
        cmocka_unit_test(test_cold_retire),
        cmocka_unit_test(test_chaining),
        cmocka_unit_test(test_signal_interrupt),
        cmocka_unit_test(test_sigframe),
        cmocka_unit_test(test_lazy_flag_fields),
        cmocka_unit_test(test_initial_stack),
        cmocka_unit_test(test_options_and_env),
        cmocka_unit_test(test_options_for_exec),
        cmocka_unit_test(test_sysroot_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
