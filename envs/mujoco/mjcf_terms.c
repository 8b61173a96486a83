/* Observation, reward, condition, reset and goal terms of generic MuJoCo
 * tasks (see mjcf_terms.h; the user-facing grammar is docs/task-files.md).
 *
 * A joint selection SEL is zero or more ':'-separated items: NAME picks a
 * joint's entries (7 qpos / 6 qvel for a free joint, 4 / 3 for a ball, 1
 * otherwise), NAME[i] one entry of it, !NAME or !NAME[i] drops entries. With
 * no picks, every joint is picked; picks keep the order written.
 *
 * Forward velocities follow Gymnasium: (position after - position before) /
 * step time, positions read from the data before and after the step, not
 * MuJoCo's instantaneous velocity. */
#include "envs/mujoco/mjcf_terms.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/mujoco/sim.h"

enum { O_QPOS, O_QVEL, O_COS, O_SIN, O_QFRC_CON, O_POS, O_QUAT, O_LINVEL, O_ANGVEL, O_VEC,
       O_SENSOR, O_SENSORS, O_CFRC, O_ACTION, O_GOAL, O_ACHIEVED };
enum { R_FWD_JOINT, R_FWD_BODY, R_FWD_COM, R_HEIGHT, R_DIST, R_CTRL, R_ALIVE, R_HEALTHY,
       R_CFRC, R_UPRIGHT, R_QVEL_SQ, R_TOL, R_SQ, R_GOAL_DIST };
enum { C_HEIGHT, C_ANGLE, C_QPOS, C_QVEL, C_FINITE, C_NO_CONTACT };
enum { S_UNIFORM, S_NORMAL, S_SET };
enum { G_NONE, G_JOINTS, G_MOCAP, G_SITE };
enum { G_RADIUS, G_BOX, G_RANGE };

#define MAX_FIELDS 40

static const char *const OBS_HELP =
    "qpos[:SEL] qvel[:SEL] qpos_cos[:SEL] qpos_sin[:SEL] qfrc_constraint[:SEL] pos:POINT "
    "quat:BODY linvel:BODY[:local] angvel:BODY[:local] vec:FROM:TO[:local] sensor:NAME "
    "sensors cfrc[:BODIES] action goal achieved:POINT; 3-vectors take :x :xy ...; @CLIP clips";
static const char *const REWARD_HELP =
    "fwd:JOINT fwd:BODY:AXIS fwd_com:BODY:AXIS height:POINT dist:A:B ctrl alive healthy "
    "cfrc[:BODIES] upright:BODY[:AXIS] qvel_sq[:SEL] tol:A:B:BOUND:MARGIN sq:POINT:AXIS:TARGET "
    "goal_dist:POINT, each [@CLIP][*WEIGHT]";
static const char *const COND_HELP =
    "height:POINT:LO:HI angle:BODY[:AXIS]:LO:HI qpos[:SEL]:LO:HI qvel[:SEL]:LO:HI finite "
    "no_contact:GEOM:GEOM (LO and HI numbers or -inf/inf)";
static const char *const RESET_HELP =
    "qpos[:SEL]:uniform:SCALE qvel[:SEL]:normal:SCALE qpos[:SEL]:set:VALUE (uniform, normal "
    "or set, on qpos or qvel)";
static const char *const GOAL_HELP =
    "joints:J[:J...]:radius:R, joints:J[:J...]:box:LO:HI, joints:J[:J...]:range, "
    "mocap:BODY:radius:R, mocap:BODY:box:LO:HI, site:SITE:radius:R, site:SITE:box:LO:HI";

/* ------------------------------------------------------------ names */

static const char *type_name(int type)
{
    switch (type) {
    case mjOBJ_BODY: return "body";
    case mjOBJ_JOINT: return "joint";
    case mjOBJ_SITE: return "site";
    case mjOBJ_GEOM: return "geom";
    case mjOBJ_SENSOR: return "sensor";
    default: return "object";
    }
}

static int type_count(const mjModel *m, int type)
{
    switch (type) {
    case mjOBJ_BODY: return m->nbody;
    case mjOBJ_JOINT: return m->njnt;
    case mjOBJ_SITE: return m->nsite;
    case mjOBJ_GEOM: return m->ngeom;
    case mjOBJ_SENSOR: return m->nsensor;
    case mjOBJ_ACTUATOR: return m->nu;
    default: return 0;
    }
}

void mt_names(const mjModel *m, int type, char *buf, size_t cap)
{
    size_t u = 0;
    int n = type_count(m, type), shown = 0;
    buf[0] = 0;
    for (int i = 0; i < n && u + 8 < cap; i++) {
        const char *nm = mj_id2name(m, type, i);
        if (!nm || !nm[0]) continue;
        u += (size_t)snprintf(buf + u, cap - u, "%s%s", shown++ ? ", " : "", nm);
    }
    if (u >= cap) snprintf(buf + cap - 5, 5, "...");
    if (!shown) snprintf(buf, cap, "none named");
}

/* Id of a named object, or RL_ENOTFOUND listing the valid names. */
static int find(const mjModel *m, int type, const char *name, const char *what, const char *file)
{
    int id = name[0] ? mj_name2id(m, type, name) : -1;
    if (id >= 0) return id;
    char known[700];
    mt_names(m, type, known, sizeof known);
    return rl_error(RL_ENOTFOUND, "%s: %s has no %s named '%s' (%ss: %s)", what, file,
                    type_name(type), name, type_name(type), known);
}

static int find_point(const mjModel *m, const char *name, const char *what, const char *file,
                      mt_point *p)
{
    int id = name[0] ? mj_name2id(m, mjOBJ_SITE, name) : -1;
    if (id >= 0) {
        *p = (mt_point){1, id};
        return RL_OK;
    }
    id = name[0] ? mj_name2id(m, mjOBJ_BODY, name) : -1;
    if (id >= 0) {
        *p = (mt_point){0, id};
        return RL_OK;
    }
    char sites[400], bodies[400];
    mt_names(m, mjOBJ_SITE, sites, sizeof sites);
    mt_names(m, mjOBJ_BODY, bodies, sizeof bodies);
    return rl_error(RL_ENOTFOUND, "%s: %s has no site or body named '%s' (sites: %s; bodies: %s)",
                    what, file, name, sites, bodies);
}

static const mjtNum *point_pos(const mjData *d, mt_point p)
{
    return p.is_site ? d->site_xpos + 3 * p.id : d->xpos + 3 * p.id;
}

static const mjtNum *point_mat(const mjData *d, mt_point p)
{
    return p.is_site ? d->site_xmat + 9 * p.id : d->xmat + 9 * p.id;
}

/* ------------------------------------------------------------ text */

/* Split s at sep into at most max fields (in place); max + 1 if more. */
static int split(char *s, char sep, char **out, int max)
{
    int n = 0;
    for (;;) {
        if (n == max) return max + 1;
        out[n++] = s;
        char *p = strchr(s, sep);
        if (!p) return n;
        *p = 0;
        s = p + 1;
    }
}

/* A bound: a finite number, or inf / -inf / +inf. */
static int parse_bound(const char *s, double *v)
{
    if (!strcmp(s, "inf") || !strcmp(s, "+inf")) return *v = INFINITY, RL_OK;
    if (!strcmp(s, "-inf")) return *v = -INFINITY, RL_OK;
    return rl_parse_double(s, v);
}

static int parse_axis(const char *s, int *axis)
{
    if (strlen(s) != 1 || !strchr("xyz", s[0])) return RL_EINVAL;
    *axis = s[0] - 'x';
    return RL_OK;
}

/* "x", "xy", "xyz", ... : 1 and the axes, or 0 when s is not such a field. */
static int parse_axes(const char *s, int *axes, int *n)
{
    size_t len = strlen(s);
    if (len < 1 || len > 3 || strspn(s, "xyz") != len) return 0;
    for (size_t i = 0; i < len; i++) axes[i] = s[i] - 'x';
    *n = (int)len;
    return 1;
}

/* ------------------------------------------------------------ index pool */

static int pool_add(mt_spec *s, int v)
{
    if (s->pool_n == s->pool_cap) {
        int cap = s->pool_cap ? 2 * s->pool_cap : 64;
        int *p = realloc(s->pool, sizeof(int) * (size_t)cap);
        if (!p) return rl_error(RL_ENOMEM, "out of memory");
        s->pool = p;
        s->pool_cap = cap;
    }
    s->pool[s->pool_n++] = v;
    return RL_OK;
}

static int joint_width(const mjModel *m, int j, int vel)
{
    int t = m->jnt_type[j];
    if (t == mjJNT_FREE) return vel ? 6 : 7;
    if (t == mjJNT_BALL) return vel ? 3 : 4;
    return 1;
}

static int joint_adr(const mjModel *m, int j, int vel)
{
    return vel ? m->jnt_dofadr[j] : m->jnt_qposadr[j];
}

/* One selection item "NAME" or "NAME[i]" -> first entry and count. */
static int sel_item(const mjModel *m, const char *item, int vel, const char *what,
                    const char *file, int *adr, int *cnt)
{
    char name[128];
    snprintf(name, sizeof name, "%s", item);
    long comp = -1;
    char *br = strchr(name, '[');
    if (br) {
        char *end;
        comp = strtol(br + 1, &end, 10);
        if (end == br + 1 || strcmp(end, "]") || comp < 0)
            return rl_error(RL_EINVAL, "%s: '%s' should be JOINT or JOINT[i] with i >= 0", what,
                            item);
        *br = 0;
    }
    int j = find(m, mjOBJ_JOINT, name, what, file);
    if (j < 0) return j;
    int w = joint_width(m, j, vel);
    if (comp >= w)
        return rl_error(RL_EINVAL, "%s: joint '%s' has %d %s entries; [%ld] is out of range", what,
                        name, w, vel ? "qvel" : "qpos", comp);
    *adr = joint_adr(m, j, vel) + (comp < 0 ? 0 : (int)comp);
    *cnt = comp < 0 ? w : 1;
    return RL_OK;
}

/* Joint selection from fields -> addresses appended to the pool. */
static int sel_joints(mt_spec *s, const mjModel *m, char **f, int n, int vel, const char *what,
                      const char *file, int *off, int *cnt)
{
    int total = vel ? m->nv : m->nq;
    unsigned char *drop = calloc((size_t)total + 1, 1);
    if (!drop) return rl_error(RL_ENOMEM, "out of memory");
    int rc = RL_OK, picks = 0;
    for (int i = 0; i < n && !rc; i++) {
        int a, c;
        if (f[i][0] == '!') {
            if (!(rc = sel_item(m, f[i] + 1, vel, what, file, &a, &c)))
                memset(drop + a, 1, (size_t)c);
        } else {
            picks++;
        }
    }
    *off = s->pool_n;
    for (int i = 0; i < n && !rc && picks; i++) {
        int a, c;
        if (f[i][0] == '!') continue;
        if ((rc = sel_item(m, f[i], vel, what, file, &a, &c))) break;
        for (int k = a; k < a + c && !rc; k++)
            if (!drop[k]) rc = pool_add(s, k);
    }
    for (int k = 0; k < total && !rc && !picks; k++)
        if (!drop[k]) rc = pool_add(s, k);
    free(drop);
    *cnt = s->pool_n - *off;
    if (!rc && *cnt == 0) rc = rl_error(RL_EINVAL, "%s: selects no %s entries", what,
                                        vel ? "qvel" : "qpos");
    return rc;
}

/* Body selection for cfrc: picks and !drops; default every body but the world. */
static int sel_bodies(mt_spec *s, const mjModel *m, char **f, int n, const char *what,
                      const char *file, int *off, int *cnt)
{
    unsigned char *drop = calloc((size_t)m->nbody, 1);
    if (!drop) return rl_error(RL_ENOMEM, "out of memory");
    int rc = RL_OK, picks = 0;
    for (int i = 0; i < n && !rc; i++) {
        if (f[i][0] != '!') {
            picks++;
            continue;
        }
        int b = find(m, mjOBJ_BODY, f[i] + 1, what, file);
        if (b < 0) rc = b;
        else drop[b] = 1;
    }
    *off = s->pool_n;
    for (int i = 0; i < n && !rc && picks; i++) {
        if (f[i][0] == '!') continue;
        int b = find(m, mjOBJ_BODY, f[i], what, file);
        if (b < 0) rc = b;
        else if (!drop[b]) rc = pool_add(s, b);
    }
    for (int b = 1; b < m->nbody && !rc && !picks; b++)
        if (!drop[b]) rc = pool_add(s, b);
    free(drop);
    *cnt = s->pool_n - *off;
    return rc;
}

/* ------------------------------------------------------------ term text */

typedef struct term_text {
    char buf[RL_OPT_STR_MAX];
    char *f[MAX_FIELDS + 1];
    int n;
    double clip, weight;
    int has_clip, has_weight;
    char what[320];
} term_text;

/* Split one term into fields and its @CLIP and *WEIGHT suffixes. */
static int term_split(const char *list, const char *text, term_text *t)
{
    snprintf(t->what, sizeof t->what, "%s term '%s'", list, text);
    snprintf(t->buf, sizeof t->buf, "%s", text);
    t->weight = 1.0;
    t->clip = 0;
    t->has_clip = t->has_weight = 0;
    char *star = strrchr(t->buf, '*');
    if (star) {
        *star = 0;
        t->has_weight = 1;
        if (rl_parse_double(star + 1, &t->weight))
            return rl_error(RL_EINVAL, "%s: weight '%s' is not a finite number", t->what, star + 1);
    }
    char *at = strrchr(t->buf, '@');
    if (at) {
        *at = 0;
        t->has_clip = 1;
        if (rl_parse_double(at + 1, &t->clip) || t->clip <= 0)
            return rl_error(RL_EINVAL, "%s: clip '%s' must be a positive number", t->what, at + 1);
    }
    t->n = split(t->buf, ':', t->f, MAX_FIELDS);
    if (t->n > MAX_FIELDS)
        return rl_error(RL_EINVAL, "%s: more than %d fields", t->what, MAX_FIELDS);
    for (int i = 0; i < t->n; i++)
        if (!t->f[i][0])
            return rl_error(RL_EINVAL, "%s: empty field (fields are separated by one ':')",
                            t->what);
    return RL_OK;
}

static int arity(const term_text *t, int lo, int hi, const char *form, const char *help)
{
    if (t->n - 1 >= lo && t->n - 1 <= hi) return RL_OK;
    return rl_error(RL_EINVAL, "%s: expected %s (known: %s)", t->what, form, help);
}

/* Split a '+' list into terms; calls fn for each. */
typedef int (*term_fn)(mt_spec *s, const mjModel *m, const char *file, const char *text,
                       void *out);

static int each_term(mt_spec *s, const mjModel *m, const char *file, const char *list,
                     const char *value, int max, const char *help, term_fn fn, void *out,
                     size_t out_size, int *count)
{
    char buf[RL_OPT_STR_MAX];
    char *f[MT_MAX_TERMS + 1];
    *count = 0;
    if (!value || !value[0]) return RL_OK;
    snprintf(buf, sizeof buf, "%s", value);
    int n = split(buf, '+', f, max);
    if (n > max) return rl_error(RL_EINVAL, "%s has more than %d terms", list, max);
    for (int i = 0; i < n; i++) {
        if (!f[i][0])
            return rl_error(RL_EINVAL, "%s '%s' has an empty term (terms: %s)", list, value, help);
        int rc = fn(s, m, file, f[i], (char *)out + out_size * (size_t)i);
        if (rc) return rc;
    }
    *count = n;
    return RL_OK;
}

/* ------------------------------------------------------------ observations */

static int parse_obs(mt_spec *s, const mjModel *m, const char *file, const char *text, void *out)
{
    mt_obs *o = out;
    term_text t;
    int rc = term_split("obs", text, &t);
    if (rc) return rc;
    if (t.has_weight) return rl_error(RL_EINVAL, "%s: observation terms take no *WEIGHT", t.what);
    memset(o, 0, sizeof *o);
    o->clip = t.clip;
    snprintf(o->label, sizeof o->label, "%s", text);
    const char *k = t.f[0];
    char **a = t.f + 1;
    int na = t.n - 1;
    /* trailing "local" and axes fields of 3-vector terms */
    int vec3 = !strcmp(k, "pos") || !strcmp(k, "linvel") || !strcmp(k, "angvel") ||
               !strcmp(k, "vec");
    if (vec3) {
        while (na > 1) {
            if (!strcmp(a[na - 1], "local") && strcmp(k, "pos")) o->local = 1, na--;
            else if (parse_axes(a[na - 1], o->axes, &o->n_axes)) na--;
            else break;
        }
        if (!o->n_axes) o->n_axes = 3, o->axes[0] = 0, o->axes[1] = 1, o->axes[2] = 2;
    }
    if (!strcmp(k, "qpos") || !strcmp(k, "qvel") || !strcmp(k, "qpos_cos") ||
        !strcmp(k, "qpos_sin") || !strcmp(k, "qfrc_constraint")) {
        int vel = !strcmp(k, "qvel") || !strcmp(k, "qfrc_constraint");
        o->kind = !strcmp(k, "qpos") ? O_QPOS : !strcmp(k, "qvel") ? O_QVEL
                : !strcmp(k, "qpos_cos") ? O_COS : !strcmp(k, "qpos_sin") ? O_SIN : O_QFRC_CON;
        rc = sel_joints(s, m, a, na, vel, t.what, file, &o->off, &o->n);
        o->dim = o->n;
    } else if (!strcmp(k, "pos") || !strcmp(k, "vec")) {
        int want = !strcmp(k, "pos") ? 1 : 2;
        if (na != want)
            return rl_error(RL_EINVAL, "%s: expected %s", t.what,
                            want == 1 ? "pos:POINT[:AXES]" : "vec:FROM:TO[:local][:AXES]");
        o->kind = want == 1 ? O_POS : O_VEC;
        rc = find_point(m, a[0], t.what, file, &o->a);
        if (!rc && want == 2) rc = find_point(m, a[1], t.what, file, &o->b);
        o->dim = o->n_axes;
    } else if (!strcmp(k, "quat") || !strcmp(k, "linvel") || !strcmp(k, "angvel")) {
        if (na != 1)
            return rl_error(RL_EINVAL, "%s: expected %s:BODY%s", t.what, k,
                            vec3 ? "[:local][:AXES]" : "");
        o->kind = !strcmp(k, "quat") ? O_QUAT : !strcmp(k, "linvel") ? O_LINVEL : O_ANGVEL;
        o->id = find(m, mjOBJ_BODY, a[0], t.what, file);
        if (o->id < 0) return o->id;
        o->dim = o->kind == O_QUAT ? 4 : o->n_axes;
    } else if (!strcmp(k, "sensor")) {
        if (na != 1) return rl_error(RL_EINVAL, "%s: expected sensor:NAME", t.what);
        o->kind = O_SENSOR;
        o->id = find(m, mjOBJ_SENSOR, a[0], t.what, file);
        if (o->id < 0) return o->id;
        o->dim = m->sensor_dim[o->id];
    } else if (!strcmp(k, "sensors") && na == 0) {
        o->kind = O_SENSORS;
        o->dim = m->nsensordata;
        if (!o->dim) return rl_error(RL_EINVAL, "%s: %s has no sensors", t.what, file);
    } else if (!strcmp(k, "cfrc")) {
        o->kind = O_CFRC;
        rc = sel_bodies(s, m, a, na, t.what, file, &o->off, &o->n);
        o->dim = 6 * o->n;
        s->needs_cfrc = 1;
    } else if (!strcmp(k, "action") && na == 0) {
        o->kind = O_ACTION;
        o->dim = m->nu;
    } else if (!strcmp(k, "goal") && na == 0) {
        o->kind = O_GOAL; /* dim set once the goal is parsed */
    } else if (!strcmp(k, "achieved") && na == 1) {
        o->kind = O_ACHIEVED; /* the point's first goal-dim coordinates */
        rc = find_point(m, a[0], t.what, file, &o->a);
    } else {
        return rl_error(RL_EINVAL, "%s: unknown kind '%s' or wrong fields (known: %s)", t.what, k,
                        OBS_HELP);
    }
    return rc;
}

static double clipv(double v, double c) { return c > 0 ? (v < -c ? -c : (v > c ? c : v)) : v; }

void mt_observe(const mt_spec *s, const mjModel *m, const mjData *d, const mt_state *st,
                float *obs)
{
    int k = 0;
    for (int i = 0; i < s->n_obs; i++) {
        const mt_obs *o = &s->obs[i];
        const int *ix = s->pool + o->off;
        double v3[3] = {0, 0, 0};
        switch (o->kind) {
        case O_QPOS:
            for (int j = 0; j < o->n; j++) obs[k++] = (float)clipv(d->qpos[ix[j]], o->clip);
            continue;
        case O_COS:
        case O_SIN:
            for (int j = 0; j < o->n; j++) {
                double q = d->qpos[ix[j]];
                obs[k++] = (float)clipv(o->kind == O_COS ? cos(q) : sin(q), o->clip);
            }
            continue;
        case O_QVEL:
        case O_QFRC_CON:
            for (int j = 0; j < o->n; j++) {
                double v = o->kind == O_QVEL ? d->qvel[ix[j]] : d->qfrc_constraint[ix[j]];
                obs[k++] = (float)clipv(v, o->clip);
            }
            continue;
        case O_QUAT:
            for (int j = 0; j < 4; j++) obs[k++] = (float)clipv(d->xquat[4 * o->id + j], o->clip);
            continue;
        case O_SENSOR:
            for (int j = 0; j < o->dim; j++)
                obs[k++] = (float)clipv(d->sensordata[m->sensor_adr[o->id] + j], o->clip);
            continue;
        case O_SENSORS:
            for (int j = 0; j < o->dim; j++) obs[k++] = (float)clipv(d->sensordata[j], o->clip);
            continue;
        case O_CFRC:
            for (int j = 0; j < o->n; j++)
                for (int c = 0; c < 6; c++)
                    obs[k++] = (float)clipv(d->cfrc_ext[6 * ix[j] + c], o->clip);
            continue;
        case O_ACTION:
            for (int j = 0; j < o->dim; j++) obs[k++] = st->last_action[j];
            continue;
        case O_GOAL:
            for (int j = 0; j < o->dim; j++) obs[k++] = (float)clipv(st->goal[j], o->clip);
            continue;
        case O_ACHIEVED:
            for (int j = 0; j < o->dim; j++) obs[k++] = (float)clipv(point_pos(d, o->a)[j], o->clip);
            continue;
        case O_POS:
            memcpy(v3, point_pos(d, o->a), sizeof v3);
            break;
        case O_VEC: {
            const mjtNum *pa = point_pos(d, o->a), *pb = point_pos(d, o->b);
            double w[3] = {pb[0] - pa[0], pb[1] - pa[1], pb[2] - pa[2]};
            if (o->local) mju_mulMatTVec(v3, point_mat(d, o->a), w, 3, 3);
            else memcpy(v3, w, sizeof w);
            break;
        }
        default: { /* O_LINVEL, O_ANGVEL: [angular(3), linear(3)] at the body's frame */
            mjtNum vel[6];
            mj_objectVelocity(m, d, mjOBJ_XBODY, o->id, vel, o->local);
            memcpy(v3, vel + (o->kind == O_ANGVEL ? 0 : 3), sizeof v3);
        }
        }
        for (int j = 0; j < o->n_axes; j++) obs[k++] = (float)clipv(v3[o->axes[j]], o->clip);
    }
}

/* ------------------------------------------------------------ rewards */

static int parse_reward(mt_spec *s, const mjModel *m, const char *file, const char *text,
                        void *out)
{
    mt_reward *r = out;
    term_text t;
    int rc = term_split("reward", text, &t);
    if (rc) return rc;
    memset(r, 0, sizeof *r);
    r->weight = t.weight;
    r->clip = t.clip;
    snprintf(r->label, sizeof r->label, "%s", text);
    const char *k = t.f[0];
    char **a = t.f + 1;
    int na = t.n - 1;
    if (!strcmp(k, "fwd") || !strcmp(k, "fwd_com")) {
        if (!strcmp(k, "fwd") && na == 1) {
            r->kind = R_FWD_JOINT;
            r->id = find(m, mjOBJ_JOINT, a[0], t.what, file);
            if (r->id < 0) return r->id;
            int jt = m->jnt_type[r->id];
            if (jt != mjJNT_SLIDE && jt != mjJNT_HINGE)
                return rl_error(RL_EINVAL, "%s: joint '%s' is not a slide or hinge joint; use "
                                "fwd:BODY:AXIS", t.what, a[0]);
            r->qadr = m->jnt_qposadr[r->id];
            return RL_OK;
        }
        if (na != 2) return rl_error(RL_EINVAL, "%s: expected fwd:JOINT, fwd:BODY:AXIS or "
                                     "fwd_com:BODY:AXIS", t.what);
        r->kind = !strcmp(k, "fwd") ? R_FWD_BODY : R_FWD_COM;
        r->id = find(m, mjOBJ_BODY, a[0], t.what, file);
        if (r->id < 0) return r->id;
        if (parse_axis(a[1], &r->axis))
            return rl_error(RL_EINVAL, "%s: axis '%s' must be x, y or z", t.what, a[1]);
    } else if (!strcmp(k, "height") || !strcmp(k, "goal_dist")) {
        if ((rc = arity(&t, 1, 1, "height:POINT or goal_dist:POINT", REWARD_HELP))) return rc;
        r->kind = !strcmp(k, "height") ? R_HEIGHT : R_GOAL_DIST;
        rc = find_point(m, a[0], t.what, file, &r->a);
    } else if (!strcmp(k, "dist") || !strcmp(k, "tol")) {
        int tol = !strcmp(k, "tol");
        if ((rc = arity(&t, tol ? 4 : 2, tol ? 4 : 2,
                        tol ? "tol:A:B:BOUND:MARGIN" : "dist:A:B", REWARD_HELP)))
            return rc;
        r->kind = tol ? R_TOL : R_DIST;
        rc = find_point(m, a[0], t.what, file, &r->a);
        if (!rc) rc = find_point(m, a[1], t.what, file, &r->b);
        if (!rc && tol &&
            (rl_parse_double(a[2], &r->p1) || rl_parse_double(a[3], &r->p2) || r->p1 < 0 ||
             r->p2 < 0))
            rc = rl_error(RL_EINVAL, "%s: BOUND and MARGIN must be numbers >= 0", t.what);
    } else if (!strcmp(k, "sq")) {
        if ((rc = arity(&t, 3, 3, "sq:POINT:AXIS:TARGET", REWARD_HELP))) return rc;
        r->kind = R_SQ;
        rc = find_point(m, a[0], t.what, file, &r->a);
        if (!rc && parse_axis(a[1], &r->axis))
            rc = rl_error(RL_EINVAL, "%s: axis '%s' must be x, y or z", t.what, a[1]);
        if (!rc && rl_parse_double(a[2], &r->p1))
            rc = rl_error(RL_EINVAL, "%s: TARGET '%s' is not a number", t.what, a[2]);
    } else if (!strcmp(k, "ctrl") || !strcmp(k, "alive") || !strcmp(k, "healthy")) {
        if ((rc = arity(&t, 0, 0, k, REWARD_HELP))) return rc;
        r->kind = !strcmp(k, "ctrl") ? R_CTRL : !strcmp(k, "alive") ? R_ALIVE : R_HEALTHY;
    } else if (!strcmp(k, "cfrc")) {
        r->kind = R_CFRC;
        s->needs_cfrc = 1;
        rc = sel_bodies(s, m, a, na, t.what, file, &r->off, &r->n);
    } else if (!strcmp(k, "upright")) {
        if ((rc = arity(&t, 1, 2, "upright:BODY[:AXIS]", REWARD_HELP))) return rc;
        r->kind = R_UPRIGHT;
        r->axis = 2;
        r->id = find(m, mjOBJ_BODY, a[0], t.what, file);
        if (r->id < 0) return r->id;
        if (na == 2 && parse_axis(a[1], &r->axis))
            rc = rl_error(RL_EINVAL, "%s: axis '%s' must be x, y or z", t.what, a[1]);
    } else if (!strcmp(k, "qvel_sq")) {
        r->kind = R_QVEL_SQ;
        rc = sel_joints(s, m, a, na, 1, t.what, file, &r->off, &r->n);
    } else {
        return rl_error(RL_EINVAL, "%s: unknown kind '%s' (known: %s)", t.what, k, REWARD_HELP);
    }
    return rc;
}

static double fwd_position(const mt_reward *r, const mjData *d)
{
    if (r->kind == R_FWD_JOINT) return d->qpos[r->qadr];
    if (r->kind == R_FWD_BODY) return d->xpos[3 * r->id + r->axis];
    return d->subtree_com[3 * r->id + r->axis];
}

void mt_before_step(const mt_spec *s, const mjModel *m, const mjData *d, mt_state *st)
{
    (void)m;
    for (int i = 0; i < s->n_rew; i++)
        if (s->rew[i].kind <= R_FWD_COM) st->before[i] = fwd_position(&s->rew[i], d);
}

static double dist3(const mjtNum *a, const mjtNum *b)
{
    double x = a[0] - b[0], y = a[1] - b[1], z = a[2] - b[2];
    return sqrt(x * x + y * y + z * z);
}

/* Distance between a point and the goal over the goal's first (up to 3)
 * dimensions: a joint goal of a Reacher's target is its x, y. */
static double goal_distance(const mt_spec *s, const double *p, const double *goal)
{
    double v = 0;
    for (int j = 0; j < s->goal.dim && j < 3; j++) v += (p[j] - goal[j]) * (p[j] - goal[j]);
    return sqrt(v);
}

/* dm_control's tolerance with a Gaussian sigmoid that is 0.1 at the margin. */
static double tolerance(double x, double bound, double margin)
{
    if (x <= bound) return 1.0;
    if (margin <= 0) return 0.0;
    double z = (x - bound) / margin * sqrt(-2.0 * log(0.1));
    return exp(-0.5 * z * z);
}

double mt_step_reward(const mt_spec *s, const mjModel *m, const mjData *d, const mt_state *st,
                      const float *action, double dt, int terminated, int healthy,
                      float *parts)
{
    double total = 0;
    for (int i = 0; i < s->n_rew; i++) {
        const mt_reward *r = &s->rew[i];
        const int *ix = s->pool + r->off;
        double v = 0;
        switch (r->kind) {
        case R_FWD_JOINT:
        case R_FWD_BODY:
        case R_FWD_COM: v = (fwd_position(r, d) - st->before[i]) / dt; break;
        case R_HEIGHT: v = point_pos(d, r->a)[2]; break;
        case R_DIST: v = dist3(point_pos(d, r->a), point_pos(d, r->b)); break;
        case R_TOL: v = tolerance(dist3(point_pos(d, r->a), point_pos(d, r->b)), r->p1, r->p2);
            break;
        case R_SQ: {
            double e = point_pos(d, r->a)[r->axis] - r->p1;
            v = e * e;
            break;
        }
        case R_CTRL:
            for (int j = 0; j < m->nu; j++) v += (double)action[j] * action[j];
            break;
        case R_ALIVE: v = terminated ? 0.0 : 1.0; break;
        case R_HEALTHY: v = healthy ? 1.0 : 0.0; break;
        case R_CFRC:
            for (int j = 0; j < r->n; j++)
                for (int c = 0; c < 6; c++) {
                    double f = clipv(d->cfrc_ext[6 * ix[j] + c], r->clip);
                    v += f * f;
                }
            break;
        case R_UPRIGHT: v = d->xmat[9 * r->id + 6 + r->axis]; break;
        case R_QVEL_SQ:
            for (int j = 0; j < r->n; j++) v += d->qvel[ix[j]] * d->qvel[ix[j]];
            break;
        case R_GOAL_DIST: v = goal_distance(s, point_pos(d, r->a), st->goal); break;
        }
        if (r->kind != R_CFRC) v = clipv(v, r->clip);
        if (parts) parts[i] = (float)(r->weight * v);
        total += r->weight * v;
    }
    return total;
}

float mt_goal_reward(const mt_spec *s, const float *achieved, const float *desired)
{
    double a[3] = {0, 0, 0}, g[3] = {0, 0, 0}, total = 0;
    for (int j = 0; j < s->goal.dim && j < 3; j++) a[j] = achieved[j], g[j] = desired[j];
    for (int i = 0; i < s->n_rew; i++)
        if (s->rew[i].kind == R_GOAL_DIST)
            total += s->rew[i].weight * clipv(goal_distance(s, a, g), s->rew[i].clip);
    return (float)total;
}

/* ------------------------------------------------------------ conditions */

static int parse_cond(mt_spec *s, const mjModel *m, const char *file, const char *text, void *out)
{
    mt_cond *c = out;
    term_text t;
    int rc = term_split("condition", text, &t);
    if (rc) return rc;
    memset(c, 0, sizeof *c);
    snprintf(c->label, sizeof c->label, "%s", text);
    if (t.has_weight || t.has_clip)
        return rl_error(RL_EINVAL, "%s: conditions take no *WEIGHT or @CLIP", t.what);
    const char *k = t.f[0];
    char **a = t.f + 1;
    int na = t.n - 1;
    if (!strcmp(k, "finite")) {
        c->kind = C_FINITE;
        return arity(&t, 0, 0, "finite", COND_HELP);
    }
    if (!strcmp(k, "no_contact")) {
        if ((rc = arity(&t, 2, 2, "no_contact:GEOM:GEOM", COND_HELP))) return rc;
        c->kind = C_NO_CONTACT;
        if ((c->id = find(m, mjOBJ_GEOM, a[0], t.what, file)) < 0) return c->id;
        if ((c->id2 = find(m, mjOBJ_GEOM, a[1], t.what, file)) < 0) return c->id2;
        return RL_OK;
    }
    int is_h = !strcmp(k, "height"), is_a = !strcmp(k, "angle");
    int is_q = !strcmp(k, "qpos"), is_v = !strcmp(k, "qvel");
    if (!is_h && !is_a && !is_q && !is_v)
        return rl_error(RL_EINVAL, "%s: unknown kind '%s' (known: %s)", t.what, k, COND_HELP);
    if (na < 2 || parse_bound(a[na - 2], &c->lo) || parse_bound(a[na - 1], &c->hi) ||
        !(c->lo < c->hi))
        return rl_error(RL_EINVAL, "%s: the last two fields must be LO:HI, numbers (or -inf, "
                        "inf) with LO < HI (known: %s)", t.what, COND_HELP);
    na -= 2;
    if (is_h) {
        if (na != 1) return rl_error(RL_EINVAL, "%s: expected height:POINT:LO:HI", t.what);
        c->kind = C_HEIGHT;
        return find_point(m, a[0], t.what, file, &c->a);
    }
    if (is_a) {
        if (na < 1 || na > 2)
            return rl_error(RL_EINVAL, "%s: expected angle:BODY[:AXIS]:LO:HI", t.what);
        c->kind = C_ANGLE;
        c->axis = 2;
        if ((c->id = find(m, mjOBJ_BODY, a[0], t.what, file)) < 0) return c->id;
        if (na == 2 && parse_axis(a[1], &c->axis))
            return rl_error(RL_EINVAL, "%s: axis '%s' must be x, y or z", t.what, a[1]);
        return RL_OK;
    }
    c->kind = is_q ? C_QPOS : C_QVEL;
    return sel_joints(s, m, a, na, is_v, t.what, file, &c->off, &c->n);
}

static int in_range(double v, double lo, double hi) { return v >= lo && v <= hi; }

int mt_conds_hold(const mt_spec *s, const mt_cond *cs, int n, const mjModel *m, const mjData *d)
{
    for (int i = 0; i < n; i++) {
        const mt_cond *c = &cs[i];
        const int *ix = s->pool + c->off;
        switch (c->kind) {
        case C_HEIGHT:
            if (!in_range(point_pos(d, c->a)[2], c->lo, c->hi)) return 0;
            break;
        case C_ANGLE: {
            double z = d->xmat[9 * c->id + 6 + c->axis];
            double ang = acos(z < -1 ? -1 : (z > 1 ? 1 : z));
            if (!in_range(ang, c->lo, c->hi)) return 0;
            break;
        }
        case C_QPOS:
        case C_QVEL:
            for (int j = 0; j < c->n; j++) {
                double v = c->kind == C_QPOS ? d->qpos[ix[j]] : d->qvel[ix[j]];
                if (!in_range(v, c->lo, c->hi)) return 0;
            }
            break;
        case C_FINITE:
            if (!rl_sim_state_finite(m, d)) return 0;
            break;
        case C_NO_CONTACT:
            for (int j = 0; j < d->ncon; j++) {
                int g1 = d->contact[j].geom1, g2 = d->contact[j].geom2;
                if ((g1 == c->id && g2 == c->id2) || (g1 == c->id2 && g2 == c->id)) return 0;
            }
            break;
        }
    }
    return 1;
}

/* ------------------------------------------------------------ resets */

static int parse_reset(mt_spec *s, const mjModel *m, const char *file, const char *text, void *out)
{
    mt_reset *r = out;
    term_text t;
    int rc = term_split("reset", text, &t);
    if (rc) return rc;
    memset(r, 0, sizeof *r);
    const char *k = t.f[0];
    if (t.has_weight || t.has_clip || (strcmp(k, "qpos") && strcmp(k, "qvel")) || t.n < 3)
        return rl_error(RL_EINVAL, "%s: expected qpos|qvel[:SEL]:uniform|normal|set:VALUE "
                        "(known: %s)", t.what, RESET_HELP);
    r->vel = !strcmp(k, "qvel");
    const char *dist = t.f[t.n - 2], *val = t.f[t.n - 1];
    if (!strcmp(dist, "uniform")) r->kind = S_UNIFORM;
    else if (!strcmp(dist, "normal")) r->kind = S_NORMAL;
    else if (!strcmp(dist, "set")) r->kind = S_SET;
    else return rl_error(RL_EINVAL, "%s: distribution '%s' is not uniform, normal or set", t.what,
                         dist);
    if (rl_parse_double(val, &r->value) || (r->kind != S_SET && r->value < 0))
        return rl_error(RL_EINVAL, "%s: '%s' must be a number (a scale >= 0 for noise)", t.what,
                        val);
    return sel_joints(s, m, t.f + 1, t.n - 3, r->vel, t.what, file, &r->off, &r->n);
}

/* ------------------------------------------------------------ goals */

static int parse_goal(mt_spec *s, const mjModel *m, const char *file, const char *text)
{
    mt_goal *g = &s->goal;
    term_text t;
    int rc = term_split("goal", text, &t);
    if (rc) return rc;
    const char *k = t.f[0];
    int n = t.n;
    /* shape at the end: radius:R | box:LO:HI | range */
    if (n >= 2 && !strcmp(t.f[n - 1], "range")) {
        g->shape = G_RANGE;
        n -= 1;
    } else if (n >= 3 && !strcmp(t.f[n - 2], "radius")) {
        g->shape = G_RADIUS;
        g->lo = 0;
        if (rl_parse_double(t.f[n - 1], &g->hi) || g->hi <= 0)
            return rl_error(RL_EINVAL, "%s: radius '%s' must be a positive number", t.what,
                            t.f[n - 1]);
        n -= 2;
    } else if (n >= 4 && !strcmp(t.f[n - 3], "box")) {
        g->shape = G_BOX;
        if (rl_parse_double(t.f[n - 2], &g->lo) || rl_parse_double(t.f[n - 1], &g->hi) ||
            !(g->lo < g->hi))
            return rl_error(RL_EINVAL, "%s: box LO:HI must be numbers with LO < HI", t.what);
        n -= 3;
    } else {
        return rl_error(RL_EINVAL, "%s: expected a shape radius:R, box:LO:HI or range at the end "
                        "(known: %s)", t.what, GOAL_HELP);
    }
    if (!strcmp(k, "joints") && n >= 2) {
        g->kind = G_JOINTS;
        g->off = s->pool_n;
        for (int i = 1; i < n && !rc; i++) {
            int j = find(m, mjOBJ_JOINT, t.f[i], t.what, file);
            if (j < 0) return j;
            if (m->jnt_type[j] != mjJNT_SLIDE && m->jnt_type[j] != mjJNT_HINGE)
                return rl_error(RL_EINVAL, "%s: joint '%s' is not a slide or hinge joint", t.what,
                                t.f[i]);
            if (g->shape == G_RANGE && !m->jnt_limited[j])
                return rl_error(RL_EINVAL, "%s: joint '%s' has no range", t.what, t.f[i]);
            rc = pool_add(s, j);
        }
        g->n = g->dim = n - 1;
        if (g->dim > 16) return rl_error(RL_EINVAL, "%s: at most 16 goal joints", t.what);
        return rc;
    }
    if ((!strcmp(k, "mocap") || !strcmp(k, "site")) && n == 2 && g->shape != G_RANGE) {
        int mocap = !strcmp(k, "mocap");
        g->kind = mocap ? G_MOCAP : G_SITE;
        g->dim = 3;
        int id = find(m, mocap ? mjOBJ_BODY : mjOBJ_SITE, t.f[1], t.what, file);
        if (id < 0) return id;
        if (mocap && m->body_mocapid[id] < 0)
            return rl_error(RL_EINVAL, "%s: body '%s' is not a mocap body (mocap=\"true\")",
                            t.what, t.f[1]);
        if (!mocap && m->site_bodyid[id] != 0)
            return rl_error(RL_EINVAL, "%s: site '%s' must be on the world body", t.what, t.f[1]);
        g->id = id;
        return RL_OK;
    }
    return rl_error(RL_EINVAL, "%s: expected one of %s", t.what, GOAL_HELP);
}

static void draw_goal(const mt_spec *s, const mjModel *m, mjData *d, mt_state *st, rl_rng *rng)
{
    const mt_goal *g = &s->goal;
    if (g->kind == G_NONE) return;
    int nd = g->kind == G_JOINTS ? g->dim : (g->shape == G_RADIUS ? 2 : 3);
    double off[16] = {0};
    if (g->shape == G_RADIUS) {
        double r2;
        do { /* uniform in the ball: rejection from the cube, as Gymnasium's Reacher does */
            r2 = 0;
            for (int i = 0; i < nd; i++) {
                off[i] = rl_rng_range(rng, -g->hi, g->hi);
                r2 += off[i] * off[i];
            }
        } while (r2 >= g->hi * g->hi);
    } else {
        for (int i = 0; i < nd; i++) {
            double lo = g->lo, hi = g->hi;
            if (g->shape == G_RANGE) {
                int j = s->pool[g->off + i];
                lo = m->jnt_range[2 * j];
                hi = m->jnt_range[2 * j + 1];
            }
            off[i] = rl_rng_range(rng, lo, hi);
        }
    }
    if (g->kind == G_JOINTS) {
        for (int i = 0; i < g->dim; i++) {
            st->goal[i] = off[i];
            d->qpos[m->jnt_qposadr[s->pool[g->off + i]]] = off[i];
        }
        return;
    }
    const mjtNum *base = g->kind == G_MOCAP ? m->body_pos + 3 * g->id : m->site_pos + 3 * g->id;
    for (int i = 0; i < 3; i++) st->goal[i] = base[i] + off[i];
    if (g->kind == G_MOCAP)
        for (int i = 0; i < 3; i++) d->mocap_pos[3 * m->body_mocapid[g->id] + i] = st->goal[i];
}

void mt_goal_from_state(const mt_spec *s, const mjModel *m, const mjData *d, mt_state *st)
{
    if (s->goal.kind != G_JOINTS) return;
    for (int i = 0; i < s->goal.dim; i++)
        st->goal[i] = d->qpos[m->jnt_qposadr[s->pool[s->goal.off + i]]];
}

void mt_reset_state(const mt_spec *s, const mjModel *m, mjData *d, mt_state *st, rl_rng *rng)
{
    for (int i = 0; i < s->n_reset; i++) {
        const mt_reset *r = &s->reset[i];
        mjtNum *x = r->vel ? d->qvel : d->qpos;
        for (int j = 0; j < r->n; j++) {
            mjtNum *v = x + s->pool[r->off + j];
            if (r->kind == S_SET) *v = r->value;
            else if (r->kind == S_UNIFORM) *v += rl_rng_range(rng, -r->value, r->value);
            else *v += r->value * rl_rng_normal(rng);
        }
    }
    /* Keep free and ball joints' quaternions unit length. */
    for (int j = 0; j < m->njnt; j++) {
        int t = m->jnt_type[j], a = m->jnt_qposadr[j];
        if (t == mjJNT_FREE) mju_normalize4(d->qpos + a + 3);
        else if (t == mjJNT_BALL) mju_normalize4(d->qpos + a);
    }
    draw_goal(s, m, d, st, rng);
    if (st->last_action) memset(st->last_action, 0, sizeof(float) * (size_t)m->nu);
}

/* ------------------------------------------------------------ spec */

static int parse_cond_list(mt_spec *s, const mjModel *m, const char *file, const char *list,
                           const char *value, mt_cond *out, int *n, int *end_unhealthy)
{
    char buf[RL_OPT_STR_MAX], rest[RL_OPT_STR_MAX] = "";
    snprintf(buf, sizeof buf, "%s", value ? value : "");
    /* the token "unhealthy" (terminate only): end when the healthy list fails */
    char *f[MT_MAX_TERMS + 1];
    int nf = buf[0] ? split(buf, '+', f, MT_MAX_TERMS) : 0;
    if (nf > MT_MAX_TERMS) return rl_error(RL_EINVAL, "%s has more than %d terms", list,
                                           MT_MAX_TERMS);
    size_t u = 0;
    for (int i = 0; i < nf; i++) {
        if (end_unhealthy && !strcmp(f[i], "unhealthy")) {
            *end_unhealthy = 1;
            continue;
        }
        u += (size_t)snprintf(rest + u, sizeof rest - u, "%s%s", u ? "+" : "", f[i]);
    }
    return each_term(s, m, file, list, rest, MT_MAX_TERMS, COND_HELP, parse_cond, out,
                     sizeof *out, n);
}

void mt_spec_free(mt_spec *s)
{
    if (!s) return;
    free(s->pool);
    s->pool = NULL;
    s->pool_n = s->pool_cap = 0;
}

int mt_spec_make(mt_spec *s, const mjModel *m, const char *file, const mt_text *t)
{
    memset(s, 0, sizeof *s);
    char reset_default[RL_OPT_STR_MAX];
    const char *reset = t->reset;
    if (!reset || !reset[0]) { /* reset_noise: uniform on every qpos and qvel entry */
        snprintf(reset_default, sizeof reset_default, "qpos:uniform:%.17g+qvel:uniform:%.17g",
                 t->reset_noise, t->reset_noise);
        reset = t->reset_noise > 0 ? reset_default : "";
    }
    int rc = each_term(s, m, file, "obs", t->obs && t->obs[0] ? t->obs : "qpos+qvel",
                       MT_MAX_TERMS, OBS_HELP, parse_obs, s->obs, sizeof s->obs[0], &s->n_obs);
    if (!rc) rc = each_term(s, m, file, "reward", t->reward, MT_MAX_REWARD, REWARD_HELP,
                            parse_reward, s->rew, sizeof s->rew[0], &s->n_rew);
    if (!rc) rc = parse_cond_list(s, m, file, "healthy", t->healthy, s->healthy, &s->n_healthy,
                                  NULL);
    if (!rc) rc = parse_cond_list(s, m, file, "terminate", t->terminate, s->term, &s->n_term,
                                  &s->end_unhealthy);
    if (!rc) rc = each_term(s, m, file, "reset", reset, MT_MAX_TERMS, RESET_HELP, parse_reset,
                            s->reset, sizeof s->reset[0], &s->n_reset);
    if (!rc && t->goal && t->goal[0]) rc = parse_goal(s, m, file, t->goal);
    for (int i = 0; i < s->n_obs && !rc; i++)
        if (s->obs[i].kind == O_GOAL || s->obs[i].kind == O_ACHIEVED) {
            if (s->goal.kind == G_NONE)
                rc = rl_error(RL_EINVAL, "obs term '%s' needs a goal (goal=%s)", s->obs[i].label,
                              GOAL_HELP);
            else if (s->obs[i].kind == O_ACHIEVED && s->goal.dim > 3)
                rc = rl_error(RL_EINVAL, "obs term '%s': the goal has %d values, a point 3",
                              s->obs[i].label, s->goal.dim);
            s->obs[i].dim = s->goal.dim;
            /* the slice names HER looks for */
            snprintf(s->obs[i].label, sizeof s->obs[i].label, "%s",
                     s->obs[i].kind == O_GOAL ? "desired_goal" : "achieved_goal");
        }
    for (int i = 0; i < s->n_rew && !rc; i++)
        if (s->rew[i].kind == R_GOAL_DIST && s->goal.kind == G_NONE)
            rc = rl_error(RL_EINVAL, "reward term '%s' needs a goal (goal=%s)", s->rew[i].label,
                          GOAL_HELP);
    if (!rc && s->end_unhealthy && !s->n_healthy)
        rc = rl_error(RL_EINVAL, "terminate=unhealthy needs healthy conditions (healthy=%s)",
                      COND_HELP);
    if (rc) {
        mt_spec_free(s);
        return rc;
    }
    for (int i = 0; i < s->n_obs; i++) {
        s->slices[i] = (rl_slice){s->obs[i].label, s->obs_dim, s->obs[i].dim};
        s->obs_dim += s->obs[i].dim;
    }
    for (int i = 0; i < s->n_rew; i++) s->info_names[i] = s->rew[i].label;
    return RL_OK;
}

/* ------------------------------------------------------------ describe */

size_t mt_describe(const mt_spec *s, const mjModel *m, char *buf, size_t cap)
{
    (void)m;
    size_t u = 0;
#define OUT(...) (u += (size_t)snprintf(buf + u, u < cap ? cap - u : 0, __VA_ARGS__))
    OUT("observation  %d values:\n", s->obs_dim);
    for (int i = 0; i < s->n_obs; i++)
        OUT("  %-4d %-4d %s\n", s->slices[i].start, s->slices[i].len, s->obs[i].label);
    OUT("reward       %s\n", s->n_rew ? "sum of:" : "0 (none set: reward=TERM+TERM)");
    for (int i = 0; i < s->n_rew; i++) OUT("  %s\n", s->rew[i].label);
    OUT("healthy      %s\n", s->n_healthy ? "while all of:" : "always (no healthy conditions)");
    for (int i = 0; i < s->n_healthy; i++) OUT("  %s\n", s->healthy[i].label);
    OUT("terminate    %s\n", s->n_term || s->end_unhealthy ? "when any fails:"
                                                            : "never (time limit only)");
    if (s->end_unhealthy) OUT("  the healthy conditions\n");
    for (int i = 0; i < s->n_term; i++) OUT("  %s\n", s->term[i].label);
    OUT("reset        %d term%s from qpos0 and zero qvel\n", s->n_reset, s->n_reset == 1 ? "" : "s");
    static const char *const gk[] = {"none", "joints", "mocap body", "site"};
    static const char *const gs[] = {"radius", "box", "joint range"};
    if (s->goal.kind != G_NONE)
        OUT("goal         %s, %d values, drawn in a %s each episode\n", gk[s->goal.kind],
            s->goal.dim, gs[s->goal.shape]);
    OUT("obs terms:       %s\nreward terms:    %s\nconditions:      %s\nreset terms:     "
        "%s\ngoals:           %s\n", OBS_HELP, REWARD_HELP, COND_HELP, RESET_HELP, GOAL_HELP);
#undef OUT
    return u < cap ? u : cap - 1;
}
