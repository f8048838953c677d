/* strings.c — text processing with the C string library: tokenising, word counting,
 * searching and rebuilding text.
 *
 * Measures: libc string routines (strchr, strspn, strcspn, strcmp, strstr, memcpy, strlen,
 * which glibc picks at start-up by CPUID, so the translator runs whichever SSE2 or AVX2
 * variants the CPU it presents allows), byte loops with data-dependent branches, and a hash
 * table of strings. A generated text of pseudo-words (made of syllables, with punctuation and
 * line breaks) is split into lines with strchr, lines into words with strspn/strcspn, words
 * copied and lower-cased into a buffer and counted in a chained hash table compared with
 * strcmp; then the words are ranked with qsort, a few patterns are counted with strstr, and
 * the text is rebuilt with memcpy with every word replaced by its rank.
 */
#include <string.h>
#include "bench.h"

#define TEXT_BYTES (1u << 20)
#define PASSES     10                   /* per unit of scale */
#define HASH_LOG   14
#define WORD_MAX   64

typedef struct Word {
    struct Word *next;                  /* hash chain */
    uint32_t count;
    uint32_t rank;
    char text[];
} Word;

typedef struct {
    Word *slot[1u << HASH_LOG];
    Word **all;
    size_t n, cap;
} Table;

static uint32_t str_hash(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

static Word *table_add(Table *t, const char *w)
{
    uint32_t h = str_hash(w) & ((1u << HASH_LOG) - 1);
    for (Word *e = t->slot[h]; e; e = e->next)
        if (strcmp(e->text, w) == 0)
            return e;
    size_t len = strlen(w);
    Word *e = malloc(sizeof *e + len + 1);
    if (!e)
        exit(1);
    memcpy(e->text, w, len + 1);
    e->count = 0;
    e->rank = 0;
    e->next = t->slot[h];
    t->slot[h] = e;
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1024;
        t->all = realloc(t->all, t->cap * sizeof *t->all);
        if (!t->all)
            exit(1);
    }
    t->all[t->n++] = e;
    return e;
}

static int by_count(const void *a, const void *b)
{
    const Word *x = *(Word *const *)a, *y = *(Word *const *)b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->text, y->text);
}

/* Generated text: words of 1-4 syllables; the syllable choice is skewed so that some words
 * are very common and many are rare, as in natural text. */
static char *make_text(BenchRng *rng)
{
    static const char *const syl[] = {
        "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ber", "dan", "fel", "gor", "hin",
        "jul", "mor", "pat", "que", "str", "wen", "yx", "Ab", "El", "Or", "Um",
    };
    const size_t nsyl = sizeof syl / sizeof syl[0];
    static const char punct[] = " ,.;:!? -()\"'";
    char *t = malloc(TEXT_BYTES + 64);
    if (!t)
        exit(1);
    size_t at = 0, line = 0;
    while (at < TEXT_BYTES) {
        int n = 1 + (int)bench_below(rng, 4);
        for (int i = 0; i < n; i++) {
            uint64_t r = bench_next(rng);
            size_t k = (size_t)((r & 0xff) * (r >> 8 & 0xff) >> 8) % nsyl;   /* skewed */
            size_t len = strlen(syl[k]);
            memcpy(t + at, syl[k], len);
            at += len;
        }
        char c = punct[bench_below(rng, 4) ? 0 : bench_below(rng, sizeof punct - 1)];
        t[at++] = c;
        if (at - line > 60 + bench_below(rng, 20)) {
            t[at++] = '\n';
            line = at;
        }
    }
    t[at] = '\0';
    return t;
}

static uint64_t pass(const char *text, char *out, int round)
{
    static const char seps[] = " ,.;:!?-()\"'\t";
    Table *t = calloc(1, sizeof *t);
    if (!t)
        exit(1);
    char word[WORD_MAX + 1];
    uint64_t words = 0, lines = 0;

    /* Count words, line by line. */
    for (const char *l = text; *l;) {
        const char *nl = strchr(l, '\n');
        size_t ll = nl ? (size_t)(nl - l) : strlen(l);
        lines++;
        size_t i = 0;
        while (i < ll) {
            i += strspn(l + i, seps);
            if (i >= ll)
                break;
            size_t wl = strcspn(l + i, seps);
            if (i + wl > ll)
                wl = ll - i;                /* the word ends at the newline */
            size_t cl = wl < WORD_MAX ? wl : WORD_MAX;
            memcpy(word, l + i, cl);
            word[cl] = '\0';
            for (size_t k = 0; k < cl; k++)
                if (word[k] >= 'A' && word[k] <= 'Z')
                    word[k] = (char)(word[k] + ('a' - 'A'));
            table_add(t, word)->count++;
            words++;
            i += wl;
        }
        l = nl ? nl + 1 : l + ll;
    }

    /* Rank by frequency. */
    qsort(t->all, t->n, sizeof *t->all, by_count);
    uint64_t h = bench_mix(words, lines);
    h = bench_mix(h, t->n);
    for (size_t i = 0; i < t->n; i++) {
        t->all[i]->rank = (uint32_t)i;
        if (i < 64)
            h = bench_mix(h, str_hash(t->all[i]->text) ^ (uint64_t)t->all[i]->count << 32);
    }

    /* Search: occurrences of a few fragments, chosen by the round. */
    static const char *const pats[] = { "kalo", "strstr", "Abmi", "gorhin", "que ", "yx.", "ne\n" };
    for (size_t p = 0; p < 3; p++) {
        const char *pat = pats[(p + (size_t)round) % (sizeof pats / sizeof pats[0])];
        uint64_t hits = 0;
        for (const char *s = strstr(text, pat); s; s = strstr(s + 1, pat))
            hits++;
        h = bench_mix(h, hits);
    }

    /* Rebuild: each word replaced by "#rank", separators kept. */
    size_t o = 0;
    for (const char *s = text; *s;) {
        size_t sl = strspn(s, seps);
        if (sl == 0 && *s == '\n')
            sl = 1;
        if (sl) {
            memcpy(out + o, s, sl);
            o += sl;
            s += sl;
            continue;
        }
        size_t wl = strcspn(s, "\n ,.;:!?-()\"'\t");
        size_t cl = wl < WORD_MAX ? wl : WORD_MAX;
        memcpy(word, s, cl);
        word[cl] = '\0';
        for (size_t k = 0; k < cl; k++)
            if (word[k] >= 'A' && word[k] <= 'Z')
                word[k] = (char)(word[k] + ('a' - 'A'));
        Word *w = table_add(t, word);
        o += (size_t)snprintf(out + o, 16, "#%u", w->rank);
        s += wl;
    }
    out[o] = '\0';
    h = bench_mix(h, o);
    h = bench_mix(h, str_hash(out + o / 2));

    for (size_t i = 0; i < t->n; i++)
        free(t->all[i]);
    free(t->all);
    free(t);
    return h;
}

int main(int argc, char **argv)
{
    int scale = bench_scale(argc, argv);
    BenchRng rng = { 2024 };
    char *text = make_text(&rng);
    char *out = malloc(4 * TEXT_BYTES);
    if (!out)
        return 1;
    uint64_t sum = 0;
    for (int r = 0; r < PASSES * scale; r++) {
        sum = bench_mix(sum, pass(text, out, r));
        /* Change one character per pass so every pass sees new text. */
        size_t at = (size_t)r * 7919 % TEXT_BYTES;
        if (text[at] >= 'a' && text[at] <= 'z')
            text[at] = (char)('a' + (text[at] - 'a' + 1) % 26);
    }
    free(text);
    free(out);
    return bench_report("strings", sum);
}
