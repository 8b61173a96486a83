/* rltool bench / plot: small file and list helpers. */
#include "cli/bench.h"
#include "core/kernels.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int bench_mkdir_p(const char *path)
{
    char tmp[2048];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(tmp, 0755) && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

int bench_file_exists(const char *path)
{
    struct stat st;
    return !stat(path, &st) && S_ISREG(st.st_mode);
}

double bench_file_mtime(const char *path)
{
    struct stat st;
    if (stat(path, &st)) return -1;
    return (double)st.st_mtim.tv_sec + 1e-9 * (double)st.st_mtim.tv_nsec;
}

/* "key: value" line of a text file (config.txt, eval.txt); 1 if found. */
int bench_read_kv(const char *path, const char *key, char *val, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[8192];
    size_t klen = strlen(key);
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) || line[klen] != ':') continue;
        const char *v = line + klen + 1;
        while (*v == ' ') v++;
        snprintf(val, cap, "%s", v);
        val[strcspn(val, "\r\n")] = 0;
        found = 1;
    }
    fclose(f);
    return found;
}

double bench_read_kv_num(const char *path, const char *key)
{
    char v[128];
    double d;
    return bench_read_kv(path, key, v, sizeof v) && !rl_parse_double(v, &d) ? d : NAN;
}

/* Split "a,b,c" into up to MAX_LIST words (pointers into buf). */
int bench_split_list(const char *s, char *buf, size_t cap, const char **out)
{
    snprintf(buf, cap, "%s", s);
    int n = 0;
    for (char *tok = strtok(buf, ","); tok && n < MAX_LIST; tok = strtok(NULL, ","))
        if (*tok) out[n++] = tok;
    return n;
}

int bench_in_list(const char *s, const char **list, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i], s)) return 1;
    return 0;
}

void bench_machine_desc(char *buf, size_t cap)
{
    char model[256] = "unknown CPU", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            const char *c = strchr(line, ':');
            if (c) {
                snprintf(model, sizeof model, "%s", c + 2);
                model[strcspn(model, "\n")] = 0;
            }
            break;
        }
    if (f) fclose(f);
    char load[128] = "?";
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fgets(load, sizeof load, f)) load[strcspn(load, "\n")] = 0;
        fclose(f);
    }
    char kern[256];
    rl_kern_describe(kern, sizeof kern);
    snprintf(buf, cap, "%ld cores (nproc), %s, load average %s; kernels: %s",
             sysconf(_SC_NPROCESSORS_ONLN), model, load, kern);
}
