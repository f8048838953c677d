/* qsort_cmp: qsort and bsearch with comparator callbacks (indirect calls), on ints and strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    enum { N = 5000 };
    static int v[N];
    unsigned s = 1;
    for (int i = 0; i < N; i++) { s = s * 1664525u + 1013904223u; v[i] = (int)(s >> 3) - (1 << 27); }
    qsort(v, N, sizeof v[0], cmp_int);
    for (int i = 1; i < N; i++) if (v[i - 1] > v[i]) { printf("unsorted at %d\n", i); return 1; }
    long sum = 0;
    for (int i = 0; i < N; i += 500) sum += v[i];
    int key = v[1234];
    int *f = bsearch(&key, v, N, sizeof v[0], cmp_int);
    printf("min=%d max=%d sum=%ld found=%ld\n", v[0], v[N - 1], sum, f ? (long)(f - v) : -1L);
    const char *words[] = { "pear", "apple", "fig", "banana", "cherry", "date", "elderberry", "grape" };
    qsort(words, 8, sizeof words[0], cmp_str);
    for (int i = 0; i < 8; i++) printf("%s%c", words[i], i == 7 ? '\n' : ' ');
    return 0;
}
