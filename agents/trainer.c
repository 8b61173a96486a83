/* rl_train: the run around an agent's training loop. Builds the agent (or
 * resumes it), the vector env and the run directory (config.txt,
 * metrics.csv, checkpoints), and serves the loop with episode statistics,
 * progress callbacks, stop requests and non-finite checks. */
#include "agents/agent.h"
#include "agents/comm.h"
#include "agents/rundir.h"
#include "core/file.h"
#include "core/tb.h"
#include "envs/env_internal.h"
#include "envs/vec.h"

#include <ctype.h>
#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
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
    char dir[4096];
    int lock_fd;           /* holds the run directory's lock (writer only) */
    double save_interval, last_latest; /* wall-clock latest.rlt saves */
    FILE *csv;
    int csv_header;        /* header written (or present from a resumed run) */
    rl_tb *tb;             /* the same rows as TensorBoard scalars */
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
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", tr->dir, name);
    return rl_agent_save(tr->ag, path, training_state);
}

/* latest.rlt: the full training state, replaced atomically. After a step
 * checkpoint it is a hard link to that file (no second write). */
static int save_latest(rl_trainer *tr, const char *same_as)
{
    tr->last_latest = now();
    if (same_as) {
        char from[4200], tmp[4200], to[4200];
        snprintf(from, sizeof from, "%s/%s", tr->dir, same_as);
        snprintf(tmp, sizeof tmp, "%s/latest.rlt.tmp.%ld", tr->dir, (long)getpid());
        snprintf(to, sizeof to, "%s/latest.rlt", tr->dir);
        unlink(tmp);
        if (!link(from, tmp)) {
            if (!rename(tmp, to)) {
                rl_file_fsync_dir_of(to);
                return RL_OK;
            }
            unlink(tmp);
        }
    }
    return save_ckpt(tr, "latest.rlt", 1);
}

/* The metrics.csv row as TensorBoard scalars tagged with the column names
 * (success_rate only where the task defines success). */
static void write_tb_row(rl_trainer *tr, const rl_metric *m, int n_m, const double *fixed)
{
    static const char *const names[] = {"wall_time", "episodes", "return_mean", "return_min",
                                        "return_max", "success_rate", "steps_per_sec"};
    const char *tags[7 + MAX_METRICS];
    double v[7 + MAX_METRICS];
    int n = 0;
    for (int i = 0; i < 7 + n_m && i < 7 + MAX_METRICS; i++) {
        if (i == 5 && fixed[5] < 0) continue;
        tags[n] = i < 7 ? names[i] : m[i - 7].name;
        v[n++] = i < 7 ? fixed[i] : m[i - 7].value;
    }
    if (tr->tb && rl_tb_scalars(tr->tb, tr->ag->steps_done, tags, v, n)) {
        rl_tb_close(tr->tb); /* a full disk stops the dashboard; metrics.csv reports it */
        tr->tb = NULL;
    }
}

static int write_row(rl_trainer *tr, const rl_metric *m, int n_m, double wall)
{
    if (!tr->csv) return RL_OK;
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
    write_tb_row(tr, m, n_m, (double[]){wall, (double)tr->ag->episodes_done, mean, lo, hi,
                                        recent_success(tr), sps});
    errno = 0;
    int fault = rl_file_write_fault(); /* test hook: a full disk */
    if (fault || fflush(tr->csv) != 0 || ferror(tr->csv))
        return rl_error(RL_EIO, "cannot write %s/metrics.csv: %s; training stopped (the "
                        "checkpoints written so far are intact: free space, then --resume %s)",
                        tr->dir, strerror(fault ? ENOSPC : errno ? errno : EIO), tr->dir);
    return RL_OK;
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
        if (write_row(tr, m, n_m, wall)) {
            tr->status = rl_last_code();
            return 1;
        }
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
        if (save_ckpt(tr, name, 1) || save_latest(tr, name)) {
            tr->status = rl_last_code();
            return 1;
        }
        while (tr->next_ckpt <= ag->steps_done) tr->next_ckpt += tr->ckpt_every;
    } else if (t - tr->last_latest >= tr->save_interval && !at_end) {
        if (save_latest(tr, NULL)) {
            tr->status = rl_last_code();
            return 1;
        }
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

/* The agent's "envs" hyperparameter, read through its option table. */
static int agent_envs(const rl_agent *ag)
{
    const rl_optdef *d = rl_opts_find(ag->vt->opts, ag->vt->n_opts, "envs");
    return d ? *(const int *)((const char *)ag->cfg + d->offset) : 1;
}

static int write_config(const rl_trainer *tr)
{
    char path[4200], text[8192];
    snprintf(path, sizeof path, "%s/config.txt", tr->dir);
    const rl_agent *ag = tr->ag;
    snprintf(text, sizeof text, "rltool %s\nenv_id: %s\nenv_opts: %s\nagent: %s\npolicy: %s\n"
             "policy_opts: %s\nhparams: %s\nseed: %llu\nsteps: %lld\nstart_step: %lld\n"
             "envs: %d\nthreads: %d\n",
             rl_version(), ag->env_id, ag->env_opts, ag->vt->name, ag->policy, ag->policy_opts,
             ag->hparams, (unsigned long long)ag->seed, (long long)tr->total,
             (long long)tr->start_step, rl_vec_num_envs(tr->vec), tr->n_threads);
    return rl_file_write_atomic(path, text, strlen(text));
}

/* The newest full training state of a run directory (final.rlt,
 * latest.rlt or step-N.rlt, whichever holds the most steps), or the named
 * checkpoint file. A candidate that fails to load is skipped for the next
 * newest, so a damaged file never sends a run back to the start. */
static rl_agent *resume_agent(const char *resume)
{
    struct stat st;
    if (stat(resume, &st) != 0) {
        rl_error(RL_ENOTFOUND, "no such checkpoint or run directory: %s", resume);
        return NULL;
    }
    char one[1][4096], (*paths)[4096] = one;
    int n = 1;
    if (S_ISDIR(st.st_mode)) {
        paths = malloc(sizeof *paths * 64);
        if (!paths) {
            rl_error(RL_ENOMEM, "out of memory");
            return NULL;
        }
        n = rl_rundir_states(resume, paths, NULL, 64);
        if (n == 0)
            rl_error(RL_ENOTFOUND, "run directory %s holds no checkpoint with training state "
                     "(final.rlt, latest.rlt or step-N.rlt); train it afresh with --overwrite",
                     resume);
    } else if (snprintf(one[0], sizeof one[0], "%s", resume) >= (int)sizeof one[0]) {
        rl_error(RL_EINVAL, "path too long: %.80s...", resume);
        return NULL;
    }
    rl_agent *ag = NULL;
    char first_err[1024] = "";
    for (int i = 0; i < n && !ag; i++) {
        rl_ckpt *ck = rl_ckpt_load(paths[i]);
        if (ck) ag = rl_agent_from_ckpt(ck, paths[i], 1);
        rl_ckpt_free(ck);
        if (!ag && !first_err[0]) snprintf(first_err, sizeof first_err, "%s", rl_last_error());
    }
    int code = rl_last_code();
    if (paths != one) free(paths);
    if (!ag && first_err[0]) rl_error(code, "%s", first_err);
    return ag;
}

/* Lock the run directory, clean what a killed writer left, and refuse to
 * replace an existing run unless asked to (or when continuing it). */
static int open_run_dir(rl_trainer *tr, const rl_train_cfg *cfg, const char *resume_dir)
{
    int rc = rl_rundir_lock(tr->dir, &tr->lock_fd);
    if (rc) return rc;
    rl_rundir_clean_temps(tr->dir);
    int continuing = resume_dir && rl_rundir_same(resume_dir, tr->dir);
    if (continuing || !rl_rundir_has_run(tr->dir)) return RL_OK;
    if (cfg->overwrite) return rl_rundir_clear(tr->dir);
    return rl_error(RL_EINVAL, "%s already holds a run (config.txt, metrics.csv or "
                    "checkpoints); continue it with --resume %s, replace it with --overwrite, or "
                    "choose another --out", tr->dir, tr->dir);
}

/* metrics.csv: on a resumed run, rows past the resumed state are cut (they
 * would repeat) and new rows appended; otherwise a new file. The TensorBoard
 * files written before are cut the same way; the resumed run opens a new one. */
static int open_metrics(rl_trainer *tr, int continuing)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/metrics.csv", tr->dir);
    int rc = continuing ? rl_rundir_truncate_metrics(tr->dir, tr->start_step) : RL_OK;
    if (!rc && continuing) rc = rl_rundir_truncate_events(tr->dir, tr->start_step);
    if (rc) return rc;
    struct stat st;
    tr->csv_header = continuing && !stat(path, &st) && st.st_size > 0;
    tr->csv = fopen(path, tr->csv_header ? "a" : "w");
    if (!tr->csv) return rl_error(RL_EIO, "cannot write %s: %s", path, strerror(errno));
    if (!(tr->tb = rl_tb_open(tr->dir))) return rl_last_code();
    return RL_OK;
}

/* Several ranks: rank 0 alone sets up the directory; every rank learns
 * whether it failed, so none waits in a collective for a rank that left. */
static int agree_on_setup(int rc)
{
    if (rl_comm_size() <= 1) return rc;
    double v = rc != 0;
    int crc = rl_comm_allreduce_sum_double(&v, 1);
    if (crc) return crc;
    if (v != 0 && !rc) rc = rl_error(RL_EIO, "rank 0 could not set up the run (see its message)");
    return rc;
}

/* The run's agent: resumed from a checkpoint or created from the config. */
static rl_agent *make_agent(const rl_train_cfg *cfg)
{
    if (cfg->resume) {
        rl_agent *ag = resume_agent(cfg->resume);
        if (ag && cfg->env_id && strcmp(cfg->env_id, ag->env_id)) {
            /* The message reads ag->env_id: set it before freeing ag. */
            rl_error(RL_EINVAL, "cannot resume a %s run on %s (drop the env id, or train %s "
                     "into a new directory)", ag->env_id, cfg->env_id, cfg->env_id);
            rl_agent_free(ag);
            return NULL;
        }
        return ag;
    }
    const char *env_id = cfg->env_id ? cfg->env_id : rl_default_env_id();
    if (!rl_task_find_or_error(env_id)) return NULL;
    const char *agent = cfg->agent ? cfg->agent : rl_recommended_agent(env_id);
    char hp[4096];
    snprintf(hp, sizeof hp, "%s", cfg->hparams ? cfg->hparams : "");
    if (cfg->n_envs > 0) {
        size_t used = strlen(hp);
        snprintf(hp + used, sizeof hp - used, "%senvs=%d", used ? "," : "", cfg->n_envs);
    }
    return rl_agent_create(agent, cfg->policy, env_id, cfg->env_opts, hp, cfg->seed);
}

static int check_parallel(const rl_agent *ag)
{
    if (rl_comm_size() <= 1 || ag->vt->mpi) return RL_OK;
    char known[256] = "";
    for (int i = 0, used = 0; i < rl_agent_count(); i++)
        if (rl_agent_at(i)->mpi)
            used += snprintf(known + used, sizeof known - used, "%s%s", used ? ", " : "",
                             rl_agent_at(i)->name);
    return rl_error(RL_EINVAL, "agent %s has no data-parallel (MPI) training; with %d ranks use "
                    "%s, or run it as one process", ag->vt->name, rl_comm_size(), known);
}

/* The total budget a run directory's config.txt records (0 if none). */
static int64_t recorded_budget(const char *dir)
{
    char path[4200];
    unsigned char *text;
    size_t n;
    long long v = 0;
    snprintf(path, sizeof path, "%s/config.txt", dir);
    if (rl_file_read_all(path, "config", 1 << 20, &text, &n)) return 0;
    const char *at = strstr((const char *)text, "\nsteps: ");
    if (at) {
        char num[32];
        size_t k = strcspn(at + 8, "\n");
        if (k < sizeof num) {
            memcpy(num, at + 8, k);
            num[k] = 0;
            if (rl_parse_int(num, &v) || v < 0) v = 0;
        }
    }
    free(text);
    return v;
}

/* The step budget: --more counts from the resumed state, --steps is the
 * total (resumed steps included); a resumed run keeps the total it was
 * started with; else the recipe's budget. */
static int set_budget(rl_trainer *tr, const rl_train_cfg *cfg, const char *resume_dir)
{
    const rl_agent *ag = tr->ag;
    const rl_recipe *rec = rl_recipe_find(ag->vt->name, ag->env_id);
    int64_t recorded = cfg->resume && resume_dir[0] ? recorded_budget(resume_dir) : 0;
    if (cfg->steps < 0 || cfg->more_steps < 0)
        return rl_error(RL_EINVAL, "steps must be positive (got %lld)",
                        (long long)(cfg->steps < 0 ? cfg->steps : cfg->more_steps));
    tr->start_step = ag->steps_done;
    if (cfg->more_steps > 0) tr->total = tr->start_step + cfg->more_steps;
    else if (cfg->steps > 0) tr->total = cfg->steps;
    else tr->total = recorded > 0 ? recorded : rec ? rec->steps : 100000;
    if (tr->start_step >= tr->total)
        return rl_error(RL_EINVAL, "this run already has %lld steps and --steps is the total "
                        "(%lld); pass a larger --steps, or --more N for N more steps",
                        (long long)tr->start_step, (long long)tr->total);
    return RL_OK;
}

/* Where the run goes: --out, else the resumed run's directory, else
 * runs/<env>-<agent>-s<seed>. */
static int set_dir(rl_trainer *tr, const rl_train_cfg *cfg, char *resume_dir, size_t cap)
{
    resume_dir[0] = 0;
    if (cfg->resume && rl_rundir_of(cfg->resume, resume_dir, cap)) return rl_last_code();
    if (cfg->out_dir && !cfg->out_dir[0])
        return rl_error(RL_EINVAL, "the run directory (--out) is empty");
    const char *d = cfg->out_dir ? cfg->out_dir : resume_dir;
    if (d[0] && snprintf(tr->dir, sizeof tr->dir, "%s", d) >= (int)sizeof tr->dir)
        return rl_error(RL_EINVAL, "the run directory path is longer than %zu bytes",
                        sizeof tr->dir - 1);
    return RL_OK;
}

/* Set up and run one training session; frees nothing of the caller's. */
static int train_session(rl_trainer *tr, const rl_train_cfg *cfg)
{
    char resume_dir[4096];
    int rc = set_dir(tr, cfg, resume_dir, sizeof resume_dir);
    /* A resumed run's directory is locked before its newest state is read.
     * A new run's is touched only once its agent could be made: a typo in
     * an option then neither leaves an empty directory behind nor clears
     * the run that --overwrite was to replace. */
    if (!rc && cfg->resume && tr->writer) rc = open_run_dir(tr, cfg, resume_dir);
    if (!rc && !(tr->ag = make_agent(cfg))) rc = rl_last_code();
    if (!rc) rc = check_parallel(tr->ag);
    if (!rc) rc = set_budget(tr, cfg, resume_dir);
    if (!rc && !tr->dir[0])
        rl_run_dir_default(tr->dir, sizeof tr->dir, tr->ag->env_id, tr->ag->vt->name,
                           tr->ag->seed);
    if (!rc && !cfg->resume && tr->writer) rc = open_run_dir(tr, cfg, NULL);
    rc = agree_on_setup(rc);
    if (rc) return rc;
    rl_agent *ag = tr->ag;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    tr->n_threads = cfg->n_threads > 0 ? cfg->n_threads : (int)(cores > 0 ? cores : 1);
    tr->synced_steps = tr->start_step;
    tr->synced_episodes = ag->episodes_done;
    tr->vec = rl_vec_make(ag->env_id, ag->env_opts, agent_envs(ag), tr->n_threads);
    if (!tr->vec) rc = rl_last_code();
    if (!rc) rc = rl_vec_set_autoreset(tr->vec, RL_AUTORESET_SAME_STEP);
    if (!rc) rc = rl_vec_reset(tr->vec, (int64_t)(rl_seed_derive(rl_comm_seed(ag->seed),
                                                                  (uint64_t)tr->start_step) >> 1));
    if (!rc && tr->writer) rc = write_config(tr);
    int continuing = cfg->resume && resume_dir[0] && rl_rundir_same(resume_dir, tr->dir);
    if (!rc && tr->writer && continuing) rc = rl_rundir_drop_after(tr->dir, tr->start_step);
    if (!rc && tr->writer) rc = open_metrics(tr, continuing);
    if (rc) return rc;
    int64_t span = tr->total - tr->start_step;
    tr->log_every = span / 200 > 1000 ? span / 200 : 1000;
    tr->next_log = tr->start_step + tr->log_every;
    tr->ckpt_every = span / 5 > 1 ? span / 5 : 1;
    tr->next_ckpt = tr->start_step + tr->ckpt_every;
    tr->save_interval = cfg->save_interval > 0 ? cfg->save_interval : 60;
    tr->t0 = tr->last_latest = now();
    tr->last_progress = tr->t0 - 1; /* the first tick reports */
    /* Training sgemms are small (a minibatch by a few hundred units):
     * OpenBLAS threads would cost more than they give and would fight
     * the env threads for the same cores. */
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    if (ag->vt->set_pool) ag->vt->set_pool(ag, rl_vec_pool(tr->vec));
    rc = ag->vt->train(ag, tr);
    if (ag->vt->set_pool) ag->vt->set_pool(ag, NULL);
    openblas_set_num_threads(blas_threads);
    if (!rc) rc = tr->status;
    double wall = now() - tr->t0;
    if (rc == RL_OK || rc == RL_EINTERRUPT) {
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
        if (!save_rc && tr->writer) { /* final.rlt now holds the newest state */
            char latest[4200];
            snprintf(latest, sizeof latest, "%s/latest.rlt", tr->dir);
            unlink(latest);
        }
    }
    char saved[1024];
    snprintf(saved, sizeof saved, "%s", rl_last_error());
    call_progress(tr, wall, 1);
    if (rc) rl_error(rc, "%s", saved);
    return rc;
}

void rl_env_short_name(char *out, size_t cap, const char *env_id)
{
    const char *base = strrchr(env_id, '/');
    base = base ? base + 1 : (strchr(env_id, ':') ? strchr(env_id, ':') + 1 : env_id);
    snprintf(out, cap, "%s", base);
    char *dot = strrchr(out, '.');
    if (dot && dot != out && (!strcmp(dot, ".task") || !strcmp(dot, ".xml"))) *dot = 0;
    for (char *c = out; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("._-", *c)) *c = '_';
    if (!out[0]) snprintf(out, cap, "env");
}

void rl_run_dir_default(char *out, size_t cap, const char *env_id, const char *agent,
                        uint64_t seed)
{
    char name[128];
    rl_env_short_name(name, sizeof name, env_id);
    snprintf(out, cap, "runs/%s-%s-s%llu", name, agent, (unsigned long long)seed);
}

int rl_train(const rl_train_cfg *cfg)
{
    if (!cfg) return rl_error(RL_EINVAL, "rl_train: cfg is NULL");
    interrupted = 0;
    rl_trainer tr_storage = {0}, *tr = &tr_storage;
    tr->cfg = cfg;
    tr->writer = 1;
    tr->lock_fd = -1;
    if (rl_comm_launched()) { /* under mpirun: data-parallel over the ranks */
        int crc = rl_comm_init();
        if (crc) return crc;
        tr->writer = rl_comm_rank() == 0;
        tr->cfg_copy = *cfg;
        if (!tr->writer) tr->cfg_copy.progress = NULL;
        tr->cfg = &tr->cfg_copy;
    }
    tr->best = -INFINITY;
    int rc = train_session(tr, tr->cfg);
    if (tr->csv && fclose(tr->csv) != 0 && !rc)
        rc = rl_error(RL_EIO, "cannot write %s/metrics.csv: %s", tr->dir, strerror(errno));
    rl_tb_close(tr->tb);
    rl_vec_free(tr->vec);
    rl_agent_free(tr->ag);
    if (tr->lock_fd >= 0) close(tr->lock_fd);
    return rc;
}
