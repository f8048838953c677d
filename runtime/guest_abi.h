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

/* ---- arch_prctl */
#define GUEST_ARCH_SET_GS 0x1001
#define GUEST_ARCH_SET_FS 0x1002
#define GUEST_ARCH_GET_FS 0x1003
#define GUEST_ARCH_GET_GS 0x1004

/* ---- struct utsname: six fields of 65 bytes */
#define GUEST_UTS_LEN 65

#endif /* FERRY_GUEST_ABI_H */
