/* tb.c: TensorBoard scalar event files (the format is described in tb.h). */
#include "core/tb.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "rltool.h"

struct rl_tb {
    FILE *f;
    char path[1200];
};

uint32_t rl_tb_crc32c(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1u)));
    }
    return ~c;
}

static uint32_t masked_crc(const void *data, size_t n)
{
    uint32_t c = rl_tb_crc32c(data, n);
    return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

/* ------------------------------------------------------------ protobuf */

/* A growing byte buffer for one message; `fail` latches an allocation error. */
typedef struct pb {
    unsigned char *p;
    size_t len, cap;
    int fail;
} pb;

static void pb_bytes(pb *b, const void *src, size_t n)
{
    if (b->fail || !n) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->fail = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void pb_varint(pb *b, uint64_t v)
{
    unsigned char t[10];
    int n = 0;
    do {
        t[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v) t[n] |= 0x80;
        n++;
    } while (v);
    pb_bytes(b, t, (size_t)n);
}

/* Key of field `field` with wire type `wt` (0 varint, 1 fixed64, 2 bytes, 5 fixed32). */
static void pb_key(pb *b, int field, int wt) { pb_varint(b, (uint64_t)(field << 3 | wt)); }

static void pb_fixed(pb *b, uint64_t v, int n)
{
    unsigned char t[8];
    for (int i = 0; i < n; i++) t[i] = (unsigned char)(v >> (8 * i));
    pb_bytes(b, t, (size_t)n);
}

static void pb_double(pb *b, int field, double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    pb_key(b, field, 1);
    pb_fixed(b, u, 8);
}

static void pb_float(pb *b, int field, float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    pb_key(b, field, 5);
    pb_fixed(b, u, 4);
}

static void pb_string(pb *b, int field, const void *s, size_t n)
{
    pb_key(b, field, 2);
    pb_varint(b, n);
    pb_bytes(b, s, n);
}

/* ------------------------------------------------------------ records */

static int write_record(rl_tb *tb, const unsigned char *data, size_t n)
{
    unsigned char head[12];
    uint64_t len = n;
    for (int i = 0; i < 8; i++) head[i] = (unsigned char)(len >> (8 * i));
    uint32_t hc = masked_crc(head, 8), dc = masked_crc(data, n);
    for (int i = 0; i < 4; i++) head[8 + i] = (unsigned char)(hc >> (8 * i));
    unsigned char tail[4];
    for (int i = 0; i < 4; i++) tail[i] = (unsigned char)(dc >> (8 * i));
    if (fwrite(head, 1, 12, tb->f) != 12 || fwrite(data, 1, n, tb->f) != n ||
        fwrite(tail, 1, 4, tb->f) != 4 || fflush(tb->f))
        return rl_error(RL_EIO, "cannot write %s: %s", tb->path, strerror(errno));
    return RL_OK;
}

static double wall_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

rl_tb *rl_tb_open(const char *dir)
{
    rl_tb *tb = calloc(1, sizeof *tb);
    if (!tb) return rl_error(RL_ENOMEM, "out of memory"), NULL;
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = 0;
    /* A run resumed in the same process within the same second would get
     * the same name: never replace a file, count up instead. */
    long long now = (long long)time(NULL);
    int fd = -1;
    for (int k = 0; fd < 0 && k < 100; k++) {
        char seq[16] = "";
        if (k) snprintf(seq, sizeof seq, ".%d", k);
        snprintf(tb->path, sizeof tb->path, "%s/events.out.tfevents.%lld.%s.%ld%s.rltool", dir,
                 now, host, (long)getpid(), seq);
        fd = open(tb->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd >= 0 && !(tb->f = fdopen(fd, "wb"))) close(fd);
    if (!tb->f) {
        rl_error(RL_EIO, "cannot write %s: %s", tb->path, strerror(errno));
        free(tb);
        return NULL;
    }
    pb b = {0};
    pb_double(&b, 1, wall_clock());
    static const char version[] = "brain.Event:2";
    pb_string(&b, 3, version, sizeof version - 1);
    int rc = b.fail ? rl_error(RL_ENOMEM, "out of memory") : write_record(tb, b.p, b.len);
    free(b.p);
    if (rc) {
        rl_tb_close(tb);
        return NULL;
    }
    return tb;
}

int rl_tb_scalars(rl_tb *tb, int64_t step, const char *const *tags, const double *values, int n)
{
    pb summary = {0}, value = {0}, event = {0};
    for (int i = 0; i < n; i++) {
        if (!isfinite(values[i])) continue;
        value.len = 0;
        pb_string(&value, 1, tags[i], strlen(tags[i]));
        pb_float(&value, 2, (float)values[i]);
        if (value.fail) break;
        pb_string(&summary, 1, value.p, value.len);
    }
    pb_double(&event, 1, wall_clock());
    pb_key(&event, 2, 0);
    pb_varint(&event, (uint64_t)step);
    if (!summary.fail) pb_string(&event, 5, summary.p, summary.len);
    int rc = value.fail || summary.fail || event.fail ? rl_error(RL_ENOMEM, "out of memory")
                                                       : write_record(tb, event.p, event.len);
    free(value.p);
    free(summary.p);
    free(event.p);
    return rc;
}

/* ------------------------------------------------------------ truncation */

static uint64_t le_bytes(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Read a varint at p[*at..n); 0 when it runs off the end. */
static int get_varint(const unsigned char *p, size_t n, size_t *at, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; *at < n && shift < 64; shift += 7) {
        unsigned char c = p[(*at)++];
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return 1;
    }
    return 0;
}

/* The step field of a serialized Event (0 when absent, as for the version
 * record); -1 when the bytes do not parse as a message. */
static int64_t event_step(const unsigned char *p, size_t n)
{
    int64_t step = 0;
    for (size_t at = 0; at < n;) {
        uint64_t key, v;
        if (!get_varint(p, n, &at, &key)) return -1;
        switch (key & 7) {
        case 0:
            if (!get_varint(p, n, &at, &v)) return -1;
            if (key >> 3 == 2) step = (int64_t)v;
            break;
        case 1: at += 8; break;
        case 5: at += 4; break;
        case 2:
            if (!get_varint(p, n, &at, &v) || v > n - at) return -1;
            at += v;
            break;
        default: return -1;
        }
        if (at > n) return -1;
    }
    return step;
}

/* Event records (length, its CRC, data, its CRC) of steps <= max_step; a
 * record that does not check out ends the file. */
static int keep_event(const unsigned char *text, size_t at, size_t n, int64_t max_step,
                      size_t *len)
{
    if (n - at < 16) return -1;
    uint64_t dlen = le_bytes(text + at, 8);
    if (le_bytes(text + at + 8, 4) != masked_crc(text + at, 8) || dlen > n - at - 16) return -1;
    const unsigned char *data = text + at + 12;
    if (le_bytes(data + dlen, 4) != masked_crc(data, dlen)) return -1;
    int64_t s = event_step(data, dlen);
    if (s < 0) return -1;
    *len = 16 + (size_t)dlen;
    return s <= max_step;
}

int rl_tb_truncate(const char *path, int64_t step)
{
    return rl_file_keep_records(path, "TensorBoard event file", (int64_t)1 << 30, keep_event,
                                step);
}

const char *rl_tb_path(const rl_tb *tb) { return tb->path; }

void rl_tb_close(rl_tb *tb)
{
    if (!tb) return;
    if (tb->f) fclose(tb->f);
    free(tb);
}
