/* qsort.c — sorting records with libc qsort and comparator callbacks.
 *
 * Measures: indirect calls through a function pointer from inside libc (every comparison is
 * a call and a return the translator cannot see statically), short comparator bodies with
 * data-dependent branches, strcmp on short keys, and memory traffic of moving 24-byte
 * records. Each round shuffles the same records and sorts them three ways: by an integer
 * key, by a double with the integer as a tie-break, and by a name string. The checksum is
 * taken over the order each sort produced, so an unstable or wrong comparison shows.
 */
#include <string.h>
#include "bench.h"

#define RECORDS 100000
#define ROUNDS  8                       /* per unit of scale */

typedef struct {
    uint32_t key;
    uint32_t id;                        /* position at creation: makes every record unique */
    double weight;
    char name[8];
} Record;

static int by_key(const void *a, const void *b)
{
    const Record *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int by_weight(const void *a, const void *b)
{
    const Record *x = a, *y = b;
    if (x->weight < y->weight)
        return -1;
    if (x->weight > y->weight)
        return 1;
    return by_key(a, b);
}

static int by_name(const void *a, const void *b)
{
    const Record *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->id < y->id ? -1 : x->id > y->id);
}

static uint64_t digest(const Record *r, size_t n)
{
    uint64_t h = 0;
    for (size_t i = 0; i < n; i += 97)  /* a sample keeps the digest cheap */
        h = bench_mix(h, (uint64_t)r[i].id << 32 | r[i].key);
    return bench_mix(h, r[n - 1].id);
}

int main(int argc, char **argv)
{
    int scale = bench_scale(argc, argv);
    Record *r = malloc(RECORDS * sizeof *r);
    if (!r)
        return 1;
    BenchRng rng = { 777 };
    for (uint32_t i = 0; i < RECORDS; i++) {
        r[i].key = (uint32_t)bench_below(&rng, RECORDS / 4);  /* many equal keys */
        r[i].id = i;
        r[i].weight = (double)bench_below(&rng, 1000) / 8.0;
        /* names of 3 to 7 lowercase letters from a small alphabet: many shared prefixes */
        int len = 3 + (int)bench_below(&rng, 5);
        for (int k = 0; k < len; k++)
            r[i].name[k] = (char)('a' + bench_below(&rng, 6));
        r[i].name[len] = '\0';
    }
    uint64_t sum = 0;
    for (int round = 0; round < ROUNDS * scale; round++) {
        for (size_t i = RECORDS - 1; i > 0; i--) {     /* Fisher-Yates */
            size_t j = bench_below(&rng, i + 1);
            Record t = r[i];
            r[i] = r[j];
            r[j] = t;
        }
        qsort(r, RECORDS, sizeof *r, by_key);
        sum = bench_mix(sum, digest(r, RECORDS));
        qsort(r, RECORDS, sizeof *r, by_weight);
        sum = bench_mix(sum, digest(r, RECORDS));
        qsort(r, RECORDS, sizeof *r, by_name);
        sum = bench_mix(sum, digest(r, RECORDS));
    }
    free(r);
    return bench_report("qsort", sum);
}
