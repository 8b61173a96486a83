/* Two networks' work as one pool job. See mlp_pair.h. */
#include "core/mlp_pair.h"

/* A two-part job costs one wake and one join (a few microseconds on an
 * idle machine, tens under load), as a pass's hand-off does: below 2^18
 * multiply-adds per network pass (the time of a hand-off at 50-100
 * GFLOP/s per core) the pair runs on the caller. A pair job keeps
 * two threads busy, so it is used with a pool of exactly two; with more
 * threads each network's own passes split over all of them instead (not
 * measured: the machine this was tuned on has two cores). */
#define PAIR_MIN_MACS (1LL << 18)

int rl_mlp_pair_parallel(const rl_mlp *m, int batch, const rl_pool *pool)
{
    if (!pool || rl_pool_size(pool) != 2) return 0;
    return rl_mlp_forward_flops(m, batch) / 2 >= (double)PAIR_MIN_MACS;
}

int rl_mlp_pair_run(rl_pool *pool, int parallel, rl_mlp *net0, rl_mlp *net1, rl_mlp_pair_fn fn,
                    void *ctx)
{
    if (!parallel || !pool || rl_pool_size(pool) < 2) {
        int rc = fn(ctx, 0);
        return rc ? rc : fn(ctx, 1);
    }
    rl_pool *own0 = net0->pool, *own1 = net1->pool;
    rl_mlp_set_pool(net0, NULL); /* a part must not start a job of its own */
    rl_mlp_set_pool(net1, NULL);
    int rc = rl_pool_run_two(pool, fn, ctx);
    rl_mlp_set_pool(net0, own0);
    rl_mlp_set_pool(net1, own1);
    return rc;
}
