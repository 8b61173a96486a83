/* ncap.h (internal): what tests and tools may ask of an NCAP policy beyond the
 * rl_policy interface. */
#ifndef RL_AGENTS_NCAP_H
#define RL_AGENTS_NCAP_H

#include "agents/agent.h"

/* Steps of one oscillator period: o_d = 1 for the first half, o_v = 1 for
 * the second (the exporter writes the same square wave). */
#define NCAP_PERIOD 60

/* The weights the circuit uses (raw parameters after the sign clamps),
 * eff (p->n_params). p must be an ncap policy. */
void rl_ncap_effective(const rl_policy *p, float *eff);
/* Joints the circuit drives. */
int rl_ncap_joints(const rl_policy *p);

#endif
