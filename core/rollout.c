/* Rollout buffer and GAE; see the truncation contract in rollout.h. */
#include "core/rollout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

rl_rollout *rl_rollout_make(int T, int N, int obs_dim, int act_dim)
{
    if (T <= 0 || N <= 0 || obs_dim <= 0 || act_dim <= 0 || (long long)T * N > (1 << 28)) {
        rl_error(RL_EINVAL, "rollout: bad shape T=%d N=%d obs_dim=%d act_dim=%d", T, N,
                 obs_dim, act_dim);
        return NULL;
    }
    size_t tn = (size_t)T * (size_t)N;
    rl_rollout *ro = calloc(1, sizeof *ro);
    if (ro) {
        ro->obs = malloc(sizeof(float) * tn * (size_t)obs_dim);
        ro->act = malloc(sizeof(float) * tn * (size_t)act_dim);
        ro->logp = malloc(sizeof(float) * tn);
        ro->value = malloc(sizeof(float) * tn);
        ro->reward = malloc(sizeof(float) * tn);
        ro->done = malloc(sizeof(float) * tn);
        ro->adv = calloc(tn, sizeof(float));
        ro->ret = calloc(tn, sizeof(float));
        ro->idx = malloc(sizeof(int) * tn);
    }
    if (!ro || !ro->obs || !ro->act || !ro->logp || !ro->value || !ro->reward || !ro->done ||
        !ro->adv || !ro->ret || !ro->idx) {
        rl_rollout_free(ro);
        rl_error(RL_ENOMEM, "rollout: out of memory for %d x %d steps", T, N);
        return NULL;
    }
    ro->T = T;
    ro->N = N;
    ro->obs_dim = obs_dim;
    ro->act_dim = act_dim;
    return ro;
}

void rl_rollout_free(rl_rollout *ro)
{
    if (!ro) return;
    free(ro->obs);
    free(ro->act);
    free(ro->logp);
    free(ro->value);
    free(ro->reward);
    free(ro->done);
    free(ro->adv);
    free(ro->ret);
    free(ro->idx);
    free(ro);
}

void rl_rollout_clear(rl_rollout *ro) { ro->t = 0; }

int rl_rollout_add(rl_rollout *ro, const float *obs, const float *act, const float *logp,
                   const float *value, const float *reward, const unsigned char *done)
{
    if (ro->t >= ro->T)
        return rl_error(RL_ESTATE, "rollout: full (%d steps); clear it first", ro->T);
    size_t N = (size_t)ro->N, row = (size_t)ro->t * N;
    memcpy(ro->obs + row * ro->obs_dim, obs, sizeof(float) * N * ro->obs_dim);
    memcpy(ro->act + row * ro->act_dim, act, sizeof(float) * N * ro->act_dim);
    memcpy(ro->logp + row, logp, sizeof(float) * N);
    memcpy(ro->value + row, value, sizeof(float) * N);
    memcpy(ro->reward + row, reward, sizeof(float) * N);
    for (size_t i = 0; i < N; i++) ro->done[row + i] = done[i] ? 1.0f : 0.0f;
    ro->t++;
    return RL_OK;
}

void rl_rollout_gae(rl_rollout *ro, const float *last_value, float gamma, float lambda)
{
    int N = ro->N;
    for (int i = 0; i < N; i++) {
        double next_adv = 0, next_value = last_value[i];
        for (int t = ro->t - 1; t >= 0; t--) {
            size_t k = (size_t)t * N + i;
            double live = 1.0 - ro->done[k];
            double delta = ro->reward[k] + gamma * live * next_value - ro->value[k];
            next_adv = delta + (double)gamma * lambda * live * next_adv;
            next_value = ro->value[k];
            ro->adv[k] = (float)next_adv;
            ro->ret[k] = (float)(next_adv + ro->value[k]);
        }
    }
}

void rl_normalize_adv(float *adv, int n)
{
    if (n <= 0) return;
    double mean = 0, var = 0;
    for (int i = 0; i < n; i++) mean += adv[i];
    mean /= n;
    for (int i = 0; i < n; i++) var += (adv[i] - mean) * (adv[i] - mean);
    double inv = 1.0 / (sqrt(var / n) + 1e-8);
    for (int i = 0; i < n; i++) adv[i] = (float)((adv[i] - mean) * inv);
}

void rl_shuffle_indices(rl_rng *rng, int *idx, int n)
{
    for (int i = 0; i < n; i++) idx[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rl_rng_below(rng, (uint32_t)i + 1);
        int tmp = idx[i];
        idx[i] = idx[j];
        idx[j] = tmp;
    }
}

void rl_rollout_shuffle(rl_rollout *ro, rl_rng *rng)
{
    rl_shuffle_indices(rng, ro->idx, ro->t * ro->N);
}
