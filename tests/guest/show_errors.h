/* show_errors.h — for the guest programs that print what their calls return and the errors
 * they give (the output is compared between the native run and ferry's): SHOW, errno names,
 * and an address no call may read or write. */
#ifndef FERRY_GUEST_SHOW_ERRORS_H
#define FERRY_GUEST_SHOW_ERRORS_H

#include <errno.h>
#include <stdio.h>

/* errno as its name ("0" for none; EWOULDBLOCK is EAGAIN on Linux, printed as "EAGAIN") */

static const char *en(int e)
{
    switch (e) {
    case 0: return "0";
    case EBADF: return "EBADF";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case EAGAIN: return "EAGAIN";
    case ENOENT: return "ENOENT";
    case EPERM: return "EPERM";
    case ENOTTY: return "ENOTTY";
    case ECANCELED: return "ECANCELED";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EACCES: return "EACCES";
    case ELOOP: return "ELOOP";
    case EXDEV: return "EXDEV";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EFBIG: return "EFBIG";
    case ESPIPE: return "ESPIPE";
    case ENOTSOCK: return "ENOTSOCK";
    case EMSGSIZE: return "EMSGSIZE";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENOTCONN: return "ENOTCONN";
    case EISCONN: return "EISCONN";
    case EADDRINUSE: return "EADDRINUSE";
    case EPIPE: return "EPIPE";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case EINTR: return "EINTR";
    default: return "other";
    }
}


/* Print "label = result errno" for a call: -1 and the errno name for a negative result. */
#define SHOW(label, expr)                                          \
    do {                                                           \
        errno = 0;                                                 \
        long r_ = (long)(expr);                                    \
        printf("%s = %ld %s\n", label, r_ < 0 ? -1L : r_, en(r_ < 0 ? errno : 0)); \
    } while (0)

/* A bad pointer for EFAULT checks (volatile: no compile-time warnings) */
static void *volatile bad = (void *)16;

#endif
