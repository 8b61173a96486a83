/* bench_export: size, MACs and time per call of policies exported by
 * `rltool export`, next to the library's rl_agent_act on one observation.
 *
 * For NCAP (shared and unshared) and PPO MLPs 64-64 and 256-256 on
 * swimmer-v1: export float and int8 headers into a temp dir, compile a
 * timing program from each with `cc -std=c99 -O2` and time NAME_act over
 * many calls (observations cycled from a recorded rollout, actions summed
 * so nothing is optimised away). Usage: bench_export [calls] */
#include "agents/agent.h"
#include "agents/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static const char *timer_src =
    "#include \"pol.h\"\n#include <stdio.h>\n#include <stdlib.h>\n#include <time.h>\n"
    "int main(int argc, char **argv)\n{\n"
    "    long calls = atol(argv[2]), i;\n    int n = 0, j;\n"
    "    static float obs[256][POL_OBS_DIM];\n    float act[POL_ACT_DIM], sum = 0;\n"
    "    FILE *f = fopen(argv[1], \"rb\");\n    pol_state s;\n    struct timespec a, b;\n"
    "    while (n < 256 && fread(obs[n], sizeof(float), POL_OBS_DIM, f) == POL_OBS_DIM) n++;\n"
    "    fclose(f);\n    pol_reset(&s);\n"
    "    clock_gettime(CLOCK_MONOTONIC, &a);\n"
    "    for (i = 0; i < calls; i++) {\n        pol_act(&s, obs[i & 255], act);\n"
    "        for (j = 0; j < POL_ACT_DIM; j++) sum += act[j];\n    }\n"
    "    clock_gettime(CLOCK_MONOTONIC, &b);\n"
    "    printf(\"%.2f %g\\n\", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / calls, sum);\n"
    "    return 0;\n}\n";

int main(int argc, char **argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 200000;
    char dir[] = "/tmp/bench_export_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[512], cmd[2048];
    snprintf(path, sizeof path, "%s/timer.c", dir);
    FILE *f = fopen(path, "w");
    fputs(timer_src, f);
    fclose(f);
    struct {
        const char *label, *agent, *policy, *hparams;
    } cases[] = {
        {"ncap shared", "ncap", "ncap", NULL},
        {"ncap unshared", "ncap", "ncap", "shared=0"},
        {"mlp 64-64 tanh", "ppo", "mlp", "hidden=64x64"},
        {"mlp 256-256 tanh", "ppo", "mlp", "hidden=256x256"},
        {"mlp 256-256 relu", "td3", "mlp", "hidden=256x256"},
    };
    printf("exported policies on swimmer-v1 (%ld timed calls each; cc -std=c99 -O2)\n\n", calls);
    printf("| policy (agent) | params | MACs/call | bytes float | bytes int8 | ns/call float | "
           "ns/call int8 | ns/call library | int8 max err |\n|---|---|---|---|---|---|---|---|---|\n");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        rl_agent *ag = rl_agent_create(cases[c].agent, cases[c].policy, "swimmer-v1", NULL,
                                       cases[c].hparams, 3);
        if (!ag) {
            fprintf(stderr, "%s: %s\n", cases[c].label, rl_last_error());
            continue;
        }
        /* Observations of a short rollout (library policy). */
        rl_env *env = rl_env_make("swimmer-v1", NULL);
        rl_env_reset(env, 1);
        float *obs = malloc(sizeof(float) * 256 * ag->obs_dim), a[64];
        for (int i = 0; i < 256; i++) {
            memcpy(obs + (size_t)i * ag->obs_dim, env->obs, sizeof(float) * ag->obs_dim);
            rl_agent_act(ag, env->obs, 1, a, 1);
            rl_env_step(env, a);
        }
        rl_env_free(env);
        snprintf(path, sizeof path, "%s/obs.bin", dir);
        f = fopen(path, "wb");
        fwrite(obs, sizeof(float), 256 * (size_t)ag->obs_dim, f);
        fclose(f);
        /* Library: one observation per call, as a controller would. */
        long lib_calls = calls / 10 > 1000 ? calls / 10 : 1000;
        double t0 = now();
        for (long i = 0; i < lib_calls; i++)
            rl_agent_act(ag, obs + (size_t)(i & 255) * ag->obs_dim, 1, a, 1);
        double lib_ns = (now() - t0) / lib_calls * 1e9;
        rl_export_info info[2];
        double ns[2] = {0, 0};
        for (int prec = 0; prec < 2; prec++) {
            rl_export_opts o = {"pol", prec, NULL, 1000};
            snprintf(path, sizeof path, "%s/pol.h", dir);
            if (rl_export_agent(ag, &o, path, &info[prec])) {
                fprintf(stderr, "%s: %s\n", cases[c].label, rl_last_error());
                break;
            }
            snprintf(cmd, sizeof cmd, "cd %s && cc -std=c99 -D_POSIX_C_SOURCE=199309L -Wall -O2 "
                     "timer.c -o timer -lm && ./timer obs.bin %ld", dir, calls);
            FILE *p = popen(cmd, "r");
            if (!p || fscanf(p, "%lf", &ns[prec]) != 1) ns[prec] = -1;
            if (p) pclose(p);
        }
        printf("| %s (%s) | %lld | %.0f | %lld | %lld | %.1f | %.1f | %.0f | %.2g |\n",
               cases[c].label, cases[c].agent, (long long)info[0].n_params, info[0].macs,
               (long long)info[0].weight_bytes, (long long)info[1].weight_bytes, ns[0], ns[1],
               lib_ns, info[1].max_err);
        free(obs);
        rl_agent_free(ag);
    }
    printf("\nbytes: static const data in the header (weights, int8 scales, normaliser, limits);\n"
           "int8 max err: max |action - library| over 1000 observations of a library rollout.\n");
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 0;
    return 0;
}
