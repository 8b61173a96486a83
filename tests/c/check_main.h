/* check_main.h: the end of every Check test program's main: run the
 * suite, and exit non-zero when a test failed. */
#ifndef RL_TESTS_CHECK_MAIN_H
#define RL_TESTS_CHECK_MAIN_H

#include <check.h>

static inline int rl_check_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

#endif
