/* rltool render ENV|CKPT: watch rollouts in a window, or record them as PNG
 * frames (and an mp4 through ffmpeg). The drawing itself lives in
 * envs/render.c and envs/glfw_render.c. */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "envs/render.h"

typedef struct policy_state {
    rl_agent *agent;   /* NULL: random or zero actions */
    int zero;          /* no agent: zero actions instead of random ones */
    rl_rng rng;
} policy_state;

static int act(void *user, const rl_env *env, const float *obs, float *action)
{
    policy_state *p = user;
    const rl_space *as = &env->act_space;
    if (p->agent) return rl_agent_act(p->agent, obs, 1, action, 1);
    for (int i = 0; i < as->dim; i++) {
        if (p->zero)
            action[i] = 0.f;
        else if (as->kind == RL_DISCRETE)
            action[i] = (float)rl_rng_below(&p->rng, (uint32_t)as->n);
        else
            action[i] = (float)rl_rng_range(&p->rng, -1.0, 1.0);
    }
    return RL_OK;
}

static void reset_policy(void *user)
{
    policy_state *p = user;
    if (p->agent) rl_agent_reset_state(p->agent, -1);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) && errno != EEXIST) return -1;
    struct stat st;
    return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path) return 0;
    char buf[4096];
    while (*path) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)len, path, prog);
        if (len && access(buf, X_OK) == 0) return 1;
        path += len + (end ? 1 : 0);
    }
    return 0;
}

static int run_ffmpeg(const char *frames, double fps, const char *out)
{
    char pattern[4200], rate[32];
    snprintf(pattern, sizeof pattern, "%s/frame_%%06d.png", frames);
    snprintf(rate, sizeof rate, "%g", fps);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execlp("ffmpeg", "ffmpeg", "-y", "-loglevel", "error", "-framerate", rate, "-i", pattern,
               "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p", out, (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Offscreen: step, render, write frame_%06d.png after every step. */
static int record(rl_env *env, policy_state *ps, const char *target, long long episodes,
                  long long max_frames, int64_t seed, int w, int h)
{
    int video = ends_with(target, ".mp4");
    char dir[4096];
    if (video)
        snprintf(dir, sizeof dir, "%s.frames", target);
    else
        snprintf(dir, sizeof dir, "%s", target);
    if (make_dirs(dir)) {
        cli_error("render", "cannot create directory %s: %s", dir, strerror(errno));
        return CLI_FAIL;
    }
    unsigned char *rgb = malloc((size_t)w * h * 3);
    float *action = calloc((size_t)env->act_space.dim + 1, sizeof(float));
    if (!rgb || !action) {
        free(rgb);
        free(action);
        cli_error("render", "out of memory for %dx%d frames", w, h);
        return CLI_FAIL;
    }
    long long frames = 0;
    int rc = RL_OK;
    double t0 = cli_now();
    for (long long ep = 0; ep < episodes && !rc && (!max_frames || frames < max_frames); ep++) {
        if ((rc = rl_env_reset(env, ep == 0 ? seed : -1))) break;
        reset_policy(ps);
        const rl_info *info = rl_env_info(env);
        do {
            if ((rc = act(ps, env, rl_env_obs(env), action))) break;
            if ((rc = rl_env_step(env, action))) break;
            if ((rc = rl_env_render(env, rgb, w, h))) break;
            char path[4200];
            snprintf(path, sizeof path, "%s/frame_%06lld.png", dir, frames);
            if ((rc = rl_png_write(path, rgb, w, h))) break;
            frames++;
        } while (!info->done && (!max_frames || frames < max_frames));
        if (!rc && info->done)
            printf("episode %lld: return %.3f, %d steps%s\n", ep, info->episode_return,
                   info->episode_length,
                   info->success < 0 ? "" : (info->success ? ", success" : ", no success"));
    }
    free(rgb);
    free(action);
    if (rc) {
        cli_error("render", "%s", rl_last_error());
        if (rc == RL_ESTATE)
            fprintf(stderr, "hint: recording renders offscreen through EGL (Debian: libegl1 "
                            "libegl-mesa0); a build without EGL needs an X server (DISPLAY) "
                            "to record %s\n", target);
        return CLI_FAIL;
    }
    printf("wrote %lld frames (%dx%d) to %s/ in %.1f s\n", frames, w, h, dir, cli_now() - t0);
    if (!video) return CLI_OK;
    double fps = rl_env_dt(env) > 0 ? 1.0 / rl_env_dt(env) : 30.0;
    if (!on_path("ffmpeg")) {
        fprintf(stderr,
                "rltool render: ffmpeg is not on PATH, so no %s was made; the frames are in %s/.\n"
                "Install ffmpeg (apt-get install ffmpeg) and run:\n"
                "  ffmpeg -framerate %g -i %s/frame_%%06d.png -pix_fmt yuv420p %s\n",
                target, dir, fps, dir, target);
        return CLI_FAIL;
    }
    if (run_ffmpeg(dir, fps, target)) {
        cli_error("render", "ffmpeg failed to encode %s (frames kept in %s/)", target, dir);
        return CLI_FAIL;
    }
    for (long long i = 0; i < frames; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/frame_%06lld.png", dir, i);
        remove(path);
    }
    rmdir(dir);
    printf("encoded %s (%.3g fps)\n", target, fps);
    return CLI_OK;
}

typedef struct render_opts {
    const char *target;   /* ENV|CKPT, the positional argument */
    const char *policy, *rec, *shot;
    long long episodes, seed, width, height, steps;
    int zero;
    double shot_after;
    cli_sets sets;
} render_opts;

/* Returns CLI_OK to go on, -1 when --help was printed, or a CLI_* failure. */
static int parse_render(render_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->episodes = o->width = o->height = -1;
    o->shot_after = 2.0;
    const cli_arg args[] = {
        {"--policy", ARG_STR, &o->policy, "CKPT", "checkpoint or run directory acting in the env "
                                                 "(default: random actions)", 0, 0},
        {"--zero", ARG_FLAG, &o->zero, NULL, "without a policy, act with zeros instead of random "
                                             "actions", 0, 0},
        {"--episodes", ARG_INT, &o->episodes, "N", "episodes to play (window default: until "
                                                   "closed; --record default: 1)", 1, 1000000},
        {"--seed", ARG_INT, &o->seed, "S", "seed of the first episode (default 0)", 0, INT64_MAX},
        {"--record", ARG_STR, &o->rec, "DIR|F.mp4", "render offscreen (no window) and write "
                                                     "DIR/frame_NNNNNN.png, or an mp4 via ffmpeg",
         0, 0},
        {"--steps", ARG_INT, &o->steps, "N", "with --record: stop after N frames (default: no "
                                             "limit)", 1, INT64_MAX},
        {"--width", ARG_INT, &o->width, "W", "image or window width (default 640 / 1024)", 16,
         8192},
        {"--height", ARG_INT, &o->height, "H", "image or window height (default 480 / 768)", 16,
         8192},
        {"--set", ARG_SET, &o->sets, "K=V", "env option (repeatable); overrides a checkpoint's",
         0, 0},
        {"--screenshot", ARG_STR, &o->shot, "F.png", "window mode: save the window to F.png after "
                                                     "--screenshot-after seconds, then quit", 0, 0},
        {"--screenshot-after", ARG_DOUBLE, &o->shot_after, "SEC", "(default 2)", 0, 0},
    };
    const int n_args = (int)(sizeof args / sizeof args[0]);
    const char *pos[1];
    int n_pos;
    int rc = cli_parse("render",
                       "ENV|CKPT [--policy CKPT] [--episodes N] [--seed S] [--record DIR|out.mp4] "
                       "[--width W] [--height H] [--set k=v ...]",
                       "Play rollouts in a window in real time (the task's control rate), or record\n"
                       "them offscreen. A checkpoint or run directory alone is enough: its env and\n"
                       "policy are used. Without a policy the actions are uniformly random (--zero:\n"
                       "zeros).\n\n"
                       "Window keys: space pause, right arrow single step (paused), R reset,\n"
                       "+/- speed, C cycle cameras, Q or Esc quit; mouse drag orbits (shift:\n"
                       "horizontal), right drag pans, scroll zooms.\n\n"
                       "Without a display, record instead (offscreen, no X server needed):\n"
                       "  rltool render ENV --record out/",
                       args, n_args, argc, argv, 2, pos, 1, &n_pos);
    if (rc) return rc;
    if (n_pos != 1) {
        cli_error("render", "expected an environment id (see `rltool envs`) or a checkpoint");
        return CLI_USAGE;
    }
    if (o->shot_after < 0) {
        cli_error("render", "--screenshot-after must be >= 0");
        return CLI_USAGE;
    }
    o->target = pos[0];
    return CLI_OK;
}

/* The env to render and the agent acting in it: o->target is an env id (the
 * agent, if any, from --policy) or a checkpoint (its env and agent). */
static int open_target(const render_opts *o, policy_state *ps, rl_env **envp,
                       const char **env_idp, const char **ckptp)
{
    const char *env_id = o->target;
    const char *ckpt = o->policy;
    if (!rl_task_find(o->target)) {
        if (o->policy) {
            cli_error("render", "unknown environment '%s' (see `rltool envs`)", o->target);
            return CLI_USAGE;
        }
        ckpt = o->target;
    }
    char opts[8192] = "";
    if (ckpt) {
        ps->agent = rl_agent_load(ckpt);
        if (!ps->agent) {
            cli_error("render", "%s", rl_last_error());
            return cli_status(rl_last_code());
        }
        if (ckpt == o->target) env_id = rl_agent_env_id(ps->agent);
        if (ckpt == o->target || !strcmp(env_id, rl_agent_env_id(ps->agent)))
            snprintf(opts, sizeof opts, "%s", rl_agent_env_opts(ps->agent));
    }
    if (o->sets.text[0])
        snprintf(opts + strlen(opts), sizeof opts - strlen(opts), "%s%s", opts[0] ? "," : "",
                 o->sets.text);
    rl_env *env = rl_env_make(env_id, opts);
    if (!env) {
        cli_error("render", "%s", rl_last_error());
        return cli_status(rl_last_code());
    }
    int status = CLI_OK;
    if (ps->agent && rl_agent_obs_dim(ps->agent) != env->obs_space.dim) {
        cli_error("render", "the policy expects %d observations but %s gives %d",
                  rl_agent_obs_dim(ps->agent), env_id, env->obs_space.dim);
        status = CLI_USAGE;
    } else if (!env->task->render) {
        cli_error("render", "%s has no renderer (MuJoCo tasks render; see `rltool envs`)", env_id);
        status = CLI_USAGE;
    }
    if (status) {
        rl_env_free(env);
        return status;
    }
    *envp = env;
    *env_idp = env_id;
    *ckptp = ckpt;
    return CLI_OK;
}

/* Window mode: real-time rollouts until closed (or --episodes, --screenshot). */
static int show_window(rl_env *env, policy_state *ps, const render_opts *o, const char *env_id,
                       const char *label)
{
    const char *why = NULL;
    if (!rl_viewer_available(&why)) {
        fprintf(stderr,
                "rltool render: cannot open a window: %s\n"
                "To record instead (offscreen, no X server needed; PNG frames, or an mp4\n"
                "when ffmpeg is installed):\n"
                "  rltool render %s --record frames/\n"
                "  rltool render %s --record out.mp4\n",
                why ? why : "no display", o->target, o->target);
        return CLI_FAIL;
    }
    printf("%s with %s: space pause, right step, R reset, +/- speed, C camera, Q quit\n", env_id,
           label);
    rl_viewer_cfg vc = {
        .env = env,
        .episodes = o->episodes > 0 ? (int)o->episodes : 0,
        .seed = (int64_t)o->seed,
        .width = o->width > 0 ? (int)o->width : 1024,
        .height = o->height > 0 ? (int)o->height : 768,
        .act = act,
        .reset = reset_policy,
        .user = ps,
        .policy = label,
        .screenshot = o->shot,
        .screenshot_after = o->shot_after,
    };
    if (rl_viewer_run(&vc)) {
        cli_error("render", "%s", rl_last_error());
        return CLI_FAIL;
    }
    if (o->shot) printf("saved %s\n", o->shot);
    return CLI_OK;
}

int cmd_render(int argc, char **argv)
{
    render_opts o;
    int rc = parse_render(&o, argc, argv);
    if (rc) return rc < 0 ? CLI_OK : rc;

    policy_state ps;
    memset(&ps, 0, sizeof ps);
    ps.zero = o.zero;
    rl_rng_seed(&ps.rng, (uint64_t)o.seed, 0x7e4d);
    rl_env *env = NULL;
    const char *env_id = NULL, *ckpt = NULL;
    if ((rc = open_target(&o, &ps, &env, &env_id, &ckpt))) {
        rl_agent_free(ps.agent);
        return rc;
    }
    char label[4200];
    if (ps.agent)
        snprintf(label, sizeof label, "%s (%s)", ckpt, rl_agent_kind(ps.agent));
    else
        snprintf(label, sizeof label, "%s actions", o.zero ? "zero" : "random");

    int status;
    if (o.rec) {
        printf("recording %s with %s\n", env_id, label);
        status = record(env, &ps, o.rec, o.episodes > 0 ? o.episodes : 1, o.steps,
                        (int64_t)o.seed, o.width > 0 ? (int)o.width : 640,
                        o.height > 0 ? (int)o.height : 480);
    } else {
        status = show_window(env, &ps, &o, env_id, label);
    }
    rl_env_free(env);
    rl_agent_free(ps.agent);
    return status;
}
