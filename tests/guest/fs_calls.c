/* fs_calls: the file-system calls in a temporary directory made by mkdtemp: mkdir(at), rmdir,
 * symlink(at), link(at), readlink(at), chmod/fchmod/fchmodat(2), the chown family,
 * utimensat/utimes/utime/futimesat, rename/renameat/renameat2, unlink(at), truncate,
 * ftruncate, fallocate, mknod(at), getdents64 and the old getdents, statfs/fstatfs, flock,
 * sendfile, sync/syncfs, each with the errors Linux gives. Names are relative, times fixed. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>

#include "show_errors.h"

static long size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0;
}

/* Directory entries, sorted, from getdents64 or the old getdents (x86-64 has both). */
static void list_dir(const char *label, bool old)
{
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    char buf[4096];
    char names[32][64];
    int n = 0;
    for (;;) {
        long k = syscall(old ? SYS_getdents : SYS_getdents64, fd, buf, sizeof buf);
        if (k <= 0)
            break;
        for (long off = 0; off < k;) {
            unsigned short reclen;
            const char *name;
            unsigned char type;
            if (old) {
                memcpy(&reclen, buf + off + 16, 2);
                name = buf + off + 18;
                type = (unsigned char)buf[off + reclen - 1];
            } else {
                memcpy(&reclen, buf + off + 16, 2);
                type = (unsigned char)buf[off + 18];
                name = buf + off + 19;
            }
            if (n < 32 && strcmp(name, ".") && strcmp(name, ".."))
                snprintf(names[n++], sizeof names[0], "%s:%c", name,
                         type == DT_DIR ? 'd' : type == DT_REG ? 'f' : type == DT_LNK ? 'l' :
                         type == DT_FIFO ? 'p' : '?');
            off += reclen;
        }
    }
    close(fd);
    qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    printf("%s:", label);
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char dir[] = "/tmp/ferry-fs-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0)
        return 1;
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    umask(022);

    /* Directories. */
    SHOW("mkdir", mkdir("d", 0755));
    SHOW("mkdir again", mkdir("d", 0755));
    SHOW("mkdirat", mkdirat(dfd, "d/sub", 0700));
    printf("mode d/sub=%o\n", mode_of("d/sub"));
    SHOW("mkdir missing parent", mkdir("nope/x", 0755));
    SHOW("mkdir bad path", syscall(SYS_mkdir, bad, 0755));
    SHOW("rmdir non-empty", rmdir("d"));
    SHOW("rmdir", rmdir("d/sub"));
    SHOW("rmdir missing", rmdir("d/sub"));

    /* Files, links. */
    int fd = open("f", O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (write(fd, "0123456789", 10) != 10)
        return 1;
    SHOW("rmdir on a file", rmdir("f"));
    SHOW("symlink", symlink("f", "s"));
    SHOW("symlink exists", symlink("f", "s"));
    SHOW("symlinkat", symlinkat("d", dfd, "sd"));
    char buf[64];
    memset(buf, 0, sizeof buf);
    SHOW("readlink", readlink("s", buf, sizeof buf));
    printf("readlink s -> '%s'\n", buf);
    memset(buf, 0, sizeof buf);
    SHOW("readlinkat truncated", readlinkat(dfd, "sd", buf, 1));
    printf("truncated -> '%s'\n", buf);
    SHOW("readlink regular file", readlink("f", buf, sizeof buf));
    SHOW("readlink size 0", syscall(SYS_readlink, "s", buf, 0));
    SHOW("readlink bad buffer", syscall(SYS_readlink, "s", bad, 10));
    SHOW("link", link("f", "h"));
    SHOW("link to dir", link("d", "hd"));
    SHOW("linkat follow", linkat(dfd, "s", dfd, "h2", AT_SYMLINK_FOLLOW));
    SHOW("linkat nofollow (links the symlink)", linkat(dfd, "s", dfd, "h3", 0));
    SHOW("linkat bad flags", linkat(dfd, "f", dfd, "h4", 0x8000));
    struct stat st;
    lstat("h3", &st);
    printf("h3 is a symlink=%d\n", S_ISLNK(st.st_mode));
    stat("f", &st);
    printf("f nlink=%ld\n", (long)st.st_nlink);
    SHOW("mknod fifo", mknod("fifo", S_IFIFO | 0600, 0));
    SHOW("mknodat fifo exists", mknodat(dfd, "fifo", S_IFIFO | 0600, 0));
    lstat("fifo", &st);
    printf("fifo is a fifo=%d mode=%o\n", S_ISFIFO(st.st_mode), (unsigned)(st.st_mode & 0777));
    SHOW("mknod bad type", mknod("weird", 0170000 | 0600, 0));

    /* Modes and owners. */
    SHOW("chmod", chmod("f", 0600));
    printf("mode f=%o\n", mode_of("f"));
    SHOW("fchmod", fchmod(fd, 0640));
    printf("mode f=%o\n", mode_of("f"));
    SHOW("fchmodat", fchmodat(dfd, "f", 0604, 0));
    printf("mode f=%o\n", mode_of("f"));
    SHOW("fchmodat2 nofollow on symlink", syscall(452, dfd, "s", 0600, AT_SYMLINK_NOFOLLOW));
    SHOW("fchmodat2 bad flags", syscall(452, dfd, "f", 0600, 0x8000));
    SHOW("fchmodat2", syscall(452, dfd, "f", 0644, 0));
    printf("mode f=%o\n", mode_of("f"));
    SHOW("chmod missing", chmod("zz", 0600));
    SHOW("fchmod bad fd", fchmod(999, 0600));
    SHOW("chown self", chown("f", getuid(), getgid()));
    SHOW("lchown self", lchown("s", getuid(), getgid()));
    SHOW("fchown self", fchown(fd, getuid(), getgid()));
    SHOW("fchownat self, empty path", fchownat(fd, "", getuid(), getgid(), AT_EMPTY_PATH));
    SHOW("fchownat bad flags", fchownat(dfd, "f", getuid(), getgid(), 0x8000));
    SHOW("chown unchanged (-1)", chown("f", (uid_t)-1, (gid_t)-1));

    /* Times. */
    struct timespec ts[2] = { { 1000000000, 5 }, { 1234567890, 987654321 } };
    SHOW("utimensat", utimensat(dfd, "f", ts, 0));
    stat("f", &st);
    printf("mtime=%ld.%09ld atime=%ld\n", (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
           (long)st.st_atim.tv_sec);
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_nsec = 1000000000;
    SHOW("utimensat bad nsec", utimensat(dfd, "f", ts, 0));
    SHOW("utimensat nofollow on symlink", utimensat(dfd, "s", NULL, AT_SYMLINK_NOFOLLOW));
    struct timeval tv[2] = { { 1100000000, 1 }, { 1200000000, 250000 } };
    SHOW("utimes", utimes("f", tv));
    stat("f", &st);
    printf("mtime=%ld.%09ld\n", (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    tv[1].tv_usec = 1000000;
    SHOW("utimes bad usec", syscall(SYS_utimes, "f", tv));
    tv[1].tv_usec = 0;
    SHOW("futimesat", syscall(SYS_futimesat, dfd, "f", tv));
    stat("f", &st);
    printf("mtime=%ld\n", (long)st.st_mtim.tv_sec);
    struct utimbuf ub = { 1300000000, 1400000000 };
    SHOW("utime", syscall(SYS_utime, "f", &ub));
    stat("f", &st);
    printf("mtime=%ld atime=%ld\n", (long)st.st_mtim.tv_sec, (long)st.st_atim.tv_sec);
    SHOW("utime bad buffer", syscall(SYS_utime, "f", bad));
    SHOW("utime missing", syscall(SYS_utime, "zz", &ub));

    /* Sizes. */
    SHOW("ftruncate", ftruncate(fd, 4));
    printf("size=%ld\n", size_of("f"));
    SHOW("truncate", truncate("f", 100));
    printf("size=%ld\n", size_of("f"));
    SHOW("ftruncate negative", ftruncate(fd, -1));
    SHOW("truncate a directory", truncate("d", 0));
    SHOW("truncate bad path", syscall(SYS_truncate, bad, 0));
    SHOW("fallocate", fallocate(fd, 0, 0, 8192));
    printf("size=%ld\n", size_of("f"));
    SHOW("fallocate keep size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 65536));
    printf("size=%ld\n", size_of("f"));
    SHOW("fallocate bad length", fallocate(fd, 0, 0, 0));
    SHOW("fallocate punch without keep", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10));
    int p[2];
    if (pipe(p) != 0)
        return 1;
    SHOW("fallocate on a pipe", fallocate(p[0], 0, 0, 10));
    SHOW("ftruncate on a pipe", ftruncate(p[0], 0));

    /* Renames. */
    SHOW("rename", rename("h", "h-renamed"));
    SHOW("renameat", renameat(dfd, "h-renamed", dfd, "h"));
    SHOW("rename missing", rename("zz", "yy"));
    SHOW("rename dir into itself", rename("d", "d/inside"));
    SHOW("rename dir over file", rename("d", "f"));
    SHOW("renameat2 noreplace", syscall(SYS_renameat2, dfd, "h", dfd, "f", 1));
    SHOW("renameat2 exchange", syscall(SYS_renameat2, dfd, "s", dfd, "sd", 2));
    memset(buf, 0, sizeof buf);
    readlink("s", buf, sizeof buf);
    printf("after exchange s -> '%s'\n", buf);
    SHOW("renameat2 bad flags", syscall(SYS_renameat2, dfd, "h", dfd, "f", 3));

    /* Directory listing, both interfaces. */
    list_dir("getdents64", false);
    list_dir("getdents", true);
    SHOW("getdents64 tiny buffer", syscall(SYS_getdents64, dfd, buf, 8));
    SHOW("getdents tiny buffer", syscall(SYS_getdents, dfd, buf, 8));
    SHOW("getdents64 on a file", syscall(SYS_getdents64, fd, buf, sizeof buf));
    SHOW("getdents bad buffer", syscall(SYS_getdents, dfd, bad, 4096));

    /* File systems. */
    struct statfs a, b;
    SHOW("statfs", statfs(".", &a));
    SHOW("fstatfs", fstatfs(fd, &b));
    printf("same type=%d bsize>0=%d namelen=%ld\n", a.f_type == b.f_type, a.f_bsize > 0,
           (long)a.f_namelen);
    SHOW("statfs missing", statfs("zz", &a));
    SHOW("statfs bad buffer", syscall(SYS_statfs, ".", bad));

    /* Locks and copies. */
    SHOW("flock ex", flock(fd, LOCK_EX));
    int fd2 = open("f", O_RDONLY);
    SHOW("flock conflicting nb", flock(fd2, LOCK_EX | LOCK_NB));
    SHOW("flock un", flock(fd, LOCK_UN));
    SHOW("flock now", flock(fd2, LOCK_SH | LOCK_NB));
    SHOW("flock bad op", flock(fd2, 0));
    int out = open("copy", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    lseek(fd, 0, SEEK_SET);
    if (write(fd, "sendfile data", 13) != 13)
        return 1;
    off_t off = 4;
    SHOW("sendfile with offset", sendfile(out, fd, &off, 9));
    printf("offset after=%ld size=%ld\n", (long)off, size_of("copy"));
    SHOW("sendfile bad offset pointer", syscall(SYS_sendfile, out, fd, bad, 4));
    SHOW("sendfile to a directory", sendfile(dfd, fd, NULL, 4));
    SHOW("sync", (sync(), 0));
    SHOW("syncfs", syncfs(fd));
    SHOW("syncfs bad fd", syncfs(999));
    close(out);
    close(fd2);

    /* Unlinking. */
    SHOW("unlink dir", unlink("d"));
    SHOW("unlinkat removedir on file", unlinkat(dfd, "f", AT_REMOVEDIR));
    SHOW("unlinkat bad flags", unlinkat(dfd, "f", 1));
    const char *files[] = { "f", "s", "sd", "h", "h2", "h3", "fifo", "copy" };
    int bad_unlinks = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        bad_unlinks += unlinkat(dfd, files[i], 0) != 0;
    printf("unlinked all but %d\n", bad_unlinks);
    SHOW("unlinkat removedir", unlinkat(dfd, "d", AT_REMOVEDIR));
    list_dir("empty", false);
    close(fd);
    close(dfd);
    close(p[0]);
    close(p[1]);
    if (chdir("/") != 0)
        return 1;
    SHOW("rmdir tmpdir", rmdir(dir));
    return 0;
}
