/* fs_links_epoll: link, symlink, creat, chown, utimensat, copy_file_range, close_range and
 * epoll on a pipe: the calls coreutils (cp, ln, touch, tar) and event loops need. No
 * temporary names or times printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    char dir[] = "/tmp/ferry-links-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    if (chdir(dir) != 0)
        return 1;
    int fd = creat("a", 0644);
    printf("creat=%d\n", fd >= 0);
    if (write(fd, "hello links\n", 12) != 12)
        return 1;
    close(fd);
    printf("link=%d\n", link("a", "b"));
    int rc = link("a", "b");
    printf("link again=%d errno=%s\n", rc, errno == EEXIST ? "EEXIST" : "?");
    printf("symlink=%d\n", symlink("a", "s"));
    printf("symlinkat dangling=%d\n", symlinkat("/nonexistent/target", AT_FDCWD, "d"));
    char buf[64];
    ssize_t n = readlink("d", buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    printf("readlink dangling=%s\n", buf);
    struct stat st;
    stat("a", &st);
    printf("nlink=%lu\n", (unsigned long)st.st_nlink);
    printf("linkat follow=%d\n", linkat(AT_FDCWD, "s", AT_FDCWD, "c", AT_SYMLINK_FOLLOW));
    lstat("c", &st);
    printf("c is regular=%d\n", S_ISREG(st.st_mode));
    printf("chown to self=%d\n", chown("a", getuid(), getgid()));
    printf("lchown to self=%d\n", lchown("s", getuid(), getgid()));
    struct timespec ts[2] = { { 1000000000, 0 }, { 1234567890, 500 } };
    printf("utimensat=%d\n", utimensat(AT_FDCWD, "a", ts, 0));
    stat("a", &st);
    printf("mtime=%ld.%09ld\n", (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    errno = 0;
    rc = utimensat(AT_FDCWD, "zz", ts, 0);
    printf("utimensat missing=%d errno=%s\n", rc, errno == ENOENT ? "ENOENT" : "?");

    int in = open("a", O_RDONLY), out = open("copy", O_WRONLY | O_CREAT, 0644);
    loff_t off = 6;
    long r = syscall(SYS_copy_file_range, in, &off, out, NULL, 100, 0);
    printf("copy_file_range=%ld off=%lld\n", r, (long long)off);
    close(in);
    close(out);
    fd = open("copy", O_RDONLY);
    n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    printf("copied: %s", buf);
    close(fd);

    /* epoll: a pipe becomes readable when the child writes. */
    int p[2];
    if (pipe(p) != 0)
        return 1;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1122334455667788ull };
    printf("epoll_ctl=%d\n", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    struct epoll_event got[4];
    printf("epoll_wait before=%d\n", epoll_wait(ep, got, 4, 0));
    pid_t pid = fork();
    if (pid == 0) {
        if (write(p[1], "x", 1) != 1)
            _exit(1);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    memset(got, 0, sizeof got);
    int k = epoll_wait(ep, got, 4, 1000);
    printf("epoll_wait after=%d events=%#x data=%#llx\n", k, got[0].events,
           (unsigned long long)got[0].data.u64);
    printf("epoll_ctl del=%d\n", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    errno = 0;
    rc = epoll_wait(ep, got, 0, 0);
    printf("epoll_wait bad maxevents=%d errno=%s\n", rc, errno == EINVAL ? "EINVAL" : "?");

    /* close_range from 3 up: everything above stdio goes. */
    r = syscall(SYS_close_range, 3u, ~0u, 0u);
    printf("close_range=%ld, pipe closed=%d\n", r, fcntl(p[0], F_GETFD) < 0 && errno == EBADF);

    if (chdir("/") != 0)
        return 1;
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
