/* export.h (internal): turn a trained agent into one dependency-free C99 header
 * (`rltool export`).
 *
 * The generated header holds the weights as static const arrays and three
 * things a deployment calls (NAME is --name, "policy" by default):
 *
 *     NAME_state s;              caller-owned state (the episode step; NCAP's
 *     NAME_reset(&s);            oscillator reads it), reset at episode start
 *     NAME_act(&s, obs, action); obs (NAME_OBS_DIM) raw -> action (NAME_ACT_DIM)
 *
 * One API for every policy, stateless or not: the state lives in a struct
 * the caller owns, so several policies (or several robots) run side by side
 * and nothing is hidden in statics. No malloc, no BLAS; only tanhf from libm
 * and only when an activation needs it. The action equals the library's
 * deterministic action (rl_agent_act(..., deterministic=1)).
 *
 * How the export is built: the agent's networks become a plan (observation
 * normaliser, dense layers or the NCAP circuit, an action head) read from
 * the agent's own checkpoint tensors. The same plan is emitted as C and
 * interpreted here, so the exporter measures the error of the code it wrote
 * (against rl_agent_act on observations of a library rollout) before
 * returning.
 *
 * Agents that need more than a plan (TLA: slow and fast layers and a gate)
 * set rl_agent_vt.export_c and write their header with the helpers below.
 */
#ifndef RL_AGENTS_EXPORT_H
#define RL_AGENTS_EXPORT_H

#include "agents/agent.h"

#include <stdio.h>

typedef enum { RL_EXPORT_FLOAT = 0, RL_EXPORT_INT8 = 1 } rl_export_precision;

typedef struct rl_export_opts {
    const char *name;   /* C identifier prefix; NULL: "policy" */
    int precision;      /* rl_export_precision */
    const char *source; /* recorded in the header (checkpoint path); may be NULL */
    int check_steps;    /* library-rollout observations to measure against (0: 1000, <0: none) */
} rl_export_opts;

typedef struct rl_export_info {
    int64_t n_params;     /* network parameters in the exported code */
    int64_t weight_bytes; /* bytes of static const data (weights, scales, normaliser) */
    double macs;          /* multiply-accumulates per NAME_act call */
    int n_checked;        /* observations compared with rl_agent_act */
    double max_err;       /* max |exported - library| action difference over them */
    int argmax_mismatch;  /* discrete heads: rows whose chosen index differs */
    char normaliser[48];  /* "none", "folded into layer 0", "explicit, clip 10" */
    char head[64];        /* "clip(mean, -1, 1)", "tanh(mean)", "argmax (2 x 3)", ... */
    char arch[64];        /* "mlp 3-64-64-1 tanh", "ncap (5 joints, shared)" */
} rl_export_info;

/* Write the header for a loaded agent to path (atomically: path.tmp then
 * rename). info (may be NULL) gets sizes and the measured error. Errors:
 * RL_EINVAL (bad name or precision, agent cannot be exported), RL_EIO
 * (cannot write). */
int rl_export_agent(rl_agent *ag, const rl_export_opts *o, const char *path, rl_export_info *info);
/* The same from a checkpoint file or run directory. */
int rl_export_checkpoint(const char *ckpt_or_run, const rl_export_opts *o, const char *path,
                         rl_export_info *info);
/* 1 if agent kind (and policy architecture, NULL: its default) can be exported. */
int rl_export_supported(const char *agent, const char *policy);

/* ---- helpers for agents that write their own header (export_c hooks) */

/* A dense layer: y = act(W x + b), W (out, in) row-major as core/nn.h. */
typedef struct rl_export_dense {
    int in, out;
    rl_act act;
    const float *W, *b;
} rl_export_dense;

/* `static const float NAME[n] = {...};` with round-trip (%.9g) literals. */
void rl_export_emit_floats(FILE *f, const char *name, const float *x, int64_t n);
/* Emit the arrays of a layer stack and
 *   static inline void FN(const float *x, float *y)
 * computing it (int8: per-row symmetric weights with float scales, float
 * activations). Adds parameters, bytes and MACs into info. Returns the
 * widest layer. */
int rl_export_emit_mlp(FILE *f, const char *fn, const rl_export_dense *layers, int n_layers,
                       int precision, rl_export_info *info);

#endif
