/* options.c — ferry's command line, with qemu-x86_64's conventions:
 *
 *     ferry [options] PROGRAM [ARGS...]
 *
 * Options come before PROGRAM; the first argument that is not an option (or the one after
 * "--") is PROGRAM and everything after it belongs to the guest. Every option may be written
 * with one dash or two (-strace, --strace). Options that take a value take it as the next
 * argument. Help and list requests (-h, --version, -d help, -cpu help) print to stdout and
 * exit 0; usage errors print "ferry: <message>" and a hint to stderr and exit 1.
 *
 * Also here: the guest environment (host environment with -E/-U edits applied in order).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/rt.h"

#define FERRY_VERSION "0.1"

const char rt_cpu_model_name[] = "ferry64";

/* The -d items, in the order -d help lists them. */
static const struct {
    const char *name;
    unsigned bit;
    const char *help;
} log_items[] = {
    { "in_asm",  RT_LOG_IN_ASM,  "guest assembly of each block translated" },
    { "ir",      RT_LOG_IR,      "IR of each block as the frontend emitted it" },
    { "opt",     RT_LOG_OPT,     "IR of each block after the optimisation passes" },
    { "out_asm", RT_LOG_OUT_ASM, "host assembly generated for each block" },
    { "exec",    RT_LOG_EXEC,    "each block run by the dispatcher (turns chaining off)" },
    { "stats",   RT_LOG_STATS,   "translation and execution statistics at exit" },
    { "perfmap", RT_LOG_PERFMAP, "write /tmp/perf-PID.map (host code -> guest pc) for perf report" },
    { "jitdump", RT_LOG_JITDUMP, "write jit-PID.dump (blocks' names and code) for perf inject --jit" },
    { "int",     RT_LOG_INT,     "each interrupt and exception delivered (system mode)" },
};
#define N_LOG_ITEMS (sizeof log_items / sizeof log_items[0])

static void usage(FILE *f)
{
    fprintf(f,
        "usage: ferry [options] PROGRAM [ARGS...]\n"
        "Run an x86-64 Linux program through ferry's dynamic binary translator.\n"
        "\n"
        "Options:\n"
        "  -L DIR          guest sysroot (for dynamic executables)\n"
        "  -d LIST         log items, comma separated (-d help lists them)\n"
        "  -D FILE         write logs to FILE instead of stderr\n"
        "  --log-fd N      write logs to inherited descriptor N (how execve passes -D on)\n"
        "  -strace         log system calls\n"
        "  -cpu NAME       CPU model (-cpu help lists them)\n"
        "  -E VAR=VALUE    set VAR in the guest environment\n"
        "  -U VAR          remove VAR from the guest environment\n"
        "  -0 ARGV0        the guest's argv[0] (default PROGRAM)\n"
        "  -singlestep     translate one guest instruction per block\n"
        "  --interp        run blocks with the reference IR interpreter\n"
        "  -tso MODE       x86 memory order (TSO) for other threads on weakly ordered hosts\n"
        "                  (aarch64): auto (default: on once the guest creates a second\n"
        "                  thread or a shared mapping), on, or off (faster; only for guests\n"
        "                  whose threads synchronise through LOCK, fences and system calls)\n"
        "  --exec-wrapper PATH\n"
        "                  start the ferry of a guest execve as PATH FERRY ... (for a ferry\n"
        "                  that runs under an emulator, e.g. qemu-aarch64-static)\n"
        "  -h, --help      this help\n"
        "  --version       ferry's version\n"
        "\n"
        "ferry --system ARGS runs a whole machine, as ferry-system ARGS does (ferry --system -h).\n");
}

static _Noreturn void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "ferry: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'ferry -h' for more information.\n");
    exit(1);
}

void rt_log_items_help(FILE *f)
{
    fprintf(f, "Log items (comma separated):\n");
    for (size_t i = 0; i < N_LOG_ITEMS; i++)
        fprintf(f, "  %-8s %s\n", log_items[i].name, log_items[i].help);
}

int rt_log_items_parse(const char *list, unsigned *mask)
{
    const char *s = list;
    while (*s) {
        size_t len = strcspn(s, ",");
        bool found = false;
        for (size_t i = 0; i < N_LOG_ITEMS; i++) {
            if (strlen(log_items[i].name) == len && strncmp(s, log_items[i].name, len) == 0) {
                *mask |= log_items[i].bit;
                found = true;
            }
        }
        if (!found && len > 0)
            return -1;
        s += len;
        if (*s == ',')
            s++;
    }
    return 0;
}

static void parse_log_list(RtOptions *o, const char *list)
{
    if (strcmp(list, "help") == 0) {
        rt_log_items_help(stdout);
        exit(0);
    }
    if (rt_log_items_parse(list, &o->log_mask) < 0)
        usage_error("unknown -d item in '%s' (-d help lists them)", list);
}

static void parse_cpu(RtOptions *o, const char *name)
{
    if (strcmp(name, "help") == 0) {
        printf("Available CPUs:\n  %s  x86-64 with SSE2 (the CPUID ferry presents)\n",
               rt_cpu_model_name);
        exit(0);
    }
    if (strcmp(name, rt_cpu_model_name) != 0)
        usage_error("unknown CPU model '%s' (-cpu help lists them)", name);
    o->cpu_model = name;
}

static void parse_log_fd(RtOptions *o, const char *v)
{
    char *end;
    long fd = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || fd < 0 || fd > 1 << 20)
        usage_error("--log-fd needs a descriptor number, not '%s'", v);
    o->log_fd = (int)fd;
}

static void parse_tso(RtOptions *o, const char *v)
{
    if (strcmp(v, "auto") == 0)      o->tso = RT_TSO_AUTO;
    else if (strcmp(v, "on") == 0)   o->tso = RT_TSO_ON;
    else if (strcmp(v, "off") == 0)  o->tso = RT_TSO_OFF;
    else usage_error("-tso needs auto, on or off, not '%s'", v);
}

static void add_env_edit(RtOptions *o, const char *text, bool unset)
{
    if (!unset && !strchr(text, '='))
        usage_error("-E needs VAR=VALUE, not '%s'", text);
    if (unset && (text[0] == '\0' || strchr(text, '=')))
        usage_error("-U needs a variable name, not '%s'", text);
    RtEnvEdit *v = realloc(o->env_edits, (o->n_env_edits + 1) * sizeof *v);
    if (!v) {
        fprintf(stderr, "ferry: out of memory\n");
        exit(1);
    }
    v[o->n_env_edits++] = (RtEnvEdit){ .text = text, .unset = unset };
    o->env_edits = v;
}

void rt_options_parse(RtOptions *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->cpu_model = rt_cpu_model_name;
    o->log_fd = -1;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0')
            break;                          /* PROGRAM */
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        const char *name = a + 1 + (a[1] == '-');   /* accept -opt and --opt */
        /* Options without a value. */
        if (strcmp(name, "h") == 0 || strcmp(name, "help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strcmp(name, "version") == 0) {
            printf("ferry %s: x86-64 Linux guests, %s host backend\n", FERRY_VERSION,
#if defined(__x86_64__)
                   "x86_64"
#elif defined(__aarch64__)
                   "aarch64"
#else
                   "no (interpreter only)"
#endif
                   );
            exit(0);
        }
        if (strcmp(name, "strace") == 0) { o->strace = true; continue; }
        if (strcmp(name, "singlestep") == 0) { o->single_step = true; continue; }
        if (strcmp(name, "interp") == 0) { o->interp = true; continue; }
        /* Options with a value. */
        static const char *const with_value[] = { "L", "d", "D", "cpu", "E", "U", "0",
                                                   "log-fd", "tso", "exec-wrapper" };
        bool known = false;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            known |= strcmp(name, with_value[k]) == 0;
        if (!known)
            usage_error("unknown option '%s'", a);
        if (i + 1 >= argc)
            usage_error("option '%s' needs a value", a);
        const char *v = argv[++i];
        if (strcmp(name, "L") == 0)        o->sysroot = v;
        else if (strcmp(name, "d") == 0)   parse_log_list(o, v);
        else if (strcmp(name, "D") == 0)   o->log_file = v;
        else if (strcmp(name, "cpu") == 0) parse_cpu(o, v);
        else if (strcmp(name, "E") == 0)   add_env_edit(o, v, false);
        else if (strcmp(name, "U") == 0)   add_env_edit(o, v, true);
        else if (strcmp(name, "log-fd") == 0) parse_log_fd(o, v);
        else if (strcmp(name, "tso") == 0) parse_tso(o, v);
        else if (strcmp(name, "exec-wrapper") == 0) o->exec_wrapper = v;
        else                               o->argv0 = v;
    }
    if (i >= argc)
        usage_error("%s", "no PROGRAM given");
    o->program = argv[i];
    o->guest_argc = argc - i;
    o->guest_argv = argv + i;
}

int rt_options_for_exec(const RtOptions *o, int log_fd, const char **out, int max)
{
    static char dlist[128], fdnum[16];
    const char *v[16];
    int n = 0;
    if (o->sysroot) {
        v[n++] = "-L";
        v[n++] = o->sysroot;
    }
    if (o->log_mask) {
        size_t len = 0;
        dlist[0] = '\0';
        for (size_t i = 0; i < N_LOG_ITEMS; i++)
            if (o->log_mask & log_items[i].bit)
                len += (size_t)snprintf(dlist + len, sizeof dlist - len, "%s%s", len ? "," : "",
                                        log_items[i].name);
        v[n++] = "-d";
        v[n++] = dlist;
    }
    if (log_fd >= 0) {
        snprintf(fdnum, sizeof fdnum, "%d", log_fd);
        v[n++] = "--log-fd";
        v[n++] = fdnum;
    }
    if (o->strace)
        v[n++] = "-strace";
    if (o->cpu_model && strcmp(o->cpu_model, rt_cpu_model_name) != 0) {
        v[n++] = "-cpu";
        v[n++] = o->cpu_model;
    }
    if (o->single_step)
        v[n++] = "-singlestep";
    if (o->interp)
        v[n++] = "--interp";
    if (o->exec_wrapper) {
        v[n++] = "--exec-wrapper";
        v[n++] = o->exec_wrapper;
    }
    if (o->tso != RT_TSO_AUTO) {
        v[n++] = "-tso";
        v[n++] = o->tso == RT_TSO_ON ? "on" : "off";
    }
    int k = 0;
    for (; k < n && k < max; k++)
        out[k] = v[k];
    return k;
}

/* Does env entry e define the variable named by the first n bytes of name? */
static bool env_matches(const char *e, const char *name, size_t n)
{
    return strncmp(e, name, n) == 0 && e[n] == '=';
}

char **rt_env_build(const RtOptions *o, char **env)
{
    size_t n = 0;
    while (env && env[n])
        n++;
    char **out = malloc((n + o->n_env_edits + 1) * sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++)
        out[i] = env[i];
    for (unsigned k = 0; k < o->n_env_edits; k++) {
        const RtEnvEdit *ed = &o->env_edits[k];
        size_t len = ed->unset ? strlen(ed->text) : (size_t)(strchr(ed->text, '=') - ed->text);
        size_t w = 0;
        bool replaced = false;
        for (size_t i = 0; i < n; i++) {
            if (env_matches(out[i], ed->text, len)) {
                if (ed->unset || replaced)
                    continue;           /* drop (duplicates too) */
                out[i] = (char *)ed->text;
                replaced = true;
            }
            out[w++] = out[i];
        }
        n = w;
        if (!ed->unset && !replaced)
            out[n++] = (char *)ed->text;
    }
    out[n] = NULL;
    return out;
}
