/* Checkpoint internals shared inside the library (the API is in rltool.h). */
#ifndef RL_CORE_CHECKPOINT_H
#define RL_CORE_CHECKPOINT_H

#include "rltool.h"

/* The metadata of a checkpoint without its tensors: reads only the header,
 * so choosing among large checkpoints costs a few KB each. */
rl_ckpt *rl_ckpt_load_header(const char *path);

#endif
