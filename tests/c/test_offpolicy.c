/* Off-policy agents (sac, td3, dqn): checkpoint round trips reproduce the
 * same actions, resume with training state, DQN's factored heads, SAC's
 * entropy temperature moving the right way, bad hyperparameters rejected. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "agents/agent.h"

/* Deterministic actions of two agents on the same random observations match
 * exactly. */
static void same_actions(rl_agent *a, rl_agent *b, int n)
{
    int od = rl_agent_obs_dim(a), ad = rl_agent_act_dim(a);
    float *obs = malloc(sizeof(float) * (size_t)n * od);
    float *x = malloc(sizeof(float) * (size_t)n * ad), *y = malloc(sizeof(float) * (size_t)n * ad);
    rl_rng rng;
    rl_rng_seed(&rng, 3, 0);
    for (int i = 0; i < n * od; i++) obs[i] = (float)rl_rng_range(&rng, -1, 1);
    ck_assert_int_eq(rl_agent_act(a, obs, n, x, 1), 0);
    ck_assert_int_eq(rl_agent_act(b, obs, n, y, 1), 0);
    for (int i = 0; i < n * ad; i++) ck_assert_float_eq(x[i], y[i]);
    free(obs);
    free(x);
    free(y);
}

typedef struct {
    const char *agent, *env, *env_opts, *hp;
} small_run;

static const small_run runs[] = {
    {"sac", "pendulum-v1", NULL, "hidden=16x16,batch=32,warmup=200,buffer=2000,save_replay=1"},
    {"td3", "pendulum-v1", NULL, "hidden=16x16,batch=32,warmup=200,buffer=2000,save_replay=1"},
    {"dqn", "cartpole-v1", NULL, "hidden=16x16,batch=32,warmup=200,buffer=2000,train_every=1,"
                                 "target_every=100,save_replay=1"},
    {"dqn", "pendulum-v1", "discretize=5", "hidden=16x16,batch=32,warmup=200,buffer=2000"},
};

/* Train briefly, reload the final checkpoint twice (acting state only and
 * with training state) and compare actions; then resume for more steps. */
START_TEST(save_load_resume)
{
    const small_run *r = &runs[_i];
    char dir[256], file[300];
    snprintf(dir, sizeof dir, "/tmp/rltool_test_offpolicy_%s_%d_%d", r->agent, _i, (int)getpid());
    rl_train_cfg cfg = {.env_id = r->env, .env_opts = r->env_opts, .agent = r->agent,
                        .hparams = r->hp, .steps = 600, .seed = 5, .n_threads = 1,
                        .out_dir = dir};
    ck_assert_msg(rl_train(&cfg) == 0, "%s", rl_last_error());
    snprintf(file, sizeof file, "%s/final.rlt", dir);
    rl_agent *a = rl_agent_load(dir);
    ck_assert_msg(a != NULL, "%s", rl_last_error());
    rl_ckpt *ck = rl_ckpt_load(file);
    ck_assert_ptr_nonnull(ck);
    rl_agent *b = rl_agent_from_ckpt(ck, file, 1);
    ck_assert_msg(b != NULL, "%s", rl_last_error());
    rl_ckpt_free(ck);
    ck_assert_int_eq((int)b->steps_done, 600);
    same_actions(a, b, 7);
    ck_assert(a->vt->params_finite(a));
    ck_assert(a->vt->macs_per_act(a) > 0);
    /* Save again (acting state only) and reload: still the same actions. */
    snprintf(file, sizeof file, "%s/again.rlt", dir);
    ck_assert_int_eq(rl_agent_save(a, file, 0), 0);
    rl_agent *c = rl_agent_load(file);
    ck_assert_msg(c != NULL, "%s", rl_last_error());
    same_actions(a, c, 5);
    rl_agent_free(a);
    rl_agent_free(b);
    rl_agent_free(c);
    /* Resume: continues the step count from the checkpoint. */
    rl_train_cfg res = {.resume = dir, .steps = 900, .n_threads = 1};
    ck_assert_msg(rl_train(&res) == 0, "%s", rl_last_error());
    a = rl_agent_load(dir);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq((int)a->steps_done, 900);
    rl_agent_free(a);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* swimmer-v1 with 3 bins per joint: one head of 3 Q values per action dim. */
START_TEST(dqn_factored_heads)
{
    rl_agent *ag = rl_agent_create("dqn", NULL, "swimmer-v1", "discretize=3", "hidden=32x16", 1);
    ck_assert_msg(ag != NULL, "%s", rl_last_error());
    int od = ag->obs_dim, D = ag->act_dim;
    ck_assert_int_gt(D, 1);
    ck_assert_int_eq(ag->act_space.kind, RL_DISCRETE);
    ck_assert_int_eq(ag->act_space.n, 3);
    /* Q-network od -> 32 -> 16 -> D * 3 */
    double macs = (double)od * 32 + 32 * 16 + 16 * D * 3;
    ck_assert_double_eq_tol(ag->vt->macs_per_act(ag), macs, 1e-9);
    float obs[2 * 64], act[2 * 16];
    ck_assert_int_le(2 * od, 128);
    for (int i = 0; i < 2 * od; i++) obs[i] = 0.1f * (float)(i % 7) - 0.3f;
    ck_assert_int_eq(rl_agent_act(ag, obs, 2, act, 1), 0);
    for (int i = 0; i < 2 * D; i++) {
        ck_assert_float_eq(act[i], floorf(act[i]));
        ck_assert(act[i] >= 0 && act[i] < 3);
    }
    rl_agent_free(ag);
    /* The whole pipeline runs on a discretised Box task. */
    rl_train_cfg cfg = {.env_id = "swimmer-v1", .env_opts = "discretize=3", .agent = "dqn",
                        .hparams = "hidden=16x16,batch=16,warmup=100,buffer=500,train_every=1",
                        .steps = 300, .seed = 2, .n_threads = 1,
                        .out_dir = "/tmp/rltool_test_offpolicy_dqn_swimmer"};
    ck_assert_msg(rl_train(&cfg) == 0, "%s", rl_last_error());
    ck_assert_int_eq(system("rm -rf /tmp/rltool_test_offpolicy_dqn_swimmer"), 0);
}
END_TEST

/* Last value of column `name` in a metrics.csv. */
static double last_metric(const char *dir, const char *name)
{
    char path[300], line[4096], header[4096];
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(header, sizeof header, f));
    int col = -1, k = 0;
    for (char *t = strtok(header, ",\n"); t; t = strtok(NULL, ",\n"), k++)
        if (!strcmp(t, name)) col = k;
    ck_assert_int_ge(col, 0);
    double v = NAN;
    while (fgets(line, sizeof line, f)) {
        k = 0;
        for (char *t = strtok(line, ",\n"); t; t = strtok(NULL, ",\n"), k++)
            if (k == col) v = atof(t);
    }
    fclose(f);
    return v;
}

/* Entropy far below an (unreachable) high target raises alpha; a target far
 * below the policy's entropy lowers it. */
START_TEST(sac_alpha_direction)
{
    const char *hp[2] = {"hidden=16x16,batch=32,warmup=100,alpha=0.2,target_entropy_scale=-5",
                         "hidden=16x16,batch=32,warmup=100,alpha=0.2,target_entropy_scale=10"};
    double alpha[2];
    for (int k = 0; k < 2; k++) {
        char dir[128];
        snprintf(dir, sizeof dir, "/tmp/rltool_test_offpolicy_alpha%d_%d", k, (int)getpid());
        rl_train_cfg cfg = {.env_id = "pendulum-v1", .agent = "sac", .hparams = hp[k],
                            .steps = 1200, .seed = 1, .n_threads = 1, .out_dir = dir};
        ck_assert_msg(rl_train(&cfg) == 0, "%s", rl_last_error());
        alpha[k] = last_metric(dir, "alpha");
        char cmd[200];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        ck_assert_int_eq(system(cmd), 0);
    }
    ck_assert_msg(alpha[0] > 0.2, "alpha %g should rise above 0.2", alpha[0]);
    ck_assert_msg(alpha[1] < 0.2, "alpha %g should fall below 0.2", alpha[1]);
}
END_TEST

static void rejected(const char *agent, const char *env, const char *env_opts, const char *hp,
                     const char *needle)
{
    rl_agent *ag = rl_agent_create(agent, NULL, env, env_opts, hp, 1);
    ck_assert_msg(ag == NULL, "%s %s '%s' was accepted", agent, env, hp ? hp : "");
    ck_assert_msg(strstr(rl_last_error(), needle) != NULL, "message '%s' lacks '%s'",
                  rl_last_error(), needle);
}

START_TEST(bad_hparams)
{
    rejected("sac", "pendulum-v1", NULL, "batch=512,buffer=100", "larger than buffer=100");
    rejected("td3", "pendulum-v1", NULL, "batch=512,buffer=100", "larger than buffer=100");
    rejected("dqn", "cartpole-v1", NULL, "batch=512,buffer=100", "larger than buffer=100");
    rejected("sac", "pendulum-v1", NULL, "tau=1.5", "tau");
    rejected("td3", "pendulum-v1", NULL, "policy_delay=0", "policy_delay");
    rejected("sac", "pendulum-v1", NULL, "hidden=64x", "hidden");
    rejected("sac", "pendulum-v1", NULL, "lr=-1", "lr");
    rejected("sac", "pendulum-v1", NULL, "entropy=1", "unknown hyperparameter 'entropy'");
    rejected("dqn", "cartpole-v1", NULL, "eps_start=0.1,eps_end=0.5", "eps_end=0.5");
    rejected("dqn", "cartpole-v1", NULL, "loss=l1", "loss");
    rejected("dqn", "pendulum-v1", NULL, NULL, "discretize");
    rejected("sac", "cartpole-v1", NULL, NULL, "discrete");
    rejected("td3", "cartpole-v1", NULL, NULL, "discrete");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("offpolicy");
    TCase *tc = tcase_create("offpolicy");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, save_load_resume, 0, (int)(sizeof runs / sizeof runs[0]));
    tcase_add_test(tc, dqn_factored_heads);
    tcase_add_test(tc, sac_alpha_direction);
    tcase_add_test(tc, bad_hparams);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
