/* Checkpoint files: a readable text header, then a zlib blob of named tensors.
 *
 *   RLTOOL-CKPT
 *   format_version: 1
 *   tensors: 3
 *   agent: sac                  <- user metadata, "key: value" per line
 *   ...
 *   blob: compressed=812 raw=2048 crc32=1a2b3c4d
 *   <812 bytes of zlib data>
 *
 * The CRC-32 covers every header byte before the "blob:" line plus the
 * compressed blob, so a flipped byte anywhere but that line is caught, and the
 * blob line itself is checked against the real file size. The raw blob is
 *   u32 n_tensors, then per tensor: u32 name_len, name, u32 dtype, i64 count,
 *   data (count * dtype size bytes)
 * with integers little-endian and data in host order (little-endian on every
 * platform we build for). Every length read back is bounded by the bytes that
 * are actually there before anything is allocated from it.
 */
#define _GNU_SOURCE 1 /* memmem */
#include "core/checkpoint.h"
#include "core/file.h"
#include "rltool.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define CKPT_MAGIC "RLTOOL-CKPT"
#define CKPT_VERSION 1
#define MAX_NAME 1024            /* tensor name or metadata key */
#define MAX_LINE 65536           /* one header line */
#define MAX_HEADER (16 << 20)    /* whole header */
#define RL_CKPT_MAX_META 1000000
#define RL_CKPT_MAX_TENSORS 65536
/* rltool's tensors are float noise, compressing by well under 4:1; a blob
 * claiming more than this ratio beyond a small allowance is a zlib bomb. */
#define RAW_FREE_BYTES ((unsigned long long)32 << 20)
#define MAX_RATIO 64
#define READ_CHUNK ((size_t)1 << 20)  /* compressed bytes inflated at a time */
#define HEAD_CHUNK ((size_t)64 << 10) /* first read: the magic is checked in it */

typedef struct {
    char *name;
    rl_dtype dtype;
    int64_t count;
    void *data;
} tensor;

typedef struct {
    char *key, *value;
} meta;

/* Name -> position, open addressing (slot holds position + 1, 0 = empty),
 * so 100k header keys load in linear time, not quadratic. */
typedef struct {
    int *slot;
    int cap;               /* power of two, > 2 x entries */
} name_index;

struct rl_ckpt {
    meta *meta;
    int n_meta, cap_meta;
    tensor *t;
    int n_t, cap_t;
    name_index meta_ix, t_ix;
};

static size_t dtype_size(rl_dtype d)
{
    switch (d) {
    case RL_F32: return 4;
    case RL_F64: return 8;
    case RL_I64: return 8;
    case RL_U8: return 1;
    }
    return 0;
}

static const char *dtype_name(rl_dtype d)
{
    switch (d) {
    case RL_F32: return "f32";
    case RL_F64: return "f64";
    case RL_I64: return "i64";
    case RL_U8: return "u8";
    }
    return "?";
}

static const char *meta_name(const rl_ckpt *ck, int i) { return ck->meta[i].key; }
static const char *tensor_name(const rl_ckpt *ck, int i) { return ck->t[i].name; }

static size_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

/* Position of name, or -1. */
static int index_find(const rl_ckpt *ck, const name_index *ix,
                      const char *(*name_of)(const rl_ckpt *, int), const char *name)
{
    if (!ix->cap) return -1;
    for (size_t h = name_hash(name) & (size_t)(ix->cap - 1);; h = (h + 1) & (size_t)(ix->cap - 1)) {
        int at = ix->slot[h] - 1;
        if (at < 0) return -1;
        if (!strcmp(name_of(ck, at), name)) return at;
    }
}

/* Record entry `at` (already stored, n entries in all); grows the table. */
static int index_add(const rl_ckpt *ck, name_index *ix,
                     const char *(*name_of)(const rl_ckpt *, int), int at, int n)
{
    if (2 * n >= ix->cap) {
        int cap = ix->cap ? 2 * ix->cap : 32;
        while (2 * n >= cap) cap *= 2;
        int *slot = calloc((size_t)cap, sizeof *slot);
        if (!slot) return rl_error(RL_ENOMEM, "checkpoint: out of memory");
        free(ix->slot);
        ix->slot = slot;
        ix->cap = cap;
        for (int i = 0; i < n; i++)
            if (i != at) index_add(ck, ix, name_of, i, n);
    }
    size_t h = name_hash(name_of(ck, at)) & (size_t)(ix->cap - 1);
    while (ix->slot[h]) h = (h + 1) & (size_t)(ix->cap - 1);
    ix->slot[h] = at + 1;
    return RL_OK;
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* ---------------------------------------------------------------- in memory */

rl_ckpt *rl_ckpt_make(void)
{
    rl_ckpt *ck = calloc(1, sizeof *ck);
    if (!ck) rl_error(RL_ENOMEM, "checkpoint: out of memory");
    return ck;
}

void rl_ckpt_free(rl_ckpt *ck)
{
    if (!ck) return;
    for (int i = 0; i < ck->n_meta; i++) {
        free(ck->meta[i].key);
        free(ck->meta[i].value);
    }
    for (int i = 0; i < ck->n_t; i++) {
        free(ck->t[i].name);
        free(ck->t[i].data);
    }
    free(ck->meta);
    free(ck->t);
    free(ck->meta_ix.slot);
    free(ck->t_ix.slot);
    free(ck);
}

/* Keys must survive the "key: value" line format and not shadow the
 * format's own keys. */
static int check_key(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > MAX_NAME)
        return rl_error(RL_EINVAL, "checkpoint: metadata key must have 1..%d characters",
                        MAX_NAME);
    if (strpbrk(key, ":\n\r") || key[0] == ' ' || key[n - 1] == ' ')
        return rl_error(RL_EINVAL,
                        "checkpoint: metadata key '%s' may not contain ':' or newlines or "
                        "start/end with a space", key);
    if (!strcmp(key, "format_version") || !strcmp(key, "blob") || !strcmp(key, "tensors"))
        return rl_error(RL_EINVAL, "checkpoint: metadata key '%s' is reserved", key);
    return RL_OK;
}

int rl_ckpt_set_meta(rl_ckpt *ck, const char *key, const char *value)
{
    RL_NEED(ck, RL_EINVAL);
    RL_NEED(key, RL_EINVAL);
    RL_NEED(value, RL_EINVAL);
    int rc = check_key(key);
    if (rc) return rc;
    if (!value || strpbrk(value, "\n\r") || strlen(value) > MAX_LINE - MAX_NAME - 8)
        return rl_error(RL_EINVAL, "checkpoint: value of '%s' must be one line under %d bytes",
                        key, MAX_LINE - MAX_NAME - 8);
    char *v = dupstr(value);
    if (!v) return rl_error(RL_ENOMEM, "checkpoint: out of memory");
    int at = index_find(ck, &ck->meta_ix, meta_name, key);
    if (at >= 0) {
        free(ck->meta[at].value);
        ck->meta[at].value = v;
        return RL_OK;
    }
    if (ck->n_meta >= RL_CKPT_MAX_META) {
        free(v);
        return rl_error(RL_EINVAL, "checkpoint: more than %d metadata entries", RL_CKPT_MAX_META);
    }
    if (ck->n_meta == ck->cap_meta) {
        int cap = ck->cap_meta ? 2 * ck->cap_meta : 16;
        meta *m = realloc(ck->meta, sizeof *m * (size_t)cap);
        if (!m) {
            free(v);
            return rl_error(RL_ENOMEM, "checkpoint: out of memory");
        }
        ck->meta = m;
        ck->cap_meta = cap;
    }
    char *k = dupstr(key);
    if (!k) {
        free(v);
        return rl_error(RL_ENOMEM, "checkpoint: out of memory");
    }
    ck->meta[ck->n_meta++] = (meta){k, v};
    return index_add(ck, &ck->meta_ix, meta_name, ck->n_meta - 1, ck->n_meta);
}

const char *rl_ckpt_meta(const rl_ckpt *ck, const char *key)
{
    RL_NEED(ck, NULL);
    RL_NEED(key, NULL);
    int at = index_find(ck, &ck->meta_ix, meta_name, key);
    return at >= 0 ? ck->meta[at].value : NULL;
}

int rl_ckpt_meta_count(const rl_ckpt *ck) { RL_NEED(ck, 0); return ck->n_meta; }

int rl_ckpt_meta_at(const rl_ckpt *ck, int i, const char **key, const char **value)
{
    RL_NEED(ck, RL_EINVAL); /* the outputs are optional */
    if (i < 0 || i >= ck->n_meta)
        return rl_error(RL_EINVAL, "checkpoint: metadata index %d out of range [0, %d)", i,
                        ck->n_meta);
    if (key) *key = ck->meta[i].key;
    if (value) *value = ck->meta[i].value;
    return RL_OK;
}

static tensor *find_tensor(const rl_ckpt *ck, const char *name)
{
    int at = index_find(ck, &ck->t_ix, tensor_name, name);
    return at >= 0 ? &ck->t[at] : NULL;
}

int rl_ckpt_put(rl_ckpt *ck, const char *name, rl_dtype dtype, const void *data,
                int64_t count)
{
    RL_NEED(ck, RL_EINVAL);
    RL_NEED(name, RL_EINVAL);
    if (!data && count) return rl_error(RL_EINVAL, "%s: data is NULL", __func__);
    size_t es = dtype_size(dtype);
    if (!name || !*name || strlen(name) > MAX_NAME)
        return rl_error(RL_EINVAL, "checkpoint: tensor name must have 1..%d characters",
                        MAX_NAME);
    if (!es) return rl_error(RL_EINVAL, "checkpoint: unknown dtype %d for '%s'", dtype, name);
    if (count < 0 || (uint64_t)count > (UINT64_C(1) << 40) / es || (count > 0 && !data))
        return rl_error(RL_EINVAL, "checkpoint: bad count %" PRId64 " for tensor '%s'", count,
                        name);
    size_t bytes = (size_t)count * es;
    void *copy = malloc(bytes ? bytes : 1);
    if (!copy) return rl_error(RL_ENOMEM, "checkpoint: out of memory for '%s'", name);
    if (bytes) memcpy(copy, data, bytes);
    tensor *t = find_tensor(ck, name);
    if (t) {
        free(t->data);
        t->data = copy;
        t->dtype = dtype;
        t->count = count;
        return RL_OK;
    }
    if (ck->n_t >= RL_CKPT_MAX_TENSORS) {
        free(copy);
        return rl_error(RL_EINVAL, "checkpoint: more than %d tensors", RL_CKPT_MAX_TENSORS);
    }
    if (ck->n_t == ck->cap_t) {
        int cap = ck->cap_t ? 2 * ck->cap_t : 16;
        tensor *nt = realloc(ck->t, sizeof *nt * (size_t)cap);
        if (!nt) {
            free(copy);
            return rl_error(RL_ENOMEM, "checkpoint: out of memory");
        }
        ck->t = nt;
        ck->cap_t = cap;
    }
    char *nm = dupstr(name);
    if (!nm) {
        free(copy);
        return rl_error(RL_ENOMEM, "checkpoint: out of memory");
    }
    ck->t[ck->n_t++] = (tensor){nm, dtype, count, copy};
    return index_add(ck, &ck->t_ix, tensor_name, ck->n_t - 1, ck->n_t);
}

const void *rl_ckpt_get(const rl_ckpt *ck, const char *name, rl_dtype dtype, int64_t count,
                        int64_t *out_count)
{
    RL_NEED(ck, NULL);
    RL_NEED(name, NULL);
    const tensor *t = find_tensor(ck, name);
    if (!t) {
        rl_error(RL_ENOTFOUND, "checkpoint: no tensor '%s'", name);
        return NULL;
    }
    if (t->dtype != dtype || (count >= 0 && t->count != count)) {
        rl_error(RL_ECORRUPT,
                 "checkpoint: tensor '%s' is %s[%" PRId64 "], expected %s[%" PRId64 "]", name,
                 dtype_name(t->dtype), t->count, dtype_name(dtype), count);
        return NULL;
    }
    if (out_count) *out_count = t->count;
    return t->data;
}

int rl_ckpt_tensor_count(const rl_ckpt *ck) { RL_NEED(ck, 0); return ck->n_t; }

int rl_ckpt_tensor_at(const rl_ckpt *ck, int i, const char **name, rl_dtype *dtype,
                      int64_t *count, const void **data)
{
    RL_NEED(ck, RL_EINVAL); /* the outputs are optional */
    if (i < 0 || i >= ck->n_t)
        return rl_error(RL_EINVAL, "checkpoint: tensor index %d out of range [0, %d)", i,
                        ck->n_t);
    const tensor *t = &ck->t[i];
    if (name) *name = t->name;
    if (dtype) *dtype = t->dtype;
    if (count) *count = t->count;
    if (data) *data = t->data;
    return RL_OK;
}

/* ---------------------------------------------------------------- save */

typedef struct {
    unsigned char *p;
    size_t n, cap;
} buf;

static int buf_put(buf *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n) cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) return rl_error(RL_ENOMEM, "checkpoint: out of memory (%zu bytes)", cap);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
    return RL_OK;
}

static int buf_u32(buf *b, uint32_t v)
{
    unsigned char le[4] = {(unsigned char)v, (unsigned char)(v >> 8),
                           (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    return buf_put(b, le, 4);
}

static int buf_i64(buf *b, int64_t v)
{
    unsigned char le[8];
    for (int i = 0; i < 8; i++) le[i] = (unsigned char)((uint64_t)v >> (8 * i));
    return buf_put(b, le, 8);
}

static int buf_printf(buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int buf_printf(buf *b, const char *fmt, ...)
{
    char line[MAX_LINE + 64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line)
        return rl_error(RL_EINVAL, "checkpoint: header line too long");
    return buf_put(b, line, (size_t)n);
}

static int serialize(const rl_ckpt *ck, buf *raw)
{
    int rc = buf_u32(raw, (uint32_t)ck->n_t);
    for (int i = 0; i < ck->n_t && !rc; i++) {
        const tensor *t = &ck->t[i];
        size_t len = strlen(t->name);
        if ((rc = buf_u32(raw, (uint32_t)len))) break;
        if ((rc = buf_put(raw, t->name, len))) break;
        if ((rc = buf_u32(raw, (uint32_t)t->dtype))) break;
        if ((rc = buf_i64(raw, t->count))) break;
        rc = buf_put(raw, t->data, (size_t)t->count * dtype_size(t->dtype));
    }
    return rc;
}

int rl_ckpt_save(const rl_ckpt *ck, const char *path)
{
    RL_NEED(ck, RL_EINVAL);
    RL_NEED(path, RL_EINVAL);
    buf raw = {0}, head = {0};
    unsigned char *z = NULL;
    char *tmp = NULL;
    FILE *f = NULL;
    int rc = serialize(ck, &raw);
    if (rc) goto done;

    uLongf zn = compressBound((uLong)raw.n);
    z = malloc(zn);
    if (!z) {
        rc = rl_error(RL_ENOMEM, "checkpoint: out of memory compressing %zu bytes", raw.n);
        goto done;
    }
    /* Level 1: most of the bytes are float noise that barely compresses, and
     * checkpoints with a replay buffer are large. */
    if (compress2(z, &zn, raw.p, (uLong)raw.n, 1) != Z_OK) {
        rc = rl_error(RL_ENOMEM, "checkpoint: zlib failed to compress %zu bytes", raw.n);
        goto done;
    }

    if ((rc = buf_printf(&head, "%s\nformat_version: %d\ntensors: %d\n", CKPT_MAGIC,
                         CKPT_VERSION, ck->n_t)))
        goto done;
    for (int i = 0; i < ck->n_meta && !rc; i++)
        rc = buf_printf(&head, "%s: %s\n", ck->meta[i].key, ck->meta[i].value);
    if (rc) goto done;
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, head.p, (uInt)head.n);
    crc = crc32_z(crc, z, zn);
    if ((rc = buf_printf(&head, "blob: compressed=%lu raw=%zu crc32=%08lx\n",
                         (unsigned long)zn, raw.n, crc)))
        goto done;

    size_t tn = strlen(path) + 32;
    tmp = malloc(tn);
    if (!tmp) {
        rc = rl_error(RL_ENOMEM, "checkpoint: out of memory");
        goto done;
    }
    snprintf(tmp, tn, "%s.tmp.%ld", path, (long)getpid());
    f = fopen(tmp, "wb");
    if (!f) {
        rc = rl_error(RL_EIO, "checkpoint: cannot create '%s': %s", tmp, strerror(errno));
        goto done;
    }
    int fault = rl_file_write_fault(); /* test hook: a full disk */
    if (fault || fwrite(head.p, 1, head.n, f) != head.n || fwrite(z, 1, zn, f) != zn ||
        fflush(f) != 0 || fsync(fileno(f)) != 0) {
        rc = rl_error(RL_EIO, "checkpoint: cannot write '%s': %s", tmp,
                      strerror(fault ? ENOSPC : errno));
        goto done;
    }
    int closed = fclose(f);
    f = NULL;
    if (closed != 0) {
        rc = rl_error(RL_EIO, "checkpoint: cannot write '%s': %s", tmp, strerror(errno));
        goto done;
    }
    if (rename(tmp, path) != 0) {
        rc = rl_error(RL_EIO, "checkpoint: cannot rename '%s' to '%s': %s", tmp, path,
                      strerror(errno));
        goto done;
    }
    rl_file_fsync_dir_of(path);
    free(tmp);
    tmp = NULL;
done:
    if (f) fclose(f);
    if (tmp) remove(tmp); /* never leave a partial file behind */
    free(tmp);
    free(z);
    free(raw.p);
    free(head.p);
    return rc;
}

/* ---------------------------------------------------------------- load */

/* Next header line at *pos: copies it without '\n' into line. Returns 1, or
 * 0 at end of data / a line longer than MAX_LINE. */
static int next_line(const unsigned char *p, size_t n, size_t *pos, char *line)
{
    size_t i = *pos, k = 0;
    while (i < n && p[i] != '\n') {
        if (k >= MAX_LINE - 1) return 0;
        line[k++] = (char)p[i++];
    }
    if (i >= n) return 0;
    line[k] = 0;
    *pos = i + 1;
    return 1;
}

typedef struct {
    const unsigned char *p;
    size_t n, pos;
} reader;

static int rd_bytes(reader *r, void *dst, size_t n)
{
    if (n > r->n - r->pos) return 0;
    if (dst) memcpy(dst, r->p + r->pos, n);
    r->pos += n;
    return 1;
}

static int rd_u32(reader *r, uint32_t *v)
{
    unsigned char b[4];
    if (!rd_bytes(r, b, 4)) return 0;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return 1;
}

static int rd_i64(reader *r, int64_t *v)
{
    unsigned char b[8];
    uint64_t u = 0;
    if (!rd_bytes(r, b, 8)) return 0;
    for (int i = 0; i < 8; i++) u |= (uint64_t)b[i] << (8 * i);
    *v = (int64_t)u;
    return 1;
}

static int parse_tensors(rl_ckpt *ck, const unsigned char *raw, size_t n, const char *path)
{
    reader r = {raw, n, 0};
    uint32_t nt;
    char name[MAX_NAME + 1];
    if (!rd_u32(&r, &nt) || nt > n / 17) /* a tensor entry takes >= 17 bytes */
        return rl_error(RL_ECORRUPT, "checkpoint '%s': bad tensor table", path);
    for (uint32_t i = 0; i < nt; i++) {
        uint32_t len, dt;
        int64_t count;
        if (!rd_u32(&r, &len) || len == 0 || len > MAX_NAME || !rd_bytes(&r, name, len))
            return rl_error(RL_ECORRUPT, "checkpoint '%s': bad name of tensor %u", path, i);
        name[len] = 0;
        if (!rd_u32(&r, &dt) || !dtype_size((rl_dtype)dt) || dt > RL_U8 ||
            !rd_i64(&r, &count) || count < 0 ||
            (uint64_t)count > (r.n - r.pos) / dtype_size((rl_dtype)dt))
            return rl_error(RL_ECORRUPT, "checkpoint '%s': bad type or size of tensor '%s'",
                            path, name);
        int rc = rl_ckpt_put(ck, name, (rl_dtype)dt, r.p + r.pos, count);
        if (rc) return rc;
        r.pos += (size_t)count * dtype_size((rl_dtype)dt);
    }
    if (r.pos != r.n)
        return rl_error(RL_ECORRUPT, "checkpoint '%s': %zu stray bytes after the tensors",
                        path, r.n - r.pos);
    return RL_OK;
}

/* Parse header lines into ck; on success *blob_at is the blob offset. */
static int parse_header(rl_ckpt *ck, const unsigned char *p, size_t n, const char *path,
                        size_t *blob_at, unsigned long long *zn, unsigned long long *rawn,
                        unsigned long *crc)
{
    char *line = malloc(MAX_LINE);
    size_t pos = 0;
    int rc = RL_OK;
    if (!line) return rl_error(RL_ENOMEM, "checkpoint: out of memory");
    if (!next_line(p, n, &pos, line) || strcmp(line, CKPT_MAGIC) != 0) {
        /* Show what is there, printable characters only. */
        char shown[24];
        size_t k = 0;
        for (; k < sizeof shown - 1 && k < n && p[k] >= 32 && p[k] < 127; k++)
            shown[k] = (char)p[k];
        shown[k] = 0;
        rc = rl_error(RL_ECORRUPT,
                      "'%s' is not an rltool checkpoint: bad magic (starts with '%s', "
                      "expected '%s')", path, shown, CKPT_MAGIC);
        goto done;
    }
    long long version;
    if (!next_line(p, n, &pos, line) || strncmp(line, "format_version: ", 16) != 0 ||
        rl_parse_int(line + 16, &version) != 0 || version < 1) {
        rc = rl_error(RL_ECORRUPT, "checkpoint '%s': missing or bad format_version line",
                      path);
        goto done;
    }
    if (version > CKPT_VERSION) {
        rc = rl_error(RL_EVERSION,
                      "checkpoint '%s' has format version %lld, newer than the version %d "
                      "this rltool (%s) reads; upgrade rltool", path, version, CKPT_VERSION,
                      RL_VERSION);
        goto done;
    }
    for (;;) {
        if (pos > MAX_HEADER || !next_line(p, n, &pos, line)) {
            rc = rl_error(RL_ECORRUPT,
                          "checkpoint '%s': file is truncated or damaged: header has no "
                          "'blob:' line", path);
            goto done;
        }
        if (!strncmp(line, "blob: ", 6)) break;
        char *colon = strstr(line, ": ");
        if (!colon) {
            rc = rl_error(RL_ECORRUPT, "checkpoint '%s': bad header line '%.60s'", path,
                          line);
            goto done;
        }
        *colon = 0;
        if (!strcmp(line, "tensors")) continue; /* informational */
        if ((rc = rl_ckpt_set_meta(ck, line, colon + 2))) {
            rc = rl_error(RL_ECORRUPT, "checkpoint '%s': bad header entry: %s", path,
                          rl_last_error());
            goto done;
        }
    }
    char tail;
    if (sscanf(line, "blob: compressed=%llu raw=%llu crc32=%8lx%c", zn, rawn, crc, &tail) !=
        3) {
        rc = rl_error(RL_ECORRUPT, "checkpoint '%s': bad blob line '%.80s'", path, line);
        goto done;
    }
    *blob_at = pos;
done:
    free(line);
    return rc;
}

/* Read the header (up to and including the "blob:" line) of an opened
 * checkpoint into *head; *hn bytes were read, maybe some of the blob too.
 * Stops early when the magic does not match, so a 2 GB file of zeros costs
 * one 64 KB read. */
static int read_header(int fd, const char *path, int64_t size, unsigned char **head, size_t *hn)
{
    size_t cap = HEAD_CHUNK, n = 0, want = (size_t)size < MAX_HEADER + MAX_LINE ?
                                             (size_t)size : MAX_HEADER + MAX_LINE;
    unsigned char *p = NULL;
    for (;;) {
        if (cap > want) cap = want;
        unsigned char *q = realloc(p, cap + 1);
        if (!q) {
            free(p);
            return rl_error(RL_ENOMEM, "checkpoint: out of memory");
        }
        p = q;
        size_t got;
        int rc = rl_file_read_head(fd, path, p + n, cap - n, &got);
        if (rc) {
            free(p);
            return rc;
        }
        n += got;
        p[n] = 0;
        size_t m = n < sizeof CKPT_MAGIC ? n : sizeof CKPT_MAGIC - 1;
        if (memcmp(p, CKPT_MAGIC, m) != 0 || got == 0 || n >= want) break;
        unsigned char *b = memmem(p, n, "\nblob: ", 7);
        if (b && memchr(b + 1, '\n', n - (size_t)(b + 1 - p))) break;
        cap *= 2;
    }
    *head = p;
    *hn = n;
    return RL_OK;
}

/* Stream the blob from fd through crc32 and inflate into raw (rawn bytes),
 * a chunk at a time. The CRC is judged first, so a damaged file reads as
 * damaged rather than as bad zlib data. */
static int inflate_blob(int fd, const char *path, const unsigned char *head, size_t hn,
                        size_t blob_at, unsigned long long zn, unsigned char *raw,
                        unsigned long long rawn, unsigned long crc_want)
{
    unsigned long crc = crc32(0L, Z_NULL, 0);
    size_t blob_line = blob_at - 1;
    while (blob_line > 0 && head[blob_line - 1] != '\n') blob_line--;
    crc = crc32_z(crc, head, blob_line); /* the header before "blob:" is covered too */
    z_stream zs = {0};
    if (inflateInit(&zs) != Z_OK) return rl_error(RL_ENOMEM, "checkpoint: zlib init failed");
    zs.next_out = raw;
    zs.avail_out = 0;
    unsigned char *chunk = malloc(READ_CHUNK);
    unsigned char spare;
    int zrc = Z_OK, too_big = 0, rc = RL_OK;
    unsigned long long left = zn, out_left = rawn;
    const unsigned char *in = head + blob_at;
    size_t in_n = hn - blob_at < zn ? hn - blob_at : (size_t)zn;
    if (!chunk) rc = rl_error(RL_ENOMEM, "checkpoint: out of memory");
    while (!rc && left > 0) {
        if (in_n == 0) {
            size_t want = left < READ_CHUNK ? (size_t)left : READ_CHUNK;
            if ((rc = rl_file_read_head(fd, path, chunk, want, &in_n))) break;
            if (in_n == 0) {
                rc = rl_error(RL_ECORRUPT, "checkpoint '%s': file shrank while being read", path);
                break;
            }
            in = chunk;
        }
        crc = crc32_z(crc, in, in_n);
        left -= in_n;
        zs.next_in = (unsigned char *)in;
        zs.avail_in = (uInt)in_n;
        while (zrc == Z_OK && zs.avail_in > 0) {
            int probing = 0;
            if (zs.avail_out == 0) {
                if (out_left == 0) { /* one spare byte: is there more than declared? */
                    zs.next_out = &spare;
                    zs.avail_out = 1;
                    probing = 1;
                } else {
                    uInt step = out_left < (1u << 30) ? (uInt)out_left : (1u << 30);
                    zs.avail_out = step;
                    out_left -= step;
                }
            }
            zrc = inflate(&zs, Z_NO_FLUSH);
            if (zrc == Z_BUF_ERROR) zrc = Z_OK;
            if (probing && zs.avail_out == 0) {
                too_big = 1;
                break;
            }
        }
        if (too_big) zrc = Z_DATA_ERROR;
        in_n = 0;
    }
    /* Any output space the last call did not need is still unused. */
    unsigned long long produced = zs.total_out;
    inflateEnd(&zs);
    free(chunk);
    if (rc) return rc;
    if (crc != crc_want)
        return rl_error(RL_ECORRUPT, "checkpoint '%s': checksum mismatch (stored crc32 %08lx, "
                        "computed %08lx): the file is damaged", path, crc_want, crc);
    if (too_big)
        return rl_error(RL_ECORRUPT, "checkpoint '%s': data inflates to more than the %llu "
                        "bytes its header declares", path, rawn);
    if (zrc != Z_STREAM_END || produced != rawn)
        return rl_error(RL_ECORRUPT, "checkpoint '%s': compressed data is damaged (zlib: %s)",
                        path, zrc == Z_STREAM_END || zrc == Z_OK ? "size mismatch" : zError(zrc));
    return RL_OK;
}

/* Open and parse the header; on success *fd is open past it. */
static rl_ckpt *open_ckpt(const char *path, int *fd, int64_t *size, unsigned char **head,
                          size_t *hn, size_t *blob_at, unsigned long long *zn,
                          unsigned long long *rawn, unsigned long *crc)
{
    *head = NULL;
    if (rl_file_open_regular(path, "checkpoint", RL_FILE_MAX_CKPT, fd, size)) return NULL;
    rl_ckpt *ck = NULL;
    if (read_header(*fd, path, *size, head, hn) || !(ck = rl_ckpt_make()) ||
        parse_header(ck, *head, *hn, path, blob_at, zn, rawn, crc)) {
        rl_ckpt_free(ck);
        free(*head);
        *head = NULL;
        close(*fd);
        *fd = -1;
        return NULL;
    }
    return ck;
}

rl_ckpt *rl_ckpt_load_header(const char *path)
{
    int fd;
    int64_t size;
    unsigned char *head;
    size_t hn, blob_at;
    unsigned long long zn, rawn;
    unsigned long crc;
    rl_ckpt *ck = open_ckpt(path, &fd, &size, &head, &hn, &blob_at, &zn, &rawn, &crc);
    if (!ck) return NULL;
    free(head);
    close(fd);
    return ck;
}

rl_ckpt *rl_ckpt_load(const char *path)
{
    RL_NEED(path, NULL);
    int fd;
    int64_t size;
    unsigned char *head, *raw = NULL;
    size_t hn, blob_at;
    unsigned long long zn, rawn;
    unsigned long crc_want;
    rl_ckpt *ck = open_ckpt(path, &fd, &size, &head, &hn, &blob_at, &zn, &rawn, &crc_want);
    if (!ck) return NULL;
    unsigned long long have = (unsigned long long)size - blob_at;
    if (zn > have) {
        rl_error(RL_ECORRUPT,
                 "checkpoint '%s': file is truncated: expected %llu bytes of data after the "
                 "header, found %llu", path, zn, have);
        goto fail;
    }
    if (zn < have) {
        rl_error(RL_ECORRUPT, "checkpoint '%s': %llu unexpected bytes after the data", path,
                 have - zn);
        goto fail;
    }
    /* The raw size is checked before anything is allocated from it. */
    if (rawn > SIZE_MAX / 2 || (rawn > RAW_FREE_BYTES && rawn / MAX_RATIO > zn)) {
        rl_error(RL_ECORRUPT, "checkpoint '%s': header claims %llu raw bytes from %llu "
                 "compressed (over %d:1); rltool never writes that (a zlib bomb?)", path, rawn,
                 zn, MAX_RATIO);
        goto fail;
    }
    if (rawn < 4) {
        rl_error(RL_ECORRUPT, "checkpoint '%s': bad tensor table", path);
        goto fail;
    }
    raw = malloc((size_t)rawn);
    if (!raw) {
        rl_error(RL_ENOMEM, "checkpoint '%s': out of memory for %llu bytes", path, rawn);
        goto fail;
    }
    if (inflate_blob(fd, path, head, hn, blob_at, zn, raw, rawn, crc_want)) goto fail;
    if (parse_tensors(ck, raw, (size_t)rawn, path)) goto fail;
    free(raw);
    free(head);
    close(fd);
    return ck;
fail:
    free(raw);
    free(head);
    close(fd);
    rl_ckpt_free(ck);
    return NULL;
}
