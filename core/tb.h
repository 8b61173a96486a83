/* tb.h: TensorBoard event files (scalars), written without TensorFlow, so
 * rltool runs sit beside SB3 and CleanRL runs in one dashboard.
 *
 * A file is a sequence of TFRecords, each
 *   uint64 length (little endian), uint32 masked_crc32c(length bytes),
 *   length bytes of data, uint32 masked_crc32c(data),
 * where masked(c) = ((c >> 15) | (c << 17)) + 0xa282ead8 and CRC-32C is the
 * Castagnoli polynomial. The data is a serialized tensorflow.Event:
 *   1 wall_time double, 2 step int64, 3 file_version string ("brain.Event:2",
 *   the first record), 5 summary Summary;
 * Summary: 1 repeated Value; Value: 1 tag string, 2 simple_value float.
 * Files are append-only; each call flushes, so a crash loses nothing written.
 */
#ifndef RL_CORE_TB_H
#define RL_CORE_TB_H

#include <stddef.h>
#include <stdint.h>

typedef struct rl_tb rl_tb;

/* A new event file dir/events.out.tfevents.SECONDS.HOST.PID[.N].rltool (dir must
 * exist). NULL with RL_EIO when it cannot be written. */
rl_tb *rl_tb_open(const char *dir);
void rl_tb_close(rl_tb *tb);
/* One event at `step` holding n scalars (tags[i], values[i]); non-finite
 * values are left out. RL_EIO when the write fails. */
int rl_tb_scalars(rl_tb *tb, int64_t step, const char *const *tags, const double *values, int n);
/* Keep only the records of the file at `path` whose step is <= step (the
 * version record has none and stays); a torn or corrupt tail is dropped
 * with them. Rewritten atomically, untouched when nothing goes. A resumed
 * run calls it so that the dashboard does not keep the abandoned future. */
int rl_tb_truncate(const char *path, int64_t step);
/* The file's path. */
const char *rl_tb_path(const rl_tb *tb);

/* CRC-32C of n bytes (exposed for the tests). */
uint32_t rl_tb_crc32c(const void *data, size_t n);

#endif
