/* TensorBoard event files: CRC-32C against its check value, TFRecord
 * framing read back byte by byte, and the Event fields of a scalar row.
 * (tests/python/test_tensorboard.py reads a training run's file with
 * TensorBoard's own reader.) */
#include <check.h>

#include "check_main.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/tb.h"
#include "rltool.h"

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t masked(uint32_t c) { return ((c >> 15) | (c << 17)) + 0xa282ead8u; }

START_TEST(crc32c_check_value)
{
    /* The CRC-32C (Castagnoli) check value of "123456789". */
    ck_assert_uint_eq(rl_tb_crc32c("123456789", 9), 0xe3069283u);
    ck_assert_uint_eq(rl_tb_crc32c("", 0), 0);
}
END_TEST

/* Read the records of a file: returns their count, copies record k's data. */
static int read_records(const char *path, int k, unsigned char *out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    int n = 0;
    unsigned char head[12];
    while (fread(head, 1, 12, f) == 12) {
        uint64_t len = 0;
        for (int i = 0; i < 8; i++) len |= (uint64_t)head[i] << (8 * i);
        ck_assert_uint_eq(le32(head + 8), masked(rl_tb_crc32c(head, 8)));
        ck_assert_uint_lt(len, 4096);
        unsigned char data[4096], tail[4];
        ck_assert_uint_eq(fread(data, 1, len, f), len);
        ck_assert_uint_eq(fread(tail, 1, 4, f), 4);
        ck_assert_uint_eq(le32(tail), masked(rl_tb_crc32c(data, len)));
        if (n == k) {
            memcpy(out, data, len);
            *out_len = len;
        }
        n++;
    }
    fclose(f);
    return n;
}

static int contains(const unsigned char *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (!memcmp(hay + i, needle, m)) return 1;
    return 0;
}

START_TEST(records_and_events)
{
    char dir[] = "/tmp/rltool_tb_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    rl_tb *tb = rl_tb_open(dir);
    ck_assert_ptr_nonnull(tb);
    const char *tags[] = {"return_mean", "skipped", "loss"};
    double v[] = {12.5, NAN, -0.25};
    ck_assert_int_eq(rl_tb_scalars(tb, 300, tags, v, 3), RL_OK);
    ck_assert_int_eq(rl_tb_scalars(tb, 600, tags, v, 1), RL_OK);
    char path[1300];
    snprintf(path, sizeof path, "%s", rl_tb_path(tb));
    rl_tb_close(tb);
    ck_assert_ptr_nonnull(strstr(path, "events.out.tfevents."));

    unsigned char ev[4096];
    size_t len = 0;
    ck_assert_int_eq(read_records(path, 0, ev, &len), 3);
    ck_assert(contains(ev, len, "brain.Event:2", 13));
    ck_assert_int_eq(read_records(path, 1, ev, &len), 3);
    /* step 300 as field 2 (key 0x10), varint 0xac 0x02. */
    ck_assert(contains(ev, len, "\x10\xac\x02", 3));
    ck_assert(contains(ev, len, "return_mean", 11));
    ck_assert(contains(ev, len, "loss", 4));
    ck_assert(!contains(ev, len, "skipped", 7)); /* NaN values are left out */
    float f = 12.5f;
    unsigned char want[5] = {0x15};                 /* Value.simple_value, fixed32 */
    memcpy(want + 1, &f, 4);
    ck_assert(contains(ev, len, want, 5));
    /* A second file in the same second and process (a resumed run) gets
     * its own name and leaves the first untouched. */
    rl_tb *again = rl_tb_open(dir);
    ck_assert_ptr_nonnull(again);
    ck_assert_str_ne(rl_tb_path(again), path);
    ck_assert_int_eq(read_records(path, 0, ev, &len), 3);
    remove(rl_tb_path(again));
    rl_tb_close(again);
    remove(path);
    rmdir(dir);
    ck_assert_ptr_null(rl_tb_open("/nonexistent-dir"));
    ck_assert_int_eq(rl_last_code(), RL_EIO);
}
END_TEST

/* A resumed run cuts the events past its step: records kept in order, the
 * version record kept, a torn tail (a kill -9 mid-write) dropped, and a file
 * with nothing to cut left byte-identical. */
START_TEST(truncate_drops_future_and_torn_tail)
{
    char dir[] = "/tmp/rltool_tb_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    rl_tb *tb = rl_tb_open(dir);
    ck_assert_ptr_nonnull(tb);
    const char *tag[] = {"return_mean"};
    for (int k = 1; k <= 10; k++) {
        double v = k;
        ck_assert_int_eq(rl_tb_scalars(tb, 100 * k, tag, &v, 1), RL_OK);
    }
    char path[1300];
    snprintf(path, sizeof path, "%s", rl_tb_path(tb));
    rl_tb_close(tb);
    unsigned char ev[4096];
    size_t len = 0;
    ck_assert_int_eq(read_records(path, 0, ev, &len), 11);

    ck_assert_int_eq(rl_tb_truncate(path, 1000), RL_OK); /* nothing past 1000 */
    ck_assert_int_eq(read_records(path, 0, ev, &len), 11);

    FILE *f = fopen(path, "ab"); /* half a record, as a killed writer leaves */
    ck_assert_ptr_nonnull(f);
    fwrite("\x20\0\0\0\0\0\0\0\1\2", 1, 10, f);
    fclose(f);
    ck_assert_int_eq(rl_tb_truncate(path, 450), RL_OK);
    ck_assert_int_eq(read_records(path, 0, ev, &len), 5); /* version + 100..400 */
    ck_assert(contains(ev, len, "brain.Event:2", 13));
    ck_assert_int_eq(read_records(path, 4, ev, &len), 5);
    ck_assert(contains(ev, len, "\x10\x90\x03", 3)); /* step 400 */

    ck_assert_int_eq(rl_tb_truncate(path, 0), RL_OK);
    ck_assert_int_eq(read_records(path, 0, ev, &len), 1);
    remove(path);
    ck_assert_int_ne(rl_tb_truncate(path, 0), RL_OK); /* gone: an error, no crash */
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tb");
    TCase *tc = tcase_create("tb");
    tcase_add_test(tc, crc32c_check_value);
    tcase_add_test(tc, records_and_events);
    tcase_add_test(tc, truncate_drops_future_and_torn_tail);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
