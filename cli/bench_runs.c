/* rltool bench: the training runs. Which runs need what (train, resume,
 * evaluate, nothing), one child process per run (train or resume, then
 * evaluate the final checkpoint into eval.txt), at most `jobs` at once. */
#include "agents/agent.h"
#include "cli/bench.h"
#include "cli/cli.h"

#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* What a run directory needs: 0 nothing, 1 evaluation, 2 resume, 3 training. */
int bench_run_state(const run *r, const entry *e)
{
    char path[2200], v[256];
    snprintf(path, sizeof path, "%s/config.txt", r->dir);
    char want_seed[32], want_steps[32];
    snprintf(want_seed, sizeof want_seed, "%d", r->seed);
    snprintf(want_steps, sizeof want_steps, "%lld", e->steps);
    int match = bench_read_kv(path, "env_id", v, sizeof v) && !strcmp(v, e->task) &&
                bench_read_kv(path, "agent", v, sizeof v) && !strcmp(v, e->agent) &&
                bench_read_kv(path, "seed", v, sizeof v) && !strcmp(v, want_seed) &&
                bench_read_kv(path, "steps", v, sizeof v) && !strcmp(v, want_steps);
    snprintf(path, sizeof path, "%s/bench.txt", r->dir);
    if (match) match = bench_read_kv(path, "hparams", v, sizeof v) && !strcmp(v, e->hparams);
    snprintf(path, sizeof path, "%s/final.rlt", r->dir);
    if (!match || !bench_file_exists(path)) return 3;
    rl_ckpt *ck = rl_ckpt_load(path);
    if (!ck) return 3;
    const char *sd = rl_ckpt_meta(ck, "steps_done");
    long long done = sd ? atoll(sd) : 0;
    rl_ckpt_free(ck);
    if (done < e->steps) return 2;
    char ev[2200];
    snprintf(ev, sizeof ev, "%s/eval.txt", r->dir);
    return bench_file_mtime(ev) >= bench_file_mtime(path) ? 0 : 1;
}

/* Parameters of the networks that act, as the checkpoint's agent names
 * them (rl_agent_vt.net.acting: critics, targets and optimizer moments are
 * not counted). -1 if the file cannot be read or holds none of these. */
static long long policy_params(const char *ckpt_path)
{
    rl_ckpt *ck = rl_ckpt_load(ckpt_path);
    if (!ck) return -1;
    long long n = rl_agent_acting_params(ck);
    rl_ckpt_free(ck);
    return n;
}

static int child_progress(void *user, const rl_progress *p)
{
    double *last = user;
    if (!p->done && p->wall_time - *last < 10) return 0;
    *last = p->wall_time;
    fprintf(stderr, "%lld/%lld steps | %.0f steps/s | %lld episodes | return %.2f\n",
            (long long)p->step, (long long)p->total_steps, p->steps_per_sec,
            (long long)p->episodes, p->recent_return);
    return 0;
}

static void child_sigint(int sig)
{
    (void)sig;
    rl_train_interrupt();
}

/* Train (or resume) and evaluate one run; the body of a child process. */
static int child_main(const run *r, const entry *e, int threads)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/train.log", r->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    signal(SIGINT, child_sigint);
    signal(SIGTERM, child_sigint);
    openblas_set_num_threads(threads);
    if (r->state == 3) {
        /* The suite's overrides, compared when deciding what to redo. */
        snprintf(path, sizeof path, "%s/bench.txt", r->dir);
        FILE *bf = fopen(path, "w");
        if (!bf || fprintf(bf, "hparams: %s\n", e->hparams) < 0 || fclose(bf)) return 1;
    }
    if (r->state >= 2) {
        double last = -1e9;
        rl_train_cfg cfg = {
            .env_id = e->task, .agent = r->state == 3 ? e->agent : NULL, .steps = e->steps,
            .hparams = r->state == 3 ? e->hparams : NULL,
            .seed = (uint64_t)r->seed, .n_threads = threads, .out_dir = r->dir,
            .resume = r->state == 2 ? r->dir : NULL, .progress = child_progress, .user = &last,
            .overwrite = r->state == 3, /* a stale or mismatched run is redone */
        };
        fprintf(stderr, "%s %s %s seed %d, %lld steps, %d thread(s)\n",
                r->state == 2 ? "resuming" : "training", e->task, e->agent, r->seed, e->steps, threads);
        int rc = rl_train(&cfg);
        if (rc) {
            fprintf(stderr, "error: %s\n", rl_last_error());
            return 1;
        }
    }
    rl_agent *ag = rl_agent_load(r->dir);
    rl_eval_result ev;
    if (!ag || rl_evaluate(ag, NULL, EVAL_EPISODES, EVAL_SEED, 1, &ev)) {
        fprintf(stderr, "error: evaluation: %s\n", rl_last_error());
        rl_agent_free(ag);
        return 1;
    }
    long long steps_done = (long long)ag->steps_done;
    rl_agent_free(ag);
    snprintf(path, sizeof path, "%s/final.rlt", r->dir);
    long long params = policy_params(path);
    snprintf(path, sizeof path, "%s/eval.txt", r->dir);
    char tmp[2300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return 1;
    fprintf(f, "episodes: %d\nseed: %d\nmean_return: %.6g\nstd_return: %.6g\nmin_return: %.6g\n"
               "max_return: %.6g\nmean_length: %.6g\nsuccess_rate: %.6g\ndecisions_per_ep: %.6g\n"
               "mmacs_per_ep: %.6g\nparams: %lld\nsteps_done: %lld\n",
            ev.episodes, EVAL_SEED, ev.mean_return, ev.std_return, ev.min_return, ev.max_return,
            ev.mean_length, ev.success_rate, ev.decisions_per_ep, ev.mmacs_per_ep, params, steps_done);
    if (fclose(f) || rename(tmp, path)) return 1;
    fprintf(stderr, "evaluated: return %.2f +- %.2f over %d episodes\n", ev.mean_return,
            ev.std_return, ev.episodes);
    return 0;
}

volatile sig_atomic_t bench_stop;
void bench_parent_sigint(int sig)
{
    (void)sig;
    bench_stop = 1;
}

/* Last non-empty line of a file (the child's error message). */
static void last_line(const char *path, char *buf, size_t cap)
{
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f))
        if (line[0] != '\n') {
            snprintf(buf, cap, "%s", line);
            buf[strcspn(buf, "\n")] = 0;
        }
    if (f) fclose(f);
}

int bench_run_jobs(run *runs, int n_runs, const entry *es, int jobs, int threads)
{
    int next = 0, running = 0, finished = 0, todo = 0, failed = 0;
    for (int i = 0; i < n_runs; i++) todo += runs[i].state != 0;
    while ((next < n_runs && !bench_stop) || running) {
        while (!bench_stop && running < jobs && next < n_runs) {
            run *r = &runs[next++];
            if (r->state == 0) continue;
            fflush(stdout);
            fflush(stderr);
            pid_t pid = fork();
            if (pid < 0) {
                r->failed = 1;
                failed++;
                continue;
            }
            if (pid == 0) _exit(child_main(r, &es[r->entry], threads));
            r->pid = pid;
            r->t_start = cli_now();
            running++;
            printf("start  %-32s %s\n", strrchr(r->dir, '/') + 1,
                   r->state == 1 ? "(evaluate)" : r->state == 2 ? "(resume)" : "");
            fflush(stdout);
        }
        if (!running) break;
        int st;
        pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < n_runs; i++) {
            if (runs[i].pid != pid) continue;
            run *r = &runs[i];
            r->pid = 0;
            r->t_end = cli_now();
            running--;
            finished++;
            char ev[2200];
            snprintf(ev, sizeof ev, "%s/eval.txt", r->dir);
            if (!WIFEXITED(st) || WEXITSTATUS(st)) {
                char log[2200], msg[1024];
                snprintf(log, sizeof log, "%s/train.log", r->dir);
                last_line(log, msg, sizeof msg);
                r->failed = 1;
                failed++;
                printf("FAILED %-32s [%d/%d] %s\n", strrchr(r->dir, '/') + 1, finished, todo, msg);
            } else {
                printf("done   %-32s [%d/%d] %.1f s, eval return %.2f\n", strrchr(r->dir, '/') + 1,
                       finished, todo, r->t_end - r->t_start, bench_read_kv_num(ev, "mean_return"));
            }
            fflush(stdout);
        }
    }
    return failed;
}
