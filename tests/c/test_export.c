/* rltool export: for every exportable agent kind in the build, the header
 * compiled with `cc -std=c99 -Wall -Werror -O2` gives the library's
 * deterministic actions on 1000 recorded observations (float: max abs
 * difference < 1e-5; int8: a reported bound), and a closed-loop episode
 * driven by the exported code (loaded with dlopen) earns the library's
 * return. Networks are initialised, then perturbed (weights and observation
 * normaliser statistics) so clamps, clips, folding and sign constraints all
 * take part. */
#include "agents/agent.h"
#include "agents/export.h"

#include <check.h>

#include "check_main.h"
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_OBS 1000

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/rltool_export_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) { /* best effort */ }
}

static int sh(const char *cmd)
{
    int st = system(cmd);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Create an agent, perturb its policy weights and observation normaliser
 * (through its own checkpoint), reload it. */
static rl_agent *make_agent(const char *kind, const char *policy, const char *env,
                            const char *hparams, double norm_std, int perturb)
{
    rl_agent *ag = rl_agent_create(kind, policy, env, NULL, hparams, 7);
    ck_assert_msg(ag != NULL, "create %s: %s", kind, rl_last_error());
    char path[400];
    snprintf(path, sizeof path, "%s/%s.rlt", dir, kind);
    ck_assert_int_eq(rl_agent_save(ag, path, 0), 0);
    int od = ag->obs_dim;
    rl_agent_free(ag);
    rl_ckpt *ck = rl_ckpt_load(path);
    ck_assert_ptr_nonnull(ck);
    rl_rng rng;
    rl_rng_seed(&rng, 99, 1);
    if (norm_std > 0) {
        double *mean = malloc(sizeof(double) * od), *m2 = malloc(sizeof(double) * od), cnt = 100;
        for (int i = 0; i < od; i++) {
            double sd = norm_std * (0.5 + rl_rng_uniform(&rng));
            mean[i] = 0.3 * rl_rng_range(&rng, -1, 1);
            m2[i] = sd * sd * cnt;
        }
        ck_assert_int_eq(rl_ckpt_put(ck, "obs_norm.mean", RL_F64, mean, od), 0);
        ck_assert_int_eq(rl_ckpt_put(ck, "obs_norm.m2", RL_F64, m2, od), 0);
        ck_assert_int_eq(rl_ckpt_put(ck, "obs_norm.count", RL_F64, &cnt, 1), 0);
        free(mean);
        free(m2);
    }
    const char *names[] = {"actor", "q"};
    for (int k = 0; perturb && k < 2; k++) {
        int64_t n = 0;
        const float *w = rl_ckpt_get(ck, names[k], RL_F32, -1, &n);
        if (!w) continue;
        float *v = malloc(sizeof(float) * (size_t)n);
        for (int64_t i = 0; i < n; i++) v[i] = w[i] + 0.3f * (float)rl_rng_range(&rng, -1, 1);
        ck_assert_int_eq(rl_ckpt_put(ck, names[k], RL_F32, v, n), 0);
        free(v);
    }
    ck_assert_int_eq(rl_ckpt_save(ck, path), 0);
    rl_ckpt_free(ck);
    ag = rl_agent_load(path);
    ck_assert_msg(ag != NULL, "reload %s: %s", kind, rl_last_error());
    return ag;
}

static void random_action(const rl_agent *ag, rl_rng *rng, float *a)
{
    for (int d = 0; d < ag->act_dim; d++)
        a[d] = ag->act_space.kind == RL_DISCRETE ? (float)rl_rng_below(rng, (uint32_t)ag->act_space.n)
                                                 : (float)rl_rng_range(rng, -1, 1);
}

/* Record N_OBS observations (each with an episode-start flag) from an env
 * stepped by a mix of the library's deterministic and random actions; lib
 * gets the library's deterministic action on each. */
static void record(rl_agent *ag, const char *file, float *lib)
{
    rl_env *env = rl_env_make(ag->env_id, ag->env_opts);
    ck_assert_ptr_nonnull(env);
    FILE *f = fopen(file, "wb");
    ck_assert_ptr_nonnull(f);
    rl_rng rng;
    rl_rng_seed(&rng, 5, 2);
    float *a = malloc(sizeof(float) * ag->act_dim);
    int start = 1, ep = 0;
    rl_env_reset(env, 100);
    rl_agent_reset_state(ag, -1);
    for (int s = 0; s < N_OBS; s++) {
        int32_t flag = start;
        fwrite(&flag, sizeof flag, 1, f);
        fwrite(env->obs, sizeof(float), (size_t)ag->obs_dim, f);
        ck_assert_int_eq(rl_agent_act(ag, env->obs, 1, lib + (size_t)s * ag->act_dim, 1), 0);
        if (rl_rng_uniform(&rng) < 0.5) random_action(ag, &rng, a);
        else memcpy(a, lib + (size_t)s * ag->act_dim, sizeof(float) * ag->act_dim);
        ck_assert_int_eq(rl_env_step(env, a), 0);
        start = env->info->done;
        if (start) {
            rl_env_reset(env, 100 + ++ep);
            rl_agent_reset_state(ag, -1);
        }
    }
    fclose(f);
    free(a);
    rl_env_free(env);
}

static const char *driver_src =
    "#include \"pol.h\"\n#include <stdio.h>\n"
    "int main(int argc, char **argv)\n{\n"
    "    FILE *in, *out;\n    pol_state s;\n    float obs[POL_OBS_DIM], act[POL_ACT_DIM];\n"
    "    int flag;\n"
    "    if (argc < 3 || !(in = fopen(argv[1], \"rb\")) || !(out = fopen(argv[2], \"wb\"))) return 1;\n"
    "    pol_reset(&s);\n"
    "    while (fread(&flag, sizeof flag, 1, in) == 1 &&\n"
    "           fread(obs, sizeof(float), POL_OBS_DIM, in) == POL_OBS_DIM) {\n"
    "        if (flag) pol_reset(&s);\n"
    "        pol_act(&s, obs, act);\n"
    "        fwrite(act, sizeof(float), POL_ACT_DIM, out);\n    }\n"
    "    fclose(in);\n    return fclose(out) != 0;\n}\n";

static const char *so_src =
    "#include \"pol.h\"\nstatic pol_state st;\n"
    "void ex_reset(void) { pol_reset(&st); }\n"
    "void ex_act(const float *obs, float *action) { pol_act(&st, obs, action); }\n";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* Max |exported - library| over the recorded observations. */
static double compare(rl_agent *ag, const float *lib, int *n_diff)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "%s/driver.c", dir);
    write_file(cmd, driver_src);
    snprintf(cmd, sizeof cmd, "cd %s && cc -std=c99 -Wall -Werror -O2 driver.c -o driver -lm && "
             "./driver obs.bin act.bin", dir);
    ck_assert_msg(sh(cmd) == 0, "compiling or running the driver failed: %s", cmd);
    snprintf(cmd, sizeof cmd, "%s/act.bin", dir);
    FILE *f = fopen(cmd, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = (size_t)N_OBS * ag->act_dim;
    float *got = malloc(sizeof(float) * n);
    ck_assert_uint_eq(fread(got, sizeof(float), n, f), n);
    fclose(f);
    double err = 0;
    *n_diff = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)got[i] - lib[i]);
        err = e > err ? e : err;
        *n_diff += got[i] != lib[i];
    }
    free(got);
    return err;
}

/* Closed loop: one episode of the library policy and one driven by the
 * exported code (a shared object), same env seed. */
static void closed_loop(rl_agent *ag, double *ret_lib, double *ret_exp)
{
    static int serial; /* a fresh file per load: dlopen caches by path */
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "%s/so.c", dir);
    write_file(cmd, so_src);
    serial++;
    snprintf(cmd, sizeof cmd, "cd %s && cc -std=c99 -Wall -Werror -O2 -shared -fPIC so.c -o pol%d.so -lm",
             dir, serial);
    ck_assert_msg(sh(cmd) == 0, "compiling the shared object failed");
    snprintf(cmd, sizeof cmd, "%s/pol%d.so", dir, serial);
    void *h = dlopen(cmd, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(h != NULL, "dlopen: %s", dlerror());
    void (*ex_reset)(void) = (void (*)(void))dlsym(h, "ex_reset");
    void (*ex_act)(const float *, float *) = (void (*)(const float *, float *))dlsym(h, "ex_act");
    ck_assert(ex_reset && ex_act);
    float *a = malloc(sizeof(float) * ag->act_dim);
    for (int mode = 0; mode < 2; mode++) {
        rl_env *env = rl_env_make(ag->env_id, ag->env_opts);
        rl_env_reset(env, 777);
        rl_agent_reset_state(ag, -1);
        ex_reset();
        while (!env->info->done) {
            if (mode == 0) ck_assert_int_eq(rl_agent_act(ag, env->obs, 1, a, 1), 0);
            else ex_act(env->obs, a);
            ck_assert_int_eq(rl_env_step(env, a), 0);
        }
        *(mode ? ret_exp : ret_lib) = env->info->episode_return;
        rl_env_free(env);
    }
    free(a);
    dlclose(h);
}

typedef struct {
    const char *kind, *policy, *env, *hparams;
    double norm_std;
    const char *expect_norm; /* substring of info.normaliser, or NULL */
} export_case;

static void run_case(const export_case *c)
{
    if (!rl_agent_find(c->kind)) {
        printf("export %-5s: not in this build, skipped\n", c->kind);
        return;
    }
    rl_agent *ag = make_agent(c->kind, c->policy, c->env, c->hparams, c->norm_std, 1);
    float *lib = malloc(sizeof(float) * (size_t)N_OBS * ag->act_dim);
    char obs_file[400], hdr[400];
    snprintf(obs_file, sizeof obs_file, "%s/obs.bin", dir);
    snprintf(hdr, sizeof hdr, "%s/pol.h", dir);
    record(ag, obs_file, lib);
    for (int prec = 0; prec < 2; prec++) {
        rl_export_opts o = {"pol", prec, "test", 0};
        rl_export_info info;
        int rc = rl_export_agent(ag, &o, hdr, &info);
        ck_assert_msg(rc == 0, "export %s: %s", c->kind, rl_last_error());
        if (c->expect_norm)
            ck_assert_msg(strstr(info.normaliser, c->expect_norm), "%s normaliser: %s", c->kind,
                          info.normaliser);
        int n_diff = 0;
        double err = compare(ag, lib, &n_diff);
        double rl = 0, re = 0;
        closed_loop(ag, &rl, &re);
        printf("export %-5s %-5s %-4s on %-12s %-30s params %6lld bytes %7lld MACs %7.0f | max "
               "abs diff %.3g (in-process check %.3g)%s | return lib %.4f exported %.4f\n",
               c->kind, ag->policy, prec ? "int8" : "f32", c->env, info.arch,
               (long long)info.n_params, (long long)info.weight_bytes, info.macs, err,
               info.max_err, n_diff && ag->act_space.kind == RL_DISCRETE ? " (argmax differs)" : "",
               rl, re);
        if (prec == RL_EXPORT_FLOAT) {
            ck_assert_msg(err < 1e-5, "%s float export differs by %g", c->kind, err);
            ck_assert_msg(fabs(rl - re) <= 1e-3 * (1 + fabs(rl)), "%s closed loop: library %g, "
                          "exported %g", c->kind, rl, re);
        } else {
            /* A loose sanity bound; the number itself is the report. */
            if (ag->act_space.kind != RL_DISCRETE)
                ck_assert_msg(err < 0.1, "%s int8 export differs by %g", c->kind, err);
        }
    }
    free(lib);
    rl_agent_free(ag);
}

/* Pendulum's bounded observations let a mild normaliser fold exactly into
 * the first layer; a tight one can clip and stays explicit. */
START_TEST(ppo_mlp)
{
    export_case a = {"ppo", "mlp", "pendulum-v1", "hidden=64x64", 3.0, "folded"};
    run_case(&a);
    export_case b = {"ppo", "mlp", "pendulum-v1", "hidden=32x32,activation=relu", 0.3, "explicit"};
    run_case(&b);
}
END_TEST

START_TEST(ppo_discrete)
{
    export_case c = {"ppo", "mlp", "cartpole-v1", "hidden=64x64", 0.5, "explicit"};
    run_case(&c);
}
END_TEST

START_TEST(ppo_ncap)
{
    export_case c = {"ppo", "ncap", "swimmer-v1", NULL, 0, "none"};
    run_case(&c);
}
END_TEST

START_TEST(sac)
{
    export_case c = {"sac", "mlp", "pendulum-v1", "hidden=64x64,norm_obs=1", 0.4, NULL};
    run_case(&c);
}
END_TEST

START_TEST(td3)
{
    export_case c = {"td3", "mlp", "pendulum-v1", "hidden=64x64,norm_obs=1", 0.4, NULL};
    run_case(&c);
    export_case d = {"td3", "ncap", "swimmer-v1", NULL, 0, "none"};
    run_case(&d);
}
END_TEST

START_TEST(dqn)
{
    export_case c = {"dqn", "mlp", "cartpole-v1", NULL, 0, "none"};
    run_case(&c);
}
END_TEST

START_TEST(es_ncap)
{
    export_case c = {"es", "mlp", "pendulum-v1", "hidden=16x16", 0.5, NULL};
    run_case(&c);
    export_case d = {"ncap", "ncap", "swimmer-v1", "shared=0,init=random", 0, "none"};
    run_case(&d);
    export_case e = {"ncap", "ncap", "swimmer-v1", NULL, 0, "none"};
    run_case(&e);
}
END_TEST

/* TLA writes its own header: slow actor, gate, fast actor, windows. */
START_TEST(tla)
{
    export_case c = {"tla", "mlp", "pendulum-v1", "hidden=32x32,slow_steps=4", 0, NULL};
    run_case(&c);
    export_case d = {"tla", "mlp", "pendulum-v1", "hidden=32x32,slow_steps=3,gate=open", 0, NULL};
    run_case(&d);
}
END_TEST

/* Agents the exporter does not know fail with a message naming what does. */
START_TEST(unsupported_and_errors)
{
    rl_agent *ag = rl_agent_create("ppo", "mlp", "pendulum-v1", NULL, "hidden=8", 1);
    ck_assert_ptr_nonnull(ag);
    char hdr[400];
    snprintf(hdr, sizeof hdr, "%s/x.h", dir);
    rl_export_opts o = {"1bad", 0, NULL, -1};
    ck_assert_int_eq(rl_export_agent(ag, &o, hdr, NULL), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "C identifier"));
    o.name = "ok";
    o.precision = 7;
    ck_assert_int_eq(rl_export_agent(ag, &o, hdr, NULL), RL_EINVAL);
    o.precision = 0;
    ck_assert_int_eq(rl_export_agent(ag, &o, "/nonexistent-dir/x.h", NULL), RL_EIO);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "cannot write"));
    rl_agent_free(ag);
    for (int i = 0; i < rl_agent_count(); i++) {
        const rl_agent_vt *vt = rl_agent_at(i);
        if (rl_export_supported(vt->name, NULL)) continue;
        printf("export %-5s: not exportable (checked the error)\n", vt->name);
        ag = rl_agent_create(vt->name, NULL, "pendulum-v1", NULL, NULL, 1);
        if (!ag) continue;
        ck_assert_int_eq(rl_export_agent(ag, &o, hdr, NULL), RL_EINVAL);
        ck_assert_ptr_nonnull(strstr(rl_last_error(), "cannot export"));
        rl_agent_free(ag);
    }
}
END_TEST

/* The command line: --help, bad precision, unwritable output. */
START_TEST(cli)
{
    const char *exe = getenv("RLTOOL_CLI");
    if (!exe) return;
    rl_agent *ag = rl_agent_create("ppo", "mlp", "pendulum-v1", NULL, "hidden=8", 1);
    char ck[400], cmd[1400];
    snprintf(ck, sizeof ck, "%s/c.rlt", dir);
    ck_assert_int_eq(rl_agent_save(ag, ck, 0), 0);
    rl_agent_free(ag);
    snprintf(cmd, sizeof cmd, "%s export --help | grep -q precision", exe);
    ck_assert_int_eq(sh(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s export %s -o %s/p.h --precision int4 2>&1 | grep -q 'unknown "
             "precision'", exe, ck, dir);
    ck_assert_int_eq(sh(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s export %s -o %s/p.h --precision int4 >/dev/null 2>&1", exe, ck, dir);
    ck_assert_int_eq(sh(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s export %s -o /nonexistent-dir/p.h 2>&1 | grep -q 'cannot write'",
             exe, ck);
    ck_assert_int_eq(sh(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s export %s -o %s/p.h --name tiny >/dev/null && grep -q "
             "'tiny_act(tiny_state' %s/p.h", exe, ck, dir, dir);
    ck_assert_int_eq(sh(cmd), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("export");
    TCase *tc = tcase_create("export");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, ppo_mlp);
    tcase_add_test(tc, ppo_discrete);
    tcase_add_test(tc, ppo_ncap);
    tcase_add_test(tc, sac);
    tcase_add_test(tc, td3);
    tcase_add_test(tc, dqn);
    tcase_add_test(tc, es_ncap);
    tcase_add_test(tc, tla);
    tcase_add_test(tc, unsupported_and_errors);
    tcase_add_test(tc, cli);
    suite_add_tcase(s, tc);
    return rl_check_run_as(s, CK_NOFORK);
}
