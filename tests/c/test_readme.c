/* Every README command runs as written: the ```sh blocks are extracted and
 * run in order in a scratch directory (with `build`, `bindings` and
 * `examples` linked to the real ones and the model files the README's mjcf: commands name).
 * A command listed below is either skipped, with the reason, or run with a
 * shorter budget appended (same command otherwise), because it is slow;
 * every other command must exit 0. A README command that cannot run and is
 * not listed here fails this test, so the list stays honest. */
#define _POSIX_C_SOURCE 200809L /* popen */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { NEEDS_GYM = 2 };

typedef struct {
    const char *prefix;   /* the command as written starts with this ("...$": is this) */
    const char *suffix;   /* appended (a smaller budget), or NULL: skipped */
    const char *why;
    int needs;            /* NEEDS_GYM: gymnasium's models (frames need no X server: EGL) */
} listed;

static const listed LIST[] = {
    {"make ", NULL, "builds, installs or tests the tree itself (what make test runs)", 0},
    {"cc my.c", NULL, "my.c is the C snippet shown below it, not a file", 0},
    {"pip install gymnasium", NULL, "network; the next lines run when gymnasium is importable", 0},
    {"pip install", NULL, "installs into the current environment (make test-install runs the "
     "README's install in a fresh venv)", 0},
    {"python -c \"import gymnasium, rltool", NULL, "needs the package the line above installs "
     "(make test-install runs it)", 0},
    {"cd examples/mytask", NULL, "needs `make install` into a prefix first", 0},
    {"./train_mytask", NULL, "needs the example built (previous line)", 0},
    {"rltool train mytask-v1 --plugin", NULL, "needs the example plugin built", 0},
    {"mpirun", NULL, "MPI runs are covered by test_mpi and test_learn_mpi", 0},
    {"srun", NULL, "needs Slurm", 0},
    {"build/rltool <command>", NULL, "the README's generic form, not a runnable command", 0},
    {"build/rltool render swimmer-v1 --record", " --steps 30", "1000 PNG frames: 30", 0},
    {"rltool render swimmer-v1 --record", " --steps 30", "1000 PNG frames: 30", 0},
    {"rltool info examples/gym/", "", "", NEEDS_GYM},
    {"rltool train examples/gym/inverted_pendulum.task", " --steps 3000", "100k steps",
     NEEDS_GYM},
    {"rltool eval runs/inverted_pendulum", "", "", NEEDS_GYM},
    {"rltool train examples/gym/hopper.task", " --steps 2000", "20k steps", NEEDS_GYM},
    {"rltool render examples/gym/", NULL, "a window", 0},
    {"rltool render quadrotor-hover-v1 --record out.mp4", NULL, "needs ffmpeg", 0},
    {"rltool render swimmer-v1$", NULL, "opens a window until it is closed", 0},
    {"rltool render runs/default$", NULL, "a window; runs/default comes from make run", 0},
    {"rltool render hand-rotate-v1 --policy", NULL, "a window", 0},
    {"rltool train hand-rotate-v1", NULL, "35 min of PPO (its render line is skipped too)", 0},
    {"build/rltool train cartpole-v1", " --steps 5000", "recipe budget: minutes", 0},
    {"build/rltool train pendulum-v1 --agent sac", " --steps 2000", "SAC, 20k steps: a minute", 0},
    {"build/rltool train swimmer-v1 --agent ncap", " --steps 16000", "recipe budget: minutes", 0},
    {"build/rltool train --agent", "", "(help only: runs as written)", 0},
    {"build/rltool train$", NULL, "the default run, minutes (make run does the same)", 0},
    {"build/rltool bench --suite quick",
     " --tasks cartpole-v1 --agents ppo,dqn --seeds 1 --steps 3000 --measure 0.1",
     "minutes: one seed of the cartpole rows, tiny budgets", 0},
    {"rltool bench --suite quick",
     " --tasks cartpole-v1 --agents ppo,dqn --seeds 1 --steps 3000 --measure 0.1",
     "as above (finished runs are not redone)", 0},
    {"rltool train mjcf:", " --steps 2000", "recipe budget: minutes", 0},
};

/* Models the README's mjcf: commands name, as a user would have them. */
static const char ROBOT_XML[] =
    "<mujoco><compiler autolimits=\"true\"/><worldbody><body name=\"torso\" pos=\"0 0 1\">"
    "<freejoint/><geom type=\"sphere\" size=\"0.1\"/></body><body name=\"leg\" pos=\"0 0 0.5\">"
    "<joint name=\"hip\" type=\"slide\" axis=\"1 0 0\"/><geom type=\"capsule\" size=\"0.05\" "
    "fromto=\"0 0 0 0 0 -0.3\"/></body></worldbody><actuator><motor joint=\"hip\" "
    "ctrlrange=\"-1 1\"/></actuator></mujoco>\n";
static const char REACHER_XML[] =
    "<mujoco><compiler autolimits=\"true\"/><worldbody><body name=\"arm\"><joint name=\"j\" "
    "type=\"hinge\" axis=\"0 0 1\"/><geom type=\"capsule\" size=\"0.02\" fromto=\"0 0 0 0.2 0 "
    "0\"/><site name=\"fingertip\" pos=\"0.2 0 0\"/></body><site name=\"target\" pos=\"0.1 "
    "0.1 0\"/></worldbody><actuator><motor joint=\"j\" ctrlrange=\"-1 1\"/></actuator>"
    "</mujoco>\n";

static const listed *find_listed(const char *cmd)
{
    for (size_t i = 0; i < sizeof LIST / sizeof LIST[0]; i++) {
        size_t n = strlen(LIST[i].prefix);
        int exact = LIST[i].prefix[n - 1] == '$';
        if (!strncmp(cmd, LIST[i].prefix, n - (size_t)exact) && (!exact || !cmd[n - 1]))
            return &LIST[i];
    }
    return NULL;
}

/* Cut a trailing "# comment" outside quotes and trailing blanks. */
static void strip_comment(char *s)
{
    char quote = 0;
    for (char *p = s; *p; p++) {
        if (quote) {
            if (*p == quote) quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '#' && (p == s || p[-1] == ' ')) {
            *p = 0;
            break;
        }
    }
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n')) s[--n] = 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* The scratch directory the commands run in (the test's working directory
 * from here on): `build`, `bindings` and `examples` linked, the models written. */
static void enter_scratch_dir(const char *src, const char *cli)
{
    char dir[256], path[1024], build_dir[1024];
    snprintf(dir, sizeof dir, "/tmp/rltool-test-readme-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(build_dir, sizeof build_dir, "%s", cli);
    *strrchr(build_dir, '/') = 0;
    snprintf(path, sizeof path, "%s/build", dir);
    ck_assert_int_eq(symlink(build_dir, path), 0);
    const char *linked[] = {"bindings", "examples"}; /* read by README commands */
    for (int i = 0; i < 2; i++) {
        char from[1024];
        snprintf(from, sizeof from, "%s/%s", src, linked[i]);
        snprintf(path, sizeof path, "%s/%s", dir, linked[i]);
        ck_assert_int_eq(symlink(from, path), 0);
    }
    snprintf(path, sizeof path, "%s/robot.xml", dir);
    write_text(path, ROBOT_XML);
    snprintf(path, sizeof path, "%s/reacher.xml", dir);
    write_text(path, REACHER_XML);
    ck_assert_int_eq(chdir(dir), 0);
}

/* The next command of a ```sh block into cmd (continuation lines joined,
 * comment cut, leading blanks skipped; may be empty); 0 at the end of the file. */
static int next_command(FILE *f, int *in_sh, char *joined, size_t cap, char **cmd)
{
    char line[4096];
    joined[0] = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "```", 3)) {
            *in_sh = !*in_sh && !strncmp(line, "```sh", 5);
            continue;
        }
        if (!*in_sh) continue;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == ' ')) line[--n] = 0;
        int more = n && line[n - 1] == '\\';
        if (more) line[--n] = 0;
        strncat(joined, line, cap - strlen(joined) - 1);
        if (more) continue;
        strip_comment(joined);
        *cmd = joined;
        while (**cmd == ' ') (*cmd)++;
        return 1;
    }
    return 0;
}

/* The README sets a variable for the commands after it. */
static void export_variable(const char *c)
{
    char *eq = strchr(c + 7, '=');
    ck_assert_ptr_nonnull(eq);
    char name[128], val[4096] = "", cmd[8192];
    snprintf(name, sizeof name, "%.*s", (int)(eq - c - 7), c + 7);
    snprintf(cmd, sizeof cmd, "{ %s; } 2>/dev/null && printf '%%s' \"$%s\"", c, name);
    FILE *pp = popen(cmd, "r");
    size_t k = pp ? fread(val, 1, sizeof val - 1, pp) : 0;
    val[k] = 0;
    int ok = pp && pclose(pp) == 0 && k > 0;
    struct stat st;
    if (ok && !stat(val, &st)) setenv(name, val, 1);
    printf("%s: %s\n", ok ? "set" : "skipped (could not evaluate)", c);
}

/* Run c (with the listed suffix, if any) and fail with its output unless it
 * exits 0; `rltool` is the built one, as on an installed machine. */
static void run_command(const char *c, const listed *l, const char *cli)
{
    const char *rest = !strncmp(c, "rltool ", 7) ? c + 7 : NULL;
    const char *x = strstr(c, " rltool ");
    char run[4096], cmd[8192];
    if (rest)
        snprintf(run, sizeof run, "'%s' %s", cli, rest);
    else if (x)
        snprintf(run, sizeof run, "%.*s '%s' %s", (int)(x - c), c, cli, x + 8);
    else
        snprintf(run, sizeof run, "%s", c);
    snprintf(cmd, sizeof cmd, "%s%s > cmd.log 2>&1", run, l ? l->suffix : "");
    printf("running: %s%s\n", c, l ? l->suffix : "");
    fflush(stdout);
    int rc = system(cmd);
    char out[4096] = "";
    FILE *o = fopen("cmd.log", "r");
    if (o) {
        size_t k = fread(out, 1, sizeof out - 1, o);
        out[k] = 0;
        fclose(o);
    }
    ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
                  "README command failed (status %d): %s\n%s", rc, c, out);
}

START_TEST(readme_commands_run)
{
    if (getenv("RLTOOL_QUICK")) return; /* sanitizer builds: the release run covers it */
    const char *src = getenv("RLTOOL_SOURCE_DIR"), *cli = getenv("RLTOOL_CLI");
    ck_assert_msg(src && cli, "run through ctest (RLTOOL_SOURCE_DIR, RLTOOL_CLI)");
    enter_scratch_dir(src, cli);
    char path[1024];
    snprintf(path, sizeof path, "%s/README.md", src);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char joined[8192], *c;
    int in_sh = 0, ran = 0, skipped = 0;
    while (next_command(f, &in_sh, joined, sizeof joined, &c)) {
        if (!*c) continue;
        const listed *l = find_listed(c);
        const char *unmet = !l ? NULL
                          : l->needs == NEEDS_GYM && !getenv("RLTOOL_GYM_ASSETS")
                              ? "gymnasium's model files are not installed" : NULL;
        if (!strncmp(c, "export ", 7)) {
            export_variable(c);
        } else if (l && (!l->suffix || unmet)) {
            printf("skipped: %s  (%s%s%s)\n", c, l->why, l->why[0] && unmet ? "; " : "",
                   unmet ? unmet : "");
            skipped++;
        } else {
            run_command(c, l, cli);
            ran++;
        }
    }
    fclose(f);
    printf("%d README commands ran, %d skipped (listed)\n", ran, skipped);
    ck_assert_int_ge(ran, 15);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("readme");
    TCase *tc = tcase_create("commands");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, readme_commands_run);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
