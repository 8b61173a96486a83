/* The privileged observation slice (asymmetric actor-critic): a task
 * appends values only critics may read (hand tasks with privileged=1); PPO,
 * SAC and TD3 build their policies on the rest. Checked here: the slice is
 * appended without changing the observation before it, a policy's actions
 * do not depend on it (bit for bit) while its critics' values do, exported
 * policies and checkpoints record the split, checkpoints written before it
 * existed still load, other agents refuse such envs, and training is
 * bit-identical for a seed whatever the thread count. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agents/agent.h"
#include "check_main.h"
#include "core/nn.h"
#include "envs/mujoco/hand.h"
#include "rltool.h"

#define SPIN "hand-spin-v1"
#define N_PRIV 9 /* palm + 5 digit contact forces, 3 angular velocity values */

static char tmp[256];

static void make_tmp(void)
{
    if (tmp[0]) return;
    snprintf(tmp, sizeof tmp, "/tmp/rltool_priv_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static rl_env *make(const char *id, const char *opts)
{
    rl_env *env = rl_env_make(id, opts);
    ck_assert_msg(env != NULL, "%s [%s]: %s", id, opts, rl_last_error());
    return env;
}

START_TEST(slice_is_appended_and_informative)
{
    const char *ids[] = {SPIN, "hand-rotate-v2"};
    for (int k = 0; k < 2; k++) {
        rl_env *plain = make(ids[k], NULL), *priv = make(ids[k], "privileged=1");
        int od = plain->obs_space.dim;
        ck_assert_int_eq(rl_env_privileged_dim(plain), 0);
        ck_assert_int_eq(rl_env_privileged_dim(priv), N_PRIV);
        ck_assert_int_eq(priv->obs_space.dim, od + N_PRIV);
        const rl_slice *s = rl_env_slice(priv, "privileged");
        ck_assert_ptr_nonnull(s);
        ck_assert_int_eq(s->start, od);
        ck_assert_int_eq(rl_env_reset(plain, 3), RL_OK);
        ck_assert_int_eq(rl_env_reset(priv, 3), RL_OK);
        float a[RL_HAND_NJOINT] = {0};
        double palm_force = 0;
        for (int t = 0; t < 20; t++) {
            for (int i = 0; i < RL_HAND_NJOINT; i++) a[i] = (float)(0.3 * sin(0.7 * t + i));
            ck_assert_int_eq(rl_env_step(plain, a), RL_OK);
            ck_assert_int_eq(rl_env_step(priv, a), RL_OK);
            /* Same physics, same observation before the slice. */
            ck_assert_msg(!memcmp(plain->obs, priv->obs, sizeof(float) * (size_t)od),
                          "%s step %d: observation changed by privileged=1", ids[k], t);
            ck_assert_float_eq(*plain->reward, *priv->reward);
            palm_force += priv->obs[od];
        }
        /* The cube (25 mm half side, 567 kg/m^3: 0.0709 kg) rests on the
         * palm: about its weight, 0.695 N, on average. */
        palm_force /= 20;
        ck_assert_msg(palm_force > 0.3 && palm_force < 1.5, "%s: mean palm force %.3f N", ids[k],
                      palm_force);
        rl_env_free(plain);
        rl_env_free(priv);
    }
}
END_TEST

static rl_agent *agent(const char *kind, const char *env_opts)
{
    rl_agent *ag = rl_agent_create(kind, NULL, SPIN, env_opts, "hidden=32x32", 5);
    ck_assert_msg(ag != NULL, "%s: %s", kind, rl_last_error());
    return ag;
}

/* Critic values Q(obs, act) or V(obs) for n rows from the agent's saved
 * tensors: PPO "critic" (input obs), SAC/TD3 "q1" (input obs | act). */
static void critic_values(const rl_agent *ag, const float *obs, int n, float *v)
{
    int ppo = !strcmp(ag->vt->name, "ppo");
    int od = ag->obs_dim, in = od + (ppo ? 0 : ag->act_dim);
    rl_ckpt *ck = rl_ckpt_make();
    ck_assert_int_eq(ag->vt->save(ag, ck, 0), RL_OK);
    int hidden[2] = {32, 32};
    rl_mlp *m = rl_mlp_make(in, 2, hidden, 1, ppo ? RL_ACT_TANH : RL_ACT_RELU, RL_ACT_NONE);
    ck_assert_ptr_nonnull(m);
    ck_assert_msg(rl_mlp_load(m, ck, ppo ? "critic" : "q1") == RL_OK,
                  "%s: the critic does not take all %d observation values: %s", ag->vt->name, od,
                  rl_last_error());
    float *x = calloc((size_t)n * in, sizeof(float));
    for (int i = 0; i < n; i++) memcpy(x + (size_t)i * in, obs + (size_t)i * od, sizeof(float) * od);
    const float *y = rl_mlp_forward(m, x, n);
    ck_assert_ptr_nonnull(y);
    memcpy(v, y, sizeof(float) * (size_t)n);
    free(x);
    rl_mlp_free(m);
    rl_ckpt_free(ck);
}

START_TEST(policy_cannot_read_the_slice)
{
    const char *kinds[] = {"ppo", "sac", "td3"};
    enum { N = 6 };
    for (int k = 0; k < 3; k++) {
        rl_agent *ag = agent(kinds[k], "privileged=1");
        int od = ag->obs_dim, ad = ag->act_dim, pd = od - N_PRIV;
        ck_assert_int_eq(ag->priv_dim, N_PRIV);
        float *obs = malloc(sizeof(float) * N * od), *obs2 = malloc(sizeof(float) * N * od);
        float a1[N * 32], a2[N * 32], v1[N], v2[N];
        for (int i = 0; i < N * od; i++) obs[i] = (float)sin(0.37 * i);
        memcpy(obs2, obs, sizeof(float) * N * od);
        for (int i = 0; i < N; i++)
            for (int j = pd; j < od; j++) obs2[i * od + j] += 3.0f + (float)j;
        for (int det = 1; det >= 0; det--) {
            rl_agent_reset_state(ag, -1);
            rl_rng_seed(&ag->rng, 11, 0);
            ck_assert_int_eq(rl_agent_act(ag, obs, N, a1, det), RL_OK);
            rl_rng_seed(&ag->rng, 11, 0);
            ck_assert_int_eq(rl_agent_act(ag, obs2, N, a2, det), RL_OK);
            ck_assert_msg(!memcmp(a1, a2, sizeof(float) * N * ad),
                          "%s (deterministic=%d): actions depend on the privileged slice",
                          kinds[k], det);
        }
        /* The same change before the slice does change the actions. */
        memcpy(obs2, obs, sizeof(float) * N * od);
        for (int i = 0; i < N; i++) obs2[i * od + pd - 1] += 3.0f;
        ck_assert_int_eq(rl_agent_act(ag, obs, N, a1, 1), RL_OK);
        ck_assert_int_eq(rl_agent_act(ag, obs2, N, a2, 1), RL_OK);
        ck_assert_msg(memcmp(a1, a2, sizeof(float) * N * ad), "%s: actions ignore obs", kinds[k]);
        /* The critic reads the slice. */
        memcpy(obs2, obs, sizeof(float) * N * od);
        for (int i = 0; i < N; i++) obs2[i * od + od - 1] += 3.0f;
        critic_values(ag, obs, N, v1);
        critic_values(ag, obs2, N, v2);
        int differ = 0;
        for (int i = 0; i < N; i++) differ += v1[i] != v2[i];
        ck_assert_msg(differ == N, "%s: the critic ignores the privileged slice", kinds[k]);
        free(obs);
        free(obs2);
        rl_agent_free(ag);
    }
}
END_TEST

START_TEST(other_agents_refuse_the_slice)
{
    const char *kinds[] = {"es", "tla"};
    for (int k = 0; k < 2; k++) {
        rl_agent *ag = rl_agent_create(kinds[k], NULL, SPIN, "privileged=1", NULL, 1);
        ck_assert_ptr_null(ag);
        ck_assert_msg(strstr(rl_last_error(), "privileged") && strstr(rl_last_error(), "ppo, sac"),
                      "%s: %s", kinds[k], rl_last_error());
    }
}
END_TEST

/* A copy of checkpoint file src without the meta entry `drop` (and with
 * `set`=`value` when set is not NULL), written to dst. */
static void rewrite(const char *src, const char *dst, const char *drop, const char *set,
                    const char *value)
{
    rl_ckpt *a = rl_ckpt_load(src), *b = rl_ckpt_make();
    ck_assert_ptr_nonnull(a);
    for (int i = 0; i < rl_ckpt_meta_count(a); i++) {
        const char *key, *val;
        rl_ckpt_meta_at(a, i, &key, &val);
        if (strcmp(key, drop)) ck_assert_int_eq(rl_ckpt_set_meta(b, key, val), RL_OK);
    }
    if (set) ck_assert_int_eq(rl_ckpt_set_meta(b, set, value), RL_OK);
    for (int i = 0; i < rl_ckpt_tensor_count(a); i++) {
        const char *name;
        rl_dtype dt;
        int64_t count;
        const void *data;
        rl_ckpt_tensor_at(a, i, &name, &dt, &count, &data);
        ck_assert_int_eq(rl_ckpt_put(b, name, dt, data, count), RL_OK);
    }
    ck_assert_int_eq(rl_ckpt_save(b, dst), RL_OK);
    rl_ckpt_free(a);
    rl_ckpt_free(b);
}

START_TEST(checkpoint_records_the_split)
{
    make_tmp();
    char path[512], old[512];
    snprintf(path, sizeof path, "%s/priv.rlt", tmp);
    snprintf(old, sizeof old, "%s/old.rlt", tmp);
    rl_agent *ag = agent("td3", "privileged=1");
    ck_assert_int_eq(rl_agent_save(ag, path, 0), RL_OK);
    rl_ckpt *ck = rl_ckpt_load(path);
    ck_assert_str_eq(rl_ckpt_meta(ck, "priv_dim"), "9");
    rl_ckpt_free(ck);
    rl_agent *back = rl_agent_load(path);
    ck_assert_msg(back != NULL, "%s", rl_last_error());
    ck_assert_int_eq(back->priv_dim, N_PRIV);
    ck_assert_str_eq(back->env_opts, "privileged=1");
    rl_agent_free(back);
    /* A header that disagrees with the task is refused. */
    rewrite(path, old, "priv_dim", "priv_dim", "4");
    ck_assert_ptr_null(rl_agent_load(old));
    ck_assert_msg(strstr(rl_last_error(), "privileged"), "%s", rl_last_error());
    rl_agent_free(ag);

    /* A checkpoint from before priv_dim existed (no such entry) loads. */
    ag = agent("ppo", NULL);
    ck_assert_int_eq(ag->priv_dim, 0);
    ck_assert_int_eq(rl_agent_save(ag, path, 0), RL_OK);
    rewrite(path, old, "priv_dim", NULL, NULL);
    ck = rl_ckpt_load(old);
    ck_assert_ptr_null(rl_ckpt_meta(ck, "priv_dim"));
    rl_ckpt_free(ck);
    back = rl_agent_load(old);
    ck_assert_msg(back != NULL, "%s", rl_last_error());
    ck_assert_int_eq(back->priv_dim, 0);
    float obs[128] = {0}, a1[32], a2[32];
    ck_assert_int_eq(rl_agent_act(ag, obs, 1, a1, 1), RL_OK);
    ck_assert_int_eq(rl_agent_act(back, obs, 1, a2, 1), RL_OK);
    ck_assert(!memcmp(a1, a2, sizeof(float) * (size_t)ag->act_dim));
    rl_agent_free(back);
    rl_agent_free(ag);
    unlink(path);
    unlink(old);
}
END_TEST

/* Train with 1 and 2 threads; every tensor of the final checkpoints must
 * match bit for bit. */
static void same_bits(const char *kind, const char *hp, int64_t steps)
{
    make_tmp();
    rl_ckpt *ck[2];
    for (int t = 0; t < 2; t++) {
        char dir[400], path[480];
        snprintf(dir, sizeof dir, "%s/%s_t%d", tmp, kind, t + 1);
        rl_train_cfg cfg = {.env_id = SPIN, .env_opts = "privileged=1", .agent = kind,
                            .hparams = hp, .steps = steps, .seed = 3, .n_threads = t + 1,
                            .out_dir = dir, .overwrite = 1};
        ck_assert_msg(rl_train(&cfg) == RL_OK, "%s, %d threads: %s", kind, t + 1, rl_last_error());
        snprintf(path, sizeof path, "%s/final.rlt", dir);
        ck[t] = rl_ckpt_load(path);
        ck_assert_ptr_nonnull(ck[t]);
    }
    ck_assert_str_eq(rl_ckpt_meta(ck[0], "priv_dim"), "9");
    ck_assert_int_eq(rl_ckpt_tensor_count(ck[0]), rl_ckpt_tensor_count(ck[1]));
    for (int i = 0; i < rl_ckpt_tensor_count(ck[0]); i++) {
        const char *name;
        rl_dtype dt;
        int64_t count;
        const void *a;
        rl_ckpt_tensor_at(ck[0], i, &name, &dt, &count, &a);
        const void *b = rl_ckpt_get(ck[1], name, dt, count, NULL);
        ck_assert_msg(b && !memcmp(a, b, (dt == RL_F32 ? 4 : 8) * (size_t)count),
                      "%s: tensor %s differs between 1 and 2 threads", kind, name);
    }
    rl_ckpt_free(ck[0]);
    rl_ckpt_free(ck[1]);
}

START_TEST(training_same_bits_whatever_threads)
{
    same_bits("ppo", "envs=4,rollout=32,epochs=2,minibatches=2,hidden=32x32", 256);
    same_bits("td3", "envs=2,hidden=32x32,batch=32,warmup=64,norm_obs=1", 160);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("privileged");
    TCase *tc = tcase_create("privileged");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, slice_is_appended_and_informative);
    tcase_add_test(tc, policy_cannot_read_the_slice);
    tcase_add_test(tc, other_agents_refuse_the_slice);
    tcase_add_test(tc, checkpoint_records_the_split);
    tcase_add_test(tc, training_same_bits_whatever_threads);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
