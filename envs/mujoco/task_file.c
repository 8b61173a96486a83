/* Task files: `key = value` lines that set a generic MuJoCo task's option
 * defaults (see task_file.h). Reading is bounded (regular file, 64 KiB,
 * lines up to the option length) and every error names the file and line. */
#include "envs/mujoco/task_file.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "envs/mujoco/mjcf_task.h"

#define MAX_FILE_BYTES (64 * 1024)
#define MAX_KEYS 32

int rl_taskfile_is_id(const char *id)
{
    size_t n = id ? strlen(id) : 0, s = strlen(RL_TASK_FILE_SUFFIX);
    return n > s && !strcmp(id + n - s, RL_TASK_FILE_SUFFIX);
}

typedef struct tf_parse {
    const char *path;   /* absolute */
    char dir[PATH_MAX]; /* its directory */
    char keys[MAX_KEYS][64];
    char vals[MAX_KEYS][RL_OPT_STR_MAX];
    int n;
    int max_steps;
} tf_parse;

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
    return s;
}

static void drop_spaces(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++)
        if (!isspace((unsigned char)*r)) *w++ = *r;
    *w = 0;
}

/* model = [$VAR or ${VAR}]/rest, relative to the task file's directory. */
static int resolve_model(tf_parse *p, int line, const char *value, char *out, size_t cap)
{
    char joined[PATH_MAX * 2];
    const char *rest = value;
    const char *base = NULL;
    char var[128] = "";
    if (value[0] == '$') {
        const char *v = value + 1;
        int braced = *v == '{';
        if (braced) v++;
        size_t n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
        if (!n || n >= sizeof var || (braced && v[n] != '}'))
            return rl_error(RL_EINVAL, "%s:%d: model path '%s' starts with a malformed "
                            "variable (use $NAME/file.xml or ${NAME}/file.xml)", p->path, line,
                            value);
        memcpy(var, v, n);
        var[n] = 0;
        rest = v + n + braced;
        base = getenv(var);
        if (!base || !base[0]) { /* an error only if nothing overrides model (see mjcf_task.c) */
            snprintf(out, cap, "%s", value);
            return RL_OK;
        }
        snprintf(joined, sizeof joined, "%s%s", base, rest);
    } else if (value[0] == '/') {
        snprintf(joined, sizeof joined, "%s", value);
    } else {
        snprintf(joined, sizeof joined, "%s/%s", p->dir, value);
    }
    char abs[PATH_MAX];
    const char *use = realpath(joined, abs) ? abs : joined;
    if (strlen(use) >= cap || strchr(use, ','))
        return rl_error(RL_EINVAL, "%s:%d: model path '%s' is too long or contains a comma",
                        p->path, line, use);
    snprintf(out, cap, "%s", use);
    return RL_OK;
}

static int parse_line(tf_parse *p, int line, char *text)
{
    char *hash = strchr(text, '#');
    if (hash) *hash = 0;
    char *s = trim(text);
    if (!*s) return RL_OK;
    char *eq = strchr(s, '=');
    if (!eq)
        return rl_error(RL_EINVAL, "%s:%d: expected 'key = value', got '%s'", p->path, line, s);
    *eq = 0;
    char *key = trim(s), *val = trim(eq + 1);
    if (!*key) return rl_error(RL_EINVAL, "%s:%d: a line starts with '=' (no key)", p->path, line);
    if (!*val) return rl_error(RL_EINVAL, "%s:%d: key '%s' has no value", p->path, line, key);
    if (strlen(key) >= sizeof p->keys[0] || strlen(val) >= RL_OPT_STR_MAX)
        return rl_error(RL_EINVAL, "%s:%d: the line is too long (values up to %d characters)",
                        p->path, line, RL_OPT_STR_MAX - 1);
    for (int i = 0; i < p->n; i++)
        if (!strcmp(p->keys[i], key))
            return rl_error(RL_EINVAL, "%s:%d: key '%s' is set twice", p->path, line, key);
    if (!strcmp(key, "task_file") || !strcmp(key, "task_hash"))
        return rl_error(RL_EINVAL, "%s:%d: '%s' is set by the loader, not in the file", p->path,
                        line, key);
    char owner[PATH_MAX + 16];
    snprintf(owner, sizeof owner, "%s:%d", p->path, line);
    if (strcmp(key, "model")) drop_spaces(val);
    if (!strcmp(key, "max_steps")) {
        long long v;
        if (rl_parse_int(val, &v) || v < 1 || v > 1000000000)
            return rl_error(RL_EINVAL, "%s: max_steps '%s' must be an integer in [1, 1e9]", owner,
                            val);
        p->max_steps = (int)v;
        return RL_OK;
    }
    if (p->n == MAX_KEYS) return rl_error(RL_EINVAL, "%s: more than %d keys", owner, MAX_KEYS);
    char model[RL_OPT_STR_MAX];
    if (!strcmp(key, "model")) {
        int rc = resolve_model(p, line, val, model, sizeof model);
        if (rc) return rc;
        val = model;
    }
    int rc = rl_mjcf_check_option(owner, key, val);
    if (rc == RL_ENOTFOUND) { /* add max_steps to the known keys */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", rl_last_error());
        char *close = strrchr(msg, ')');
        if (close) *close = 0;
        return rl_error(rc, "%s, max_steps)", msg);
    }
    if (rc) return rc;
    snprintf(p->keys[p->n], sizeof p->keys[0], "%s", key);
    snprintf(p->vals[p->n], sizeof p->vals[0], "%s", val);
    p->n++;
    return RL_OK;
}

static int read_file(const char *path, char **out)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return rl_error(RL_ENOTFOUND, "task file '%s' not found", path);
    if (!S_ISREG(st.st_mode)) return rl_error(RL_EINVAL, "task file '%s' is not a file", path);
    if (st.st_size > MAX_FILE_BYTES)
        return rl_error(RL_EINVAL, "task file '%s' is larger than %d bytes", path,
                        MAX_FILE_BYTES);
    FILE *f = fopen(path, "rb");
    if (!f) return rl_error(RL_EIO, "cannot read task file '%s'", path);
    char *buf = malloc((size_t)st.st_size + 1);
    size_t n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!buf) return rl_error(RL_ENOMEM, "out of memory");
    buf[n] = 0;
    if (strlen(buf) != n) {
        free(buf);
        return rl_error(RL_EINVAL, "task file '%s' contains a NUL byte (not a text file)", path);
    }
    *out = buf;
    return RL_OK;
}

const rl_task *rl_taskfile_task(const char *path)
{
    char abs[PATH_MAX];
    if (!path || !realpath(path, abs)) {
        rl_error(RL_ENOTFOUND, "task file '%s' not found", path ? path : "(null)");
        return NULL;
    }
    if (strlen(abs) >= RL_OPT_STR_MAX || strchr(abs, ',')) {
        rl_error(RL_EINVAL, "task file path '%s' is too long or contains a comma", abs);
        return NULL;
    }
    tf_parse *p = calloc(1, sizeof *p);
    char *text = NULL;
    if (!p) {
        rl_error(RL_ENOMEM, "out of memory");
        return NULL;
    }
    p->path = abs;
    snprintf(p->dir, sizeof p->dir, "%s", abs);
    *strrchr(p->dir, '/') = 0;
    int rc = read_file(abs, &text);
    int line = 0;
    for (char *s = text; !rc && s && *s;) {
        char *nl = strchr(s, '\n');
        if (nl) *nl = 0;
        line++;
        rc = parse_line(p, line, s);
        s = nl ? nl + 1 : NULL;
    }
    int has_model = 0;
    for (int i = 0; i < p->n; i++) has_model |= !strcmp(p->keys[i], "model");
    if (!rc && !has_model)
        rc = rl_error(RL_EINVAL, "%s: no 'model = PATH' line (the MJCF file, relative to the "
                      "task file)", abs);
    const rl_task *task = NULL;
    if (!rc) {
        const char *keys[MAX_KEYS + 1], *vals[MAX_KEYS + 1];
        for (int i = 0; i < p->n; i++) keys[i] = p->keys[i], vals[i] = p->vals[i];
        keys[p->n] = "task_file";
        vals[p->n] = abs;
        task = rl_mjcf_task_with(abs, keys, vals, p->n + 1, p->max_steps);
    }
    free(text);
    free(p);
    return task;
}
