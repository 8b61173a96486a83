/* Helpers shared by test_custom_tasks.c and test_learn_custom.c: a temp
 * directory, writing files, building the example plugin with `cc`, and the
 * point-mass MJCF model the mjcf: tests use. */
#ifndef RLTOOL_TESTS_CUSTOM_UTIL_H
#define RLTOOL_TESTS_CUSTOM_UTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rltool.h"

static char tmpdir[256];

static void make_tmp(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/rltool-test-custom-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Write text to tmpdir/name; the full path goes to out. */
static void write_file(const char *name, const char *text, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", tmpdir, name);
    FILE *f = fopen(out, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* The text of a file (at most cap - 1 bytes), NUL-terminated. */
static inline void read_text(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    fclose(f);
}

/* An env that must not have been made: NULL, with this code and a message
 * containing needle. `what` names the attempt in failure messages. */
static inline void expect_refused(rl_env *env, const char *what, int code, const char *needle)
{
    ck_assert_msg(env == NULL, "'%s' was accepted", what);
    ck_assert_msg(rl_last_code() == code, "'%s': code %d (%s)", what, rl_last_code(),
                  rl_last_error());
    ck_assert_msg(strstr(rl_last_error(), needle), "'%s': message '%s' lacks '%s'", what,
                  rl_last_error(), needle);
}

/* Compile a C file of the source tree into tmpdir/out_name as a shared
 * library. Its rl_* symbols stay undefined: they bind to this test
 * executable, which exports them (ENABLE_EXPORTS), as the rltool CLI does. */
static void build_plugin(const char *src_rel, const char *out_name, char *out, size_t cap)
{
    const char *src = getenv("RLTOOL_SOURCE_DIR");
    ck_assert_msg(src != NULL, "RLTOOL_SOURCE_DIR is not set (run through ctest)");
    const char *cc = getenv("CC") ? getenv("CC") : "cc";
    snprintf(out, cap, "%s/%s", tmpdir, out_name);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s -std=c11 -O2 -Wall -Werror -fPIC -shared -I'%s/include' "
             "'%s/%s' -o '%s' -lm", cc, src, src, src_rel, out);
    int rc = system(cmd);
    ck_assert_msg(rc == 0, "building the plugin failed: %s", cmd);
}

/* A point mass on two slide joints (no gravity along them) that must bring
 * its site 'tip' to the site 'target' at (0.3, 0.2). */
static const char POINT_MASS_XML[] =
    "<mujoco model=\"pointmass\">\n"
    "  <compiler autolimits=\"true\"/>\n"
    "  <option timestep=\"0.01\"/>\n"
    "  <worldbody>\n"
    "    <body name=\"mass\" pos=\"0 0 0.1\">\n"
    "      <joint name=\"x\" type=\"slide\" axis=\"1 0 0\" damping=\"1\"/>\n"
    "      <joint name=\"y\" type=\"slide\" axis=\"0 1 0\" damping=\"1\"/>\n"
    "      <geom type=\"sphere\" size=\"0.05\" mass=\"1\" contype=\"0\" conaffinity=\"0\"/>\n"
    "      <site name=\"tip\" size=\"0.01\"/>\n"
    "    </body>\n"
    "    <site name=\"target\" pos=\"0.3 0.2 0.1\" size=\"0.02\"/>\n"
    "  </worldbody>\n"
    "  <actuator>\n"
    "    <motor name=\"fx\" joint=\"x\" ctrlrange=\"-1 1\" gear=\"2\"/>\n"
    "    <motor name=\"fy\" joint=\"y\" ctrlrange=\"-1 1\" gear=\"2\"/>\n"
    "  </actuator>\n"
    "  <sensor><framepos objtype=\"site\" objname=\"tip\"/></sensor>\n"
    "</mujoco>\n";

#define POINT_MASS_REWARD "reward=dist:tip:target*-1+ctrl*-0.01,max_steps=100"

#endif
