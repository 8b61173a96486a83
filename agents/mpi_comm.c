/* comm.h over MPI (compiled only with RLTOOL_WITH_MPI). Every call works on
 * MPI_COMM_WORLD with MPI_ERRORS_RETURN, so a failed collective becomes an
 * rltool error naming the rank instead of an abort inside MPI. When a rank
 * dies, Open MPI's mpirun ends the job (the default; see the README). */
#include "agents/comm.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_rank = 0, g_size = 1, g_inited = 0, g_we_init = 0;
static double g_ar_seconds;
static int64_t g_ar_calls;
static double *g_gather;  /* scratch for rl_comm_merge_normalizer */
static size_t g_gather_cap;

int rl_comm_compiled(void) { return 1; }

int rl_comm_launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

static int mpi_fail(int err, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING + 1] = "";
    int len = 0;
    MPI_Error_string(err, msg, &len);
    msg[len < 0 ? 0 : len] = 0;
    return rl_error(RL_EIO, "MPI: %s failed on rank %d of %d: %s (another rank probably died or "
                    "was killed; mpirun names it)", what, g_rank, g_size, msg);
}

int rl_comm_init(void)
{
    if (g_inited) return RL_OK;
    int flag = 0;
    MPI_Initialized(&flag);
    if (!flag) {
        if (!rl_comm_launched()) return RL_OK; /* plain process: stay single */
        int provided = 0;
        int err = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
        if (err != MPI_SUCCESS) return rl_error(RL_EIO, "MPI_Init_thread failed (error %d)", err);
        g_we_init = 1;
        atexit(rl_comm_finalize);
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    g_inited = 1;
    return RL_OK;
}

int rl_comm_rank(void) { return g_rank; }
int rl_comm_size(void) { return g_size; }

void rl_comm_finalize(void)
{
    free(g_gather);
    g_gather = NULL;
    g_gather_cap = 0;
    if (!g_inited) return;
    g_inited = 0;
    int fin = 0;
    MPI_Finalized(&fin);
    if (g_we_init && !fin) MPI_Finalize();
}

int rl_comm_allreduce_mean(float *x, int n)
{
    if (g_size <= 1 || n <= 0) return RL_OK;
    double t0 = MPI_Wtime();
    int err = MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    if (err != MPI_SUCCESS) return mpi_fail(err, "MPI_Allreduce (gradients)");
    float inv = 1.0f / (float)g_size;
    for (int i = 0; i < n; i++) x[i] *= inv;
    g_ar_seconds += MPI_Wtime() - t0;
    g_ar_calls++;
    return RL_OK;
}

int rl_comm_allreduce_sum_double(double *x, int n)
{
    if (g_size <= 1 || n <= 0) return RL_OK;
    int err = MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return err == MPI_SUCCESS ? RL_OK : mpi_fail(err, "MPI_Allreduce");
}

int rl_comm_bcast(float *x, int n)
{
    if (g_size <= 1 || n <= 0) return RL_OK;
    int err = MPI_Bcast(x, n, MPI_FLOAT, 0, MPI_COMM_WORLD);
    return err == MPI_SUCCESS ? RL_OK : mpi_fail(err, "MPI_Bcast (parameters)");
}

/* FNV-1a over the bytes: any bit difference shows. */
static uint64_t checksum(const float *x, int n)
{
    uint64_t h = 1469598103934665603ULL;
    const unsigned char *b = (const unsigned char *)x;
    for (size_t i = 0; i < (size_t)n * sizeof(float); i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

int rl_comm_check_drift(const float *x, int n, const char *what)
{
    if (g_size <= 1) return RL_OK;
    uint64_t mine = checksum(x, n), root = mine;
    int err = MPI_Bcast(&root, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (err != MPI_SUCCESS) return mpi_fail(err, "MPI_Bcast (drift check)");
    /* Which ranks differ: a bitmask of the first 64, and a count of all. */
    double v[2] = {mine != root ? 1.0 : 0.0, mine != root && g_rank < 52 ? (double)(1ULL << g_rank) : 0};
    if ((err = MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD)) != MPI_SUCCESS)
        return mpi_fail(err, "MPI_Allreduce (drift check)");
    if (v[0] == 0) return RL_OK;
    char ranks[256] = "";
    size_t used = 0;
    uint64_t mask = (uint64_t)v[1];
    for (int r = 0; r < 52 && used < sizeof ranks - 8; r++)
        if (mask >> r & 1) used += (size_t)snprintf(ranks + used, sizeof ranks - used, "%s%d", used ? "," : "", r);
    return rl_error(RL_ESTATE, "MPI: %s drifted: %d rank(s) (%s) hold parameters that differ from "
                    "rank 0's (checksum mismatch); the ranks no longer train one model, so the "
                    "run stops (check that every rank runs the same binary and options)",
                    what, (int)v[0], ranks[0] ? ranks : "rank >= 52");
}

int rl_comm_merge_normalizer(rl_normalizer *nz, const rl_normalizer *base, rl_normalizer *delta)
{
    int d = nz->dim, rc = rl_normalizer_copy(nz, base);
    if (rc) return rc;
    size_t per = (size_t)(2 * d + 1), need = per * (size_t)(g_size + 1);
    if (need > g_gather_cap) {
        double *g = realloc(g_gather, sizeof(double) * need);
        if (!g) return rl_error(RL_ENOMEM, "out of memory");
        g_gather = g;
        g_gather_cap = need;
    }
    double *mine = g_gather + per * (size_t)g_size, *all = g_gather;
    mine[0] = delta->count;
    memcpy(mine + 1, delta->mean, sizeof(double) * (size_t)d);
    memcpy(mine + 1 + d, delta->m2, sizeof(double) * (size_t)d);
    if (g_size > 1) {
        int err = MPI_Allgather(mine, (int)per, MPI_DOUBLE, all, (int)per, MPI_DOUBLE, MPI_COMM_WORLD);
        if (err != MPI_SUCCESS) return mpi_fail(err, "MPI_Allgather (normaliser statistics)");
    } else {
        memcpy(all, mine, sizeof(double) * per);
    }
    /* Every rank merges the same numbers in the same order: identical results. */
    for (int r = 0; r < g_size; r++) {
        const double *s = all + per * (size_t)r;
        delta->count = s[0];
        memcpy(delta->mean, s + 1, sizeof(double) * (size_t)d);
        memcpy(delta->m2, s + 1 + d, sizeof(double) * (size_t)d);
        if ((rc = rl_normalizer_merge(nz, delta))) return rc;
    }
    rl_normalizer_reset(delta);
    return RL_OK;
}

uint64_t rl_comm_seed(uint64_t seed)
{
    return g_rank == 0 ? seed : rl_seed_derive(seed, 0x6d706900000000ULL + (uint64_t)g_rank);
}

void rl_comm_stats(double *s, int64_t *calls)
{
    if (s) *s = g_ar_seconds;
    if (calls) *calls = g_ar_calls;
}
