/* rltool envs | info ID | rollout ID: look at tasks and run random policies. */
#include "cli/cli.h"
#include "envs/mujoco/mjcf_task.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void space_text(const rl_space *s, char *buf, size_t cap)
{
    if (s->kind == RL_DISCRETE && s->dim == 1)
        snprintf(buf, cap, "Discrete(%d)", s->n);
    else if (s->kind == RL_DISCRETE)
        snprintf(buf, cap, "MultiDiscrete(%d x %d)", s->dim, s->n);
    else
        snprintf(buf, cap, "Box(%d)", s->dim);
}

int cmd_envs(int argc, char **argv)
{
    const char *pos[1];
    int n_pos;
    int rc = cli_parse("envs", "", "List the registered environments.", NULL, 0, argc, argv,
                       2, pos, 0, &n_pos);
    if (rc) return rc < 0 ? CLI_OK : rc;
    printf("%-22s %-10s %-16s %s\n", "id", "obs", "action", "summary");
    int n = rl_task_count();
    for (int i = 0; i < n; i++) {
        const rl_task *t = rl_task_at(i);
        char obs[64] = "?", act[64] = "?";
        rl_env *env = rl_env_make(t->id, NULL);
        if (env) {
            space_text(&env->obs_space, obs, sizeof obs);
            space_text(&env->act_space, act, sizeof act);
        }
        rl_env_free(env);
        printf("%-22s %-10s %-16s %s\n", t->id, obs, act, t->summary ? t->summary : "");
    }
    return CLI_OK;
}

static void print_opts(const rl_optdef *defs, int n)
{
    for (int i = 0; i < n; i++) {
        const rl_optdef *d = &defs[i];
        char range[96] = "";
        if (d->type == RL_OPT_INT || d->type == RL_OPT_INTLIST)
            snprintf(range, sizeof range, "[%.0f, %.0f]", d->lo, d->hi);
        else if (d->type == RL_OPT_FLOAT)
            snprintf(range, sizeof range, "[%g, %g]", d->lo, d->hi);
        else if (d->type == RL_OPT_BOOL)
            snprintf(range, sizeof range, "0|1");
        else if (d->type == RL_OPT_CHOICE)
            snprintf(range, sizeof range, "%s", d->choices);
        printf("  %-18s default %-10s %-18s %s\n", d->name, d->def, range, d->help ? d->help : "");
    }
}

int cmd_info(int argc, char **argv)
{
    cli_sets sets = {{0}};
    const cli_arg args[] = {
        {"--set", ARG_SET, &sets, "K=V", "task option (repeatable), e.g. --set links=8", 0, 0},
    };
    const char *pos[1];
    int n_pos;
    int rc = cli_parse("info", "ID [--set k=v ...]",
                       "Show an environment's spaces, observation slices and options.", args, 1,
                       argc, argv, 2, pos, 1, &n_pos);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (n_pos != 1) {
        cli_error("info", "expected an environment id (see `rltool envs`)");
        return CLI_USAGE;
    }
    rl_env *env = rl_env_make(pos[0], sets.text);
    if (!env) {
        cli_error("info", "%s", rl_last_error());
        return cli_status(rl_last_code());
    }
    const rl_task *t = env->task;
    char obs[64], act[64], resolved[4096];
    space_text(&env->obs_space, obs, sizeof obs);
    space_text(&env->act_space, act, sizeof act);
    printf("%s: %s\n\n", t->id, t->summary ? t->summary : "");
    printf("observation  %s\n", obs);
    printf("action       %s", act);
    if (env->act_space.kind == RL_BOX) printf(" in [-1, 1] (normalised)");
    printf("\ntime limit   %d steps", env->max_steps);
    double dt = rl_env_dt(env);
    if (dt > 0) printf(" (%.3g s per step, %.3g s per episode)", dt, dt * env->max_steps);
    printf("\n");
    if (env->n_slices) {
        printf("\nobservation slices:\n");
        for (int i = 0; i < env->n_slices; i++) {
            const rl_slice *s = &env->slices[i];
            printf("  %-18s %d..%d (%d)\n", s->name, s->start, s->start + s->len - 1, s->len);
        }
    }
    if (env->n_info) {
        printf("\ninfo values:\n");
        for (int i = 0; i < env->n_info; i++) printf("  %s\n", env->info_names[i]);
    }
    char *derived = malloc(32768);
    if (derived && rl_mjcf_describe(env, derived, 32768) >= 0)
        printf("\nderived from the model:\n%s", derived);
    free(derived);
    rl_clear_error();
    printf("\ntask options:\n");
    if (t->n_opts)
        print_opts(t->opts, t->n_opts);
    else
        printf("  (none)\n");
    int n_wrap;
    const rl_optdef *wrap = rl_env_wrapper_opts(&n_wrap);
    printf("\nwrapper options (every env):\n");
    print_opts(wrap, n_wrap);
    if (rl_env_options(env, resolved, sizeof resolved) >= 0) printf("\nresolved: %s\n", resolved);
    rl_env_free(env);
    return CLI_OK;
}

int cmd_rollout(int argc, char **argv)
{
    long long episodes = 5, seed = 0;
    cli_sets sets = {{0}};
    const cli_arg args[] = {
        {"--episodes", ARG_INT, &episodes, "N", "number of episodes (default 5)", 1, 1000000},
        {"--seed", ARG_INT, &seed, "S", "random seed (default 0)", 0, INT64_MAX},
        {"--set", ARG_SET, &sets, "K=V", "env option (repeatable)", 0, 0},
    };
    const char *pos[1];
    int n_pos;
    int rc = cli_parse("rollout", "ID [--episodes N] [--seed S] [--set k=v ...]",
                       "Run a uniformly random policy and print each episode's return and length.",
                       args, 3, argc, argv, 2, pos, 1, &n_pos);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (n_pos != 1) {
        cli_error("rollout", "expected an environment id (see `rltool envs`)");
        return CLI_USAGE;
    }
    rl_env *env = rl_env_make(pos[0], sets.text);
    if (!env) {
        cli_error("rollout", "%s", rl_last_error());
        return cli_status(rl_last_code());
    }
    rl_rng rng;
    rl_rng_seed(&rng, (uint64_t)seed, 0x5eed);
    int ad = env->act_space.dim;
    float *action = calloc((size_t)ad, sizeof(float));
    double sum = 0, sum2 = 0, t0 = cli_now();
    long long steps = 0;
    printf("%-8s %12s %8s %8s\n", "episode", "return", "length", "success");
    for (long long ep = 0; ep < episodes; ep++) {
        rl_env_reset(env, ep == 0 ? (int64_t)seed : -1);
        const rl_info *info = rl_env_info(env);
        do {
            for (int i = 0; i < ad; i++)
                action[i] = env->act_space.kind == RL_DISCRETE
                                ? (float)rl_rng_below(&rng, (uint32_t)env->act_space.n)
                                : (float)rl_rng_range(&rng, -1.0, 1.0);
            if (rl_env_step(env, action)) {
                cli_error("rollout", "%s", rl_last_error());
                free(action);
                rl_env_free(env);
                return CLI_FAIL;
            }
            steps++;
        } while (!info->done);
        printf("%-8lld %12.3f %8d %8s\n", ep, info->episode_return, info->episode_length,
               info->success < 0 ? "-" : (info->success ? "yes" : "no"));
        sum += info->episode_return;
        sum2 += info->episode_return * info->episode_return;
    }
    double mean = sum / (double)episodes;
    double var = sum2 / (double)episodes - mean * mean;
    double dt = cli_now() - t0;
    printf("mean return %.3f +- %.3f over %lld episodes (%lld steps, %.0f steps/s)\n", mean,
           sqrt(var > 0 ? var : 0), episodes, steps, dt > 0 ? (double)steps / dt : 0.0);
    free(action);
    rl_env_free(env);
    return CLI_OK;
}
