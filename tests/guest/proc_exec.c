/* proc_exec: execve of a dynamic host program (/bin/echo), of a script, and the errors the
 * parent must still see (missing file, directory, no permission, not a program). No pids or
 * temporary names printed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *errname(int e)
{
    switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ENOEXEC: return "ENOEXEC";
    case ENOTDIR: return "ENOTDIR";
    case EFAULT: return "EFAULT";
    case ELOOP: return "ELOOP";
    default: return strerror(e);
    }
}

static void report(const char *what, int st)
{
    if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by signal %d\n", what, WTERMSIG(st));
    fflush(stdout);
}

/* Run argv[0] with execve in a child; the child reports an execve error itself. */
static void run(const char *what, char *const argv[], char *const envp[])
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execve(argv[0], argv, envp);
        printf("%s: execve failed: %s\n", what, errname(errno));
        fflush(stdout);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    report(what, st);
}

/* execve in this process, expecting failure. */
static void fail(const char *what, const char *path)
{
    char *const argv[] = { (char *)path, NULL };
    errno = 0;
    int r = execve(path, argv, environ);
    printf("%s: execve=%d errno=%s\n", what, r, errname(errno));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    char *const echo[] = { "/bin/echo", "hello", "from", "/bin/echo", NULL };
    run("echo", echo, environ);
    char *const env[] = { "GREETING=hi there", "LD_FERRY_TEST=1", NULL };
    char *const sh[] = { "/bin/sh", "-c", "echo \"$GREETING\" $LD_FERRY_TEST $0", NULL };
    run("sh -c with envp", sh, env);
    char *const noargs[] = { NULL };
    char *const noenv[] = { NULL };
    char *const tr[] = { "/usr/bin/tr", "a-z", "A-Z", NULL };
    (void)noargs;
    /* A child whose stdin is a pipe from the parent, running a dynamic program. */
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[0], 0);
        close(fds[0]);
        close(fds[1]);
        execve(tr[0], tr, noenv);
        _exit(127);
    }
    close(fds[0]);
    const char msg[] = "piped through tr\n";
    if (write(fds[1], msg, sizeof msg - 1) != (ssize_t)(sizeof msg - 1)) return 1;
    close(fds[1]);
    int st;
    waitpid(pid, &st, 0);
    report("tr", st);

    /* Errors, seen by the program that called execve. */
    fail("missing file", "/nonexistent/ferry-no-such-program");
    fail("missing directory component", "/bin/true/x");
    fail("directory", "/tmp");
    fail("empty path", "");

    char dir[] = "/tmp/ferry-exec-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[64];
    snprintf(path, sizeof path, "%s/noexec", dir);
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    if (write(fd, "#!/bin/sh\necho no\n", 18) != 18) return 1;
    close(fd);
    fail("no execute permission", path);
    chmod(path, 0755);
    /* A script: argv becomes INTERP PATH ARGS. */
    snprintf(path, sizeof path, "%s/script", dir);
    fd = open(path, O_WRONLY | O_CREAT, 0755);
    const char script[] = "#!/bin/sh -e\necho script says: \"$1\" \"$2\"\n";
    if (write(fd, script, sizeof script - 1) != (ssize_t)(sizeof script - 1)) return 1;
    close(fd);
    char *const sargv[] = { path, "one", "two", NULL };
    run("script", sargv, environ);
    /* A script whose interpreter does not exist: ENOENT. */
    snprintf(path, sizeof path, "%s/badinterp", dir);
    fd = open(path, O_WRONLY | O_CREAT, 0755);
    if (write(fd, "#!/nonexistent/interp\n", 22) != 22) return 1;
    close(fd);
    fail("script with a missing interpreter", path);
    /* Neither ELF nor script: ENOEXEC. */
    snprintf(path, sizeof path, "%s/text", dir);
    fd = open(path, O_WRONLY | O_CREAT, 0755);
    if (write(fd, "just text\n", 10) != 10) return 1;
    close(fd);
    fail("plain text", path);
    /* An ELF for another machine: ENOEXEC. */
    snprintf(path, sizeof path, "%s/elf32", dir);
    fd = open(path, O_WRONLY | O_CREAT, 0755);
    unsigned char elf[64] = { 0x7f, 'E', 'L', 'F', 1, 1, 1 };
    elf[16] = 2;                /* ET_EXEC */
    elf[18] = 3;                /* EM_386 */
    if (write(fd, elf, sizeof elf) != (ssize_t)sizeof elf) return 1;
    close(fd);
    fail("32-bit ELF", path);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) printf("cleanup failed\n");

    /* Finally replace this process. */
    printf("about to exec\n");
    char *const last[] = { "/bin/echo", "exec'd into echo, exit status is echo's", NULL };
    execve(last[0], last, environ);
    printf("not reached: %s\n", strerror(errno));
    return 1;
}
