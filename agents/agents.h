/* The built-in agents and policy architectures; agent.c and policy.c list them. */
#ifndef RL_AGENTS_AGENTS_H
#define RL_AGENTS_AGENTS_H

#include "agents/agent.h"

extern const rl_agent_vt rl_agent_ppo;
extern const rl_agent_vt rl_agent_sac, rl_agent_td3, rl_agent_dqn;
extern const rl_agent_vt rl_agent_es;
extern const rl_agent_vt rl_agent_ncap;
extern const rl_agent_vt rl_agent_tla;

extern const rl_policy_vt rl_policy_mlp;
extern const rl_policy_vt rl_policy_ncap;

#endif
