/* ncap.h: what tests and tools may ask of an NCAP policy beyond the
 * rl_policy interface. */
#ifndef RL_AGENTS_NCAP_H
#define RL_AGENTS_NCAP_H

#include "agents/agent.h"

/* The weights the circuit uses (raw parameters after the sign clamps),
 * eff (p->n_params). p must be an ncap policy. */
void rl_ncap_effective(const rl_policy *p, float *eff);
/* Joints the circuit drives. */
int rl_ncap_joints(const rl_policy *p);

#endif
