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
        for (int i = 0; i < 200 + (k); i++) {                             \
            x = x * (6364136223846793005ull + 2 * (k)) + (k);             \
            if ((x >> (k % 61)) & 1)                                      \
                x ^= x >> (7 + (k) % 13);                                 \
            else                                                          \
                x += (uint64_t)(k) << ((k) % 17);                         \
        }                                                                 \
        return x;                                                         \
    }
#define FN8(p, b) FN(p##0, b) FN(p##1, b + 1) FN(p##2, b + 2) FN(p##3, b + 3) \
                  FN(p##4, b + 4) FN(p##5, b + 5) FN(p##6, b + 6) FN(p##7, b + 7)
#define FN_SET(p, b) FN8(p##a, b) FN8(p##b, b + 8) FN8(p##c, b + 16) FN8(p##d, b + 24) \
                     FN8(p##e, b + 32) FN8(p##f, b + 40) FN8(p##g, b + 48) FN8(p##h, b + 56) \
                     FN8(p##i, b + 64) FN8(p##j, b + 72) FN8(p##k, b + 80) FN8(p##l, b + 88)
FN_SET(c, 1)
FN_SET(q, 1000)

#define CALL8(p) x = p##0(x); x = p##1(x); x = p##2(x); x = p##3(x); \
                 x = p##4(x); x = p##5(x); x = p##6(x); x = p##7(x);
#define CALL_SET(p) CALL8(p##a) CALL8(p##b) CALL8(p##c) CALL8(p##d) CALL8(p##e) CALL8(p##f) \
                    CALL8(p##g) CALL8(p##h) CALL8(p##i) CALL8(p##j) CALL8(p##k) CALL8(p##l)

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
