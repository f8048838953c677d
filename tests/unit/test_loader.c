/* test_loader.c — ferry's ELF loader and command line, seen from outside: each test writes a
 * (mostly malformed) file into a temporary directory, runs build/ferry on it (fork/exec, stderr
 * captured) and checks the exit status and that the one-line message names the reason.
 *
 * ferry is found next to this test's own directory: BUILD/tests/test_loader -> BUILD/ferry, so
 * the same test checks a normal and a sanitizer build. The last tests load small valid
 * programs (ET_EXEC, static-PIE, segments sharing a page) that exit with a known status; they
 * need the frontend and backend to handle mov and syscall.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char ferry_path[PATH_MAX];
static char tmpdir[PATH_MAX];

typedef struct Run {
    int status;         /* exit status, or 128 + signal */
    char err[4096];     /* stderr */
    char out[4096];     /* stdout */
} Run;

static void read_all(int fd, char *buf, size_t n)
{
    size_t got = 0;
    ssize_t r;
    while (got + 1 < n && (r = read(fd, buf + got, n - 1 - got)) > 0)
        got += (size_t)r;
    buf[got] = '\0';
    char sink[256];
    while (read(fd, sink, sizeof sink) > 0)
        ;
}

/* Run ferry with the given arguments (NULL-terminated), with a 20 s limit. */
static void run_ferry(Run *r, ...)
{
    const char *argv[32];
    int argc = 0;
    argv[argc++] = ferry_path;
    va_list ap;
    va_start(ap, r);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && argc < 31)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;

    int errp[2], outp[2];
    assert_int_equal(pipe(errp), 0);
    assert_int_equal(pipe(outp), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(errp[1], 2);
        dup2(outp[1], 1);
        close(errp[0]);
        close(outp[0]);
        alarm(20);
        execv(ferry_path, (char *const *)argv);
        _exit(99);
    }
    close(errp[1]);
    close(outp[1]);
    /* Small outputs: reading one pipe to the end before the other cannot block the child. */
    read_all(errp[0], r->err, sizeof r->err);
    read_all(outp[0], r->out, sizeof r->out);
    close(errp[0]);
    close(outp[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void write_file(const char *path, const void *data, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

static const char *tmp_path(const char *name)
{
    static char buf[PATH_MAX + 64];
    snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
    return buf;
}

/* Load `name` and expect exit `status` and `needle` in the one-line message, which must name
 * the file. */
static void expect_error(const char *name, int status, const char *needle)
{
    Run r;
    const char *path = tmp_path(name);
    run_ferry(&r, path, NULL);
    if (r.status != status || !strstr(r.err, needle) || !strstr(r.err, path))
        fprintf(stderr, "file %s: status %d, stderr: %s", name, r.status, r.err);
    assert_int_equal(r.status, status);
    assert_non_null(strstr(r.err, needle));
    assert_non_null(strstr(r.err, path));
    assert_non_null(strstr(r.err, "ferry: "));
    /* One line. */
    assert_int_equal(strchr(r.err, '\n') - r.err + 1, (long)strlen(r.err));
}

/* ---------------------------------------------------------------- a small image */

#define BASE 0x400000ull

/* exit_group(42): mov edi, 42; mov eax, 231; syscall */
static const uint8_t exit42[] = { 0xbf, 42, 0, 0, 0, 0xb8, 231, 0, 0, 0, 0x0f, 0x05 };

typedef struct Image {
    Elf64_Ehdr eh;
    Elf64_Phdr ph[3];
    uint8_t code[32];
} Image;

static void image_init(Image *m)
{
    memset(m, 0, sizeof *m);
    memcpy(m->eh.e_ident, ELFMAG, SELFMAG);
    m->eh.e_ident[EI_CLASS] = ELFCLASS64;
    m->eh.e_ident[EI_DATA] = ELFDATA2LSB;
    m->eh.e_ident[EI_VERSION] = EV_CURRENT;
    m->eh.e_type = ET_EXEC;
    m->eh.e_machine = EM_X86_64;
    m->eh.e_version = EV_CURRENT;
    m->eh.e_entry = BASE + offsetof(Image, code);
    m->eh.e_phoff = offsetof(Image, ph);
    m->eh.e_ehsize = sizeof(Elf64_Ehdr);
    m->eh.e_phentsize = sizeof(Elf64_Phdr);
    m->eh.e_phnum = 1;
    m->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
                             .p_vaddr = BASE, .p_paddr = BASE, .p_filesz = sizeof(Image),
                             .p_memsz = sizeof(Image), .p_align = 0x1000 };
    memcpy(m->code, exit42, sizeof exit42);
}

static void write_image(const char *name, const Image *m)
{
    write_file(tmp_path(name), m, sizeof *m, 0755);
}

/* ---------------------------------------------------------------- malformed files */

static void test_missing(void **state)
{
    (void)state;
    expect_error("does-not-exist", 127, "No such file or directory");
}

static void test_directory(void **state)
{
    (void)state;
    char sub[PATH_MAX + 16];
    snprintf(sub, sizeof sub, "%s/dir", tmpdir);
    mkdir(sub, 0755);
    expect_error("dir", 126, "Is a directory");
}

static void test_empty(void **state)
{
    (void)state;
    write_file(tmp_path("empty"), "", 0, 0755);
    expect_error("empty", 126, "not an ELF file");
}

static void test_text(void **state)
{
    (void)state;
    const char text[] = "#!/bin/sh\necho hello\n";
    write_file(tmp_path("text"), text, sizeof text - 1, 0755);
    expect_error("text", 126, "not an ELF file");
}

static void test_truncated_header(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    write_file(tmp_path("trunc-hdr"), &m, 20, 0755);
    expect_error("trunc-hdr", 126, "truncated ELF header");
    write_file(tmp_path("trunc-ident"), &m, 8, 0755);
    expect_error("trunc-ident", 126, "truncated ELF header");
}

static void test_elf32(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    m.eh.e_ident[EI_CLASS] = ELFCLASS32;
    write_image("elf32", &m);
    expect_error("elf32", 126, "32-bit ELF");
}

static void test_aarch64(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    m.eh.e_machine = EM_AARCH64;
    write_image("aarch64", &m);
    expect_error("aarch64", 126, "not an x86-64 program");
}

static void test_relocatable(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    m.eh.e_type = ET_REL;
    write_image("rel.o", &m);
    expect_error("rel.o", 126, "not an executable (relocatable");
    m.eh.e_type = ET_CORE;
    write_image("core", &m);
    expect_error("core", 126, "not an executable (core dump)");
}

static void test_phdrs_past_end(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    m.eh.e_phnum = 40;
    write_image("phdrs-past-end", &m);
    expect_error("phdrs-past-end", 126, "truncated: program headers extend beyond");
    image_init(&m);
    m.eh.e_phoff = 1u << 30;
    write_image("phoff-huge", &m);
    expect_error("phoff-huge", 126, "truncated: program headers");
}

static void test_segment_past_end(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    m.ph[0].p_filesz = m.ph[0].p_memsz = 0x10000;
    write_image("seg-past-end", &m);
    expect_error("seg-past-end", 126, "truncated: segment 0 extends beyond");
    image_init(&m);
    m.ph[0].p_offset = ~0ull - 8;       /* offset + size wraps around */
    write_image("seg-wrap", &m);
    expect_error("seg-wrap", 126, "truncated: segment 0");
}

static void test_filesz_over_memsz(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    m.ph[0].p_memsz = 16;
    write_image("filesz", &m);
    expect_error("filesz", 126, "file size larger than memory size");
}

static void test_overlap(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    m.eh.e_phnum = 2;
    m.ph[1] = m.ph[0];
    m.ph[1].p_vaddr = BASE + 0x10;      /* inside segment 0 */
    write_image("overlap", &m);
    expect_error("overlap", 126, "overlapping PT_LOAD segments");
}

static void test_no_load(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    m.ph[0].p_type = PT_NOTE;
    write_image("no-load", &m);
    expect_error("no-load", 126, "no PT_LOAD segment");
    image_init(&m);
    m.eh.e_phnum = 0;
    write_image("no-phdr", &m);
    expect_error("no-phdr", 126, "no PT_LOAD segment");
}

static void test_entry_outside(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    m.eh.e_entry = 0x900000;
    write_image("entry", &m);
    expect_error("entry", 126, "entry point 0x900000 is outside");
}

/* A dynamic program whose PT_INTERP names `interp` (written after the image). */
static void write_dynamic(const char *name, const char *interp, size_t len)
{
    Image m;
    image_init(&m);
    m.eh.e_phnum = 2;
    m.ph[1] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_offset = sizeof m, .p_filesz = len,
                            .p_memsz = len, .p_align = 1 };
    uint8_t buf[sizeof m + 256];
    assert_true(len <= 256);
    memcpy(buf, &m, sizeof m);
    memcpy(buf + sizeof m, interp, len);
    write_file(tmp_path(name), buf, sizeof m + len, 0755);
}

static void test_interp_missing(void **state)
{
    (void)state;
    const char ld[] = "/nonexistent/ferry-ld.so";
    write_dynamic("dyn-missing", ld, sizeof ld);
    expect_error("dyn-missing", 127,
                 "interpreter /nonexistent/ferry-ld.so: No such file or directory");
}

static void test_interp_bad(void **state)
{
    (void)state;
    /* Not NUL-terminated. */
    write_dynamic("dyn-nonul", "/lib/ld.so", 10);
    expect_error("dyn-nonul", 126, "PT_INTERP is not a NUL-terminated path");
    /* Not an ELF file. */
    char text[PATH_MAX + 64];
    snprintf(text, sizeof text, "%s", tmp_path("ld-text"));
    write_file(text, "not a loader\n", 13, 0755);
    write_dynamic("dyn-text", text, strlen(text) + 1);
    expect_error("dyn-text", 126, "not an ELF file");
    /* ET_EXEC: a loader must be a shared object. */
    Image m;
    image_init(&m);
    write_image("ld-exec", &m);
    snprintf(text, sizeof text, "%s", tmp_path("ld-exec"));
    write_dynamic("dyn-exec", text, strlen(text) + 1);
    expect_error("dyn-exec", 126, "not a shared object");
    /* A loader for another machine. */
    image_init(&m);
    m.eh.e_type = ET_DYN;
    m.eh.e_machine = EM_AARCH64;
    write_image("ld-arm", &m);
    snprintf(text, sizeof text, "%s", tmp_path("ld-arm"));
    write_dynamic("dyn-arm", text, strlen(text) + 1);
    expect_error("dyn-arm", 126, "not an x86-64 program");
}

static void test_interp_runs(void **state)
{
    (void)state;
    /* The loader (an ET_DYN exiting 45) runs first; the program itself would exit 42. */
    Image m;
    image_init(&m);
    m.eh.e_type = ET_DYN;
    m.ph[0].p_vaddr = m.ph[0].p_paddr = 0;
    m.eh.e_entry = offsetof(Image, code);
    m.code[1] = 45;
    write_image("ld-ok", &m);
    char ld[PATH_MAX + 64];
    snprintf(ld, sizeof ld, "%s", tmp_path("ld-ok"));
    write_dynamic("dyn-ok", ld, strlen(ld) + 1);
    Run r;
    run_ferry(&r, tmp_path("dyn-ok"), NULL);
    if (r.status != 45)
        fprintf(stderr, "stderr: %s\n", r.err);
    assert_int_equal(r.status, 45);
    /* The loader is looked up on the host when the sysroot lacks it. */
    run_ferry(&r, "-L", "/nonexistent-sysroot", tmp_path("dyn-ok"), NULL);
    assert_int_equal(r.status, 45);
    /* And in the sysroot when it has it, with an absolute symbolic link resolved inside the
     * sysroot: SYSROOT/lib64 -> /real, the loader in SYSROOT/real. */
    char dir[PATH_MAX + 64], link[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s", tmp_path("real"));
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(link, sizeof link, "%s", tmp_path("lib64"));
    assert_int_equal(symlink("/real", link), 0);
    snprintf(ld, sizeof ld, "%s", tmp_path("real/ferry-ld-test.so"));
    assert_int_equal(rename(tmp_path("ld-ok"), ld), 0);
    const char in_root[] = "/lib64/ferry-ld-test.so";
    write_dynamic("dyn-root", in_root, sizeof in_root);
    run_ferry(&r, "-L", tmpdir, tmp_path("dyn-root"), NULL);
    if (r.status != 45)
        fprintf(stderr, "stderr: %s\n", r.err);
    assert_int_equal(r.status, 45);
    run_ferry(&r, tmp_path("dyn-root"), NULL);
    assert_int_equal(r.status, 127);
    assert_non_null(strstr(r.err, "interpreter /lib64/ferry-ld-test.so: No such file"));
}

static void test_outside_user_space(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    m.ph[0].p_vaddr = 0xffff800000000000ull;
    m.eh.e_entry = m.ph[0].p_vaddr;
    write_image("kernel-addr", &m);
    expect_error("kernel-addr", 126, "outside the user address space");
}

/* ---------------------------------------------------------------- command line */

static void test_usage_errors(void **state)
{
    (void)state;
    Run r;
    run_ferry(&r, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "no PROGRAM"));
    run_ferry(&r, "-bogus", "x", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "unknown option '-bogus'"));
    run_ferry(&r, "-cpu", "pentium9", "x", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "unknown CPU model 'pentium9'"));
    run_ferry(&r, "-d", "in_asm,nonsense", "x", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "unknown -d item"));
    run_ferry(&r, "-E", "NOEQUALS", "x", NULL);
    assert_int_equal(r.status, 1);
    run_ferry(&r, "-L", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "needs a value"));
}

static void test_help_lists(void **state)
{
    (void)state;
    Run r;
    run_ferry(&r, "-d", "help", NULL);
    assert_int_equal(r.status, 0);
    const char *items[] = { "in_asm", "ir", "opt", "out_asm", "exec", "stats" };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
        assert_non_null(strstr(r.out, items[i]));
    run_ferry(&r, "-cpu", "help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "ferry64"));
    run_ferry(&r, "--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: ferry"));
    assert_non_null(strstr(r.out, "-strace"));
    run_ferry(&r, "-version", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "ferry "));
}

/* ---------------------------------------------------------------- valid programs */

static void test_load_exec(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    write_image("exit42", &m);
    Run r;
    run_ferry(&r, tmp_path("exit42"), NULL);
    if (r.status != 42)
        fprintf(stderr, "stderr: %s\n", r.err);
    assert_int_equal(r.status, 42);
    run_ferry(&r, "--interp", tmp_path("exit42"), NULL);
    assert_int_equal(r.status, 42);
    /* -cpu with the one model, options in both spellings. */
    run_ferry(&r, "--cpu", "ferry64", "-singlestep", tmp_path("exit42"), "arg", NULL);
    assert_int_equal(r.status, 42);
}

static void test_load_static_pie(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    m.eh.e_type = ET_DYN;
    m.ph[0].p_vaddr = m.ph[0].p_paddr = 0;
    m.eh.e_entry = offsetof(Image, code);
    m.code[1] = 43;
    write_image("pie43", &m);
    Run r;
    run_ferry(&r, tmp_path("pie43"), NULL);
    if (r.status != 43)
        fprintf(stderr, "stderr: %s\n", r.err);
    assert_int_equal(r.status, 43);
}

static void test_shared_page_segments(void **state)
{
    (void)state;
    /* Two segments in one page: code (R+X) and a bss-only segment right after it. */
    Image m;
    image_init(&m);
    m.eh.e_phnum = 2;
    m.ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = sizeof m,
                            .p_vaddr = BASE + sizeof m, .p_filesz = 0, .p_memsz = 0x3000,
                            .p_align = 0x1000 };
    m.code[1] = 44;
    write_image("shared-page", &m);
    Run r;
    run_ferry(&r, tmp_path("shared-page"), NULL);
    if (r.status != 44)
        fprintf(stderr, "stderr: %s\n", r.err);
    assert_int_equal(r.status, 44);
}

static void test_strace_exit(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    write_image("exit42s", &m);
    Run r;
    run_ferry(&r, "-strace", tmp_path("exit42s"), NULL);
    assert_int_equal(r.status, 42);
    assert_non_null(strstr(r.err, " exit_group(42) = ?"));
}

static void test_illegal_instruction(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    m.code[0] = 0x0f;       /* ud2 */
    m.code[1] = 0x0b;
    write_image("ud2", &m);
    Run r;
    run_ferry(&r, tmp_path("ud2"), NULL);
    assert_int_equal(r.status, 128 + SIGILL);
    char needle[64];
    snprintf(needle, sizeof needle, "ferry: guest SIGILL at 0x%llx",
             (unsigned long long)(BASE + offsetof(Image, code)));
    assert_non_null(strstr(r.err, needle));
}

/* -d jitdump,perfmap: the dump perf inject reads (runtime/perf.c) names the trampoline and
 * the program's one block, each record with its code bytes; the perf map has the block. */
static void test_jitdump(void **state)
{
    (void)state;
    Image m;
    image_init(&m);
    write_image("exit42j", &m);
    Run r;
    setenv("JITDUMPDIR", tmpdir, 1);
    run_ferry(&r, "-d", "jitdump,perfmap", tmp_path("exit42j"), NULL);
    unsetenv("JITDUMPDIR");
    assert_int_equal(r.status, 42);
    glob_t g;
    assert_int_equal(glob(tmp_path("ferry-jit-*/jit-*.dump"), 0, NULL, &g), 0);
    assert_int_equal(g.gl_pathc, 1);
    int pid = atoi(strrchr(g.gl_pathv[0], '/') + 5);
    FILE *f = fopen(g.gl_pathv[0], "rb");
    globfree(&g);
    assert_non_null(f);
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    uint32_t h[6];
    assert_true(n >= 40);
    memcpy(h, buf, sizeof h);
    assert_int_equal(h[0], 0x4A695444u);            /* magic "JiTD" */
    assert_int_equal(h[1], 1);                      /* version */
    assert_int_equal(h[2], 40);                     /* header size */
    assert_true(h[3] == EM_X86_64 || h[3] == EM_AARCH64);
    assert_int_equal(h[5], (uint32_t)pid);
    char want[32];
    snprintf(want, sizeof want, "guest_0x%llx", (unsigned long long)m.eh.e_entry);
    bool tramp = false, block = false;
    size_t off = 40;
    while (off < n) {
        uint32_t id, size;
        uint64_t addr, code_size;
        assert_true(off + 56 <= n);
        memcpy(&id, buf + off, 4);
        memcpy(&size, buf + off + 4, 4);
        memcpy(&addr, buf + off + 24, 8);
        memcpy(&code_size, buf + off + 40, 8);
        assert_int_equal(id, 0);                    /* JIT_CODE_LOAD */
        assert_true(off + size <= n);
        const char *name = (const char *)buf + off + 56;
        size_t name_len = strnlen(name, size - 56);
        assert_true(name_len < size - 56);          /* NUL-terminated */
        assert_int_equal(56 + name_len + 1 + code_size, size);
        assert_true(code_size > 0 && addr != 0);
        tramp |= strcmp(name, "ferry_trampoline") == 0;
        block |= strncmp(name, want, strlen(want)) == 0;
        off += size;
    }
    assert_int_equal(off, n);
    assert_true(tramp);
    assert_true(block);
    char map[64], line[256];
    snprintf(map, sizeof map, "/tmp/perf-%d.map", pid);
    f = fopen(map, "r");
    assert_non_null(f);
    bool found = false;
    while (fgets(line, sizeof line, f))
        found |= strstr(line, want) != NULL;
    fclose(f);
    unlink(map);
    assert_true(found);
}

/* ---------------------------------------------------------------- set-up */

static int setup(void **state)
{
    (void)state;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *tests_dir = dirname(self);            /* BUILD/tests */
    char *build = dirname(tests_dir);           /* BUILD */
    snprintf(ferry_path, sizeof ferry_path, "%s/ferry", build);
    if (access(ferry_path, X_OK) != 0) {
        fprintf(stderr, "test_loader: %s not found (build it first)\n", ferry_path);
        return -1;
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ferry-loader-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_directory),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_truncated_header),
        cmocka_unit_test(test_elf32),
        cmocka_unit_test(test_aarch64),
        cmocka_unit_test(test_relocatable),
        cmocka_unit_test(test_phdrs_past_end),
        cmocka_unit_test(test_segment_past_end),
        cmocka_unit_test(test_filesz_over_memsz),
        cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_no_load),
        cmocka_unit_test(test_entry_outside),
        cmocka_unit_test(test_interp_missing),
        cmocka_unit_test(test_interp_bad),
        cmocka_unit_test(test_interp_runs),
        cmocka_unit_test(test_outside_user_space),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_help_lists),
        cmocka_unit_test(test_load_exec),
        cmocka_unit_test(test_load_static_pie),
        cmocka_unit_test(test_shared_page_segments),
        cmocka_unit_test(test_strace_exit),
        cmocka_unit_test(test_illegal_instruction),
        cmocka_unit_test(test_jitdump),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
