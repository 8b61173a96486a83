/* libFuzzer harness: arbitrary text through the option parsers users feed
 * from the command line and Python: key=value lists into every agent's and
 * task's option table, numbers, and env ids. Built by `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agents/agent.h"
#include "rltool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    long long i;
    double d;
    (void)rl_parse_int(s, &i);
    (void)rl_parse_double(s, &d);
    const char *p = s;
    char key[128], val[RL_OPT_STR_MAX];
    while (rl_kv_next(&p, key, sizeof key, val, sizeof val) == 1) {
    }
    /* Agents: hyperparameters. */
    unsigned pick = size ? data[0] : 0;
    const rl_agent_vt *vt = rl_agent_at((int)(pick % (unsigned)rl_agent_count()));
    void *cfg = calloc(1, vt->cfg_size);
    if (cfg) {
        rl_opts_defaults(vt->opts, vt->n_opts, cfg);
        rl_opts_parse(vt->opts, vt->n_opts, cfg, vt->name, s);
        free(cfg);
    }
    /* Tasks: options (classic tasks only: cheap to make). */
    rl_env_free(rl_env_make(pick & 1 ? "cartpole-v1" : "pendulum-v1", s));
    rl_env_free(rl_env_make(s, NULL));
    free(s);
    return 0;
}
