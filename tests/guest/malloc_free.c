/* malloc_free: many allocations of many sizes (brk and mmap paths), realloc, calloc, free. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    enum { N = 2000 };
    static unsigned char *p[N];
    static size_t sz[N];
    uint32_t seed = 12345;
    unsigned long check = 0;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < N; i++) {
            seed = seed * 1103515245u + 12345u;
            size_t n = (seed >> 8) % (i % 97 == 0 ? 300000 : 700) + 1;
            if (p[i]) {
                if (seed & 1) { free(p[i]); p[i] = NULL; }
                else {
                    unsigned char *q = realloc(p[i], n);
                    if (!q) return 2;
                    for (size_t k = 0; k < (n < sz[i] ? n : sz[i]); k++)
                        if (q[k] != (unsigned char)(i + k)) { printf("realloc lost data\n"); return 3; }
                    p[i] = q; sz[i] = n;
                    for (size_t k = 0; k < n; k++) q[k] = (unsigned char)(i + k);
                }
                continue;
            }
            p[i] = (seed & 2) ? calloc(1, n) : malloc(n);
            if (!p[i]) return 4;
            if (seed & 2) for (size_t k = 0; k < n; k++) if (p[i][k]) { printf("calloc not zero\n"); return 5; }
            sz[i] = n;
            for (size_t k = 0; k < n; k++) p[i][k] = (unsigned char)(i + k);
        }
        for (int i = 0; i < N; i++) if (p[i]) check += p[i][sz[i] / 2] + sz[i];
    }
    for (int i = 0; i < N; i++) free(p[i]);
    printf("check=%lu\n", check);
    return 0;
}
