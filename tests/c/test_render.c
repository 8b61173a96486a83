/* Rendering: rl_env_render of every MuJoCo task, default cameras, the
 * classic tasks' software drawings, PNG frames from `rltool render
 * --record`, and the no-display message of the window.
 *
 * Headless: the suite unsets DISPLAY, so every frame comes from the EGL
 * offscreen context (no X server). A build without EGL and GLFW prints
 * SKIPPED for the OpenGL part. */
#include <check.h>

#include "check_main.h"
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "envs/render.h"
#include "rltool.h"

/* Mesa and Xlib keep allocations for the life of the process (matters
 * only under LeakSanitizer, here and in the rltool processes we start). */
#define GL_LEAKS "leak:libGLX\nleak:libGL.so\nleak:libGLdispatch\nleak:libX11\nleak:libxcb\n" \
                 "leak:libEGL\n" \
                 "leak:swrast\nleak:libLLVM\nleak:libgallium\nleak:dri\nleak:libglfw\n"
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return GL_LEAKS; }
const char *__lsan_default_options(void);
const char *__lsan_default_options(void) { return "print_suppressions=0"; }

#define W 160
#define H 120

/* A task drawn by MuJoCo (the classic tasks draw in software). */
static int is_mujoco(rl_env *env)
{
    const mjModel *m;
    mjData *d;
    return rl_render_sim(env, &m, &d) == RL_OK;
}

/* Pixels that differ clearly between two frames. */
static int differs(const unsigned char *a, const unsigned char *b, int i)
{
    int d = abs(a[3 * i] - b[3 * i]) + abs(a[3 * i + 1] - b[3 * i + 1]) +
            abs(a[3 * i + 2] - b[3 * i + 2]);
    return d > 30;
}

static double channel_std(const unsigned char *rgb, int n)
{
    double s = 0, s2 = 0;
    for (int i = 0; i < 3 * n; i++) {
        s += rgb[i];
        s2 += (double)rgb[i] * rgb[i];
    }
    double m = s / (3.0 * n);
    return sqrt(fmax(s2 / (3.0 * n) - m * m, 0));
}

START_TEST(test_every_mujoco_task_renders_its_body_in_view)
{
    int n_tasks = rl_task_count(), rendered = 0;
    unsigned char *a = malloc(W * H * 3), *b = malloc(W * H * 3), *c = malloc(W * H * 3);
    ck_assert_ptr_nonnull(a);
    for (int ti = 0; ti < n_tasks; ti++) {
        const rl_task *t = rl_task_at(ti);
        if (!t->render) continue;
        rl_env *env = rl_env_make(t->id, NULL);
        ck_assert_msg(env, "%s: %s", t->id, rl_last_error());
        if (!is_mujoco(env)) {
            rl_env_free(env);
            continue;
        }
        ck_assert_int_eq(rl_env_reset(env, 3), RL_OK);
        float *zero = calloc((size_t)env->act_space.dim, sizeof(float));
        for (int k = 0; k < 3; k++) ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
        free(zero);

        memset(a, 0, W * H * 3);
        int rc = rl_env_render(env, a, W, H);
        ck_assert_msg(rc == RL_OK, "%s: %s", t->id, rl_last_error());
        /* Not blank: the picture has structure. */
        double sd = channel_std(a, W * H);
        ck_assert_msg(sd > 5.0, "%s: frame is nearly uniform (std %.2f)", t->id, sd);
        /* Same state, same picture. */
        ck_assert_int_eq(rl_env_render(env, c, W, H), RL_OK);
        ck_assert_msg(!memcmp(a, c, W * H * 3), "%s: two renders of one state differ", t->id);

        /* The body: what changes when its geoms are left out. */
        ck_assert_int_eq(rl_render_frame(env, b, W, H, 1), RL_OK);
        rl_render_view view;
        ck_assert_int_eq(rl_render_default_view(env, &view), RL_OK);
        long n = 0, central = 0;
        double cx = 0, cy = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                if (!differs(a, b, y * W + x)) continue;
                n++;
                cx += x;
                cy += y;
                if (fabs(x - W / 2.0) < 0.3 * W && fabs(y - H / 2.0) < 0.3 * H) central++;
            }
        double frac = (double)n / (W * H);
        ck_assert_msg(frac > 0.005, "%s: the body covers only %.2f%% of the frame", t->id,
                      100 * frac);
        ck_assert_msg(frac < 0.6, "%s: hiding the body changes %.0f%% of the frame", t->id,
                      100 * frac);
        cx /= (double)n;
        cy /= (double)n;
        double off_x = fabs(cx - W / 2.0) / W, off_y = fabs(cy - H / 2.0) / H;
        double lim = view.follow ? 0.12 : 0.25;
        ck_assert_msg(off_x < lim && off_y < lim,
                      "%s: the body's pixels are centred at (%.0f, %.0f), not near the image "
                      "centre (%d, %d)", t->id, cx, cy, W / 2, H / 2);
        if (view.follow)
            ck_assert_msg((double)central / n > 0.75,
                          "%s: only %.0f%% of the body's pixels are near the centre", t->id,
                          100.0 * central / n);
        fprintf(stderr, "test_render: %-20s body %.1f%% of frame, centroid (%.0f, %.0f), "
                        "%.0f%% central, std %.1f\n",
                t->id, 100 * frac, cx, cy, 100.0 * central / n, sd);
        rl_env_free(env);
        rendered++;
    }
    ck_assert_msg(rendered >= 2, "expected the MuJoCo tasks to render (rendered %d)", rendered);
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(test_tracking_camera_follows_the_body)
{
    /* Fly the quadrotor far away: the following camera still shows it centred. */
    rl_env *env = rl_env_make("quadrotor-hover-v1", "start=level");
    ck_assert_ptr_nonnull(env);
    ck_assert_int_eq(rl_env_reset(env, 1), RL_OK);
    const mjModel *m;
    mjData *d;
    ck_assert_int_eq(rl_render_sim(env, &m, &d), RL_OK);
    unsigned char *a = malloc(W * H * 3), *b = malloc(W * H * 3);
    d->qpos[0] += 1.5;
    d->qpos[1] -= 1.0;
    mj_forward(m, d);
    ck_assert_int_eq(rl_env_render(env, a, W, H), RL_OK);
    ck_assert_int_eq(rl_render_frame(env, b, W, H, 1), RL_OK);
    long n = 0;
    double cx = 0, cy = 0;
    for (int i = 0; i < W * H; i++)
        if (differs(a, b, i)) {
            n++;
            cx += i % W;
            cy += i / W;
        }
    ck_assert_int_gt(n, 20);
    ck_assert_double_lt(fabs(cx / n - W / 2.0), 0.1 * W);
    ck_assert_double_lt(fabs(cy / n - H / 2.0), 0.1 * H);
    free(a);
    free(b);
    rl_env_free(env);
}
END_TEST

/* Cartpole and pendulum draw without OpenGL: a picture with structure that
 * follows the state (the pole's pixels move when it falls). */
START_TEST(test_classic_tasks_render_in_software)
{
    const char *ids[] = {"cartpole-v1", "pendulum-v1"};
    unsigned char *a = malloc(W * H * 3), *b = malloc(W * H * 3);
    for (int k = 0; k < 2; k++) {
        rl_env *env = rl_env_make(ids[k], NULL);
        ck_assert_ptr_nonnull(env);
        ck_assert_int_eq(rl_env_reset(env, 5), RL_OK);
        ck_assert_int_eq(rl_env_render(env, a, W, H), RL_OK);
        double sd = channel_std(a, W * H);
        ck_assert_msg(sd > 5.0, "%s: frame is nearly uniform (std %.2f)", ids[k], sd);
        float act[1] = {1.f};
        for (int i = 0; i < 8; i++) ck_assert_int_eq(rl_env_step(env, act), RL_OK);
        ck_assert_int_eq(rl_env_render(env, b, W, H), RL_OK);
        int changed = 0;
        for (int i = 0; i < W * H; i++) changed += differs(a, b, i);
        ck_assert_msg(changed > 20, "%s: 8 steps changed only %d pixels", ids[k], changed);
        /* A 1x1 frame and a wide one are fine; a 0 size is not. */
        ck_assert_int_eq(rl_env_render(env, a, 1, 1), RL_OK);
        ck_assert_int_eq(rl_env_render(env, a, 0, 1), RL_EINVAL);
        rl_env_free(env);
    }
    free(a);
    free(b);
}
END_TEST

START_TEST(test_render_errors)
{
    unsigned char px[3 * 4];
    rl_env *env = rl_env_make("swimmer-v1", NULL);
    rl_env_reset(env, 0);
    ck_assert_int_eq(rl_env_render(env, px, 0, 2), RL_EINVAL);
    ck_assert_int_eq(rl_env_render(env, px, 2, 9000), RL_EINVAL);
    /* Sizes beyond the model's default offscreen buffer (640x480) work. */
    unsigned char *big = malloc(1000 * 700 * 3);
    ck_assert_int_eq(rl_env_render(env, big, 1000, 700), RL_OK);
    ck_assert_double_gt(channel_std(big, 1000 * 700), 5.0);
    free(big);
    rl_env_free(env);
}
END_TEST

/* ------------------------------------------------------------ PNG decode */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Decode an 8-bit RGB PNG written without filters; checks every CRC.
 * Returns pixels (h, w, 3) or NULL with *why set. */
static unsigned char *png_decode(const char *path, int *w, int *h, const char **why)
{
    FILE *f = fopen(path, "rb");
    if (!f) return *why = "cannot open", NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)len);
    size_t got = fread(buf, 1, (size_t)len, f);
    fclose(f);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char *idat = NULL, *px = NULL;
    size_t idat_len = 0;
    int seen_end = 0;
    *w = *h = 0;
    if (got != (size_t)len || len < 8 || memcmp(buf, sig, 8)) {
        *why = "bad signature";
        goto out;
    }
    for (long p = 8; p + 12 <= len && !seen_end;) {
        uint32_t n = be32(buf + p);
        const unsigned char *type = buf + p + 4, *data = buf + p + 8;
        if (p + 12 + (long)n > len) {
            *why = "truncated chunk";
            goto out;
        }
        uLong crc = crc32(crc32(0L, Z_NULL, 0), type, 4 + n);
        if (crc != be32(data + n)) {
            *why = "bad CRC";
            goto out;
        }
        if (!memcmp(type, "IHDR", 4)) {
            if (n != 13 || data[8] != 8 || data[9] != 2 || data[12] != 0) {
                *why = "IHDR is not 8-bit RGB";
                goto out;
            }
            *w = (int)be32(data);
            *h = (int)be32(data + 4);
        } else if (!memcmp(type, "IDAT", 4)) {
            idat = realloc(idat, idat_len + n);
            memcpy(idat + idat_len, data, n);
            idat_len += n;
        } else if (!memcmp(type, "IEND", 4)) {
            seen_end = 1;
        }
        p += 12 + n;
    }
    if (!seen_end || !*w || !idat) {
        *why = "missing IHDR, IDAT or IEND";
        goto out;
    }
    uLongf raw_len = (uLongf)(*h) * (1 + 3 * (uLongf)(*w));
    unsigned char *raw = malloc(raw_len + 1);
    uLongf out_len = raw_len + 1;
    if (uncompress(raw, &out_len, idat, idat_len) != Z_OK || out_len != raw_len) {
        free(raw);
        *why = "IDAT does not inflate to h * (1 + 3 w) bytes";
        goto out;
    }
    px = malloc((size_t)raw_len);
    for (int y = 0; y < *h; y++) {
        if (raw[(size_t)y * (1 + 3 * *w)] != 0) {
            free(raw);
            free(px);
            px = NULL;
            *why = "unexpected filter type";
            goto out;
        }
        memcpy(px + (size_t)y * 3 * *w, raw + (size_t)y * (1 + 3 * *w) + 1, (size_t)3 * *w);
    }
    free(raw);
out:
    free(idat);
    free(buf);
    return px;
}

START_TEST(test_png_round_trip)
{
    enum { PW = 37, PH = 5 };
    unsigned char img[PW * PH * 3];
    for (int i = 0; i < PW * PH * 3; i++) img[i] = (unsigned char)(i * 7 + 3);
    char path[] = "/tmp/rltool_png_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(rl_png_write(path, img, PW, PH), RL_OK);
    int w, h;
    const char *why = "";
    unsigned char *px = png_decode(path, &w, &h, &why);
    ck_assert_msg(px, "decode: %s", why);
    ck_assert_int_eq(w, PW);
    ck_assert_int_eq(h, PH);
    ck_assert(!memcmp(px, img, sizeof img));
    free(px);
    remove(path);
    ck_assert_int_eq(rl_png_write("/nonexistent-dir/x.png", img, PW, PH), RL_EIO);
}
END_TEST

static int run(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_record_ten_steps_writes_ten_pngs)
{
    const char *cli = getenv("RLTOOL_CLI");
    if (!cli || access(cli, X_OK)) {
        fprintf(stderr, "test_render: RLTOOL_CLI not set; record test skipped\n");
        return;
    }
    char dir[] = "/tmp/rltool_rec_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char supp[600];
    snprintf(supp, sizeof supp, "%s/lsan.supp", dir);
    FILE *sf = fopen(supp, "w");
    ck_assert_ptr_nonnull(sf);
    fputs(GL_LEAKS, sf);
    fclose(sf);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "LSAN_OPTIONS=suppressions='%s':print_suppressions=0 '%s' render quadrotor-hover-v1 "
             "--record '%s/frames' --steps 10 --width 96 --height 64 --seed 2 >/dev/null",
             supp, cli, dir);
    ck_assert_int_eq(run(cmd), 0);
    char sub[600];
    snprintf(sub, sizeof sub, "%s/frames", dir);
    DIR *dp = opendir(sub);
    ck_assert_ptr_nonnull(dp);
    int files = 0;
    struct dirent *e;
    while ((e = readdir(dp))) files += e->d_name[0] != '.';
    closedir(dp);
    ck_assert_int_eq(files, 10);
    for (int i = 0; i < 10; i++) {
        char path[700];
        snprintf(path, sizeof path, "%s/frame_%06d.png", sub, i);
        int w, h;
        const char *why = "";
        unsigned char *px = png_decode(path, &w, &h, &why);
        ck_assert_msg(px, "%s: %s", path, why);
        ck_assert_int_eq(w, 96);
        ck_assert_int_eq(h, 64);
        ck_assert_double_gt(channel_std(px, w * h), 5.0);
        free(px);
        remove(path);
    }
    rmdir(sub);
    remove(supp);
    rmdir(dir);
}
END_TEST

START_TEST(test_no_display_says_how_to_record)
{
    const char *cli = getenv("RLTOOL_CLI");
    if (!cli || access(cli, X_OK)) return;
    char out[] = "/tmp/rltool_nodpy_XXXXXX";
    int fd = mkstemp(out);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "env -u DISPLAY -u WAYLAND_DISPLAY '%s' render swimmer-v1 >/dev/null 2>'%s'", cli, out);
    ck_assert_int_eq(run(cmd), 1);
    FILE *f = fopen(out, "r");
    char text[4096] = "";
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    remove(out);
    ck_assert_msg(strstr(text, "--record") && strstr(text, "display"),
                  "message does not say how to record: %s", text);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("render");
    TCase *tc = tcase_create("render");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_png_round_trip);
    tcase_add_test(tc, test_every_mujoco_task_renders_its_body_in_view);
    tcase_add_test(tc, test_tracking_camera_follows_the_body);
    tcase_add_test(tc, test_render_errors);
    tcase_add_test(tc, test_classic_tasks_render_in_software);
    tcase_add_test(tc, test_record_ten_steps_writes_ten_pngs);
    tcase_add_test(tc, test_no_display_says_how_to_record);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* Headless on purpose: offscreen frames must not need an X server. */
    unsetenv("DISPLAY");
    unsetenv("WAYLAND_DISPLAY");
    /* A build with neither EGL nor GLFW has no GL context to render with.
     * Probe in a child: a GL context made here would be shared by every
     * forked test. */
    fflush(stdout);
    pid_t probe = fork();
    if (probe == 0) {
        rl_env *env = rl_env_make("swimmer-v1", NULL);
        unsigned char px[3 * 16 * 16];
        int no_gl = env && rl_env_reset(env, 0) == RL_OK &&
                    rl_env_render(env, px, 16, 16) != RL_OK &&
                    strstr(rl_last_error(), "without EGL");
        if (no_gl) printf("test_render: SKIPPED: %s\n", rl_last_error());
        fflush(stdout);
        _exit(no_gl ? 3 : 0);
    }
    int st = 0;
    if (probe > 0 && waitpid(probe, &st, 0) == probe && WIFEXITED(st) && WEXITSTATUS(st) == 3)
        return 0;
    return rl_check_run(suite());
}
