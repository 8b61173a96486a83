/* Ring replay buffer: each field in its own array, so a sampled batch is a
 * gather per field and a checkpoint is one tensor per field. */
#include "core/replay.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rl_replay *rl_replay_make(int capacity, int obs_dim, int act_dim)
{
    if (capacity <= 0 || obs_dim <= 0 || act_dim <= 0) {
        rl_error(RL_EINVAL, "replay: capacity %d, obs_dim %d, act_dim %d must all be > 0",
                 capacity, obs_dim, act_dim);
        return NULL;
    }
    rl_replay *rb = calloc(1, sizeof *rb);
    size_t c = (size_t)capacity;
    if (rb) {
        rb->obs = malloc(sizeof(float) * c * (size_t)obs_dim);
        rb->next_obs = malloc(sizeof(float) * c * (size_t)obs_dim);
        rb->act = malloc(sizeof(float) * c * (size_t)act_dim);
        rb->reward = malloc(sizeof(float) * c);
        rb->terminated = malloc(c);
    }
    if (!rb || !rb->obs || !rb->next_obs || !rb->act || !rb->reward || !rb->terminated) {
        rl_replay_free(rb);
        rl_error(RL_ENOMEM, "replay: out of memory for %d transitions", capacity);
        return NULL;
    }
    rb->capacity = capacity;
    rb->obs_dim = obs_dim;
    rb->act_dim = act_dim;
    return rb;
}

void rl_replay_free(rl_replay *rb)
{
    if (!rb) return;
    free(rb->obs);
    free(rb->next_obs);
    free(rb->act);
    free(rb->reward);
    free(rb->terminated);
    free(rb);
}

void rl_replay_clear(rl_replay *rb)
{
    rb->size = 0;
    rb->pos = 0;
    rb->total = 0;
}

void rl_replay_add(rl_replay *rb, const float *obs, const float *act, float reward,
                   const float *next_obs, int terminated)
{
    size_t i = (size_t)rb->pos, od = (size_t)rb->obs_dim, ad = (size_t)rb->act_dim;
    memcpy(rb->obs + i * od, obs, sizeof(float) * od);
    memcpy(rb->next_obs + i * od, next_obs, sizeof(float) * od);
    memcpy(rb->act + i * ad, act, sizeof(float) * ad);
    rb->reward[i] = reward;
    rb->terminated[i] = terminated ? 1 : 0;
    rb->pos = (rb->pos + 1) % rb->capacity;
    if (rb->size < rb->capacity) rb->size++;
    rb->total++;
}

void rl_replay_add_batch(rl_replay *rb, int n, const float *obs, const float *act,
                         const float *reward, const float *next_obs,
                         const unsigned char *terminated)
{
    size_t od = (size_t)rb->obs_dim, ad = (size_t)rb->act_dim;
    for (int k = 0; k < n; k++)
        rl_replay_add(rb, obs + k * od, act + k * ad, reward[k], next_obs + k * od,
                      terminated[k]);
}

int rl_replay_sample(const rl_replay *rb, rl_rng *rng, int batch, float *obs, float *act,
                     float *reward, float *next_obs, unsigned char *terminated)
{
    if (rb->size == 0) return rl_error(RL_ESTATE, "replay: cannot sample an empty buffer");
    size_t od = (size_t)rb->obs_dim, ad = (size_t)rb->act_dim;
    for (int k = 0; k < batch; k++) {
        size_t i = rl_rng_below(rng, (uint32_t)rb->size);
        memcpy(obs + k * od, rb->obs + i * od, sizeof(float) * od);
        memcpy(next_obs + k * od, rb->next_obs + i * od, sizeof(float) * od);
        memcpy(act + k * ad, rb->act + i * ad, sizeof(float) * ad);
        reward[k] = rb->reward[i];
        terminated[k] = rb->terminated[i];
    }
    return RL_OK;
}

static void field(char *buf, size_t cap, const char *prefix, const char *name)
{
    snprintf(buf, cap, "%s.%s", prefix, name);
}

int rl_replay_save(const rl_replay *rb, rl_ckpt *ck, const char *prefix)
{
    char nm[256];
    int64_t state[6] = {rb->capacity, rb->obs_dim, rb->act_dim, rb->size, rb->pos, rb->total};
    int64_t n = rb->size, od = rb->obs_dim, ad = rb->act_dim;
    int rc;
    /* Slots [0, size) are exactly the valid ones, full or not. */
    field(nm, sizeof nm, prefix, "state");
    if ((rc = rl_ckpt_put(ck, nm, RL_I64, state, 6))) return rc;
    field(nm, sizeof nm, prefix, "obs");
    if ((rc = rl_ckpt_put(ck, nm, RL_F32, rb->obs, n * od))) return rc;
    field(nm, sizeof nm, prefix, "act");
    if ((rc = rl_ckpt_put(ck, nm, RL_F32, rb->act, n * ad))) return rc;
    field(nm, sizeof nm, prefix, "reward");
    if ((rc = rl_ckpt_put(ck, nm, RL_F32, rb->reward, n))) return rc;
    field(nm, sizeof nm, prefix, "next_obs");
    if ((rc = rl_ckpt_put(ck, nm, RL_F32, rb->next_obs, n * od))) return rc;
    field(nm, sizeof nm, prefix, "terminated");
    return rl_ckpt_put(ck, nm, RL_U8, rb->terminated, n);
}

int rl_replay_load(rl_replay *rb, const rl_ckpt *ck, const char *prefix)
{
    char nm[256];
    field(nm, sizeof nm, prefix, "state");
    const int64_t *st = rl_ckpt_get(ck, nm, RL_I64, 6, NULL);
    if (!st) return rl_last_code();
    if (st[0] != rb->capacity || st[1] != rb->obs_dim || st[2] != rb->act_dim)
        return rl_error(RL_EINVAL,
                        "replay: checkpoint holds capacity %" PRId64 ", dims %" PRId64
                        "/%" PRId64 "; this buffer is %d, %d/%d",
                        st[0], st[1], st[2], rb->capacity, rb->obs_dim, rb->act_dim);
    int64_t n = st[3];
    if (n < 0 || n > rb->capacity || st[4] < 0 || st[4] >= rb->capacity || st[5] < n)
        return rl_error(RL_ECORRUPT, "replay: bad size %" PRId64 " or position %" PRId64, n,
                        st[4]);
    const void *p[5];
    static const char *names[5] = {"obs", "act", "reward", "next_obs", "terminated"};
    int64_t counts[5] = {n * rb->obs_dim, n * rb->act_dim, n, n * rb->obs_dim, n};
    for (int k = 0; k < 5; k++) {
        field(nm, sizeof nm, prefix, names[k]);
        p[k] = rl_ckpt_get(ck, nm, k == 4 ? RL_U8 : RL_F32, counts[k], NULL);
        if (!p[k]) return rl_last_code();
    }
    memcpy(rb->obs, p[0], sizeof(float) * (size_t)counts[0]);
    memcpy(rb->act, p[1], sizeof(float) * (size_t)counts[1]);
    memcpy(rb->reward, p[2], sizeof(float) * (size_t)counts[2]);
    memcpy(rb->next_obs, p[3], sizeof(float) * (size_t)counts[3]);
    memcpy(rb->terminated, p[4], (size_t)counts[4]);
    rb->size = (int)n;
    rb->pos = (int)st[4];
    rb->total = st[5];
    return RL_OK;
}
