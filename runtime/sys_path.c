/* sys_path.c — system calls that name files: open, the stat family, readlink, access, unlink,
 * mkdir, rmdir, rename, truncate, chmod, getcwd, chdir, umask, statfs, getxattr (reading
 * extended attributes: what ls and cp ask about ACLs and security labels), creat, link and
 * symlink (a symlink's target is stored as given, never translated), chown, utimensat, utimes,
 * futimesat, utime, mknod, mknodat, fchmodat2. Opening /proc/self/maps, cmdline, environ or
 * auxv gives the guest's view (proc_self.c).
 *
 * Paths are copied from guest memory (so a bad pointer is -EFAULT, an unterminated one
 * -ENAMETOOLONG) and handed to the host's *at system calls, which every host has.
 * /proc/self/exe (and /proc/<pid>/exe) names the guest program, not ferry: readlink returns
 * the guest's absolute path, and calls that follow the link open or stat the guest program.
 * struct stat is converted to the x86-64 layout field by field (an aarch64 host lays it out
 * differently); struct statx is the same everywhere and goes straight to guest memory.
 * With -L SYSROOT, absolute guest paths go to the sysroot's file when it exists there
 * (rt_sysroot_path, as qemu-user's -L does), so the dynamic loader finds the sysroot's
 * /etc/ld.so.cache and /lib/x86_64-linux-gnu/...; /proc, /sys and /dev, and paths the sysroot
 * lacks (new files too), stay the host's. Symbolic links inside the sysroot are resolved
 * inside it (an absolute link target restarts at SYSROOT, ".." stops there). Relative paths
 * and descriptors are not translated, so getcwd after chdir into the sysroot shows the host
 * path, as under qemu.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
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

/* ---------------------------------------------------------------- the -L sysroot */

static bool no_sysroot(const RtOptions *o)
{
    return !o->sysroot || o->sysroot[strspn(o->sysroot, "/")] == '\0';
}

/* /proc, /sys and /dev describe the running host system: never taken from the sysroot. */
static bool host_only(const char *path)
{
    static const char *const dirs[] = { "/proc", "/sys", "/dev" };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        size_t n = strlen(dirs[i]);
        if (strncmp(path, dirs[i], n) == 0 && (path[n] == '/' || path[n] == '\0'))
            return true;
    }
    return false;
}

#define RT_MAX_SYMLINKS 40      /* Linux's limit on links followed in one lookup */

/* Resolve absolute `path` inside `root` (no trailing slash) into out (n bytes): each
 * component is looked up under root, symbolic links are followed there (the last one only
 * with follow). False if a component does not exist or the result does not fit. */
static bool resolve_in_root(const char *root, const char *path, char *out, size_t n,
                            bool follow)
{
    char rest[PATH_MAX], done[PATH_MAX], cand[PATH_MAX], link[PATH_MAX];
    size_t dlen = 0;
    int links = 0;
    if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest)
        return false;
    done[0] = '\0';
    char *r = rest;
    for (;;) {
        while (*r == '/')
            r++;
        if (*r == '\0')
            break;
        size_t clen = strcspn(r, "/");
        bool last = r[clen + strspn(r + clen, "/")] == '\0';
        if (clen == 1 && r[0] == '.') {
            r += clen;
            continue;
        }
        if (clen == 2 && r[0] == '.' && r[1] == '.') {
            while (dlen > 0 && done[dlen - 1] != '/')
                dlen--;
            if (dlen > 0)
                dlen--;                 /* drop the slash; never above root */
            done[dlen] = '\0';
            r += clen;
            continue;
        }
        if (dlen + 1 + clen >= sizeof done)
            return false;
        done[dlen] = '/';
        memcpy(done + dlen + 1, r, clen);
        done[dlen + 1 + clen] = '\0';
        r += clen;
        if (last && !follow) {
            dlen += 1 + clen;
            break;
        }
        if (snprintf(cand, sizeof cand, "%s%s", root, done) >= (int)sizeof cand)
            return false;
        struct stat st;
        if (lstat(cand, &st) != 0)
            return false;
        if (!S_ISLNK(st.st_mode)) {
            dlen += 1 + clen;
            continue;
        }
        if (++links > RT_MAX_SYMLINKS)
            return false;
        ssize_t ln = readlink(cand, link, sizeof link - 1);
        if (ln <= 0)
            return false;
        link[ln] = '\0';
        done[dlen] = '\0';             /* the link itself is replaced by its target */
        if (link[0] == '/')
            dlen = 0, done[0] = '\0';
        char tail[PATH_MAX];
        if (snprintf(tail, sizeof tail, "%s/%s", link, r) >= (int)sizeof tail)
            return false;
        memcpy(rest, tail, strlen(tail) + 1);
        r = rest;
    }
    return snprintf(out, n, "%s%s", root, dlen ? done : "/") < (int)n;
}

const char *rt_sysroot_path(const RtOptions *o, const char *path, char *buf, size_t n,
                            bool follow)
{
    if (path[0] != '/' || no_sysroot(o) || host_only(path))
        return path;
    char root[PATH_MAX];
    size_t len = strlen(o->sysroot);
    while (len > 1 && o->sysroot[len - 1] == '/')
        len--;
    if (len >= sizeof root)
        return path;
    memcpy(root, o->sysroot, len);
    root[len] = '\0';
    struct stat st;
    if (resolve_in_root(root, path, buf, n, follow) && lstat(buf, &st) == 0)
        return buf;
    return path;
}

/* ---------------------------------------------------------------- guest paths */

/* Copy the guest path at gp into buf (PATH_MAX bytes) and make it the host's: with follow, a
 * name of the program's own executable becomes the guest program's path; an absolute path
 * goes through the -L sysroot. Returns 0 or -errno. */
static int64_t get_path(RtThread *t, uint64_t gp, char *buf, bool follow)
{
    int64_t n = rt_strncpy_from_guest(t->proc, buf, gp, PATH_MAX);
    if (n < 0)
        return n;
    if (follow && t->proc->exe_path && is_self_exe(buf)) {
        if (strlen(t->proc->exe_path) >= PATH_MAX)
            return -ENAMETOOLONG;
        strcpy(buf, t->proc->exe_path);
        return 0;
    }
    char host[PATH_MAX];
    if (rt_sysroot_path(&t->proc->opt, buf, host, sizeof host, follow) == host)
        strcpy(buf, host);
    return 0;
}

int64_t rt_path_from_guest(RtThread *t, uint64_t gp, char *buf, bool follow)
{
    return get_path(t, gp, buf, follow);
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
    int64_t r;
    if (rt_proc_open(t, path, gflags, &r))     /* the guest's /proc/self/maps and friends */
        return r;
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
    /* Not even the first byte writable: the host finds the link (ENOENT, EINVAL) first. */
    uint64_t n = rt_guest_prefix(t->proc, buf, (uint64_t)bufsiz);
    void *b = n ? (void *)(uintptr_t)buf : RT_FAULT_PTR;
    return rt_sysret(syscall(SYS_readlinkat, dirfd, path, b, n ? (size_t)n : (size_t)bufsiz));
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
    if (flags & ~GUEST_AT_REMOVEDIR)        /* checked before the path, as Linux does */
        return -EINVAL;
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

#define RT_NR_FCHMODAT2 452     /* the same number on every architecture (Linux 6.6) */

int64_t rt_sys_fchmodat2(RtThread *t, const uint64_t *a)
{
    int flags = rt_arg_int(a[3]);
    if (flags & ~(GUEST_AT_SYMLINK_NOFOLLOW | GUEST_AT_EMPTY_PATH))
        return -EINVAL;
    PATH_ARG(path, a[1], !(flags & GUEST_AT_SYMLINK_NOFOLLOW));
    return rt_sysret(syscall(RT_NR_FCHMODAT2, rt_arg_int(a[0]), path, (unsigned)a[2], flags));
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

/* ---------------------------------------------------------------- file systems and xattrs */

/* struct statfs: 120 bytes of longs on x86-64, and the same on the asm-generic 64-bit hosts. */
#define GUEST_STATFS_SIZE 120

/* The buffer goes to the host as it is (RT_FAULT_PTR if it is not guest memory, so the path
 * or descriptor is checked first, as Linux does). */
int64_t rt_sys_statfs(RtThread *t, const uint64_t *a)
{
    PATH_ARG(path, a[0], true);
    return rt_sysret(syscall(SYS_statfs, path, rt_guest_ptr(t->proc, a[1], GUEST_STATFS_SIZE)));
}

int64_t rt_sys_fstatfs(RtThread *t, const uint64_t *a)
{
    return rt_sysret(syscall(SYS_fstatfs, rt_arg_int(a[0]),
                             rt_guest_ptr(t->proc, a[1], GUEST_STATFS_SIZE)));
}

#define RT_XATTR_NAME_MAX 256   /* XATTR_NAME_MAX (255) and the NUL */

/* getxattr's value buffer: clamped to guest memory (size 0 asks for the length). */
static int64_t xattr_buf(RtThread *t, uint64_t buf, uint64_t size, size_t *n)
{
    *n = 0;
    if (size == 0)
        return 0;
    uint64_t ok = rt_guest_prefix(t->proc, buf, size);
    if (ok == 0)
        return -EFAULT;
    *n = (size_t)ok;
    return 0;
}

static int64_t do_getxattr(RtThread *t, const uint64_t *a, bool follow)
{
    PATH_ARG(path, a[0], follow);
    char name[RT_XATTR_NAME_MAX];
    int64_t e = rt_strncpy_from_guest(t->proc, name, a[1], sizeof name);
    if (e < 0)
        return e == -ENAMETOOLONG ? -ERANGE : e;
    size_t n;
    if ((e = xattr_buf(t, a[2], a[3], &n)) < 0)
        return e;
    return rt_sysret(syscall(follow ? SYS_getxattr : SYS_lgetxattr, path, name,
                             n ? (void *)(uintptr_t)a[2] : NULL, n));
}

int64_t rt_sys_getxattr(RtThread *t, const uint64_t *a)
{
    return do_getxattr(t, a, true);
}

int64_t rt_sys_lgetxattr(RtThread *t, const uint64_t *a)
{
    return do_getxattr(t, a, false);
}

int64_t rt_sys_fgetxattr(RtThread *t, const uint64_t *a)
{
    if (rt_fd_reserved(t->proc, rt_arg_int(a[0])))
        return -EBADF;
    char name[RT_XATTR_NAME_MAX];
    int64_t e = rt_strncpy_from_guest(t->proc, name, a[1], sizeof name);
    if (e < 0)
        return e == -ENAMETOOLONG ? -ERANGE : e;
    size_t n;
    if ((e = xattr_buf(t, a[2], a[3], &n)) < 0)
        return e;
    return rt_sysret(syscall(SYS_fgetxattr, rt_arg_int(a[0]), name,
                             n ? (void *)(uintptr_t)a[2] : NULL, n));
}

/* ---------------------------------------------------------------- links, owners, times */

int64_t rt_sys_creat(RtThread *t, const uint64_t *a)
{
    return do_openat(t, AT_FDCWD, a[0], GUEST_O_CREAT | 01 /* O_WRONLY */ | GUEST_O_TRUNC,
                     (unsigned)a[1]);
}

static int64_t do_linkat(RtThread *t, int olddir, uint64_t gold, int newdir, uint64_t gnew,
                         int flags)
{
    if (flags & ~(GUEST_AT_SYMLINK_FOLLOW | GUEST_AT_EMPTY_PATH))
        return -EINVAL;
    PATH_ARG(oldp, gold, (flags & GUEST_AT_SYMLINK_FOLLOW) != 0);
    PATH_ARG(newp, gnew, false);
    return rt_sysret(syscall(SYS_linkat, olddir, oldp, newdir, newp, flags));
}

int64_t rt_sys_link(RtThread *t, const uint64_t *a)
{
    return do_linkat(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

int64_t rt_sys_linkat(RtThread *t, const uint64_t *a)
{
    return do_linkat(t, rt_arg_int(a[0]), a[1], rt_arg_int(a[2]), a[3], rt_arg_int(a[4]));
}

static int64_t do_symlinkat(RtThread *t, uint64_t gtarget, int newdir, uint64_t gpath)
{
    /* The target is the link's contents, stored as the guest wrote it: never translated. */
    char target[PATH_MAX];
    int64_t n = rt_strncpy_from_guest(t->proc, target, gtarget, sizeof target);
    if (n < 0)
        return n;
    PATH_ARG(path, gpath, false);
    return rt_sysret(syscall(SYS_symlinkat, target, newdir, path));
}

int64_t rt_sys_symlink(RtThread *t, const uint64_t *a)
{
    return do_symlinkat(t, a[0], AT_FDCWD, a[1]);
}

int64_t rt_sys_symlinkat(RtThread *t, const uint64_t *a)
{
    return do_symlinkat(t, a[0], rt_arg_int(a[1]), a[2]);
}

static int64_t do_fchownat(RtThread *t, int dirfd, uint64_t gpath, uint64_t uid, uint64_t gid,
                           int flags)
{
    if (flags & ~(GUEST_AT_SYMLINK_NOFOLLOW | GUEST_AT_EMPTY_PATH))
        return -EINVAL;
    PATH_ARG(path, gpath, !(flags & GUEST_AT_SYMLINK_NOFOLLOW));
    return rt_sysret(syscall(SYS_fchownat, dirfd, path, (unsigned)uid, (unsigned)gid, flags));
}

int64_t rt_sys_chown(RtThread *t, const uint64_t *a)
{
    return do_fchownat(t, AT_FDCWD, a[0], a[1], a[2], 0);
}

int64_t rt_sys_lchown(RtThread *t, const uint64_t *a)
{
    return do_fchownat(t, AT_FDCWD, a[0], a[1], a[2], GUEST_AT_SYMLINK_NOFOLLOW);
}

int64_t rt_sys_fchownat(RtThread *t, const uint64_t *a)
{
    return do_fchownat(t, rt_arg_int(a[0]), a[1], a[2], a[3], rt_arg_int(a[4]));
}

/* do_utimes: ts NULL sets both times to now; a NULL path names the descriptor itself. */
static int64_t do_utimes(RtThread *t, int dirfd, uint64_t gpath, const int64_t *ts, int flags)
{
    char path[PATH_MAX];
    const char *pp = NULL;      /* NULL: the descriptor itself (futimens) */
    if (gpath) {
        int64_t e = get_path(t, gpath, path, !(flags & GUEST_AT_SYMLINK_NOFOLLOW));
        if (e < 0)
            return e;
        pp = path;
    } else if (rt_fd_reserved(t->proc, dirfd)) {
        return -EBADF;
    }
    return rt_sysret(syscall(SYS_utimensat, dirfd, pp, ts, flags));
}

int64_t rt_sys_utimensat(RtThread *t, const uint64_t *a)
{
    /* struct timespec[2]: 32 bytes on x86-64 and on the 64-bit asm-generic hosts. */
    int64_t ts[4];
    if (a[2] && rt_copy_from_guest(t->proc, ts, a[2], sizeof ts) < 0)
        return -EFAULT;
    return do_utimes(t, rt_arg_int(a[0]), a[1], a[2] ? ts : NULL, rt_arg_int(a[3]));
}

/* futimesat and utimes: struct timeval[2], microseconds checked before conversion (so that
 * UTIME_NOW and UTIME_OMIT, which only utimensat knows, are EINVAL here), as Linux does. */
static int64_t do_futimesat(RtThread *t, int dirfd, uint64_t gpath, uint64_t gtv)
{
    int64_t tv[4], ts[4];
    if (gtv) {
        if (rt_copy_from_guest(t->proc, tv, gtv, sizeof tv) < 0)
            return -EFAULT;
        if (tv[1] < 0 || tv[1] >= 1000000 || tv[3] < 0 || tv[3] >= 1000000)
            return -EINVAL;
        ts[0] = tv[0];
        ts[1] = tv[1] * 1000;
        ts[2] = tv[2];
        ts[3] = tv[3] * 1000;
    }
    return do_utimes(t, dirfd, gpath, gtv ? ts : NULL, 0);
}

int64_t rt_sys_futimesat(RtThread *t, const uint64_t *a)
{
    return do_futimesat(t, rt_arg_int(a[0]), a[1], a[2]);
}

int64_t rt_sys_utimes(RtThread *t, const uint64_t *a)
{
    return do_futimesat(t, AT_FDCWD, a[0], a[1]);
}

int64_t rt_sys_utime(RtThread *t, const uint64_t *a)
{
    /* struct utimbuf: actime, modtime (whole seconds). */
    int64_t ub[2], ts[4];
    if (a[1]) {
        if (rt_copy_from_guest(t->proc, ub, a[1], sizeof ub) < 0)
            return -EFAULT;
        ts[0] = ub[0];
        ts[1] = 0;
        ts[2] = ub[1];
        ts[3] = 0;
    }
    return do_utimes(t, AT_FDCWD, a[0], a[1] ? ts : NULL, 0);
}

/* ---------------------------------------------------------------- special files */

static int64_t do_mknodat(RtThread *t, int dirfd, uint64_t gpath, unsigned mode, unsigned dev)
{
    /* Mode bits and the dev_t encoding (new_decode_dev) are the same on every host. */
    PATH_ARG(path, gpath, false);
    return rt_sysret(syscall(SYS_mknodat, dirfd, path, mode, dev));
}

int64_t rt_sys_mknod(RtThread *t, const uint64_t *a)
{
    return do_mknodat(t, AT_FDCWD, a[0], (unsigned)a[1], (unsigned)a[2]);
}

int64_t rt_sys_mknodat(RtThread *t, const uint64_t *a)
{
    return do_mknodat(t, rt_arg_int(a[0]), a[1], (unsigned)a[2], (unsigned)a[3]);
}
