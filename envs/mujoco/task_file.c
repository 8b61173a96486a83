/* Task files: `key = value` lines that set a generic MuJoCo task's option
 * defaults (see task_file.h). Reading is bounded (regular file, 64 KiB,
 * lines up to the option length) and every error names the file and line. */
#include "envs/mujoco/task_file.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/agent.h" /* recipe.agent names an agent, recipe.hparams its options */
#include "core/file.h"
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
    int recipe_line[4]; /* line of recipe.agent, .policy, .hparams, .steps (0: none) */
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

static const char *const recipe_keys[4] = {"recipe.agent", "recipe.policy", "recipe.hparams",
                                            "recipe.steps"};

/* recipe.agent = NAME, recipe.policy = NAME, recipe.hparams = k=v,k=v,
 * recipe.steps = N: what `rltool train FILE` uses without --agent. */
static int check_recipe(tf_parse *p, int line, const char *owner, const char *key,
                        const char *val)
{
    int k = 0;
    while (k < 4 && strcmp(key, recipe_keys[k])) k++;
    if (k == 4)
        return rl_error(RL_ENOTFOUND, "%s: unknown key '%s' (recipe keys: recipe.agent, "
                        "recipe.policy, recipe.hparams, recipe.steps)", owner, key);
    p->recipe_line[k] = line;
    if ((k == 0 && !rl_agent_find(val)) || (k == 1 && !rl_policy_find(val))) {
        if (k == 0) rl_agent_find_or_error(val);
        else rl_policy_find_or_error(val);
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", rl_last_error());
        return rl_error(RL_EINVAL, "%s: %s: %s", owner, recipe_keys[k], msg);
    }
    if (k == 2) {
        const char *s = val;
        char kk[128], vv[RL_OPT_STR_MAX];
        int rc;
        while ((rc = rl_kv_next(&s, kk, sizeof kk, vv, sizeof vv)) == 1) {}
        if (rc < 0)
            return rl_error(RL_EINVAL, "%s: recipe.hparams '%s' must be key=value pairs separated "
                            "by commas (e.g. gamma=0.99,lr=3e-4)", owner, val);
    }
    long long steps;
    if (k == 3 && (rl_parse_int(val, &steps) || steps < 1 || steps > (long long)4e12))
        return rl_error(RL_EINVAL, "%s: recipe.steps '%s' must be an integer in [1, 4e12]", owner,
                        val);
    return RL_OK;
}

static const char *parsed_value(const tf_parse *p, const char *key)
{
    for (int i = 0; i < p->n; i++)
        if (!strcmp(p->keys[i], key)) return p->vals[i];
    return NULL;
}

/* recipe.hparams against the recipe's agent and policy, once the whole file
 * is read (those lines may come in any order): an unknown hyperparameter or
 * a value out of range names its line here, not when training starts. */
static int check_recipe_hparams(const tf_parse *p)
{
    if (!rl_agent_check_hparams(parsed_value(p, "recipe.agent"), parsed_value(p, "recipe.policy"),
                                parsed_value(p, "recipe.hparams")))
        return RL_OK;
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", rl_last_error());
    return rl_error(rl_last_code(), "%s:%d: recipe.hparams: %s", p->path, p->recipe_line[2], msg);
}

/* A task option's key and value; an unknown key lists every key a task
 * file accepts. */
static int check_option(const char *owner, const char *key, const char *val)
{
    int rc = rl_mjcf_check_option(owner, key, val);
    if (rc != RL_ENOTFOUND) return rc;
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", rl_last_error());
    char *close = strrchr(msg, ')');
    if (close) *close = 0;
    return rl_error(rc, "%s, max_steps, recipe.agent, recipe.policy, recipe.hparams, "
                    "recipe.steps)", msg);
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
    int rc = RL_OK;
    if (!strcmp(key, "model") && !(rc = resolve_model(p, line, val, model, sizeof model)))
        val = model;
    if (!rc)
        rc = strncmp(key, "recipe.", 7) ? check_option(owner, key, val)
                                        : check_recipe(p, line, owner, key, val);
    if (rc) return rc;
    snprintf(p->keys[p->n], sizeof p->keys[0], "%s", key);
    snprintf(p->vals[p->n], sizeof p->vals[0], "%s", val);
    p->n++;
    return RL_OK;
}

/* The whole file, opened once (no stat-then-open race): a regular file of
 * at most 64 KiB and no NUL byte. */
static int read_file(const char *path, char **out)
{
    unsigned char *buf = NULL;
    size_t n = 0;
    int rc = rl_file_read_all(path, "task file", MAX_FILE_BYTES, &buf, &n);
    if (rc) return rc;
    if (strlen((char *)buf) != n) {
        free(buf);
        return rl_error(RL_EINVAL, "task file '%s' contains a NUL byte (not a text file)", path);
    }
    *out = (char *)buf;
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
    for (int k = 1; !rc && k < 4; k++)
        if (p->recipe_line[k] && !p->recipe_line[0])
            rc = rl_error(RL_EINVAL, "%s:%d: %s without recipe.agent (name the agent the "
                          "recipe is for)", abs, p->recipe_line[k], recipe_keys[k]);
    if (!rc && p->recipe_line[0] && !p->recipe_line[3])
        rc = rl_error(RL_EINVAL, "%s:%d: recipe.agent without recipe.steps (the recipe's step "
                      "budget)", abs, p->recipe_line[0]);
    if (!rc && p->recipe_line[0] && p->recipe_line[2]) rc = check_recipe_hparams(p);
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
