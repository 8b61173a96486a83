/* agents.h (internal): the built-in agents and policy architectures; agent.c and policy.c list
 * them. Adding an agent: its file defines `const rl_agent_vt rl_agent_NAME`
 * and one X(NAME) goes into RL_BUILTIN_AGENTS (registry order: the first is
 * the fallback agent of a task no recipe names). */
#ifndef RL_AGENTS_AGENTS_H
#define RL_AGENTS_AGENTS_H

#include "agents/agent.h"

#define RL_BUILTIN_AGENTS(X) X(ppo) X(es) X(ncap) X(sac) X(td3) X(dqn) X(tla)

#define RL_DECLARE_AGENT(name) extern const rl_agent_vt rl_agent_##name;
RL_BUILTIN_AGENTS(RL_DECLARE_AGENT)
#undef RL_DECLARE_AGENT

extern const rl_policy_vt rl_policy_mlp;
extern const rl_policy_vt rl_policy_ncap;

/* Size of a static table, for vt fields: .recipes = R, .n_recipes = RL_COUNT(R). */
#define RL_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

#endif
