/* NCAP: the untrained circuit swims with a head-to-tail travelling wave,
 * parameter counts (shared and unshared), gradients against central finite
 * differences, sign constraints after training, `rltool inspect`, and
 * transfer of a checkpoint to other body lengths (MLPs refuse clearly). */
#include <check.h>

#include "check_main.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agents/agent.h"
#include "agents/ncap.h"

static rl_policy *make_ncap(const rl_env *env, const char *opts)
{
    rl_policy_spec spec = {env->obs_space.dim, env->act_space.dim, RL_ACT_NONE, NULL,
                           RL_ACT_TANH, env};
    rl_policy *p = rl_policy_make("ncap", opts, &spec);
    ck_assert_msg(p != NULL, "%s", rl_last_error());
    return p;
}

/* Central differences of L = sum c .* ncap(x, t) against the analytic
 * gradient; relative error of the two vectors. */
static double fd_rel_err(rl_policy *p, const float *x, const int *t, int batch, const float *c)
{
    int np = p->n_params, n = p->out;
    const float *y = p->vt->forward(p, x, t, batch);
    ck_assert(y != NULL);
    for (int i = 0; i < np; i++) p->grads[i] = 0;
    ck_assert_int_eq(p->vt->backward(p, c), RL_OK);
    double d = 0, na = 0, nb = 0, eps = 1e-3;
    for (int k = 0; k < np; k++) {
        float keep = p->params[k];
        double l[2];
        for (int s = 0; s < 2; s++) {
            p->params[k] = keep + (float)(s ? -eps : eps);
            y = p->vt->forward(p, x, t, batch);
            l[s] = 0;
            for (int i = 0; i < batch * n; i++) l[s] += (double)c[i] * y[i];
        }
        p->params[k] = keep;
        double fd = (l[0] - l[1]) / (2 * eps), g = p->grads[k];
        d += (fd - g) * (fd - g);
        na += fd * fd;
        nb += g * g;
    }
    double s = sqrt(na > nb ? na : nb);
    return sqrt(d) / (s > 1e-6 ? s : 1e-6);
}

/* Phase of joint angles at the oscillator's frequency (period 60 steps),
 * from steady-state steps of one episode driven by the circuit. */
START_TEST(untrained_circuit_swims_with_travelling_wave)
{
    rl_env *env = rl_env_make("swimmer-v1", NULL);
    ck_assert(env != NULL);
    rl_policy *p = make_ncap(env, NULL);
    const rl_slice *jp = rl_env_slice(env, "joint_pos");
    int n = jp->len;
    double re[32] = {0}, im[32] = {0}, sum = 0;
    for (int ep = 0; ep < 2; ep++) {
        ck_assert_int_eq(rl_env_reset(env, 11 + ep), RL_OK);
        for (int t = 0; !env->info->done; t++) {
            const float *a = p->vt->forward(p, env->obs, &t, 1);
            for (int j = 0; j < n && t >= 300; j++) {
                double th = env->obs[jp->start + j], w = 2 * M_PI * t / 60.0;
                re[j] += th * cos(w);
                im[j] -= th * sin(w);
            }
            ck_assert_int_eq(rl_env_step(env, a), RL_OK);
        }
        sum += env->info->episode_return;
    }
    double ret = sum / 2;
    ck_assert_msg(ret > 500, "untrained NCAP return %.1f, expected about 800", ret);
    /* Lag of joint j behind the head joint, unwrapped to increase. */
    double prev = 0, phase0 = atan2(im[0], re[0]);
    for (int j = 1; j < n; j++) {
        double lag = phase0 - atan2(im[j], re[j]);
        while (lag < prev - M_PI) lag += 2 * M_PI;
        while (lag > prev + M_PI) lag -= 2 * M_PI;
        ck_assert_msg(lag > prev + 0.05, "joint %d lags %.3f rad, joint %d %.3f: no head-to-tail wave",
                      j, lag, j - 1, prev);
        prev = lag;
    }
    rl_policy_free(p);
    rl_env_free(env);
}
END_TEST

START_TEST(parameter_counts)
{
    const int links[] = {3, 6, 10, 15};
    for (int i = 0; i < 4; i++) {
        char opts[32];
        snprintf(opts, sizeof opts, "links=%d", links[i]);
        rl_env *env = rl_env_make("swimmer-v1", opts);
        ck_assert(env != NULL);
        int n = links[i] - 1;
        rl_policy *s = make_ncap(env, NULL), *u = make_ncap(env, "shared=0");
        ck_assert_int_eq(s->n_params, 4);
        ck_assert_int_eq(u->n_params, 2 * (n - 1) + 2 + 4 * n);
        ck_assert_int_eq(rl_ncap_joints(u), n);
        rl_policy_free(s);
        rl_policy_free(u);
        rl_env_free(env);
    }
    /* A task without a joint_pos slice is refused with a clear message. */
    rl_env *cp = rl_env_make("pendulum-v1", NULL);
    if (cp) {
        rl_policy_spec spec = {cp->obs_space.dim, cp->act_space.dim, RL_ACT_NONE, NULL,
                               RL_ACT_TANH, cp};
        ck_assert(rl_policy_make("ncap", NULL, &spec) == NULL);
        ck_assert(strstr(rl_last_error(), "joint_pos") != NULL);
        rl_env_free(cp);
    }
}
END_TEST

START_TEST(gradients_match_finite_differences)
{
    rl_env *env = rl_env_make("swimmer-v1", "links=5");
    ck_assert(env != NULL);
    const rl_slice *jp = rl_env_slice(env, "joint_pos");
    float lim = env->obs_space.high[jp->start];
    int od = env->obs_space.dim, n = jp->len, B = 24;
    const char *variants[] = {"shared=0", "shared=1", "shared=0,signs=0"};
    rl_rng rng;
    rl_rng_seed(&rng, 5, 0);
    float *x = calloc((size_t)B * od, sizeof(float)), *c = calloc((size_t)B * n, sizeof(float));
    int t[24];
    for (int r = 0; r < B; r++) {
        t[r] = (int)rl_rng_below(&rng, 1000);
        for (int j = 0; j < n; j++) { /* |q| in (0.05, 0.95): away from the proprioceptive clamps */
            double q = rl_rng_range(&rng, 0.05, 0.95) * (rl_rng_uniform(&rng) < 0.5 ? -1 : 1);
            x[r * od + jp->start + j] = (float)(q * lim);
            c[r * n + j] = (float)rl_rng_normal(&rng);
        }
    }
    for (int v = 0; v < 3; v++) {
        rl_policy *p = make_ncap(env, variants[v]);
        float eff[64];
        /* Magnitudes in (0.3, 0.9): every graded input stays off its kinks at 1. */
        rl_ncap_effective(p, eff); /* constant init gives the signs */
        for (int k = 0; k < p->n_params; k++)
            p->params[k] = (eff[k] < 0 ? -1.f : 1.f) * (float)rl_rng_range(&rng, 0.3, 0.9);
        double e = fd_rel_err(p, x, t, B, c);
        ck_assert_msg(e < 2e-3, "%s: gradient relative error %.2e", variants[v], e);
        /* An excitatory weight below zero is clamped at use: no gradient. */
        if (v == 0) {
            p->params[0] = -0.5f;
            p->vt->forward(p, x, t, B);
            for (int k = 0; k < p->n_params; k++) p->grads[k] = 0;
            p->vt->backward(p, c);
            ck_assert_float_eq(p->grads[0], 0.f);
            ck_assert(fd_rel_err(p, x, t, B, c) < 2e-3);
        }
        rl_policy_free(p);
    }
    free(x);
    free(c);
    rl_env_free(env);
}
END_TEST

static int quiet(void *user, const rl_progress *p) { return 0; }

static void train(const char *dir, const char *agent, const char *policy, const char *hp,
                  int64_t steps)
{
    rl_train_cfg cfg = {.agent = agent, .policy = policy, .hparams = hp, .steps = steps,
                        .seed = 3, .n_threads = 2, .out_dir = dir, .progress = quiet};
    ck_assert_msg(rl_train(&cfg) == RL_OK, "%s", rl_last_error());
}

static char run_root[256];

static void make_root(void)
{
    snprintf(run_root, sizeof run_root, "/tmp/rltool-test-ncap-%d", (int)getpid());
}

/* Big ES steps push raw weights across zero; the circuit must still use
 * sign-correct weights, i.e. behave as the clamped weights unconstrained. */
START_TEST(signs_hold_after_training)
{
    make_root();
    char dir[300];
    snprintf(dir, sizeof dir, "%s/es", run_root);
    train(dir, "es", "ncap", "shared=0,envs=4,lr=1.5,sigma=0.5", 12000);
    rl_agent *ag = rl_agent_load(dir);
    ck_assert_msg(ag != NULL, "%s", rl_last_error());
    ck_assert_str_eq(ag->policy, "ncap");
    rl_ckpt *ck = rl_ckpt_load(strcat(dir, "/final.rlt"));
    ck_assert(ck != NULL);
    rl_env *env = rl_env_make("swimmer-v1", NULL);
    rl_policy *s = make_ncap(env, "shared=0"), *u = make_ncap(env, "shared=0,signs=0");
    const float *w = rl_ckpt_get(ck, "actor", RL_F32, s->n_params, NULL);
    ck_assert(w != NULL);
    memcpy(s->params, w, sizeof(float) * (size_t)s->n_params);
    float eff[64];
    rl_ncap_effective(s, eff);
    int crossed = 0;
    for (int k = 0; k < s->n_params; k++) {
        char name[64];
        ck_assert_int_eq(s->vt->param_name(s, k, name, sizeof name), RL_OK);
        if (strstr(name, "contra")) ck_assert_msg(eff[k] <= 0, "%s = %g", name, eff[k]);
        else ck_assert_msg(eff[k] >= 0, "%s = %g", name, eff[k]);
        crossed += eff[k] != w[k];
    }
    ck_assert_msg(crossed > 0, "training never pushed a raw weight across its sign");
    memcpy(u->params, eff, sizeof eff[0] * (size_t)u->n_params);
    const int t = 7;
    for (int step = 0; step < 3; step++) {
        rl_env_reset(env, step);
        const float *a = s->vt->forward(s, env->obs, &t, 1);
        float as[32];
        memcpy(as, a, sizeof(float) * (size_t)s->out);
        const float *b = u->vt->forward(u, env->obs, &t, 1);
        for (int j = 0; j < s->out; j++) ck_assert_float_eq(as[j], b[j]);
    }
    rl_policy_free(s);
    rl_policy_free(u);
    rl_env_free(env);
    rl_ckpt_free(ck);
    rl_agent_free(ag);
}
END_TEST

static int run_cli(const char *args, char *out, size_t cap)
{
    const char *cli = getenv("RLTOOL_CLI");
    if (!cli) return -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", cli, args);
    FILE *f = popen(cmd, "r");
    ck_assert(f != NULL);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = 0;
    return pclose(f);
}

/* A trained 6-link NCAP: inspect names its 4 weights, and it swims 4- and
 * 10-link bodies without retraining; an MLP refuses clearly. */
START_TEST(inspect_and_transfer)
{
    make_root();
    char dir[300], mlp[300], args[400], out[8192];
    snprintf(dir, sizeof dir, "%s/ncap", run_root);
    train(dir, "ncap", NULL, "envs=4", 8000);
    snprintf(args, sizeof args, "inspect %s", dir);
    int st = run_cli(args, out, sizeof out);
    if (st != -1) {
        ck_assert_msg(st == 0, "%s", out);
        const char *names[] = {"w_prop", "w_osc", "w_ipsi", "w_contra", "parameters  4", "ncap"};
        for (int i = 0; i < 6; i++) ck_assert_msg(strstr(out, names[i]) != NULL, "%s", out);
    }
    rl_agent *ag = rl_agent_load(dir);
    ck_assert(ag != NULL);
    rl_eval_result r6, r10, r4;
    ck_assert_int_eq(rl_evaluate(ag, NULL, 1, 1, 1, &r6), RL_OK);
    ck_assert_msg(rl_evaluate(ag, "links=10", 1, 1, 1, &r10) == RL_OK, "%s", rl_last_error());
    ck_assert_int_eq(rl_evaluate(ag, "links=4", 1, 1, 1, &r4), RL_OK);
    ck_assert_msg(r6.mean_return > 500 && r10.mean_return > 500 && r4.mean_return > 150,
                  "returns 6 links %.1f, 10 links %.1f, 4 links %.1f", r6.mean_return,
                  r10.mean_return, r4.mean_return);
    rl_agent_free(ag);

    snprintf(mlp, sizeof mlp, "%s/mlp", run_root);
    train(mlp, "ppo", "mlp", "envs=2,rollout=64,minibatches=2,epochs=1", 256);
    ag = rl_agent_load(mlp);
    ck_assert(ag != NULL);
    ck_assert_int_ne(rl_evaluate(ag, "links=10", 1, 1, 1, &r10), RL_OK);
    ck_assert_msg(strstr(rl_last_error(), "cannot transfer") != NULL, "%s", rl_last_error());
    rl_agent_free(ag);
}
END_TEST

static void cleanup(void)
{
    if (!run_root[0]) return;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", run_root);
    if (system(cmd)) {}
}

int main(void)
{
    Suite *s = suite_create("ncap");
    TCase *tc = tcase_create("ncap");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, untrained_circuit_swims_with_travelling_wave);
    tcase_add_test(tc, parameter_counts);
    tcase_add_test(tc, gradients_match_finite_differences);
    tcase_add_test(tc, signs_hold_after_training);
    tcase_add_test(tc, inspect_and_transfer);
    suite_add_tcase(s, tc);
    int failed = rl_check_run_as(s, CK_NOFORK);
    make_root();
    cleanup();
    return failed;
}
