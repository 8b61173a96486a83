/* hand.h (internal): extras of the dexterous-hand family beyond the rl_task interface,
 * for tests and tools that poke the physics.
 *
 * The hand has RL_HAND_NJOINT hinge joints, each driven by one position
 * actuator, in this order (the order of the action vector and of the
 * joint_pos / joint_vel slices):
 *
 *   index, middle, ring, little:  abd, mcp, pip, dip      (4 x 4)
 *   thumb:  cmc_add, cmc_abd, mcp_abd, mcp, ip            (5)
 *
 * Fingertip positions are reported in the order index, middle, ring,
 * little, thumb, as (x, y, z) relative to the palm centre, in the palm frame
 * (which is the world frame turned by nothing: the palm is fixed, palm up).
 */
#ifndef RLTOOL_ENVS_MUJOCO_HAND_H
#define RLTOOL_ENVS_MUJOCO_HAND_H

#include "rltool.h"
#include "envs/mujoco/sim.h"

#define RL_HAND_NJOINT 21
#define RL_HAND_NTIP 5
#define RL_HAND_TIP_THRESHOLD 0.0125 /* m: hand-reach success per fingertip */
#define RL_HAND_ROT_THRESHOLD 0.1    /* rad: hand-rotate success */

/* The env's simulation; NULL if env is not a hand env. After writing
 * qpos/qvel directly, call rl_sim_forward before the next step. */
rl_sim *rl_hand_sim(rl_env *env);

/* Range [lo, hi] (radians) of hand joint i, which is also the ctrlrange of
 * its actuator: action -1 commands lo, +1 commands hi. */
int rl_hand_joint_range(const rl_env *env, int i, double *lo, double *hi);

/* Set the hand joints to q (RL_HAND_NJOINT radians, not clipped), zero
 * their velocities, run forward kinematics and rewrite env->obs. */
int rl_hand_set_joints(rl_env *env, const double *q);

/* Current fingertip positions (RL_HAND_NTIP x 3, palm frame). */
int rl_hand_tips(const rl_env *env, double *tips);

/* hand-reach only: the goal (RL_HAND_NTIP x 3) and the joint configuration
 * (RL_HAND_NJOINT) whose forward kinematics produced it. */
int rl_hand_goal(const rl_env *env, double *tips, double *q);

#endif /* RLTOOL_ENVS_MUJOCO_HAND_H */
