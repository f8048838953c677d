/* syscall_errors: an unknown system call gets ENOSYS; bad arguments get the kernel's errno. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    long r = syscall(1000);
    printf("syscall(1000)=%ld errno=%s\n", r, strerror(errno));
    errno = 0;
    int fd = open("/nonexistent/ferry/file", O_RDONLY);
    printf("open missing=%d errno=%s\n", fd, strerror(errno));
    errno = 0;
    r = write(-1, "x", 1);
    printf("write(-1)=%ld errno=%s\n", r, strerror(errno));
    errno = 0;
    int fds[2];
    void *volatile bad = (void *)16;
    if (pipe(fds) != 0) return 1;
    r = write(fds[1], bad, 1);
    printf("write bad ptr=%ld efault=%d\n", r, errno == EFAULT);
    /* A buffer in a file mapping past the end of its file: mapped, yet reading it faults
     * (SIGBUS for a program); the kernel's copy, and ferry's, give EFAULT instead. */
    char path[] = "/tmp/ferry-efault-XXXXXX";
    int tf = mkstemp(path);
    if (tf < 0 || write(tf, "abc", 3) != 3) return 1;
    long pg = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, (size_t)pg * 2, PROT_READ, MAP_SHARED, tf, 0);
    unlink(path);
    if (m == MAP_FAILED) return 1;
    errno = 0;
    r = write(fds[1], m + pg, 8);
    printf("write past EOF mapping=%ld efault=%d\n", r, errno == EFAULT);
    errno = 0;
    lseek(tf, 0, SEEK_SET);
    r = read(tf, m, 1);
    printf("read into read-only mapping=%ld efault=%d\n", r, errno == EFAULT);
    r = write(fds[1], m, 3);
    char back[4] = { 0 };
    printf("write from mapping=%ld read back=%ld \"%s\"\n", r, read(fds[0], back, 3), back);
    printf("pid>0=%d\n", getpid() > 0);

    /* Linux checks the descriptor or the path before it touches a bad buffer. */
#define ORDER(what, call) do { errno = 0; long r_ = call; printf("%s = %ld %s\n", what, r_, \
        r_ < 0 ? strerror(errno) : ""); } while (0)
    ORDER("write(999, bad)", syscall(SYS_write, 999, bad, 1));
    ORDER("read(999, bad)", syscall(SYS_read, 999, bad, 1));
    ORDER("readv(999, bad)", syscall(SYS_readv, 999, bad, 1));
    ORDER("writev(999, bad, 5000)", syscall(SYS_writev, 999, bad, 5000));
    ORDER("writev(pipe, bad, 5000)", syscall(SYS_writev, fds[1], bad, 5000));
    ORDER("pread64(999, bad)", syscall(SYS_pread64, 999, bad, 1, 0));
    ORDER("getdents64(999, bad)", syscall(SYS_getdents64, 999, bad, 100));
    ORDER("ioctl(999, FIONREAD, bad)", syscall(SYS_ioctl, 999, 0x541B, bad));
    ORDER("ioctl(pipe, TCGETS, bad)", syscall(SYS_ioctl, fds[0], 0x5401, bad));
    ORDER("statfs(missing, bad)", syscall(SYS_statfs, "/nonexistent/ferry", bad));
    ORDER("fstatfs(999, bad)", syscall(SYS_fstatfs, 999, bad));
    ORDER("readlink(missing, bad)", syscall(SYS_readlink, "/nonexistent/ferry", bad, 10));
    ORDER("readlink(regular, bad)", syscall(SYS_readlink, "/proc/self/cmdline", bad, 10));
    ORDER("getrandom(bad, bad flags)", syscall(SYS_getrandom, bad, 16, 0x100));
    ORDER("unlinkat(bad path, bad flags)", syscall(SYS_unlinkat, AT_FDCWD, bad, 1));
    ORDER("fstat(999, bad)", syscall(SYS_fstat, 999, bad));
    return 0;
}
