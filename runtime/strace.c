/* strace.c — -strace formatting, and the names of errno values and signals.
 *
 * A line is "name(arg, arg) = result" (syscall.c adds the pid), following strace: strings
 * quoted and escaped and cut at 32 bytes with "...", flags as symbolic OR-lists, AT_FDCWD by
 * name, errors as "-1 ENAME (message)". How each argument prints comes from its kind letter in
 * syscalls.def. Guest memory is read only through the safe copies, so a bad pointer prints as
 * an address instead of faulting.
 *
 * errno and signal numbers are the same for an x86-64 guest and the x86-64 and aarch64 hosts
 * (the asm-generic numbering), so the names come from the host's constants and the messages
 * from strerror.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "runtime/guest_abi.h"
#include "runtime/syscall.h"

/* ---------------------------------------------------------------- names */

#define N(x) [x] = #x
static const char *const errno_names[] = {
    N(EPERM), N(ENOENT), N(ESRCH), N(EINTR), N(EIO), N(ENXIO), N(E2BIG), N(ENOEXEC),
    N(EBADF), N(ECHILD), N(EAGAIN), N(ENOMEM), N(EACCES), N(EFAULT), N(ENOTBLK), N(EBUSY),
    N(EEXIST), N(EXDEV), N(ENODEV), N(ENOTDIR), N(EISDIR), N(EINVAL), N(ENFILE), N(EMFILE),
    N(ENOTTY), N(ETXTBSY), N(EFBIG), N(ENOSPC), N(ESPIPE), N(EROFS), N(EMLINK), N(EPIPE),
    N(EDOM), N(ERANGE), N(EDEADLK), N(ENAMETOOLONG), N(ENOLCK), N(ENOSYS), N(ENOTEMPTY),
    N(ELOOP), N(ENOMSG), N(EIDRM), N(ECHRNG), N(EL2NSYNC), N(EL3HLT), N(EL3RST), N(ELNRNG),
    N(EUNATCH), N(ENOCSI), N(EL2HLT), N(EBADE), N(EBADR), N(EXFULL), N(ENOANO), N(EBADRQC),
    N(EBADSLT), N(EBFONT), N(ENOSTR), N(ENODATA), N(ETIME), N(ENOSR), N(ENONET), N(ENOPKG),
    N(EREMOTE), N(ENOLINK), N(EADV), N(ESRMNT), N(ECOMM), N(EPROTO), N(EMULTIHOP),
    N(EDOTDOT), N(EBADMSG), N(EOVERFLOW), N(ENOTUNIQ), N(EBADFD), N(EREMCHG), N(ELIBACC),
    N(ELIBBAD), N(ELIBSCN), N(ELIBMAX), N(ELIBEXEC), N(EILSEQ), N(ERESTART), N(ESTRPIPE),
    N(EUSERS), N(ENOTSOCK), N(EDESTADDRREQ), N(EMSGSIZE), N(EPROTOTYPE), N(ENOPROTOOPT),
    N(EPROTONOSUPPORT), N(ESOCKTNOSUPPORT), N(EOPNOTSUPP), N(EPFNOSUPPORT), N(EAFNOSUPPORT),
    N(EADDRINUSE), N(EADDRNOTAVAIL), N(ENETDOWN), N(ENETUNREACH), N(ENETRESET),
    N(ECONNABORTED), N(ECONNRESET), N(ENOBUFS), N(EISCONN), N(ENOTCONN), N(ESHUTDOWN),
    N(ETOOMANYREFS), N(ETIMEDOUT), N(ECONNREFUSED), N(EHOSTDOWN), N(EHOSTUNREACH),
    N(EALREADY), N(EINPROGRESS), N(ESTALE), N(EUCLEAN), N(ENOTNAM), N(ENAVAIL), N(EISNAM),
    N(EREMOTEIO), N(EDQUOT), N(ENOMEDIUM), N(EMEDIUMTYPE), N(ECANCELED), N(ENOKEY),
    N(EKEYEXPIRED), N(EKEYREVOKED), N(EKEYREJECTED), N(EOWNERDEAD), N(ENOTRECOVERABLE),
    N(ERFKILL), N(EHWPOISON),
};

static const char *const signal_names[] = {
    N(SIGHUP), N(SIGINT), N(SIGQUIT), N(SIGILL), N(SIGTRAP), N(SIGABRT), N(SIGBUS), N(SIGFPE),
    N(SIGKILL), N(SIGUSR1), N(SIGSEGV), N(SIGUSR2), N(SIGPIPE), N(SIGALRM), N(SIGTERM),
    N(SIGSTKFLT), N(SIGCHLD), N(SIGCONT), N(SIGSTOP), N(SIGTSTP), N(SIGTTIN), N(SIGTTOU),
    N(SIGURG), N(SIGXCPU), N(SIGXFSZ), N(SIGVTALRM), N(SIGPROF), N(SIGWINCH), N(SIGIO),
    N(SIGPWR), N(SIGSYS),
};
#undef N

const char *rt_errno_name(int err)
{
    if (err <= 0 || (size_t)err >= sizeof errno_names / sizeof errno_names[0])
        return NULL;
    return errno_names[err];
}

const char *rt_signal_name(int sig)
{
    if (sig <= 0 || (size_t)sig >= sizeof signal_names / sizeof signal_names[0])
        return NULL;
    return signal_names[sig];
}

/* ---------------------------------------------------------------- output buffer */

typedef struct Out {
    char *buf;
    size_t n, len;      /* capacity, characters wanted so far (may exceed n) */
} Out;

__attribute__((format(printf, 2, 3)))
static void out(Out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->n ? o->n - o->len : 0;
    int k = vsnprintf(o->buf + (o->len < o->n ? o->len : o->n - 1), room ? room : 1, fmt, ap);
    va_end(ap);
    if (k > 0)
        o->len += (size_t)k;
}

static size_t out_done(Out *o)
{
    if (o->len >= o->n) {
        o->buf[o->n - 1] = '\0';
        return o->n - 1;
    }
    return o->len;
}

/* ---------------------------------------------------------------- argument printers */

#define STR_MAX 32

static void out_bytes(Out *o, const unsigned char *s, size_t n, bool more)
{
    out(o, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        switch (c) {
        case '\n': out(o, "\\n"); break;
        case '\t': out(o, "\\t"); break;
        case '\r': out(o, "\\r"); break;
        case '"':  out(o, "\\\""); break;
        case '\\': out(o, "\\\\"); break;
        default:
            if (c >= 0x20 && c < 0x7f)
                out(o, "%c", c);
            else
                out(o, "\\x%02x", c);
        }
    }
    out(o, more ? "\"..." : "\"");
}

static void out_ptr(Out *o, uint64_t v)
{
    if (v == 0)
        out(o, "NULL");
    else
        out(o, "0x%llx", (unsigned long long)v);
}

static void out_string(Out *o, const RtProcess *p, uint64_t addr)
{
    char s[STR_MAX + 2];
    int64_t n = rt_strncpy_from_guest(p, s, addr, sizeof s);
    if (n == -EFAULT || (n < 0 && n != -ENAMETOOLONG)) {
        out_ptr(o, addr);
        return;
    }
    bool more = n < 0;
    out_bytes(o, (const unsigned char *)s, more ? STR_MAX : (size_t)n, more);
}

static void out_buffer(Out *o, const RtProcess *p, uint64_t addr, uint64_t len)
{
    unsigned char s[STR_MAX];
    size_t n = len > STR_MAX ? STR_MAX : (size_t)len;
    if (rt_copy_from_guest(p, s, addr, n) < 0) {
        out_ptr(o, addr);
        return;
    }
    out_bytes(o, s, n, len > STR_MAX);
}

typedef struct FlagName { uint64_t bit; const char *name; } FlagName;

/* OR-list of the bits in v named by t, then any rest in hex; "0" when nothing at all. */
static void out_flags(Out *o, uint64_t v, const FlagName *t, size_t nt, bool first)
{
    for (size_t i = 0; i < nt; i++) {
        if (t[i].bit && (v & t[i].bit) == t[i].bit) {
            out(o, "%s%s", first ? "" : "|", t[i].name);
            v &= ~t[i].bit;
            first = false;
        }
    }
    if (v || first)
        out(o, "%s0x%llx", first ? "" : "|", (unsigned long long)v);
}

static const FlagName open_flags[] = {
    { GUEST_O_CREAT, "O_CREAT" }, { GUEST_O_EXCL, "O_EXCL" }, { GUEST_O_NOCTTY, "O_NOCTTY" },
    { GUEST_O_TRUNC, "O_TRUNC" }, { GUEST_O_APPEND, "O_APPEND" },
    { GUEST_O_NONBLOCK, "O_NONBLOCK" }, { GUEST___O_SYNC | GUEST_O_DSYNC, "O_SYNC" },
    { GUEST_O_DSYNC, "O_DSYNC" }, { GUEST_O_ASYNC, "O_ASYNC" }, { GUEST_O_DIRECT, "O_DIRECT" },
    { GUEST_O_LARGEFILE, "O_LARGEFILE" }, { GUEST___O_TMPFILE | GUEST_O_DIRECTORY, "O_TMPFILE" },
    { GUEST_O_DIRECTORY, "O_DIRECTORY" }, { GUEST_O_NOFOLLOW, "O_NOFOLLOW" },
    { GUEST_O_NOATIME, "O_NOATIME" }, { GUEST_O_CLOEXEC, "O_CLOEXEC" }, { GUEST_O_PATH, "O_PATH" },
};
static const FlagName prot_flags[] = {
    { GUEST_PROT_READ, "PROT_READ" }, { GUEST_PROT_WRITE, "PROT_WRITE" },
    { GUEST_PROT_EXEC, "PROT_EXEC" }, { GUEST_PROT_SEM, "PROT_SEM" },
    { GUEST_PROT_GROWSDOWN, "PROT_GROWSDOWN" }, { GUEST_PROT_GROWSUP, "PROT_GROWSUP" },
};
static const FlagName map_flags[] = {
    { GUEST_MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE" }, { GUEST_MAP_FIXED, "MAP_FIXED" },
    { GUEST_MAP_ANONYMOUS, "MAP_ANONYMOUS" }, { GUEST_MAP_32BIT, "MAP_32BIT" },
    { GUEST_MAP_GROWSDOWN, "MAP_GROWSDOWN" }, { GUEST_MAP_DENYWRITE, "MAP_DENYWRITE" },
    { GUEST_MAP_EXECUTABLE, "MAP_EXECUTABLE" }, { GUEST_MAP_LOCKED, "MAP_LOCKED" },
    { GUEST_MAP_NORESERVE, "MAP_NORESERVE" }, { GUEST_MAP_POPULATE, "MAP_POPULATE" },
    { GUEST_MAP_NONBLOCK, "MAP_NONBLOCK" }, { GUEST_MAP_STACK, "MAP_STACK" },
    { GUEST_MAP_HUGETLB, "MAP_HUGETLB" }, { GUEST_MAP_SYNC, "MAP_SYNC" },
};
#define NF(t) (sizeof t / sizeof t[0])

static void out_open_flags(Out *o, uint64_t v)
{
    static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
    out(o, "%s", acc[v & GUEST_O_ACCMODE]);
    out_flags(o, (uint32_t)v & ~(uint64_t)GUEST_O_ACCMODE, open_flags, NF(open_flags), false);
}

static void out_map_flags(Out *o, uint64_t v)
{
    static const char *const type[] = { [GUEST_MAP_SHARED] = "MAP_SHARED",
        [GUEST_MAP_PRIVATE] = "MAP_PRIVATE", [GUEST_MAP_SHARED_VALIDATE] = "MAP_SHARED_VALIDATE" };
    unsigned t = v & GUEST_MAP_TYPE;
    bool first = true;
    if (t < NF(type) && type[t]) {
        out(o, "%s", type[t]);
        v &= ~(uint64_t)GUEST_MAP_TYPE;
        first = false;
    }
    if (v || first)
        out_flags(o, (uint32_t)v, map_flags, NF(map_flags), first);
}

static void out_arg(Out *o, const RtProcess *p, char kind, const uint64_t *a, int i,
                    int64_t ret, bool returned)
{
    uint64_t v = a[i];
    switch (kind) {
    case 'i': out(o, "%d", rt_arg_int(v)); break;
    case 'l': out(o, "%lld", (long long)v); break;
    case 'u': out(o, "%llu", (unsigned long long)v); break;
    case 'p': out_ptr(o, v); break;
    case 's': out_string(o, p, v); break;
    case 'w': out_buffer(o, p, v, i + 1 < 6 ? a[i + 1] : 0); break;
    case 'b':
        if (returned && ret > 0)
            out_buffer(o, p, v, (uint64_t)ret);
        else
            out_ptr(o, v);
        break;
    case 'd':
        if (rt_arg_int(v) == GUEST_AT_FDCWD)
            out(o, "AT_FDCWD");
        else
            out(o, "%d", rt_arg_int(v));
        break;
    case 'f': out_open_flags(o, v); break;
    case 'm': out(o, "%#o", (unsigned)v); break;
    case 'P':
        if ((uint32_t)v == 0)
            out(o, "PROT_NONE");
        else
            out_flags(o, (uint32_t)v, prot_flags, NF(prot_flags), true);
        break;
    case 'M': out_map_flags(o, v); break;
    case 'S': {
        const char *s = rt_signal_name(rt_arg_int(v));
        if (s)
            out(o, "%s", s);
        else
            out(o, "%d", rt_arg_int(v));
        break;
    }
    default: out(o, "0x%llx", (unsigned long long)v); break;   /* 'x' */
    }
}

/* ---------------------------------------------------------------- lines */

size_t rt_strace_result(char *buf, size_t n, int64_t ret, char kind)
{
    Out o = { buf, n, 0 };
    if (kind == '?')
        out(&o, " = ?");
    else if (ret < 0 && ret >= -4095) {
        int e = (int)-ret;
        const char *name = rt_errno_name(e);
        if (name)
            out(&o, " = -1 %s (%s)", name, strerror(e));
        else
            out(&o, " = -1 errno %d", e);
    } else if (kind == 'x')
        out(&o, " = 0x%llx", (unsigned long long)ret);
    else if (kind == 'm')
        out(&o, " = %#llo", (unsigned long long)ret);
    else
        out(&o, " = %lld", (long long)ret);
    return out_done(&o);
}

size_t rt_strace_format(const RtProcess *p, char *buf, size_t n, const RtSyscallDesc *d,
                        uint64_t nr, const uint64_t *a, int64_t ret, bool returned)
{
    Out o = { buf, n, 0 };
    char rkind = 'd';
    if (!d) {
        out(&o, "syscall_%llu(", (unsigned long long)nr);
        for (int i = 0; i < 6; i++)
            out(&o, "%s0x%llx", i ? ", " : "", (unsigned long long)a[i]);
        out(&o, ")");
    } else {
        out(&o, "%s(", d->name);
        for (int i = 0; i < d->nargs && i < 6; i++) {
            if (i)
                out(&o, ", ");
            out_arg(&o, p, d->kinds[i], a, i, ret, returned);
        }
        out(&o, ")");
        const char *eq = strchr(d->kinds, '=');
        if (eq && eq[1])
            rkind = eq[1];
    }
    size_t len = out_done(&o);
    if (len + 1 < n)
        len += rt_strace_result(buf + len, n - len, ret, returned ? rkind : '?');
    return len;
}
