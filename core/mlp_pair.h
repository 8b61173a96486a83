/* mlp_pair.h (internal): the same work on two networks as one pool job.
 *
 * Twin critics (SAC, TD3, TLA) do everything twice: both target critics on
 * the next batch, both critics' regression steps on the same batch, both
 * critics' gradients at the policy's actions. As one pool job of two parts,
 * each network whole on one thread, that work takes one hand-off to the
 * pool instead of one per pass or layer, and no thread waits for the other
 * between layers. Each network's results are the same bits as when it runs
 * alone (its kernels' values never depend on the threads), so training
 * stays bit-identical for any thread count.
 */
#ifndef RL_CORE_MLP_PAIR_H
#define RL_CORE_MLP_PAIR_H

#include "core/nn.h"
#include "core/threadpool.h"

/* Work on network k (0 or 1) of a pair; RL_OK or an error code (with
 * rl_error's message). */
typedef rl_pool_part_fn rl_mlp_pair_fn;

/* 1 if running a pass of `batch` rows through each of two networks shaped
 * like m as one two-part pool job is worth the hand-off (a pool of two
 * threads, a pass large enough; see mlp_pair.c). */
int rl_mlp_pair_parallel(const rl_mlp *m, int batch, const rl_pool *pool);

/* fn(ctx, 0) and fn(ctx, 1): as one pool job when parallel (net[0] and
 * net[1] then run on one thread each: their own pools are set aside for
 * the job), else one after the other on the calling thread. Returns the
 * first failing part's code, its message kept as rl_last_error. */
int rl_mlp_pair_run(rl_pool *pool, int parallel, rl_mlp *net0, rl_mlp *net1, rl_mlp_pair_fn fn,
                    void *ctx);

#endif
