/* The key=value option parser: defaults, types, ranges, lists, errors. */
#include <check.h>
#include <stddef.h>
#include <string.h>

#include "check_main.h"
#include "rltool.h"

typedef struct {
    int links;
    double lr;
    int flag;
    int mode;
    rl_intlist hidden;
    char name[RL_OPT_STR_MAX];
} cfg_t;

static const rl_optdef defs[] = {
    {"links", RL_OPT_INT, offsetof(cfg_t, links), "6", 3, 20, NULL, "bodies"},
    {"lr", RL_OPT_FLOAT, offsetof(cfg_t, lr), "3e-4", 0, 1, NULL, "learning rate"},
    {"flag", RL_OPT_BOOL, offsetof(cfg_t, flag), "off", 0, 1, NULL, "a switch"},
    {"mode", RL_OPT_CHOICE, offsetof(cfg_t, mode), "b", 0, 0, "a|b|c", "a choice"},
    {"hidden", RL_OPT_INTLIST, offsetof(cfg_t, hidden), "64x64", 1, 4096, NULL, "sizes"},
    {"name", RL_OPT_STR, offsetof(cfg_t, name), "x", 0, 0, NULL, "text"},
};
#define N ((int)(sizeof defs / sizeof defs[0]))

START_TEST(defaults_and_parse)
{
    cfg_t c;
    memset(&c, 0, sizeof c); /* the comparison below covers padding and string tails */
    ck_assert_int_eq(rl_opts_defaults(defs, N, &c), RL_OK);
    ck_assert_int_eq(c.links, 6);
    ck_assert_double_eq_tol(c.lr, 3e-4, 1e-12);
    ck_assert_int_eq(c.flag, 0);
    ck_assert_int_eq(c.mode, 1);
    ck_assert_int_eq(c.hidden.n, 2);
    ck_assert_int_eq(c.hidden.v[1], 64);
    ck_assert_int_eq(rl_opts_parse(defs, N, &c, "t", "links=8, lr=1e-3,flag=true,mode=c,"
                                                    "hidden=256x128x32,name=hello"), RL_OK);
    ck_assert_int_eq(c.links, 8);
    ck_assert_double_eq_tol(c.lr, 1e-3, 1e-12);
    ck_assert_int_eq(c.flag, 1);
    ck_assert_int_eq(c.mode, 2);
    ck_assert_int_eq(c.hidden.n, 3);
    ck_assert_int_eq(c.hidden.v[2], 32);
    ck_assert_str_eq(c.name, "hello");
    char buf[512];
    ck_assert_int_gt(rl_opts_format(defs, N, &c, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "links=8,lr=0.001,flag=1,mode=c,hidden=256x128x32,name=hello");
    /* The canonical text parses back to the same config. */
    cfg_t d;
    memset(&d, 0, sizeof d);
    rl_opts_defaults(defs, N, &d);
    ck_assert_int_eq(rl_opts_parse(defs, N, &d, "t", buf), RL_OK);
    ck_assert_mem_eq(&c, &d, sizeof c);
}
END_TEST

START_TEST(errors_name_what_is_accepted)
{
    cfg_t c;
    memset(&c, 0, sizeof c);
    rl_opts_defaults(defs, N, &c);
    ck_assert_int_eq(rl_opts_parse(defs, N, &c, "swimmer-v1", "linkz=3"), RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "unknown option 'linkz' for swimmer-v1"));
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "known: links, lr"));
    const char *bad[] = {"links=abc", "links=2", "links=21", "links=6.5", "lr=nan", "lr=inf",
                         "lr=2", "lr=", "flag=maybe", "mode=d", "hidden=64x", "hidden=x64",
                         "hidden=0", "hidden=1x2x3x4x5x6x7x8x9", "links= 6"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg_t before = c;
        ck_assert_msg(rl_opts_parse(defs, N, &c, "t", bad[i]) == RL_EINVAL, "%s accepted", bad[i]);
        ck_assert_ptr_nonnull(strstr(rl_last_error(), "expected"));
        ck_assert_mem_eq(&before, &c, sizeof c);
    }
    ck_assert_int_eq(rl_opts_parse(defs, N, &c, "t", "links"), RL_EINVAL);
    ck_assert_int_eq(rl_opts_parse(defs, N, &c, "t", "=3"), RL_EINVAL);
    ck_assert_int_eq(rl_opts_parse(defs, N, &c, "t", "links=1e1"), RL_OK);
    ck_assert_int_eq(c.links, 10);
    ck_assert_int_eq(rl_opts_parse(defs, N, &c, "t", NULL), RL_OK);
    ck_assert_int_eq(rl_opts_parse(defs, N, &c, "t", ""), RL_OK);
}
END_TEST

START_TEST(rng_streams)
{
    rl_rng a, b, c;
    rl_rng_seed(&a, 42, 0);
    rl_rng_seed(&b, 42, 0);
    rl_rng_seed(&c, 42, 1);
    int same_c = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t x = rl_rng_u32(&a);
        ck_assert_uint_eq(x, rl_rng_u32(&b));
        same_c += x == rl_rng_u32(&c);
    }
    ck_assert_int_lt(same_c, 3);
    /* Moments of the uniform and normal generators. */
    double s = 0, s2 = 0, n = 0, n2 = 0;
    const int m = 200000;
    for (int i = 0; i < m; i++) {
        double u = rl_rng_uniform(&a), g = rl_rng_normal(&a);
        ck_assert(u >= 0 && u < 1);
        s += u;
        s2 += u * u;
        n += g;
        n2 += g * g;
    }
    ck_assert_double_eq_tol(s / m, 0.5, 0.005);
    ck_assert_double_eq_tol(s2 / m - (s / m) * (s / m), 1.0 / 12, 0.002);
    ck_assert_double_eq_tol(n / m, 0.0, 0.01);
    ck_assert_double_eq_tol(n2 / m, 1.0, 0.02);
    int counts[7] = {0};
    for (int i = 0; i < 70000; i++) counts[rl_rng_below(&a, 7)]++;
    for (int i = 0; i < 7; i++) ck_assert_int_gt(counts[i], 9400);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, defaults_and_parse);
    tcase_add_test(tc, errors_name_what_is_accepted);
    tcase_add_test(tc, rng_streams);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
