/* syscall_errors: an unknown system call gets ENOSYS; bad arguments get the kernel's errno. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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
    printf("pid>0=%d\n", getpid() > 0);
    return 0;
}
