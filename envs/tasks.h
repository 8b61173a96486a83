/* tasks.h (internal): the built-in tasks; registry.c lists them. */
#ifndef RL_ENVS_TASKS_H
#define RL_ENVS_TASKS_H

#include "rltool.h"

extern const rl_task rl_task_cartpole;
extern const rl_task rl_task_pendulum;
extern const rl_task rl_task_swimmer;
extern const rl_task rl_task_swimmer_target;
extern const rl_task rl_task_hand_reach;
extern const rl_task rl_task_hand_rotate;
extern const rl_task rl_task_hand_reach2;
extern const rl_task rl_task_hand_rotate2;
extern const rl_task rl_task_hand_rotate3;
extern const rl_task rl_task_hand_rotate4;
extern const rl_task rl_task_hand_spin;
extern const rl_task rl_task_hand_spin2;
extern const rl_task rl_task_quadrotor_hover;
extern const rl_task rl_task_quadrotor_goto;

#endif
