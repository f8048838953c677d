/* file_io: create, write, seek, read back, stat, rename, list a directory, unlink. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
    char dir[] = "/tmp/ferry-guest-XXXXXX";
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    char path[256], path2[256];
    snprintf(path, sizeof path, "%s/data.txt", dir);
    snprintf(path2, sizeof path2, "%s/renamed.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f) { perror("fopen"); return 1; }
    for (int i = 0; i < 1000; i++) fprintf(f, "line %d: %s\n", i, i % 3 ? "fizz" : "buzz");
    fclose(f);
    struct stat st;
    if (stat(path, &st) != 0) { perror("stat"); return 1; }
    printf("size=%lld regular=%d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    int fd = open(path, O_RDONLY);
    char buf[64];
    lseek(fd, 100, SEEK_SET);
    ssize_t n = read(fd, buf, 20);
    buf[n > 0 ? n : 0] = 0;
    printf("read %zd: [%s]\n", n, buf);
    printf("pread: %zd\n", pread(fd, buf, 10, 5));
    close(fd);
    f = fopen(path, "r");
    int lines = 0, buzz = 0; char line[128];
    while (fgets(line, sizeof line, f)) { lines++; if (strstr(line, "buzz")) buzz++; }
    fclose(f);
    printf("lines=%d buzz=%d\n", lines, buzz);
    if (rename(path, path2) != 0) { perror("rename"); return 1; }
    printf("old exists=%d new exists=%d\n", access(path, F_OK) == 0, access(path2, F_OK) == 0);
    mkdir(strcat(strcpy(line, dir), "/sub"), 0755);
    DIR *d = opendir(dir);
    int entries = 0;
    struct dirent *e;
    while ((e = readdir(d))) if (e->d_name[0] != '.') entries++;
    closedir(d);
    printf("entries=%d\n", entries);
    unlink(path2); rmdir(line); rmdir(dir);
    printf("cleaned=%d\n", access(dir, F_OK) != 0);
    char cwd[512];
    printf("getcwd ok=%d\n", getcwd(cwd, sizeof cwd) != NULL);
    return 0;
}
