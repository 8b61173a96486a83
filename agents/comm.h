/* comm.h (internal): the data-parallel communication layer (MPI) used by rl_train and
 * the agents. Internal to the library (agents/ and cli/).
 *
 * Built with RLTOOL_WITH_MPI, agents/mpi_comm.c implements it over
 * MPI_COMM_WORLD; otherwise agents/comm_single.c is a one-rank fallback
 * (rank 0 of 1, every collective a no-op), so callers need no #ifdef and the
 * single-process path costs one `rl_comm_size() > 1` test.
 *
 * Every collective returns RL_OK or an RL_E... code with a message naming
 * the rank and the MPI error (errors return instead of aborting:
 * MPI_ERRORS_RETURN). A rank that dies makes mpirun end the whole job. */
#ifndef RL_AGENTS_COMM_H
#define RL_AGENTS_COMM_H

#include "core/normalize.h"

#include <stddef.h>
#include <stdint.h>

/* 1 when the library was built with MPI. */
int rl_comm_compiled(void);
/* 1 when the environment says this process was started by mpirun / srun
 * (OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK). */
int rl_comm_launched(void);
/* Initialise MPI (MPI_Init_thread, FUNNELED) when launched under a process
 * manager and not yet initialised; registers rl_comm_finalize with atexit.
 * Idempotent; RL_OK without MPI or outside mpirun. */
int rl_comm_init(void);
int rl_comm_rank(void);   /* 0 when not initialised */
int rl_comm_size(void);   /* 1 when not initialised */
void rl_comm_finalize(void);

/* x (n) <- mean over ranks of x: one MPI_Allreduce (sum), then / size. */
int rl_comm_allreduce_mean(float *x, int n);
/* x (n) <- sum over ranks (doubles: step counts, fitnesses, flags). */
int rl_comm_allreduce_sum_double(double *x, int n);
/* x (n) <- rank 0's x. */
int rl_comm_bcast(float *x, int n);
/* Drift check: compares a checksum of x (n) on every rank with rank 0's;
 * RL_ESTATE naming `what` and the ranks that differ. Collective. */
int rl_comm_check_drift(const float *x, int n, const char *what);
/* After each rank added its own samples to `delta` (started empty when
 * `nz` was last agreed, a copy of nz kept in `base`): nz <- base merged
 * with every rank's delta in rank order (Chan's formula), identical on all
 * ranks. delta is reset. Collective (one MPI_Allgather). */
int rl_comm_merge_normalizer(rl_normalizer *nz, const rl_normalizer *base, rl_normalizer *delta);
/* The seed of this rank's streams: `seed` itself on rank 0, a derived
 * seed on the others (env resets, exploration noise). */
uint64_t rl_comm_seed(uint64_t seed);
/* Time spent in rl_comm_allreduce_mean and the number of calls. */
void rl_comm_stats(double *allreduce_seconds, int64_t *allreduce_calls);

/* ---- What the agents call (agents/comm_sync.c): the same calls with one
 * rank or many, so an agent has no rank-count branches. With one rank they
 * allocate nothing and copy nothing. */

/* A running normaliser kept identical on every rank: each rank adds its own
 * samples (to nz at once, and to `delta`); rl_comm_norm_sync makes nz the
 * merge of every rank's samples since the last sync (Chan's formula, rank
 * order), the same on all ranks. */
typedef struct rl_comm_norm {
    rl_normalizer *nz;           /* the agent's own (borrowed) */
    rl_normalizer *base, *delta; /* several ranks: nz at the last sync, samples since */
} rl_comm_norm;
/* Call when nz holds the state all ranks agree on (before training). */
int rl_comm_norm_init(rl_comm_norm *s, rl_normalizer *nz);
void rl_comm_norm_add(rl_comm_norm *s, const float *x, int n);
/* Collective when there are several ranks. */
int rl_comm_norm_sync(rl_comm_norm *s);
void rl_comm_norm_free(rl_comm_norm *s);

/* Float arrays the ranks keep in step as one block (a model's parameters,
 * or its gradients): one collective for all of them. */
#define RL_COMM_BLOCK_MAX 8
typedef struct rl_comm_block {
    int n;                        /* arrays */
    float *x[RL_COMM_BLOCK_MAX];
    int len[RL_COMM_BLOCK_MAX];
    float *buf;                   /* several ranks: the packed arrays (total) */
    int total;
} rl_comm_block;
/* Add x (n) to the block, before its first collective. */
int rl_comm_block_add(rl_comm_block *b, float *x, int n);
/* Every array <- its mean over the ranks (gradients). */
int rl_comm_block_mean(rl_comm_block *b);
/* Every array <- rank 0's (the parameters a run starts from). */
int rl_comm_block_bcast(rl_comm_block *b);
/* RL_ESTATE naming `what` when some rank's arrays differ from rank 0's. */
int rl_comm_block_check(rl_comm_block *b, const char *what);
void rl_comm_block_free(rl_comm_block *b);
/* x <- its mean over the ranks (a statistic such as an approximate KL). */
int rl_comm_mean_double(double *x);

#endif
