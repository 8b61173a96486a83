/* quadrotor.h (internal): extras of the quadrotor family beyond the rl_task interface.
 *
 * Tasks: quadrotor-hover-v1 and quadrotor-goto-v1 (see quadrotor.c and
 * its constants). Options every quadrotor task accepts:
 *   randomize=0|1        sample mass, thrust-to-weight, arm length and motor
 *                        time constant per episode (reported in info)
 *   start=random|level   `level` starts every episode level and at rest at
 *                        the target with the motors at hover thrust (tests,
 *                        demos); `random` is the training distribution
 *   penalty=P            reward of the step that leaves the flight volume
 *                        or exceeds the speed limits is -P
 */
#ifndef RLTOOL_ENVS_MUJOCO_QUADROTOR_H
#define RLTOOL_ENVS_MUJOCO_QUADROTOR_H

#include "rltool.h"
#include "envs/mujoco/sim.h"

#define RL_QUAD_OBS_DIM 22
#define RL_QUAD_ACT_DIM 4

/* The body of the current episode (the nominal Crazyflie unless
 * randomize=1). */
typedef struct rl_quad_body {
    double mass;             /* kg */
    double thrust_to_weight; /* 4 max_thrust / (mass g) */
    double arm_length;       /* m, centre to rotor */
    double motor_tau;        /* s, first-order motor lag */
    double max_thrust;       /* N per rotor: the ctrl of action +1 */
    double hover_thrust;     /* N per rotor: mass g / 4 */
    double hover_action;     /* the action in [-1, 1] that gives hover_thrust */
} rl_quad_body;

/* RL_EINVAL if env is not a quadrotor. */
int rl_quadrotor_body(const rl_env *env, rl_quad_body *out);

/* The target of the current episode (world frame, m). */
int rl_quadrotor_target(const rl_env *env, double target[3]);

/* The env's simulation (tests, benchmarks); NULL if env is not a
 * quadrotor. The model is the env's private copy when randomize=1. After
 * writing qpos/qvel/act directly, call rl_sim_forward before the next step. */
rl_sim *rl_quadrotor_sim(rl_env *env);

#endif /* RLTOOL_ENVS_MUJOCO_QUADROTOR_H */
