/* Data-parallel training over MPI, run as users run it:
 * `mpirun -np 2 rltool train ...`. Skipped (passing) when the library was
 * built without MPI or mpirun is not installed. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "cli_util.h"
#include "agents/comm.h"
#include "rltool.h"


static int have_mpi(void)
{
    if (!rl_comm_compiled()) {
        printf("test_mpi: built without MPI, skipped\n");
        return 0;
    }
    if (system("command -v mpirun >/dev/null 2>&1")) {
        printf("test_mpi: no mpirun, skipped\n");
        return 0;
    }
    return 1;
}

#define MPIRUN "mpirun --allow-run-as-root --oversubscribe --mca orte_abort_on_non_zero_status 1 "

static char out[1 << 16];

static void tmpdir(char *dir, size_t cap)
{
    snprintf(dir, cap, "/tmp/rltool-test-mpi-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* Every tensor of two checkpoints is bit-identical. */
static void assert_same_tensors(const char *a_path, const char *b_path)
{
    rl_ckpt *a = rl_ckpt_load(a_path), *b = rl_ckpt_load(b_path);
    ck_assert_msg(a && b, "%s", rl_last_error());
    int n = rl_ckpt_tensor_count(a);
    ck_assert_int_gt(n, 3);
    ck_assert_int_eq(n, rl_ckpt_tensor_count(b));
    for (int i = 0; i < n; i++) {
        const char *name;
        rl_dtype dt;
        int64_t count, count_b;
        const void *da, *db;
        ck_assert_int_eq(rl_ckpt_tensor_at(a, i, &name, &dt, &count, &da), RL_OK);
        db = rl_ckpt_get(b, name, dt, -1, &count_b);
        ck_assert_msg(db != NULL, "tensor %s missing on rank 1", name);
        ck_assert_int_eq(count, count_b);
        size_t sz = dt == RL_U8 ? 1 : (dt == RL_F32 ? 4 : 8);
        ck_assert_msg(!memcmp(da, db, sz * (size_t)count), "tensor %s differs between ranks", name);
    }
    rl_ckpt_free(a);
    rl_ckpt_free(b);
}

static int count_of(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what)) n++;
    return n;
}

/* Train 2 ranks with the per-rank checkpoint hook; both ranks' final
 * states must be identical (parameters, optimizer moments, normalisers). */
static void two_ranks_identical(const char *args, char *dir, size_t cap)
{
    tmpdir(dir, cap);
    char cmd[1024], a[1200], b[1200];
    snprintf(cmd, sizeof cmd, "RLTOOL_MPI_RANK_CKPT=1 " MPIRUN "-np 2 %s train %s --threads 1 --out %s",
             rl_test_cli(), args, dir);
    int st = rl_test_sh(cmd, out, sizeof out);
    ck_assert_msg(st == 0, "%s\n%s", cmd, out);
    /* Only rank 0 speaks: one of each line, not one per rank. */
    ck_assert_msg(count_of(out, "training ") == 1 && count_of(out, "run directory:") == 1 &&
                      count_of(out, "final checkpoint:") == 1, "%s", out);
    snprintf(a, sizeof a, "%s/final.rlt", dir);
    snprintf(b, sizeof b, "%s/final.rank1.rlt", dir);
    assert_same_tensors(a, b);
}

START_TEST(ppo_ranks_identical_and_resume_anywhere)
{
    if (!have_mpi()) return;
    char dir[256];
    two_ranks_identical("cartpole-v1 --agent ppo --steps 6000 --seed 3", dir, sizeof dir);
    /* Only rank 0 writes the run files; steps count over both ranks. */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cat %s/config.txt; tail -1 %s/metrics.csv", dir, dir);
    ck_assert_int_eq(rl_test_sh(cmd, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "steps: 6000"));
    /* A 2-rank checkpoint resumes on 1 rank ... */
    snprintf(cmd, sizeof cmd, "%s train --resume %s --steps 9000 --threads 1", rl_test_cli(), dir);
    ck_assert_msg(rl_test_sh(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "final checkpoint"));
    /* ... and again on 2. */
    snprintf(cmd, sizeof cmd, "RLTOOL_MPI_RANK_CKPT=1 " MPIRUN "-np 2 %s train --resume %s --steps 12000 "
             "--threads 1", rl_test_cli(), dir);
    ck_assert_msg(rl_test_sh(cmd, out, sizeof out) == 0, "%s", out);
    char a[1200], b[1200];
    snprintf(a, sizeof a, "%s/final.rlt", dir);
    snprintf(b, sizeof b, "%s/final.rank1.rlt", dir);
    assert_same_tensors(a, b);
    rl_agent *ag = rl_agent_load(dir);
    ck_assert_msg(ag != NULL, "%s", rl_last_error());
    rl_agent_free(ag);
}
END_TEST

START_TEST(td3_ranks_identical)
{
    if (!have_mpi()) return;
    char dir[256];
    two_ranks_identical("pendulum-v1 --agent td3 --steps 1200 --seed 5 --set warmup=400 "
                        "--set hidden=32x32 --set batch=64", dir, sizeof dir);
}
END_TEST

START_TEST(es_ranks_identical)
{
    if (!have_mpi()) return;
    char dir[256];
    two_ranks_identical("pendulum-v1 --agent es --steps 8000 --seed 7 --set hidden=16", dir,
                        sizeof dir);
}
END_TEST

START_TEST(unsupported_agent_is_refused)
{
    if (!have_mpi()) return;
    char dir[256], cmd[1024];
    tmpdir(dir, sizeof dir);
    snprintf(cmd, sizeof cmd, MPIRUN "-np 2 %s train cartpole-v1 --agent dqn --steps 1000 --out %s",
             rl_test_cli(), dir);
    ck_assert_int_ne(rl_test_sh(cmd, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "no data-parallel (MPI) training"));
}
END_TEST

/* The newest child of process `parent` (from /proc), or -1. */
static pid_t newest_child(pid_t parent)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)parent, (int)parent);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    pid_t last = -1;
    for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n")) {
        pid_t c = (pid_t)atoi(tok);
        if (c > last) last = c;
    }
    return last;
}

/* Kill one rank mid-run: mpirun must end the job (non-zero, naming the
 * rank) within seconds, never hang in a collective. */
START_TEST(dead_rank_ends_the_job)
{
    if (!have_mpi()) return;
    char dir[256], run_dir[300], log[300];
    tmpdir(dir, sizeof dir);
    snprintf(log, sizeof log, "%s/mpirun.log", dir);
    snprintf(run_dir, sizeof run_dir, "%s/run", dir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        FILE *f = freopen(log, "w", stdout);
        if (!f || dup2(fileno(stdout), 2) < 0) _exit(126);
        execlp("mpirun", "mpirun", "--allow-run-as-root", "--oversubscribe", "--mca",
               "orte_abort_on_non_zero_status", "1", "-np", "2", rl_test_cli(), "train", "cartpole-v1",
               "--agent", "ppo", "--steps", "100000000", "--threads", "1", "--out", run_dir,
               (char *)NULL);
        _exit(127);
    }
    /* Wait until rank 0 has written a metrics row, then kill one rank. */
    char probe[400];
    snprintf(probe, sizeof probe, "test -s %s/metrics.csv", run_dir);
    for (int i = 0; i < 600 && system(probe); i++) usleep(100000);
    pid_t victim = newest_child(pid);
    ck_assert_int_gt(victim, 0);
    ck_assert_int_eq(kill(victim, SIGKILL), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int st = 0, done = 0;
    for (int i = 0; i < 300 && !done; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid) done = 1;
        else usleep(100000);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!done) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    ck_assert_msg(done, "mpirun still running 30 s after a rank was killed");
    printf("dead rank: mpirun exited %.1f s after the kill\n", secs);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) != 0);
    char cat[400];
    snprintf(cat, sizeof cat, "cat %s", log);
    rl_test_sh(cat, out, sizeof out);
    ck_assert_msg(strstr(out, "rank") != NULL, "%s", out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mpi");
    TCase *tc = tcase_create("mpi");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, ppo_ranks_identical_and_resume_anywhere);
    tcase_add_test(tc, td3_ranks_identical);
    tcase_add_test(tc, es_ranks_identical);
    tcase_add_test(tc, unsupported_agent_is_refused);
    tcase_add_test(tc, dead_rank_ends_the_job);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
