/* proc_fork_cache: after fork, parent and child translate new code at the same time. Each must
 * have its own code cache (ferry's is a MAP_SHARED region a plain fork would share): both sums
 * must come out right. No pids printed. */
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* 96 distinct functions per side, none run before the fork. */
#define FN(name, k)                                                       \
    static __attribute__((noinline)) uint64_t name(uint64_t x)            \
    {                                                                     \
        for (int i = 0; i < 200 + (k) % 50; i++) {                        \
            x = x * (6364136223846793005ull + 2 * (k)) + (k);             \
            if ((x >> ((k) % 61)) & 1)                                    \
                x ^= x >> (7 + (k) % 13);                                 \
            else                                                          \
                x += (uint64_t)(k) << ((k) % 17);                         \
        }                                                                 \
        return x;                                                         \
    }
#define FN8(pre, base) FN(pre##0, base) FN(pre##1, base + 1) FN(pre##2, base + 2) \
    FN(pre##3, base + 3) FN(pre##4, base + 4) FN(pre##5, base + 5) FN(pre##6, base + 6) \
    FN(pre##7, base + 7)
#define FN_SET(pre, base) FN8(pre##a, base) FN8(pre##b, base + 8) FN8(pre##c, base + 16) \
    FN8(pre##d, base + 24) FN8(pre##e, base + 32) FN8(pre##f, base + 40) \
    FN8(pre##g, base + 48) FN8(pre##h, base + 56) FN8(pre##i, base + 64) \
    FN8(pre##j, base + 72) FN8(pre##k, base + 80) FN8(pre##l, base + 88)
FN_SET(c, 1)
FN_SET(q, 1000)

#define CALL8(pre) x = pre##0(x); x = pre##1(x); x = pre##2(x); x = pre##3(x); \
    x = pre##4(x); x = pre##5(x); x = pre##6(x); x = pre##7(x);
#define CALL_SET(pre) CALL8(pre##a) CALL8(pre##b) CALL8(pre##c) CALL8(pre##d) CALL8(pre##e) \
    CALL8(pre##f) CALL8(pre##g) CALL8(pre##h) CALL8(pre##i) CALL8(pre##j) CALL8(pre##k) \
    CALL8(pre##l)

static uint64_t child_work(uint64_t x)
{
    for (int r = 0; r < 20; r++) {
        CALL_SET(c)
    }
    return x;
}

static uint64_t parent_work(uint64_t x)
{
    for (int r = 0; r < 20; r++) {
        CALL_SET(q)
    }
    return x;
}

int main(void)
{
    for (int round = 0; round < 3; round++) {
        int fds[2];
        if (pipe(fds) != 0)
            return 1;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            uint64_t s = child_work(12345 + (uint64_t)round);
            if (write(fds[1], &s, sizeof s) != sizeof s)
                _exit(2);
            _exit(0);
        }
        uint64_t mine = parent_work(777 + (uint64_t)round);
        uint64_t theirs = 0;
        if (read(fds[0], &theirs, sizeof theirs) != sizeof theirs)
            theirs = 0;
        int st;
        waitpid(pid, &st, 0);
        close(fds[0]);
        close(fds[1]);
        printf("round %d: parent %016llx child %016llx, child %s %d\n", round,
               (unsigned long long)mine, (unsigned long long)theirs,
               WIFEXITED(st) ? "exited" : "killed by signal",
               WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    }
    return 0;
}
