/* proc_spawn: posix_spawn (glibc and musl use clone(CLONE_VM | CLONE_VFORK)), system() and
 * popen(), which run /bin/sh. No pids printed. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void report(const char *what, int st)
{
    if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by signal %d\n", what, WTERMSIG(st));
    fflush(stdout);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t pid;
    int st;
    char *const echo[] = { "echo", "spawned", "echo", NULL };
    /* The child runs concurrently once it has called execve: print only after waiting. */
    int r = posix_spawn(&pid, "/bin/echo", NULL, NULL, echo, environ);
    if (r == 0)
        waitpid(pid, &st, 0);
    printf("posix_spawn=%d\n", r);
    if (r == 0)
        report("posix_spawn echo", st);
    r = posix_spawnp(&pid, "echo", NULL, NULL, echo, environ);
    if (r == 0)
        waitpid(pid, &st, 0);
    printf("posix_spawnp=%d\n", r);
    if (r == 0)
        report("posix_spawnp echo", st);
    /* The child's exec error reaches the parent. */
    char *const missing[] = { "missing", NULL };
    r = posix_spawn(&pid, "/nonexistent/ferry-spawn", NULL, NULL, missing, environ);
    printf("posix_spawn of a missing file=%s\n",
           r == ENOENT ? "ENOENT" : r == 0 ? "0" : strerror(r));
    if (r == 0) {
        waitpid(pid, &st, 0);
        report("missing", st);
    }
    /* File actions: the child's stdout is a pipe. */
    int fds[2];
    if (pipe(fds) != 0) return 1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    char *const tr[] = { "sh", "-c", "echo through a pipe | tr a-z A-Z", NULL };
    r = posix_spawn(&pid, "/bin/sh", &fa, NULL, tr, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    char buf[128];
    ssize_t n, got = 0;
    while ((n = read(fds[0], buf + got, sizeof buf - 1 - (size_t)got)) > 0)
        got += n;
    buf[got] = '\0';
    close(fds[0]);
    waitpid(pid, &st, 0);
    printf("posix_spawn=%d, read: %s", r, buf);
    report("sh pipeline", st);

    /* system(): /bin/sh -c; exit statuses come back. */
    st = system("echo system says hi");
    report("system echo", st);
    st = system("exit 3");
    report("system exit 3", st);
    st = system("kill -TERM $$");
    report("system kill self", st);

    /* popen. */
    FILE *f = popen("echo abc | tr a-c x-z", "r");
    if (f) {
        if (fgets(buf, sizeof buf, f))
            printf("popen read: %s", buf);
        st = pclose(f);
        report("pclose", st);
    }
    f = popen("cat", "w");
    if (f) {
        fprintf(f, "written to cat through popen\n");
        fflush(f);
        st = pclose(f);
        report("pclose cat", st);
    }
    return 0;
}
