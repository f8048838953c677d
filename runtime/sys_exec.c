/* sys_exec.c — execve and execveat: the new program runs under ferry too.
 *
 * ferry replaces itself with a new ferry (its own binary, RtProcess.ferry_path, found through
 * /proc/self/exe at start-up) given the same options (rt_options_for_exec: -L, -d, the log,
 * -strace, -cpu, -singlestep, --interp, -tso), the guest's argv[0] with -0, and the new program:
 *
 *     FERRY [options] [-E LD_...=...] -0 ARGV0 -- PROGRAM ARGV[1]...      environment: envp
 *
 * (with --exec-wrapper W, `W FERRY ...`: a ferry built for another host, running under an
 * emulator such as qemu-aarch64-static without binfmt_misc, can start its children only so)
 *
 * Before that, everything the kernel would refuse is refused here, with the errno Linux gives,
 * while the guest still exists to report it: a path that does not resolve (ENOENT, ENOTDIR,
 * ELOOP, ENAMETOOLONG, EACCES), something other than a regular file or without execute
 * permission (EACCES), a file ferry cannot read (EACCES: ferry must read what it translates,
 * where Linux runs execute-only files), "#!" scripts whose interpreter fails these checks in
 * turn (ENOENT for a missing one, ELOOP past four levels), and ELF files that ferry's loader
 * would refuse (rt_elf_check: ENOEXEC; ENOENT for a missing dynamic loader, ELIBBAD for a bad
 * one). Anything else is ENOEXEC, as for the kernel (glibc's execvp then tries /bin/sh).
 * Scripts are resolved here as binfmt_script does: argv becomes INTERP [ARG] PATH ARGV[1]...
 * and the new ferry runs the interpreter.
 *
 * The environment is the guest's envp, except that LD_* variables travel as -E options: the
 * host's dynamic loader would otherwise apply the guest's LD_PRELOAD or LD_LIBRARY_PATH to
 * ferry itself (they reappear at the end of the guest's environment). The -D log descriptor
 * is passed on with --log-fd, so the whole process tree logs to one file. Paths go through the
 * -L sysroot as every path does (the new program's AT_EXECFN is then the host path). A
 * successful execve prints its -strace line before ferry goes, as strace shows "= 0".
 *
 * Signals: the host's dispositions and mask are the guest's (signal.c mirrors them), so the
 * host execve keeps ignored signals ignored and the mask as Linux does, and the new ferry
 * reads them back at start-up.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "runtime/guest_abi.h"
#include "runtime/syscall.h"

/* Linux's limits: one string (MAX_ARG_STRLEN), and ferry's initial stack (stack.c) for all. */
#define RT_MAX_ARG_STRLEN (32u * 4096u)
#define RT_EXEC_ARG_MAX   (2u << 20)
#define RT_MAX_SCRIPT_DEPTH 4       /* binfmt_script: interpreters of interpreters */
#define RT_BINPRM_BUF 256           /* the bytes of the file the kernel looks at */
#define MAX_PREFIX (1 + 2 * RT_MAX_SCRIPT_DEPTH + 1)
#define N_FERRY_OPTS 16

/* ---------------------------------------------------------------- copying argv and envp */

typedef struct StrList {
    char *buf;                  /* the strings, NUL-terminated, back to back */
    size_t len, cap;
    size_t *off;                /* offset of each string in buf */
    size_t n, ncap;
} StrList;

static void strlist_free(StrList *l)
{
    free(l->buf);
    free(l->off);
    memset(l, 0, sizeof *l);
}

static int64_t strlist_push(StrList *l, const char *s, size_t len)
{
    if (l->len + len + 1 > l->cap) {
        size_t cap = l->cap ? l->cap : 4096;
        while (cap < l->len + len + 1)
            cap *= 2;
        char *b = realloc(l->buf, cap);
        if (!b)
            return -ENOMEM;
        l->buf = b;
        l->cap = cap;
    }
    if (l->n == l->ncap) {
        size_t ncap = l->ncap ? l->ncap * 2 : 64;
        size_t *o = realloc(l->off, ncap * sizeof *o);
        if (!o)
            return -ENOMEM;
        l->off = o;
        l->ncap = ncap;
    }
    l->off[l->n++] = l->len;
    memcpy(l->buf + l->len, s, len);
    l->buf[l->len + len] = '\0';
    l->len += len + 1;
    return 0;
}

static const char *strlist_get(const StrList *l, size_t i)
{
    return l->buf + l->off[i];
}

/* Copy the guest's NULL-terminated array of strings at vec (NULL: empty) into l, counting
 * the bytes against *total. */
static int64_t copy_vector(RtThread *t, uint64_t vec, StrList *l, char *scratch, size_t *total)
{
    if (!vec)
        return 0;
    for (uint64_t i = 0;; i++) {
        uint64_t ptr;
        if (rt_copy_from_guest(t->proc, &ptr, vec + 8 * i, 8) < 0)
            return -EFAULT;
        if (!ptr)
            return 0;
        int64_t n = rt_strncpy_from_guest(t->proc, scratch, ptr, RT_MAX_ARG_STRLEN + 1);
        if (n == -ENAMETOOLONG)
            return -E2BIG;
        if (n < 0)
            return n;
        *total += (size_t)n + 1 + 8;
        if (*total > RT_EXEC_ARG_MAX)
            return -E2BIG;
        int64_t e = strlist_push(l, scratch, (size_t)n);
        if (e < 0)
            return e;
    }
}

/* ---------------------------------------------------------------- what the kernel would run */

typedef struct ExecPlan {
    const char *prefix[MAX_PREFIX]; /* replaces argv[0]: INTERP [ARG] PATH ..., or ARGV0 */
    int nprefix;
    char lines[RT_MAX_SCRIPT_DEPTH][RT_BINPRM_BUF + 1]; /* "#!" lines, cut into strings */
    char program[PATH_MAX];         /* host path of the ELF file the new ferry loads */
} ExecPlan;

/* Parse the "#!" line in line (NUL-terminated, without "#!") into interp and arg (NULL if
 * none), in place. Returns false for a line without an interpreter. */
static bool parse_shebang(char *line, bool complete, char **interp, char **arg)
{
    char *s = line + strspn(line, " \t");
    if (*s == '\0')
        return false;
    size_t ilen = strcspn(s, " \t");
    if (!complete && s[ilen] == '\0')
        return false;           /* the interpreter's name runs past what the kernel reads */
    *interp = s;
    char *rest = s + ilen;
    *arg = NULL;
    if (*rest) {
        *rest++ = '\0';
        rest += strspn(rest, " \t");
        size_t len = strlen(rest);
        while (len > 0 && (rest[len - 1] == ' ' || rest[len - 1] == '\t'))
            rest[--len] = '\0';
        if (len > 0)
            *arg = rest;        /* the rest of the line is one argument, as in Linux */
    }
    return true;
}

/* Check the file at host path `host`, which the guest names `name`, as execve would, and
 * fill plan (scripts prepend their interpreter). Returns 0 or -errno. */
static int64_t plan_exec(RtProcess *p, const char *host, const char *name, int depth,
                         ExecPlan *plan)
{
    struct stat st;
    if (stat(host, &st) != 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EACCES;
    if (faccessat(AT_FDCWD, host, X_OK, AT_EACCESS) != 0)
        return -errno;
    int fd = open(host, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    char buf[RT_BINPRM_BUF + 1];
    ssize_t n = pread(fd, buf, RT_BINPRM_BUF, 0);
    close(fd);
    if (n < 0)
        return -EIO;
    buf[n] = '\0';
    if (n >= 2 && buf[0] == '#' && buf[1] == '!') {
        if (depth >= RT_MAX_SCRIPT_DEPTH)
            return -ELOOP;
        char *line = plan->lines[depth];
        size_t len = strcspn(buf + 2, "\n");
        bool complete = buf[2 + len] == '\n' || n < RT_BINPRM_BUF;
        memcpy(line, buf + 2, len);
        line[len] = '\0';
        char *interp, *arg;
        if (!parse_shebang(line, complete, &interp, &arg))
            return -ENOEXEC;
        /* argv: INTERP [ARG] NAME, then what followed the old argv[0]. */
        int keep = plan->nprefix - 1, add = arg ? 3 : 2;
        if (keep + add > MAX_PREFIX)
            return -ELOOP;
        memmove(&plan->prefix[add], &plan->prefix[1], (size_t)keep * sizeof plan->prefix[0]);
        plan->prefix[0] = interp;
        if (arg)
            plan->prefix[1] = arg;
        plan->prefix[add - 1] = name;
        plan->nprefix = keep + add;
        char ihost[PATH_MAX];
        const char *ih = rt_sysroot_path(&p->opt, interp, ihost, sizeof ihost, true);
        return plan_exec(p, ih, interp, depth + 1, plan);
    }
    char why[PATH_MAX + 256];
    int e = rt_elf_check(&p->opt, host, why, sizeof why);
    if (e < 0) {
        if (p->log.mask)
            rt_log_printf(p, "ferry: execve %s: %s\n", host, why);
        return e;
    }
    if (snprintf(plan->program, sizeof plan->program, "%s", host) >= (int)sizeof plan->program)
        return -ENAMETOOLONG;
    return 0;
}

/* The host path for execveat's (dirfd, path, flags): 0 or -errno. */
static int64_t exec_host_path(RtThread *t, int dirfd, uint64_t gpath, int flags, char *name,
                              char *host)
{
    bool follow = !(flags & GUEST_AT_SYMLINK_NOFOLLOW);
    int64_t e = rt_strncpy_from_guest(t->proc, name, gpath, PATH_MAX);
    if (e < 0)
        return e;
    if (name[0] == '\0' && !(flags & GUEST_AT_EMPTY_PATH))
        return -ENOENT;
    if (name[0] == '/' || (dirfd == GUEST_AT_FDCWD && name[0] != '\0')) {
        e = rt_path_from_guest(t, gpath, host, follow);
        if (e < 0)
            return e;
    } else {
        /* Relative to a descriptor (or the descriptor itself): the new ferry cannot inherit
         * it reliably (it may be close-on-exec), so go by the path it was opened with. */
        if (rt_fd_reserved(t->proc, dirfd) || dirfd < 0)
            return -EBADF;
        char link[64], dir[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
        ssize_t n = readlink(link, dir, sizeof dir - 1);
        if (n < 0)
            return -EBADF;
        dir[n] = '\0';
        if (dir[0] != '/')
            return -ENOENT;     /* a memfd, pipe or socket: not a path ferry can run */
        int len = name[0] ? snprintf(host, PATH_MAX, "%s/%s", dir, name)
                          : snprintf(host, PATH_MAX, "%s", dir);
        if (len >= PATH_MAX)
            return -ENAMETOOLONG;
        if (name[0] == '\0') {
            snprintf(name, PATH_MAX, "/dev/fd/%d", dirfd);    /* what Linux calls it */
        }
    }
    if (!follow) {
        struct stat st;
        if (lstat(host, &st) == 0 && S_ISLNK(st.st_mode))
            return -ELOOP;
    }
    return 0;
}

/* ---------------------------------------------------------------- execve */

/* Copy the NULL-terminated vectors v (nv slots, NULL-terminated within) and env into one
 * allocation: nv pointer slots, then env's, then the strings. NULL when out of memory. */
static char **pack(char **v, size_t nv, char **env)
{
    size_t ne = 0, bytes = 0;
    for (size_t i = 0; v[i]; i++)
        bytes += strlen(v[i]) + 1;
    for (; env[ne]; ne++)
        bytes += strlen(env[ne]) + 1;
    char **b = malloc((nv + ne + 1) * sizeof *b + bytes);
    if (!b)
        return NULL;
    char *s = (char *)(b + nv + ne + 1);
    size_t i = 0;
    for (; v[i]; i++) {
        size_t n = strlen(v[i]) + 1;
        b[i] = memcpy(s, v[i], n);
        s += n;
    }
    for (; i < nv; i++)
        b[i] = NULL;
    for (size_t j = 0; j <= ne; j++) {
        if (j == ne) {
            b[nv + j] = NULL;
            break;
        }
        size_t n = strlen(env[j]) + 1;
        b[nv + j] = memcpy(s, env[j], n);
        s += n;
    }
    return b;
}

static bool is_ld_var(const char *e)
{
    return strncmp(e, "LD_", 3) == 0 && strchr(e, '=') != NULL;
}

/* execve (nr 59) and execveat (322); a is the call's arguments, for -strace. */
static int64_t do_execveat(RtThread *t, uint64_t nr, const uint64_t *a, int dirfd,
                           uint64_t gpath, uint64_t gargv, uint64_t genvp, int flags)
{
    RtProcess *p = t->proc;
    if (flags & ~(GUEST_AT_SYMLINK_NOFOLLOW | GUEST_AT_EMPTY_PATH))
        return -EINVAL;
    char name[PATH_MAX], host[PATH_MAX];
    int64_t e = exec_host_path(t, dirfd, gpath, flags, name, host);
    if (e < 0)
        return e;

    StrList args = { 0 }, env = { 0 };
    char *scratch = malloc(RT_MAX_ARG_STRLEN + 1);
    ExecPlan *plan = malloc(sizeof *plan);
    size_t total = 0;
    if (!scratch || !plan) {
        e = -ENOMEM;
        goto out;
    }
    if ((e = copy_vector(t, gargv, &args, scratch, &total)) < 0 ||
        (e = copy_vector(t, genvp, &env, scratch, &total)) < 0)
        goto out;

    /* Linux (5.18 on) runs a program given no argv with argv[0] = "". */
    plan->prefix[0] = args.n ? strlist_get(&args, 0) : "";
    plan->nprefix = 1;
    if ((e = plan_exec(p, host, name, 0, plan)) < 0)
        goto out;

    /* One block for the host's argv and environment (exec_pending owns it). */
    size_t nld = 0;
    for (size_t i = 0; i < env.n; i++)
        nld += is_ld_var(strlist_get(&env, i));
    size_t rest = args.n > 1 ? args.n - 1 : 0;
    size_t nargv = 2 + N_FERRY_OPTS + 2 * nld + 2 + 2 + (size_t)plan->nprefix - 1 + rest + 1;
    size_t nenv = env.n - nld + 1;
    char **fargv = malloc((nargv + nenv) * sizeof *fargv);
    if (!fargv) {
        e = -ENOMEM;
        goto out;
    }
    char **henv = fargv + nargv;
    size_t k = 0, h = 0;
    const char *wrapper = p->opt.exec_wrapper;   /* --exec-wrapper: an emulator runs ferry */
    if (wrapper)
        fargv[k++] = (char *)wrapper;
    fargv[k++] = (char *)p->ferry_path;
    const char *opts[N_FERRY_OPTS];
    int nopt = rt_options_for_exec(&p->opt, p->log_fd, opts, N_FERRY_OPTS);
    for (int i = 0; i < nopt; i++)
        fargv[k++] = (char *)opts[i];
    for (size_t i = 0; i < env.n; i++) {
        char *v = (char *)strlist_get(&env, i);
        if (is_ld_var(v)) {
            fargv[k++] = "-E";
            fargv[k++] = v;
        } else {
            henv[h++] = v;
        }
    }
    henv[h] = NULL;
    fargv[k++] = "-0";
    fargv[k++] = (char *)plan->prefix[0];
    fargv[k++] = "--";
    fargv[k++] = plan->program;
    for (int i = 1; i < plan->nprefix; i++)
        fargv[k++] = (char *)plan->prefix[i];
    for (size_t i = 1; i < args.n; i++)
        fargv[k++] = (char *)strlist_get(&args, i);
    fargv[k] = NULL;
    /* Into one block that owns its strings too (exec_pending frees it with one free). */
    char **block = pack(fargv, nargv, henv);
    free(fargv);
    if (!block) {
        e = -ENOMEM;
        goto out;
    }
    fargv = block;
    henv = block + nargv;
    free(scratch);
    free(plan);
    strlist_free(&args);
    strlist_free(&env);
    scratch = NULL;
    plan = NULL;

    /* Point of no return for the guest, unless the host's execve itself fails. */
    if (p->opt.strace) {
        char line[1024];
        rt_strace_format(p, line, sizeof line, rt_syscall_lookup(nr), nr, a, 0, true);
        fprintf(p->log.f, "%d %s\n", (int)getpid(), line);
    }
    if (rt_log_on(p, RT_LOG_STATS))
        rt_log_stats(p);
    rt_log_flush(p);
    fflush(NULL);
    if (p->log_fd >= 0)
        fcntl(p->log_fd, F_SETFD, 0);           /* the new ferry logs there too */
    p->exec_pending = fargv;                    /* see RtProcess.exec_pending */
    execve(wrapper ? wrapper : p->ferry_path, fargv, henv);
    e = -errno;
    p->exec_pending = NULL;
    if (p->log_fd >= 0)
        fcntl(p->log_fd, F_SETFD, FD_CLOEXEC);
    free(fargv);
out:
    free(scratch);
    free(plan);
    strlist_free(&args);
    strlist_free(&env);
    return e;
}

int64_t rt_sys_execve(RtThread *t, const uint64_t *a)
{
    return do_execveat(t, 59, a, GUEST_AT_FDCWD, a[0], a[1], a[2], 0);
}

int64_t rt_sys_execveat(RtThread *t, const uint64_t *a)
{
    return do_execveat(t, 322, a, rt_arg_int(a[0]), a[1], a[2], a[3], rt_arg_int(a[4]));
}
