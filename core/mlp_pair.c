/* Two networks' work as one pool job. See mlp_pair.h. */
#include "core/mlp_pair.h"

#include <stdio.h>
#include <string.h>

/* A two-part job costs one wake and one join (a few microseconds on an
 * idle machine, tens under load), as a layer's hand-off does: below the
 * multiply-adds per network pass where a layer is worth splitting
 * (kernels.c POOL_MIN_MACS) the pair runs on the caller. A pair job keeps
 * two threads busy, so it is used with a pool of exactly two; with more
 * threads each network's own passes split over all of them instead (not
 * measured: the machine this was tuned on has two cores). */
#define PAIR_MIN_MACS (1LL << 18)

int rl_mlp_pair_parallel(const rl_mlp *m, int batch, const rl_pool *pool)
{
    if (!pool || rl_pool_size(pool) != 2) return 0;
    return rl_mlp_forward_flops(m, batch) / 2 >= (double)PAIR_MIN_MACS;
}

typedef struct {
    rl_mlp_pair_fn fn;
    void *ctx;
    int rc[2];
    char msg[2][512];
} pair_job;

static void pair_part(void *p, int k, int n_parts)
{
    pair_job *j = p;
    (void)n_parts;
    j->rc[k] = j->fn(j->ctx, k);
    /* The message is thread-local: carry it back to the caller. */
    if (j->rc[k]) snprintf(j->msg[k], sizeof j->msg[k], "%s", rl_last_error());
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
    pair_job j = {.fn = fn, .ctx = ctx};
    rl_pool_run_parts(pool, pair_part, &j, 2);
    rl_mlp_set_pool(net0, own0);
    rl_mlp_set_pool(net1, own1);
    for (int k = 0; k < 2; k++)
        if (j.rc[k]) return rl_error(j.rc[k], "%s", j.msg[k]);
    return RL_OK;
}
