/* Bring your own task: the example plugin builds, loads with
 * rl_plugin_load (and RLTOOL_PLUGINS, and the CLI's --plugin), registers,
 * trains a few steps and evaluates; mjcf:PATH tasks derive their spaces,
 * reward terms and terminations from the file; bad plugins, bad reward
 * terms, unknown bodies and sites, broken XML and missing files give clear
 * errors. The learning thresholds are in test_learn_custom.c. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "rltool.h"
#include "custom_util.h"

#define MYTASK "examples/mytask/mytask.c"

START_TEST(plugin_loads_registers_trains_evaluates)
{
    make_tmp();
    char so[512];
    build_plugin(MYTASK, "libmytask.so", so, sizeof so);
    int before = rl_task_count();
    ck_assert_ptr_null(rl_task_find("mytask-v1"));
    ck_assert_int_eq(rl_plugin_load(so), RL_OK);
    ck_assert_int_eq(rl_task_count(), before + 1);
    ck_assert_ptr_nonnull(rl_task_find("mytask-v1"));
    ck_assert_int_eq(rl_plugin_load(so), RL_OK); /* twice: a no-op */
    ck_assert_int_eq(rl_task_count(), before + 1);

    rl_env *env = rl_env_make("mytask-v1", "goal_range=0.5");
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    ck_assert_int_eq(env->obs_space.dim, 2);
    ck_assert_int_eq(env->act_space.dim, 1);
    ck_assert_int_eq(env->max_steps, 100);
    ck_assert_int_eq(rl_env_reset(env, 3), RL_OK);
    float a = 1.f;
    ck_assert_int_eq(rl_env_step(env, &a), RL_OK);
    ck_assert(rl_env_reward(env) <= 0.f);
    rl_env_free(env);
    ck_assert_ptr_null(rl_env_make("mytask-v1", "goal_range=100"));
    ck_assert_int_eq(rl_last_code(), RL_EINVAL);

    char out[512];
    snprintf(out, sizeof out, "%s/run", tmpdir);
    rl_train_cfg cfg = {.env_id = "mytask-v1", .agent = "ppo", .steps = 2048, .seed = 1,
                        .n_threads = 1, .out_dir = out};
    ck_assert_msg(rl_train(&cfg) == RL_OK, "%s", rl_last_error());
    rl_agent *ag = rl_agent_load(out);
    ck_assert_msg(ag != NULL, "%s", rl_last_error());
    ck_assert_str_eq(rl_agent_env_id(ag), "mytask-v1");
    rl_eval_result r;
    ck_assert_int_eq(rl_evaluate(ag, NULL, 3, 7, 1, &r), RL_OK);
    ck_assert_int_eq(r.episodes, 3);
    ck_assert(isfinite(r.mean_return) && r.mean_length == 100.0);
    rl_agent_free(ag);
}
END_TEST

/* Compile one C file into tmpdir/name as a shared library. */
static void compile_shared(const char *src, const char *name, char *so, size_t cap)
{
    char cmd[2048];
    snprintf(so, cap, "%s/%s", tmpdir, name);
    snprintf(cmd, sizeof cmd, "%s -fPIC -shared '%s' -o '%s'",
             getenv("CC") ? getenv("CC") : "cc", src, so);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(plugin_errors_name_the_file)
{
    make_tmp();
    char path[512];
    ck_assert_int_eq(rl_plugin_load("/nonexistent/libnothing.so"), RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "/nonexistent/libnothing.so"));
    ck_assert_int_eq(rl_plugin_load(NULL), RL_EINVAL);

    write_file("junk.so", "not an ELF file\n", path, sizeof path);
    ck_assert_int_eq(rl_plugin_load(path), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "cannot load plugin"));
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "junk.so"));

    /* A library without rltool_plugin_init. */
    char src[512], so[512];
    write_file("noinit.c", "int not_a_plugin(void) { return 1; }\n", src, sizeof src);
    compile_shared(src, "libnoinit.so", so, sizeof so);
    ck_assert_int_eq(rl_plugin_load(so), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "rltool_plugin_init"));
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "libnoinit.so"));

    /* An init that fails is reported with its message. */
    write_file("failinit.c",
               "int rl_error(int, const char *, ...);\n"
               "int rltool_plugin_init(void) { return rl_error(-1, \"no license\"); }\n",
               src, sizeof src);
    compile_shared(src, "libfail.so", so, sizeof so);
    ck_assert_int_eq(rl_plugin_load(so), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "no license"));
}
END_TEST

START_TEST(plugins_from_environment_and_cli)
{
    make_tmp();
    char so[512];
    build_plugin(MYTASK, "libmytask.so", so, sizeof so);
    char list[1200];
    snprintf(list, sizeof list, ":%s:", so); /* empty entries are skipped */
    setenv("RLTOOL_PLUGINS", list, 1);
    ck_assert_msg(rl_plugin_load_env() == RL_OK, "%s", rl_last_error());
    ck_assert_ptr_nonnull(rl_task_find("mytask-v1"));
    setenv("RLTOOL_PLUGINS", "/nonexistent/a.so", 1);
    ck_assert_int_eq(rl_plugin_load_env(), RL_ENOTFOUND);
    unsetenv("RLTOOL_PLUGINS");

    const char *cli = getenv("RLTOOL_CLI");
    if (!cli) return;
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' train mytask-v1 --plugin '%s' --steps 1024 --threads 1 "
             "--out '%s/cli' >/dev/null 2>&1", cli, so, tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "RLTOOL_PLUGINS='%s' '%s' eval '%s/cli' --episodes 2 >/dev/null",
             so, cli, tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' train mytask-v1 --steps 1024 >/dev/null 2>&1", cli);
    ck_assert_int_eq(WEXITSTATUS(system(cmd)), 2); /* not loaded: unknown id */
    snprintf(cmd, sizeof cmd, "'%s' --plugin /nonexistent.so envs 2>/dev/null", cli);
    ck_assert_int_eq(WEXITSTATUS(system(cmd)), 2);
}
END_TEST

static rl_env *make_pm(const char *opts)
{
    char path[512], id[600];
    write_file("pm.xml", POINT_MASS_XML, path, sizeof path);
    snprintf(id, sizeof id, "mjcf:%s", path);
    return rl_env_make(id, opts);
}

START_TEST(mjcf_derives_spaces_and_rewards)
{
    make_tmp();
    rl_env *env = make_pm("reward=dist:tip:target*-1+height:mass*1+alive*2+ctrl*-0.5,"
                          "reset_noise=0,frame_skip=2");
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    ck_assert_int_eq(env->obs_space.dim, 4); /* qpos 2 + qvel 2 */
    ck_assert_int_eq(env->act_space.dim, 2);
    ck_assert_ptr_nonnull(rl_env_slice(env, "qvel"));
    ck_assert_int_eq(rl_env_slice(env, "qvel")->start, 2);
    ck_assert_int_eq(env->n_info, 4);
    ck_assert_str_eq(env->info_names[0], "dist:tip:target*-1");
    /* A step is the model's timestep (10 ms here) x frame_skip;
     * render speed and Python's render_fps come from it. */
    ck_assert_double_eq_tol(rl_env_dt(env), 0.02, 1e-12);
    ck_assert_ptr_eq(rl_task_find(env->task->id), env->task); /* cached */
    ck_assert_int_eq(rl_env_reset(env, 1), RL_OK);
    ck_assert_float_eq_tol(env->obs[0], 0.f, 1e-7);
    float zero[2] = {0, 0};
    ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
    double d = sqrt(0.3 * 0.3 + 0.2 * 0.2);
    ck_assert_float_eq_tol(env->info->extra[0], -d, 1e-5);
    ck_assert_float_eq_tol(env->info->extra[1], 0.1, 1e-6);
    ck_assert_float_eq_tol(env->info->extra[2], 2.0, 1e-6);
    ck_assert_float_eq_tol(rl_env_reward(env), -d + 0.1 + 2.0, 1e-5);
    float push[2] = {1, -1};
    for (int i = 0; i < 5; i++) ck_assert_int_eq(rl_env_step(env, push), RL_OK);
    ck_assert(env->obs[0] > 0.f && env->obs[1] < 0.f); /* actions move the mass */
    ck_assert_float_eq_tol(env->info->extra[3], -0.5 * 2.0, 1e-6);
    rl_env_free(env);

    env = make_pm("sensors=1,reward=fwd:mass:x*1");
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    ck_assert_int_eq(env->obs_space.dim, 7); /* + framepos (3) */
    ck_assert_int_eq(rl_env_reset(env, 1), RL_OK);
    for (int i = 0; i < 5; i++) ck_assert_int_eq(rl_env_step(env, push), RL_OK);
    ck_assert(rl_env_reward(env) > 0.f);
    ck_assert_float_eq_tol(env->obs[4], env->obs[0], 1e-4); /* sensor x = qpos x */
    rl_env_free(env);

    /* Termination by height; no alive bonus on the terminal step. */
    env = make_pm("reward=alive,terminate=height:mass:0.2:1");
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    ck_assert_int_eq(rl_env_reset(env, 1), RL_OK);
    ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
    ck_assert_int_eq(rl_env_terminated(env), 1);
    ck_assert_float_eq(rl_env_reward(env), 0.f);
    rl_env_free(env);

    /* Many envs of one file share its model. */
    char id[600];
    snprintf(id, sizeof id, "mjcf:%s/pm.xml", tmpdir);
    rl_vec *vec = rl_vec_make(id, POINT_MASS_REWARD, 3, 2);
    ck_assert_msg(vec != NULL, "%s", rl_last_error());
    ck_assert_int_eq(rl_vec_reset(vec, 5), RL_OK);
    ck_assert_int_eq(rl_vec_step(vec, NULL), RL_OK);
    rl_vec_free(vec);
}
END_TEST

static void expect_error(const char *opts, int code, const char *needle)
{
    expect_refused(make_pm(opts), opts, code, needle);
}

START_TEST(mjcf_errors_are_clear)
{
    make_tmp();
    expect_error("reward=dist:tip:goal", RL_ENOTFOUND, "no site or body named 'goal'");
    expect_error("reward=fwd:torso:x", RL_ENOTFOUND, "no body named 'torso'");
    expect_error("reward=fwd:mass:w", RL_EINVAL, "axis 'w'");
    expect_error("reward=fwd:mass", RL_ENOTFOUND, "no joint named 'mass' (joints: x, y)");
    expect_error("reward=speed*2", RL_EINVAL, "unknown kind 'speed'");
    expect_error("reward=alive*lots", RL_EINVAL, "weight 'lots'");
    expect_error("reward=alive++ctrl", RL_EINVAL, "empty term");
    expect_error("terminate=height:mass:1:0", RL_EINVAL, "LO < HI");
    expect_error("terminate=width:mass:0:1", RL_EINVAL, "height:POINT:LO:HI");
    expect_error("terminate=height:head:0:1", RL_ENOTFOUND, "no site or body named 'head'");
    expect_error("rewards=alive", RL_ENOTFOUND, "unknown option 'rewards'");

    char path[512], id[600];
    write_file("broken.xml", "<mujoco>\n<worldbody>\n<body>\n</worldbdy>\n</mujoco>\n", path,
               sizeof path);
    snprintf(id, sizeof id, "mjcf:%s", path);
    ck_assert_ptr_null(rl_env_make(id, NULL));
    ck_assert_int_eq(rl_last_code(), RL_ESIM);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), path));
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "XML"));

    write_file("noact.xml", "<mujoco><worldbody><body><joint type=\"slide\"/>"
               "<geom size=\".1\"/></body></worldbody></mujoco>\n", path, sizeof path);
    snprintf(id, sizeof id, "mjcf:%s", path);
    ck_assert_ptr_null(rl_env_make(id, NULL));
    ck_assert_int_eq(rl_last_code(), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "no actuators"));

    snprintf(id, sizeof id, "mjcf:%s/missing.xml", tmpdir);
    ck_assert_ptr_null(rl_env_make(id, NULL));
    ck_assert_int_eq(rl_last_code(), RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "missing.xml"));
    ck_assert_ptr_null(rl_env_make("mjcf:", NULL));
    ck_assert_int_eq(rl_last_code(), RL_EINVAL);

    const char *cli = getenv("RLTOOL_CLI");
    if (!cli) return;
    char cmd[4096], out[600];
    write_file("pm.xml", POINT_MASS_XML, path, sizeof path);
    snprintf(out, sizeof out, "%s/info.txt", tmpdir);
    snprintf(cmd, sizeof cmd, "'%s' info 'mjcf:%s' --set reward=dist:tip:target*-1 > '%s'", cli,
             path, out);
    ck_assert_int_eq(system(cmd), 0);
    FILE *f = fopen(out, "r");
    char text[8192] = "";
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "observation  4 values"));
    ck_assert_ptr_nonnull(strstr(text, "fy"));
    ck_assert_ptr_nonnull(strstr(text, "dist:tip:target*-1"));
    ck_assert_ptr_nonnull(strstr(text, "sites      target, tip"));
    snprintf(cmd, sizeof cmd, "'%s' train 'mjcf:%s/missing.xml' 2>/dev/null", cli, tmpdir);
    ck_assert_int_eq(WEXITSTATUS(system(cmd)), 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("custom_tasks");
    TCase *tc = tcase_create("custom");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, plugin_loads_registers_trains_evaluates);
    tcase_add_test(tc, plugin_errors_name_the_file);
    tcase_add_test(tc, plugins_from_environment_and_cli);
    tcase_add_test(tc, mjcf_derives_spaces_and_rewards);
    tcase_add_test(tc, mjcf_errors_are_clear);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
