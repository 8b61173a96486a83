/* Run directories: lock, existing-run check, temporaries, newest state,
 * metrics truncation on resume (see rundir.h). */
#include "agents/rundir.h"
#include "core/checkpoint.h"
#include "core/file.h"
#include "core/tb.h"
#include "rltool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkdir_p(const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return rl_error(RL_EINVAL, "run directory path is longer than %zu bytes", sizeof tmp - 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(tmp, 0755) && errno != EEXIST)
            return rl_error(RL_EIO, "cannot create directory %s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) && errno != EEXIST)
        return rl_error(RL_EIO, "cannot create directory %s: %s", tmp, strerror(errno));
    struct stat st;
    if (stat(tmp, &st) || !S_ISDIR(st.st_mode))
        return rl_error(RL_EINVAL, "run directory %s exists but is not a directory", tmp);
    return RL_OK;
}

static int join(char *out, size_t cap, const char *dir, const char *name)
{
    if (snprintf(out, cap, "%s/%s", dir, name) >= (int)cap)
        return rl_error(RL_EINVAL, "path too long: %.80s.../%s", dir, name);
    return RL_OK;
}

int rl_rundir_lock(const char *dir, int *fd)
{
    char path[4200];
    *fd = -1;
    int rc = mkdir_p(dir);
    if (!rc) rc = join(path, sizeof path, dir, RL_RUNDIR_LOCK);
    if (rc) return rc;
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (f < 0) return rl_error(RL_EIO, "cannot create lock file %s: %s", path, strerror(errno));
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n = pread(f, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = 0;
        pid[strcspn(pid, "\n")] = 0;
        close(f);
        if (e == EWOULDBLOCK)
            return rl_error(RL_ESTATE, "run directory %s is in use by another trainer (pid %s); "
                            "wait for it to finish, stop it, or train into another --out",
                            dir, pid[0] ? pid : "unknown");
        return rl_error(RL_EIO, "cannot lock %s: %s", path, strerror(e));
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(f, 0) != 0 || pwrite(f, pid, (size_t)len, 0) != len) {
        /* The lock holds without the pid; only the message would lack it. */
    }
    *fd = f;
    return RL_OK;
}

/* Files a run writes: config.txt, metrics.csv, *.rlt. */
static int is_run_file(const char *name)
{
    size_t n = strlen(name);
    return !strcmp(name, "config.txt") || !strcmp(name, "metrics.csv") ||
           !strncmp(name, "events.out.tfevents.", 20) || /* TensorBoard (core/tb.c) */
           (n > 4 && !strcmp(name + n - 4, ".rlt"));
}

static int is_temp(const char *name)
{
    const char *t = strstr(name, ".tmp.");
    if (!t || t == name) return 0;
    for (t += 5; *t; t++)
        if (*t < '0' || *t > '9') return 0;
    return 1;
}

void rl_rundir_clean_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[4200];
    while ((e = readdir(d)))
        if (is_temp(e->d_name) && !join(path, sizeof path, dir, e->d_name)) unlink(path);
    closedir(d);
}

int rl_rundir_has_run(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d))) found = is_run_file(e->d_name);
    closedir(d);
    return found;
}

int rl_rundir_clear(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return rl_error(RL_EIO, "cannot read directory %s: %s", dir, strerror(errno));
    struct dirent *e;
    char path[4200];
    int rc = RL_OK;
    while (!rc && (e = readdir(d))) {
        if (!is_run_file(e->d_name) && !is_temp(e->d_name)) continue;
        if ((rc = join(path, sizeof path, dir, e->d_name))) break;
        if (unlink(path) != 0 && errno != ENOENT)
            rc = rl_error(RL_EIO, "cannot remove %s: %s", path, strerror(errno));
    }
    closedir(d);
    return rc;
}

int rl_rundir_of(const char *resume, char *out, size_t cap)
{
    struct stat st;
    if (!resume || !resume[0]) return rl_error(RL_EINVAL, "no run directory or checkpoint given");
    if (stat(resume, &st) != 0)
        return rl_error(RL_ENOTFOUND, "no such checkpoint or run directory: %s", resume);
    if (S_ISDIR(st.st_mode)) {
        if (snprintf(out, cap, "%s", resume) >= (int)cap)
            return rl_error(RL_EINVAL, "path too long: %.80s...", resume);
        return RL_OK;
    }
    const char *slash = strrchr(resume, '/');
    if (!slash) {
        snprintf(out, cap, ".");
        return RL_OK;
    }
    size_t n = slash == resume ? 1 : (size_t)(slash - resume);
    if (n >= cap) return rl_error(RL_EINVAL, "path too long: %.80s...", resume);
    memcpy(out, resume, n);
    out[n] = 0;
    return RL_OK;
}

int rl_rundir_same(const char *a, const char *b)
{
    struct stat sa, sb;
    return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

typedef struct {
    long long steps;
    int rank; /* final 0, latest 1, step-N 2: the order among equal steps */
    char path[4096];
} state_file;

static int newer_first(const void *pa, const void *pb)
{
    const state_file *a = pa, *b = pb;
    if (a->steps != b->steps) return a->steps > b->steps ? -1 : 1;
    return a->rank - b->rank;
}

static int state_rank(const char *name)
{
    if (!strcmp(name, "final.rlt")) return 0;
    if (!strcmp(name, "latest.rlt")) return 1;
    if (strncmp(name, "step-", 5) || strlen(name) < 10) return -1;
    const char *p = name + 5;
    while (*p >= '0' && *p <= '9') p++;
    return p > name + 5 && !strcmp(p, ".rlt") ? 2 : -1;
}

int rl_rundir_states(const char *dir, char (*paths)[4096], int64_t *steps, int cap)
{
    enum { MAX_STATES = 256 };
    DIR *d = opendir(dir);
    if (!d) return rl_error(RL_EIO, "cannot read run directory %s: %s", dir, strerror(errno));
    state_file *found = malloc(sizeof *found * MAX_STATES);
    if (!found) {
        closedir(d);
        return rl_error(RL_ENOMEM, "out of memory");
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < MAX_STATES) {
        int rank = state_rank(e->d_name);
        if (rank < 0 || join(found[n].path, sizeof found[n].path, dir, e->d_name)) continue;
        rl_ckpt *ck = rl_ckpt_load_header(found[n].path);
        if (!ck) continue; /* unreadable: the full load of another candidate decides */
        const char *ts = rl_ckpt_meta(ck, "training_state"), *sd = rl_ckpt_meta(ck, "steps_done");
        long long done = -1;
        if (ts && !strcmp(ts, "1") && sd && !rl_parse_int(sd, &done) && done >= 0) {
            found[n].steps = done;
            found[n].rank = rank;
            n++;
        }
        rl_ckpt_free(ck);
    }
    closedir(d);
    qsort(found, (size_t)n, sizeof *found, newer_first);
    int k = n < cap ? n : cap;
    for (int i = 0; i < k; i++) {
        memcpy(paths[i], found[i].path, sizeof paths[i]);
        if (steps) steps[i] = found[i].steps;
    }
    free(found);
    return k;
}

/* metrics.csv rows: the header, and the rows of steps <= max_step; a torn
 * last row (no newline) ends the file. */
static int keep_metrics_row(const unsigned char *text, size_t at, size_t n, int64_t max_step,
                            size_t *len)
{
    const unsigned char *nl = memchr(text + at, '\n', n - at);
    if (!nl) return -1;
    *len = (size_t)(nl - (text + at)) + 1;
    if (at == 0 && !strncmp((const char *)text, "step,", 5)) return 1;
    long long s = -1;
    char num[32];
    size_t k = strcspn((const char *)text + at, ",\n");
    if (k > 0 && k < sizeof num) {
        memcpy(num, text + at, k);
        num[k] = 0;
        if (rl_parse_int(num, &s)) s = -1;
    }
    return s >= 0 && s <= max_step;
}

int rl_rundir_truncate_metrics(const char *dir, int64_t step)
{
    char path[4200];
    int rc = join(path, sizeof path, dir, "metrics.csv");
    if (rc) return rc;
    struct stat st;
    if (stat(path, &st) != 0) return RL_OK;
    return rl_file_keep_records(path, "metrics", (int64_t)1 << 30, keep_metrics_row, step);
}

int rl_rundir_truncate_events(const char *dir, int64_t step)
{
    DIR *d = opendir(dir);
    if (!d) return RL_OK;
    int rc = RL_OK;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, "events.out.tfevents.", 20) || len < 7 ||
            strcmp(e->d_name + len - 7, ".rltool"))
            continue;
        char path[4200];
        if (!(rc = join(path, sizeof path, dir, e->d_name))) rc = rl_tb_truncate(path, step);
    }
    closedir(d);
    return rc;
}

int rl_rundir_drop_after(const char *dir, int64_t step)
{
    enum { CAP = 256 };
    char (*paths)[4096] = malloc(sizeof *paths * CAP);
    int64_t *steps = malloc(sizeof *steps * CAP);
    int n = paths && steps ? rl_rundir_states(dir, paths, steps, CAP) : RL_ENOMEM;
    for (int i = 0; i < n; i++)
        if (steps[i] > step) unlink(paths[i]);
    free(paths);
    free(steps);
    return n < 0 ? n : RL_OK;
}
