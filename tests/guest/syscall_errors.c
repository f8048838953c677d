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
    return 0;
}
