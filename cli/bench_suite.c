/* rltool bench: what to run. The quick and full suites (task x agent x
 * budget), the budget a recipe gives, and the task's solve threshold. */
#include "agents/agent.h"
#include "cli/bench.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The task's reward_threshold (metrics.csv return_mean that counts as
 * solving it); NaN when it has none. */
double bench_threshold(const char *task)
{
    const rl_task *t = rl_task_find(task);
    return t && t->has_threshold ? t->reward_threshold : NAN;
}

/* quick: a few tens of thousands of steps per run; all of it, 3 seeds,
 * takes a few minutes on 2 cores. */
static const suite_entry quick_suite[] = {
    {"cartpole-v1", "ppo", 60000, NULL},
    /* CleanRL's DQN learns from 10k steps on and updates every 10th step;
     * for a short budget: learn from 1k, update every step, explore for 20%. */
    {"cartpole-v1", "dqn", 80000, "warmup=1000,train_every=1,explore_frac=0.2,buffer=50000"},
    {"pendulum-v1", "sac", 15000, NULL},
    {"pendulum-v1", "td3", 20000, NULL},
    {"pendulum-v1", "tla", 20000, NULL},
    {"swimmer-v1", "ppo", 60000, NULL},
    {"swimmer-v1", "ncap", 60000, NULL},
};
/* full: the recipes' budgets. */
static const suite_entry full_suite[] = {
    {"cartpole-v1", "ppo", 0, NULL},        {"cartpole-v1", "dqn", 0, NULL},
    {"pendulum-v1", "sac", 0, NULL},        {"pendulum-v1", "td3", 0, NULL},
    {"pendulum-v1", "tla", 0, NULL},        {"pendulum-v1", "ppo", 0, NULL},
    {"swimmer-v1", "ppo", 0, NULL},         {"swimmer-v1", "ncap", 0, NULL},
    {"swimmer-v1", "es", 0, NULL},          {"quadrotor-hover-v1", "ppo", 0, NULL},
    {"quadrotor-hover-v1", "sac", 0, NULL}, {"quadrotor-hover-v1", "td3", 0, NULL},
    {"hand-reach-v1", "ppo", 0, NULL},      {"hand-reach-v1", "sac", 0, NULL},
};

const suite_entry *bench_suite(const char *name, int *n)
{
    if (!strcmp(name, "quick")) {
        *n = (int)(sizeof quick_suite / sizeof quick_suite[0]);
        return quick_suite;
    }
    if (!strcmp(name, "full")) {
        *n = (int)(sizeof full_suite / sizeof full_suite[0]);
        return full_suite;
    }
    *n = 0;
    return NULL;
}

long long bench_recipe_budget(const char *agent, const char *task)
{
    const rl_recipe *rec = rl_recipe_find(agent, task);
    return rec ? rec->steps : 100000;
}

void bench_suite_print(void)
{
    for (int s = 0; s < 2; s++) {
        int n;
        const suite_entry *su = bench_suite(s ? "full" : "quick", &n);
        printf("\nsuite %s (default seeds 3):\n", s ? "full" : "quick");
        for (int i = 0; i < n; i++) {
            long long st = su[i].steps ? su[i].steps : bench_recipe_budget(su[i].agent, su[i].task);
            printf("  %-20s %-6s %9lld steps%s%s%s\n", su[i].task, su[i].agent, st,
                   su[i].hparams ? "  " : "", su[i].hparams ? su[i].hparams : "",
                   rl_agent_find(su[i].agent) ? "" : "  (agent not built yet: skipped)");
        }
    }
    printf("\nthresholds (the tasks' reward_threshold, return_mean in metrics.csv):\n");
    for (int i = 0; i < rl_task_count(); i++)
        if (rl_task_at(i)->has_threshold)
            printf("  %-20s %g\n", rl_task_at(i)->id, rl_task_at(i)->reward_threshold);
}
