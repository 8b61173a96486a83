/* The agents' side of the communication layer (agents/comm.h): shared
 * normalisers and blocks of arrays, written once over the collectives of
 * mpi_comm.c or comm_single.c. With one rank nothing is allocated or copied. */
#include "agents/comm.h"

#include "rltool.h"

#include <stdlib.h>
#include <string.h>

int rl_comm_norm_init(rl_comm_norm *s, rl_normalizer *nz)
{
    s->nz = nz;
    if (rl_comm_size() <= 1) return RL_OK;
    if (!s->base && !(s->base = rl_normalizer_make(nz->dim))) return rl_last_code();
    if (!s->delta && !(s->delta = rl_normalizer_make(nz->dim))) return rl_last_code();
    rl_normalizer_reset(s->delta);
    return rl_normalizer_copy(s->base, nz);
}

void rl_comm_norm_add(rl_comm_norm *s, const float *x, int n)
{
    rl_normalizer_update(s->nz, x, n);
    if (s->delta) rl_normalizer_update(s->delta, x, n);
}

int rl_comm_norm_sync(rl_comm_norm *s)
{
    if (!s->delta) return RL_OK;
    int rc = rl_comm_merge_normalizer(s->nz, s->base, s->delta);
    return rc ? rc : rl_normalizer_copy(s->base, s->nz);
}

void rl_comm_norm_free(rl_comm_norm *s)
{
    rl_normalizer_free(s->base);
    rl_normalizer_free(s->delta);
    s->base = s->delta = NULL;
}

int rl_comm_block_add(rl_comm_block *b, float *x, int n)
{
    if (b->n == RL_COMM_BLOCK_MAX)
        return rl_error(RL_EINVAL, "rl_comm_block_add: at most %d arrays", RL_COMM_BLOCK_MAX);
    if (b->buf) return rl_error(RL_ESTATE, "rl_comm_block_add: the block is already in use");
    b->x[b->n] = x;
    b->len[b->n++] = n;
    b->total += n;
    return RL_OK;
}

/* Several ranks: the arrays packed into buf (allocated on first use). */
static int pack(rl_comm_block *b)
{
    if (!b->buf && !(b->buf = malloc(sizeof(float) * (size_t)(b->total ? b->total : 1))))
        return rl_error(RL_ENOMEM, "out of memory for a %d-float MPI buffer", b->total);
    for (int i = 0, at = 0; i < b->n; at += b->len[i++])
        memcpy(b->buf + at, b->x[i], sizeof(float) * (size_t)b->len[i]);
    return RL_OK;
}

static void unpack(rl_comm_block *b)
{
    for (int i = 0, at = 0; i < b->n; at += b->len[i++])
        memcpy(b->x[i], b->buf + at, sizeof(float) * (size_t)b->len[i]);
}

/* op on the packed arrays, and its result back into them. */
static int collective(rl_comm_block *b, int (*op)(float *x, int n))
{
    if (rl_comm_size() <= 1) return RL_OK;
    int rc = pack(b);
    if (!rc) rc = op(b->buf, b->total);
    if (!rc) unpack(b);
    return rc;
}

int rl_comm_block_mean(rl_comm_block *b) { return collective(b, rl_comm_allreduce_mean); }

int rl_comm_block_bcast(rl_comm_block *b) { return collective(b, rl_comm_bcast); }

int rl_comm_block_check(rl_comm_block *b, const char *what)
{
    if (rl_comm_size() <= 1) return RL_OK;
    int rc = pack(b);
    return rc ? rc : rl_comm_check_drift(b->buf, b->total, what);
}

void rl_comm_block_free(rl_comm_block *b)
{
    free(b->buf);
    memset(b, 0, sizeof *b);
}

int rl_comm_mean_double(double *x)
{
    if (rl_comm_size() <= 1) return RL_OK;
    int rc = rl_comm_allreduce_sum_double(x, 1);
    if (!rc) *x /= rl_comm_size();
    return rc;
}
