/* test_ir_text.c — runs every .ir file in tests/ir/ as its own test (paths relative to the repo
 * root, where `make test` runs).
 *
 * Format of a .ir file:
 *     # RUN: fold dce forward compact      passes to run, in order (fold, dce, forward,
 *                                           sink, compact, run = opt_run's pipeline,
 *                                           spwindow = ir_sp_window: limit 2^46, rsp 0x20,
 *                                           loadcse = opt_load_cse), or
 *     # RUN: verify-error                  the input must parse and the verifier reject it, or
 *     # RUN: parse-error                   the parser must reject the input
 *     <the input block in text form>
 *     # EXPECT:
 *     <the block printed after the passes, or the one-line error message>
 * Other '#' lines are comments. In the expected part, blank lines and '#' lines are ignored
 * and trailing blanks are trimmed. For pass runs the input must verify, and the block must
 * still verify after each pass. The helper "ir_text_helper" is registered for CALLs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>

#include <cmocka.h>

#include "ir/ir.h"
#include "tests/common/ir_text_str.h"

static uint64_t ir_text_helper(void *st, uint64_t a, uint64_t b, uint64_t c)
{
    (void)st;
    return a ^ b ^ c;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int ch;
    while ((ch = fgetc(f)) != EOF) {
        if (len + 2 > cap) {
            cap = cap ? 2 * cap : 4096;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        buf[len++] = (char)ch;
    }
    fclose(f);
    if (!buf)
        buf = calloc(1, 1);
    buf[len] = 0;
    return buf;
}

/* The expected part, normalised: no blank or comment lines, no trailing blanks. */
static char *normalise_expected(const char *s)
{
    char *out = malloc(strlen(s) + 2);
    assert_non_null(out);
    size_t n = 0;
    while (*s) {
        const char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) : strlen(s);
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
            len--;
        size_t lead = 0;
        while (lead < len && (s[lead] == ' ' || s[lead] == '\t'))
            lead++;
        if (lead < len && s[lead] != '#') {
            memcpy(out + n, s, len);
            n += len;
            out[n++] = '\n';
        }
        s = eol ? eol + 1 : s + strlen(s);
    }
    out[n] = 0;
    return out;
}

static void run_pass(IrBlock *blk, const char *name, size_t len, const char *path)
{
    char err[256];
    if (len == 4 && !memcmp(name, "fold", 4))
        opt_fold(blk);
    else if (len == 3 && !memcmp(name, "dce", 3))
        opt_dce(blk);
    else if (len == 7 && !memcmp(name, "forward", 7))
        opt_put_forward(blk);
    else if (len == 7 && !memcmp(name, "compact", 7))
        opt_compact(blk);
    else if (len == 4 && !memcmp(name, "sink", 4))
        opt_sink(blk);
    else if (len == 3 && !memcmp(name, "run", 3))
        opt_run(blk);
    else if (len == 7 && !memcmp(name, "loadcse", 7))
        opt_load_cse(blk);
    else if (len == 8 && !memcmp(name, "spwindow", 8)) {
        /* ir_sp_window for a user-mode guest: limit 2^46, rsp at 0x20 (x86's) */
        IrGuestInfo gi = { .guest_limit = 1ull << 46, .sp_window = true, .sp_offset = 0x20 };
        ir_sp_window(blk, &gi, NULL);
    }
    else
        fail_msg("%s: unknown pass '%.*s'", path, (int)len, name);
    if (!ir_verify(blk, err, sizeof err))
        fail_msg("%s: block invalid after %.*s: %s", path, (int)len, name, err);
}

static void run_ir_file(void **state)
{
    const char *path = *state;
    char *text = read_file(path);
    if (!text)
        fail_msg("cannot read %s", path);

    char *run = strstr(text, "# RUN:");
    char *expect = strstr(text, "\n# EXPECT:");
    if (!run || !expect)
        fail_msg("%s: needs a '# RUN:' line and a '# EXPECT:' line", path);
    *expect = 0;                                    /* the input ends here */
    char *expect_body = strchr(expect + 1, '\n');
    char *want = normalise_expected(expect_body ? expect_body + 1 : "");
    char *run_args = run + strlen("# RUN:");
    char *run_end = strchr(run_args, '\n');
    size_t run_len = run_end ? (size_t)(run_end - run_args) : strlen(run_args);

    char err[256];
    IrBlock *blk = ir_parse_block(text, err, sizeof err);
    char *got = NULL;
    if (strstr(run_args, "parse-error") == run_args + strspn(run_args, " ")) {
        if (blk)
            fail_msg("%s: the parser accepted the input", path);
        got = malloc(strlen(err) + 2);
        sprintf(got, "%s\n", err);
    } else if (!blk) {
        fail_msg("%s: %s", path, err);
    } else if (strstr(run_args, "verify-error") == run_args + strspn(run_args, " ")) {
        if (ir_verify(blk, err, sizeof err))
            fail_msg("%s: the verifier accepted the input", path);
        got = malloc(strlen(err) + 2);
        sprintf(got, "%s\n", err);
    } else {
        if (!ir_verify(blk, err, sizeof err))
            fail_msg("%s: input does not verify: %s", path, err);
        for (size_t i = 0; i < run_len;) {
            while (i < run_len && (run_args[i] == ' ' || run_args[i] == '\t' ||
                                   run_args[i] == '\r'))
                i++;
            size_t j = i;
            while (j < run_len && run_args[j] != ' ' && run_args[j] != '\t' &&
                   run_args[j] != '\r')
                j++;
            if (j > i)
                run_pass(blk, run_args + i, j - i, path);
            i = j;
        }
        got = ir_text_of(blk);
    }
    if (strcmp(got, want) != 0)
        fail_msg("%s: output differs\n--- got:\n%s--- expected:\n%s", path, got, want);
    free(got);
    free(want);
    ir_block_free(blk);
    free(text);
}

static void no_ir_files(void **state)
{
    (void)state;
    fail_msg("no tests/ir/*.ir files found (run from the repository root)");
}

int main(void)
{
    ir_helper_register(ir_text_helper, "ir_text_helper");
    glob_t g;
    int rc = glob("tests/ir/*.ir", 0, NULL, &g);
    if (rc != 0 || g.gl_pathc == 0) {
        const struct CMUnitTest none[] = { cmocka_unit_test(no_ir_files) };
        return cmocka_run_group_tests(none, NULL, NULL);
    }
    struct CMUnitTest *tests = calloc(g.gl_pathc, sizeof *tests);
    assert_non_null(tests);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        tests[i].name = g.gl_pathv[i];
        tests[i].test_func = run_ir_file;
        tests[i].initial_state = g.gl_pathv[i];
    }
    int failed = _cmocka_run_group_tests("ir_text", tests, g.gl_pathc, NULL, NULL);
    free(tests);
    globfree(&g);
    return failed;
}
