/* The one-process fallback of comm.h, compiled when MPI is off
 * (agents/mpi_comm.c replaces it otherwise). */
#include "agents/comm.h"

#ifndef RLTOOL_WITH_MPI
#include <stdlib.h>

int rl_comm_compiled(void) { return 0; }

int rl_comm_launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

int rl_comm_init(void) { return RL_OK; }
int rl_comm_rank(void) { return 0; }
int rl_comm_size(void) { return 1; }
void rl_comm_finalize(void) {}
int rl_comm_allreduce_mean(float *x, int n) { (void)x, (void)n; return RL_OK; }
int rl_comm_allreduce_sum_double(double *x, int n) { (void)x, (void)n; return RL_OK; }
int rl_comm_bcast(float *x, int n) { (void)x, (void)n; return RL_OK; }
int rl_comm_check_drift(const float *x, int n, const char *what)
{
    (void)x, (void)n, (void)what;
    return RL_OK;
}

int rl_comm_merge_normalizer(rl_normalizer *nz, const rl_normalizer *base, rl_normalizer *delta)
{
    int rc = rl_normalizer_copy(nz, base);
    if (!rc) rc = rl_normalizer_merge(nz, delta);
    rl_normalizer_reset(delta);
    return rc;
}

uint64_t rl_comm_seed(uint64_t seed) { return seed; }

void rl_comm_stats(double *s, int64_t *calls)
{
    if (s) *s = 0;
    if (calls) *calls = 0;
}
#else
typedef int rl_comm_single_unused; /* MPI build: agents/mpi_comm.c */
#endif
