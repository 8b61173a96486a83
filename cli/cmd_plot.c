/* rltool plot: learning-curve figures for any run directories, grouped by
 * task and agent (+policy) from each run's config.txt. */
#include "agents/agent.h"
#include "cli/bench.h"
#include "cli/cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Append dir, or its run subdirectories (a bench folder, a runs/ folder). */
static int collect_runs(const char *dir, char (*dirs)[2048], int n, int max, int depth)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/config.txt", dir);
    if (bench_file_exists(path)) {
        if (n < max) snprintf(dirs[n++], 2048, "%s", dir);
        return n;
    }
    if (depth >= 2) return n;
    DIR *d = opendir(dir);
    if (!d) return n;
    struct dirent *de;
    char names[256][256];
    int nn = 0;
    while ((de = readdir(d)) && nn < 256)
        if (de->d_name[0] != '.') snprintf(names[nn++], 256, "%s", de->d_name);
    closedir(d);
    qsort(names, nn, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    for (int i = 0; i < nn; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (!stat(path, &st) && S_ISDIR(st.st_mode)) n = collect_runs(path, dirs, n, max, depth + 1);
    }
    return n;
}

/* Group: task and label (agent, +policy when not the agent's default) of
 * each run from its config.txt. */
static void label_runs(char (*dirs)[2048], int n_dirs, char (*task_of)[64], char (*label_of)[64])
{
    for (int i = 0; i < n_dirs; i++) {
        char cfg[2200], agent[64] = "?", policy[64] = "";
        snprintf(cfg, sizeof cfg, "%s/config.txt", dirs[i]);
        if (!bench_read_kv(cfg, "env_id", task_of[i], 64)) snprintf(task_of[i], 64, "?");
        bench_read_kv(cfg, "agent", agent, sizeof agent);
        bench_read_kv(cfg, "policy", policy, sizeof policy);
        const rl_agent_vt *vt = rl_agent_find(agent);
        if (policy[0] && vt && vt->default_policy && strcmp(policy, vt->default_policy))
            snprintf(label_of[i], 64, "%s+%s", agent, policy);
        else snprintf(label_of[i], 64, "%s", agent);
    }
}

/* One task's figure: each label's runs aggregated into one curve. */
static int plot_task(const char *task, const char *path, char (*dirs)[2048], int n_dirs,
                     char (*task_of)[64], char (*label_of)[64])
{
    static agg_curve agg[MAX_LIST];
    static curve cs[64];
    const char *labels[MAX_LIST];
    int n_lab = 0, max_seeds = 0;
    for (int i = 0; i < n_dirs; i++)
        if (!strcmp(task_of[i], task) && !bench_in_list(label_of[i], labels, n_lab) && n_lab < MAX_LIST)
            labels[n_lab++] = label_of[i];
    for (int l = 0; l < n_lab; l++) {
        int nc = 0;
        for (int i = 0; i < n_dirs && nc < 64; i++) {
            if (strcmp(task_of[i], task) || strcmp(label_of[i], labels[l])) continue;
            if (bench_curve_read(dirs[i], &cs[nc])) {
                fprintf(stderr, "rltool plot: warning: %s has no readable metrics.csv\n", dirs[i]);
                continue;
            }
            nc++;
        }
        snprintf(agg[l].label, sizeof agg[l].label, "%s (%d run%s)", labels[l], nc, nc == 1 ? "" : "s");
        bench_aggregate(cs, nc, &agg[l]);
        if (nc > max_seeds) max_seeds = nc;
        for (int k = 0; k < nc; k++) bench_curve_free(&cs[k]);
    }
    if (bench_task_figure(path, task, agg, n_lab, max_seeds)) {
        cli_error("plot", "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    printf("%s: %s (%d agent%s)\n", task, path, n_lab, n_lab == 1 ? "" : "s");
    return 0;
}

int cmd_plot(int argc, char **argv)
{
    const char *out = "curves.svg";
    const cli_arg args[] = {
        {"--out", ARG_STR, &out, "FILE", "(or -o FILE) output SVG, default curves.svg; several "
                                         "tasks: FILE-TASK.svg", 0, 0},
    };
    /* cli_parse takes long options only: accept "-o X" by renaming it. */
    static char *av[512];
    int ac = argc < 512 ? argc : 512;
    for (int i = 0; i < ac; i++) av[i] = !strcmp(argv[i], "-o") ? "--out" : argv[i];
    const char *pos[256];
    int n_pos;
    int rc = cli_parse("plot", "RUN_DIR... [-o FILE.svg]",
                       "Learning curves (return vs env steps and vs wall time; mean and min-max "
                       "band over seeds)\nof training runs, grouped by task and agent from each "
                       "run's config.txt. A folder holding\nrun directories (a bench output, "
                       "runs/) is searched for them.", args, 1, ac, av, 2, pos, 256, &n_pos);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!n_pos) {
        cli_error("plot", "expected one or more run directories");
        return CLI_USAGE;
    }
    static char dirs[512][2048];
    int n_dirs = 0;
    for (int i = 0; i < n_pos; i++) {
        int before = n_dirs;
        n_dirs = collect_runs(pos[i], dirs, n_dirs, 512, 0);
        if (n_dirs == before) {
            cli_error("plot", "%s is not a run directory (no config.txt in it or below it)", pos[i]);
            return CLI_USAGE;
        }
    }
    static char task_of[512][64], label_of[512][64];
    label_runs(dirs, n_dirs, task_of, label_of);
    const char *tasks[MAX_LIST];
    int n_tasks = 0;
    for (int i = 0; i < n_dirs; i++)
        if (!bench_in_list(task_of[i], tasks, n_tasks) && n_tasks < MAX_LIST) tasks[n_tasks++] = task_of[i];
    int status = CLI_OK;
    for (int t = 0; t < n_tasks; t++) {
        char path[2200];
        if (n_tasks == 1) snprintf(path, sizeof path, "%s", out);
        else {
            const char *dot = strrchr(out, '.');
            int stem = dot && !strcmp(dot, ".svg") ? (int)(dot - out) : (int)strlen(out);
            char name[128];
            rl_env_short_name(name, sizeof name, tasks[t]);
            snprintf(path, sizeof path, "%.*s-%s.svg", stem, out, name);
        }
        if (plot_task(tasks[t], path, dirs, n_dirs, task_of, label_of)) status = CLI_FAIL;
    }
    return status;
}
