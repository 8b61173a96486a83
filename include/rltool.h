/* rltool.h: the public C API of rltool.
 *
 * Families: rl_ (errors, version), rl_rng_, rl_opts_, rl_env_, rl_task_,
 * rl_vec_, rl_ckpt_, rl_agent_.
 *
 * Error model (like sqlite3_errmsg): functions that can fail return an int
 * status (RL_OK = 0, negative RL_E* codes) or NULL, and set a thread-local
 * message readable with rl_last_error(). Nothing here calls exit() or writes
 * to stdout.
 *
 * NULL arguments: a NULL where an object or buffer is required is an
 * error, never a crash: int functions return RL_EINVAL, pointer functions
 * NULL, counts and other accessors 0, each with a message naming the
 * function ("rl_env_step: env is NULL"); void calls do nothing.
 *
 * Ownership: every rl_x_make / rl_x_load has an rl_x_free; free(NULL) is a
 * no-op. Pointers returned by accessors are borrowed and stay valid until the
 * owner is freed.
 */
#ifndef RLTOOL_H
#define RLTOOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RL_VERSION_MAJOR 0
#define RL_VERSION_MINOR 1
#define RL_VERSION_PATCH 0
#define RL_VERSION "0.1.0"

/* RL_API marks what librltool.so exports (as MuJoCo's MJAPI): the library
 * is built with hidden visibility, so everything not declared here stays
 * internal. */
#if defined(__GNUC__)
#define RL_API __attribute__((visibility("default")))
#else
#define RL_API
#endif

/* ------------------------------------------------------------------ errors */

enum {
    RL_OK = 0,
    RL_EINVAL = -1,     /* bad argument, option or value */
    RL_ENOTFOUND = -2,  /* unknown id, name or missing file */
    RL_ENOMEM = -3,     /* allocation failed */
    RL_EIO = -4,        /* read or write failed */
    RL_ECORRUPT = -5,   /* file is damaged (bad magic, CRC, truncated) */
    RL_EVERSION = -6,   /* file written by a newer format version */
    RL_ESIM = -7,       /* physics engine error */
    RL_ESTATE = -8,     /* call not valid in the object's current state */
    RL_ENUMERIC = -9,   /* NaN or inf where finite numbers are required */
    RL_EINTERRUPT = -10 /* stopped by a signal (Ctrl-C) */
};

RL_API const char *rl_version(void);
/* Message of the last error on this thread ("" when none). */
RL_API const char *rl_last_error(void);
/* Code of the last error on this thread (RL_OK when none). */
RL_API int rl_last_code(void);
/* Short name of a code: "invalid argument", ... */
RL_API const char *rl_strerror(int code);
/* Set this thread's error (printf-style) and return code. For tasks and
 * plugins as well as the library itself. */
RL_API int rl_error(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
RL_API void rl_clear_error(void);

/* ------------------------------------------------------------------ rng */

/* PCG32 (O'Neill): 64-bit state, a per-stream odd increment. Streams with
 * the same seed and different stream ids are independent. */
typedef struct rl_rng {
    uint64_t state;
    uint64_t inc;
} rl_rng;

RL_API void rl_rng_seed(rl_rng *rng, uint64_t seed, uint64_t stream);
RL_API uint32_t rl_rng_u32(rl_rng *rng);
/* Uniform integer in [0, n), unbiased; n > 0. */
RL_API uint32_t rl_rng_below(rl_rng *rng, uint32_t n);
/* Uniform double in [0, 1) with 53 random bits. */
RL_API double rl_rng_uniform(rl_rng *rng);
/* Uniform double in [lo, hi). */
RL_API double rl_rng_range(rl_rng *rng, double lo, double hi);
/* Standard normal (Box-Muller; no cached spare, so the stream position
 * depends only on the number of calls). */
RL_API double rl_rng_normal(rl_rng *rng);
/* Derive a child seed for sub-stream `id` of `seed` (splitmix64). */
RL_API uint64_t rl_seed_derive(uint64_t seed, uint64_t id);

/* ------------------------------------------------------------------ options
 *
 * Every task and agent declares its options as a table of rl_optdef with
 * offsets into its own config struct. One parser reads "key=value" pairs
 * separated by commas; list values use 'x' ("hidden=64x64"). Unknown keys
 * and out-of-range or malformed values are errors that name what is
 * accepted.
 */
typedef enum {
    RL_OPT_INT,    /* int;     range [lo, hi] */
    RL_OPT_FLOAT,  /* double;  range [lo, hi], finite */
    RL_OPT_BOOL,   /* int 0/1; accepts 0 1 true false yes no on off */
    RL_OPT_CHOICE, /* int index into choices "a|b|c" */
    RL_OPT_INTLIST,/* rl_intlist; each element in [lo, hi] */
    RL_OPT_STR     /* char[RL_OPT_STR_MAX] */
} rl_opt_type;

#define RL_OPT_STR_MAX 256
#define RL_INTLIST_MAX 8

typedef struct rl_intlist {
    int n;
    int v[RL_INTLIST_MAX];
} rl_intlist;

typedef struct rl_optdef {
    const char *name;
    rl_opt_type type;
    size_t offset;       /* offsetof(config struct, field) */
    const char *def;     /* default, written as on the command line */
    double lo, hi;       /* inclusive range for numbers */
    const char *choices; /* RL_OPT_CHOICE: "a|b|c" */
    const char *help;    /* one line */
} rl_optdef;

/* Write every default into cfg. */
RL_API int rl_opts_defaults(const rl_optdef *defs, int n_defs, void *cfg);
/* Set one key. `owner` names the thing in messages ("swimmer-v1").
 * Returns RL_ENOTFOUND for an unknown key (message lists known keys) and
 * RL_EINVAL for a bad value. */
RL_API int rl_opts_set(const rl_optdef *defs, int n_defs, void *cfg, const char *owner,
                const char *key, const char *value);
/* Apply "k=v,k=v" on top of cfg's current values. NULL or "" is fine. */
RL_API int rl_opts_parse(const rl_optdef *defs, int n_defs, void *cfg, const char *owner,
                  const char *kvs);
/* Find a definition by name (NULL if none). */
RL_API const rl_optdef *rl_opts_find(const rl_optdef *defs, int n_defs, const char *key);
/* Format one value as text (as it would be parsed). */
RL_API int rl_opts_format_value(const rl_optdef *def, const void *cfg, char *buf, size_t cap);
/* Canonical "k=v,k=v" of every option. Returns length or a negative code. */
RL_API int rl_opts_format(const rl_optdef *defs, int n_defs, const void *cfg, char *buf,
                   size_t cap);
/* Iterate over "k=v,k=v": copies the next pair into key/val and advances *s.
 * Returns 1 for a pair, 0 at the end, RL_EINVAL for a malformed pair. */
RL_API int rl_kv_next(const char **s, char *key, size_t key_cap, char *val, size_t val_cap);
/* Strict number parsing: the whole string must be a number. */
RL_API int rl_parse_int(const char *s, long long *out);
RL_API int rl_parse_double(const char *s, double *out);

/* ------------------------------------------------------------------ spaces */

typedef enum {
    RL_BOX = 0,      /* dim floats in [low, high] */
    RL_DISCRETE = 1  /* dim integers each in [0, n); dim = 1 is Discrete(n),
                        dim > 1 a product of Discrete(n) (factored bins) */
} rl_space_kind;

#define RL_MAX_SPACE_DIM (1 << 20)   /* values in a space */
#define RL_MAX_DISCRETE_N (1 << 24)  /* choices of a Discrete value */
#define RL_MAX_ID_LEN 63             /* characters of a task id */

typedef struct rl_space {
    rl_space_kind kind;
    int dim;           /* number of values */
    int n;             /* RL_DISCRETE: choices per value */
    const float *low;  /* (dim) RL_BOX only; owned by the env */
    const float *high; /* (dim) */
} rl_space;

/* A named contiguous part of the observation vector. */
typedef struct rl_slice {
    const char *name;
    int start;
    int len;
} rl_slice;

/* Per-step info record. Episode fields are valid when `done` is set. */
#define RL_INFO_MAX_EXTRA 8
typedef struct rl_info {
    int done;             /* this step ended an episode */
    int success;          /* -1: task defines none; else 0 or 1 */
    int sim_unstable;     /* the physics blew up; the episode was terminated */
    int episode_length;   /* when done */
    double episode_return;/* when done */
    float extra[RL_INFO_MAX_EXTRA]; /* task values, named by rl_env.info_names */
} rl_info;

/* ------------------------------------------------------------------ tasks
 *
 * A task is a small vtable plus option table. The built-in tasks use this
 * same interface; user code can register its own with rl_task_register.
 *
 * Lifecycle: shared_make (once per configuration, optional) -> init (once per
 * env) -> reset / step ... -> close -> shared_free.
 */
typedef struct rl_env rl_env;

typedef struct rl_task {
    const char *id;        /* versioned: "swimmer-v1" */
    const char *summary;   /* one line */
    const rl_optdef *opts; /* task options */
    int n_opts;
    size_t cfg_size;       /* size of the task's config struct */
    int max_steps;         /* default time limit; 0 = none */
    double dt;             /* seconds per step (render speed), 0 if not physical */

    /* Optional: read-only data shared by every env of one configuration
     * (a compiled mjModel). */
    int (*shared_make)(const void *cfg, void **shared);
    void (*shared_free)(void *shared);
    /* Fill env->obs_space, env->act_space, env->slices, env->info_names and
     * env->data. Return RL_OK or an rl_error code. */
    int (*init)(rl_env *env, const void *cfg, void *shared);
    /* Draw a start state from env->rng and write env->obs. */
    void (*reset)(rl_env *env);
    /* Advance one step with a finite action (Box: clipped to [low, high];
     * Discrete: integer-valued floats in range). Write env->obs,
     * *env->reward, *env->terminated and task fields of *env->info. */
    void (*step)(rl_env *env, const float *action);
    void (*close)(rl_env *env);
    /* Optional: render the current state as RGB (h, w, 3). */
    int (*render)(rl_env *env, unsigned char *rgb, int width, int height);
    /* Optional (goal-conditioned tasks with `achieved_goal` and
     * `desired_goal` slices): the reward a step would have earned had the
     * goal been `desired` when it ended with `achieved` (both slice-long,
     * as in the observation); *success (when not NULL) gets the success
     * flag. Lets off-policy agents relabel goals (HER, `her=1`). */
    float (*goal_reward)(const rl_env *env, const float *achieved, const float *desired,
                         int *success);
    /* Optional, with goal_reward: recompute the observation's features
     * derived from the goal (e.g. the rotation still to go) after its
     * desired_goal slice was replaced. */
    void (*goal_obs)(const rl_env *env, float *obs);
    /* Optional: the mean episode return that counts as solving the task
     * (Gymnasium's reward_threshold); `rltool bench` reports when runs
     * reach it. Read only when has_threshold is 1. */
    int has_threshold;
    double reward_threshold;
} rl_task;

struct rl_env {
    const rl_task *task;
    void *cfg;         /* task config (owned) */
    void *shared;      /* from shared_make (owned by the env or its vec env) */
    void *data;        /* task state (owned by the task) */
    rl_rng rng;        /* every random draw of the task comes from here */

    rl_space obs_space;
    rl_space act_space;
    const rl_slice *slices;
    int n_slices;
    const char *const *info_names; /* names of info->extra[0..n_info) */
    int n_info;

    /* Step outputs: borrowed from a vector env's batch buffers or owned. */
    float *obs;                  /* (obs_dim) */
    float *reward;               /* (1) */
    unsigned char *terminated;   /* (1) */
    unsigned char *truncated;    /* (1) */
    rl_info *info;               /* (1) */

    /* Kept by the generic layer (env.c), read-only for tasks. */
    int t;                 /* steps in this episode */
    double ep_return;
    int max_steps;
    int needs_reset;
    void *wrap;            /* wrapper state (env.c) */

    /* Set by a task's init when its step length depends on options (an
     * MJCF model's timestep x frame_skip); 0 means the task's dt. Last in
     * the struct so that plugins built against older headers still fit. */
    double dt;
};

/* Register a user task (process-wide, like gym.register). The struct and
 * everything it points to must outlive every env made from it (a static
 * const rl_task is the usual form). Ids end with a version ("mytask-v1")
 * and must be new. RL_EINVAL for a missing id/init/reset/step, a bad or
 * duplicate id; RL_ENOMEM when the table (64 tasks) is full. Not thread-safe
 * against envs being made from the same id concurrently; register first.
 *
 * A minimal task (see examples/mytask/mytask.c for a complete one):
 *
 *   static int my_init(rl_env *env, const void *cfg, void *shared)
 *   {   env->obs_space = (rl_space){RL_BOX, 2, 0, NULL, NULL};
 *       env->act_space = (rl_space){RL_BOX, 1, 0, NULL, NULL}; // [-1, 1]
 *       env->data = calloc(1, sizeof(my_state));  // freed in close
 *       return env->data ? RL_OK : rl_error(RL_ENOMEM, "out of memory"); }
 *   static const rl_task my_task = {.id = "mytask-v1", .max_steps = 200,
 *       .init = my_init, .reset = my_reset, .step = my_step, .close = my_close};
 *   rl_task_register(&my_task);
 *
 * Box low/high may be NULL, meaning [-1, 1]. reset and step draw
 * randomness from env->rng only.
 *
 * Ids of the form "mjcf:PATH" need no registration: rl_task_find makes a
 * generic MuJoCo task for the MJCF file PATH on first use (observations
 * qpos, qvel[, sensordata]; actions the actuators scaled from [-1, 1]; a
 * reward written as named terms; see `rltool info mjcf:PATH`). */
RL_API int rl_task_register(const rl_task *task);
RL_API const rl_task *rl_task_find(const char *id);
RL_API int rl_task_count(void);
RL_API const rl_task *rl_task_at(int i);

/* Plugins: a shared library exporting `int rltool_plugin_init(void)` that
 * calls rl_task_register. rl_plugin_load dlopens `path` (kept loaded for
 * the life of the process; loading a file twice is a no-op) and calls that
 * function. RL_ENOTFOUND for a missing file; RL_EINVAL naming the file and
 * dlerror() when it cannot be loaded, lacks the symbol, fails, or registers
 * no task. The rltool CLI loads plugins given with `--plugin FILE` and
 * those listed in RLTOOL_PLUGINS; rl_plugin_load_env loads the latter
 * (colon-separated paths; unset or empty: nothing). */
RL_API int rl_plugin_load(const char *path);
RL_API int rl_plugin_load_env(void);

/* ------------------------------------------------------------------ env
 *
 * opts holds task options and wrapper options, "k=v,k=v":
 *   max_steps=N        time limit (0 = the task's default)
 *   action_repeat=K    repeat each action K times, summing rewards
 *   discretize=B       turn a Box action space into B bins per dimension
 *   decision_budget=N  end the episode after N changed actions (0 = off)
 */
RL_API rl_env *rl_env_make(const char *id, const char *opts);
RL_API void rl_env_free(rl_env *env);
/* seed >= 0 reseeds the env's stream; seed < 0 continues it. */
RL_API int rl_env_reset(rl_env *env, int64_t seed);
/* RL_EINVAL for NaN/inf or out-of-range discrete actions (state untouched),
 * RL_ESTATE when the episode has ended and reset was not called. */
RL_API int rl_env_step(rl_env *env, const float *action);
RL_API const float *rl_env_obs(const rl_env *env);
RL_API float rl_env_reward(const rl_env *env);
RL_API int rl_env_terminated(const rl_env *env);
RL_API int rl_env_truncated(const rl_env *env);
RL_API const rl_info *rl_env_info(const rl_env *env);
RL_API const rl_space *rl_env_obs_space(const rl_env *env);
RL_API const rl_space *rl_env_act_space(const rl_env *env);
/* Slice by name (NULL if the task publishes none of that name). */
RL_API const rl_slice *rl_env_slice(const rl_env *env, const char *name);
/* Observation values only critics read: the length of a slice named
 * "privileged" that ends the observation (0 if the task publishes none).
 * Tasks append it on request (hand tasks: privileged=1): true state a real
 * robot's policy would not sense (contact forces, ...). PPO, SAC and TD3
 * feed it to their critics and act on the observation without it; other
 * agents refuse such envs. */
RL_API int rl_env_privileged_dim(const rl_env *env);
/* Resolved options of the env ("links=6,...,max_steps=1000"). */
RL_API int rl_env_options(const rl_env *env, char *buf, size_t cap);
RL_API int rl_env_render(rl_env *env, unsigned char *rgb, int width, int height);
/* Tasks made from model files (task files, mjcf:PATH): put the physics in
 * state qpos (nq), qvel (nv) mid-episode (after a reset) and recompute the
 * observation, so one state can be compared against another implementation
 * (Gymnasium's set_state). RL_EINVAL for other tasks or wrong sizes,
 * RL_ESTATE before the first reset, RL_ENUMERIC for a non-finite state. */
RL_API int rl_env_set_state(rl_env *env, const double *qpos, int nq, const double *qvel, int nv);
/* The same tasks: copy the current physics state out (sizes as above). */
RL_API int rl_env_get_state(const rl_env *env, double *qpos, int nq, double *qvel, int nv);

/* Wrapper options every env accepts (for `rltool info`). */
RL_API const rl_optdef *rl_env_wrapper_opts(int *n);

/* -- accessors (envs/env_access.c), for bindings that should not mirror
 *    struct rl_env. NULL env: NULL / 0; out-of-range i: NULL. */
RL_API const rl_task *rl_env_task(const rl_env *env);
RL_API int rl_env_num_slices(const rl_env *env);
RL_API const rl_slice *rl_env_slice_at(const rl_env *env, int i);
RL_API int rl_env_num_info(const rl_env *env);           /* named info->extra values */
RL_API const char *rl_env_info_name(const rl_env *env, int i);
RL_API int rl_env_max_steps(const rl_env *env);          /* resolved time limit, 0 = none */
/* Seconds of simulated time per rl_env_step (action_repeat included); 0 if
 * the task is not physical. Render speed and fps come from it. */
RL_API double rl_env_dt(const rl_env *env);
/* -- end accessors */

/* ------------------------------------------------------------------ vec env
 *
 * N envs of one id stepped by a thread pool over struct-of-arrays batch
 * buffers. Next-step autoreset (Gymnasium >= 1.0): the step that ends an
 * episode returns its final observation with terminated/truncated set; the
 * following rl_vec_step ignores that env's action and resets it, returning
 * the first observation with reward 0 and both flags clear. Env i draws from
 * stream i of the seed, so results do not depend on the thread count.
 */
typedef struct rl_vec rl_vec;

RL_API rl_vec *rl_vec_make(const char *id, const char *opts, int n_envs, int n_threads);
RL_API void rl_vec_free(rl_vec *vec);
RL_API int rl_vec_reset(rl_vec *vec, int64_t seed);
/* actions: (n_envs, act_dim); NULL means use rl_vec_actions(vec). */
RL_API int rl_vec_step(rl_vec *vec, const float *actions);
/* Training loops prefer same-step autoreset: the step that ends an episode
 * already returns the reset observation, and the final observation of the
 * ended episode is in rl_vec_final_obs (valid for envs with done set). */
enum { RL_AUTORESET_NEXT_STEP = 0, RL_AUTORESET_SAME_STEP = 1 };
RL_API int rl_vec_set_autoreset(rl_vec *vec, int mode);
RL_API float *rl_vec_final_obs(rl_vec *vec);            /* (n_envs, obs_dim) */
RL_API int rl_vec_num_envs(const rl_vec *vec);
RL_API int rl_vec_num_threads(const rl_vec *vec);
RL_API rl_env *rl_vec_env(rl_vec *vec, int i);
RL_API float *rl_vec_obs(rl_vec *vec);                  /* (n_envs, obs_dim) */
RL_API float *rl_vec_actions(rl_vec *vec);              /* (n_envs, act_dim) */
RL_API float *rl_vec_rewards(rl_vec *vec);              /* (n_envs) */
RL_API unsigned char *rl_vec_terminated(rl_vec *vec);   /* (n_envs) */
RL_API unsigned char *rl_vec_truncated(rl_vec *vec);    /* (n_envs) */
RL_API rl_info *rl_vec_infos(rl_vec *vec);              /* (n_envs) */

/* ------------------------------------------------------------------ checkpoints
 *
 * One file: a readable text header (format version, key: value metadata such
 * as agent kind, hyperparameters, env id and options) followed by a
 * zlib-compressed blob of named tensors with a CRC-32. Saving is atomic
 * (temp file, fsync, rename). Loading validates magic, version, sizes and CRC
 * and says exactly what is wrong (RL_ECORRUPT, RL_EVERSION, RL_EIO,
 * RL_ENOTFOUND).
 */
typedef enum { RL_F32 = 0, RL_F64 = 1, RL_I64 = 2, RL_U8 = 3 } rl_dtype;

typedef struct rl_ckpt rl_ckpt;

RL_API rl_ckpt *rl_ckpt_make(void);
RL_API void rl_ckpt_free(rl_ckpt *ck);
/* Metadata: keys and values are single-line text; set replaces. */
RL_API int rl_ckpt_set_meta(rl_ckpt *ck, const char *key, const char *value);
RL_API const char *rl_ckpt_meta(const rl_ckpt *ck, const char *key); /* NULL if absent */
RL_API int rl_ckpt_meta_count(const rl_ckpt *ck);
RL_API int rl_ckpt_meta_at(const rl_ckpt *ck, int i, const char **key, const char **value);
/* Tensors: copied in; put replaces a tensor of the same name. */
RL_API int rl_ckpt_put(rl_ckpt *ck, const char *name, rl_dtype dtype, const void *data,
                int64_t count);
/* Borrowed pointer to a tensor of exactly this dtype and count; NULL with
 * RL_ENOTFOUND (missing) or RL_ECORRUPT (wrong dtype or count) otherwise.
 * count < 0 accepts any count and stores it in *out_count when given. */
RL_API const void *rl_ckpt_get(const rl_ckpt *ck, const char *name, rl_dtype dtype,
                        int64_t count, int64_t *out_count);
RL_API int rl_ckpt_tensor_count(const rl_ckpt *ck);
RL_API int rl_ckpt_tensor_at(const rl_ckpt *ck, int i, const char **name, rl_dtype *dtype,
                      int64_t *count, const void **data);
RL_API int rl_ckpt_save(const rl_ckpt *ck, const char *path);
RL_API rl_ckpt *rl_ckpt_load(const char *path);


/* ------------------------------------------------------------------ agents
 *
 * A learning algorithm (ppo, sac, td3, dqn, es, tla) over a policy
 * architecture (mlp, ncap). Hyperparameters are "k=v" strings checked
 * against each agent's table; unknown keys and bad values are errors.
 */
typedef struct rl_agent rl_agent;

/* Progress of a training run, passed to the callback about once a second
 * and at the end. */
typedef struct rl_progress {
    int64_t step;          /* env steps so far */
    int64_t total_steps;
    int64_t episodes;
    double wall_time;      /* seconds since the start of this run */
    double steps_per_sec;
    double recent_return;  /* mean of recent finished episodes (NaN if none) */
    double recent_success; /* -1 when the task defines none */
    int done;              /* last call */
} rl_progress;

/* Return nonzero to stop training early (a final checkpoint is still
 * written). */
typedef int (*rl_progress_fn)(void *user, const rl_progress *p);

typedef struct rl_train_cfg {
    const char *env_id;    /* NULL: the default task (swimmer-v1) */
    const char *env_opts;  /* "links=8"; NULL for none */
    const char *agent;     /* NULL: the task's recommended agent */
    const char *policy;    /* NULL: the agent's default architecture */
    const char *hparams;   /* "lr=1e-3,hidden=64x64"; NULL for defaults */
    int64_t steps;         /* 0: the recipe's default budget */
    uint64_t seed;
    int n_envs;            /* 0: the recipe's default */
    int n_threads;         /* 0: all cores */
    const char *out_dir;   /* run directory (created); NULL: runs/<env>-<agent>-<seed>, or
                            * the resumed run's own directory */
    const char *resume;    /* run directory (its newest full state) or checkpoint; NULL */
    rl_progress_fn progress;
    void *user;
    int overwrite;         /* 1: replace a run already in out_dir (else refused) */
    double save_interval;  /* seconds between latest.rlt saves; 0: 60 */
    int64_t more_steps;    /* > 0: train this many steps beyond the resumed
                            * state (instead of steps, which is the total) */
} rl_train_cfg;

/* Train; writes config, metrics.csv and checkpoints under out_dir, which it
 * locks for its lifetime (a second trainer there is refused). latest.rlt
 * holds the full training state, rewritten every save_interval seconds and
 * at each step-N.rlt; resuming a directory takes its newest full state and
 * cuts metrics.csv back to it. */
RL_API int rl_train(const rl_train_cfg *cfg);
/* Stop every training loop in this process at its next update (for
 * signal handlers: async-signal-safe). */
RL_API void rl_train_interrupt(void);

/* Load a checkpoint file or a run directory (its final checkpoint). */
RL_API rl_agent *rl_agent_load(const char *path);
RL_API void rl_agent_free(rl_agent *agent);
RL_API const char *rl_agent_kind(const rl_agent *agent);
RL_API const char *rl_agent_env_id(const rl_agent *agent);
RL_API const char *rl_agent_env_opts(const rl_agent *agent);
RL_API int rl_agent_obs_dim(const rl_agent *agent);
RL_API int rl_agent_act_dim(const rl_agent *agent);
/* The spaces the agent was built for (its env's, as the agent keeps them):
 * no env is made, so they are there even when the task's files changed. */
RL_API const rl_space *rl_agent_obs_space(const rl_agent *agent);
RL_API const rl_space *rl_agent_act_space(const rl_agent *agent);
/* Act for n observations: obs (n, obs_dim) -> actions (n, act_dim) in the
 * env's action space. Policies with state (NCAP's oscillator) keep one
 * state per row; rl_agent_reset_state starts row i afresh (i < 0: all). */
RL_API int rl_agent_act(rl_agent *agent, const float *obs, int n, float *actions, int deterministic);
RL_API int rl_agent_reset_state(rl_agent *agent, int i);

typedef struct rl_eval_result {
    int episodes;
    double mean_return, std_return, min_return, max_return;
    double mean_length;
    double success_rate;      /* -1 when the task defines none */
    double decisions_per_ep;  /* steps whose action was freshly computed */
    double repeat_rate;       /* fraction of steps that repeated the action */
    double jerk;              /* mean |a_t - a_t-1| */
    double mmacs_per_ep;      /* network multiply-accumulates, millions */
} rl_eval_result;

/* Evaluate on the checkpoint's env; env_opts (may be NULL) override its
 * options (another body, say). A task option named `curriculum` (a training
 * schedule that narrows the task) is set to 0 unless env_opts sets it. */
RL_API int rl_evaluate(rl_agent *agent, const char *env_opts, int episodes, uint64_t seed,
                int deterministic, rl_eval_result *out);

#ifdef __cplusplus
}
#endif
#endif /* RLTOOL_H */
