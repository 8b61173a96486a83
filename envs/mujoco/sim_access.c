/* rl_env_mujoco: asks each MuJoCo task family for its simulation through the
 * accessor it already publishes (rl_swimmer_sim, rl_quadrotor_sim,
 * rl_hand_sim). Each of those checks the env's task before touching
 * env->data, so this relies on no struct layout; a new MuJoCo family adds
 * one line here. */
#include "envs/mujoco/sim_access.h"

#include "envs/mujoco/hand.h"
#include "envs/mujoco/mjcf_task.h"
#include "envs/mujoco/quadrotor.h"
#include "envs/mujoco/swimmer.h"

#include <math.h>
#include <time.h>

int rl_env_mujoco(rl_env *env, const mjModel **m, int *substeps)
{
    if (!env || !env->data) return 0;
    rl_sim *(*const families[])(rl_env *) = {rl_swimmer_sim, rl_quadrotor_sim, rl_hand_sim,
                                               rl_mjcf_sim};
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        rl_sim *sim = families[i](env);
        if (!sim) continue;
        if (m) *m = sim->m;
        if (substeps) *substeps = sim->n_substeps;
        return 1;
    }
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double rl_sim_raw_steps_per_sec(const mjModel *m, int substeps, int episode, double secs,
                                rl_rng *rng)
{
    mjData *d = mj_makeData(m);
    if (!d) return NAN;
    long long n = 0;
    double t0 = now(), el = 0;
    while (el < secs) {
        for (int k = 0; k < 64; k++, n++) {
            for (int i = 0; i < m->nu; i++) {
                double lo = -1, hi = 1;
                if (m->actuator_ctrllimited[i]) {
                    lo = m->actuator_ctrlrange[2 * i];
                    hi = m->actuator_ctrlrange[2 * i + 1];
                }
                d->ctrl[i] = rl_rng_range(rng, lo, hi);
            }
            for (int s = 0; s < substeps; s++) mj_step(m, d);
            if (n % episode == episode - 1) mj_resetData(m, d);
        }
        el = now() - t0;
    }
    mj_deleteData(d);
    return n / el;
}
