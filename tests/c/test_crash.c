/* Never lose a run: kill -9 training at random moments and resume, a full
 * disk (an injected write failure), two trainers on one directory, and an
 * existing run that must not be replaced. Drives the rltool CLI
 * (RLTOOL_CLI) as a user would; tiny budgets, a 0.2 s save interval. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "agents/agent.h"
#include "agents/rundir.h"
#include "rltool.h"

static char tmp[256];
static const char *cli;

static void setup(void)
{
    cli = getenv("RLTOOL_CLI");
    ck_assert_msg(cli != NULL, "RLTOOL_CLI is not set (run through ctest)");
    snprintf(tmp, sizeof tmp, "/tmp/rltool-test-crash-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int quick(void) { return getenv("RLTOOL_QUICK") != NULL; }

/* Start `rltool ARGS...` with stdout/stderr to err_path; fail_write sets
 * RLTOOL_FAIL_WRITE in the child only. */
static pid_t spawn(char *const argv[], const char *err_path, int fail_write)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (fail_write > 0) {
            char v[16];
            snprintf(v, sizeof v, "%d", fail_write);
            setenv("RLTOOL_FAIL_WRITE", v, 1);
        }
        execv(cli, argv);
        _exit(127);
    }
    return pid;
}

static int wait_status(pid_t pid)
{
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void slurp(const char *path, char *buf, size_t cap)
{
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    fclose(f);
}

/* Steps of the newest full state in dir and its mtime; -1 if none. */
static long long newest(const char *dir, double *mtime_wall)
{
    char paths[1][4096];
    int64_t steps[1];
    if (rl_rundir_states(dir, paths, steps, 1) < 1) return -1;
    struct stat st;
    if (mtime_wall && !stat(paths[0], &st))
        *mtime_wall = (double)st.st_mtim.tv_sec + 1e-9 * (double)st.st_mtim.tv_nsec;
    return (long long)steps[0];
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* metrics.csv has one header and rows strictly increasing by step. Returns
 * the last step. */
static long long check_metrics(const char *dir)
{
    char path[400], line[4096];
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s missing", path);
    long long last = -1;
    int headers = 0, rows = 0;
    while (fgets(line, sizeof line, f)) {
        ck_assert_msg(strchr(line, '\n'), "torn row in %s: %s", path, line);
        if (!strncmp(line, "step,", 5)) {
            headers++;
            continue;
        }
        long long s = atoll(line);
        ck_assert_msg(s > last, "%s: step %lld after %lld (rows not unique by step)", path, s,
                      last);
        last = s;
        rows++;
    }
    fclose(f);
    ck_assert_int_eq(headers, 1);
    ck_assert_int_gt(rows, 0);
    return last;
}

static int count_temps(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) n += strstr(e->d_name, ".tmp.") != NULL;
    if (d) closedir(d);
    return n;
}

typedef struct {
    const char *agent, *hparams, *steps; /* steps: far more than a cycle can take */
} agent_case;

static const agent_case cases[] = {
    {"ppo", "envs=4,rollout=64,epochs=1,hidden=32x32", "100000000"},
    {"sac", "hidden=32x32,batch=32,warmup=200,buffer=100000", "1000000"},
    {"es", "envs=8,hidden=16", "200000000"}, /* ~2M steps/s */
};

/* CPU seconds the child pid has used so far (utime + stime), or -1. The
 * kill moments are paced by the trainer's own CPU time, not wall time, so a
 * loaded machine (CI neighbours, parallel ctest) does not starve a cycle. */
static double child_cpu(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    slurp(path, buf, sizeof buf);
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p) return -1;
    unsigned long long ut = 0, st = 0;
    /* After ')': state, then fields 4..13, then utime (14) and stime (15). */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Runs the child until it has used cpu_s seconds of CPU (or 120 s of wall
 * time pass), then kill -9. Returns -1 if it was killed, else the exit
 * status it finished with first; *used is its CPU time when it stopped. */
static int run_then_kill(pid_t pid, double cpu_s, double *used)
{
    double t0 = now();
    *used = 0;
    for (;;) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
        double c = child_cpu(pid);
        if (c > *used) *used = c;
        if (*used >= cpu_s || now() - t0 > 120) break;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    ck_assert_int_eq(wait_status(pid), 128 + SIGKILL);
    return -1;
}

/* One kill/resume cycle: start (fresh or --resume), let it run a random
 * amount of CPU time, kill -9. Returns 1 if it was killed, 0 if it finished
 * first. */
static int kill_cycle(const char *dir, const agent_case *c, unsigned *seed, int *advanced)
{
    char err[400];
    snprintf(err, sizeof err, "%s.err", dir);
    long long before = newest(dir, NULL);
    char *fresh[] = {(char *)cli, "train", "pendulum-v1", "--agent", (char *)c->agent,
                     "--steps", (char *)c->steps, "--out", (char *)dir, "--threads", "1",
                     "--save-every", "0.2", "--set", (char *)c->hparams, "--overwrite", NULL};
    char *resume[] = {(char *)cli, "train", "--resume", (char *)dir, "--threads", "1",
                      "--save-every", "0.2", NULL};
    double w0 = wall_now();
    pid_t pid = spawn(before < 0 ? fresh : resume, err, 0);
    double cpu = 0.3 + 1.7 * (double)(rand_r(seed) % 1000) / 1000.0;
    if (quick()) cpu *= 2; /* sanitizer builds start slowly */
    double used;
    int rc = run_then_kill(pid, cpu, &used);
    double mtime = 0;
    long long after = newest(dir, &mtime);
    char msg[4096];
    slurp(err, msg, sizeof msg);
    ck_assert_msg(rc <= 0, "%s: trainer exited %d before the kill\n%s", c->agent, rc, msg);
    /* Never back in time; the newest state survives the kill. */
    ck_assert_msg(after >= before, "%s: newest state went from %lld to %lld steps\n%s", c->agent,
                  before, after, msg);
    /* A trainer that worked well past its start (CPU time, so a loaded
     * machine cannot fake it) saved recently. */
    if (used > 1.5 && strstr(msg, "steps/s"))
        ck_assert_msg(after > before && mtime >= w0, "%s: used %.1f s of CPU but left no new "
                      "state (%lld -> %lld)\n%s", c->agent, used, before, after, msg);
    *advanced += after > before;
    return rc < 0;
}

START_TEST(kill_and_resume)
{
    setup();
    unsigned seed = 12345;
    int kills_per_agent = quick() ? 2 : 8, total_kills = 0;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char dir[400];
        snprintf(dir, sizeof dir, "%s/%s", tmp, cases[k].agent);
        int advanced = 0;
        for (int i = 0; i < kills_per_agent; i++)
            total_kills += kill_cycle(dir, &cases[k], &seed, &advanced);
        ck_assert_msg(advanced >= kills_per_agent / 2, "%s advanced in only %d of %d runs",
                      cases[k].agent, advanced, kills_per_agent);
        /* A last resume finishes a little later with clean metrics. */
        long long state = newest(dir, NULL);
        ck_assert_int_gt(state, 0);
        char err[400];
        snprintf(err, sizeof err, "%s.err", dir);
        char *finish[] = {(char *)cli, "train", "--resume", (char *)dir, "--threads", "1",
                          "--more", "600", NULL};
        int rc = wait_status(spawn(finish, err, 0));
        char msg[4096];
        slurp(err, msg, sizeof msg);
        ck_assert_msg(rc == 0, "%s: final resume exited %d\n%s", cases[k].agent, rc, msg);
        rl_agent *a = rl_agent_load(dir);
        ck_assert_msg(a != NULL, "%s", rl_last_error());
        ck_assert_int_ge(a->steps_done, state + 600);
        long long last = check_metrics(dir);
        ck_assert_int_le(last, a->steps_done);
        rl_agent_free(a);
        ck_assert_int_eq(count_temps(dir), 0);
    }
    ck_assert_int_ge(total_kills, quick() ? 4 : 20);
}
END_TEST

/* The Nth write fails as on a full disk: the run stops with a message
 * naming the file and the cause, leaves no empty metrics.csv, and a resume
 * (with the disk "freed") finishes cleanly. */
START_TEST(disk_full_then_resume)
{
    setup();
    const int nth[] = {1, 2, 4, 9};
    for (int k = 0; k < 4; k++) {
        char dir[400], err[400], msg[4096];
        snprintf(dir, sizeof dir, "%s/run%d", tmp, k);
        snprintf(err, sizeof err, "%s.err", dir);
        char *fresh[] = {(char *)cli, "train", "pendulum-v1", "--agent", "ppo", "--steps",
                         "30000", "--out", dir, "--threads", "1", "--save-every", "0.05",
                         "--set", "envs=4,rollout=64,epochs=1,hidden=16", NULL};
        int rc = wait_status(spawn(fresh, err, nth[k]));
        slurp(err, msg, sizeof msg);
        ck_assert_msg(rc == 1, "write %d failing: exit %d\n%s", nth[k], rc, msg);
        ck_assert_msg(strstr(msg, "No space left on device"), "%s", msg);
        char path[500];
        struct stat st;
        snprintf(path, sizeof path, "%s/metrics.csv", dir);
        if (!stat(path, &st)) ck_assert_msg(st.st_size > 0, "empty metrics.csv after a failed write");
        long long state = newest(dir, NULL);
        char *resume[] = {(char *)cli, "train", "--resume", dir, "--threads", "1", NULL};
        char *again[] = {(char *)cli, "train", "pendulum-v1", "--agent", "ppo", "--steps",
                         "30000", "--out", dir, "--threads", "1", "--overwrite",
                         "--set", "envs=4,rollout=64,epochs=1,hidden=16", NULL};
        rc = wait_status(spawn(state < 0 ? again : resume, err, 0));
        slurp(err, msg, sizeof msg);
        ck_assert_msg(rc == 0, "resume after write %d failed: exit %d\n%s", nth[k], rc, msg);
        rl_agent *a = rl_agent_load(dir);
        ck_assert_ptr_nonnull(a);
        ck_assert_int_ge(a->steps_done, 30000);
        ck_assert_int_ge(a->steps_done, state);
        rl_agent_free(a);
        check_metrics(dir);
        ck_assert_int_eq(count_temps(dir), 0);
    }
}
END_TEST

/* A second trainer on a locked directory is refused, naming the holder,
 * with or without --overwrite or --resume; the first finishes untouched. */
START_TEST(two_trainers_one_dir)
{
    setup();
    char dir[400], err_a[400], err_b[400], msg[4096], lock[500];
    snprintf(dir, sizeof dir, "%s/run", tmp);
    snprintf(err_a, sizeof err_a, "%s/a.err", tmp);
    snprintf(err_b, sizeof err_b, "%s/b.err", tmp);
    snprintf(lock, sizeof lock, "%s/metrics.csv", dir);
    /* A budget it cannot finish before the SIGINT below: this run does
     * ~2M steps/s with the vectorised kernels (400k took 0.2 s). */
    char *a_argv[] = {(char *)cli, "train", "pendulum-v1", "--agent", "ppo", "--steps",
                      "100000000", "--out", dir, "--threads", "1", "--seed", "7",
                      "--set", "envs=4,rollout=64,epochs=1,hidden=16", NULL};
    pid_t a = spawn(a_argv, err_a, 0);
    struct stat st;
    for (int i = 0; i < 600 && (stat(lock, &st) || st.st_size == 0); i++) usleep(50000);
    ck_assert_msg(!stat(lock, &st) && st.st_size > 0, "first trainer never logged");
    char pid_text[32];
    snprintf(pid_text, sizeof pid_text, "(pid %d)", (int)a);
    char *b1[] = {(char *)cli, "train", "pendulum-v1", "--out", dir, "--steps", "5000", NULL};
    char *b2[] = {(char *)cli, "train", "pendulum-v1", "--out", dir, "--overwrite", NULL};
    char *b3[] = {(char *)cli, "train", "--resume", dir, NULL};
    char *const *bs[] = {b1, b2, b3};
    for (int i = 0; i < 3; i++) {
        int rc = wait_status(spawn((char *const *)bs[i], err_b, 0));
        slurp(err_b, msg, sizeof msg);
        ck_assert_msg(rc != 0 && strstr(msg, "in use by another trainer") && strstr(msg, pid_text),
                      "second trainer %d: exit %d\n%s", i, rc, msg);
    }
    /* The same from the library, in this process. */
    rl_train_cfg cfg = {.env_id = "pendulum-v1", .steps = 5000, .out_dir = dir, .overwrite = 1};
    ck_assert_int_eq(rl_train(&cfg), RL_ESTATE);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), pid_text));
    usleep(300000);
    kill(a, SIGINT); /* a clean stop: final checkpoint */
    int rc = wait_status(a);
    slurp(err_a, msg, sizeof msg);
    ck_assert_msg(rc == 130, "first trainer exited %d\n%s", rc, msg);
    rl_agent *ag = rl_agent_load(dir);
    ck_assert_ptr_nonnull(ag);
    ck_assert_int_eq((long long)ag->seed, 7);
    rl_agent_free(ag);
    check_metrics(dir);
    char cfg_text[4096], cfg_path[500];
    snprintf(cfg_path, sizeof cfg_path, "%s/config.txt", dir);
    slurp(cfg_path, cfg_text, sizeof cfg_text);
    ck_assert_ptr_nonnull(strstr(cfg_text, "seed: 7\n"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("crash");
    TCase *tc = tcase_create("run directory");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, kill_and_resume);
    tcase_add_test(tc, disk_full_then_resume);
    tcase_add_test(tc, two_trainers_one_dir);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
