/* argv_envp: the initial stack — argc, argv, envp and the auxiliary vector. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

extern char **environ;

int main(int argc, char **argv, char **envp)
{
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    printf("argv[argc]=%p\n", (void *)argv[argc]);
    int n = 0;
    for (char **e = envp; *e; e++) if (strncmp(*e, "FERRY_TEST_", 11) == 0) printf("env %s\n", *e), n++;
    printf("env matches=%d environ_same=%d\n", n, environ == envp);
    printf("FERRY_TEST_A=%s\n", getenv("FERRY_TEST_A") ? getenv("FERRY_TEST_A") : "(null)");
    printf("pagesz=%lu clktck=%lu secure=%lu\n", getauxval(AT_PAGESZ), getauxval(AT_CLKTCK), getauxval(AT_SECURE));
    printf("platform=%s random=%d phdr=%d entry=%d\n", (char *)getauxval(AT_PLATFORM),
           getauxval(AT_RANDOM) != 0, getauxval(AT_PHDR) != 0, getauxval(AT_ENTRY) != 0);
    const char *fn = (const char *)getauxval(AT_EXECFN);
    printf("execfn matches argv0=%d\n", fn && strcmp(fn, argv[0]) == 0);
    return argc;
}
