/* task_file.h (internal): task files, small text files that define a generic MuJoCo
 * task (mjcf_task.h) without code. The env id of a task is the file's path
 * (it must end in ".task"); its lines set the task's option defaults:
 *
 *   # Hopper-like task (comments start with #)
 *   model = $RLTOOL_GYM_ASSETS/hopper.xml   # relative to this file, or $VAR/...
 *   frame_skip = 4
 *   obs = qpos:!rootx + qvel@10
 *   max_steps = 1000
 *
 * Keys are the task's options (the same names and values as --set) plus
 * max_steps. Spaces inside a value are dropped, except in the model path.
 * docs/task-files.md describes every key and term. */
#ifndef RLTOOL_ENVS_MUJOCO_TASK_FILE_H
#define RLTOOL_ENVS_MUJOCO_TASK_FILE_H

#include "rltool.h"

#define RL_TASK_FILE_SUFFIX ".task"

/* 1 if id names a task file (ends in ".task"). */
int rl_taskfile_is_id(const char *id);

/* The task of the task file `path`, read now (an edited file gives a new
 * task; the same contents the same pointer). Its id is the file's absolute
 * path. NULL with one clear error ("FILE:LINE: ...") for a missing or
 * unreadable file, a malformed line, an unknown key, a bad value, a
 * repeated key, no model line or an unset variable in the model path. */
const rl_task *rl_taskfile_task(const char *path);

#endif
