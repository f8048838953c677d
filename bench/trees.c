/* trees.c — allocation-heavy binary trees: many short-lived trees built with malloc and
 * torn down with free, next to a long-lived one.
 *
 * Measures: malloc and free (glibc's tcache and bins, i.e. many small calls into libc with
 * their own branches and stores), pointer chasing, and recursion (calls and returns with
 * stack frames). Two phases: complete trees of several depths built, walked and freed over
 * and over while a long-lived tree stays allocated; then a randomly grown binary search tree
 * with insertions and deletions, so node lifetimes interleave and the allocator's free lists
 * are reused out of order.
 */
#include "bench.h"

#define MAX_DEPTH 16
#define MIN_DEPTH 4
#define BST_OPS   400000                /* per unit of scale */
#define BST_KEYS  (1u << 16)

typedef struct Node {
    struct Node *left, *right;
    uint64_t value;
} Node;

static Node *node_new(Node *left, Node *right, uint64_t value)
{
    Node *n = malloc(sizeof *n);
    if (!n) {
        fprintf(stderr, "trees: out of memory\n");
        exit(1);
    }
    n->left = left;
    n->right = right;
    n->value = value;
    return n;
}

/* A complete tree of the given depth whose values follow a heap numbering from `value`. */
static Node *build(int depth, uint64_t value)
{
    if (depth == 0)
        return node_new(NULL, NULL, value);
    return node_new(build(depth - 1, 2 * value), build(depth - 1, 2 * value + 1), value);
}

/* Node count and a structure-sensitive digest in one walk. */
static uint64_t walk(const Node *n, uint64_t *count)
{
    if (!n)
        return 1;
    ++*count;
    uint64_t l = walk(n->left, count), r = walk(n->right, count);
    return (l * 31 + r) ^ (n->value * 0x9e3779b97f4a7c15ull);
}

static void destroy(Node *n)
{
    while (n) {                         /* recurse left, loop right */
        Node *right = n->right;
        destroy(n->left);
        free(n);
        n = right;
    }
}

/* ---------------------------------------------------------------- binary search tree */

static Node *bst_insert(Node *root, uint64_t key, int *added)
{
    Node **at = &root;
    while (*at) {
        if (key == (*at)->value)
            return root;
        at = key < (*at)->value ? &(*at)->left : &(*at)->right;
    }
    *at = node_new(NULL, NULL, key);
    *added = 1;
    return root;
}

static Node *bst_delete(Node *root, uint64_t key, int *removed)
{
    Node **at = &root;
    while (*at && (*at)->value != key)
        at = key < (*at)->value ? &(*at)->left : &(*at)->right;
    Node *n = *at;
    if (!n)
        return root;
    if (!n->left) {
        *at = n->right;
    } else if (!n->right) {
        *at = n->left;
    } else {                            /* replace by the in-order successor */
        Node **s = &n->right;
        while ((*s)->left)
            s = &(*s)->left;
        Node *succ = *s;
        *s = succ->right;
        succ->left = n->left;
        succ->right = n->right;
        *at = succ;
    }
    free(n);
    *removed = 1;
    return root;
}

static uint64_t bst_height(const Node *n)
{
    if (!n)
        return 0;
    uint64_t l = bst_height(n->left), r = bst_height(n->right);
    return 1 + (l > r ? l : r);
}

int main(int argc, char **argv)
{
    int scale = bench_scale(argc, argv);
    uint64_t sum = 0;

    for (int s = 0; s < scale; s++) {
        Node *long_lived = build(MAX_DEPTH, 1);
        for (int depth = MIN_DEPTH; depth <= MAX_DEPTH; depth += 2) {
            int trees = 1 << (MAX_DEPTH - depth + MIN_DEPTH + 1);
            uint64_t count = 0, digest = 0;
            for (int i = 0; i < trees; i++) {
                Node *t = build(depth, (uint64_t)i + 1);
                digest += walk(t, &count);
                destroy(t);
            }
            sum = bench_mix(sum, digest);
            sum = bench_mix(sum, count);
        }
        uint64_t count = 0;
        sum = bench_mix(sum, walk(long_lived, &count));
        destroy(long_lived);

        BenchRng rng = { 99 };
        Node *root = NULL;
        uint64_t size = 0;
        for (int i = 0; i < BST_OPS; i++) {
            uint64_t key = bench_below(&rng, BST_KEYS);
            int changed = 0;
            if (bench_below(&rng, 8) < 5) {    /* 5/8 inserts: the tree grows, then churns */
                root = bst_insert(root, key, &changed);
                size += (uint64_t)changed;
            } else {
                root = bst_delete(root, key, &changed);
                size -= (uint64_t)changed;
            }
            if (i % 50000 == 0)
                sum = bench_mix(sum, size);
        }
        count = 0;
        sum = bench_mix(sum, walk(root, &count));
        sum = bench_mix(sum, count ^ size << 32);
        sum = bench_mix(sum, bst_height(root));
        destroy(root);
    }
    return bench_report("trees", sum);
}
