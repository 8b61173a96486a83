/* PCG32 random streams (O'Neill 2014, XSH-RR output) and splitmix64 seed
 * derivation. Each env, worker and agent owns its own stream, so results do
 * not depend on thread scheduling. */
#include "rltool.h"
#include "core/error.h"

#include <math.h>

void rl_rng_seed(rl_rng *rng, uint64_t seed, uint64_t stream)
{
    RL_NEED(rng, );
    rng->state = 0;
    rng->inc = (stream << 1u) | 1u;
    rl_rng_u32(rng);
    rng->state += seed;
    rl_rng_u32(rng);
}

uint32_t rl_rng_u32(rl_rng *rng)
{
    RL_NEED(rng, 0);
    uint64_t old = rng->state;
    rng->state = old * 6364136223846793005ULL + rng->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

uint32_t rl_rng_below(rl_rng *rng, uint32_t n)
{
    RL_NEED(rng, 0);
    /* Lemire-free rejection: drop the biased low range. */
    uint32_t threshold = (uint32_t)(-n) % n;
    for (;;) {
        uint32_t r = rl_rng_u32(rng);
        if (r >= threshold) return r % n;
    }
}

double rl_rng_uniform(rl_rng *rng)
{
    RL_NEED(rng, 0);
    uint64_t hi = rl_rng_u32(rng) >> 5;  /* 27 bits */
    uint64_t lo = rl_rng_u32(rng) >> 6;  /* 26 bits */
    return (double)(hi * 67108864.0 + lo) * (1.0 / 9007199254740992.0);
}

double rl_rng_range(rl_rng *rng, double lo, double hi)
{
    RL_NEED(rng, 0);
    return lo + (hi - lo) * rl_rng_uniform(rng);
}

double rl_rng_normal(rl_rng *rng)
{
    RL_NEED(rng, 0);
    double u1 = rl_rng_uniform(rng);
    double u2 = rl_rng_uniform(rng);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t rl_seed_derive(uint64_t seed, uint64_t id)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (id + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
