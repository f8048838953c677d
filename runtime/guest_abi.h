/* guest_abi.h — the x86-64 Linux ABI as the guest sees it: constants and structure layouts
 * that system calls exchange with guest memory, written out so that ferry does not depend on
 * the host's headers agreeing with x86-64 (an aarch64 host numbers open flags differently and
 * lays out struct stat differently).
 *
 * Values are facts of the Linux x86-64 ABI (arch/x86 and asm-generic uapi headers). Conversion
 * functions between guest and host values live with the system calls that need them.
 */
#ifndef FERRY_GUEST_ABI_H
#define FERRY_GUEST_ABI_H

#include <stdint.h>

/* ---- mmap / mprotect / mremap */
#define GUEST_PROT_READ       0x1
#define GUEST_PROT_WRITE      0x2
#define GUEST_PROT_EXEC       0x4
#define GUEST_PROT_SEM        0x8
#define GUEST_PROT_GROWSDOWN  0x01000000
#define GUEST_PROT_GROWSUP    0x02000000

#define GUEST_MAP_SHARED          0x01
#define GUEST_MAP_PRIVATE         0x02
#define GUEST_MAP_SHARED_VALIDATE 0x03
#define GUEST_MAP_TYPE            0x0f
#define GUEST_MAP_FIXED           0x10
#define GUEST_MAP_ANONYMOUS       0x20
#define GUEST_MAP_32BIT           0x40
#define GUEST_MAP_GROWSDOWN       0x0100
#define GUEST_MAP_DENYWRITE       0x0800
#define GUEST_MAP_EXECUTABLE      0x1000
#define GUEST_MAP_LOCKED          0x2000
#define GUEST_MAP_NORESERVE       0x4000
#define GUEST_MAP_POPULATE        0x8000
#define GUEST_MAP_NONBLOCK        0x10000
#define GUEST_MAP_STACK           0x20000
#define GUEST_MAP_HUGETLB         0x40000
#define GUEST_MAP_SYNC            0x80000
#define GUEST_MAP_FIXED_NOREPLACE 0x100000
#define GUEST_MAP_UNINITIALIZED   0x4000000
/* Huge page size selectors live in bits 26-31 with MAP_HUGETLB. */
#define GUEST_MAP_HUGE_MASK       (0x3fu << 26)

#define GUEST_MREMAP_MAYMOVE   1
#define GUEST_MREMAP_FIXED     2
#define GUEST_MREMAP_DONTUNMAP 4

/* ---- open flags (octal, as in the uapi headers) */
#define GUEST_O_ACCMODE   00000003
#define GUEST_O_CREAT     00000100
#define GUEST_O_EXCL      00000200
#define GUEST_O_NOCTTY    00000400
#define GUEST_O_TRUNC     00001000
#define GUEST_O_APPEND    00002000
#define GUEST_O_NONBLOCK  00004000
#define GUEST_O_DSYNC     00010000
#define GUEST_O_ASYNC     00020000
#define GUEST_O_DIRECT    00040000
#define GUEST_O_LARGEFILE 00100000
#define GUEST_O_DIRECTORY 00200000
#define GUEST_O_NOFOLLOW  00400000
#define GUEST_O_NOATIME   01000000
#define GUEST_O_CLOEXEC   02000000
#define GUEST___O_SYNC    04000000
#define GUEST_O_PATH      010000000
#define GUEST___O_TMPFILE 020000000

#define GUEST_AT_FDCWD            (-100)
#define GUEST_AT_SYMLINK_NOFOLLOW 0x100
#define GUEST_AT_REMOVEDIR        0x200
#define GUEST_AT_SYMLINK_FOLLOW   0x400
#define GUEST_AT_EMPTY_PATH       0x1000

/* ---- struct stat (x86-64 layout: 144 bytes) */
typedef struct GuestStat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint64_t st_nlink;
    uint32_t st_mode;
    uint32_t st_uid;
    uint32_t st_gid;
    uint32_t pad0;
    uint64_t st_rdev;
    int64_t st_size;
    int64_t st_blksize;
    int64_t st_blocks;
    uint64_t st_atime_sec, st_atime_nsec;
    uint64_t st_mtime_sec, st_mtime_nsec;
    uint64_t st_ctime_sec, st_ctime_nsec;
    int64_t unused[3];
} GuestStat;
_Static_assert(sizeof(GuestStat) == 144, "x86-64 struct stat is 144 bytes");

/* ---- struct sigaction as rt_sigaction passes it (kernel layout), and stack_t */
typedef struct GuestSigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
} GuestSigaction;

typedef struct GuestStack {
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t pad;
    uint64_t ss_size;
} GuestStack;
_Static_assert(sizeof(GuestStack) == 24, "x86-64 stack_t is 24 bytes");

#define GUEST_SS_ONSTACK     1
#define GUEST_SS_DISABLE     2
#define GUEST_SS_AUTODISARM  (1u << 31)
#define GUEST_MINSIGSTKSZ    2048

#define GUEST_SIG_DFL 0
#define GUEST_SIG_IGN 1

/* sa_flags (asm-generic values, which x86-64 uses). */
#define GUEST_SA_NOCLDSTOP 0x00000001u
#define GUEST_SA_NOCLDWAIT 0x00000002u
#define GUEST_SA_SIGINFO   0x00000004u
#define GUEST_SA_RESTORER  0x04000000u
#define GUEST_SA_ONSTACK   0x08000000u
#define GUEST_SA_RESTART   0x10000000u
#define GUEST_SA_NODEFER   0x40000000u
#define GUEST_SA_RESETHAND 0x80000000u

#define GUEST_NSIG 64               /* signals 1..64; sigset_t as the kernel passes it: 8 bytes */

/* si_code values ferry produces itself (the host's siginfo is passed through otherwise). */
#define GUEST_SI_KERNEL    0x80
#define GUEST_SEGV_MAPERR  1
#define GUEST_SEGV_ACCERR  2

/* ---- siginfo_t: 128 bytes; the union starts at byte 16 (asm-generic layout, the same on
 * x86-64 and aarch64 hosts). Only the members ferry fills itself are named (not si_*: libc
 * headers define those as macros). */
typedef struct GuestSiginfo {
    int32_t signo;
    int32_t err;                /* si_errno */
    int32_t code;               /* si_code */
    int32_t _pad0;
    union {
        uint64_t addr;          /* si_addr: SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP */
        struct {
            int32_t pid;        /* si_pid, si_uid: kill, tkill, sigqueue */
            uint32_t uid;
        } sender;
        uint8_t _fields[112];
    };
} GuestSiginfo;
_Static_assert(sizeof(GuestSiginfo) == 128, "x86-64 siginfo_t is 128 bytes");

/* ---- the signal frame (arch/x86/include/asm/sigframe.h, uapi asm/sigcontext.h, ucontext.h).
 * uc_mcontext.gregs in the kernel's order (glibc's REG_* numbers). */
enum {
    GUEST_REG_R8, GUEST_REG_R9, GUEST_REG_R10, GUEST_REG_R11, GUEST_REG_R12, GUEST_REG_R13,
    GUEST_REG_R14, GUEST_REG_R15, GUEST_REG_RDI, GUEST_REG_RSI, GUEST_REG_RBP, GUEST_REG_RBX,
    GUEST_REG_RDX, GUEST_REG_RAX, GUEST_REG_RCX, GUEST_REG_RSP, GUEST_REG_RIP, GUEST_REG_EFL,
    GUEST_REG_CSGSFS,           /* cs, gs, fs, ss: 16 bits each */
    GUEST_REG_ERR, GUEST_REG_TRAPNO, GUEST_REG_OLDMASK, GUEST_REG_CR2,
    GUEST_NGREG
};

typedef struct GuestMcontext {
    uint64_t gregs[GUEST_NGREG];
    uint64_t fpstate;           /* guest address of the 512-byte FXSAVE image, 0 if none */
    uint64_t reserved1[8];
} GuestMcontext;
_Static_assert(sizeof(GuestMcontext) == 256, "x86-64 struct sigcontext is 256 bytes");

typedef struct GuestUcontext {
    uint64_t uc_flags;
    uint64_t uc_link;
    GuestStack uc_stack;
    GuestMcontext uc_mcontext;
    uint64_t uc_sigmask;        /* the kernel's sigset_t (glibc's is longer and overlaps info) */
} GuestUcontext;
_Static_assert(sizeof(GuestUcontext) == 304, "the kernel's x86-64 ucontext is 304 bytes");

/* What rsp points at when the handler starts: its return address (sa_restorer), then the
 * ucontext and the siginfo. The FXSAVE image lies above it, 64-byte aligned. */
typedef struct GuestRtSigframe {
    uint64_t pretcode;
    GuestUcontext uc;
    GuestSiginfo info;
} GuestRtSigframe;
_Static_assert(sizeof(GuestRtSigframe) == 440, "x86-64 struct rt_sigframe is 440 bytes");

#define GUEST_UC_SIGCONTEXT_SS     0x2
#define GUEST_UC_STRICT_RESTORE_SS 0x4
#define GUEST_USER_CS    0x33
#define GUEST_USER_DS    0x2b
#define GUEST_FXSAVE_SIZE 512
#define GUEST_REDZONE     128
/* Trap numbers the kernel reports in uc_mcontext.trapno. */
#define GUEST_TRAP_DE 0
#define GUEST_TRAP_DB 1
#define GUEST_TRAP_BP 3
#define GUEST_TRAP_UD 6
#define GUEST_TRAP_GP 13
#define GUEST_TRAP_PF 14

/* ---- arch_prctl */
#define GUEST_ARCH_SET_GS 0x1001
#define GUEST_ARCH_SET_FS 0x1002
#define GUEST_ARCH_GET_FS 0x1003
#define GUEST_ARCH_GET_GS 0x1004

/* ---- struct utsname: six fields of 65 bytes */
#define GUEST_UTS_LEN 65

/* ---- clone flags (the generic values, which x86-64 uses); the low byte is the exit signal */
#define GUEST_CSIGNAL              0x000000ffu
#define GUEST_CLONE_VM             0x00000100u
#define GUEST_CLONE_FS             0x00000200u
#define GUEST_CLONE_FILES          0x00000400u
#define GUEST_CLONE_SIGHAND        0x00000800u
#define GUEST_CLONE_PIDFD          0x00001000u
#define GUEST_CLONE_PTRACE         0x00002000u
#define GUEST_CLONE_VFORK          0x00004000u
#define GUEST_CLONE_PARENT         0x00008000u
#define GUEST_CLONE_THREAD         0x00010000u
#define GUEST_CLONE_NEWNS          0x00020000u
#define GUEST_CLONE_SYSVSEM        0x00040000u
#define GUEST_CLONE_SETTLS         0x00080000u
#define GUEST_CLONE_PARENT_SETTID  0x00100000u
#define GUEST_CLONE_CHILD_CLEARTID 0x00200000u
#define GUEST_CLONE_DETACHED       0x00400000u
#define GUEST_CLONE_UNTRACED       0x00800000u
#define GUEST_CLONE_CHILD_SETTID   0x01000000u
#define GUEST_CLONE_NEWCGROUP      0x02000000u
#define GUEST_CLONE_NEWUTS         0x04000000u
#define GUEST_CLONE_NEWIPC         0x08000000u
#define GUEST_CLONE_NEWUSER        0x10000000u
#define GUEST_CLONE_NEWPID         0x20000000u
#define GUEST_CLONE_NEWNET         0x40000000u
#define GUEST_CLONE_IO             0x80000000u

/* struct clone_args (clone3), version 0 to 2: 64, 80 or 88 bytes. */
typedef struct GuestCloneArgs {
    uint64_t flags;
    uint64_t pidfd;
    uint64_t child_tid;
    uint64_t parent_tid;
    uint64_t exit_signal;
    uint64_t stack;
    uint64_t stack_size;
    uint64_t tls;
    uint64_t set_tid;
    uint64_t set_tid_size;
    uint64_t cgroup;
} GuestCloneArgs;
_Static_assert(sizeof(GuestCloneArgs) == 88, "struct clone_args (version 2) is 88 bytes");
#define GUEST_CLONE_ARGS_SIZE_VER0 64

/* ---- sockets: struct msghdr (56 bytes) and struct mmsghdr (64) as the kernel reads them,
 * struct cmsghdr (16-byte header) and SCM_RIGHTS. Address families, socket types and flags
 * (SOCK_NONBLOCK is O_NONBLOCK, 04000, on x86-64 and on aarch64), SOL_SOCKET option numbers,
 * MSG_* flags, struct sockaddr_*, struct ucred, struct linger and the option timevals have
 * the same values and layouts on x86-64 and the asm-generic 64-bit hosts. */
typedef struct GuestMsghdr {
    uint64_t name;              /* void *msg_name */
    int32_t namelen;            /* the kernel reads an int */
    uint32_t pad0;
    uint64_t iov;               /* struct iovec *msg_iov */
    uint64_t iovlen;
    uint64_t control;
    uint64_t controllen;
    uint32_t flags;
    uint32_t pad1;
} GuestMsghdr;
_Static_assert(sizeof(GuestMsghdr) == 56, "x86-64 struct msghdr is 56 bytes");

typedef struct GuestMmsghdr {
    GuestMsghdr hdr;
    uint32_t len;
    uint32_t pad;
} GuestMmsghdr;
_Static_assert(sizeof(GuestMmsghdr) == 64, "x86-64 struct mmsghdr is 64 bytes");

#define GUEST_CMSG_HDR_SIZE 16          /* cmsg_len (size_t), cmsg_level, cmsg_type */
#define GUEST_SOL_SOCKET    1
#define GUEST_SCM_RIGHTS    1
#define GUEST_UIO_MAXIOV    1024
#define GUEST_SOCKADDR_STORAGE_SIZE 128

#endif /* FERRY_GUEST_ABI_H */
