/* string_funcs.c — guest program: the glibc string and memory functions whose ifunc variants
 * depend on the CPU features (SSE2, SSSE3, SSE4.1/4.2 with pcmpistri, ERMS), run over every
 * alignment 0..63 of source and destination, lengths around the vector sizes, matches at each
 * position, and strings ending just before an unmapped page (a vector routine must not fault
 * reading past the terminator there). Each result is folded into a checksum per function and
 * printed, with the first differences from a plain byte loop, so native and ferry compare
 * line by line. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wchar.h>

static uint64_t sums[32];
static const char *const names[32] = {
    "strlen", "strnlen", "strchr", "strrchr", "memchr", "memrchr", "strcmp", "strncmp",
    "memcmp", "strcpy", "stpcpy", "strncpy", "memcpy", "memmove", "memset", "strcat",
    "strstr", "strcspn", "strspn", "strpbrk", "strcasecmp", "strncasecmp", "rawmemchr",
    "strchrnul", "wcslen", "wmemchr", "wcscmp", "memmem", "strcasestr", "bcmp", "strverscmp",
    "wcschr" };
static unsigned mismatches;

static void mix(unsigned f, uint64_t v) { sums[f] = (sums[f] ^ v) * 0x100000001b3ull + 7; }

static void check(unsigned f, uint64_t got, uint64_t want, unsigned a, unsigned n)
{
    mix(f, got);
    if (got != want && mismatches++ < 10)
        printf("mismatch %s align %u len %u: %llu want %llu\n", names[f], a, n,
               (unsigned long long)got, (unsigned long long)want);
}

static int sign(int v) { return v < 0 ? -1 : v > 0; }

int main(void)
{
    static char src[4096 + 128], dst[4096 + 128], b2[4096 + 128];
    for (unsigned i = 0; i < sizeof src; i++) src[i] = (char)('a' + (i * 7 + i / 13) % 26);
    for (unsigned a = 0; a < 64; a++) {
        for (unsigned n = 0; n < 200; n += (n < 40 ? 1 : 7)) {
            char *s = src + a;
            char saved = s[n];
            s[n] = 0;
            check(0, strlen(s), n, a, n);
            check(1, strnlen(s, n / 2), n / 2, a, n);
            char c = n ? s[n - 1] : 'q';
            const char *p = strchr(s, c);
            uint64_t want = 0;
            for (unsigned k = 0; k < n; k++) if (s[k] == c) { want = k + 1; break; }
            check(2, p ? (uint64_t)(p - s) + 1 : 0, want, a, n);
            p = strrchr(s, 'e');
            want = 0;
            for (unsigned k = 0; k < n; k++) if (s[k] == 'e') want = k + 1;
            check(3, p ? (uint64_t)(p - s) + 1 : 0, want, a, n);
            p = memchr(s, 'z', n);
            mix(4, p ? (uint64_t)(p - s) : 999);
            p = memrchr(s, 'b', n);
            mix(5, p ? (uint64_t)(p - s) : 999);
            memcpy(b2 + (a * 5) % 64, s, n + 1);
            char *t = b2 + (a * 5) % 64;
            check(6, (uint64_t)sign(strcmp(s, t)), 0, a, n);
            if (n) t[n / 2] ^= 1;
            mix(7, (uint64_t)(int64_t)sign(strncmp(s, t, n)));
            mix(8, (uint64_t)(int64_t)sign(memcmp(s, t, n)));
            mix(29, bcmp(s, t, n) != 0);
            char *d = dst + (a * 3) % 64;
            mix(9, (uint64_t)(strcpy(d, s) - d));
            check(10, (uint64_t)(stpcpy(d, s) - d), n, a, n);
            strncpy(d, s, n + 5);
            mix(11, (uint64_t)(unsigned char)d[n] + (uint64_t)(unsigned char)d[n + 4]);
            memcpy(d, s, n);
            check(12, (uint64_t)memcmp(d, s, n), 0, a, n);
            memmove(d + 1, d, n);
            mix(13, (uint64_t)(unsigned char)d[n] * 31 + (unsigned char)d[1]);
            memset(d, (int)(a + n), n);
            mix(14, n ? (uint64_t)(unsigned char)d[n - 1] : 0);
            d[n] = 0;
            strcpy(d, "xy");
            strcat(d, s);
            check(15, strlen(d), n + 2, a, n);
            p = strstr(s, n > 6 ? s + n - 5 : "abc");
            mix(16, p ? (uint64_t)(p - s) : 999);
            check(17, strcspn(s, "xyz"), n ? (uint64_t)(strpbrk(s, "xyz") ? strpbrk(s, "xyz") - s : n) : 0, a, n);
            mix(18, strspn(s, "abcdefghijklm"));
            p = strpbrk(s, "qj");
            mix(19, p ? (uint64_t)(p - s) : 999);
            for (unsigned k = 0; k < n; k += 3) t[k] = (char)toupper((unsigned char)s[k]);
            t[n / 2] = s[n / 2];
            mix(20, (uint64_t)(int64_t)sign(strcasecmp(s, t)));
            mix(21, (uint64_t)(int64_t)sign(strncasecmp(s, t, n / 2 + 1)));
#ifdef __GLIBC__
            mix(22, (uint64_t)((char *)rawmemchr(s, 0) - s));
#else
            mix(22, (uint64_t)(strchr(s, 0) - s));     /* musl declares no rawmemchr */
#endif
            mix(23, (uint64_t)(strchrnul(s, 'k') - s));
            p = memmem(s, n, "mno", 3);
            mix(27, p ? (uint64_t)(p - s) : 999);
            p = strcasestr(s, "HIJ");
            mix(28, p ? (uint64_t)(p - s) : 999);
            mix(30, (uint64_t)(int64_t)sign(strverscmp(s, t)));
            s[n] = saved;
        }
    }
    /* wide strings */
    static wchar_t w[300], w2[300];
    for (unsigned i = 0; i < 299; i++) w[i] = (wchar_t)(L'a' + i % 26);
    for (unsigned n = 0; n < 290; n += 3) {
        wchar_t saved = w[n];
        w[n] = 0;
        check(24, wcslen(w), n, 0, n);
        const wchar_t *p = wmemchr(w, L'q', n);
        mix(25, p ? (uint64_t)(p - w) : 999);
        wmemcpy(w2, w, n + 1);
        mix(26, (uint64_t)(int64_t)sign(wcscmp(w, w2)));
        p = wcschr(w, L'z');
        mix(31, p ? (uint64_t)(p - w) : 999);
        w[n] = saved;
    }
    /* strings that end right before an unmapped page */
    long pg = sysconf(_SC_PAGESIZE);
    char *two = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (two == MAP_FAILED || mprotect(two + pg, (size_t)pg, PROT_NONE) != 0) {
        printf("mmap failed\n");
        return 1;
    }
    for (unsigned n = 1; n < 100; n++) {
        char *s = two + pg - n;
        memset(s, 'k', n - 1);
        s[n - 1] = 0;
        check(0, strlen(s), n - 1, 0, n);
        mix(2, strchr(s, 'x') == NULL);
        mix(3, (uint64_t)(strrchr(s, 'k') ? strrchr(s, 'k') - s : 999));
        mix(6, (uint64_t)(int64_t)sign(strcmp(s, "kkkk")));
        mix(17, strcspn(s, "ab"));
        mix(18, strspn(s, "k"));
        mix(20, (uint64_t)(int64_t)sign(strcasecmp(s, "KKK")));
        strcpy(dst, s);
        check(9, strlen(dst), n - 1, 0, n);
    }
    for (unsigned f = 0; f < 32; f++)
        printf("%-12s %016llx\n", names[f], (unsigned long long)sums[f]);
    printf("%u mismatches\n", mismatches);
    return 0;
}
