/* An agent defined outside the library: everything the tree knows about an
 * agent comes from its descriptor, so this file alone (plus one
 * rl_agent_register call) takes it through train, save, load, inspect,
 * bench and export, the CLI commands called in-process.
 *
 * The agent, "hill": random-search hill climbing on an MLP policy. Each
 * round perturbs the parameters, runs the vector env for `round` steps and
 * keeps the perturbation if the recent mean return improved. */
#include <check.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "agents/agent.h"
#include "agents/export.h"
#include "cli/cli.h"
#include "rltool.h"

typedef struct {
    int envs, round, activation;
    rl_intlist hidden;
    double sigma;
} hill_cfg;

static const rl_optdef hill_opts[] = {
    {"envs", RL_OPT_INT, offsetof(hill_cfg, envs), "4", 1, 64, NULL, "parallel envs"},
    {"round", RL_OPT_INT, offsetof(hill_cfg, round), "200", 1, 1e6, NULL, "env steps per round"},
    {"hidden", RL_OPT_INTLIST, offsetof(hill_cfg, hidden), "8", 1, 64, NULL, "MLP widths"},
    {"activation", RL_OPT_CHOICE, offsetof(hill_cfg, activation), "tanh", 0, 0, "tanh|relu",
     "hidden activation"},
    {"sigma", RL_OPT_FLOAT, offsetof(hill_cfg, sigma), "0.1", 0, 10, NULL, "perturbation scale"},
};

typedef struct {
    rl_policy *pol;
    float *keep; /* (n_params) parameters before the round's perturbation */
    double best;
} hill;

static int hill_create(rl_agent *ag, const rl_env *probe)
{
    const hill_cfg *c = ag->cfg;
    hill *h = calloc(1, sizeof *h);
    if (!h) return rl_error(RL_ENOMEM, "out of memory");
    ag->impl = h;
    h->best = -INFINITY;
    rl_policy_spec spec = {ag->obs_dim, ag->act_dim, RL_ACT_TANH, &c->hidden,
                           c->activation ? RL_ACT_RELU : RL_ACT_TANH, probe};
    h->pol = rl_policy_make(ag->policy, ag->policy_opts, &spec);
    if (!h->pol) return rl_last_code();
    h->keep = malloc(sizeof(float) * (size_t)h->pol->n_params);
    if (!h->keep) return rl_error(RL_ENOMEM, "out of memory");
    rl_rng rng;
    rl_rng_seed(&rng, ag->seed, 0x1111);
    return h->pol->vt->init(h->pol, &rng, 1.0f);
}

static void hill_destroy(rl_agent *ag)
{
    hill *h = ag->impl;
    rl_policy_free(h->pol);
    free(h->keep);
    free(h);
}

static int hill_act(rl_agent *ag, const float *obs, const int *t, int n, float *actions,
                    int deterministic, rl_rng *rng)
{
    hill *h = ag->impl;
    const float *y = h->pol->vt->forward(h->pol, obs, t, n);
    if (!y) return rl_last_code();
    memcpy(actions, y, sizeof(float) * (size_t)n * ag->act_dim);
    return RL_OK;
}

static int hill_train(rl_agent *ag, rl_trainer *tr)
{
    const hill_cfg *c = ag->cfg;
    hill *h = ag->impl;
    rl_vec *vec = rl_trainer_vec(tr);
    int N = rl_vec_num_envs(vec), np = h->pol->n_params, rc;
    rl_rng rng;
    rl_rng_seed(&rng, rl_seed_derive(ag->seed, (uint64_t)ag->steps_done), 0x2222);
    for (;;) {
        memcpy(h->keep, h->pol->params, sizeof(float) * (size_t)np);
        for (int i = 0; i < np; i++) h->pol->params[i] += (float)(c->sigma * rl_rng_normal(&rng));
        for (int s = 0; s < c->round; s += N) {
            if ((rc = hill_act(ag, rl_vec_obs(vec), NULL, N, rl_vec_actions(vec), 0, NULL)) ||
                (rc = rl_vec_step(vec, NULL)))
                return rc;
            rl_trainer_episodes(tr, rl_vec_infos(vec), N);
            ag->steps_done += N;
        }
        double r = rl_trainer_recent_return(tr);
        if (isfinite(r) && r >= h->best) h->best = r;
        else memcpy(h->pol->params, h->keep, sizeof(float) * (size_t)np);
        rl_metric m[] = {{"best", isfinite(h->best) ? h->best : 0}};
        if (rl_trainer_tick(tr, m, 1)) break;
    }
    return rl_trainer_status(tr);
}

static int hill_save(const rl_agent *ag, rl_ckpt *ck, int training_state)
{
    const hill *h = ag->impl;
    return rl_ckpt_put(ck, "actor", RL_F32, h->pol->params, h->pol->n_params);
}

static int hill_load(rl_agent *ag, const rl_ckpt *ck, int training_state)
{
    hill *h = ag->impl;
    const float *w = rl_ckpt_get(ck, "actor", RL_F32, h->pol->n_params, NULL);
    if (!w) return rl_last_code();
    memcpy(h->pol->params, w, sizeof(float) * (size_t)h->pol->n_params);
    return RL_OK;
}

/* inspect: a line of its own, then the default listing of its network. */
static int hill_inspect(const rl_agent *ag, const rl_ckpt *ck, FILE *f, int all)
{
    const hill_cfg *c = ag->cfg;
    fprintf(f, "hill        rounds of %d steps, sigma %g\n", c->round, c->sigma);
    return rl_agent_inspect_net(ag, ck, f, all);
}

static const rl_recipe hill_recipes[] = {
    {"pendulum", NULL, "envs=2,round=100", 1200, 0},
};
static const char *const hill_acting[] = {"actor", NULL};

static const rl_agent_vt hill_agent = {
    .name = "hill",
    .summary = "random-search hill climbing (a test-only agent)",
    .opts = hill_opts,
    .n_opts = (int)(sizeof hill_opts / sizeof hill_opts[0]),
    .cfg_size = sizeof(hill_cfg),
    .box_ok = 1,
    .default_policy = "mlp",
    .create = hill_create,
    .train = hill_train,
    .act = hill_act,
    .save = hill_save,
    .load = hill_load,
    .destroy = hill_destroy,
    .inspect = hill_inspect,
    .net = {.tensor = "actor", .outs_per_action = 1, .out_act = RL_ACT_TANH,
            .head = RL_HEAD_CLAMP, .exportable = 1, .acting = hill_acting},
    .recipes = hill_recipes,
    .n_recipes = 1,
};

/* The same agent without an exporter: export must refuse it by name. */
static rl_agent_vt hill_noexport;

/* ------------------------------------------------------------ helpers */

static char tmp[256];

static void setup(void)
{
    if (!rl_agent_find("hill")) {
        ck_assert_int_eq(rl_agent_register(&hill_agent), RL_OK);
        hill_noexport = hill_agent;
        hill_noexport.name = "hill-noexport";
        hill_noexport.net.exportable = 0;
        ck_assert_int_eq(rl_agent_register(&hill_noexport), RL_OK);
    }
    snprintf(tmp, sizeof tmp, "/tmp/rltool-test-agent-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp);
}

/* Run a CLI command in-process with stdout captured into `out`. */
static int run_cli(int (*cmd)(int, char **), char *out, size_t cap, int argc, const char **argv)
{
    char path[300];
    snprintf(path, sizeof path, "%s/stdout.txt", tmp);
    fflush(stdout);
    FILE *saved = stdout, *f = fopen(path, "w+");
    ck_assert_ptr_nonnull(f);
    stdout = f;
    int rc = cmd(argc, (char **)argv);
    fflush(f);
    stdout = saved;
    rewind(f);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = 0;
    fclose(f);
    return rc;
}

static void train_run(const char *agent, char *dir, size_t cap)
{
    snprintf(dir, cap, "%s/%s", tmp, agent);
    rl_train_cfg cfg = {.env_id = "pendulum-v1", .agent = agent, .seed = 3, .n_threads = 1,
                        .out_dir = dir};
    ck_assert_msg(rl_train(&cfg) == RL_OK, "%s", rl_last_error());
}

/* ------------------------------------------------------------ tests */

START_TEST(registration_is_checked)
{
    ck_assert_int_eq(rl_agent_register(&hill_agent), RL_EINVAL); /* name taken */
    ck_assert_int_eq(rl_agent_register(NULL), RL_EINVAL);
    ck_assert_ptr_eq(rl_agent_find("hill"), &hill_agent);
    ck_assert_str_eq(rl_recommended_agent("pendulum-v1"), "sac"); /* not recommended */
    const rl_recipe *r = rl_recipe_find("hill", "pendulum-v1");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->steps, 1200);
}
END_TEST

START_TEST(trains_saves_loads_and_acts)
{
    char dir[512];
    train_run("hill", dir, sizeof dir);
    rl_agent *ag = rl_agent_load(dir);
    ck_assert_msg(ag != NULL, "%s", rl_last_error());
    ck_assert_str_eq(rl_agent_kind(ag), "hill");
    ck_assert_int_ge(ag->steps_done, 1200); /* the recipe's budget */
    ck_assert_str_eq(ag->hparams, "envs=2,round=100,hidden=8,activation=tanh,sigma=0.1");
    rl_eval_result ev;
    ck_assert_int_eq(rl_evaluate(ag, NULL, 2, 1, 1, &ev), RL_OK);
    ck_assert(isfinite(ev.mean_return));
    rl_agent_free(ag);
}
END_TEST

START_TEST(inspect_names_its_parameters)
{
    char dir[512], out[16384];
    train_run("hill", dir, sizeof dir);
    const char *argv[] = {"rltool", "inspect", dir, "--all", NULL};
    ck_assert_int_eq(run_cli(cmd_inspect, out, sizeof out, 4, argv), CLI_OK);
    ck_assert_ptr_nonnull(strstr(out, "agent       hill"));
    ck_assert_msg(strstr(out, "hill        rounds of 100 steps, sigma 0.1\n"), "%s", out);
    /* pendulum: 3 obs -> 8 -> 1 action: 3*8+8 + 8+1 = 41 parameters */
    ck_assert_msg(strstr(out, "parameters  41\n"), "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "  p[40] ")); /* --all: every one listed */
}
END_TEST

START_TEST(exports_through_the_plan)
{
    char dir[512], path[600];
    train_run("hill", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/hill.h", tmp);
    rl_export_opts o = {.name = "hill"};
    rl_export_info info;
    ck_assert_msg(rl_export_checkpoint(dir, &o, path, &info) == RL_OK, "%s", rl_last_error());
    ck_assert_int_eq(info.n_params, 41);
    ck_assert_int_gt(info.n_checked, 0);
    ck_assert_double_lt(info.max_err, 1e-5);
    ck_assert_int_eq(access(path, R_OK), 0);
}
END_TEST

START_TEST(refuses_export_clearly)
{
    char dir[512], path[600];
    train_run("hill-noexport", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/x.h", tmp);
    rl_export_opts o = {0};
    ck_assert_int_eq(rl_export_checkpoint(dir, &o, path, NULL), RL_EINVAL);
    ck_assert_msg(strstr(rl_last_error(), "cannot export agent hill-noexport with policy mlp"),
                  "%s", rl_last_error());
    ck_assert_msg(strstr(rl_last_error(), "hill (mlp)"), "%s", rl_last_error()); /* the exportable list */
    ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(benches)
{
    char out[65536], path[600];
    const char *argv[] = {"rltool", "bench", "--tasks", "pendulum-v1", "--agents", "hill",
                          "--seeds", "1", "--jobs", "1", "--measure", "0", "--out", tmp, NULL};
    int rc = run_cli(cmd_bench, out, sizeof out, 14, argv);
    ck_assert_msg(rc == CLI_OK, "%s", out);
    snprintf(path, sizeof path, "%s/results.csv", tmp);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = 0;
    fclose(f);
    /* one row for hill on pendulum: the recipe's budget, the task's
     * reward_threshold, the acting parameters counted (41) */
    ck_assert_msg(strstr(out, "pendulum-v1,hill,1,1200,-200,") && strstr(out, ",41,"), "%s", out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("custom_agent");
    TCase *tc = tcase_create("custom_agent");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, registration_is_checked);
    tcase_add_test(tc, trains_saves_loads_and_acts);
    tcase_add_test(tc, inspect_names_its_parameters);
    tcase_add_test(tc, exports_through_the_plan);
    tcase_add_test(tc, refuses_export_clearly);
    tcase_add_test(tc, benches);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
