/* Checkpoints: bit-exact round trip, atomic save, and a distinct clear error
 * for every kind of damage (truncation, flipped byte, bad magic, future
 * version, missing file), never a crash. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "rltool.h"

static char dir[256];

static void make_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/rltool_ckpt_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        remove(p);
    }
    if (d) closedir(d);
    rmdir(dir);
}

static void path_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc(*n + 1);
    ck_assert_uint_eq(fread(p, 1, *n, f), *n);
    fclose(f);
    return p;
}

static void spit(const char *path, const unsigned char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* A checkpoint with every dtype, awkward float values and metadata. */
static rl_ckpt *sample_ckpt(void)
{
    rl_ckpt *ck = rl_ckpt_make();
    float f[1000];
    rl_rng r;
    rl_rng_seed(&r, 42, 0);
    for (int i = 0; i < 1000; i++) f[i] = (float)rl_rng_normal(&r);
    f[0] = NAN;
    f[1] = -0.0f;
    f[2] = INFINITY;
    f[3] = 1e-45f; /* denormal */
    double d[3] = {M_PI, -1e300, 5e-324};
    int64_t i64[2] = {INT64_MIN, 123456789012345LL};
    unsigned char u8[4] = {0, 1, 254, 255};
    ck_assert_int_eq(rl_ckpt_put(ck, "actor.params", RL_F32, f, 1000), RL_OK);
    ck_assert_int_eq(rl_ckpt_put(ck, "stats", RL_F64, d, 3), RL_OK);
    ck_assert_int_eq(rl_ckpt_put(ck, "step", RL_I64, i64, 2), RL_OK);
    ck_assert_int_eq(rl_ckpt_put(ck, "flags", RL_U8, u8, 4), RL_OK);
    ck_assert_int_eq(rl_ckpt_put(ck, "empty", RL_F32, NULL, 0), RL_OK);
    ck_assert_int_eq(rl_ckpt_set_meta(ck, "agent", "sac"), RL_OK);
    ck_assert_int_eq(rl_ckpt_set_meta(ck, "env", "swimmer-v1"), RL_OK);
    ck_assert_int_eq(rl_ckpt_set_meta(ck, "options", "links=6,ctrl_cost=1e-4, spaced: yes"), RL_OK);
    return ck;
}

START_TEST(round_trip_bit_exact)
{
    make_dir();
    char p[512];
    path_of(p, sizeof p, "a.ckpt");
    rl_ckpt *ck = sample_ckpt();
    ck_assert_int_eq(rl_ckpt_save(ck, p), RL_OK);
    rl_ckpt *back = rl_ckpt_load(p);
    ck_assert_msg(back != NULL, "load failed: %s", rl_last_error());
    ck_assert_int_eq(rl_ckpt_tensor_count(back), rl_ckpt_tensor_count(ck));
    for (int i = 0; i < rl_ckpt_tensor_count(ck); i++) {
        const char *name;
        rl_dtype dt;
        int64_t n, n2;
        const void *a, *b;
        rl_ckpt_tensor_at(ck, i, &name, &dt, &n, &a);
        b = rl_ckpt_get(back, name, dt, n, &n2);
        ck_assert_msg(b != NULL, "%s: %s", name, rl_last_error());
        ck_assert_int_eq((int)n2, (int)n);
        size_t es = dt == RL_F32 ? 4 : dt == RL_U8 ? 1 : 8;
        ck_assert(memcmp(a, b, (size_t)n * es) == 0);
    }
    ck_assert_int_eq(rl_ckpt_meta_count(back), 3);
    ck_assert_str_eq(rl_ckpt_meta(back, "agent"), "sac");
    ck_assert_str_eq(rl_ckpt_meta(back, "options"), "links=6,ctrl_cost=1e-4, spaced: yes");
    ck_assert_ptr_null(rl_ckpt_meta(back, "nope"));
    /* The header is readable text. */
    size_t n;
    unsigned char *raw = slurp(p, &n);
    ck_assert(memcmp(raw, "RLTOOL-CKPT\nformat_version: 1\n", 30) == 0);
    ck_assert_ptr_nonnull(strstr((char *)raw, "\nagent: sac\n"));
    free(raw);
    /* Saving again replaces the file and leaves no temp file. */
    ck_assert_int_eq(rl_ckpt_save(back, p), RL_OK);
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') files++;
    closedir(d);
    ck_assert_int_eq(files, 1);
    rl_ckpt_free(back);
    rl_ckpt_free(ck);
    remove_dir();
}
END_TEST

START_TEST(api_errors)
{
    rl_ckpt *ck = sample_ckpt();
    float one = 1;
    ck_assert_ptr_null(rl_ckpt_get(ck, "missing", RL_F32, 1, NULL));
    ck_assert_int_eq(rl_last_code(), RL_ENOTFOUND);
    ck_assert_ptr_null(rl_ckpt_get(ck, "stats", RL_F32, 3, NULL));
    ck_assert_int_eq(rl_last_code(), RL_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "f64[3]"));
    ck_assert_ptr_null(rl_ckpt_get(ck, "stats", RL_F64, 4, NULL));
    int64_t n = 0;
    ck_assert_ptr_nonnull(rl_ckpt_get(ck, "stats", RL_F64, -1, &n));
    ck_assert_int_eq((int)n, 3);
    ck_assert_int_eq(rl_ckpt_set_meta(ck, "blob", "x"), RL_EINVAL);
    ck_assert_int_eq(rl_ckpt_set_meta(ck, "a:b", "x"), RL_EINVAL);
    ck_assert_int_eq(rl_ckpt_set_meta(ck, "k", "two\nlines"), RL_EINVAL);
    ck_assert_int_eq(rl_ckpt_put(ck, "", RL_F32, &one, 1), RL_EINVAL);
    ck_assert_int_eq(rl_ckpt_put(ck, "x", (rl_dtype)9, &one, 1), RL_EINVAL);
    /* Replace keeps the count of entries. */
    ck_assert_int_eq(rl_ckpt_set_meta(ck, "agent", "ppo"), RL_OK);
    ck_assert_str_eq(rl_ckpt_meta(ck, "agent"), "ppo");
    ck_assert_int_eq(rl_ckpt_meta_count(ck), 3);
    ck_assert_int_eq(rl_ckpt_put(ck, "stats", RL_F32, &one, 1), RL_OK);
    ck_assert_int_eq(rl_ckpt_tensor_count(ck), 5);
    ck_assert_int_eq(rl_ckpt_tensor_at(ck, 5, NULL, NULL, NULL, NULL), RL_EINVAL);
    ck_assert_int_eq(rl_ckpt_save(ck, "/nonexistent-dir/x.ckpt"), RL_EIO);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "/nonexistent-dir/x.ckpt"));
    rl_ckpt_free(ck);
    rl_ckpt_free(NULL);
}
END_TEST

/* Save the sample, damage a copy with `edit`, load it, return the code. */
static int load_damaged(void (*edit)(unsigned char *p, size_t *n), char *msg, size_t cap)
{
    char p[512], q[512];
    path_of(p, sizeof p, "good.ckpt");
    path_of(q, sizeof q, "bad.ckpt");
    rl_ckpt *ck = sample_ckpt();
    ck_assert_int_eq(rl_ckpt_save(ck, p), RL_OK);
    rl_ckpt_free(ck);
    size_t n;
    unsigned char *raw = slurp(p, &n);
    raw = realloc(raw, n + 64);
    edit(raw, &n);
    spit(q, raw, n);
    free(raw);
    rl_clear_error();
    rl_ckpt *back = rl_ckpt_load(q);
    ck_assert_ptr_null(back);
    snprintf(msg, cap, "%s", rl_last_error());
    return rl_last_code();
}

static void cut_tail(unsigned char *p, size_t *n) { *n -= 100; }
static void flip_blob(unsigned char *p, size_t *n) { p[*n - 200] ^= 0x10; }
static void flip_meta(unsigned char *p, size_t *n)
{
    char *s = strstr((char *)p, "agent: sac");
    s[8] = 'x'; /* "sxc": only the CRC can tell */
}
static void bad_magic(unsigned char *p, size_t *n) { memcpy(p, "PK\x03\x04", 4); }
static void future(unsigned char *p, size_t *n)
{
    char *s = strstr((char *)p, "format_version: 1");
    s[16] = '7';
}

START_TEST(damage_gives_distinct_errors)
{
    make_dir();
    char msg[1024];
    ck_assert_int_eq(load_damaged(cut_tail, msg, sizeof msg), RL_ECORRUPT);
    ck_assert_msg(strstr(msg, "file is truncated: expected") != NULL, "%s", msg);
    ck_assert_int_eq(load_damaged(flip_blob, msg, sizeof msg), RL_ECORRUPT);
    ck_assert_msg(strstr(msg, "checksum mismatch") != NULL, "%s", msg);
    ck_assert_int_eq(load_damaged(flip_meta, msg, sizeof msg), RL_ECORRUPT);
    ck_assert_msg(strstr(msg, "checksum mismatch") != NULL, "%s", msg);
    ck_assert_int_eq(load_damaged(bad_magic, msg, sizeof msg), RL_ECORRUPT);
    ck_assert_msg(strstr(msg, "bad magic") != NULL, "%s", msg);
    ck_assert_int_eq(load_damaged(future, msg, sizeof msg), RL_EVERSION);
    ck_assert_msg(strstr(msg, "version 7") && strstr(msg, "version 1"), "%s", msg);

    char p[512];
    path_of(p, sizeof p, "missing.ckpt");
    ck_assert_ptr_null(rl_ckpt_load(p));
    ck_assert_int_eq(rl_last_code(), RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "missing.ckpt"));
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "No such file"));
    ck_assert_ptr_null(rl_ckpt_load(dir)); /* a directory */
    ck_assert_int_eq(rl_last_code(), RL_EIO);
    remove_dir();
}
END_TEST

/* Every truncation length and every single-byte flip is rejected cleanly
 * (the sanitizer build turns any out-of-bounds read into a failure). */
START_TEST(fuzz_every_byte)
{
    make_dir();
    char p[512], q[512];
    path_of(p, sizeof p, "good.ckpt");
    path_of(q, sizeof q, "bad.ckpt");
    rl_ckpt *ck = rl_ckpt_make();
    float w[16];
    for (int i = 0; i < 16; i++) w[i] = (float)i * 0.25f;
    rl_ckpt_put(ck, "w", RL_F32, w, 16);
    rl_ckpt_set_meta(ck, "agent", "dqn");
    ck_assert_int_eq(rl_ckpt_save(ck, p), RL_OK);
    rl_ckpt_free(ck);
    size_t n;
    unsigned char *raw = slurp(p, &n);
    for (size_t len = 0; len < n; len++) {
        spit(q, raw, len);
        rl_ckpt *b = rl_ckpt_load(q);
        ck_assert_msg(b == NULL, "truncated to %zu bytes but loaded", len);
        ck_assert(rl_last_code() == RL_ECORRUPT);
    }
    for (size_t i = 0; i < n; i++) {
        raw[i] ^= 0xFF;
        spit(q, raw, n);
        rl_ckpt *b = rl_ckpt_load(q);
        ck_assert_msg(b == NULL, "byte %zu flipped but loaded", i);
        ck_assert(rl_last_code() == RL_ECORRUPT || rl_last_code() == RL_EVERSION);
        raw[i] ^= 0xFF;
    }
    free(raw);
    remove_dir();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("checkpoint");
    TCase *tc = tcase_create("checkpoint");
    tcase_add_test(tc, round_trip_bit_exact);
    tcase_add_test(tc, api_errors);
    tcase_add_test(tc, damage_gives_distinct_errors);
    tcase_add_test(tc, fuzz_every_byte);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
