/* The training workflow: run directory, checkpoints, load/act round trip,
 * resume, early stop, bad input. Tiny budgets: this also runs under ASan. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "agents/agent.h"
#include "agents/rundir.h"
#include "rltool.h"

static char tmp[256];

static void make_tmp(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/rltool-test-train-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static int exists(const char *dir, const char *name)
{
    char p[512];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return !stat(p, &st) && st.st_size > 0;
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF) n += c == '\n';
    fclose(f);
    return n;
}

/* Resuming at step S cuts metrics.csv back to S: the header and the rows of
 * steps <= S stay, byte for byte; later rows, rows without a step and a
 * torn last row go; a file with nothing to cut is left as it is. */
START_TEST(metrics_cut_back_to_a_step)
{
    make_tmp();
    char path[512], got[512];
    snprintf(path, sizeof path, "%s/metrics.csv", tmp);
    const char *rows = "step,return_mean\n1000,1.5\n2000,2.5\nx,9\n3000,3.5\n4000,4";
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(rows, f);
    fclose(f);
    ck_assert_int_eq(rl_rundir_truncate_metrics(tmp, 2000), RL_OK);
    f = fopen(path, "r");
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = 0;
    ck_assert_str_eq(got, "step,return_mean\n1000,1.5\n2000,2.5\n");
    ck_assert_int_eq(rl_rundir_truncate_metrics(tmp, 5000), RL_OK); /* nothing to cut */
    ck_assert_int_eq(count_lines(path), 3);
    ck_assert_int_eq(rl_rundir_truncate_metrics(tmp, 0), RL_OK); /* the header alone */
    ck_assert_int_eq(count_lines(path), 1);
    remove(path);
    ck_assert_int_eq(rl_rundir_truncate_metrics(tmp, 0), RL_OK); /* no file: nothing to do */
    rmdir(tmp);
}
END_TEST

START_TEST(run_directory_and_round_trip)
{
    make_tmp();
    char dir[300];
    snprintf(dir, sizeof dir, "%s/run", tmp);
    rl_train_cfg cfg = {.env_id = "cartpole-v1", .agent = "ppo", .steps = 3000, .seed = 3,
                        .n_threads = 2, .out_dir = dir, .hparams = "rollout=32,epochs=2"};
    ck_assert_int_eq(rl_train(&cfg), RL_OK);
    ck_assert(exists(dir, "final.rlt"));
    ck_assert(exists(dir, "config.txt"));
    ck_assert(exists(dir, "metrics.csv"));
    char csv[400];
    snprintf(csv, sizeof csv, "%s/metrics.csv", dir);
    ck_assert_int_ge(count_lines(csv), 3);

    /* A run directory and its final.rlt load the same agent. */
    rl_agent *a = rl_agent_load(dir);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(rl_agent_kind(a), "ppo");
    ck_assert_str_eq(rl_agent_env_id(a), "cartpole-v1");
    ck_assert_int_eq(a->steps_done, 3072);  /* whole rollouts of 8 envs x 32 steps */
    rl_eval_result r1, r2;
    ck_assert_int_eq(rl_evaluate(a, NULL, 3, 9, 1, &r1), RL_OK);
    ck_assert_int_eq(rl_evaluate(a, NULL, 3, 9, 1, &r2), RL_OK);
    ck_assert_double_eq(r1.mean_return, r2.mean_return);
    ck_assert_double_eq(r1.mean_length, r1.decisions_per_ep);
    ck_assert_double_gt(r1.mmacs_per_ep, 0);
    rl_agent_free(a);
}
END_TEST

START_TEST(save_load_same_actions)
{
    make_tmp();
    const char *ids[] = {"pendulum-v1", "cartpole-v1"};
    for (int k = 0; k < 2; k++) {
        rl_agent *a = rl_agent_create("ppo", NULL, ids[k], NULL, "hidden=32x16", 5);
        ck_assert_ptr_nonnull(a);
        char path[400];
        snprintf(path, sizeof path, "%s/a%d.rlt", tmp, k);
        ck_assert_int_eq(rl_agent_save(a, path, 0), RL_OK);
        rl_agent *b = rl_agent_load(path);
        ck_assert_ptr_nonnull(b);
        ck_assert_str_eq(a->hparams, b->hparams);
        rl_rng rng;
        rl_rng_seed(&rng, 1, 2);
        int od = a->obs_dim, ad = a->act_dim;
        float obs[64 * 4], x[64], y[64];
        for (int i = 0; i < 64 * od; i++) obs[i] = (float)rl_rng_range(&rng, -2, 2);
        ck_assert_int_eq(rl_agent_act(a, obs, 64, x, 1), RL_OK);
        ck_assert_int_eq(rl_agent_act(b, obs, 64, y, 1), RL_OK);
        ck_assert_mem_eq(x, y, sizeof(float) * 64 * (size_t)ad);
        /* Deterministic actions stay in the action space. */
        for (int i = 0; i < 64 * ad; i++)
            ck_assert(k == 0 ? (x[i] >= -1 && x[i] <= 1) : (x[i] == 0 || x[i] == 1));
        /* Non-finite observations are refused. */
        obs[1] = NAN;
        ck_assert_int_eq(rl_agent_act(b, obs, 1, y, 1), RL_EINVAL);
        rl_agent_free(a);
        rl_agent_free(b);
    }
}
END_TEST

START_TEST(resume_continues)
{
    make_tmp();
    char dir[300], csv[400];
    snprintf(dir, sizeof dir, "%s/run", tmp);
    snprintf(csv, sizeof csv, "%s/metrics.csv", dir);
    rl_train_cfg cfg = {.env_id = "pendulum-v1", .agent = "ppo", .steps = 2048, .seed = 1,
                        .n_threads = 1, .out_dir = dir, .hparams = "envs=4,rollout=64,epochs=1"};
    ck_assert_int_eq(rl_train(&cfg), RL_OK);
    int lines = count_lines(csv);
    rl_train_cfg more = {.steps = 4096, .n_threads = 1, .resume = dir};
    ck_assert_int_eq(rl_train(&more), RL_OK);
    rl_agent *a = rl_agent_load(dir);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(a->steps_done, 4096);
    ck_assert_str_eq(a->hparams, strstr(a->hparams, "envs=4") ? a->hparams : "envs=4 lost");
    rl_agent_free(a);
    /* Rows were appended after the first run's, with larger steps and one header. */
    ck_assert_int_gt(count_lines(csv), lines);
    FILE *f = fopen(csv, "r");
    char line[1024];
    long long last = -1, step;
    int headers = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "step,", 5)) {
            headers++;
            continue;
        }
        step = atoll(line);
        ck_assert_int_gt(step, last);
        last = step;
    }
    fclose(f);
    ck_assert_int_eq(headers, 1);
    ck_assert_int_eq(last, 4096);
    /* Resuming on another env is refused, naming both (the message was once
     * read from the freed agent: ASan catches a regression). */
    rl_train_cfg other = {.env_id = "cartpole-v1", .steps = 8192, .n_threads = 1, .resume = dir};
    ck_assert_int_eq(rl_train(&other), RL_EINVAL);
    ck_assert_msg(strstr(rl_last_error(), "cannot resume a pendulum-v1 run on cartpole-v1"), "%s",
                  rl_last_error());
    /* Nothing left to do at the same budget. */
    ck_assert_int_eq(rl_train(&more), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "larger --steps"));
}
END_TEST

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    ck_assert(a && b);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, a)) > 0) ck_assert_uint_eq(fwrite(buf, 1, n, b), n);
    fclose(a);
    fclose(b);
}

/* A run directory is never replaced by accident; --overwrite replaces all
 * of it (no old step-N.rlt left among the new run's). */
START_TEST(existing_run_refused)
{
    make_tmp();
    char dir[300];
    snprintf(dir, sizeof dir, "%s/run", tmp);
    rl_train_cfg cfg = {.env_id = "pendulum-v1", .agent = "ppo", .steps = 4096, .seed = 1,
                        .n_threads = 1, .out_dir = dir, .hparams = "envs=4,rollout=64,epochs=1"};
    ck_assert_int_eq(rl_train(&cfg), RL_OK);
    ck_assert(exists(dir, "step-1024.rlt"));
    cfg.steps = 1024;
    ck_assert_int_eq(rl_train(&cfg), RL_EINVAL);
    ck_assert_msg(strstr(rl_last_error(), "already holds a run") &&
                      strstr(rl_last_error(), "--overwrite"), "%s", rl_last_error());
    rl_agent *a = rl_agent_load(dir);
    ck_assert_int_eq(a->steps_done, 4096); /* untouched */
    rl_agent_free(a);
    cfg.overwrite = 1;
    /* An option the agent refuses leaves the run to be replaced as it was,
     * and a new run directory is not even made. */
    cfg.hparams = "envs=4,rollout=64,epochs=1,lrr=1";
    ck_assert_int_ne(rl_train(&cfg), RL_OK);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "unknown hyperparameter 'lrr'"));
    ck_assert(exists(dir, "step-1024.rlt") && exists(dir, "metrics.csv"));
    char fresh[320];
    snprintf(fresh, sizeof fresh, "%s/fresh", tmp);
    cfg.out_dir = fresh;
    ck_assert_int_ne(rl_train(&cfg), RL_OK);
    ck_assert_int_eq(access(fresh, F_OK), -1);
    cfg.out_dir = dir;
    cfg.hparams = "envs=4,rollout=64,epochs=1";
    ck_assert_int_eq(rl_train(&cfg), RL_OK);
    ck_assert(!exists(dir, "step-1024.rlt"));
    a = rl_agent_load(dir);
    ck_assert_int_eq(a->steps_done, 1024);
    rl_agent_free(a);
    /* An empty --out is refused, not turned into "/final.rlt". */
    cfg.out_dir = "";
    ck_assert_int_eq(rl_train(&cfg), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "empty"));
}
END_TEST

/* --resume DIR takes the newest full state whatever its name; a damaged
 * newest file falls back to the next; --resume FILE trains into the file's
 * directory and cuts what came after it. */
START_TEST(resume_picks_newest)
{
    make_tmp();
    char dir[300], p1[400], p2[400], csv[400];
    snprintf(dir, sizeof dir, "%s/run", tmp);
    snprintf(csv, sizeof csv, "%s/metrics.csv", dir);
    rl_train_cfg cfg = {.env_id = "pendulum-v1", .agent = "ppo", .steps = 5120, .seed = 1,
                        .n_threads = 1, .out_dir = dir, .hparams = "envs=4,rollout=64,epochs=1"};
    ck_assert_int_eq(rl_train(&cfg), RL_OK);
    ck_assert(!exists(dir, "latest.rlt")); /* final.rlt took its place */
    /* final.rlt older than latest.rlt, as after a failed final write. */
    snprintf(p1, sizeof p1, "%s/final.rlt", dir);
    snprintf(p2, sizeof p2, "%s/latest.rlt", dir);
    ck_assert_int_eq(rename(p1, p2), 0);
    snprintf(p1, sizeof p1, "%s/step-1024.rlt", dir);
    snprintf(p2, sizeof p2, "%s/final.rlt", dir);
    copy_file(p1, p2);
    rl_train_cfg more = {.n_threads = 1, .resume = dir}; /* the recorded budget: 5120 */
    ck_assert_int_eq(rl_train(&more), RL_EINVAL);
    ck_assert_msg(strstr(rl_last_error(), "already has 5120 steps"), "%s", rl_last_error());
    /* Damage latest.rlt: step-4096.rlt is the newest intact state. */
    snprintf(p2, sizeof p2, "%s/latest.rlt", dir);
    ck_assert(truncate(p2, 200) == 0);
    more.more_steps = 1024;
    ck_assert_int_eq(rl_train(&more), RL_OK);
    rl_agent *a = rl_agent_load(dir);
    ck_assert_int_eq(a->steps_done, 5120);
    rl_agent_free(a);
    /* From an older file, without an out dir. */
    rl_train_cfg old = {.n_threads = 1, .resume = p1, .more_steps = 1024};
    ck_assert_int_eq(rl_train(&old), RL_OK);
    a = rl_agent_load(dir);
    ck_assert_int_eq(a->steps_done, 2048);
    rl_agent_free(a);
    ck_assert(!exists(dir, "step-4096.rlt")); /* the abandoned timeline */
    FILE *f = fopen(csv, "r");
    char line[1024];
    long long last = -1;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "step,", 5)) continue;
        ck_assert_int_gt(atoll(line), last);
        last = atoll(line);
    }
    fclose(f);
    ck_assert_int_eq(last, 2048);
}
END_TEST

static int stop_after_first(void *user, const rl_progress *p)
{
    (*(int *)user)++;
    return p->step > 0;
}

START_TEST(callback_stops_training)
{
    make_tmp();
    char dir[300];
    snprintf(dir, sizeof dir, "%s/run", tmp);
    int calls = 0;
    rl_train_cfg cfg = {.env_id = "cartpole-v1", .agent = "ppo", .steps = 1000000, .seed = 1,
                        .n_threads = 1, .out_dir = dir, .hparams = "rollout=16,epochs=1",
                        .progress = stop_after_first, .user = &calls};
    ck_assert_int_eq(rl_train(&cfg), RL_OK);
    ck_assert_int_ge(calls, 1);
    rl_agent *a = rl_agent_load(dir);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_lt(a->steps_done, 10000);
    rl_agent_free(a);
}
END_TEST

START_TEST(bad_input)
{
    ck_assert_ptr_null(rl_agent_create("nope", NULL, "cartpole-v1", NULL, NULL, 0));
    ck_assert_int_eq(rl_last_code(), RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "known: ppo"));
    ck_assert_ptr_null(rl_agent_create("ppo", "nope", "cartpole-v1", NULL, NULL, 0));
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "unknown policy 'nope'"));
    ck_assert_ptr_null(rl_agent_create("ppo", NULL, "cartpole-v1", NULL, "lr=abc", 0));
    ck_assert_int_eq(rl_last_code(), RL_EINVAL);
    ck_assert_ptr_null(rl_agent_create("ppo", NULL, "cartpole-v1", NULL, "lrr=1", 0));
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "unknown hyperparameter 'lrr'"));
    ck_assert_ptr_null(rl_agent_create("ppo", NULL, "cartpole-v1", NULL, "hidden=64x", 0));
    ck_assert_ptr_null(rl_agent_create("ppo", NULL, "nope-v1", NULL, NULL, 0));
    ck_assert_ptr_null(rl_agent_load("/nonexistent/run"));
    ck_assert_int_eq(rl_last_code(), RL_ENOTFOUND);

    /* Damaged checkpoints are refused with a reason. */
    make_tmp();
    char path[400];
    snprintf(path, sizeof path, "%s/a.rlt", tmp);
    rl_agent *a = rl_agent_create("ppo", NULL, "pendulum-v1", NULL, NULL, 1);
    ck_assert_int_eq(rl_agent_save(a, path, 1), RL_OK);
    rl_agent_free(a);
    FILE *f = fopen(path, "r+b");
    fseek(f, -20, SEEK_END);
    int c = fgetc(f);
    fseek(f, -20, SEEK_END);
    fputc(c ^ 0x40, f);
    fclose(f);
    ck_assert_ptr_null(rl_agent_load(path));
    ck_assert_int_eq(rl_last_code(), RL_ECORRUPT);
    ck_assert(truncate(path, 100) == 0);
    ck_assert_ptr_null(rl_agent_load(path));
    ck_assert_int_eq(rl_last_code(), RL_ECORRUPT);

    /* A checkpoint from a task whose spaces changed since is refused with
     * both shapes named. */
    a = rl_agent_create("ppo", NULL, "pendulum-v1", NULL, NULL, 1);
    ck_assert_int_eq(rl_agent_save(a, path, 0), RL_OK);
    rl_agent_free(a);
    rl_ckpt *ck = rl_ckpt_load(path);
    ck_assert_ptr_nonnull(ck);
    ck_assert_str_eq(rl_ckpt_meta(ck, "obs_dim"), "3");
    ck_assert_int_eq(rl_ckpt_set_meta(ck, "obs_dim", "5"), RL_OK);
    ck_assert_int_eq(rl_ckpt_save(ck, path), RL_OK);
    rl_ckpt_free(ck);
    ck_assert_ptr_null(rl_agent_load(path));
    ck_assert_int_eq(rl_last_code(), RL_EINVAL);
    ck_assert_msg(strstr(rl_last_error(), "5 observation values") &&
                      strstr(rl_last_error(), "now has 3 and 1"),
                  "%s", rl_last_error());

    /* Evaluating on an env of another shape is refused. */
    a = rl_agent_create("ppo", NULL, "pendulum-v1", NULL, NULL, 1);
    rl_eval_result r;
    ck_assert_int_eq(rl_evaluate(a, "discretize=3", 1, 0, 1, &r), RL_EINVAL);
    ck_assert_int_eq(rl_evaluate(a, "nope=3", 1, 0, 1, &r), RL_ENOTFOUND);
    ck_assert_int_eq(rl_evaluate(a, NULL, 0, 0, 1, &r), RL_EINVAL);
    rl_agent_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("workflow");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, metrics_cut_back_to_a_step);
    tcase_add_test(tc, run_directory_and_round_trip);
    tcase_add_test(tc, save_load_same_actions);
    tcase_add_test(tc, resume_continues);
    tcase_add_test(tc, callback_stops_training);
    tcase_add_test(tc, existing_run_refused);
    tcase_add_test(tc, resume_picks_newest);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
