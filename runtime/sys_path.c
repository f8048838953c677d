/* sys_path.c — system calls that name files: open, the stat family, readlink, access, unlink,
 * mkdir, rmdir, rename, truncate, chmod, getcwd, chdir, umask.
 *
 * Paths are copied from guest memory (so a bad pointer is -EFAULT, an unterminated one
 * -ENAMETOOLONG) and handed to the host's *at system calls, which every host has.
 * /proc/self/exe (and /proc/<pid>/exe) names the guest program, not ferry: readlink returns
 * the guest's absolute path, and calls that follow the link open or stat the guest program.
 * struct stat is converted to the x86-64 layout field by field (an aarch64 host lays it out
 * differently); struct statx is the same everywhere and goes straight to guest memory.
 * The -L sysroot is not applied to paths yet (that comes with dynamic executables).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "runtime/guest_abi.h"
#include "runtime/syscall.h"

/* Is path one of the names of the running program's executable? */
static bool is_self_exe(const char *path)
{
    if (strcmp(path, "/proc/self/exe") == 0 || strcmp(path, "/proc/thread-self/exe") == 0)
        return true;
    char mine[48];
    snprintf(mine, sizeof mine, "/proc/%d/exe", (int)getpid());
    return strcmp(path, mine) == 0;
}

/* Copy the guest path at gp into buf (PATH_MAX bytes). With follow, a name of the program's
 * own executable becomes the guest program's path. Returns 0 or -errno. */
static int64_t get_path(RtThread *t, uint64_t gp, char *buf, bool follow)
{
    int64_t n = rt_strncpy_from_guest(t->proc, buf, gp, PATH_MAX);
    if (n < 0)
        return n;
    if (follow && t->proc->exe_path && is_self_exe(buf)) {
        if (strlen(t->proc->exe_path) >= PATH_MAX)
            return -ENAMETOOLONG;
        strcpy(buf, t->proc->exe_path);
    }
    return 0;
}

#define PATH_ARG(var, guest, follow)                        \
    char var[PATH_MAX];                                     \
    do {                                                    \
        int64_t e_ = get_path(t, (guest), var, (follow));   \
        if (e_ < 0)                                         \
            return e_;                                      \
    } while (0)

/* ---------------------------------------------------------------- open */

static int64_t do_openat(RtThread *t, int dirfd, uint64_t gpath, int gflags, unsigned mode)
{
    PATH_ARG(path, gpath, !(gflags & GUEST_O_NOFOLLOW));
    return rt_sysret(syscall(SYS_openat, dirfd, path, rt_host_open_flags(gflags), mode));
}

int64_t rt_sys_open(RtThread *t, const uint64_t *a)
{
    return do_openat(t, AT_FDCWD, a[0], rt_arg_int(a[1]), (unsigned)a[2]);
}

int64_t rt_sys_openat(RtThread *t, const uint64_t *a)
{
    return do_openat(t, rt_arg_int(a[0]), a[1], rt_arg_int(a[2]), (unsigned)a[3]);
}

/* ---------------------------------------------------------------- stat */

static int64_t put_stat(RtThread *t, uint64_t addr, const struct stat *s)
{
    GuestStat g;
    memset(&g, 0, sizeof g);
    g.st_dev = s->st_dev;
    g.st_ino = s->st_ino;
    g.st_nlink = s->st_nlink;
    g.st_mode = s->st_mode;
    g.st_uid = s->st_uid;
    g.st_gid = s->st_gid;
    g.st_rdev = s->st_rdev;
    g.st_size = s->st_size;
    g.st_blksize = s->st_blksize;
    g.st_blocks = s->st_blocks;
    g.st_atime_sec = (uint64_t)s->st_atim.tv_sec;
    g.st_atime_nsec = (uint64_t)s->st_atim.tv_nsec;
    g.st_mtime_sec = (uint64_t)s->st_mtim.tv_sec;
    g.st_mtime_nsec = (uint64_t)s->st_mtim.tv_nsec;
    g.st_ctime_sec = (uint64_t)s->st_ctim.tv_sec;
    g.st_ctime_nsec = (uint64_t)s->st_ctim.tv_nsec;
    return rt_copy_to_guest(t->proc, addr, &g, sizeof g) < 0 ? -EFAULT : 0;
}

static int64_t do_fstatat(RtThread *t, int dirfd, uint64_t gpath, uint64_t buf, int flags)
{
    if (flags & ~(GUEST_AT_SYMLINK_NOFOLLOW | GUEST_AT_EMPTY_PATH | 0x800 /* NO_AUTOMOUNT */))
        return -EINVAL;
    PATH_ARG(path, gpath, !(flags & GUEST_AT_SYMLINK_NOFOLLOW));
    struct stat s;
    if (fstatat(dirfd, path, &s, flags) != 0)
        return -errno;
    return put_stat(t, buf, &s);
}

int64_t rt_sys_stat(RtThread *t, const uint64_t *a)
{
    return do_fstatat(t, AT_FDCWD, a[0], a[1], 0);
}

int64_t rt_sys_lstat(RtThread *t, const uint64_t *a)
{
    return do_fstatat(t, AT_FDCWD, a[0], a[1], GUEST_AT_SYMLINK_NOFOLLOW);
}

int64_t rt_sys_newfstatat(RtThread *t, const uint64_t *a)
{
    return do_fstatat(t, rt_arg_int(a[0]), a[1], a[2], rt_arg_int(a[3]));
}

int64_t rt_sys_fstat(RtThread *t, const uint64_t *a)
{
    struct stat s;
    if (fstat(rt_arg_int(a[0]), &s) != 0)
        return -errno;
    return put_stat(t, a[1], &s);
}

int64_t rt_sys_statx(RtThread *t, const uint64_t *a)
{
    int flags = rt_arg_int(a[2]);
    char path[PATH_MAX];
    const char *pp = NULL;
    if (a[1]) {             /* NULL is allowed with AT_EMPTY_PATH (Linux 6.11) */
        int64_t e = get_path(t, a[1], path, !(flags & GUEST_AT_SYMLINK_NOFOLLOW));
        if (e < 0)
            return e;
        pp = path;
    }
    if (!rt_guest_range_ok(t->proc, a[4], 256))     /* sizeof(struct statx) */
        return -EFAULT;
    return rt_sysret(syscall(SYS_statx, rt_arg_int(a[0]), pp, flags, (unsigned)a[3],
                             (void *)(uintptr_t)a[4]));
}

/* ---------------------------------------------------------------- readlink */

static int64_t do_readlinkat(RtThread *t, int dirfd, uint64_t gpath, uint64_t buf, uint64_t size)
{
    int bufsiz = rt_arg_int(size);
    if (bufsiz <= 0)
        return -EINVAL;
    PATH_ARG(path, gpath, false);
    if (is_self_exe(path) && t->proc->exe_path) {
        size_t n = strlen(t->proc->exe_path);
        if (n > (size_t)bufsiz)
            n = (size_t)bufsiz;         /* truncated, no NUL: as readlink does */
        return rt_copy_to_guest(t->proc, buf, t->proc->exe_path, n) < 0 ? -EFAULT : (int64_t)n;
    }
    uint64_t n = rt_guest_prefix(t->proc, buf, (uint64_t)bufsiz);
    if (n == 0)
        return -EFAULT;
    return rt_sysret(syscall(SYS_readlinkat, dirfd, path, (void *)(uintptr_t)buf, (size_t)n));
}

int64_t rt_sys_readlink(RtThread *t, const uint64_t *a)
{
    return do_readlinkat(t, AT_FDCWD, a[0], a[1], a[2]);
}

int64_t rt_sys_readlinkat(RtThread *t, const uint64_t *a)
{
    return do_readlinkat(t, rt_arg_int(a[0]), a[1], a[2], a[3]);
}

/* ---------------------------------------------------------------- access */

static int64_t do_faccessat2(RtThread *t, int dirfd, uint64_t gpath, int mode, int flags)
{
    PATH_ARG(path, gpath, !(flags & GUEST_AT_SYMLINK_NOFOLLOW));
    if (flags == 0)
        return rt_sysret(syscall(SYS_faccessat, dirfd, path, mode));
#ifdef SYS_faccessat2
    return rt_sysret(syscall(SYS_faccessat2, dirfd, path, mode, flags));
#else
    return -ENOSYS;
#endif
}

int64_t rt_sys_access(RtThread *t, const uint64_t *a)
{
    return do_faccessat2(t, AT_FDCWD, a[0], rt_arg_int(a[1]), 0);
}

int64_t rt_sys_faccessat(RtThread *t, const uint64_t *a)
{
    return do_faccessat2(t, rt_arg_int(a[0]), a[1], rt_arg_int(a[2]), 0);
}

int64_t rt_sys_faccessat2(RtThread *t, const uint64_t *a)
{
    return do_faccessat2(t, rt_arg_int(a[0]), a[1], rt_arg_int(a[2]), rt_arg_int(a[3]));
}

/* ---------------------------------------------------------------- directory entries */

static int64_t do_unlinkat(RtThread *t, int dirfd, uint64_t gpath, int flags)
{
    PATH_ARG(path, gpath, false);
    return rt_sysret(syscall(SYS_unlinkat, dirfd, path, flags));
}

int64_t rt_sys_unlink(RtThread *t, const uint64_t *a)
{
    return do_unlinkat(t, AT_FDCWD, a[0], 0);
}

int64_t rt_sys_rmdir(RtThread *t, const uint64_t *a)
{
    return do_unlinkat(t, AT_FDCWD, a[0], AT_REMOVEDIR);
}

int64_t rt_sys_unlinkat(RtThread *t, const uint64_t *a)
{
    return do_unlinkat(t, rt_arg_int(a[0]), a[1], rt_arg_int(a[2]));
}

static int64_t do_mkdirat(RtThread *t, int dirfd, uint64_t gpath, unsigned mode)
{
    PATH_ARG(path, gpath, false);
    return rt_sysret(syscall(SYS_mkdirat, dirfd, path, mode));
}

int64_t rt_sys_mkdir(RtThread *t, const uint64_t *a)
{
    return do_mkdirat(t, AT_FDCWD, a[0], (unsigned)a[1]);
}

int64_t rt_sys_mkdirat(RtThread *t, const uint64_t *a)
{
    return do_mkdirat(t, rt_arg_int(a[0]), a[1], (unsigned)a[2]);
}

static int64_t do_renameat2(RtThread *t, int olddir, uint64_t gold, int newdir, uint64_t gnew,
                            unsigned flags)
{
    PATH_ARG(oldp, gold, false);
    PATH_ARG(newp, gnew, false);
    long r = syscall(SYS_renameat2, olddir, oldp, newdir, newp, flags);
#ifdef SYS_renameat
    if (r < 0 && errno == ENOSYS && flags == 0)     /* hosts older than renameat2 */
        r = syscall(SYS_renameat, olddir, oldp, newdir, newp);
#endif
    return rt_sysret(r);
}

int64_t rt_sys_rename(RtThread *t, const uint64_t *a)
{
    return do_renameat2(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

int64_t rt_sys_renameat(RtThread *t, const uint64_t *a)
{
    return do_renameat2(t, rt_arg_int(a[0]), a[1], rt_arg_int(a[2]), a[3], 0);
}

int64_t rt_sys_renameat2(RtThread *t, const uint64_t *a)
{
    return do_renameat2(t, rt_arg_int(a[0]), a[1], rt_arg_int(a[2]), a[3], (unsigned)a[4]);
}

/* ---------------------------------------------------------------- attributes */

int64_t rt_sys_truncate(RtThread *t, const uint64_t *a)
{
    PATH_ARG(path, a[0], true);
    return rt_sysret(truncate(path, (off_t)a[1]));
}

static int64_t do_fchmodat(RtThread *t, int dirfd, uint64_t gpath, unsigned mode)
{
    PATH_ARG(path, gpath, true);
    return rt_sysret(syscall(SYS_fchmodat, dirfd, path, mode));
}

int64_t rt_sys_chmod(RtThread *t, const uint64_t *a)
{
    return do_fchmodat(t, AT_FDCWD, a[0], (unsigned)a[1]);
}

int64_t rt_sys_fchmodat(RtThread *t, const uint64_t *a)
{
    return do_fchmodat(t, rt_arg_int(a[0]), a[1], (unsigned)a[2]);
}

int64_t rt_sys_fchmod(RtThread *t, const uint64_t *a)
{
    if (rt_fd_reserved(t->proc, rt_arg_int(a[0])))
        return -EBADF;
    return rt_sysret(fchmod(rt_arg_int(a[0]), (mode_t)a[1]));
}

int64_t rt_sys_umask(RtThread *t, const uint64_t *a)
{
    (void)t;
    return umask((mode_t)(a[0] & 0777));
}

/* ---------------------------------------------------------------- working directory */

int64_t rt_sys_getcwd(RtThread *t, const uint64_t *a)
{
    char cwd[PATH_MAX];
    uint64_t size = a[1] < sizeof cwd ? a[1] : sizeof cwd;
    long r = syscall(SYS_getcwd, cwd, (size_t)size);     /* length including the NUL */
    if (r < 0)
        return -errno;
    return rt_copy_to_guest(t->proc, a[0], cwd, (size_t)r) < 0 ? -EFAULT : r;
}

int64_t rt_sys_chdir(RtThread *t, const uint64_t *a)
{
    PATH_ARG(path, a[0], true);
    return rt_sysret(chdir(path));
}

int64_t rt_sys_fchdir(RtThread *t, const uint64_t *a)
{
    (void)t;
    return rt_sysret(fchdir(rt_arg_int(a[0])));
}
