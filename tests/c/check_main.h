/* check_main.h: the end of every Check test program's main: run the
 * suite, and exit non-zero when a test failed. */
#ifndef RL_TESTS_CHECK_MAIN_H
#define RL_TESTS_CHECK_MAIN_H

#include <check.h>

/* fork: CK_FORK_GETENV (Check's default: the CK_FORK variable, else fork
 * each test), CK_FORK, or CK_NOFORK (tests that share state or time out as
 * a whole). */
static inline int rl_check_run_as(Suite *s, enum fork_status fork)
{
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, fork);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

static inline int rl_check_run(Suite *s) { return rl_check_run_as(s, CK_FORK_GETENV); }

#endif
