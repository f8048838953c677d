/* net_sockets: the socket calls over loopback TCP and UDP and over unix sockets, with a forked
 * peer: socket, bind, listen, accept/accept4, connect, getsockname, getpeername, sendto,
 * recvfrom, sendmsg/recvmsg with iovecs and SCM_RIGHTS, sendmmsg/recvmmsg, shutdown,
 * setsockopt/getsockopt, socketpair, and the errors Linux gives for bad arguments (through
 * syscall() where musl's wrappers would read the bad pointer themselves). Ports, descriptors
 * and addresses are not printed, only what they must be. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show_errors.h"

static void tcp_loopback(void)
{
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    SHOW("setsockopt SO_REUSEADDR", setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    int v = 0;
    socklen_t vl = sizeof v;
    getsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &v, &vl);
    printf("SO_REUSEADDR=%d len=%u\n", v != 0, (unsigned)vl);
    vl = sizeof v;
    getsockopt(ls, SOL_SOCKET, SO_TYPE, &v, &vl);
    printf("SO_TYPE stream=%d\n", v == SOCK_STREAM);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    SHOW("bind", bind(ls, (struct sockaddr *)&a, sizeof a));
    socklen_t al = sizeof a;
    SHOW("getsockname", getsockname(ls, (struct sockaddr *)&a, &al));
    printf("bound family=%d len=%u loopback=%d port>0=%d\n", a.sin_family, (unsigned)al,
           a.sin_addr.s_addr == htonl(INADDR_LOOPBACK), ntohs(a.sin_port) > 0);
    SHOW("accept before listen", accept(ls, NULL, NULL));
    SHOW("listen", listen(ls, 4));

    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, sizeof a) != 0)
            _exit(10);
        const char msg[] = "hello over tcp";
        if (send(c, msg, sizeof msg, 0) != (ssize_t)sizeof msg)
            _exit(11);
        char buf[64];
        ssize_t n = recv(c, buf, sizeof msg, MSG_WAITALL);
        if (n != (ssize_t)sizeof msg || memcmp(buf, "HELLO OVER TCP", sizeof msg) != 0)
            _exit(12);
        shutdown(c, SHUT_WR);
        n = recv(c, buf, sizeof buf, 0);      /* the server closes after our EOF */
        _exit(n == 0 ? 0 : 13);
    }
    struct sockaddr_in peer;
    socklen_t pl = 3;                           /* shorter than the address: truncated */
    int s = accept4(ls, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
    printf("accept4 ok=%d peer len=%u cloexec=%d\n", s >= 0, (unsigned)pl,
           (fcntl(s, F_GETFD) & FD_CLOEXEC) != 0);
    pl = sizeof peer;
    SHOW("getpeername", getpeername(s, (struct sockaddr *)&peer, &pl));
    printf("peer family=%d loopback=%d\n", peer.sin_family,
           peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    one = 1;
    SHOW("setsockopt TCP_NODELAY", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    char buf[64];
    ssize_t n = recv(s, buf, 15, MSG_WAITALL);    /* the child's 15 bytes */
    n = n > 0 ? n : 0;
    printf("server got %zd bytes: %s\n", n, n ? buf : "");
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] >= 'a' && buf[i] <= 'z')
            buf[i] = (char)(buf[i] - 32);
    SHOW("send back", send(s, buf, (size_t)n, 0));
    n = recv(s, buf, sizeof buf, 0);
    printf("recv after peer shutdown = %zd\n", n);
    close(s);
    int st;
    waitpid(pid, &st, 0);
    printf("tcp child exit=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    close(ls);

    /* Refused connection, and errors. */
    int c = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("connect refused", connect(c, (struct sockaddr *)&a, sizeof a));
    SHOW("connect bad address", connect(c, bad, sizeof a));
    SHOW("connect addrlen 1000", connect(c, (struct sockaddr *)&a, 1000));
    SHOW("send unconnected", send(c, "x", 1, MSG_NOSIGNAL));
    SHOW("getpeername unconnected", getpeername(c, (struct sockaddr *)&peer, &pl));
    SHOW("getsockopt bad optlen", getsockopt(c, SOL_SOCKET, SO_TYPE, &v, bad));
    SHOW("getsockopt negative optlen", (vl = (socklen_t)-1, getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &vl)));
    SHOW("setsockopt bad value", setsockopt(c, SOL_SOCKET, SO_REUSEADDR, bad, sizeof one));
    SHOW("setsockopt short value", setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, 1));
    SHOW("setsockopt unknown", setsockopt(c, SOL_SOCKET, 12345, &one, sizeof one));
    vl = sizeof v;
    SHOW("getsockopt SO_ERROR", getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &vl));
    close(c);
}

static void udp_loopback(void)
{
    int r = socket(AF_INET, SOCK_DGRAM, 0), w = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bind(r, (struct sockaddr *)&a, sizeof a);
    socklen_t al = sizeof a;
    getsockname(r, (struct sockaddr *)&a, &al);
    SHOW("sendto", sendto(w, "datagram-1", 10, 0, (struct sockaddr *)&a, sizeof a));
    SHOW("send unconnected udp", send(w, "x", 1, 0));
    char buf[32];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    printf("recvfrom=%zd '%.*s' from len=%u family=%d\n", n, (int)(n > 0 ? n : 0), buf,
           (unsigned)fl, from.sin_family);
    SHOW("recvfrom nothing (MSG_DONTWAIT)", recvfrom(r, buf, sizeof buf, MSG_DONTWAIT, NULL, NULL));
    SHOW("sendto bad buffer", sendto(w, bad, 10, 0, (struct sockaddr *)&a, sizeof a));
    SHOW("sendto bad address", sendto(w, "x", 1, 0, bad, sizeof a));

    /* A datagram bigger than the buffer: truncated, MSG_TRUNC in msg_flags. */
    sendto(w, "0123456789abcdef", 16, 0, (struct sockaddr *)&a, sizeof a);
    char p1[4], p2[4];
    struct iovec iov[2] = { { p1, sizeof p1 }, { p2, sizeof p2 } };
    struct sockaddr_in name;
    struct msghdr m = { .msg_name = &name, .msg_namelen = sizeof name, .msg_iov = iov,
                        .msg_iovlen = 2 };
    n = recvmsg(r, &m, 0);
    printf("recvmsg=%zd '%.4s' '%.4s' trunc=%d namelen=%u\n", n, p1, p2,
           (m.msg_flags & MSG_TRUNC) != 0, (unsigned)m.msg_namelen);

    /* sendmmsg / recvmmsg: three datagrams in one call each way. */
    struct mmsghdr mm[3];
    struct iovec mi[3];
    const char *words[3] = { "one", "two!", "three" };
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        mi[i].iov_base = (void *)words[i];
        mi[i].iov_len = strlen(words[i]);
        mm[i].msg_hdr.msg_iov = &mi[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        mm[i].msg_hdr.msg_name = &a;
        mm[i].msg_hdr.msg_namelen = sizeof a;
    }
    int k = sendmmsg(w, mm, 3, 0);
    printf("sendmmsg=%d lens=%u,%u,%u\n", k, mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
    char rb[3][16];
    struct iovec ri[3];
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        ri[i].iov_base = rb[i];
        ri[i].iov_len = sizeof rb[i];
        mm[i].msg_hdr.msg_iov = &ri[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    struct timespec to = { 5, 0 };
    k = recvmmsg(r, mm, 3, MSG_WAITFORONE, &to);
    printf("recvmmsg=%d", k);
    for (int i = 0; i < k; i++)
        printf(" '%.*s'", (int)mm[i].msg_len, rb[i]);
    printf("\n");
    SHOW("sendmmsg bad vector", syscall(SYS_sendmmsg, w, bad, 2, 0));
    SHOW("sendmmsg vlen 0", syscall(SYS_sendmmsg, w, mm, 0, 0));
    close(r);
    close(w);
}

static void unix_sockets(void)
{
    /* socketpair, SCM_RIGHTS: the child gets a pipe's write end and writes through it. */
    int sv[2];
    SHOW("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int p[2];
    if (pipe(p) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        char data;
        char ctl[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { &data, 1 };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                            .msg_controllen = sizeof ctl };
        if (recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC) != 1)
            _exit(20);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            _exit(21);
        int fd;
        memcpy(&fd, CMSG_DATA(c), sizeof fd);
        if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
            _exit(22);
        char msg[] = "through a passed descriptor";
        if (write(fd, msg, sizeof msg) != (ssize_t)sizeof msg)
            _exit(23);
        _exit(data == 'F' ? 0 : 24);
    }
    close(sv[1]);
    char ctl[CMSG_SPACE(sizeof(int))];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = { "F", 1 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                        .msg_controllen = sizeof ctl };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[1], sizeof(int));
    SHOW("sendmsg SCM_RIGHTS", sendmsg(sv[0], &m, 0));
    close(p[1]);
    char buf[64] = "";
    ssize_t n = read(p[0], buf, sizeof buf);
    printf("read from passed pipe=%zd '%s'\n", n, n > 0 ? buf : "");
    int st;
    waitpid(pid, &st, 0);
    printf("scm child exit=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    close(p[0]);

    /* A bad descriptor in SCM_RIGHTS, a bad control pointer, too many iovecs. */
    int bad_fd = 999;
    memcpy(CMSG_DATA(c), &bad_fd, sizeof(int));
    SHOW("sendmsg SCM_RIGHTS bad fd", syscall(SYS_sendmsg, sv[0], &m, 0));
    m.msg_control = bad;
    SHOW("sendmsg bad control", syscall(SYS_sendmsg, sv[0], &m, 0));
    m.msg_control = NULL;
    m.msg_controllen = 0;
    m.msg_iovlen = 2000;
    SHOW("sendmsg 2000 iovecs", syscall(SYS_sendmsg, sv[0], &m, 0));
    SHOW("sendmsg bad msghdr", syscall(SYS_sendmsg, sv[0], bad, 0));
    SHOW("recvmsg bad msghdr", syscall(SYS_recvmsg, sv[0], bad, 0));
    close(sv[0]);

    struct ucred cr;
    socklen_t cl = sizeof cr;
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    SHOW("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &cl));
    printf("peercred pid=%d uid=%d len=%u\n", cr.pid == getpid(), cr.uid == getuid(),
           (unsigned)cl);
    struct sockaddr_un un;
    socklen_t ul = sizeof un;
    SHOW("getsockname unnamed", getsockname(sv[0], (struct sockaddr *)&un, &ul));
    printf("unnamed len=%u family=%d\n", (unsigned)ul, un.sun_family);
    close(sv[0]);
    close(sv[1]);
    SHOW("socketpair AF_INET", socketpair(AF_INET, SOCK_STREAM, 0, sv));
    SHOW("socketpair bad pointer", socketpair(AF_UNIX, SOCK_STREAM, 0, bad));
    SHOW("socket bad family", socket(12345, SOCK_STREAM, 0));
    SHOW("socket bad type", socket(AF_INET, 12345, 0));
    SHOW("socket bad protocol", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));

    /* A named stream socket in a temporary directory, a forked client. */
    char dir[] = "/tmp/ferry-net-XXXXXX";
    if (!mkdtemp(dir))
        return;
    memset(&un, 0, sizeof un);
    un.sun_family = AF_UNIX;
    snprintf(un.sun_path, sizeof un.sun_path, "%s/sock", dir);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("bind unix", bind(ls, (struct sockaddr *)&un, sizeof un));
    SHOW("bind unix again", bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&un, sizeof un));
    struct stat sst;
    stat(un.sun_path, &sst);
    printf("socket file is a socket=%d\n", S_ISSOCK(sst.st_mode));
    listen(ls, 1);
    pid = fork();
    if (pid == 0) {
        int cs = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(cs, (struct sockaddr *)&un, sizeof un) != 0)
            _exit(30);
        if (write(cs, "unix hello", 10) != 10)
            _exit(31);
        _exit(0);
    }
    struct sockaddr_un peer;
    socklen_t pl = sizeof peer;
    int s = accept(ls, (struct sockaddr *)&peer, &pl);
    n = read(s, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    printf("unix accept ok=%d peer len=%u read='%s'\n", s >= 0, (unsigned)pl, buf);
    ul = sizeof un;
    getsockname(ls, (struct sockaddr *)&un, &ul);
    printf("unix name len=%u ends with /sock=%d\n", (unsigned)ul,
           strcmp(un.sun_path + strlen(un.sun_path) - 5, "/sock") == 0);
    waitpid(pid, &st, 0);
    printf("unix child exit=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    close(s);
    close(ls);
    SHOW("accept bad addrlen", accept(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&peer, bad));
    unlink(un.sun_path);
    rmdir(dir);

    /* Errors on things that are not sockets. */
    if (pipe(p) != 0)
        return;
    SHOW("bind on a pipe", bind(p[0], (struct sockaddr *)&un, sizeof un));
    m.msg_iovlen = 1;
    SHOW("sendmsg on a pipe", syscall(SYS_sendmsg, p[1], &m, 0));
    close(p[0]);
    close(p[1]);
    SHOW("bind closed fd", bind(p[0], (struct sockaddr *)&un, sizeof un));
    int devnull = open("/dev/null", O_RDONLY);
    SHOW("listen on a file", listen(devnull, 1));
    SHOW("shutdown closed fd", shutdown(999, SHUT_RDWR));
    SHOW("getsockopt on a file", getsockopt(devnull, SOL_SOCKET, SO_TYPE, &s, &pl));
    close(devnull);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    tcp_loopback();
    udp_loopback();
    unix_sockets();
    return 0;
}
