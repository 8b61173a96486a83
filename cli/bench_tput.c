/* rltool bench: env throughput with random actions: one env, a vector env
 * over every core, and for MuJoCo tasks the raw mj_step ceiling
 * (envs/mujoco/sim_access.h). */
#include "cli/bench.h"
#include "cli/cli.h"
#include "envs/mujoco/sim_access.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void random_action(const rl_space *sp, rl_rng *rng, float *a)
{
    for (int i = 0; i < sp->dim; i++)
        a[i] = sp->kind == RL_DISCRETE ? (float)rl_rng_below(rng, (uint32_t)sp->n)
                                       : (float)rl_rng_range(rng, sp->low[i], sp->high[i]);
}

int bench_measure_task(const char *task, double secs, int threads, tput *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->task, sizeof t->task, "%s", task);
    t->env_sps = t->vec_sps = t->raw_sps = NAN;
    rl_env *env = rl_env_make(task, NULL);
    if (!env) return -1;
    rl_rng rng;
    rl_rng_seed(&rng, 1, 0);
    const rl_space *as = rl_env_act_space(env);
    float *a = malloc(sizeof(float) * (size_t)as->dim);
    if (!a) {
        rl_env_free(env);
        return -1;
    }
    /* 1 env */
    rl_env_reset(env, 1);
    long long n = 0;
    double t0 = cli_now(), el = 0;
    while (el < secs) {
        for (int k = 0; k < 256; k++, n++) {
            random_action(as, &rng, a);
            rl_env_step(env, a);
            if (rl_env_terminated(env) || rl_env_truncated(env)) rl_env_reset(env, -1);
        }
        el = cli_now() - t0;
    }
    t->env_sps = n / el;
    /* raw mj_step ceiling: same model, same substeps, random controls */
    const mjModel *m;
    if (rl_env_mujoco(env, &m, &t->substeps)) {
        t->is_mujoco = 1;
        int limit = rl_env_max_steps(env) > 0 ? rl_env_max_steps(env) : 1000;
        t->raw_sps = rl_sim_raw_steps_per_sec(m, t->substeps, limit, secs, &rng);
    }
    /* vector env over every core */
    t->vec_threads = threads;
    t->vec_envs = 8 * threads;
    rl_vec *v = rl_vec_make(task, NULL, t->vec_envs, threads);
    if (v && !rl_vec_reset(v, 1)) {
        float *va = rl_vec_actions(v);
        n = 0, el = 0, t0 = cli_now();
        while (el < secs) {
            for (int k = 0; k < 16; k++) {
                for (int e = 0; e < t->vec_envs; e++) random_action(as, &rng, va + (size_t)e * as->dim);
                if (rl_vec_step(v, NULL)) break;
                n += t->vec_envs;
            }
            el = cli_now() - t0;
        }
        t->vec_sps = n / el;
    }
    rl_vec_free(v);
    free(a);
    rl_env_free(env);
    return 0;
}
