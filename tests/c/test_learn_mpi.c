/* A seeded 2-rank PPO run must reach the 1-rank threshold (cartpole-v1:
 * mean deterministic return >= 475 over 10 episodes, as test_learn_ppo).
 * Two ranks average their gradients, so each update sees twice the
 * samples: 120k steps in all (60k per rank) give the 1-rank test's number of
 * updates. PPO's deterministic cartpole policy oscillates after it first
 * reaches 500, so the final checkpoint is seed luck (at 120k: 5 of 6 seeds
 * >= 475 with the AVX-512 kernels, 5 of 6 with the portable ones, a
 * different seed failing on each; at 60k: 2 of 6 and 3 of 6), while best.rlt
 * scored 500 in all 12 runs at 120k: the test evaluates best.rlt.
 * Slow: excluded from the sanitizer run by its name. Skipped (passing)
 * without MPI or mpirun. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "agents/comm.h"
#include "rltool.h"

START_TEST(ppo_cartpole_two_ranks)
{
    if (!rl_comm_compiled() || system("command -v mpirun >/dev/null 2>&1")) {
        printf("test_learn_mpi: no MPI build or no mpirun, skipped\n");
        return;
    }
    const char *cli = getenv("RLTOOL_CLI") ? getenv("RLTOOL_CLI") : "./rltool";
    char dir[256], cmd[1024];
    snprintf(dir, sizeof dir, "/tmp/rltool-test-learn-mpi-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "mpirun --allow-run-as-root --oversubscribe -np 2 %s train cartpole-v1 "
             "--agent ppo --steps 120000 --seed 2 --threads 1 --out %s > %s/log 2>&1",
             cli, dir, dir);
    int st = system(cmd);
    ck_assert_msg(st == 0, "%s failed (log in %s/log)", cmd, dir);
    char best[300];
    snprintf(best, sizeof best, "%s/best.rlt", dir);
    rl_agent *a = rl_agent_load(best);
    ck_assert_msg(a != NULL, "%s", rl_last_error());
    rl_eval_result r;
    ck_assert_int_eq(rl_evaluate(a, NULL, 10, 77, 1, &r), RL_OK);
    rl_agent_free(a);
    printf("cartpole-v1: ppo 2 ranks x 60000 steps, best.rlt -> %.1f\n", r.mean_return);
    ck_assert_double_ge(r.mean_return, 475);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("learn_mpi");
    TCase *tc = tcase_create("learn_mpi");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, ppo_cartpole_two_ranks);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
