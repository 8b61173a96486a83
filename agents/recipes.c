/* Recipe lookup: each agent lists its own task-family defaults
 * (rl_agent_vt.recipes); this file finds the row for a task. Within one
 * agent the longest matching prefix wins, so a family-specific row beats
 * the agent's general one ("" = any task). */
#include "agents/agent.h"

#include <string.h>

#include "envs/mujoco/mjcf_task.h"
#include "envs/mujoco/task_file.h"

static int prefix_len(const rl_recipe *r, const char *env_id)
{
    size_t n = strlen(r->task_prefix);
    return strncmp(env_id, r->task_prefix, n) ? -1 : (int)n;
}

/* The row of vt with the longest matching prefix that `want` accepts. */
static const rl_recipe *best_row(const rl_agent_vt *vt, const char *env_id,
                                 int (*want)(const rl_recipe *r, const char *policy),
                                 const char *policy, int *best_len)
{
    const rl_recipe *best = NULL;
    for (int i = 0; i < vt->n_recipes; i++) {
        const rl_recipe *r = &vt->recipes[i];
        int n = prefix_len(r, env_id);
        if (n > *best_len && want(r, policy)) {
            best = r;
            *best_len = n;
        }
    }
    return best;
}

static int row_recommended(const rl_recipe *r, const char *policy) { return r->recommended; }
static int row_exact(const rl_recipe *r, const char *policy)
{
    return policy ? r->policy && !strcmp(r->policy, policy) : !r->policy;
}
static int row_general(const rl_recipe *r, const char *policy) { return policy ? !r->policy : 1; }

/* A task file's own recipe (its recipe.* lines) and that recipe's agent: a
 * task file's id is its path, which no agent's prefix rows can name. */
static const rl_recipe *file_recipe(const char *env_id, const rl_agent_vt **owner)
{
    const char *name = NULL;
    const rl_task *t = rl_taskfile_is_id(env_id) ? rl_task_find(env_id) : NULL;
    const rl_recipe *r = t ? rl_mjcf_task_recipe(t, &name) : NULL;
    *owner = r ? rl_agent_find(name) : NULL;
    return *owner ? r : NULL;
}

/* The recommended row for a task over every agent, and its agent. */
static const rl_recipe *recommended(const char *env_id, const rl_agent_vt **owner)
{
    const rl_agent_vt *file_vt;
    const rl_recipe *best = file_recipe(env_id, &file_vt);
    if (best) {
        *owner = file_vt;
        return best;
    }
    int best_len = -1;
    for (int a = 0; a < rl_agent_count(); a++) {
        const rl_recipe *r = best_row(rl_agent_at(a), env_id, row_recommended, NULL, &best_len);
        if (r) {
            best = r;
            *owner = rl_agent_at(a);
        }
    }
    return best;
}

/* Rows that name a policy apply to that policy only; with a policy given,
 * its own row wins over the agent's general one, and without one the
 * general row wins (a policy-specific row is the fallback, e.g. `ncap`). */
const rl_recipe *rl_recipe_find_for(const char *agent, const char *policy, const char *env_id)
{
    const rl_agent_vt *vt = NULL;
    if (!agent) return recommended(env_id, &vt);
    if (!(vt = rl_agent_find(agent))) return NULL;
    const rl_agent_vt *file_vt;
    const rl_recipe *fr = file_recipe(env_id, &file_vt);
    if (fr && file_vt == vt &&
        (!policy || !strcmp(policy, fr->policy ? fr->policy : vt->default_policy)))
        return fr;
    int len = -1;
    const rl_recipe *r = best_row(vt, env_id, row_exact, policy, &len);
    len = -1;
    return r ? r : best_row(vt, env_id, row_general, policy, &len);
}

const rl_recipe *rl_recipe_find(const char *agent, const char *env_id)
{
    return rl_recipe_find_for(agent, NULL, env_id);
}

const char *rl_recommended_agent(const char *env_id)
{
    const rl_agent_vt *vt = rl_agent_at(0);
    recommended(env_id ? env_id : "", &vt);
    return vt ? vt->name : NULL;
}

const char *rl_default_env_id(void) { return "swimmer-v1"; }
