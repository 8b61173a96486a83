/* The one key=value option parser shared by tasks, wrappers and agents. */
#include "rltool.h"
#include "core/error.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad_number(const char *s, const char *what)
{
    return rl_error(RL_EINVAL, "'%s' is not %s", s ? s : "(null)", what);
}

int rl_parse_int(const char *s, long long *out)
{
    if (!out) return rl_error(RL_EINVAL, "rl_parse_int: out is NULL");
    if (!s || !*s || isspace((unsigned char)*s)) return bad_number(s, "an integer");
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) {
        /* Accept integral floats such as 1e6 for step counts. */
        double d;
        if (rl_parse_double(s, &d) != RL_OK || d != floor(d) || fabs(d) > 9e18)
            return bad_number(s, "an integer (digits, or an integral value like 1e6 within +-9e18)");
        v = (long long)d;
    }
    *out = v;
    return RL_OK;
}

int rl_parse_double(const char *s, double *out)
{
    if (!out) return rl_error(RL_EINVAL, "rl_parse_double: out is NULL");
    /* Decimal only: strtod would also read "0x10" (hex) as 16. */
    if (!s || !*s || isspace((unsigned char)*s) || strpbrk(s, "xX"))
        return bad_number(s, "a decimal number");
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (errno == ERANGE || *end || !isfinite(v)) return bad_number(s, "a finite number");
    *out = v;
    return RL_OK;
}

static int parse_bool(const char *s, int *out)
{
    static const char *yes[] = {"1", "true", "yes", "on"};
    static const char *no[] = {"0", "false", "no", "off"};
    for (int i = 0; i < 4; i++) {
        if (!strcmp(s, yes[i])) { *out = 1; return RL_OK; }
        if (!strcmp(s, no[i])) { *out = 0; return RL_OK; }
    }
    return RL_EINVAL;
}

/* Index of `s` in "a|b|c", or -1. */
static int choice_index(const char *choices, const char *s)
{
    size_t n = strlen(s);
    int i = 0;
    for (const char *p = choices; p && *p; i++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && !strncmp(p, s, n)) return i;
        p = bar ? bar + 1 : NULL;
    }
    return -1;
}

static int choice_name(const char *choices, int idx, char *buf, size_t cap)
{
    const char *p = choices;
    for (int i = 0; p && i < idx; i++) {
        p = strchr(p, '|');
        if (p) p++;
    }
    if (!p) return snprintf(buf, cap, "?");
    const char *bar = strchr(p, '|');
    int len = bar ? (int)(bar - p) : (int)strlen(p);
    return snprintf(buf, cap, "%.*s", len, p);
}

const rl_optdef *rl_opts_find(const rl_optdef *defs, int n_defs, const char *key)
{
    if (n_defs && !defs) {
        rl_error(RL_EINVAL, "%s: defs is NULL", __func__);
        return NULL;
    }
    RL_NEED(key, NULL);
    for (int i = 0; i < n_defs; i++)
        if (!strcmp(defs[i].name, key)) return &defs[i];
    return NULL;
}

static void range_text(const rl_optdef *d, char *buf, size_t cap)
{
    switch (d->type) {
    case RL_OPT_INT: snprintf(buf, cap, "an integer in [%.0f, %.0f]", d->lo, d->hi); break;
    case RL_OPT_FLOAT: snprintf(buf, cap, "a number in [%g, %g]", d->lo, d->hi); break;
    case RL_OPT_BOOL: snprintf(buf, cap, "0 or 1"); break;
    case RL_OPT_CHOICE: snprintf(buf, cap, "one of %s", d->choices); break;
    case RL_OPT_INTLIST:
        snprintf(buf, cap, "up to %d integers in [%.0f, %.0f] joined by 'x' (e.g. 64x64)",
                 RL_INTLIST_MAX, d->lo, d->hi);
        break;
    case RL_OPT_STR: snprintf(buf, cap, "text of under %d characters", RL_OPT_STR_MAX); break;
    }
}

static int bad_value(const rl_optdef *d, const char *owner, const char *value)
{
    char range[160];
    range_text(d, range, sizeof range);
    return rl_error(RL_EINVAL, "bad value '%s' for option '%s' of %s (expected %s)",
                    value, d->name, owner ? owner : "options", range);
}

static int set_value(const rl_optdef *d, void *cfg, const char *owner, const char *value)
{
    char *field = (char *)cfg + d->offset;
    switch (d->type) {
    case RL_OPT_INT: {
        long long v;
        if (rl_parse_int(value, &v) || v < d->lo || v > d->hi) return bad_value(d, owner, value);
        *(int *)field = (int)v;
        return RL_OK;
    }
    case RL_OPT_FLOAT: {
        double v;
        if (rl_parse_double(value, &v) || v < d->lo || v > d->hi) return bad_value(d, owner, value);
        *(double *)field = v;
        return RL_OK;
    }
    case RL_OPT_BOOL: {
        int v;
        if (parse_bool(value, &v)) return bad_value(d, owner, value);
        *(int *)field = v;
        return RL_OK;
    }
    case RL_OPT_CHOICE: {
        int v = choice_index(d->choices, value);
        if (v < 0) return bad_value(d, owner, value);
        *(int *)field = v;
        return RL_OK;
    }
    case RL_OPT_INTLIST: {
        rl_intlist list = {0};
        const char *p = value;
        if (!*p) return bad_value(d, owner, value);
        while (*p) {
            char num[32];
            size_t len = strcspn(p, "x");
            if (len == 0 || len >= sizeof num || list.n == RL_INTLIST_MAX)
                return bad_value(d, owner, value);
            memcpy(num, p, len);
            num[len] = 0;
            long long v;
            if (rl_parse_int(num, &v) || v < d->lo || v > d->hi) return bad_value(d, owner, value);
            list.v[list.n++] = (int)v;
            p += len;
            if (*p == 'x') {
                p++;
                if (!*p) return bad_value(d, owner, value);
            }
        }
        *(rl_intlist *)field = list;
        return RL_OK;
    }
    case RL_OPT_STR:
        if (strlen(value) >= RL_OPT_STR_MAX) return bad_value(d, owner, value);
        strcpy(field, value);
        return RL_OK;
    }
    return RL_EINVAL;
}

int rl_opts_defaults(const rl_optdef *defs, int n_defs, void *cfg)
{
    if (n_defs && (!defs || !cfg))
        return rl_error(RL_EINVAL, "%s: defs or cfg is NULL", __func__);
    for (int i = 0; i < n_defs; i++) {
        int rc = set_value(&defs[i], cfg, "defaults", defs[i].def ? defs[i].def : "");
        if (rc) return rl_error(rc, "bad default for option '%s': %s", defs[i].name,
                                rl_last_error());
    }
    return RL_OK;
}

int rl_opts_set(const rl_optdef *defs, int n_defs, void *cfg, const char *owner,
                const char *key, const char *value)
{
    RL_NEED(defs, RL_EINVAL);
    RL_NEED(cfg, RL_EINVAL);
    RL_NEED(key, RL_EINVAL);
    RL_NEED(value, RL_EINVAL);
    const rl_optdef *d = rl_opts_find(defs, n_defs, key);
    if (!d) {
        char known[512] = "";
        size_t used = 0;
        for (int i = 0; i < n_defs && used < sizeof known; i++)
            used += snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                             defs[i].name);
        return rl_error(RL_ENOTFOUND, "unknown option '%s' for %s (known: %s)", key,
                        owner ? owner : "options", n_defs ? known : "none");
    }
    return set_value(d, cfg, owner, value);
}

int rl_kv_next(const char **s, char *key, size_t key_cap, char *val, size_t val_cap)
{
    RL_NEED(s, RL_EINVAL);
    RL_NEED(key, RL_EINVAL);
    RL_NEED(val, RL_EINVAL);
    const char *p = *s;
    while (*p == ',' || *p == ' ') p++;
    if (!*p) {
        *s = p;
        return 0;
    }
    size_t len = strcspn(p, ",");
    const char *eq = memchr(p, '=', len);
    if (!eq || eq == p) {
        rl_error(RL_EINVAL, "malformed option '%.*s' (expected key=value)", (int)len, p);
        return RL_EINVAL;
    }
    size_t klen = (size_t)(eq - p), vlen = len - klen - 1;
    if (klen >= key_cap || vlen >= val_cap) {
        rl_error(RL_EINVAL, "option '%.*s' is too long", (int)len, p);
        return RL_EINVAL;
    }
    memcpy(key, p, klen);
    key[klen] = 0;
    memcpy(val, eq + 1, vlen);
    val[vlen] = 0;
    *s = p + len;
    return 1;
}

int rl_opts_parse(const rl_optdef *defs, int n_defs, void *cfg, const char *owner,
                  const char *kvs)
{
    if (n_defs && (!defs || !cfg))
        return rl_error(RL_EINVAL, "%s: defs or cfg is NULL", __func__);
    const char *p = kvs ? kvs : "";
    char key[128], val[RL_OPT_STR_MAX];
    int rc;
    while ((rc = rl_kv_next(&p, key, sizeof key, val, sizeof val)) == 1) {
        int e = rl_opts_set(defs, n_defs, cfg, owner, key, val);
        if (e) return e;
    }
    return rc;
}

int rl_opts_format_value(const rl_optdef *d, const void *cfg, char *buf, size_t cap)
{
    RL_NEED(d, RL_EINVAL);
    RL_NEED(cfg, RL_EINVAL);
    if (!buf && cap) return rl_error(RL_EINVAL, "%s: buf is NULL", __func__);
    const char *field = (const char *)cfg + d->offset;
    switch (d->type) {
    case RL_OPT_INT:
    case RL_OPT_BOOL: return snprintf(buf, cap, "%d", *(const int *)field);
    case RL_OPT_FLOAT: return snprintf(buf, cap, "%.9g", *(const double *)field);
    case RL_OPT_CHOICE: return choice_name(d->choices, *(const int *)field, buf, cap);
    case RL_OPT_STR: return snprintf(buf, cap, "%s", field);
    case RL_OPT_INTLIST: {
        const rl_intlist *l = (const rl_intlist *)field;
        size_t used = 0;
        if (cap) buf[0] = 0;
        for (int i = 0; i < l->n && used < cap; i++)
            used += snprintf(buf + used, cap - used, "%s%d", i ? "x" : "", l->v[i]);
        return (int)used;
    }
    }
    return 0;
}

int rl_opts_format(const rl_optdef *defs, int n_defs, const void *cfg, char *buf, size_t cap)
{
    if (n_defs && (!defs || !cfg))
        return rl_error(RL_EINVAL, "%s: defs or cfg is NULL", __func__);
    if (!buf && cap) return rl_error(RL_EINVAL, "%s: buf is NULL", __func__);
    size_t used = 0;
    if (cap) buf[0] = 0;
    for (int i = 0; i < n_defs; i++) {
        char v[RL_OPT_STR_MAX];
        rl_opts_format_value(&defs[i], cfg, v, sizeof v);
        int w = snprintf(buf + used, cap > used ? cap - used : 0, "%s%s=%s", used ? "," : "",
                         defs[i].name, v);
        used += (size_t)w;
        if (used >= cap) return rl_error(RL_EINVAL, "options do not fit in %zu bytes", cap);
    }
    return (int)used;
}
