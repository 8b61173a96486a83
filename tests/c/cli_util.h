/* cli_util.h: for tests that run the rltool command as a user would: which
 * binary is under test, and a shell runner that captures what it prints. */
#ifndef RL_TESTS_CLI_UTIL_H
#define RL_TESTS_CLI_UTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

/* The rltool under test: $RLTOOL_CLI (set by ctest), else ./rltool. */
static inline const char *rl_test_cli(void)
{
    const char *p = getenv("RLTOOL_CLI");
    return p ? p : "./rltool";
}

/* Run a shell command with stdout+stderr captured in out (cap bytes,
 * NUL-terminated); its exit status, -1 if it did not exit. */
static inline int rl_test_sh(const char *cmd, char *out, size_t cap)
{
    char full[8192];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *f = popen(full, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = 0;
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* `rltool ARGS` likewise. */
static inline int rl_test_run(const char *args, char *out, size_t cap)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' %s", rl_test_cli(), args);
    return rl_test_sh(cmd, out, cap);
}

#endif
