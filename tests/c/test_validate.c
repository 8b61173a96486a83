/* Tasks from outside are validated: ids at registration, spaces when an env
 * is made (Discrete(0), negative or huge dimensions, low > high), and
 * non-finite rewards or observations stop training with an error naming
 * them (not "action is NaN"). Runs under ASan too. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "agents/agent.h"
#include "custom_util.h"
#include "rltool.h"

/* One configurable misbehaving task: which fault is chosen by the id. */
typedef enum { OK, DISCRETE0, NEG_DIM, HUGE_DIM, LOW_GT_HIGH, NAN_BOUND, BAD_SLICE, INF_REWARD,
               NAN_OBS } fault;

static const float low2[2] = {1, -1}, high2[2] = {0, 1}, nan2[2] = {NAN, 0};
static const rl_slice bad_slice = {"pos", 1, 5};

typedef struct {
    fault f;
    int t;
} state;

static fault fault_of(const rl_env *env);

static int bad_init(rl_env *env, const void *cfg, void *shared)
{
    fault f = fault_of(env);
    env->obs_space = (rl_space){RL_BOX, 2, 0, NULL, NULL};
    env->act_space = (rl_space){RL_DISCRETE, 1, 3, NULL, NULL};
    if (f == DISCRETE0) env->act_space.n = 0;
    if (f == NEG_DIM) env->obs_space.dim = -3;
    if (f == HUGE_DIM) env->act_space = (rl_space){RL_BOX, 1 << 30, 0, NULL, NULL};
    if (f == LOW_GT_HIGH) env->obs_space = (rl_space){RL_BOX, 2, 0, low2, high2};
    if (f == NAN_BOUND) env->obs_space = (rl_space){RL_BOX, 2, 0, nan2, high2};
    if (f == BAD_SLICE) {
        env->slices = &bad_slice;
        env->n_slices = 1;
    }
    state *s = calloc(1, sizeof *s);
    s->f = f;
    env->data = s;
    return RL_OK;
}

static void bad_reset(rl_env *env)
{
    state *s = env->data;
    s->t = 0;
    env->obs[0] = env->obs[1] = 0;
}

static void bad_step(rl_env *env, const float *a)
{
    state *s = env->data;
    s->t++;
    env->obs[0] = (float)s->t * 0.01f;
    env->obs[1] = a[0];
    *env->reward = 1;
    if (s->f == INF_REWARD && s->t == 50) *env->reward = INFINITY;
    if (s->f == NAN_OBS && s->t == 50) env->obs[1] = NAN;
    *env->terminated = s->t >= 100;
}

static void bad_close(rl_env *env) { free(env->data); }

#define TASK(ident, name) \
    static const rl_task ident = {.id = name, .max_steps = 200, .init = bad_init, \
                                  .reset = bad_reset, .step = bad_step, .close = bad_close}
TASK(t_ok, "v-ok-v1");
TASK(t_d0, "v-discrete0-v1");
TASK(t_neg, "v-negdim-v1");
TASK(t_huge, "v-hugedim-v1");
TASK(t_lohi, "v-lowhigh-v1");
TASK(t_nanb, "v-nanbound-v1");
TASK(t_slice, "v-slice-v1");
TASK(t_inf, "v-infreward-v1");
TASK(t_nan, "v-nanobs-v1");

static fault fault_of(const rl_env *env)
{
    const rl_task *t = env->task;
    return t == &t_d0 ? DISCRETE0 : t == &t_neg ? NEG_DIM : t == &t_huge ? HUGE_DIM
         : t == &t_lohi ? LOW_GT_HIGH : t == &t_nanb ? NAN_BOUND : t == &t_slice ? BAD_SLICE
         : t == &t_inf ? INF_REWARD : t == &t_nan ? NAN_OBS : OK;
}

static void register_all(void)
{
    static int done;
    if (done) return;
    done = 1;
    const rl_task *all[] = {&t_ok, &t_d0, &t_neg, &t_huge, &t_lohi, &t_nanb, &t_slice, &t_inf,
                            &t_nan};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        ck_assert_msg(rl_task_register(all[i]) == RL_OK, "%s", rl_last_error());
}

static void refused(const char *id, const char *expect)
{
    rl_env *e = rl_env_make(id, NULL);
    ck_assert_msg(e == NULL, "%s was accepted", id);
    ck_assert_int_eq(rl_last_code(), RL_EINVAL);
    ck_assert_msg(strstr(rl_last_error(), expect) && strstr(rl_last_error(), id),
                  "%s: expected '%s' in: %s", id, expect, rl_last_error());
    /* The vector env (what training and rollout use) refuses it too. */
    ck_assert_ptr_null(rl_vec_make(id, NULL, 2, 1));
}

START_TEST(bad_spaces)
{
    register_all();
    rl_env *ok = rl_env_make("v-ok-v1", NULL);
    ck_assert_msg(ok != NULL, "%s", rl_last_error());
    rl_env_free(ok);
    refused("v-discrete0-v1", "Discrete(0)");
    refused("v-negdim-v1", "has -3 values");
    refused("v-hugedim-v1", "has 1073741824 values");
    refused("v-lowhigh-v1", "low must be <= high");
    refused("v-nanbound-v1", "neither NaN");
    refused("v-slice-v1", "outside the 2 observation values");
}
END_TEST

START_TEST(bad_ids)
{
    static const rl_task comma = {.id = "a,b-v1", .init = bad_init, .reset = bad_reset,
                                  .step = bad_step};
    static const rl_task space = {.id = "a b-v1", .init = bad_init, .reset = bad_reset,
                                  .step = bad_step};
    static const rl_task longid = {.id = "a-very-long-task-id-that-goes-on-and-on-past-the-"
                                         "sixty-three-character-limit-v1",
                                   .init = bad_init, .reset = bad_reset, .step = bad_step};
    static const rl_task negsteps = {.id = "negsteps-v1", .max_steps = -5, .init = bad_init,
                                     .reset = bad_reset, .step = bad_step};
    ck_assert_int_eq(rl_task_register(&comma), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "character ','"));
    ck_assert_int_eq(rl_task_register(&space), RL_EINVAL);
    ck_assert_int_eq(rl_task_register(&longid), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "1..63 characters"));
    ck_assert_int_eq(rl_task_register(&negsteps), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "max_steps -5"));
}
END_TEST

static void train_stops(const char *id, const char *expect)
{
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/rltool-test-validate-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    rl_train_cfg cfg = {.env_id = id, .agent = "dqn", .steps = 5000, .n_threads = 1,
                        .out_dir = dir, .overwrite = 1};
    int rc = rl_train(&cfg);
    ck_assert_msg(rc == RL_ENUMERIC, "%s: rc %d: %s", id, rc, rl_last_error());
    ck_assert_msg(strstr(rl_last_error(), expect) && !strstr(rl_last_error(), "action"),
                  "%s: expected '%s' in: %s", id, expect, rl_last_error());
}

START_TEST(non_finite_values_stop_training)
{
    register_all();
    train_stops("v-infreward-v1", "reward is infinite");
    train_stops("v-nanobs-v1", "observation[1] is NaN");
}
END_TEST

/* The same through the CLI with a plugin: `rltool rollout` on each bad task
 * exits with a usage error naming the problem (Discrete(0) was a SIGFPE). */
START_TEST(bad_plugin_tasks)
{
    make_tmp();
    char so[400], out[400], cmd[2048], msg[2048];
    build_plugin("tests/c/bad_plugin.c", "bad.so", so, sizeof so);
    const char *cli = getenv("RLTOOL_CLI");
    ck_assert_ptr_nonnull(cli);
    const char *ids[] = {"bad-discrete0-v1", "bad-negdim-v1", "bad-hugedim-v1", "bad-lowhigh-v1"};
    const char *expect[] = {"Discrete(0)", "has -4 values", "has 2000000000 values",
                            "low must be <= high"};
    for (int i = 0; i < 4; i++) {
        snprintf(out, sizeof out, "%s/out%d.txt", tmpdir, i);
        snprintf(cmd, sizeof cmd, "'%s' --plugin '%s' rollout %s --episodes 1 > '%s' 2>&1", cli,
                 so, ids[i], out);
        int rc = system(cmd);
        FILE *f = fopen(out, "r");
        size_t n = f ? fread(msg, 1, sizeof msg - 1, f) : 0;
        msg[n] = 0;
        if (f) fclose(f);
        ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) >= 1 && WEXITSTATUS(rc) <= 2 &&
                          strstr(msg, expect[i]),
                      "%s: status %d: %s", ids[i], rc, msg);
    }
    (void)write_file;
}
END_TEST

/* Inputs that used to be read as something else, or to lose their own
 * error behind "unknown env id". */
START_TEST(no_silent_misdirection)
{
    long long v;
    ck_assert_int_ne(rl_parse_int("0x10", &v), RL_OK); /* was 16 */
    ck_assert_int_eq(rl_parse_int("1e6", &v), RL_OK);
    ck_assert_int_eq(v, 1000000);
    ck_assert_ptr_null(rl_env_make("cartpole-v1,links=3", NULL));
    ck_assert_msg(strstr(rl_last_error(), "contains ','"), "%s", rl_last_error());
    char id[600];
    snprintf(id, sizeof id, "mjcf:/tmp/%0300d.xml", 0);
    ck_assert_ptr_null(rl_env_make(id, NULL));
    ck_assert_msg(strstr(rl_last_error(), "too long"), "%s", rl_last_error());
    for (int i = 0; i < 65; i++) { /* one more than the MJCF task cache holds */
        snprintf(id, sizeof id, "mjcf:/nonexistent/model%d.xml", i);
        ck_assert_ptr_null(rl_env_make(id, NULL));
        ck_assert_msg(!strstr(rl_last_error(), "unknown env id"), "%s", rl_last_error());
    }
    ck_assert_msg(strstr(rl_last_error(), "at most 64 different MJCF tasks"), "%s", rl_last_error());
}
END_TEST

/* An mjcf: id longer than the old 64-byte field keeps its whole path. */
START_TEST(long_mjcf_id_kept)
{
    make_tmp();
    char sub[400], path[600], id[700];
    snprintf(sub, sizeof sub, "%s/a-directory-name-long-enough-to-pass-sixty-four-bytes", tmpdir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    snprintf(path, sizeof path, "%s/pointmass.xml", sub);
    FILE *f = fopen(path, "w");
    fputs(POINT_MASS_XML, f);
    fclose(f);
    snprintf(id, sizeof id, "mjcf:%s", path);
    ck_assert_int_gt((int)strlen(id), 64);
    rl_agent *a = rl_agent_create("ppo", NULL, id, POINT_MASS_REWARD, NULL, 1);
    ck_assert_msg(a != NULL, "%s", rl_last_error());
    ck_assert_str_eq(a->env_id, id);
    rl_agent_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("tasks");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bad_spaces);
    tcase_add_test(tc, bad_ids);
    tcase_add_test(tc, non_finite_values_stop_training);
    tcase_add_test(tc, no_silent_misdirection);
    tcase_add_test(tc, bad_plugin_tasks);
    tcase_add_test(tc, long_mjcf_id_kept);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
