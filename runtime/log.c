/* log.c — the -d channels and -d stats: where logs go, Capstone disassembly of guest code
 * (x86-64) and host code (x86_64 or arm64, chosen by Backend.name), and the statistics
 * printed at exit.
 *
 * The log is stderr or the -D file, line-buffered so that log lines and the guest's own
 * output (written straight to its descriptors) appear in the order they happened. The -D file
 * gets a descriptor number far from the guest's (>= 100) and the guest may not close it
 * (RtProcess.log_fd). A ferry started by the guest's execve logs to the descriptor the old
 * one passes with --log-fd, so one -D file holds the whole process tree's log, in order.
 * Capstone handles are opened on first use: a run without -d never pays for them.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runtime/rt.h"

#define RT_LOG_FD_MIN 100

void rt_log_open(RtProcess *p)
{
    p->log.mask = p->opt.log_mask;
    p->log.f = stderr;
    p->log_fd = -1;
    if (p->opt.log_file || p->opt.log_fd >= 0) {
        const char *name = p->opt.log_file ? p->opt.log_file : "descriptor";
        int fd;
        if (p->opt.log_fd >= 0) {
            /* Inherited from the ferry that ran execve: appended to, never truncated. */
            fd = p->opt.log_fd;
            if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
                fprintf(stderr, "ferry: --log-fd %d: %s\n", fd, strerror(errno));
                exit(1);
            }
        } else {
            fd = open(p->opt.log_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        }
        if (fd < 0) {
            fprintf(stderr, "ferry: cannot open log file %s: %s\n", p->opt.log_file,
                    strerror(errno));
            exit(1);
        }
        if (fd < RT_LOG_FD_MIN) {
            int high = fcntl(fd, F_DUPFD_CLOEXEC, RT_LOG_FD_MIN);
            if (high >= 0) {
                close(fd);
                fd = high;
            }
        }
        FILE *f = fdopen(fd, "w");
        if (!f) {
            fprintf(stderr, "ferry: cannot open log file %s: %s\n", name, strerror(errno));
            exit(1);
        }
        p->log.f = f;
        p->log_fd = fd;
    }
    setvbuf(p->log.f, NULL, _IOLBF, 0);
}

void rt_log_printf(RtProcess *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->log.f, fmt, ap);
    va_end(ap);
}

void rt_log_flush(RtProcess *p)
{
    if (p->log.f)
        fflush(p->log.f);
}

/* ---------------------------------------------------------------- disassembly */

static bool guest_cs(RtProcess *p, csh *h)
{
    if (!p->log.cs_guest_open) {
        csh c;
        if (cs_open(CS_ARCH_X86, CS_MODE_64, &c) != CS_ERR_OK)
            return false;
        p->log.cs_guest = c;
        p->log.cs_guest_open = true;
    }
    /* System mode: the code's mode (FeOptions.mode) may be 32-bit. */
    cs_option(p->log.cs_guest, CS_OPT_MODE,
              p->fe_opt.mode == X86_MODE_32 ? CS_MODE_32 : CS_MODE_64);
    *h = p->log.cs_guest;
    return true;
}

static bool host_cs(RtProcess *p, csh *h)
{
    if (!p->log.cs_host_open) {
        if (!p->backend)
            return false;
        csh c;
        cs_err e;
        if (strcmp(p->backend->name, "x86_64") == 0)
            e = cs_open(CS_ARCH_X86, CS_MODE_64, &c);
        else if (strcmp(p->backend->name, "aarch64") == 0)
            e = cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &c);
        else
            return false;
        if (e != CS_ERR_OK)
            return false;
        p->log.cs_host = c;
        p->log.cs_host_open = true;
    }
    *h = p->log.cs_host;
    return true;
}

/* Print code at address addr: one instruction per line with its bytes; bytes Capstone does
 * not decode are printed as .byte lines so nothing is hidden. */
static void dump(RtProcess *p, csh h, uint64_t addr, const uint8_t *code, size_t n)
{
    FILE *f = p->log.f;
    size_t off = 0;
    while (off < n) {
        cs_insn *insn;
        size_t count = cs_disasm(h, code + off, n - off, addr + off, 0, &insn);
        for (size_t i = 0; i < count; i++) {
            char hex[3 * 16 + 1] = "";
            for (size_t k = 0; k < insn[i].size && k < 15; k++)
                snprintf(hex + 3 * k, 4, "%02x ", insn[i].bytes[k]);
            fprintf(f, "0x%016llx:  %-30s %s %s\n", (unsigned long long)insn[i].address, hex,
                    insn[i].mnemonic, insn[i].op_str);
            off += insn[i].size;
        }
        if (count)
            cs_free(insn, count);
        if (off < n) {          /* undecodable: show one byte and go on */
            fprintf(f, "0x%016llx:  %02x%-28s .byte 0x%02x\n", (unsigned long long)(addr + off),
                    code[off], "", code[off]);
            off++;
        }
    }
}

void rt_log_guest_code(RtProcess *p, uint64_t pc, const uint8_t *bytes, size_t n)
{
    csh h;
    if (guest_cs(p, &h))
        dump(p, h, pc, bytes, n);
}

/* Data inside code: 8 bytes a line (fewer at the end), without the instruction lines' byte
 * column, so a script counting instructions never counts them. */
static void dump_data(RtProcess *p, const uint8_t *at, size_t n)
{
    for (size_t off = 0; off < n; off += 8) {
        uint64_t v = 0;
        size_t k = n - off < 8 ? n - off : 8;
        memcpy(&v, at + off, k);
        fprintf(p->log.f, "0x%016llx:  %-30s %s 0x%0*llx\n",
                (unsigned long long)(uintptr_t)(at + off), "(data)",
                k == 8 ? ".quad" : k == 4 ? ".long" : ".bytes", (int)(2 * k),
                (unsigned long long)v);
    }
}

void rt_log_host_code(RtProcess *p, const uint8_t *code, size_t n, const BackendData *data,
                      unsigned n_data, const BackendInsnMap *map, unsigned n_map,
                      uint64_t guest_pc)
{
    csh h;
    if (!host_cs(p, &h)) {
        rt_log_printf(p, "(no disassembler for this host)\n");
        return;
    }
    size_t off = 0;
    unsigned d = 0, m = 0;
    uint64_t shown = UINT64_MAX;        /* the guest offset of the last marker */
    while (off < n) {
        /* A marker where a guest instruction's code starts (fault points inside one, which
         * repeat its offset, get none), so a listing can be read per guest instruction. */
        for (; m < n_map && map[m].host_offset <= off; m++)
            if (map[m].guest_offset != shown) {
                shown = map[m].guest_offset;
                fprintf(p->log.f, "  ;; guest 0x%llx\n",
                        (unsigned long long)(guest_pc + shown));
            }
        if (d < n_data && data[d].offset <= off) {
            size_t len = data[d].size < n - off ? data[d].size : n - off;
            dump_data(p, code + off, len);
            off += len;
            d++;
            continue;
        }
        size_t to = n;
        if (d < n_data && data[d].offset < to)
            to = data[d].offset;
        if (m < n_map && map[m].host_offset < to)
            to = map[m].host_offset;
        dump(p, h, (uint64_t)(uintptr_t)code + off, code + off, to - off);
        off = to;
    }
}

const char *rt_disasm_one(RtProcess *p, uint64_t pc, const uint8_t *bytes, size_t n, char *buf,
                          size_t len)
{
    csh h;
    cs_insn *insn = NULL;
    size_t count = n && guest_cs(p, &h) ? cs_disasm(h, bytes, n, pc, 1, &insn) : 0;
    if (count) {
        snprintf(buf, len, "%s%s%s", insn[0].mnemonic, insn[0].op_str[0] ? " " : "",
                 insn[0].op_str);
        cs_free(insn, count);
        return buf;
    }
    /* Not decodable: show the bytes. */
    size_t at = (size_t)snprintf(buf, len, n ? "bytes" : "code not readable");
    for (size_t i = 0; i < n && i < 8 && at + 4 < len; i++)
        at += (size_t)snprintf(buf + at, len - at, " %02x", bytes[i]);
    return buf;
}

/* ---------------------------------------------------------------- statistics */

void rt_log_stats(RtProcess *p)
{
    const RtStats *s = &p->stats;
    double secs = (double)s->translate_ns / 1e9;
    FILE *f = p->log.f;
    fprintf(f, "ferry statistics:\n");
    fprintf(f, "  blocks translated             %llu\n", (unsigned long long)s->blocks_translated);
    fprintf(f, "  guest instructions translated %llu\n", (unsigned long long)s->guest_insns);
    fprintf(f, "  translation time              %.3f ms\n", secs * 1e3);
    fprintf(f, "  guest instructions/s (transl) %.0f\n",
            secs > 0 ? (double)s->guest_insns / secs : 0.0);
    /* The tiers (translate.c): the fast one for new code, the full one for hot blocks. One
     * number a line, as bench/run.py reads them. */
    if (s->cold_blocks) {
        double cs = (double)s->cold_ns / 1e9, hs = (double)s->hot_ns / 1e9;
        fprintf(f, "  cold tier blocks              %llu\n", (unsigned long long)s->cold_blocks);
        fprintf(f, "  cold tier guest instructions  %llu\n", (unsigned long long)s->cold_insns);
        fprintf(f, "  cold tier guest insns/s       %.0f\n",
                cs > 0 ? (double)s->cold_insns / cs : 0.0);
        fprintf(f, "  hot tier blocks               %llu\n", (unsigned long long)s->hot_blocks);
        fprintf(f, "  hot tier guest instructions   %llu\n", (unsigned long long)s->hot_insns);
        fprintf(f, "  hot tier guest insns/s        %.0f\n",
                hs > 0 ? (double)s->hot_insns / hs : 0.0);
        fprintf(f, "  cold blocks retired           %llu\n", (unsigned long long)s->cold_retired);
        fprintf(f, "  retired cold code bytes       %llu\n",
                (unsigned long long)s->cold_retired_bytes);
    }
    fprintf(f, "  host code bytes               %llu\n", (unsigned long long)s->code_bytes);
    fprintf(f, "  host insns per guest insn     %.2f\n",
            s->guest_insns ? (double)s->host_insns / (double)s->guest_insns : 0.0);
    fprintf(f, "  blocks interpreted            %llu\n", (unsigned long long)s->interp_blocks);
    if (p->gi.sp_window)
        fprintf(f, "  stack window                  %llu accesses unchecked, %llu exit checks, "
                "%llu exits via runtime, %llu steps outside\n",
                (unsigned long long)s->sp_unchecked, (unsigned long long)s->sp_exit_checks,
                (unsigned long long)s->sp_exits_stack, (unsigned long long)s->sp_steps);
    if (!p->machine)
        fprintf(f, "  loads merged (same address)   %llu\n", (unsigned long long)s->loads_merged);
    fprintf(f, "  code cache flushes            %llu\n", (unsigned long long)s->flushes);
    char mo[160];
    fprintf(f, "  TSO memory order              %s\n", rt_memorder_describe(p, mo, sizeof mo));
    /* Exited threads' counts are in s; each live thread keeps its own. */
    uint64_t blocks = s->blocks_executed, syscalls = s->syscalls;
    if (pthread_mutex_trylock(&p->lock) == 0) {    /* never wait: this may be a death path */
        for (const RtThread *t = p->threads; t; t = t->next) {
            blocks += t->n_blocks;
            syscalls += t->n_syscalls;
        }
        pthread_mutex_unlock(&p->lock);
    }
    fprintf(f, "  blocks executed (dispatches)  %llu\n", (unsigned long long)blocks);
    fprintf(f, "  system calls                  %llu\n", (unsigned long long)syscalls);
}
