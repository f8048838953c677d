/* sha256.c — SHA-256 written from its definition (FIPS 180-4, sections 4.1.2, 4.2.2, 5.1.1,
 * 6.2), hashing a generated buffer many times.
 *
 * Measures: 32-bit rotates, shifts, and, xor, not and adds in long unrolled dependency
 * chains with many live values (register pressure), big-endian loads (byte swaps), and the
 * 64-entry message schedule in memory. The program first checks itself against the two
 * FIPS 180-4 example messages ("abc" and the 448-bit two-block message) and fails loudly if
 * either digest is wrong, so a wrong translation cannot pass as a fast one.
 */
#include <string.h>
#include "bench.h"

#define BUF_BYTES (1u << 20)
#define ROUNDS    140                   /* hashes of the 1 MiB buffer per unit of scale */

typedef struct {
    uint32_t h[8];                      /* the intermediate hash value H(i) */
    uint64_t length;                    /* message bytes so far */
    uint8_t block[64];                  /* pending partial block */
    size_t fill;                        /* bytes in block */
} Sha256;

/* K: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
static inline uint32_t ch(uint32_t x, uint32_t y, uint32_t z) { return (x & y) ^ (~x & z); }
static inline uint32_t maj(uint32_t x, uint32_t y, uint32_t z) { return (x & y) ^ (x & z) ^ (y & z); }
static inline uint32_t big_sigma0(uint32_t x) { return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22); }
static inline uint32_t big_sigma1(uint32_t x) { return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25); }
static inline uint32_t small_sigma0(uint32_t x) { return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3); }
static inline uint32_t small_sigma1(uint32_t x) { return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10); }

static void sha256_init(Sha256 *s)
{
    /* H(0): the first 32 bits of the fractional parts of the square roots of the first
     * eight primes. */
    static const uint32_t h0[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    memcpy(s->h, h0, sizeof h0);
    s->length = 0;
    s->fill = 0;
}

/* One 512-bit block: prepare the schedule W, run the 64 rounds, add into H. */
static void sha256_block(uint32_t h[8], const uint8_t *m)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)m[4 * t] << 24 | (uint32_t)m[4 * t + 1] << 16 |
               (uint32_t)m[4 * t + 2] << 8 | m[4 * t + 3];
    for (int t = 16; t < 64; t++)
        w[t] = small_sigma1(w[t - 2]) + w[t - 7] + small_sigma0(w[t - 15]) + w[t - 16];

    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = hh + big_sigma1(e) + ch(e, f, g) + K[t] + w[t];
        uint32_t t2 = big_sigma0(a) + maj(a, b, c);
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void sha256_update(Sha256 *s, const uint8_t *p, size_t n)
{
    s->length += n;
    if (s->fill) {
        size_t take = 64 - s->fill < n ? 64 - s->fill : n;
        memcpy(s->block + s->fill, p, take);
        s->fill += take;
        p += take;
        n -= take;
        if (s->fill < 64)
            return;
        sha256_block(s->h, s->block);
        s->fill = 0;
    }
    for (; n >= 64; p += 64, n -= 64)
        sha256_block(s->h, p);
    memcpy(s->block, p, n);
    s->fill = n;
}

/* Padding (5.1.1): a 1 bit, zeros to 448 mod 512, then the bit length big-endian. */
static void sha256_final(Sha256 *s, uint8_t out[32])
{
    uint64_t bits = s->length * 8;
    static const uint8_t pad[64] = { 0x80 };
    size_t padlen = s->fill < 56 ? 56 - s->fill : 120 - s->fill;
    sha256_update(s, pad, padlen);
    uint8_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(s, len, 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
}

static void sha256(const void *p, size_t n, uint8_t out[32])
{
    Sha256 s;
    sha256_init(&s);
    sha256_update(&s, p, n);
    sha256_final(&s, out);
}

static int self_test(void)
{
    static const struct { const char *msg; const char *hex; } v[] = {
        { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t d[32];
        char hex[65];
        sha256(v[i].msg, strlen(v[i].msg), d);
        for (int k = 0; k < 32; k++)
            snprintf(hex + 2 * k, 3, "%02x", d[k]);
        if (strcmp(hex, v[i].hex) != 0) {
            fprintf(stderr, "sha256: self-test %zu failed: %s\n", i, hex);
            return 0;
        }
    }
    return 1;
}

int main(int argc, char **argv)
{
    int scale = bench_scale(argc, argv);
    if (!self_test())
        return 1;
    uint8_t *buf = malloc(BUF_BYTES);
    if (!buf)
        return 1;
    BenchRng rng = { 256 };
    for (size_t i = 0; i < BUF_BYTES; i += 8) {
        uint64_t v = bench_next(&rng);
        memcpy(buf + i, &v, 8);
    }
    /* Chain: each round's digest is written into the buffer before the next, and lengths
     * vary so the padding paths all run. */
    uint8_t d[32] = { 0 };
    for (int r = 0; r < ROUNDS * scale; r++) {
        memcpy(buf + (size_t)r * 32 % (BUF_BYTES - 32), d, 32);
        sha256(buf, BUF_BYTES - (size_t)(r * 13 % 64), d);
    }
    uint64_t sum = 0;
    for (int i = 0; i < 32; i++)
        sum = bench_mix(sum, d[i]);
    free(buf);
    return bench_report("sha256", sum);
}
