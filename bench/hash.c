/* hash.c — integer hashing over generated data.
 *
 * Measures: tight integer loops of loads, xors, shifts, rotates and 64-bit multiplies with
 * long dependency chains, the core of any byte-at-a-time or word-at-a-time hash. Three hashes
 * run over the same buffer: FNV-1a (one multiply per byte), a murmur-style word hash (two
 * multiplies and rotates per 8-byte word plus a finaliser), and an open-addressing hash table
 * of 32-bit keys (hashing, a data-dependent probe loop and stores).
 */
#include <string.h>
#include "bench.h"

#define BUF_BYTES (1u << 20)            /* 1 MiB of data */
#define PASSES    400
#define TABLE_LOG 16                    /* 64 Ki slots, filled to 3/4 */

static uint64_t fnv1a64(const uint8_t *p, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

/* A murmur-style word hash: each 8-byte word is scrambled with two constants and a rotate,
 * then folded into the state, which is itself rotated and stepped. */
static uint64_t word_hash(const uint8_t *p, size_t n, uint64_t seed)
{
    const uint64_t c1 = 0x87c37b91114253d5ull, c2 = 0x4cf5ad432745937full;
    uint64_t h = seed;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t k;
        memcpy(&k, p + i, 8);
        k *= c1;
        k = rotl64(k, 31);
        k *= c2;
        h ^= k;
        h = rotl64(h, 27) * 5 + 0x52dce729;
    }
    uint64_t tail = 0;
    for (size_t j = 0; i < n; i++, j++)
        tail |= (uint64_t)p[i] << (8 * j);
    h ^= tail * c1;
    h ^= n;
    return fmix64(h);
}

static inline uint32_t hash32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

/* Insert the buffer's 32-bit words (n of them, from keys) into an open-addressing table (linear probing, key 0
 * means empty) until it is 3/4 full, counting how often each key was seen; returns a digest
 * of the occupancy and the total probe length. */
static uint64_t table_pass(const uint8_t *keys, size_t n, uint32_t *slot_key,
                           uint32_t *slot_count)
{
    const uint32_t mask = (1u << TABLE_LOG) - 1;
    const size_t limit = (size_t)mask * 3 / 4;
    memset(slot_key, 0, sizeof(uint32_t) << TABLE_LOG);
    memset(slot_count, 0, sizeof(uint32_t) << TABLE_LOG);
    size_t used = 0;
    uint64_t probes = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t k;
        memcpy(&k, keys + 4 * i, 4);
        k = (k & 0x3ffff) | 1;                      /* small key space: repeats happen */
        uint32_t s = hash32(k) & mask;
        while (slot_key[s] != 0 && slot_key[s] != k) {
            s = (s + 1) & mask;
            probes++;
        }
        if (slot_key[s] == 0) {
            if (used == limit)
                break;
            slot_key[s] = k;
            used++;
        }
        slot_count[s]++;
    }
    uint64_t d = probes;
    for (uint32_t s = 0; s <= mask; s++)
        d = d * 31 + slot_key[s] * (uint64_t)slot_count[s];
    return d;
}

int main(int argc, char **argv)
{
    int scale = bench_scale(argc, argv);
    uint8_t *buf = malloc(BUF_BYTES);
    uint32_t *slot_key = malloc(sizeof(uint32_t) << TABLE_LOG);
    uint32_t *slot_count = malloc(sizeof(uint32_t) << TABLE_LOG);
    if (!buf || !slot_key || !slot_count)
        return 1;
    BenchRng rng = { 12345 };
    for (size_t i = 0; i < BUF_BYTES; i += 8) {
        uint64_t v = bench_next(&rng);
        memcpy(buf + i, &v, 8);
    }

    uint64_t sum = 0;
    for (int pass = 0; pass < PASSES * scale; pass++) {
        /* Vary the data a little each pass so no pass can be skipped or hoisted. */
        buf[(size_t)pass * 4099 % BUF_BYTES] ^= (uint8_t)pass;
        /* Uneven lengths exercise the tail loops. */
        size_t len = BUF_BYTES - (size_t)(pass % 7);
        sum = bench_mix(sum, fnv1a64(buf, len, 0xcbf29ce484222325ull));
        sum = bench_mix(sum, word_hash(buf, len, (uint64_t)pass));
        if (pass % 4 == 0)
            sum = bench_mix(sum, table_pass(buf + 4 * pass, BUF_BYTES / 4 - 64,
                                            slot_key, slot_count));
    }
    free(buf);
    free(slot_key);
    free(slot_count);
    return bench_report("hash", sum);
}
