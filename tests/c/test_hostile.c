/* Hostile files: every one is refused in under a second with under 64 MB
 * of extra memory (getrusage in a child process per case) and a message
 * naming the problem. FIFOs, devices, directories, symlink loops, a sparse
 * 2 GB file, zlib bombs, lying shapes and counts, 100k header keys, and the
 * same discipline for plugins and MJCF includes. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "check_main.h"
#include "agents/agent.h"
#include "rltool.h"

static char dir[256];

static void path_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef enum { LOAD_CKPT, LOAD_AGENT, LOAD_PLUGIN, MAKE_ENV } load_kind;

/* In a child: load `path` the given way; it must fail with `expect` in the
 * message, within the time and memory budget. The child reports through
 * its exit status and a message file. */
static void refused(load_kind kind, const char *path, const char *expect)
{
    char report[400];
    path_of(report, sizeof report, "report.txt");
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rusage r0, r1;
        getrusage(RUSAGE_SELF, &r0);
        double t0 = now();
        int ok = 0;
        if (kind == LOAD_CKPT) {
            rl_ckpt *ck = rl_ckpt_load(path);
            ok = ck != NULL;
            rl_ckpt_free(ck);
        } else if (kind == LOAD_AGENT) {
            rl_agent *a = rl_agent_load(path);
            ok = a != NULL;
            rl_agent_free(a);
        } else if (kind == LOAD_PLUGIN) {
            ok = rl_plugin_load(path) == RL_OK;
        } else {
            rl_env *e = rl_env_make(path, NULL);
            ok = e != NULL;
            rl_env_free(e);
        }
        double dt = now() - t0;
        getrusage(RUSAGE_SELF, &r1);
        long extra_mb = (r1.ru_maxrss - r0.ru_maxrss) / 1024;
        FILE *f = fopen(report, "w");
        fprintf(f, "%s (%.2f s, +%ld MB): %s", path, dt, extra_mb, rl_last_error());
        fclose(f);
        double limit = getenv("RLTOOL_QUICK") ? 3.0 : 1.0; /* sanitizer builds run slower */
        _exit(ok ? 1 : !strstr(rl_last_error(), expect) ? 2 : dt > limit ? 3 : extra_mb >= 64 ? 4 : 0);
    }
    int st = 0;
    /* A child stuck on a FIFO would never return: bound the wait too. */
    for (int i = 0; i < 200 && waitpid(pid, &st, WNOHANG) == 0; i++) usleep(50000);
    if (waitpid(pid, &st, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        ck_abort_msg("loading %s hung", path);
    }
    char msg[2048] = "";
    FILE *f = fopen(report, "r");
    if (f) {
        size_t n = fread(msg, 1, sizeof msg - 1, f);
        msg[n] = 0;
        fclose(f);
    }
    printf("refused %s\n", msg); /* the log shows each message, time and memory */
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "status %d (1 loaded, 2 wrong message, 3 slow, 4 memory; expected '%s'): %s",
                  WIFEXITED(st) ? WEXITSTATUS(st) : -1, expect, msg);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/rltool-test-hostile-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* A checkpoint with the given header lines and blob, with a correct CRC. */
static void write_ckpt(const char *path, const char *meta_lines, const unsigned char *z,
                       size_t zn, unsigned long long rawn)
{
    size_t cap = strlen(meta_lines) + 256;
    char *head = malloc(cap);
    snprintf(head, cap, "RLTOOL-CKPT\nformat_version: 1\ntensors: 1\n%s", meta_lines);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, (const Bytef *)head, (uInt)strlen(head));
    crc = crc32_z(crc, z, zn);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(head, f);
    fprintf(f, "blob: compressed=%zu raw=%llu crc32=%08lx\n", zn, rawn, (unsigned long)crc);
    fwrite(z, 1, zn, f);
    fclose(f);
    free(head);
}

/* Deflate `raw_n` zero bytes behind a one-tensor table claiming them. */
static unsigned char *zeros_blob(size_t raw_n, size_t *zn)
{
    z_stream zs = {0};
    ck_assert_int_eq(deflateInit(&zs, 9), Z_OK);
    size_t cap = raw_n / 500 + 4096;
    unsigned char *z = malloc(cap), chunk[65536] = {0};
    zs.next_out = z;
    zs.avail_out = (uInt)cap;
    /* Table: 1 tensor "x", u8, count raw_n - 21. */
    unsigned char table[21] = {1, 0, 0, 0, 1, 0, 0, 0, 'x', 3, 0, 0, 0};
    uint64_t count = raw_n - 21;
    for (int i = 0; i < 8; i++) table[13 + i] = (unsigned char)(count >> (8 * i));
    zs.next_in = table;
    zs.avail_in = sizeof table;
    deflate(&zs, Z_NO_FLUSH);
    for (size_t left = raw_n - 21; left > 0;) {
        size_t k = left < sizeof chunk ? left : sizeof chunk;
        zs.next_in = chunk;
        zs.avail_in = (uInt)k;
        ck_assert_int_eq(deflate(&zs, Z_NO_FLUSH), Z_OK);
        left -= k;
    }
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *zn = zs.total_out;
    deflateEnd(&zs);
    return z;
}

START_TEST(not_regular_files)
{
    setup();
    char fifo[400], loop_a[400], loop_b[400], run[400], fin[400];
    path_of(fifo, sizeof fifo, "f.rlt");
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    refused(LOAD_CKPT, fifo, "is a FIFO");
    refused(LOAD_AGENT, fifo, "is a FIFO");
    /* A run directory whose final.rlt is a FIFO. */
    path_of(run, sizeof run, "run");
    ck_assert_int_eq(mkdir(run, 0755), 0);
    snprintf(fin, sizeof fin, "%s/final.rlt", run);
    ck_assert_int_eq(mkfifo(fin, 0644), 0);
    refused(LOAD_AGENT, run, "is a FIFO");
    refused(LOAD_CKPT, "/dev/zero", "character device");
    refused(LOAD_CKPT, dir, "is a directory");
    path_of(loop_a, sizeof loop_a, "a.rlt");
    path_of(loop_b, sizeof loop_b, "b.rlt");
    ck_assert_int_eq(symlink(loop_b, loop_a), 0);
    ck_assert_int_eq(symlink(loop_a, loop_b), 0);
    refused(LOAD_CKPT, loop_a, "symbolic links");
    /* Plugins: checked before dlopen, which would block on a FIFO. */
    char so[400];
    path_of(so, sizeof so, "fifo.so");
    ck_assert_int_eq(mkfifo(so, 0644), 0);
    refused(LOAD_PLUGIN, so, "is a FIFO");
    refused(LOAD_PLUGIN, "/dev/zero", "character device");
}
END_TEST

START_TEST(sparse_and_bombs)
{
    setup();
    char p[400];
    /* 2 GB of holes: the magic is checked after the first 64 KB. */
    path_of(p, sizeof p, "sparse.rlt");
    int fd = open(p, O_WRONLY | O_CREAT, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)2 << 30), 0);
    close(fd);
    refused(LOAD_CKPT, p, "bad magic");
    /* A 4 GB claim of zeros from a small blob: refused before allocating. */
    size_t zn;
    unsigned char *z = zeros_blob((size_t)64 << 20, &zn);
    path_of(p, sizeof p, "bomb.rlt");
    write_ckpt(p, "", z, zn, 4200000000ull);
    refused(LOAD_CKPT, p, "zlib bomb");
    /* An honest-looking raw size under the ratio allowance, but the data
     * inflates to more than declared: inflation stops at the declared size. */
    path_of(p, sizeof p, "bomb2.rlt");
    write_ckpt(p, "", z, zn, (unsigned long long)(30 << 20));
    refused(LOAD_CKPT, p, "more than the");
    free(z);
}
END_TEST

START_TEST(lying_shapes_and_counts)
{
    setup();
    char p[400];
    /* A real small PPO checkpoint whose hyperparameters claim huge layers. */
    rl_agent *a = rl_agent_create("ppo", NULL, "pendulum-v1", NULL, "hidden=16", 1);
    ck_assert_ptr_nonnull(a);
    path_of(p, sizeof p, "liar.rlt");
    ck_assert_int_eq(rl_agent_save(a, p, 1), RL_OK);
    rl_agent_free(a);
    rl_ckpt *ck = rl_ckpt_load(p);
    ck_assert_ptr_nonnull(ck);
    ck_assert_int_eq(rl_ckpt_set_meta(ck, "hparams", "hidden=4096x4096x4096x4096"), RL_OK);
    ck_assert_int_eq(rl_ckpt_save(ck, p), RL_OK);
    refused(LOAD_AGENT, p, "hidden layers need at least");
    /* Negative step counts. */
    ck_assert_int_eq(rl_ckpt_set_meta(ck, "hparams", "hidden=16"), RL_OK);
    ck_assert_int_eq(rl_ckpt_set_meta(ck, "steps_done", "-280"), RL_OK);
    ck_assert_int_eq(rl_ckpt_save(ck, p), RL_OK);
    refused(LOAD_AGENT, p, "cannot be negative");
    /* NaN weights are a load error, not a policy acting [nan]. */
    ck_assert_int_eq(rl_ckpt_set_meta(ck, "steps_done", "0"), RL_OK);
    const char *name;
    rl_dtype dt;
    int64_t count;
    const void *data;
    int found = 0;
    for (int i = 0; i < rl_ckpt_tensor_count(ck) && !found; i++) {
        rl_ckpt_tensor_at(ck, i, &name, &dt, &count, &data);
        if (dt == RL_F32 && strstr(name, "actor") && count > 0) {
            float *w = malloc(sizeof(float) * (size_t)count);
            memcpy(w, data, sizeof(float) * (size_t)count);
            w[count / 2] = 0.0f / 0.0f;
            char nm[256];
            snprintf(nm, sizeof nm, "%s", name);
            ck_assert_int_eq(rl_ckpt_put(ck, nm, RL_F32, w, count), RL_OK);
            free(w);
            found = 1;
        }
    }
    ck_assert(found);
    ck_assert_int_eq(rl_ckpt_save(ck, p), RL_OK);
    rl_ckpt_free(ck);
    refused(LOAD_AGENT, p, "NaN or infinite");
    /* A tensor table claiming a billion tensors, and one tensor claiming
     * more bytes than there are. */
    unsigned char raw[64] = {0x00, 0xca, 0x9a, 0x3b}; /* 1e9 tensors */
    unsigned char z[256];
    uLongf zl = sizeof z;
    ck_assert_int_eq(compress(z, &zl, raw, sizeof raw), Z_OK);
    path_of(p, sizeof p, "count.rlt");
    write_ckpt(p, "", z, zl, sizeof raw);
    refused(LOAD_CKPT, p, "bad tensor table");
    unsigned char raw2[40] = {1, 0, 0, 0, 1, 0, 0, 0, 'x', 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0x0f};
    zl = sizeof z;
    ck_assert_int_eq(compress(z, &zl, raw2, sizeof raw2), Z_OK);
    write_ckpt(p, "", z, zl, sizeof raw2);
    refused(LOAD_CKPT, p, "bad type or size of tensor 'x'");
}
END_TEST

START_TEST(many_header_keys)
{
    setup();
    char p[400];
    size_t cap = 100000 * 24 + 64, n = 0;
    char *lines = malloc(cap);
    for (int i = 0; i < 100000; i++) n += (size_t)snprintf(lines + n, cap - n, "key%06d: v%d\n", i, i);
    /* Valid data, then a duplicate-free 100k-key header: loads in linear
     * time; and with one duplicated key at the end it is still judged fast. */
    unsigned char raw[4] = {0}, z[64];
    uLongf zl = sizeof z;
    ck_assert_int_eq(compress(z, &zl, raw, sizeof raw), Z_OK);
    path_of(p, sizeof p, "keys.rlt");
    write_ckpt(p, lines, z, zl, sizeof raw);
    double t0 = now();
    rl_ckpt *ck = rl_ckpt_load(p);
    double dt = now() - t0;
    ck_assert_msg(ck != NULL, "%s", rl_last_error());
    ck_assert_int_eq(rl_ckpt_meta_count(ck), 100000);
    ck_assert_str_eq(rl_ckpt_meta(ck, "key099999"), "v99999");
    rl_ckpt_free(ck);
    ck_assert_msg(dt < (getenv("RLTOOL_QUICK") ? 3.0 : 1.0), "100k keys took %.2f s", dt);
    /* As an agent file it is refused (no format line) in the same time. */
    refused(LOAD_AGENT, p, "not an rltool agent checkpoint");
    free(lines);
}
END_TEST

START_TEST(mjcf_includes)
{
    setup();
    char model[400], fifo[400], id[500];
    path_of(fifo, sizeof fifo, "part.xml");
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    path_of(model, sizeof model, "robot.xml");
    FILE *f = fopen(model, "w");
    fprintf(f, "<mujoco>\n  <include file=\"part.xml\"/>\n  <worldbody/>\n</mujoco>\n");
    fclose(f);
    snprintf(id, sizeof id, "mjcf:%s", model);
    refused(MAKE_ENV, id, "is a FIFO");
    snprintf(id, sizeof id, "mjcf:%s", fifo);
    refused(MAKE_ENV, id, "is a FIFO");
    /* A mesh that MuJoCo would open and block on. */
    char mesh[400], model2[400];
    path_of(mesh, sizeof mesh, "m.stl");
    ck_assert_int_eq(mkfifo(mesh, 0644), 0);
    path_of(model2, sizeof model2, "meshy.xml");
    f = fopen(model2, "w");
    fprintf(f, "<mujoco>\n  <asset><mesh name=\"m\" file = 'm.stl'/></asset>\n  <worldbody/>\n"
               "</mujoco>\n");
    fclose(f);
    snprintf(id, sizeof id, "mjcf:%s", model2);
    refused(MAKE_ENV, id, "not a regular file");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("files");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, not_regular_files);
    tcase_add_test(tc, sparse_and_bombs);
    tcase_add_test(tc, lying_shapes_and_counts);
    tcase_add_test(tc, many_header_keys);
    tcase_add_test(tc, mjcf_includes);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
