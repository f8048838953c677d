/* rt.h — the Linux user-mode runtime: per-process and per-thread state, and the functions the
 * runtime's files offer each other.
 *
 * One RtProcess per guest process (memory layout, brk, mapping table, code cache, block table,
 * options, logs, statistics, recorded signal dispositions) and one RtThread per guest thread
 * (X86State, jump cache, recorded signal mask). Guest base is 0: a guest address is the host
 * address of the same byte, so guest pointers are used directly once they have been checked
 * against the mapping table (mem_map.c).
 *
 * Who owns what:
 *   main.c, options.c   command line -> RtOptions, start-up order
 *   elf_load.c          PT_LOAD segments into guest memory, entry, program headers
 *   stack.c             the initial stack (argv, envp, auxv) and entry registers
 *   mem_map.c, mem.c    the guest mapping table; brk, mmap family, safe copies, code fetch
 *   mem_files.c         the files behind the segments ferry loaded (for /proc/self/maps)
 *   proc_self.c         /proc/self/maps, cmdline, environ, auxv as the guest's
 *   codecache.c         the dual-mapped code region and the trampoline
 *   blocks.c            block table, jump cache, chaining of direct exits
 *   blocks_index.c      host pc -> compiled block, for faults
 *   translate.c         guest pc -> RtBlock (frontend, passes, verifier, backend, logs)
 *   dispatch.c          the loop that runs blocks and acts on exit words; guest termination
 *   threads.c           guest threads (clone with CLONE_THREAD), thread exit, robust lists,
 *                       the running/exclusive protocol that makes flushes safe
 *   fault.c             the host signal handler: faults -> guest fault or internal error,
 *                       every other host signal -> signal.c
 *   signal.c            guest signals: host dispositions and mask, pending signals, delivery
 *   sigframe.c          the x86-64 rt_sigframe: built for a handler, read back by rt_sigreturn
 *   syscall.c, sys_*.c, strace.c, syscalls.def   Linux system calls and -strace
 *   log.c               -d channels, Capstone disassembly, -d stats
 */
#ifndef FERRY_RT_H
#define FERRY_RT_H

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <stdio.h>
#include "ir/ir.h"
#include "ir/backend.h"
#include "frontend-x86/frontend.h"
#include "frontend-x86/x86_state.h"
#include "runtime/guest_abi.h"

#define RT_PAGE_SIZE 4096ull
#define RT_PAGE_DOWN(a) ((uint64_t)(a) & ~(RT_PAGE_SIZE - 1))
#define RT_PAGE_UP(a)   (((uint64_t)(a) + RT_PAGE_SIZE - 1) & ~(RT_PAGE_SIZE - 1))
/* First address past the x86-64 user address space (47-bit, as Linux's TASK_SIZE_MAX). */
#define RT_USER_TOP 0x00007ffffffff000ull
/* Room for the guest stack at the top of the guest's space, below which mmap(NULL) searches
 * (Linux's stack gap below mmap_base). */
#define RT_STACK_GAP (256ull << 20)

/* ---------------------------------------------------------------- options (options.c) */

/* -d channels. */
enum {
    RT_LOG_IN_ASM  = 1u << 0,   /* guest code of each translated block (Capstone) */
    RT_LOG_IR      = 1u << 1,   /* IR as the frontend emitted it */
    RT_LOG_OPT     = 1u << 2,   /* IR after the passes */
    RT_LOG_OUT_ASM = 1u << 3,   /* host code of each block (Capstone) */
    RT_LOG_EXEC    = 1u << 4,   /* each block the dispatcher runs (chaining off) */
    RT_LOG_STATS   = 1u << 5,   /* translation and execution statistics at exit */
    RT_LOG_PERFMAP = 1u << 6,   /* /tmp/perf-PID.map: host code -> guest pc, for `perf report` */
    RT_LOG_INT     = 1u << 7,   /* system mode: each interrupt and exception delivered */
    RT_LOG_JITDUMP = 1u << 8,   /* jit-PID.dump: each block's name and code, for `perf inject` */
};

typedef struct RtEnvEdit {
    const char *text;           /* "VAR=VALUE" for -E, "VAR" for -U */
    bool unset;                 /* true for -U */
} RtEnvEdit;

/* RtOptions.tso: when generated code keeps x86's memory order (IrGuestInfo.tso, memorder.c). */
enum { RT_TSO_AUTO = 0, RT_TSO_ON, RT_TSO_OFF };

typedef struct RtOptions {
    const char *sysroot;        /* -L DIR: guest sysroot (NULL or "/": the host's files) */
    unsigned log_mask;          /* -d: RT_LOG_* bits */
    const char *log_file;       /* -D FILE, NULL for stderr */
    int log_fd;                 /* --log-fd N: log to inherited descriptor N (execve), or -1 */
    bool strace;                /* -strace */
    const char *cpu_model;      /* -cpu NAME (validated; there is one model) */
    const char *argv0;          /* -0 ARGV0: the guest's argv[0], NULL to keep PROGRAM */
    bool single_step;           /* -singlestep: one guest instruction per block */
    bool interp;                /* --interp: run IR with the reference interpreter */
    int tso;                    /* -tso: RT_TSO_AUTO (default), RT_TSO_ON or RT_TSO_OFF */
    const char *exec_wrapper;   /* --exec-wrapper PATH: execve runs PATH FERRY ... (sys_exec.c) */
    RtEnvEdit *env_edits;       /* -E / -U in command-line order */
    unsigned n_env_edits;
    const char *program;        /* PROGRAM as given */
    int guest_argc;             /* PROGRAM and its ARGS */
    char **guest_argv;          /* points into main's argv (guest_argv[0] is PROGRAM) */
} RtOptions;

/* Parse the command line. Help, version and list requests print and exit 0; usage errors
 * print one message and exit 1. */
void rt_options_parse(RtOptions *o, int argc, char **argv);
/* A -d list into RT_LOG_* bits (ORed into *mask): 0, or -1 for an unknown item. */
int rt_log_items_parse(const char *list, unsigned *mask);
/* What -d help prints. */
void rt_log_items_help(FILE *f);
/* The guest environment: a copy of `env` with the -E/-U edits applied in order (malloc'd,
 * NULL-terminated). */
char **rt_env_build(const RtOptions *o, char **env);
/* The options a ferry started by the guest's execve gets to behave as this one does (-L, -d,
 * the log, -strace, -cpu, -singlestep, --interp, -tso, --exec-wrapper; not -E/-U/-0, which the guest's own argv and
 * envp replace). Writes at most max pointers into out (strings point into o or into static
 * storage valid until the next call) and returns how many. */
int rt_options_for_exec(const RtOptions *o, int log_fd, const char **out, int max);
/* The name of the one CPU model (-cpu help). */
extern const char rt_cpu_model_name[];

/* ---------------------------------------------------------------- guest memory (mem*.c) */

/* One run of guest pages with the same guest protection. */
typedef struct RtMapping {
    uint64_t start, end;        /* page-aligned guest range [start, end) */
    int prot;                   /* guest PROT_READ|PROT_WRITE|PROT_EXEC as the guest asked */
} RtMapping;

/* Every range the guest may touch, sorted and non-overlapping (adjacent runs with the same
 * protection are merged). ferry's own memory never appears here. */
typedef struct RtMemMap {
    RtMapping *v;
    size_t n, cap;
} RtMemMap;

void rt_map_init(RtMemMap *m);
void rt_map_free(RtMemMap *m);
/* Record [start, end) with protection prot, replacing whatever was recorded there. */
void rt_map_add(RtMemMap *m, uint64_t start, uint64_t end, int prot);
/* Forget [start, end). */
void rt_map_remove(RtMemMap *m, uint64_t start, uint64_t end);
/* The first mapping that ends above addr (it may hold addr or lie above it), or NULL. */
const RtMapping *rt_map_next(const RtMemMap *m, uint64_t addr);
/* The mapping holding addr, or NULL. */
const RtMapping *rt_map_find(const RtMemMap *m, uint64_t addr);
/* How many bytes from addr on (at most len) are recorded contiguously with every bit of
 * host_prot in their host protection (0: any recorded mapping). */
uint64_t rt_map_prefix(const RtMemMap *m, uint64_t addr, uint64_t len, int host_prot);
/* True if every byte of [addr, addr + len) is recorded with host_prot (len 0: true). */
static inline bool rt_map_covers(const RtMemMap *m, uint64_t addr, uint64_t len, int host_prot)
{
    return rt_map_prefix(m, addr, len, host_prot) == len;
}
/* True if any recorded byte of [start, end) has all the protection bits in `prot`. */
bool rt_map_any_prot(const RtMemMap *m, uint64_t start, uint64_t end, int prot);

/* A guest range whose contents ferry copied from a file (the ELF segments it loads): what
 * /proc/self/maps shows for it (mem_files.c). */
typedef struct RtFileRange {
    uint64_t start, end;        /* page-aligned guest range */
    uint64_t offset;            /* file offset of start */
    uint64_t dev, ino;          /* st_dev, st_ino of the file */
    char *path;                 /* absolute host path (malloc'd) */
} RtFileRange;

typedef struct RtFileRanges {
    RtFileRange *v;             /* sorted, disjoint */
    size_t n, cap;
} RtFileRanges;

/* Record [start, end) as coming from path at offset (replacing what was recorded there). */
void rt_files_add(RtFileRanges *r, uint64_t start, uint64_t end, uint64_t offset, uint64_t dev,
                  uint64_t ino, const char *path);
/* Forget [start, end): the guest mapped, unmapped or moved it. */
void rt_files_forget(RtFileRanges *r, uint64_t start, uint64_t end);
/* The first entry that ends above addr, or NULL. */
const RtFileRange *rt_files_next(const RtFileRanges *r, uint64_t addr);
void rt_files_free(RtFileRanges *r);

/* The host protection for a guest protection: ferry never runs guest code, so PROT_EXEC
 * becomes PROT_READ (ferry reads code to translate it). */
int rt_host_prot(int guest_prot);

/* ---------------------------------------------------------------- code cache and blocks */

typedef struct RtProcess RtProcess;
typedef struct RtThread RtThread;
typedef struct RtBlock RtBlock;
typedef struct RtSmcTable RtSmcTable;

/* One exit of a block (by exit index: EXIT_IF and EXIT in IR order), as chaining sees it. */
typedef struct RtExitSlot {
    bool direct;                /* a direct jump to a constant pc: chainable */
    bool patched;               /* jumps straight to the target block's code */
    uint32_t patch_offset;      /* offset of the patchable jump from the block's code */
    uint64_t target_pc;         /* guest pc the exit continues at (direct exits) */
    RtBlock *owner;             /* the block this exit belongs to */
    struct RtExitSlot *pending_next; /* next unpatched exit with a target in the same bucket */
} RtExitSlot;

/* One entry of a block's host pc -> guest instruction map: the guest instruction at
 * pc + guest_off starts at code + host_off, or has a fault point there whose n_keep keeps,
 * from RtBlock.keeps[keep_first], the state lacks (ir/backend.h, BackendInsnMap). */
typedef struct RtInsnMap {
    uint32_t host_off;
    uint32_t guest_off;
    uint16_t keep_first, n_keep;
} RtInsnMap;

struct RtBlock {
    uint64_t pc;                /* guest pc of the first instruction */
    uint32_t guest_len;         /* guest bytes covered */
    uint32_t guest_insns;       /* guest instructions covered */
    uint64_t hash;              /* XXH64 of the guest bytes, to validate the translation */
    uint8_t *code;              /* executable address of the host code; NULL: interpreted */
    uint32_t code_size;         /* bytes of host code */
    uint32_t host_insns;        /* host instructions (for -d stats) */
    IrBlock *ir;                /* the IR, kept only for interpreted blocks */
    RtInsnMap *insn_map;        /* host pc -> guest instruction (ir/backend.h), malloc'd; NULL
                                   when the backend kept none: faults are then not precise */
    uint32_t n_insn_map;        /* entries of insn_map, host offsets nondecreasing */
    BackendKeep *keeps;         /* the map entries' keeps (ir/backend.h), malloc'd */
    uint32_t n_keeps;
    FeStatus fe_status;         /* why the block's last instruction traps (FE_OK: it does not
                                   trap because of translation) */
    uint64_t bad_pc;            /* that instruction's pc */
    bool user_exec;             /* system mode: every page it was fetched from may be executed
                                   at privilege level 3 (user mode: always true) */
    uint8_t mode;               /* the X86Mode it was translated for (FeOptions.mode): a block
                                   is found only while the CPU is in that mode */
    /* Tiers (translate.c): a cold block comes from the fast pipeline; it is never a chain
     * target, and its jump cache entry has no code, so every entry to it is through the
     * dispatcher, which counts them in heat. At RT_HOT_THRESHOLD it is translated again by
     * the full pipeline; `hot` is then that block (it hides this one in the table). */
    bool cold;
    uint32_t heat;              /* dispatches so far (atomic, relaxed: a count, not a lock) */
    RtBlock *hot;               /* the retranslation, once there is one (atomic) */
    bool retired;               /* replaced by `hot`: out of the table and the pending index
                                   (rt_block_retire), kept until the flush */
    RtBlock *hash_next;         /* next block in the same table bucket */
    RtBlock *all_next;          /* next block in creation order (flush, fault lookup) */
    uint32_t n_exits;           /* entries of exits[] */
    RtExitSlot exits[];         /* direct exits, by exit index */
};

/* Host pc -> compiled block (blocks_index.c): the compiled blocks of the current cache fill
 * in code order, in chunks that never move (lookups come from signal handlers). */
#define RT_CODE_INDEX_CHUNK  4096u
#define RT_CODE_INDEX_CHUNKS 1024u
typedef struct RtCodeIndexEntry {
    uintptr_t start;            /* b->code */
    RtBlock *b;
} RtCodeIndexEntry;
typedef struct RtCodeIndex {
    RtCodeIndexEntry *chunk[RT_CODE_INDEX_CHUNKS];  /* entry i: chunk[i / CHUNK][i % CHUNK] */
    size_t n;                   /* entries published (release store after the entry) */
    bool unsorted;              /* an insert broke the order or overflowed: walk every block */
} RtCodeIndex;

typedef struct RtBlockTable {
    RtBlock **bucket;           /* hash of pc -> chain of blocks */
    uint32_t mask;              /* buckets - 1 (a power of two) */
    RtExitSlot **pending;       /* hash of target pc -> unpatched exits going there */
    uint32_t pending_mask;
    RtBlock *all;               /* every block, newest first */
    size_t count;               /* blocks in the table */
    RtCodeIndex by_code;        /* host pc -> compiled block */
} RtBlockTable;

typedef struct RtCodeCache {
    uint8_t *rw;                /* writable view of the region */
    uint8_t *rx;                /* executable view (the same pages) */
    size_t size;                /* bytes in the region */
    CodeBuf cb;                 /* where the backend writes next */
    BackendEnterFn enter;       /* the trampoline of the current fill */
    uint8_t *blocks_start;      /* writable address of the first block (after the trampoline) */
    unsigned memfd_flags;       /* MFD_* flags that gave an executable memfd (fork reuses them) */
} RtCodeCache;

/* ---------------------------------------------------------------- logs and statistics */

typedef struct RtLog {
    FILE *f;                    /* -D file, or stderr */
    unsigned mask;              /* RT_LOG_* */
    size_t cs_guest, cs_host;   /* Capstone handles (csh), opened on first use */
    int perfmap_pid;            /* -d perfmap: the process that wrote /tmp/perf-PID.map
                                   (another one, a forked child, starts its own), or 0 */
    int jitdump_pid;            /* -d jitdump: the process whose dump jitdump_path is, or 0 */
    uint64_t jitdump_index;     /* the next JIT_CODE_LOAD record's code_index */
    char jitdump_path[256];     /* DIR/jit-PID.dump (perf.c) */
    bool cs_guest_open, cs_host_open;
} RtLog;

typedef struct RtStats {
    uint64_t blocks_translated; /* blocks given to the frontend (including retranslations) */
    uint64_t guest_insns;       /* guest instructions in those blocks */
    uint64_t translate_ns;      /* CPU time spent translating (frontend to host code) */
    uint64_t cold_blocks, cold_insns, cold_ns;  /* of which by the fast tier (translate.c) */
    uint64_t hot_blocks, hot_insns, hot_ns;     /* of which cold blocks translated again hot */
    uint64_t cold_retired;      /* cold blocks their hot copies replaced (rt_block_retire) */
    uint64_t cold_retired_bytes;/* their host code, dead in the cache until the next flush */
    uint64_t code_bytes;        /* host code bytes emitted for blocks */
    uint64_t host_insns;        /* host instructions emitted for blocks */
    uint64_t interp_blocks;     /* blocks that run through the interpreter */
    /* The stack window (ir.h, ir_sp_window): accesses left unchecked, exits given a check,
     * indirect exits sent through the runtime; instructions the dispatcher interpreted
     * because rsp lay outside the window (dispatch.c). */
    uint64_t sp_unchecked, sp_exit_checks, sp_exits_stack, sp_steps;
    uint64_t loads_merged;      /* opt_load_cse, user mode */
    uint64_t flushes;           /* code cache flushes */
    uint64_t tso_switches;      /* flushes to turn TSO on (memorder.c) */
    uint64_t blocks_executed;   /* blocks entered from the dispatcher (chained runs of blocks
                                   count once), by threads that have exited: each live thread
                                   counts its own (RtThread.n_blocks) */
    uint64_t syscalls;          /* system calls performed (likewise: RtThread.n_syscalls) */
} RtStats;

/* ---------------------------------------------------------------- process and thread */

/* What the guest recorded with rt_sigaction (signal.c mirrors it in the host disposition). */
typedef struct RtSigAction {
    uint64_t handler;           /* guest sa_handler (0 = SIG_DFL, 1 = SIG_IGN) */
    uint64_t flags;             /* sa_flags */
    uint64_t restorer;          /* sa_restorer */
    uint64_t mask;              /* sa_mask */
} RtSigAction;

struct RtProcess {
    RtOptions opt;              /* the command line */
    const char *exe_path;       /* absolute path of the guest program (/proc/self/exe) */
    const char *exec_fn;        /* the path as given (AT_EXECFN) */
    const char *ferry_path;     /* host path of ferry's own binary (execve re-runs it) */

    /* Layout of the loaded image (elf_load.c). */
    uint64_t load_bias;         /* added to every p_vaddr (0 for ET_EXEC) */
    uint64_t entry;             /* the program's entry point (biased; AT_ENTRY) */
    uint64_t interp_base;       /* load bias of the dynamic loader (AT_BASE), 0 if none */
    uint64_t start_pc;          /* where the guest starts: the loader's entry, or entry */
    uint64_t phdr_addr;         /* guest address of the program headers (AT_PHDR) */
    uint32_t phnum;             /* AT_PHNUM */
    uint32_t phent;             /* AT_PHENT */
    uint64_t image_lo, image_hi;/* lowest and highest guest address of the segments */
    uint64_t stack_lo, stack_hi;/* the guest stack mapping (without its guard page) */

    /* brk (mem.c): [brk_start, brk_cur) is the guest heap; [brk_start, brk_mapped) mapped. */
    uint64_t brk_start;         /* page after the highest segment */
    uint64_t brk_cur;           /* current break */
    uint64_t brk_mapped;        /* end of the pages mapped for the heap */

    RtMemMap map;               /* every guest-accessible range */
    /* The guest's share of the address space (space.c): [0, user_top) (gi.guest_limit when
     * there is a guard, else RT_USER_TOP); guest mmap(NULL) searches down from mmap_top. */
    uint64_t user_top;
    uint64_t mmap_top;
    RtFileRanges files;         /* the files behind the segments ferry loaded (maps) */

    /* What /proc/self/cmdline, environ and auxv show (stack.c, proc_self.c). */
    uint64_t arg_start, arg_end;/* the guest's argv strings */
    uint64_t env_start, env_end;/* its environment strings */
    uint64_t *auxv;             /* a copy of the initial auxv, AT_NULL pair included */
    size_t auxv_words;          /* 64-bit words in auxv */

    /* Translation. */
    const Backend *backend;     /* host backend, NULL when only the interpreter is available */
    IrGuestInfo gi;             /* fe_guest_info(0); gi.tso set by memorder.c */
    bool vfork_is_fork;         /* the host's vfork does not share memory (an emulator's:
                                   rt_vfork_probe), so a guest vfork is a fork */
    struct {                    /* what the host CPU has (memorder.c; aarch64 HWCAPs) */
        bool lse, lrcpc, lse2, afp;
    } host_cpu;
    FeOptions fe_opt;           /* block size, single-step */
    bool chain;                 /* patch direct exits (off under -d exec and --interp) */
    bool tiering;               /* new blocks are cold, hot ones retranslated (translate.c):
                                   user mode with chaining and superblocks */
    RtCodeCache cache;          /* the code region */
    RtBlockTable blocks;        /* translated blocks */
    IrBlock *scratch;           /* IR block reused by every translation */
    struct RtSmcTable *smc;     /* the write-protected code pages (smc.c), NULL until one */
    volatile int smc_dirty;     /* a protected code page was written: flush before the next
                                   block (atomic; cleared by the flush) */

    /* Threads (threads.c). Locks, in the order they are taken: exclusive section, then
     * tb_lock, then mm_lock, then lock. */
    pthread_mutex_t lock;       /* threads, n_threads, excl_*, sigact writes */
    pthread_cond_t excl_cond;   /* a thread stopped running, or an exclusive section ended */
    RtThread *threads;          /* every live guest thread */
    int n_threads;              /* entries of threads */
    volatile int excl_pending;  /* an exclusive section is wanted or running: running threads
                                   stop at their next safe point (rt_thread_safepoint) */
    bool excl_active;           /* an exclusive section runs (another waits for its end) */
    pthread_mutex_t tb_lock;    /* translation: block table inserts, chaining, the code
                                   buffer, the scratch IR, the translation statistics */
    pthread_rwlock_t mm_lock;   /* the mapping table and brk: readers are the safe copies and
                                   code fetch, writers the mmap family */
    void *exec_pending;         /* execve's copy of argv/envp while the host execve runs: a
                                   vfork parent frees what its child left (sys_exec.c) */
    RtSigAction sigact[65];     /* recorded dispositions, by guest signal number (written
                                   under lock) */
    int log_fd;                 /* ferry's own descriptor for -D (the guest may not touch it),
                                   or -1 */
    RtLog log;                  /* -d channels */
    RtStats stats;              /* -d stats */
    struct RtMachine *machine;  /* system mode: the machine (machine.h); NULL in user mode */
    bool fetch_user_exec;       /* system mode: the code fetched for the translation under way
                                   may all run at privilege level 3 (machine_mmu.c clears it) */
};

/* RtThread.in_guest. */
enum {
    RT_IN_RUNTIME = 0,          /* ferry's own code (dispatcher, translation, system calls) */
    RT_IN_CODE,                 /* the code cache and the helpers it calls */
    RT_IN_INTERP,               /* the reference interpreter (it returns after each block) */
};

#define RT_JC_BITS 12
#define RT_JC_SIZE (1u << RT_JC_BITS)

/* The layout generated code reads inline (ir/backend.h: guest_pc, then code). */
typedef struct RtJcEntry {
    uint64_t pc;                /* guest pc, valid when blk != NULL */
    const void *code;           /* blk's host code, or the backend's miss routine
                                   (CodeBuf.jc_miss) if there is none: no entry, an
                                   interpreted or a cold block (ir/backend.h) */
    RtBlock *blk;
    uint64_t unused;            /* pads the entry to BACKEND_JC_ENTRY_SIZE */
} RtJcEntry;
_Static_assert(sizeof(RtJcEntry) == BACKEND_JC_ENTRY_SIZE && offsetof(RtJcEntry, code) == 8,
               "RtJcEntry must have the layout of ir/backend.h's jump cache entries");

struct RtThread {
    /* The jump cache lies right below the state that generated code pins a pointer to, so
     * an aarch64 probe reaches an entry with one LDP (backend-aarch64/abi.c); its entries
     * are 32-byte aligned (the state is 64-byte aligned and the table's size a multiple of
     * 64). */
    _Alignas(64) RtJcEntry jc[RT_JC_SIZE]; /* direct-mapped jump cache: pc -> block */
    X86State state;             /* generated code and helpers get a pointer to it
                                   (rt_thread_of_state goes back) */
    /* Non-zero: the thread must come back to the dispatcher before guest code runs on, to
     * take a signal (rt_signal_deliver) or stop for an exclusive section. Generated code
     * reads it at every backward direct exit and before every inline jump-cache jump
     * (IrGuestInfo.irq_offset), so even a chained loop leaves within one iteration; the
     * dispatcher reads it before entering a block. Set by host signal handlers and other
     * threads: a plain int, written whole. */
    volatile sig_atomic_t interrupt;
    RtProcess *proc;            /* the process this thread belongs to */
    BackendRas ras;             /* return stack (ir/backend.h): cleared with the jump cache */
    RtBlock *volatile cur_block;/* block entered last by the dispatcher (fault reports) */
    volatile sig_atomic_t in_guest; /* RT_IN_*: where the thread is (fault.c, signal.c) */
    IrInterpFrame iframe;       /* where the interpreter is, while it runs a block for this
                                   thread (ir.h): a fault there is precise (fault.c) */
    int tid;                    /* host thread id (the guest's too) */
    uint64_t clear_child_tid;   /* set_tid_address */
    uint64_t robust_list;       /* set_robust_list head */
    /* Signals (signal.c). Bit n-1 of a mask stands for signal n. */
    uint64_t sigmask;           /* the guest's blocked signals */
    uint64_t saved_sigmask;     /* the mask rt_sigsuspend replaced, while sigmask_saved: the
                                   frame of the signal that ends the wait records it */
    bool sigmask_saved;
    volatile uint64_t sigpending; /* signals taken for the guest and not yet delivered; the host
                                   handler sets bits: change only with __atomic operations */
    GuestSiginfo siginfo[GUEST_NSIG + 1]; /* the siginfo of each pending signal */
    int64_t restart_nr;         /* system call that returned -EINTR: restart it or not when the
                                   signal is delivered (-1: none) */
    bool regs_replaced;         /* rt_sigreturn loaded every register: rt_syscall must not set
                                   RAX, RCX and R11 */
    uint64_t trap_nr, trap_err, trap_cr2; /* of the last trap (uc_mcontext trapno, err, cr2) */
    sigjmp_buf fault_jmp;       /* rt_run's: the host handler comes back here after a precise
                                   guest fault in generated code (fault.c) */
    volatile sig_atomic_t fault_jmp_set; /* fault_jmp is valid (rt_run has started) */
    bool smc_step;              /* rt_run: run the instruction at smc_step_pc alone through the
                                   interpreter (it wrote a protected code page, smc.c) */
    uint64_t smc_step_pc;
    IrBlock *step_ir;           /* rt_step_insn's IR (NULL until used) */
    uint64_t altstack_sp;       /* sigaltstack, as the kernel keeps it */
    uint64_t altstack_size;     /* 0: no alternate stack */
    uint32_t altstack_flags;    /* ss_flags as given (SS_DISABLE when none), SS_AUTODISARM kept */
    /* Threads (threads.c). */
    volatile int running;       /* may use blocks, jump caches and the code cache: everywhere
                                   but in system calls and while stopped for an exclusive
                                   section (atomic accesses) */
    bool main_thread;           /* ferry's initial host thread (exit ends it with the status) */
    jmp_buf exit_jmp;           /* other threads: exit comes back to the thread's start */
    int exit_status;            /* what exit gave, for the host thread's end */
    uint64_t n_blocks;          /* -d stats: blocks entered from the dispatcher */
    uint64_t n_syscalls;        /* -d stats: system calls */
    RtThread *next;             /* next thread of the process */
};

/* ---------------------------------------------------------------- functions by file */

/* elf_load.c: load PROGRAM (and its PT_INTERP loader, under the -L sysroot) into guest
 * memory and fill the layout fields of p. On failure prints "ferry: PATH: <reason>" and exits
 * (127: missing program or loader, 126: any other reason). */
void rt_elf_load(RtProcess *p, const char *path);
/* The same validation of the program at host path `path` and of its loader, without loading:
 * 0, or the -errno execve reports (-ENOENT, -EACCES, -ENOEXEC, -ELIBBAD, ...) with the reason
 * in why (n bytes). */
int rt_elf_check(const RtOptions *o, const char *path, char *why, size_t n);

/* sys_path.c: the host path for guest path `path` under the -L sysroot. An absolute path
 * other than /proc, /sys and /dev becomes SYSROOT/path (symbolic links resolved inside the
 * sysroot; the last one only with follow) when that exists; otherwise, and without -L, the
 * path is the host's. Returns buf (n bytes) when it wrote the sysroot's path there, else
 * path. */
const char *rt_sysroot_path(const RtOptions *o, const char *path, char *buf, size_t n,
                            bool follow);

/* proc_self.c: if path (as sys_path.c translated it) names a /proc file ferry shows from the
 * guest's point of view (/proc/self, /proc/thread-self or /proc/<own pid>, files maps,
 * cmdline, environ, auxv), open a snapshot of it for the guest: true with *ret the new
 * descriptor or -errno. False: the path is not one of them. */
bool rt_proc_open(RtThread *t, const char *path, int guest_flags, int64_t *ret);
/* The guest's /proc/self/maps, as Linux would write it (malloc'd; *len bytes). NULL when
 * ferry runs out of memory or cannot read the host's maps. */
char *rt_proc_maps(RtProcess *p, size_t *len);

/* stack.c: map the 8 MiB guest stack, build argc/argv/envp/auxv on it and set the entry
 * registers of t (x86_state_init, rsp, rip). Returns 0, or -errno (E2BIG, ENOMEM). */
int rt_stack_setup(RtProcess *p, RtThread *t, int argc, char **argv, char **envp);

/* space.c: the guest limit (choose it, reserve the guard, set p->gi), a thread state's
 * copy of it, and guest placement: the highest free range of len bytes (aligned) below top
 * in the guest's table (0 if none; top 0 = user_top), and mmap there (MAP_FIXED_NOREPLACE,
 * moving down past memory the table does not know), as mmap returns. */
void rt_space_init(RtProcess *p);
/* addr lies in memory of ferry's that was below the guest limit at start-up (an ASan
 * build's shadow): to the guest it is unmapped. Async-signal-safe. */
bool rt_space_is_ferry(uint64_t addr);
void rt_space_thread_init(const RtProcess *p, X86State *s);
uint64_t rt_space_find(const RtProcess *p, uint64_t len, uint64_t align, uint64_t top);
void *rt_space_map(const RtProcess *p, uint64_t len, uint64_t align, uint64_t top, int prot,
                   int flags, int fd, off_t off);

/* mem.c */
void rt_mem_init(RtProcess *p);
uint64_t rt_brk(RtProcess *p, uint64_t addr);       /* Linux brk semantics */
int64_t rt_mmap(RtProcess *p, uint64_t addr, uint64_t len, int prot, int flags, int fd,
                uint64_t off);
int64_t rt_munmap(RtProcess *p, uint64_t addr, uint64_t len);
int64_t rt_mprotect(RtProcess *p, uint64_t addr, uint64_t len, int prot);
int64_t rt_mremap(RtProcess *p, uint64_t old, uint64_t old_len, uint64_t new_len, int flags,
                  uint64_t new_addr);
int64_t rt_madvise(RtProcess *p, uint64_t addr, uint64_t len, int advice);
/* Safe copies between ferry and guest memory: 0, or -EFAULT if any byte is not guest memory
 * or not accessible. Never fault. */
int rt_copy_from_guest(const RtProcess *p, void *dst, uint64_t src, size_t n);
int rt_copy_to_guest(const RtProcess *p, uint64_t dst, const void *src, size_t n);
/* Copy a NUL-terminated guest string into dst (size max). Returns its length, -EFAULT, or
 * -ENAMETOOLONG when no NUL is found within max - 1 bytes. */
int64_t rt_strncpy_from_guest(const RtProcess *p, char *dst, uint64_t src, size_t max);
/* True if [addr, addr + len) is guest memory (so the host kernel may be handed the pointer). */
bool rt_guest_range_ok(const RtProcess *p, uint64_t addr, uint64_t len);
/* How many bytes of [addr, addr + len) are guest memory from addr on: buffers the kernel fills
 * or reads are clamped to it, as Linux stops at the first unmapped byte. */
uint64_t rt_guest_prefix(const RtProcess *p, uint64_t addr, uint64_t len);
/* The guest protection of the page holding addr, or -1 if it is not guest memory. */
int rt_guest_prot(const RtProcess *p, uint64_t addr);
/* FeFetchFn: copy guest code bytes (only from executable guest mappings). */
size_t rt_fetch_code(void *opaque_process, uint64_t pc, uint8_t *buf, size_t n);

/* codecache.c */
int rt_cache_init(RtProcess *p, size_t size);        /* 0 or -errno */
void rt_cache_flush(RtProcess *p);                   /* empty cache, table and jump caches */
/* fork: before forking, the memfd of the child's own region (*fd, -1 when there is no code
 * region): 0 or -errno. After forking, the child maps it over both views and flushes (its
 * blocks are gone, it retranslates); the parent closes it. */
int rt_cache_fork_prepare(RtProcess *p, int *fd);
void rt_cache_fork_child(RtProcess *p, int fd);
void rt_cache_fork_parent(RtProcess *p, int fd);
bool rt_cache_contains(const RtProcess *p, uintptr_t host_pc);
/* Make freshly written code at [exec, exec + n) visible to instruction fetch. */
void rt_cache_sync(void *exec, size_t n);

/* smc.c: write protection of the guest pages translated code came from (self-modifying code).
 * protect: under tb_lock, before translation reads code and for a block just recorded; true
 * if it protected a page that was not protected already. write_fault: from the host fault handler
 * (async-signal-safe): SMC_FAULT_OPENED if addr is on a page ferry protected, which is then
 * writable again and the process dirty (rt_run flushes before the next block); SMC_FAULT_RETRY
 * if the page's entry may have been removed by another thread's mapping change after the write
 * faulted (the host instruction is simply run again: a second fault there is the guest's);
 * SMC_FAULT_NONE: not ferry's protection. unprotect_all: every protected
 * page writable again (a system call failed with EFAULT); true if there was one. forget: mem.c,
 * under mm_lock (write), the range's mapping changes (its pages are unprotected first).
 * clear: the flush, every other thread stopped. */
bool rt_smc_protect(RtProcess *p, uint64_t start, uint64_t len);  /* true: a page newly */
typedef enum RtSmcFault { SMC_FAULT_NONE, SMC_FAULT_OPENED, SMC_FAULT_RETRY } RtSmcFault;
RtSmcFault rt_smc_write_fault(RtProcess *p, uint64_t addr);
bool rt_smc_unprotect_all(RtProcess *p);
void rt_smc_forget(RtProcess *p, uint64_t start, uint64_t end);
void rt_smc_clear(RtProcess *p);

/* blocks.c */
void rt_blocks_init(RtBlockTable *t);
void rt_blocks_clear(RtProcess *p);                  /* free every block, reset jump caches */
RtBlock *rt_block_alloc(uint64_t pc, uint32_t n_exits);
void rt_block_insert(RtProcess *p, RtBlock *b);      /* add to the table (replacing pc) */
RtBlock *rt_block_lookup(const RtProcess *p, uint64_t pc);
void rt_blocks_free(RtBlockTable *t);                /* the table's own memory (after clear) */

/* blocks_index.c: host pc -> block (NULL outside every compiled block); signal-safe. */
RtBlock *rt_block_by_host_pc(const RtProcess *p, uintptr_t host_pc);
void rt_code_index_append(RtCodeIndex *x, RtBlock *b);  /* under tb_lock, b compiled */
void rt_code_index_clear(RtCodeIndex *x);               /* flush: every other thread stopped */
void rt_code_index_free(RtCodeIndex *x);
/* Chaining: patch b's exits whose targets are compiled, and earlier blocks' exits that go to
 * b's pc. No-op when chaining is off or b is interpreted. Under tb_lock. */
void rt_block_chain(RtProcess *p, RtBlock *b);
/* A cold block its hot retranslation replaced: out of the table and the pending index (its
 * code and record stay until the flush: it may be running). Under tb_lock. */
void rt_block_retire(RtProcess *p, RtBlock *b);
_Static_assert(offsetof(RtThread, state) % 64 == 0 &&
               offsetof(RtThread, state) == sizeof(RtJcEntry) * RT_JC_SIZE,
               "the state starts a cache line, right after the jump cache");
/* The thread whose state generated code and helpers were given. */
static inline RtThread *rt_thread_of_state(void *state)
{
    return (RtThread *)(void *)((char *)state - offsetof(RtThread, state));
}
static inline uint32_t rt_jc_index(uint64_t pc)
{
    return (uint32_t)((pc ^ (pc >> RT_JC_BITS)) & (RT_JC_SIZE - 1));
}
static inline RtBlock *rt_jc_lookup(const RtThread *t, uint64_t pc)
{
    const RtJcEntry *e = &t->jc[rt_jc_index(pc)];
    return e->blk && e->pc == pc ? e->blk : NULL;
}
static inline void rt_jc_insert(RtThread *t, RtBlock *b)
{
    RtJcEntry *e = &t->jc[rt_jc_index(b->pc)];
    e->pc = b->pc;
    /* inline lookups of a cold block miss (counted), as do those of an interpreted one */
    e->code = b->cold || !b->code ? t->proc->cache.cb.jc_miss : b->code;
    e->blk = b;
}
/* Empty the jump cache (every entry's code the current fill's miss routine) and the return
 * stack. */
void rt_jc_clear(RtThread *t);

/* translate.c: translate the block at pc, insert it and chain it (or find the block another
 * thread has just made). Never NULL. t is running and holds no lock. */
RtBlock *rt_translate(RtThread *t, uint64_t pc);
/* translate.c: count a dispatch of cold block b; at RT_HOT_THRESHOLD translate it again with
 * the full pipeline. Returns the block to run (b, or its hot retranslation). */
RtBlock *rt_block_heat(RtThread *t, RtBlock *b);
/* Run the one guest instruction at the thread's rip through the interpreter, from a
 * translation kept nowhere (the store that wrote a protected code page, smc.c); returns the
 * exit word. t is running and holds no lock. */
uint64_t rt_step_insn(RtThread *t);
/* Do the guest bytes of b still hash to what was translated? */
bool rt_block_valid(RtProcess *p, const RtBlock *b);

/* dispatch.c */
/* A new thread of p, added to p->threads (the caller's host thread is its host thread). */
RtThread *rt_thread_new(RtProcess *p);
RtBlock *rt_block_find(RtThread *t, uint64_t pc);    /* jump cache, table, translate */
_Noreturn void rt_run(RtThread *t);
/* Terminate the process as the default action of signal sig does (flushes logs and stats,
 * resets the host disposition, raises it). */
_Noreturn void rt_die_by_signal(RtProcess *p, int sig);
/* Exit the process with status (flushes logs and stats). */
_Noreturn void rt_exit(RtProcess *p, int status);

/* threads.c */
/* The locks and conditions of a new process (zeroed memory). */
void rt_process_init(RtProcess *p);
/* Running (RtThread.running): a thread uses blocks only while running. rt_thread_leave
 * before a system call (or anything that may wait for other threads), rt_thread_enter after
 * (it waits while an exclusive section runs). */
void rt_thread_enter(RtThread *t);
void rt_thread_leave(RtThread *t);
/* The dispatcher, when t->interrupt is set: stop while an exclusive section is wanted, then
 * deliver signals. */
void rt_thread_safepoint(RtThread *t);
/* An exclusive section: every other thread is stopped at a safe point or in a system call
 * (not running) until rt_exclusive_end. The caller is not running and holds no lock. */
void rt_exclusive_begin(RtProcess *p);
void rt_exclusive_end(RtProcess *p);
/* memorder.c: x86 memory order in generated code (IrGuestInfo.tso, -tso). Init after the
 * options, before the first translation; rt_memorder_shared when the guest may start sharing
 * memory (why: for the log), from a system call (the caller is not running, holds no lock):
 * under -tso auto it turns TSO on and flushes the code cache once. describe: for -d stats. */
void rt_memorder_init(RtProcess *p);
/* sys_clone.c: find out whether the host's vfork shares memory (RtProcess.vfork_is_fork);
 * at start-up, before ferry handles SIGCHLD. */
void rt_vfork_probe(RtProcess *p);
void rt_memorder_shared(RtProcess *p, const char *why);
const char *rt_memorder_describe(const RtProcess *p, char *buf, size_t len);
/* Empty the code cache with every thread stopped: from a running thread (t) holding no lock,
 * or with t NULL from a system call. */
void rt_flush_exclusive(RtProcess *p, RtThread *t);
/* clone with CLONE_VM | CLONE_THREAD (sys_clone.c has checked the flags): a new guest thread
 * on a host thread of its own. The child's tid, or -errno. */
int64_t rt_thread_clone(RtThread *t, uint64_t flags, uint64_t newsp, uint64_t ptid,
                        uint64_t ctid, uint64_t tls);
/* exit: end this guest thread (the last one ends the process with status). */
_Noreturn void rt_thread_exit(RtThread *t, int status);
/* fork, in the child: only t is left (the others' RtThreads are dropped); the locks are
 * made new. Before forking, rt_fork_lock takes every lock so no other thread holds one in
 * the copy; rt_fork_unlock releases them in the parent. */
void rt_fork_lock(RtProcess *p);
void rt_fork_unlock(RtProcess *p);
void rt_fork_child(RtProcess *p, RtThread *t);

/* fault.c */
void rt_fault_install(RtProcess *p);                 /* host SIGSEGV/SIGBUS/SIGFPE handler */
void rt_fault_thread_init(RtThread *t);              /* alternate signal stack, current thread */
/* The guest instruction of host pc `pc` inside a compiled block with a host pc -> guest map,
 * or 0. Async-signal-safe. */
uint64_t rt_fault_guest_pc(const RtProcess *p, uintptr_t pc);
/* The one host handler (SA_SIGINFO) ferry installs, for faults and for the guest's signals. */
void rt_host_signal_handler(int sig, siginfo_t *si, void *ucontext);

/* signal.c */
/* The thread's initial guest mask and ignored signals from what ferry inherited (a native
 * execve keeps both), then the host mask mirrored. After rt_fault_install. */
void rt_signal_init(RtThread *t);
/* From the host handler: signal sig arrived for the guest (anything but a fault in ferry or
 * guest code): record it pending, keep it blocked on the host until it is delivered, and make
 * generated code come back to the dispatcher. */
void rt_signal_host(RtProcess *p, RtThread *t, int sig, const siginfo_t *si, void *ucontext);
/* The dispatcher, when t->interrupt is set: deliver every deliverable pending signal (guest
 * frames, default actions), decide the restart of an interrupted system call. */
void rt_signal_deliver(RtThread *t);
/* A synchronous signal from a guest instruction (trap exit) with exact state in t->state:
 * queued to be delivered before any other guest instruction runs. False if the guest does
 * not catch it (no handler, ignored or blocked: the kernel then kills, and so must the
 * caller). */
bool rt_signal_trap(RtThread *t, int sig, int code, uint64_t addr, unsigned trapno,
                    uint64_t err);
/* Set the host signal mask to the guest's (plus the pending signals, minus the faults ferry
 * must always catch). */
void rt_signal_sync_host_mask(RtThread *t);
/* Host signal disposition for any signal 1..64, the ones glibc reserves included: handler 0
 * (SIG_DFL), 1 (SIG_IGN) or the address of a SA_SIGINFO handler. 0 or -errno. */
int rt_host_sigaction(int sig, uintptr_t handler, unsigned long flags);
/* Host rt_sigprocmask on a 64-bit mask (signals glibc reserves included). */
void rt_host_sigmask(int how, uint64_t set, uint64_t *old);
/* Signals pending in the host kernel for this thread or the process. */
uint64_t rt_host_sigpending(void);
/* Make the host disposition of sig follow p->sigact[sig] (not for SIGSEGV/SIGBUS/SIGFPE,
 * which fault.c always catches). */
void rt_signal_mirror_action(RtProcess *p, int sig);
/* True if the default action of sig terminates the process (with or without a core). */
bool rt_signal_default_fatal(int sig);
/* execve, before the host execve: true if a signal is pending for delivery; execve then
 * returns -EINTR, the handler runs and execve is restarted (as if the signal had come just
 * before it), instead of the signal staying blocked in the mask the new ferry inherits. */
bool rt_signal_exec_check(RtThread *t);
/* rt_sigsuspend and pause: wait with `mask` until a signal is taken; -EINTR. */
int64_t rt_signal_suspend(RtThread *t, uint64_t mask);
/* ppoll, pselect6, epoll_pwait, epoll_pwait2 with a mask: `mask` replaces the guest's for
 * the wait, as rt_sigsuspend's does (a handler that ends the wait runs under it and its frame
 * restores the old mask). rt_signal_wait_begin sets *host_mask, the mask the host call must
 * install for its wait (until then every signal is blocked on the host), and returns true
 * when a signal ferry already holds is deliverable under `mask`: the call must then not
 * sleep (it polls once, with *host_mask blocking everything, and reports -EINTR where Linux
 * would). rt_signal_wait_end takes the call's result and returns it: after -EINTR delivery
 * restores the mask, otherwise it is restored at once. */
bool rt_signal_wait_begin(RtThread *t, uint64_t mask, uint64_t *host_mask);
int64_t rt_signal_wait_end(RtThread *t, int64_t ret);
/* rt_sigtimedwait: take a pending signal of `set` (or wait for one, ts NULL: forever) into
 * *info. The signal number, or -EAGAIN (timeout), -EINTR (another signal was taken). */
struct timespec;
int64_t rt_signal_timedwait(RtThread *t, uint64_t set, GuestSiginfo *info,
                            const struct timespec *ts);

/* sigframe.c */
/* Build the rt_sigframe for sig on t's guest stack (or alternate stack) and set t's registers
 * for the handler, as Linux does; `oldmask` is the mask the frame saves. 0, or -EFAULT when
 * the frame cannot be written (the caller forces SIGSEGV). */
int rt_sigframe_push(RtThread *t, int sig, const GuestSiginfo *info, const RtSigAction *act,
                     uint64_t oldmask);
/* rt_sigreturn: reload every register, the FPU, the mask and the alternate stack from the
 * frame the handler returned through. 0, or -EFAULT for an unreadable frame. */
int rt_sigframe_pop(RtThread *t);

/* syscall.c: perform the system call in t->state (RAX number, RDI RSI RDX R10 R8 R9), result
 * in RAX. */
void rt_syscall(RtThread *t);

/* log.c */
static inline bool rt_log_on(const RtProcess *p, unsigned ch) { return (p->log.mask & ch) != 0; }
void rt_log_open(RtProcess *p);                      /* -D; exits 1 if the file cannot open */
void rt_log_printf(RtProcess *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_log_guest_code(RtProcess *p, uint64_t pc, const uint8_t *bytes, size_t n);
/* n bytes of host code; the n_data ranges of data inside it (offsets from code, in order)
 * are shown as data, not disassembled; a ";; guest PC" line marks where the code of each
 * guest instruction of the block's n_map map entries (BackendBlockInfo.insns, guest offsets
 * from guest_pc) starts. */
void rt_log_host_code(RtProcess *p, const uint8_t *code, size_t n, const BackendData *data,
                      unsigned n_data, const BackendInsnMap *map, unsigned n_map,
                      uint64_t guest_pc);

/* guarded_copy.c: memcpy that returns -EFAULT when a page is missing (0 on success), and the
 * fault handler's part of it: true (context redirected) if the fault is inside that copy. */
int rt_guarded_copy(void *dst, const void *src, size_t n);
bool rt_guarded_copy_recover(void *ucv);
/* perf.c: name n bytes of generated code at code (executable view) for perf: a line
 * "host-address size NAME" in /tmp/perf-PID.map (-d perfmap), a JIT_CODE_LOAD record with the
 * bytes in jit-PID.dump (-d jitdump), whichever channels are on. */
void rt_log_code(RtProcess *p, const void *code, size_t n, const char *name);
void rt_log_perfmap(RtProcess *p, const void *code, size_t n, const char *name);
void rt_log_jitdump(RtProcess *p, const void *code, size_t n, const char *name);
static inline bool rt_log_code_on(const RtProcess *p)
{
    return (p->log.mask & (RT_LOG_PERFMAP | RT_LOG_JITDUMP)) != 0;
}
/* One-line disassembly of the guest instruction at bytes (for messages); returns buf. */
const char *rt_disasm_one(RtProcess *p, uint64_t pc, const uint8_t *bytes, size_t n, char *buf,
                          size_t len);
void rt_log_stats(RtProcess *p);
void rt_log_flush(RtProcess *p);

/* Names for messages: "SIGSEGV" (NULL if unknown), "ENOENT" (NULL if unknown). */
const char *rt_signal_name(int sig);
const char *rt_errno_name(int err);

#endif /* FERRY_RT_H */
