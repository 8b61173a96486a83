/* train_mytask.c: register the task of mytask.c in this program and train
 * and evaluate it through the C API, no plugin loading involved.
 *   make train_mytask && ./train_mytask [steps] */
#include <stdio.h>
#include <stdlib.h>

#include <rltool.h>

int rltool_plugin_init(void); /* mytask.c: registers mytask-v1 */

int main(int argc, char **argv)
{
    if (rltool_plugin_init() != RL_OK) {
        fprintf(stderr, "register: %s\n", rl_last_error());
        return 1;
    }
    rl_train_cfg cfg = {
        .env_id = "mytask-v1",
        .agent = "ppo",
        .hparams = "lr=1e-3",
        .steps = argc > 1 ? atoll(argv[1]) : 200000, /* 60k: success 0 %; 200k: 100 % */
        .seed = 1,
        .n_threads = 1,
        .out_dir = "runs/mytask",
        .overwrite = 1, /* each run of this program trains afresh */
    };
    if (rl_train(&cfg) != RL_OK) {
        fprintf(stderr, "train: %s\n", rl_last_error());
        return 1;
    }
    rl_agent *agent = rl_agent_load("runs/mytask");
    rl_eval_result r;
    if (!agent || rl_evaluate(agent, NULL, 20, 123, 1, &r) != RL_OK) {
        fprintf(stderr, "eval: %s\n", rl_last_error());
        rl_agent_free(agent);
        return 1;
    }
    printf("mytask-v1: mean return %.2f +- %.2f, success %.0f%% over %d episodes\n",
           r.mean_return, r.std_return, 100 * r.success_rate, r.episodes);
    rl_agent_free(agent);
    return 0;
}
