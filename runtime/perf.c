/* perf.c — naming generated code for Linux perf: -d perfmap and -d jitdump.
 *
 * The code cache is a memfd mapped twice (codecache.c), so perf sees its executable view as
 * a file ("memfd:ferry-code (deleted)") and, since the file has no symbols, reports raw
 * offsets into it; perf reads /tmp/perf-PID.map only for anonymous executable memory. What
 * perf does read for any address is a jitdump (tools/perf/Documentation/
 * jitdump-specification.txt in the Linux tree): a file named jit-PID.dump holding one
 * JIT_CODE_LOAD record per block (name, address, size and the code bytes themselves), whose
 * presence perf record notices through an executable mapping of the file (the "marker").
 * `perf inject --jit` then turns each record into a small ELF file and an mmap event at the
 * record's time, so `perf report` names samples after guest blocks and `perf annotate` shows
 * their host instructions. Timestamps are CLOCK_MONOTONIC, which perf uses with `-k mono`.
 * README.md ("Profiling") gives the commands.
 *
 * Both files are written with a descriptor opened for each write and closed after it: a
 * descriptor kept open would be one the guest could close, replace with dup2 or find taken
 * from its own numbering. Writes happen under RtProcess.tb_lock (translation) or before any
 * guest thread runs (the trampoline), so records never interleave. A forked child writes its
 * own files (the owner pid is checked at each write), since perf tells processes apart by
 * pid; each ferry (an execve starts a new one under the same pid) writes its dump in a new
 * directory, as jit-PID.dump must keep that name. Failures are reported once and switch the
 * channel off: profiling aids never stop the guest.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "runtime/rt.h"

/* ---------------------------------------------------------------- -d perfmap */

void rt_log_perfmap(RtProcess *p, const void *code, size_t n, const char *name)
{
    char path[64], line[160];
    snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
    if (p->log.perfmap_pid != getpid())
        flags |= O_TRUNC;                   /* this process's first line */
    int fd = open(path, flags, 0644);
    int len = snprintf(line, sizeof line, "%lx %zx %s\n", (unsigned long)(uintptr_t)code, n,
                       name);
    if (fd < 0 || write(fd, line, (size_t)len) != len) {
        rt_log_printf(p, "ferry: -d perfmap: cannot write %s: %s\n", path, strerror(errno));
        p->log.mask &= ~(unsigned)RT_LOG_PERFMAP;
    } else {
        p->log.perfmap_pid = getpid();
    }
    if (fd >= 0)
        close(fd);
}

/* ---------------------------------------------------------------- -d jitdump */

/* The file layout (all fields in host byte order, as perf expects from the writer). */
#define JITDUMP_MAGIC   0x4A695444u     /* "JiTD" */
#define JITDUMP_VERSION 1u
enum { JIT_CODE_LOAD = 0 };

typedef struct JitHeader {
    uint32_t magic, version;
    uint32_t total_size;        /* of this header */
    uint32_t elf_mach;          /* EM_* of the code */
    uint32_t pad1;
    uint32_t pid;
    uint64_t timestamp;
    uint64_t flags;
} JitHeader;

typedef struct JitLoad {
    uint32_t id;                /* JIT_CODE_LOAD */
    uint32_t total_size;        /* of the record: this, the name with its NUL, the code */
    uint64_t timestamp;
    uint32_t pid, tid;
    uint64_t vma, code_addr;    /* the same for us: where the code runs */
    uint64_t code_size;
    uint64_t code_index;        /* unique per record */
} JitLoad;

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void jitdump_fail(RtProcess *p, const char *what)
{
    rt_log_printf(p, "ferry: -d jitdump: cannot %s %s: %s\n", what, p->log.jitdump_path,
                  strerror(errno));
    p->log.mask &= ~(unsigned)RT_LOG_JITDUMP;
}

/* Create this process's dump: a new directory, the file with its header, the marker. */
static bool jitdump_open(RtProcess *p)
{
    const char *base = getenv("JITDUMPDIR");
    char dir[sizeof p->log.jitdump_path - 32];
    int pid = (int)getpid();
    if (snprintf(dir, sizeof dir, "%s/ferry-jit-%d-XXXXXX", base && *base ? base : "/tmp",
                 pid) >= (int)sizeof dir || !mkdtemp(dir)) {
        snprintf(p->log.jitdump_path, sizeof p->log.jitdump_path, "%s", dir);
        jitdump_fail(p, "create a directory like");
        return false;
    }
    snprintf(p->log.jitdump_path, sizeof p->log.jitdump_path, "%s/jit-%d.dump", dir, pid);
    int fd = open(p->log.jitdump_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        jitdump_fail(p, "create");
        return false;
    }
    JitHeader h = {
        .magic = JITDUMP_MAGIC, .version = JITDUMP_VERSION, .total_size = sizeof h,
#if defined(__aarch64__)
        .elf_mach = EM_AARCH64,
#else
        .elf_mach = EM_X86_64,
#endif
        .pid = (uint32_t)pid, .timestamp = mono_ns(),
    };
    bool ok = write(fd, &h, sizeof h) == (ssize_t)sizeof h;
    /* The marker: perf record logs executable mappings, and perf inject looks for one of a
     * file named jit-PID.dump. It stays mapped (ferry's memory, never the guest's). */
    void *m = ok ? mmap(NULL, sizeof h, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    close(fd);
    if (!ok || m == MAP_FAILED) {
        jitdump_fail(p, ok ? "map" : "write");
        return false;
    }
    p->log.jitdump_pid = pid;
    return true;
}

void rt_log_jitdump(RtProcess *p, const void *code, size_t n, const char *name)
{
    if (p->log.jitdump_pid != getpid() && !jitdump_open(p))
        return;
    size_t name_len = strlen(name) + 1;
    JitLoad r = {
        .id = JIT_CODE_LOAD, .total_size = (uint32_t)(sizeof r + name_len + n),
        .timestamp = mono_ns(), .pid = (uint32_t)getpid(), .tid = (uint32_t)syscall(SYS_gettid),
        .vma = (uint64_t)(uintptr_t)code, .code_addr = (uint64_t)(uintptr_t)code,
        .code_size = n, .code_index = p->log.jitdump_index++,
    };
    struct iovec iov[3] = {
        { &r, sizeof r }, { (void *)name, name_len }, { (void *)code, n },
    };
    int fd = open(p->log.jitdump_path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 || writev(fd, iov, 3) != (ssize_t)r.total_size)
        jitdump_fail(p, "write");
    if (fd >= 0)
        close(fd);
}

/* ---------------------------------------------------------------- both */

void rt_log_code(RtProcess *p, const void *code, size_t n, const char *name)
{
    if (rt_log_on(p, RT_LOG_PERFMAP))
        rt_log_perfmap(p, code, n, name);
    if (rt_log_on(p, RT_LOG_JITDUMP))
        rt_log_jitdump(p, code, n, name);
}
