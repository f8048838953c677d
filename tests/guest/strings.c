/* strings: the libc string routines (glibc picks its SSE2 versions) on many lengths and
 * alignments, checked against simple byte loops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t ref_strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }

int main(void)
{
    static char buf[512], buf2[512];
    unsigned long sum = 0;
    int bad = 0;
    for (int align = 0; align < 16; align++) {
        for (int len = 0; len < 200; len += 7) {
            char *s = buf + align;
            for (int i = 0; i < len; i++) s[i] = (char)('a' + (i * 7 + align) % 26);
            s[len] = 0;
            if (strlen(s) != ref_strlen(s)) bad++;
            char *c = strchr(s, 'q');
            const char *rc = NULL;
            for (int i = 0; i < len; i++) if (s[i] == 'q') { rc = s + i; break; }
            if (c != rc) bad++;
            if (memchr(s, 'z', len) != (rc = NULL, ({ for (int i = 0; i < len; i++) if (s[i] == 'z') { rc = s + i; break; } rc; }))) bad++;
            memcpy(buf2 + (align ^ 5), s, len + 1);
            if (strcmp(buf2 + (align ^ 5), s) != 0) bad++;
            if (memcmp(buf2 + (align ^ 5), s, len) != 0) bad++;
            if (len > 3) {
                buf2[(align ^ 5) + len / 2] ^= 1;
                if (strcmp(buf2 + (align ^ 5), s) == 0) bad++;
                if (strncmp(buf2 + (align ^ 5), s, len / 2) != 0) bad++;
            }
            memset(buf2, 'x', len);
            for (int i = 0; i < len; i++) if (buf2[i] != 'x') { bad++; break; }
            memmove(buf + 1, buf, len);
            sum += strlen(s) * 31 + (unsigned long)(c ? c - s : -1);
            char *r = strrchr(s, 'a');
            sum += r ? (unsigned long)(r - s) : 7;
        }
    }
    char tok[] = "alpha,beta,,gamma;delta";
    for (char *t = strtok(tok, ",;"); t; t = strtok(NULL, ",;")) printf("[%s]", t);
    printf("\n");
    char *dup = strdup("duplicate me");
    printf("%s %zu %s\n", dup, strlen(dup), strstr(dup, "me"));
    free(dup);
    char cat[64] = "con";
    strcat(cat, "catenate");
    strncat(cat, "XY", 5);
    printf("%s %d %d\n", cat, atoi("  -1234xyz"), (int)strtol("0x7fff", NULL, 16));
    printf("sum=%lu bad=%d\n", sum, bad);
    return bad != 0;
}
