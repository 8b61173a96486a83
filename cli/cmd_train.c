/* rltool train | eval: run training with live progress, evaluate checkpoints. */
#include "agents/agent.h"
#include "agents/rundir.h"
#include "cli/cli.h"
#include "envs/env_internal.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void on_sigint(int sig)
{
    (void)sig;
    rl_train_interrupt();
}

typedef struct {
    int tty;
    double last_line;
    int64_t last_step; /* step of the last plain line, so the end is not printed twice */
} progress_state;

static void fmt_duration(double s, char *buf, size_t cap)
{
    if (!isfinite(s) || s < 0) s = 0;
    int h = (int)(s / 3600), m = (int)(s / 60) % 60, sec = (int)s % 60;
    if (h) snprintf(buf, cap, "%d:%02d:%02d", h, m, sec);
    else snprintf(buf, cap, "%d:%02d", m, sec);
}

/* A live line on a terminal; a plain line every 10 s otherwise. */
static int on_progress(void *user, const rl_progress *p)
{
    progress_state *ps = user;
    if (!ps->tty && !p->done && p->wall_time - ps->last_line < 10) return 0;
    if (!ps->tty && p->done && p->step == ps->last_step) return 0;
    ps->last_line = p->wall_time;
    ps->last_step = p->step;
    char eta[32] = "-", rate[32] = "-", ret[32] = "-", succ[32] = "", past[96] = "";
    /* The rate over the first moments (setup, a first partial rollout) says
     * nothing yet: no rate or ETA before a second of training. */
    if (p->wall_time >= 1 || p->done) {
        double left = p->steps_per_sec > 0 ? (double)(p->total_steps - p->step) / p->steps_per_sec : 0;
        fmt_duration(left < 0 ? 0 : left, eta, sizeof eta);
        snprintf(rate, sizeof rate, "%.0f", p->steps_per_sec);
    }
    if (!isnan(p->recent_return)) snprintf(ret, sizeof ret, "%.1f", p->recent_return);
    if (p->recent_success >= 0) snprintf(succ, sizeof succ, " | success %.0f%%", 100 * p->recent_success);
    /* Agents finish their last rollout or generation past the budget: the
     * line counts up to the budget, and the final line says how far past. */
    long long shown = p->step < p->total_steps ? p->step : p->total_steps;
    double pct = 100.0 * (double)shown / (double)(p->total_steps ? p->total_steps : 1);
    if (p->done && p->step > p->total_steps)
        snprintf(past, sizeof past, " | %lld steps in all (the last update ran past the budget)",
                 (long long)p->step);
    fprintf(stderr, "%s%lld/%lld steps (%3.0f%%) | %s steps/s | %lld episodes | return %s%s | ETA %s%s%s",
            ps->tty ? "\r\033[K" : "", shown, (long long)p->total_steps, pct, rate,
            (long long)p->episodes, ret, succ, eta, past, ps->tty && !p->done ? "" : "\n");
    fflush(stderr);
    return 0;
}

/* Under mpirun or srun only rank 0 speaks (as only it logs and writes the
 * run directory); the launcher's rank variables say which one this is. */
static int is_rank0(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK",
                                       "SLURM_PROCID"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && v[0]) return atoi(v) == 0;
    }
    return 1;
}

/* Route --set pairs: env (task + wrapper) options vs agent hyperparameters. */
static int split_sets(const char *env_id, const char *sets, char *env_kv, size_t env_cap,
                      char *hp_kv, size_t hp_cap)
{
    const rl_task *task = rl_task_find(env_id);
    int n_wrap;
    const rl_optdef *wrap = rl_env_wrapper_opts(&n_wrap);
    const char *p = sets;
    char key[128], val[RL_OPT_STR_MAX];
    int rc;
    env_kv[0] = hp_kv[0] = 0;
    while ((rc = rl_kv_next(&p, key, sizeof key, val, sizeof val)) == 1) {
        int is_env = (task && rl_opts_find(task->opts, task->n_opts, key)) ||
                     rl_opts_find(wrap, n_wrap, key);
        char *dst = is_env ? env_kv : hp_kv;
        size_t cap = is_env ? env_cap : hp_cap, used = strlen(dst);
        snprintf(dst + used, cap - used, "%s%s=%s", used ? "," : "", key, val);
    }
    return rc < 0 ? rc : RL_OK;
}

static void print_agent_help(const char *agent, const char *env_id)
{
    const rl_agent_vt *vt = rl_agent_find(agent);
    if (!vt) return;
    const rl_recipe *rec = rl_recipe_find(agent, env_id);
    printf("\n%s: %s\nhyperparameters (--set k=v), defaults", vt->name, vt->summary);
    if (rec && rec->hparams) printf(" with the %s recipe for %s", rec->task_prefix[0] ? rec->task_prefix : "default", env_id);
    printf(":\n");
    void *cfg = calloc(1, vt->cfg_size);
    rl_opts_defaults(vt->opts, vt->n_opts, cfg);
    if (rec && rec->hparams) rl_opts_parse(vt->opts, vt->n_opts, cfg, vt->name, rec->hparams);
    for (int i = 0; i < vt->n_opts; i++) {
        char v[RL_OPT_STR_MAX];
        rl_opts_format_value(&vt->opts[i], cfg, v, sizeof v);
        printf("  %-16s %-10s %s\n", vt->opts[i].name, v, vt->opts[i].help);
    }
    free(cfg);
    if (rec) printf("default budget: %lld steps\n", (long long)rec->steps);
}

typedef struct train_opts {
    const char *env_id, *agent, *policy, *out, *resume;
    long long steps, seed, envs, threads, more;
    double save_every;
    int overwrite;
    cli_sets sets;
    char env_kv[4096], hp_kv[4096]; /* --set pairs split: env options, hyperparameters */
    char dir[4096];                 /* the run directory */
} train_opts;

/* --help, also after --agent A (that agent's hyperparameters) or ENV (its recipe). */
static void show_train_help(int argc, char **argv, const char *usage, const char *about,
                            const cli_arg *args, int n_args)
{
    cli_print_help(stdout, "train", usage, about, args, n_args);
    const char *agent = NULL, *env = rl_default_env_id();
    for (int i = 2; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--agent")) agent = argv[i + 1];
    for (int i = 2; i < argc; i++)
        if (argv[i][0] != '-' && (i == 2 || argv[i - 1][0] != '-')) env = argv[i];
    if (agent) {
        print_agent_help(agent, env);
        return;
    }
    printf("\nagents (rltool train --agent A --help for hyperparameters):\n");
    for (int i = 0; i < rl_agent_count(); i++)
        printf("  %-8s %s\n", rl_agent_at(i)->name, rl_agent_at(i)->summary);
}

/* Returns CLI_OK to go on, -1 when help was printed, or CLI_USAGE. */
static int parse_train(train_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->save_every = 60;
    const cli_arg args[] = {
        {"--agent", ARG_STR, &o->agent, "A", "learning algorithm (default: the task's recipe)", 0, 0},
        {"--policy", ARG_STR, &o->policy, "P", "policy architecture: mlp, ncap (default: recipe)", 0, 0},
        {"--steps", ARG_INT, &o->steps, "N", "env steps in total, a resumed run's steps included "
                                             "(default: recipe budget)", 1, (long long)4e12},
        {"--more", ARG_INT, &o->more, "N", "with --resume: N steps beyond the resumed state", 1,
         (long long)4e12},
        {"--seed", ARG_INT, &o->seed, "S", "random seed (default 1)", 0, INT64_MAX},
        {"--envs", ARG_INT, &o->envs, "N", "parallel envs (default: recipe)", 1, 4096},
        {"--threads", ARG_INT, &o->threads, "T", "threads for env stepping and network updates (default: all cores)", 1, 1024},
        {"--out", ARG_STR, &o->out, "DIR", "run directory (default runs/ENV-AGENT-sSEED)", 0, 0},
        {"--set", ARG_SET, &o->sets, "K=V", "env option or hyperparameter (repeatable)", 0, 0},
        {"--resume", ARG_STR, &o->resume, "DIR|FILE", "continue a run from its newest full state "
                                                     "(or from the checkpoint FILE)", 0, 0},
        {"--overwrite", ARG_FLAG, &o->overwrite, NULL, "replace the run already in --out", 0, 0},
        {"--save-every", ARG_DOUBLE, &o->save_every, "SEC", "seconds between latest.rlt saves "
                                                            "(default 60)", 0, 0},
    };
    const int n_args = (int)(sizeof args / sizeof args[0]);
    const char *usage = "[ENV] [--agent A] [--policy P] [--steps N] [--seed S] [--envs N] "
                        "[--threads T] [--out DIR] [--set k=v ...] [--resume DIR [--more N]] "
                        "[--overwrite] [--save-every SEC]";
    const char *about = "Train an agent. Without ENV, trains the default task (swimmer-v1) with "
                        "its recommended agent.\nWrites config.txt, metrics.csv and checkpoints "
                        "(final.rlt, best.rlt, step-N.rlt, latest.rlt) to the run directory,\n"
                        "which it locks while training and never replaces without --overwrite.\n"
                        "Ctrl-C stops cleanly with a final checkpoint; after a crash or a full\n"
                        "disk, --resume DIR continues from the newest full state (latest.rlt is\n"
                        "rewritten every --save-every seconds).";
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            show_train_help(argc, argv, usage, about, args, n_args);
            return -1;
        }
    const char *pos[1];
    int n_pos = 0;
    int rc = cli_parse("train", usage, about, args, n_args, argc, argv, 2, pos, 1, &n_pos);
    if (rc) return rc;
    o->env_id = n_pos ? pos[0] : (o->resume ? NULL : rl_default_env_id());
    return CLI_OK;
}

/* Options that contradict each other or name nothing known; fills env_kv/hp_kv. */
static int check_train_opts(train_opts *o)
{
    if ((o->env_id && !rl_task_find_or_error(o->env_id)) ||
        (o->agent && !rl_agent_find_or_error(o->agent)) ||
        split_sets(o->env_id ? o->env_id : "", o->sets.text, o->env_kv, sizeof o->env_kv,
                   o->hp_kv, sizeof o->hp_kv)) {
        cli_error("train", "%s", rl_last_error());
        return CLI_USAGE;
    }
    const char *why = NULL;
    char msg[96];
    if (o->resume && (o->env_kv[0] || o->hp_kv[0] || o->agent || o->policy || o->envs))
        why = "--resume continues a run as configured; drop --set/--agent/--policy/--envs";
    else if (o->more && !o->resume)
        why = "--more N adds steps to a resumed run; use --steps N for a new one";
    else if (o->more && o->steps)
        why = "give --steps (the total) or --more (steps beyond the resumed state), not both";
    else if (!(o->save_every > 0) || o->save_every > 1e9) {
        snprintf(msg, sizeof msg, "--save-every must be a positive number of seconds, got %g",
                 o->save_every);
        why = msg;
    } else if (o->out && !o->out[0])
        why = "--out is empty; give a run directory";
    if (why) {
        cli_error("train", "%s", why);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* --out, the resumed run's directory, or runs/ENV-AGENT-sSEED. */
static int choose_run_dir(train_opts *o)
{
    int too_long = 0;
    if (o->out)
        too_long = snprintf(o->dir, sizeof o->dir, "%s", o->out) >= (int)sizeof o->dir;
    else if (o->resume)
        too_long = rl_rundir_of(o->resume, o->dir, sizeof o->dir) != RL_OK;
    else
        rl_run_dir_default(o->dir, sizeof o->dir, o->env_id ? o->env_id : rl_default_env_id(),
                           o->agent ? o->agent : rl_recommended_agent(o->env_id),
                           (uint64_t)o->seed);
    if (too_long) {
        cli_error("train", "%s", o->out ? "--out path is too long" : rl_last_error());
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cmd_train(int argc, char **argv)
{
    static train_opts o; /* 12 KB of text buffers: off the stack */
    int rc = parse_train(&o, argc, argv);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if ((rc = check_train_opts(&o)) || (rc = choose_run_dir(&o))) return rc;
    progress_state ps = {cli_is_tty(stderr), -1e9, -1};
    rl_train_cfg cfg = {
        .env_id = o.env_id, .env_opts = o.env_kv, .agent = o.agent, .policy = o.policy,
        .hparams = o.hp_kv, .steps = o.steps, .seed = (uint64_t)o.seed, .n_envs = (int)o.envs,
        .n_threads = (int)o.threads, .out_dir = o.dir, .resume = o.resume,
        .progress = on_progress, .user = &ps, .overwrite = o.overwrite,
        .save_interval = o.save_every, .more_steps = o.more,
    };
    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
    int speaks = is_rank0();
    if (!speaks) cfg.progress = NULL;
    if (!o.resume && speaks)
        fprintf(stderr, "training %s with %s (seed %lld) -> %s\n", o.env_id,
                o.agent ? o.agent : rl_recommended_agent(o.env_id), o.seed, o.dir);
    rc = rl_train(&cfg);
    signal(SIGINT, SIG_DFL);
    if (rc == RL_EINTERRUPT) {
        if (speaks) fprintf(stderr, "%s\n", rl_last_error());
        return 130;
    }
    if (rc) {
        cli_error("train", "%s", rl_last_error());
        return cli_status(rc);
    }
    if (speaks) printf("run directory: %s\nfinal checkpoint: %s/final.rlt\n", o.dir, o.dir);
    return CLI_OK;
}

int cmd_eval(int argc, char **argv)
{
    long long episodes = 10, seed = 12345;
    int stochastic = 0;
    cli_sets sets = {{0}};
    const cli_arg args[] = {
        {"--episodes", ARG_INT, &episodes, "N", "episodes (default 10)", 1, 1000000},
        {"--seed", ARG_INT, &seed, "S", "seed of the evaluation episodes (default 12345)", 0, INT64_MAX},
        {"--stochastic", ARG_FLAG, &stochastic, NULL, "sample actions instead of the mean/argmax", 0, 0},
        {"--set", ARG_SET, &sets, "K=V", "override an env option of the checkpoint (e.g. links=10)", 0, 0},
    };
    const char *pos[1];
    int n_pos;
    int rc = cli_parse("eval", "CKPT|RUN_DIR [--episodes N] [--seed S] [--stochastic] [--set k=v ...]",
                       "Evaluate a trained policy on the env stored in its checkpoint.", args, 4,
                       argc, argv, 2, pos, 1, &n_pos);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (n_pos != 1) {
        cli_error("eval", "expected a checkpoint file or run directory");
        return CLI_USAGE;
    }
    rl_agent *ag = rl_agent_load(pos[0]);
    if (!ag) {
        cli_error("eval", "%s", rl_last_error());
        return rl_last_code() == RL_ENOTFOUND ? CLI_USAGE : CLI_FAIL;
    }
    rl_eval_result r;
    double t0 = cli_now();
    rc = rl_evaluate(ag, sets.text, (int)episodes, (uint64_t)seed, !stochastic, &r);
    if (rc) {
        cli_error("eval", "%s", rl_last_error());
        rl_agent_free(ag);
        return cli_status(rc);
    }
    const char *eo = rl_agent_env_opts(ag);
    printf("%s on %s%s%s%s%s, %d episodes (%s), %.1f s\n", rl_agent_kind(ag), rl_agent_env_id(ag),
           eo[0] || sets.text[0] ? " [" : "", eo, eo[0] && sets.text[0] ? "," : "", sets.text[0] || eo[0] ? "]" : "",
           r.episodes, stochastic ? "stochastic" : "deterministic", cli_now() - t0);
    printf("return        %.2f +- %.2f (min %.2f, max %.2f)\n", r.mean_return, r.std_return,
           r.min_return, r.max_return);
    printf("length        %.1f\n", r.mean_length);
    if (r.success_rate >= 0) printf("success       %.1f%%\n", 100 * r.success_rate);
    printf("decisions     %.1f per episode (action repeated on %.1f%% of steps)\n",
           r.decisions_per_ep, 100 * r.repeat_rate);
    printf("jerk          %.4f mean |a_t - a_t-1|\n", r.jerk);
    printf("compute       %.4f MMACs per episode\n", r.mmacs_per_ep);
    rl_agent_free(ag);
    return CLI_OK;
}
