/* proc_maps: /proc/self/maps, /proc/<pid>/maps, /proc/self/exe, cmdline, environ, auxv and
 * comm describe this program, not whatever runs it. The program's text segment must appear
 * with the program's own path, device and inode; no mapping of another file may appear (the
 * program is static); the stack, the brk heap, anonymous, shared, memfd and file mappings
 * show as Linux shows them. Only checks are printed, never addresses. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

extern char **environ;

typedef struct Line {
    unsigned long start, end, off, ino;
    char perms[5];
    char dev[16];
    char path[PATH_MAX];
    int name_col;               /* column of the name, 0 if none */
} Line;

static char maps_text[1 << 20];
static Line lines[4096];
static int nlines;

static size_t slurp(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    size_t got = 0;
    ssize_t r;
    while (got < n - 1 && (r = read(fd, buf + got, n - 1 - got)) > 0)
        got += (size_t)r;
    close(fd);
    buf[got] = '\0';
    return got;
}

static void load_maps(void)
{
    slurp("/proc/self/maps", maps_text, sizeof maps_text);
    nlines = 0;
    for (char *l = maps_text, *next; *l && nlines < 4096; l = next) {
        next = strchr(l, '\n');
        if (next)
            *next++ = '\0';
        else
            next = l + strlen(l);
        Line *m = &lines[nlines];
        int used = 0;
        if (sscanf(l, "%lx-%lx %4s %lx %15s %lu %n", &m->start, &m->end, m->perms, &m->off,
                   m->dev, &m->ino, &used) != 6)
            continue;
        snprintf(m->path, sizeof m->path, "%s", l + used);
        m->name_col = m->path[0] ? used : 0;
        nlines++;
    }
}

static const Line *line_of(const void *p)
{
    unsigned long a = (unsigned long)(uintptr_t)p;
    for (int i = 0; i < nlines; i++)
        if (lines[i].start <= a && a < lines[i].end)
            return &lines[i];
    return NULL;
}

static bool same_file(const Line *l, const struct stat *st)
{
    char dev[16];
    snprintf(dev, sizeof dev, "%02x:%02x", major(st->st_dev), minor(st->st_dev));
    return l && strcmp(l->dev, dev) == 0 && l->ino == (unsigned long)st->st_ino;
}

static char other_text[1 << 20];

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    char *real = realpath(argv[0], NULL);
    printf("/proc/self/exe is the program=%d\n", real && strcmp(real, exe) == 0);
    struct stat est;
    stat(exe, &est);

    load_maps();
    printf("maps has lines=%d\n", nlines > 3);
    const Line *text = line_of((void *)(uintptr_t)&main);
    printf("text line found=%d executable=%d private=%d path is the program=%d same inode=%d\n",
           text != NULL, text && text->perms[2] == 'x', text && text->perms[3] == 'p',
           text && strcmp(text->path, exe) == 0, same_file(text, &est));
    int others = 0, ferry = 0, sorted = 1, columns = 1;
    for (int i = 0; i < nlines; i++) {
        const Line *m = &lines[i];
        if (m->path[0] == '/' && strcmp(m->path, exe) != 0)
            others++;
        const char *base = strrchr(m->path, '/');
        if (strstr(m->path, "ferry") || (base && strcmp(base, "/ferry") == 0))
            ferry++;
        if (i && lines[i - 1].end > m->start)
            sorted = 0;
        if (m->name_col && m->name_col != 73)
            columns = 0;
    }
    printf("other files mapped=%d ferry mappings=%d sorted=%d names at column 73=%d\n", others,
           ferry, sorted, columns);
    int local = 0;
    const Line *stack = line_of(&local);
    printf("stack variable in [stack]=%d rw=%d\n", stack && strcmp(stack->path, "[stack]") == 0,
           stack && strncmp(stack->perms, "rw", 2) == 0);

    /* The brk heap. */
    char *cur = (char *)syscall(SYS_brk, 0);
    char *want = cur + 8192;
    if ((char *)syscall(SYS_brk, want) == want) {
        cur[0] = 1;
        load_maps();
        const Line *h = line_of(cur);
        printf("brk area in [heap]=%d\n", h && strcmp(h->path, "[heap]") == 0);
    }

    /* Anonymous mappings, protections, unmapping. */
    long pg = sysconf(_SC_PAGESIZE);
    char *a = mmap(NULL, 3 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    load_maps();
    const Line *l = line_of(a);
    printf("anon line rw-p=%d unnamed=%d offset 0=%d inode 0=%d\n",
           l && strcmp(l->perms, "rw-p") == 0, l && !l->path[0], l && l->off == 0,
           l && l->ino == 0);
    mprotect(a + pg, (size_t)pg, PROT_READ);
    load_maps();
    l = line_of(a + pg);
    printf("mprotected page r--p=%d exactly one page=%d\n", l && strcmp(l->perms, "r--p") == 0,
           l && l->start == (unsigned long)(a + pg) && l->end == (unsigned long)(a + 2 * pg));
    mprotect(a + pg, (size_t)pg, PROT_READ | PROT_EXEC);
    load_maps();
    l = line_of(a + pg);
    printf("r-x page=%d\n", l && strcmp(l->perms, "r-xp") == 0);
    munmap(a, 3 * (size_t)pg);
    load_maps();
    printf("unmapped gone=%d\n", line_of(a) == NULL && line_of(a + 2 * pg) == NULL);

    /* Shared anonymous, memfd and file mappings: the host names them as Linux does. */
    char *sh = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int mfd = (int)syscall(SYS_memfd_create, "guest-memfd", 0);
    if (ftruncate(mfd, pg) != 0)
        return 1;
    char *mm = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, mfd, 0);
    int efd = open(exe, O_RDONLY);
    char *fm = mmap(NULL, (size_t)pg, PROT_READ, MAP_PRIVATE, efd, pg);
    load_maps();
    l = line_of(sh);
    printf("shared anon: rw-s=%d name=%s\n", l && strcmp(l->perms, "rw-s") == 0, l ? l->path : "-");
    l = line_of(mm);
    printf("memfd: r--s=%d name=%s\n", l && strcmp(l->perms, "r--s") == 0, l ? l->path : "-");
    l = line_of(fm);
    printf("file mapping: r--p=%d offset=%#lx program=%d same inode=%d\n",
           l && strcmp(l->perms, "r--p") == 0, l ? l->off : 0, l && strcmp(l->path, exe) == 0,
           same_file(l, &est));
    munmap(sh, (size_t)pg);
    munmap(mm, (size_t)pg);
    munmap(fm, (size_t)pg);
    close(mfd);
    close(efd);

    /* The same file under other names. */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)getpid());
    load_maps();
    size_t n1 = strlen(maps_text);
    slurp("/proc/self/maps", maps_text, sizeof maps_text);
    slurp(path, other_text, sizeof other_text);
    printf("/proc/<pid>/maps same as /proc/self/maps=%d (length %s)\n",
           strcmp(maps_text, other_text) == 0, n1 == strlen(maps_text) ? "stable" : "changed");
    slurp("/proc/thread-self/maps", other_text, sizeof other_text);
    printf("/proc/thread-self/maps same=%d\n", strcmp(maps_text, other_text) == 0);
    snprintf(path, sizeof path, "/proc/self/task/%d/maps", (int)getpid());
    slurp(path, other_text, sizeof other_text);
    printf("/proc/self/task/<tid>/maps same=%d\n", strcmp(maps_text, other_text) == 0);
    errno = 0;
    int wf = open("/proc/self/maps", O_WRONLY);
    int werr = errno;
    errno = 0;
    ssize_t wr = wf >= 0 ? write(wf, "x", 1) : 0;
    printf("open maps O_WRONLY: ok=%d %s, write=%zd %s\n", wf >= 0,
           werr == EACCES ? "EACCES" : werr ? "?" : "0", wr,
           errno == EINVAL ? "EINVAL" : errno ? "?" : "0");
    if (wf >= 0)
        close(wf);
    errno = 0;
    int df = open("/proc/self/maps", O_RDONLY | O_DIRECTORY);
    printf("open maps O_DIRECTORY=%d %s\n", df, errno == ENOTDIR ? "ENOTDIR" : "?");
    errno = 0;
    df = open("/proc/self/maps", O_RDONLY | O_CREAT | O_EXCL, 0600);
    printf("open maps O_CREAT|O_EXCL=%d %s\n", df, errno == EEXIST ? "EEXIST" : "?");
    int mf = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    printf("maps cloexec=%d read-only=%d\n", (fcntl(mf, F_GETFD) & FD_CLOEXEC) != 0,
           (fcntl(mf, F_GETFL) & O_ACCMODE) == O_RDONLY);
    errno = 0;
    wr = write(mf, "x", 1);
    printf("write to read-only maps=%zd %s\n", wr, errno == EBADF ? "EBADF" : "?");
    char first[16] = "";
    ssize_t pr = pread(mf, first, 8, 0);
    printf("pread at 0 gives the first line=%d\n", pr == 8 && memcmp(first, maps_text, 8) == 0);
    close(mf);

    /* cmdline and environ: the strings the program started with. */
    char cmd[8192];
    size_t cl = slurp("/proc/self/cmdline", cmd, sizeof cmd);
    char expect[8192];
    size_t el = 0;
    for (int i = 0; i < argc; i++) {
        size_t k = strlen(argv[i]) + 1;
        memcpy(expect + el, argv[i], k);
        el += k;
    }
    printf("cmdline is argv=%d (argc=%d)\n", cl == el && memcmp(cmd, expect, el) == 0, argc);
    static char env[1 << 16], eexp[1 << 16];
    size_t envl = slurp("/proc/self/environ", env, sizeof env), eel = 0;
    for (char **e = environ; *e; e++) {
        size_t k = strlen(*e) + 1;
        memcpy(eexp + eel, *e, k);
        eel += k;
    }
    printf("environ is the environment=%d\n", envl == eel && memcmp(env, eexp, eel) == 0);

    /* auxv: the vector the program started with. */
    static unsigned long av[512];
    int afd = open("/proc/self/auxv", O_RDONLY);
    ssize_t al = read(afd, av, sizeof av);
    close(afd);
    int pairs = (int)(al / 16), pagesz = 0, entry = 0, phdr = 0, random_ok = 0;
    for (int i = 0; i < pairs; i++) {
        unsigned long t = av[2 * i], v = av[2 * i + 1];
        pagesz |= t == AT_PAGESZ && v == 4096;
        entry |= t == AT_ENTRY && v == getauxval(AT_ENTRY);
        phdr |= t == AT_PHDR && v == getauxval(AT_PHDR);
        random_ok |= t == AT_RANDOM && v == getauxval(AT_RANDOM);
    }
    printf("auxv: whole pairs=%d ends with AT_NULL=%d AT_PAGESZ=%d AT_ENTRY=%d AT_PHDR=%d "
           "AT_RANDOM=%d\n", al % 16 == 0, pairs > 0 && av[2 * (pairs - 1)] == AT_NULL, pagesz,
           entry, phdr, random_ok);

    /* comm: the program's name, which PR_SET_NAME changes. */
    char name[32] = "";
    prctl(PR_GET_NAME, name, 0, 0, 0);
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    printf("PR_GET_NAME is the program's name=%d\n", strncmp(name, base, 15) == 0);
    char comm[64];
    slurp("/proc/self/comm", comm, sizeof comm);
    printf("comm matches=%d\n", strncmp(comm, name, strlen(name)) == 0);
    prctl(PR_SET_NAME, "renamed-guest-with-long-name", 0, 0, 0);
    prctl(PR_GET_NAME, name, 0, 0, 0);
    slurp("/proc/self/comm", comm, sizeof comm);
    printf("renamed: %s comm: %s", name, comm);

    /* glibc and musl find the main thread's stack through /proc/self/maps or by probing. */
    pthread_attr_t at;
    void *sa;
    size_t ss;
    if (pthread_getattr_np(pthread_self(), &at) == 0 && pthread_attr_getstack(&at, &sa, &ss) == 0)
        printf("main thread stack holds a local=%d\n",
               (char *)sa <= (char *)&local && (char *)&local < (char *)sa + ss);
    free(real);
    return 0;
}
