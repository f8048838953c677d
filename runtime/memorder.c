/* memorder.c — when generated code keeps x86's memory order (TSO), and what the host CPU
 * offers for it.
 *
 * x86 orders every load before later loads and stores and every store after earlier stores;
 * aarch64 orders none of that between threads. Backends keep TSO when IrGuestInfo.tso is set
 * (backend-aarch64: barriers at LOADs, STOREs and CALLs), which costs time a single-threaded
 * guest does not need: only another thread (or process) reading the guest's memory while it
 * runs can see the order. So -tso (RtOptions.tso) is one of:
 *   auto  (default) off while the guest cannot share its memory, on from the moment it can:
 *         a second thread (clone with CLONE_THREAD), or a MAP_SHARED mapping that another
 *         process may write or read while the guest runs (anonymous, or writable). The switch
 *         flushes the code cache, since blocks translated without barriers must not run again;
 *         it happens once per process (a fork child inherits the mode, execve starts afresh).
 *   on    from the start;
 *   off   never: fastest, correct only for guests whose threads synchronise with LOCK
 *         instructions, fences and system calls alone (those are full barriers either way).
 * An x86_64 host is TSO itself: there the flag is set from the start (the x86_64 backend emits
 * nothing for it) and never needs a flush.
 *
 * Locked instructions (frontend-x86/fe_lock.c) are compare-and-swaps in C helpers with a full
 * fence after them whatever the mode; compiled with gcc's outline atomics (the aarch64
 * default), they use LSE's CASAL when the CPU has FEAT_LSE (HWCAP_ATOMICS, which libgcc reads
 * at start-up) and exclusive-load/store loops otherwise. rt_memorder_init records the HWCAP
 * bits for -d stats.
 */
#if defined(__aarch64__)
#include <sys/auxv.h>
#endif
#include "runtime/rt.h"

/* HWCAP bits (Linux arch/arm64/include/uapi/asm/hwcap.h). */
#define A64_HWCAP_ATOMICS (1ul << 8)    /* FEAT_LSE */
#define A64_HWCAP_LRCPC   (1ul << 15)   /* FEAT_LRCPC: LDAPR */
#define A64_HWCAP_USCAT   (1ul << 25)   /* FEAT_LSE2: unaligned single-copy atomicity */
#define A64_HWCAP2_AFP    (1ul << 20)   /* FEAT_AFP: FPCR.AH/FIZ/NEP */

void rt_memorder_init(RtProcess *p)
{
#if defined(__x86_64__) || defined(__i386__)
    p->gi.tso = true;
#else
    p->gi.tso = p->opt.tso == RT_TSO_ON;
#endif
#if defined(__aarch64__)
    unsigned long h = getauxval(AT_HWCAP), h2 = getauxval(AT_HWCAP2);
    p->host_cpu.lse = (h & A64_HWCAP_ATOMICS) != 0;
    p->host_cpu.lrcpc = (h & A64_HWCAP_LRCPC) != 0;
    p->host_cpu.lse2 = (h & A64_HWCAP_USCAT) != 0;
    p->host_cpu.afp = (h2 & A64_HWCAP2_AFP) != 0;
#endif
}

void rt_memorder_shared(RtProcess *p, const char *why)
{
    if (p->opt.tso != RT_TSO_AUTO || __atomic_load_n(&p->gi.tso, __ATOMIC_RELAXED))
        return;
    /* Other threads (if any: a CLONE_THREAD child exists only after this) are stopped, so
     * none translates with the old flag or runs an old block after the flush. */
    rt_exclusive_begin(p);
    if (!p->gi.tso) {
        p->gi.tso = true;
        rt_cache_flush(p);
        p->stats.tso_switches++;
        if (p->log.mask)
            rt_log_printf(p, "ferry: TSO memory order on (%s): code cache flushed\n", why);
    }
    rt_exclusive_end(p);
}

const char *rt_memorder_describe(const RtProcess *p, char *buf, size_t len)
{
    static const char *const mode[] = { "auto", "on", "off" };
#if defined(__x86_64__) || defined(__i386__)
    snprintf(buf, len, "the host's own (x86), -tso %s has no effect", mode[p->opt.tso]);
    return buf;
#endif
    int n = snprintf(buf, len, "%s, %s now", mode[p->opt.tso], p->gi.tso ? "on" : "off");
#if defined(__aarch64__)
    if (n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " (host: LSE %s, LRCPC %s, LSE2 %s, AFP %s)",
                 p->host_cpu.lse ? "yes" : "no", p->host_cpu.lrcpc ? "yes" : "no",
                 p->host_cpu.lse2 ? "yes" : "no", p->host_cpu.afp ? "yes" : "no");
#else
    (void)n;
#endif
    return buf;
}
