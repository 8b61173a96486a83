/* rl_train: the run around an agent's training loop. Builds the agent (or
 * resumes it), the vector env and the run directory (config.txt,
 * metrics.csv, checkpoints), and serves the loop with episode statistics,
 * progress callbacks, stop requests and non-finite checks. */
#include "agents/agent.h"
#include "agents/comm.h"

#include <ctype.h>
#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RECENT 20        /* episodes in the "recent return" window */
#define MAX_METRICS 16

/* Set from a signal handler; the only process-wide state of training. */
static volatile sig_atomic_t interrupted;

void rl_train_interrupt(void) { interrupted = 1; }

struct rl_trainer {
    const rl_train_cfg *cfg;
    rl_agent *ag;
    rl_vec *vec;
    int n_threads;
    int64_t total, start_step;
    char dir[1024];
    FILE *csv;
    int csv_header;        /* header written (or present from a resumed run) */
    double t0, last_progress;
    int64_t log_every, next_log, ckpt_every, next_ckpt;
    double recent[RECENT];
    int recent_success[RECENT];
    int n_recent, recent_pos, n_success_known;
    double best;
    int status;            /* RL_OK, RL_ENUMERIC, RL_EINTERRUPT */
    int stopped_by_user;
    /* Data-parallel runs (rl_comm_size() > 1): only rank 0 writes files and
     * reports progress; steps and episodes are counted over all ranks. */
    int writer;            /* 1 on rank 0 (and in every single-process run) */
    int64_t synced_steps, synced_episodes;
    int pending_stop;      /* rank 0: stop at the next tick (1 + -status) */
    rl_train_cfg cfg_copy; /* cfg without the progress callback on ranks > 0 */
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

rl_vec *rl_trainer_vec(rl_trainer *tr) { return tr->vec; }
int64_t rl_trainer_total_steps(const rl_trainer *tr) { return tr->total; }
int rl_trainer_threads(const rl_trainer *tr) { return tr->n_threads; }
int rl_trainer_status(const rl_trainer *tr) { return tr->status; }

void rl_trainer_episodes(rl_trainer *tr, const rl_info *infos, int n)
{
    for (int i = 0; i < n; i++) {
        if (!infos[i].done) continue;
        tr->recent[tr->recent_pos] = infos[i].episode_return;
        tr->recent_success[tr->recent_pos] = infos[i].success;
        tr->recent_pos = (tr->recent_pos + 1) % RECENT;
        if (tr->n_recent < RECENT) tr->n_recent++;
        tr->ag->episodes_done++;
    }
}

double rl_trainer_recent_return(const rl_trainer *tr)
{
    if (!tr->n_recent) return NAN;
    double s = 0;
    for (int i = 0; i < tr->n_recent; i++) s += tr->recent[i];
    return s / tr->n_recent;
}

static double recent_success(const rl_trainer *tr)
{
    int known = 0, yes = 0;
    for (int i = 0; i < tr->n_recent; i++)
        if (tr->recent_success[i] >= 0) {
            known++;
            yes += tr->recent_success[i];
        }
    return known ? (double)yes / known : -1;
}

static int save_ckpt(rl_trainer *tr, const char *name, int training_state)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", tr->dir, name);
    return rl_agent_save(tr->ag, path, training_state);
}

static void write_row(rl_trainer *tr, const rl_metric *m, int n_m, double wall)
{
    if (!tr->csv) return;
    if (!tr->csv_header) {
        fprintf(tr->csv, "step,wall_time,episodes,return_mean,return_min,return_max,success_rate,"
                         "steps_per_sec");
        for (int i = 0; i < n_m; i++) fprintf(tr->csv, ",%s", m[i].name);
        fputc('\n', tr->csv);
        tr->csv_header = 1;
    }
    double mean = rl_trainer_recent_return(tr), lo = NAN, hi = NAN;
    for (int i = 0; i < tr->n_recent; i++) {
        if (i == 0 || tr->recent[i] < lo) lo = tr->recent[i];
        if (i == 0 || tr->recent[i] > hi) hi = tr->recent[i];
    }
    double sps = wall > 0 ? (double)(tr->ag->steps_done - tr->start_step) / wall : 0;
    fprintf(tr->csv, "%lld,%.3f,%lld,%.6g,%.6g,%.6g,%.4g,%.1f", (long long)tr->ag->steps_done, wall,
            (long long)tr->ag->episodes_done, mean, lo, hi, recent_success(tr), sps);
    for (int i = 0; i < n_m; i++) fprintf(tr->csv, ",%.6g", m[i].value);
    fputc('\n', tr->csv);
    fflush(tr->csv);
}

static int call_progress(rl_trainer *tr, double wall, int done)
{
    if (!tr->cfg->progress) return 0;
    rl_progress p = {
        .step = tr->ag->steps_done,
        .total_steps = tr->total,
        .episodes = tr->ag->episodes_done,
        .wall_time = wall,
        .steps_per_sec = wall > 0 ? (double)(tr->ag->steps_done - tr->start_step) / wall : 0,
        .recent_return = rl_trainer_recent_return(tr),
        .recent_success = recent_success(tr),
        .done = done,
    };
    return tr->cfg->progress(tr->cfg->user, &p);
}

static int tick_local(rl_trainer *tr, const rl_metric *m, int n_m)
{
    rl_agent *ag = tr->ag;
    double t = now(), wall = t - tr->t0;
    for (int i = 0; i < n_m; i++)
        if (!isfinite(m[i].value)) {
            tr->status = rl_error(RL_ENUMERIC, "%s became %g at step %lld; training stopped "
                                  "(checkpoints written before this point are intact)",
                                  m[i].name, m[i].value, (long long)ag->steps_done);
            return 1;
        }
    int at_end = ag->steps_done >= tr->total;
    if (ag->steps_done >= tr->next_log || at_end) {
        if (ag->vt->params_finite && !ag->vt->params_finite(ag)) {
            tr->status = rl_error(RL_ENUMERIC, "parameters became non-finite at step %lld; "
                                  "training stopped (earlier checkpoints are intact)",
                                  (long long)ag->steps_done);
            return 1;
        }
        write_row(tr, m, n_m, wall);
        while (tr->next_log <= ag->steps_done) tr->next_log += tr->log_every;
        double r = rl_trainer_recent_return(tr);
        if (tr->n_recent >= 5 && r > tr->best) {
            tr->best = r;
            if (save_ckpt(tr, "best.rlt", 0)) {
                tr->status = rl_last_code();
                return 1;
            }
        }
    }
    if (ag->steps_done >= tr->next_ckpt && !at_end) {
        char name[64];
        snprintf(name, sizeof name, "step-%lld.rlt", (long long)ag->steps_done);
        if (save_ckpt(tr, name, 1)) {
            tr->status = rl_last_code();
            return 1;
        }
        while (tr->next_ckpt <= ag->steps_done) tr->next_ckpt += tr->ckpt_every;
    }
    if (t - tr->last_progress >= 0.5 || at_end) {
        tr->last_progress = t;
        if (call_progress(tr, wall, 0)) {
            tr->stopped_by_user = 1;
            return 1;
        }
    }
    if (interrupted) {
        tr->status = RL_EINTERRUPT;
        return 1;
    }
    return at_end;
}

/* Several ranks: agree on the global step and episode counts and on
 * stopping (one small allreduce per iteration); rank 0 alone logs, draws
 * progress and writes checkpoints. A stop that only rank 0 can see (a
 * failed write, the progress callback) takes effect at the next tick on
 * every rank, so no rank is left waiting in a collective. */
static int tick_ranks(rl_trainer *tr, const rl_metric *m, int n_m)
{
    rl_agent *ag = tr->ag;
    int bad = 0;
    for (int i = 0; i < n_m; i++) bad |= !isfinite(m[i].value);
    double v[5] = {(double)(ag->steps_done - tr->synced_steps),
                   (double)(ag->episodes_done - tr->synced_episodes), bad, interrupted != 0,
                   tr->pending_stop};
    int rc = rl_comm_allreduce_sum_double(v, 5);
    if (rc) {
        tr->status = rc;
        return 1;
    }
    ag->steps_done = tr->synced_steps += (int64_t)v[0];
    ag->episodes_done = tr->synced_episodes += (int64_t)v[1];
    if (v[4] != 0) { /* rank 0 asked to stop at its last tick */
        if (!tr->writer) tr->status = -(int)(v[4] - 1);
        if (!tr->writer && tr->status)
            rl_error(tr->status, "rank 0 stopped the run (see its message)");
        return 1;
    }
    if (v[3] != 0) {
        tr->status = RL_EINTERRUPT;
        return 1;
    }
    if (v[2] != 0 && !bad) {
        tr->status = rl_error(RL_ENUMERIC, "a training metric became non-finite on another rank "
                              "at step %lld; training stopped", (long long)ag->steps_done);
        return 1;
    }
    int at_end = ag->steps_done >= tr->total;
    if (!tr->writer) {
        if (bad) return tick_local(tr, m, n_m); /* sets the NaN message */
        return at_end;
    }
    int stop = tick_local(tr, m, n_m);
    if (stop && !at_end && !bad && tr->status != RL_EINTERRUPT) {
        tr->pending_stop = 1 - tr->status;
        return 0;
    }
    return stop;
}

int rl_trainer_tick(rl_trainer *tr, const rl_metric *m, int n_m)
{
    if (rl_comm_size() > 1) return tick_ranks(tr, m, n_m);
    return tick_local(tr, m, n_m);
}

static int mkdir_p(const char *path)
{
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(tmp, 0755) && errno != EEXIST)
            return rl_error(RL_EIO, "cannot create directory %s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) && errno != EEXIST)
        return rl_error(RL_EIO, "cannot create directory %s: %s", tmp, strerror(errno));
    return RL_OK;
}

/* The agent's "envs" hyperparameter, read through its option table. */
static int agent_envs(const rl_agent *ag)
{
    const rl_optdef *d = rl_opts_find(ag->vt->opts, ag->vt->n_opts, "envs");
    return d ? *(const int *)((const char *)ag->cfg + d->offset) : 1;
}

static int write_config(const rl_trainer *tr)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/config.txt", tr->dir);
    FILE *f = fopen(path, "w");
    if (!f) return rl_error(RL_EIO, "cannot write %s: %s", path, strerror(errno));
    const rl_agent *ag = tr->ag;
    fprintf(f, "rltool %s\nenv_id: %s\nenv_opts: %s\nagent: %s\npolicy: %s\npolicy_opts: %s\n"
               "hparams: %s\nseed: %llu\nsteps: %lld\nstart_step: %lld\nenvs: %d\nthreads: %d\n",
            rl_version(), ag->env_id, ag->env_opts, ag->vt->name, ag->policy, ag->policy_opts,
            ag->hparams, (unsigned long long)ag->seed, (long long)tr->total,
            (long long)tr->start_step, rl_vec_num_envs(tr->vec), tr->n_threads);
    fclose(f);
    return RL_OK;
}

static rl_agent *resume_agent(const char *resume, char *dir, size_t cap)
{
    char file[1200];
    if (rl_agent_resolve_path(resume, file, sizeof file)) return NULL;
    struct stat st;
    if (!stat(resume, &st) && S_ISDIR(st.st_mode))
        snprintf(dir, cap, "%s", resume);
    rl_ckpt *ck = rl_ckpt_load(file);
    if (!ck) return NULL;
    rl_agent *ag = rl_agent_from_ckpt(ck, file, 1);
    rl_ckpt_free(ck);
    return ag;
}

void rl_run_dir_default(char *out, size_t cap, const char *env_id, const char *agent,
                        uint64_t seed)
{
    const char *base = strrchr(env_id, '/');
    base = base ? base + 1 : (strchr(env_id, ':') ? strchr(env_id, ':') + 1 : env_id);
    char name[128];
    snprintf(name, sizeof name, "%s", base);
    char *dot = strrchr(name, '.');
    if (dot && dot != name && (!strcmp(dot, ".task") || !strcmp(dot, ".xml"))) *dot = 0;
    for (char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("._-", *c)) *c = '_';
    snprintf(out, cap, "runs/%s-%s-s%llu", name[0] ? name : "env", agent,
             (unsigned long long)seed);
}

int rl_train(const rl_train_cfg *cfg)
{
    if (!cfg) return rl_error(RL_EINVAL, "rl_train: cfg is NULL");
    interrupted = 0;
    rl_trainer tr_storage = {0}, *tr = &tr_storage;
    tr->cfg = cfg;
    tr->writer = 1;
    if (rl_comm_launched()) { /* under mpirun: data-parallel over the ranks */
        int crc = rl_comm_init();
        if (crc) return crc;
        tr->writer = rl_comm_rank() == 0;
        tr->cfg_copy = *cfg;
        if (!tr->writer) tr->cfg_copy.progress = NULL;
        tr->cfg = &tr->cfg_copy;
    }
    tr->best = -INFINITY;
    rl_agent *ag = NULL;
    int rc = RL_OK;
    const char *env_id = cfg->env_id ? cfg->env_id : rl_default_env_id();
    if (cfg->resume) {
        ag = resume_agent(cfg->resume, tr->dir, sizeof tr->dir);
        if (!ag) return rl_last_code();
        if (cfg->env_id && strcmp(cfg->env_id, ag->env_id)) {
            rl_agent_free(ag);
            return rl_error(RL_EINVAL, "cannot resume a %s run on %s", ag->env_id, cfg->env_id);
        }
        env_id = ag->env_id;
    } else {
        if (!rl_task_find(env_id)) {
            rl_env_free(rl_env_make(env_id, NULL));
            return rl_last_code();
        }
        const rl_recipe *rec = rl_recipe_find(cfg->agent, env_id);
        const char *agent = cfg->agent ? cfg->agent : (rec ? rec->agent : "ppo");
        char hp[4096];
        snprintf(hp, sizeof hp, "%s", cfg->hparams ? cfg->hparams : "");
        if (cfg->n_envs > 0) {
            size_t used = strlen(hp);
            snprintf(hp + used, sizeof hp - used, "%senvs=%d", used ? "," : "", cfg->n_envs);
        }
        ag = rl_agent_create(agent, cfg->policy, env_id, cfg->env_opts, hp, cfg->seed);
        if (!ag) return rl_last_code();
    }
    tr->ag = ag;
    if (rl_comm_size() > 1) {
        static const char *const parallel[] = {"ppo", "td3", "es", "ncap"};
        int ok = 0;
        for (size_t i = 0; i < sizeof parallel / sizeof parallel[0]; i++)
            ok |= !strcmp(ag->vt->name, parallel[i]);
        if (!ok) {
            rl_agent_free(ag);
            return rl_error(RL_EINVAL, "agent %s has no data-parallel (MPI) training; with %d "
                            "ranks use ppo, td3, es or ncap, or run it as one process",
                            ag->vt->name, rl_comm_size());
        }
    }
    const rl_recipe *rec = rl_recipe_find(ag->vt->name, env_id);
    tr->total = cfg->steps > 0 ? cfg->steps : (rec ? rec->steps : 100000);
    tr->start_step = ag->steps_done;
    if (tr->start_step >= tr->total) {
        rl_agent_free(ag);
        return rl_error(RL_EINVAL, "this run already has %lld steps; pass a larger --steps to "
                        "continue it", (long long)tr->start_step);
    }
    if (cfg->out_dir) snprintf(tr->dir, sizeof tr->dir, "%s", cfg->out_dir);
    if (!tr->dir[0])
        rl_run_dir_default(tr->dir, sizeof tr->dir, ag->env_id, ag->vt->name, ag->seed);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    tr->n_threads = cfg->n_threads > 0 ? cfg->n_threads : (int)(cores > 0 ? cores : 1);
    tr->synced_steps = tr->start_step;
    tr->synced_episodes = ag->episodes_done;
    rc = tr->writer ? mkdir_p(tr->dir) : RL_OK;
    if (!rc) {
        tr->vec = rl_vec_make(env_id, ag->env_opts, agent_envs(ag), tr->n_threads);
        if (!tr->vec) rc = rl_last_code();
    }
    if (!rc) rc = rl_vec_set_autoreset(tr->vec, RL_AUTORESET_SAME_STEP);
    if (!rc) rc = rl_vec_reset(tr->vec, (int64_t)(rl_seed_derive(rl_comm_seed(ag->seed),
                                                                  (uint64_t)tr->start_step) >> 1));
    if (!rc && tr->writer) rc = write_config(tr);
    if (!rc && tr->writer) {
        char path[1200];
        snprintf(path, sizeof path, "%s/metrics.csv", tr->dir);
        struct stat st;
        tr->csv_header = cfg->resume && !stat(path, &st) && st.st_size > 0;
        tr->csv = fopen(path, tr->csv_header ? "a" : "w");
        if (!tr->csv) rc = rl_error(RL_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    if (!rc) {
        int64_t span = tr->total - tr->start_step;
        tr->log_every = span / 200 > 1000 ? span / 200 : 1000;
        tr->next_log = tr->start_step + tr->log_every;
        tr->ckpt_every = span / 5 > 1 ? span / 5 : 1;
        tr->next_ckpt = tr->start_step + tr->ckpt_every;
        tr->t0 = now();
        tr->last_progress = tr->t0 - 1; /* the first tick reports */
        /* Training sgemms are small (a minibatch by a few hundred units):
         * OpenBLAS threads would cost more than they give and would fight
         * the env threads for the same cores. */
        int blas_threads = openblas_get_num_threads();
        openblas_set_num_threads(1);
        rc = ag->vt->train(ag, tr);
        openblas_set_num_threads(blas_threads);
        if (!rc) rc = tr->status;
        double wall = now() - tr->t0;
        if (rc == RL_OK || rc == RL_EINTERRUPT) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", rl_last_error());
            int save_rc = tr->writer ? save_ckpt(tr, "final.rlt", 1) : RL_OK;
            /* Test hook: every rank writes its own final state, so a test
             * can check that the ranks hold identical parameters. */
            if (!tr->writer && !save_rc && getenv("RLTOOL_MPI_RANK_CKPT")) {
                char name[64];
                snprintf(name, sizeof name, "final.rank%d.rlt", rl_comm_rank());
                save_rc = save_ckpt(tr, name, 1);
            }
            if (save_rc) rc = save_rc;
            else if (rc == RL_EINTERRUPT)
                rl_error(RL_EINTERRUPT, "interrupted at step %lld; final checkpoint written to %s/"
                         "final.rlt (continue with --resume %s)", (long long)ag->steps_done,
                         tr->dir, tr->dir);
        }
        char saved[1024];
        snprintf(saved, sizeof saved, "%s", rl_last_error());
        call_progress(tr, wall, 1);
        if (rc) rl_error(rc, "%s", saved);
    }
    if (tr->csv) fclose(tr->csv);
    rl_vec_free(tr->vec);
    rl_agent_free(ag);
    return rc;
}
