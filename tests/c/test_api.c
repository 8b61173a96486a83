/* The library boundary: librltool.so exports exactly the functions
 * include/rltool.h declares with RL_API, no internal symbol more, no
 * declared one less; and every one of them follows the NULL-argument rule
 * (rltool.h): NULL where an object or buffer is required is RL_EINVAL,
 * NULL or 0 by return type, with a message naming the function, never a
 * crash; *_free(NULL) and void calls are no-ops. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "rltool.h"

#define MAX_NAMES 512

typedef struct {
    char name[MAX_NAMES][64];
    int n;
} names;

static void add_name(names *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->name[i], name)) return;
    ck_assert_int_lt(s->n, MAX_NAMES);
    snprintf(s->name[s->n++], 64, "%s", name);
}

static int has_name(const names *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->name[i], name)) return 1;
    return 0;
}

/* Names of the RL_API declarations: the identifier before the first '('. */
static void header_names(names *s)
{
    char path[1024], line[1024];
    const char *src = getenv("RLTOOL_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/include/rltool.h", src ? src : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "RL_API ", 7)) continue;
        char *paren = strchr(line, '(');
        ck_assert_msg(paren != NULL, "RL_API line without a declaration: %s", line);
        char *end = paren;
        while (end > line && end[-1] == ' ') end--;
        char *start = end;
        while (start > line && (isalnum((unsigned char)start[-1]) || start[-1] == '_')) start--;
        *end = 0;
        add_name(s, start);
    }
    fclose(f);
}

/* Defined dynamic symbols of the shared library (nm -D --defined-only),
 * without the linker's own (_edata, _end, __bss_start, _init, _fini). */
static void library_names(names *s)
{
    const char *lib = getenv("RLTOOL_LIB");
    ck_assert_msg(lib != NULL, "RLTOOL_LIB (path of librltool.so) is not set");
    char cmd[1200], line[512];
    snprintf(cmd, sizeof cmd, "nm -D --defined-only '%s'", lib);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    while (fgets(line, sizeof line, p)) {
        char addr[64], type[8], name[256];
        if (sscanf(line, "%63s %7s %255s", addr, type, name) != 3) continue;
        if (name[0] == '_') continue;
        add_name(s, name);
    }
    ck_assert_int_eq(pclose(p), 0);
}

START_TEST(exports_equal_the_header)
{
    static names hdr, lib;
    header_names(&hdr);
    library_names(&lib);
    ck_assert_int_gt(hdr.n, 50);
    char missing[4096] = "", extra[4096] = "";
    for (int i = 0; i < hdr.n; i++)
        if (!has_name(&lib, hdr.name[i]))
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), " %s",
                     hdr.name[i]);
    for (int i = 0; i < lib.n; i++)
        if (!has_name(&hdr, lib.name[i]))
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " %s", lib.name[i]);
    ck_assert_msg(!missing[0], "declared in rltool.h but not exported:%s", missing);
    ck_assert_msg(!extra[0], "exported but not declared with RL_API in rltool.h:%s", extra);
    ck_assert_int_eq(hdr.n, lib.n);
}
END_TEST


/* ------------------------------------------------------------ NULL rule */

/* Each case calls one public function with NULL for its pointers and
 * says whether it answered by the rule. */
typedef struct {
    const char *fn;
    int (*call)(void);
} null_case;

static int named(const char *fn) { return strstr(rl_last_error(), fn) != NULL; }
#define INT_CASE(fn, expr) \
    static int c_##fn(void) { rl_clear_error(); return (expr) == RL_EINVAL && named(#fn); }
#define PTR_CASE(fn, expr) \
    static int c_##fn(void) { rl_clear_error(); return (expr) == NULL && named(#fn); }
#define ZERO_CASE(fn, expr) \
    static int c_##fn(void) { rl_clear_error(); return (expr) == 0 && named(#fn); }
#define VOID_CASE(fn, expr) \
    static int c_##fn(void) { expr; return 1; }

VOID_CASE(rl_rng_seed, rl_rng_seed(NULL, 1, 2))
ZERO_CASE(rl_rng_u32, rl_rng_u32(NULL))
ZERO_CASE(rl_rng_below, rl_rng_below(NULL, 5))
ZERO_CASE(rl_rng_uniform, rl_rng_uniform(NULL))
ZERO_CASE(rl_rng_range, rl_rng_range(NULL, 0, 1))
ZERO_CASE(rl_rng_normal, rl_rng_normal(NULL))
INT_CASE(rl_error, rl_error(RL_EINVAL, NULL) == RL_EINVAL && named("no message") ? RL_EINVAL : 0)
INT_CASE(rl_opts_defaults, rl_opts_defaults(NULL, 1, NULL))
INT_CASE(rl_opts_set, rl_opts_set(NULL, 1, NULL, NULL, NULL, NULL))
INT_CASE(rl_opts_parse, rl_opts_parse(NULL, 1, NULL, NULL, "a=1"))
PTR_CASE(rl_opts_find, rl_opts_find(NULL, 1, NULL))
INT_CASE(rl_opts_format_value, rl_opts_format_value(NULL, NULL, NULL, 0))
INT_CASE(rl_opts_format, rl_opts_format(NULL, 1, NULL, NULL, 0))
INT_CASE(rl_kv_next, rl_kv_next(NULL, NULL, 0, NULL, 0))
INT_CASE(rl_parse_int, rl_parse_int("1", NULL))
INT_CASE(rl_parse_double, rl_parse_double("1", NULL))
INT_CASE(rl_task_register, rl_task_register(NULL))
PTR_CASE(rl_task_find, rl_task_find(NULL))
INT_CASE(rl_plugin_load, rl_plugin_load(NULL))
PTR_CASE(rl_env_make, rl_env_make(NULL, NULL))
VOID_CASE(rl_env_free, rl_env_free(NULL))
INT_CASE(rl_env_reset, rl_env_reset(NULL, 1))
INT_CASE(rl_env_step, rl_env_step(NULL, NULL))
PTR_CASE(rl_env_obs, rl_env_obs(NULL))
ZERO_CASE(rl_env_reward, rl_env_reward(NULL))
ZERO_CASE(rl_env_terminated, rl_env_terminated(NULL))
ZERO_CASE(rl_env_truncated, rl_env_truncated(NULL))
PTR_CASE(rl_env_info, rl_env_info(NULL))
PTR_CASE(rl_env_obs_space, rl_env_obs_space(NULL))
PTR_CASE(rl_env_act_space, rl_env_act_space(NULL))
PTR_CASE(rl_env_slice, rl_env_slice(NULL, NULL))
INT_CASE(rl_env_options, rl_env_options(NULL, NULL, 0))
INT_CASE(rl_env_render, rl_env_render(NULL, NULL, 8, 8))
INT_CASE(rl_env_set_state, rl_env_set_state(NULL, NULL, 0, NULL, 0))
INT_CASE(rl_env_get_state, rl_env_get_state(NULL, NULL, 0, NULL, 0))
PTR_CASE(rl_env_wrapper_opts, rl_env_wrapper_opts(NULL))
PTR_CASE(rl_env_task, rl_env_task(NULL))
ZERO_CASE(rl_env_num_slices, rl_env_num_slices(NULL))
PTR_CASE(rl_env_slice_at, rl_env_slice_at(NULL, 0))
ZERO_CASE(rl_env_num_info, rl_env_num_info(NULL))
PTR_CASE(rl_env_info_name, rl_env_info_name(NULL, 0))
ZERO_CASE(rl_env_max_steps, rl_env_max_steps(NULL))
ZERO_CASE(rl_env_dt, rl_env_dt(NULL))
ZERO_CASE(rl_env_privileged_dim, rl_env_privileged_dim(NULL))
PTR_CASE(rl_vec_make, rl_vec_make(NULL, NULL, 1, 1))
VOID_CASE(rl_vec_free, rl_vec_free(NULL))
INT_CASE(rl_vec_reset, rl_vec_reset(NULL, 1))
INT_CASE(rl_vec_step, rl_vec_step(NULL, NULL))
INT_CASE(rl_vec_set_autoreset, rl_vec_set_autoreset(NULL, 1))
PTR_CASE(rl_vec_final_obs, rl_vec_final_obs(NULL))
ZERO_CASE(rl_vec_num_envs, rl_vec_num_envs(NULL))
ZERO_CASE(rl_vec_num_threads, rl_vec_num_threads(NULL))
PTR_CASE(rl_vec_env, rl_vec_env(NULL, 0))
PTR_CASE(rl_vec_obs, rl_vec_obs(NULL))
PTR_CASE(rl_vec_actions, rl_vec_actions(NULL))
PTR_CASE(rl_vec_rewards, rl_vec_rewards(NULL))
PTR_CASE(rl_vec_terminated, rl_vec_terminated(NULL))
PTR_CASE(rl_vec_truncated, rl_vec_truncated(NULL))
PTR_CASE(rl_vec_infos, rl_vec_infos(NULL))
VOID_CASE(rl_ckpt_free, rl_ckpt_free(NULL))
INT_CASE(rl_ckpt_set_meta, rl_ckpt_set_meta(NULL, NULL, NULL))
PTR_CASE(rl_ckpt_meta, rl_ckpt_meta(NULL, NULL))
ZERO_CASE(rl_ckpt_meta_count, rl_ckpt_meta_count(NULL))
INT_CASE(rl_ckpt_meta_at, rl_ckpt_meta_at(NULL, 0, NULL, NULL))
INT_CASE(rl_ckpt_put, rl_ckpt_put(NULL, NULL, RL_F32, NULL, 1))
PTR_CASE(rl_ckpt_get, rl_ckpt_get(NULL, NULL, RL_F32, -1, NULL))
ZERO_CASE(rl_ckpt_tensor_count, rl_ckpt_tensor_count(NULL))
INT_CASE(rl_ckpt_tensor_at, rl_ckpt_tensor_at(NULL, 0, NULL, NULL, NULL, NULL))
INT_CASE(rl_ckpt_save, rl_ckpt_save(NULL, NULL))
PTR_CASE(rl_ckpt_load, rl_ckpt_load(NULL))
INT_CASE(rl_train, rl_train(NULL))
PTR_CASE(rl_agent_load, rl_agent_load(NULL))
VOID_CASE(rl_agent_free, rl_agent_free(NULL))
PTR_CASE(rl_agent_kind, rl_agent_kind(NULL))
PTR_CASE(rl_agent_env_id, rl_agent_env_id(NULL))
PTR_CASE(rl_agent_env_opts, rl_agent_env_opts(NULL))
ZERO_CASE(rl_agent_obs_dim, rl_agent_obs_dim(NULL))
ZERO_CASE(rl_agent_act_dim, rl_agent_act_dim(NULL))
PTR_CASE(rl_agent_obs_space, rl_agent_obs_space(NULL))
PTR_CASE(rl_agent_act_space, rl_agent_act_space(NULL))
INT_CASE(rl_agent_act, rl_agent_act(NULL, NULL, 1, NULL, 1))
INT_CASE(rl_agent_reset_state, rl_agent_reset_state(NULL, 0))
INT_CASE(rl_evaluate, rl_evaluate(NULL, NULL, 1, 1, 1, NULL))

#define CASE(fn) {#fn, c_##fn}
static const null_case null_cases[] = {
    CASE(rl_rng_seed), CASE(rl_rng_u32), CASE(rl_rng_below), CASE(rl_rng_uniform),
    CASE(rl_rng_range), CASE(rl_rng_normal), CASE(rl_error), CASE(rl_opts_defaults),
    CASE(rl_opts_set), CASE(rl_opts_parse), CASE(rl_opts_find), CASE(rl_opts_format_value),
    CASE(rl_opts_format), CASE(rl_kv_next), CASE(rl_parse_int), CASE(rl_parse_double),
    CASE(rl_task_register), CASE(rl_task_find), CASE(rl_plugin_load), CASE(rl_env_make),
    CASE(rl_env_free), CASE(rl_env_reset), CASE(rl_env_step), CASE(rl_env_obs),
    CASE(rl_env_reward), CASE(rl_env_terminated), CASE(rl_env_truncated), CASE(rl_env_info),
    CASE(rl_env_obs_space), CASE(rl_env_act_space), CASE(rl_env_slice), CASE(rl_env_options),
    CASE(rl_env_render), CASE(rl_env_set_state), CASE(rl_env_get_state),
    CASE(rl_env_wrapper_opts), CASE(rl_env_task), CASE(rl_env_num_slices),
    CASE(rl_env_slice_at), CASE(rl_env_num_info), CASE(rl_env_info_name),
    CASE(rl_env_max_steps), CASE(rl_env_dt), CASE(rl_env_privileged_dim), CASE(rl_vec_make), CASE(rl_vec_free), CASE(rl_vec_reset),
    CASE(rl_vec_step), CASE(rl_vec_set_autoreset), CASE(rl_vec_final_obs),
    CASE(rl_vec_num_envs), CASE(rl_vec_num_threads), CASE(rl_vec_env), CASE(rl_vec_obs),
    CASE(rl_vec_actions), CASE(rl_vec_rewards), CASE(rl_vec_terminated),
    CASE(rl_vec_truncated), CASE(rl_vec_infos), CASE(rl_ckpt_free), CASE(rl_ckpt_set_meta),
    CASE(rl_ckpt_meta), CASE(rl_ckpt_meta_count), CASE(rl_ckpt_meta_at), CASE(rl_ckpt_put),
    CASE(rl_ckpt_get), CASE(rl_ckpt_tensor_count), CASE(rl_ckpt_tensor_at), CASE(rl_ckpt_save),
    CASE(rl_ckpt_load), CASE(rl_train), CASE(rl_agent_load), CASE(rl_agent_free),
    CASE(rl_agent_kind), CASE(rl_agent_env_id), CASE(rl_agent_env_opts),
    CASE(rl_agent_obs_dim), CASE(rl_agent_act_dim), CASE(rl_agent_obs_space),
    CASE(rl_agent_act_space), CASE(rl_agent_act),
    CASE(rl_agent_reset_state), CASE(rl_evaluate),
};
#define N_NULL_CASES ((int)(sizeof null_cases / sizeof null_cases[0]))

/* Functions with no pointer argument: nothing to check. */
static const char *const no_pointers[] = {
    "rl_version", "rl_last_error", "rl_last_code", "rl_strerror", "rl_clear_error",
    "rl_seed_derive", "rl_task_count", "rl_task_at", "rl_plugin_load_env", "rl_ckpt_make",
    "rl_train_interrupt",
};

START_TEST(null_arguments_follow_the_rule)
{
    const null_case *c = &null_cases[_i];
    ck_assert_msg(c->call(), "%s with NULL arguments: '%s' (expected RL_EINVAL / NULL / 0 "
                  "and a message naming it)", c->fn, rl_last_error());
}
END_TEST

/* The table covers every RL_API function (or it has no pointer to check). */
START_TEST(null_table_covers_the_header)
{
    static names hdr;
    header_names(&hdr);
    char missing[4096] = "";
    for (int i = 0; i < hdr.n; i++) {
        int found = 0;
        for (int k = 0; k < N_NULL_CASES && !found; k++) found = !strcmp(null_cases[k].fn, hdr.name[i]);
        for (size_t k = 0; k < sizeof no_pointers / sizeof *no_pointers && !found; k++)
            found = !strcmp(no_pointers[k], hdr.name[i]);
        if (!found)
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), " %s", hdr.name[i]);
    }
    ck_assert_msg(!missing[0], "public functions without a NULL case in test_api.c:%s", missing);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("api");
    tcase_add_test(tc, exports_equal_the_header);
    tcase_add_test(tc, null_table_covers_the_header);
    tcase_add_loop_test(tc, null_arguments_follow_the_rule, 0, N_NULL_CASES);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
