"""Training, loading and evaluating agents (rl_train, rl_agent_*, rl_evaluate)."""
import ctypes
import math
import numbers
import os
import sys

from . import _lib
from ._common import (RL_DISCRETE, Closeable, format_options, make_space, np,
                      parse_options, text)
from ._lib import PROGRESS_FN, EvalResult, TrainCfg, enc, error_from_code, last_error, require
from ._lib import load as _load_lib


def _progress_dict(p):
    return {"step": p.step, "total_steps": p.total_steps, "episodes": p.episodes,
            "wall_time": p.wall_time, "steps_per_sec": p.steps_per_sec,
            "recent_return": p.recent_return, "recent_success": p.recent_success,
            "done": bool(p.done)}


def _progress_line(d):
    total = d["total_steps"]
    shown = min(d["step"], total) if total > 0 else d["step"]  # the last update may run past
    pct = " (%3.0f%%)" % (100.0 * shown / total) if total > 0 else ""
    rate = "%.0f" % d["steps_per_sec"] if d["wall_time"] >= 1 or d["done"] else "-"
    line = "step %d/%d%s  %s steps/s  episodes %d" % (shown, total, pct, rate, d["episodes"])
    if not math.isnan(d["recent_return"]):
        line += "  return %.2f" % d["recent_return"]
    if d["recent_success"] >= 0:
        line += "  success %.2f" % d["recent_success"]
    if 0 < d["step"] < total and d["steps_per_sec"] > 0 and not d["done"] and d["wall_time"] >= 1:
        line += "  eta %.0fs" % ((total - d["step"]) / d["steps_per_sec"])
    return line


def train(env_id, agent="ppo", steps=None, seed=0, out=None, n_envs=None, policy=None,
          env_options=None, progress=True, n_threads=None, resume=None, callback=None,
          overwrite=False, **hp):
    """Train `agent` on `env_id` with librltool's training loop.

    env_id may also be a Gymnasium-style Python env object or a zero-argument
    factory of one: it is then stepped through callbacks (see rltool.pyenv;
    one env, one thread, slower than C tasks).

    steps: env steps in total, a resumed run's included (None: the recipe's
    default, or the resumed run's own budget). out: run directory (None:
    runs/<env>-<agent>-<seed>, or the resumed run's directory); a directory
    that already holds a run is refused unless overwrite=True or resuming
    it. resume: a run directory (its newest full state) or a checkpoint.
    env_options: dict of env options.
    hp: hyperparameters ("lr=3e-4" as lr=3e-4; lists like hidden=(64, 64)).
    progress=True redraws a progress line on stderr. callback(dict) is
    called with each progress record; a true return stops training.
    Ctrl-C stops training at the next progress report; the final checkpoint
    is written, then KeyboardInterrupt is raised.

    Returns a dict: "out" (load it with rltool.load) and the last progress
    record.
    """
    if not isinstance(env_id, str):
        from . import pyenv  # a Python env object or factory: trained through callbacks
        if pyenv.is_env_like(env_id):
            return pyenv.train(env_id, agent=agent, steps=steps, seed=seed, out=out,
                               n_envs=n_envs, policy=policy, env_options=env_options,
                               progress=progress, n_threads=n_threads, resume=resume,
                               callback=callback, **hp)
    fn = require("rl_train", "rltool.train")
    if not isinstance(env_id, str):
        raise TypeError("env_id must be a str, got %s" % type(env_id).__name__)
    for name, v in (("steps", steps), ("n_envs", n_envs), ("n_threads", n_threads)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Integral)
                              or v < 0):
            raise ValueError("%s must be a non-negative int or None, got %r" % (name, v))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or \
            not 0 <= seed < 2 ** 64:
        raise ValueError("seed must be an int in [0, 2**64), got %r" % (seed,))
    if out is None and resume is not None:
        r = os.fspath(resume)
        out = r if os.path.isdir(r) else (os.path.dirname(r) or ".")
    if out is None:
        out = os.path.join("runs", "%s-%s-%d" % (env_id, agent or "default", seed))
    out = os.fspath(out)
    cfg = TrainCfg()
    cfg.env_id = enc(env_id)
    cfg.env_opts = enc(format_options(env_options or {}))
    cfg.agent = enc(agent)
    cfg.policy = enc(policy)
    cfg.hparams = enc(format_options(hp))
    cfg.steps = int(steps or 0)
    cfg.seed = int(seed)
    cfg.n_envs = int(n_envs or 0)
    cfg.n_threads = int(n_threads or 0)
    cfg.out_dir = enc(out)
    cfg.resume = enc(os.fspath(resume)) if resume is not None else None
    cfg.overwrite = 1 if overwrite else 0

    state = {"exc": None, "last": None, "printed": -1e9}
    tty = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()

    def on_progress(user, p):
        try:
            d = _progress_dict(p.contents)
            state["last"] = d
            # The CLI's cadence: a live line on a terminal, else one every 10 s.
            if progress and (tty or d["done"] or d["wall_time"] - state["printed"] >= 10):
                state["printed"] = d["wall_time"]
                line = "[rltool] %s %s: %s" % (env_id, agent, _progress_line(d))
                if tty:
                    sys.stderr.write("\r\x1b[K" + line + ("\n" if d["done"] else ""))
                else:
                    sys.stderr.write(line + "\n")
                sys.stderr.flush()
            if callback is not None and callback(d):
                return 1
            return 0
        except BaseException as e:  # KeyboardInterrupt included: stop cleanly
            state["exc"] = e
            return 1

    cb = PROGRESS_FN(on_progress)
    cfg.progress = cb
    cfg.user = None
    rc = fn(ctypes.byref(cfg))
    if state["exc"] is not None:
        if progress and tty:
            sys.stderr.write("\n")
        raise state["exc"]
    if rc < 0 and rc != _lib.RL_EINTERRUPT:
        raise error_from_code(rc)
    result = {"out": out}
    if state["last"]:
        result.update(state["last"])
    return result


class Policy(Closeable):
    """A trained agent loaded from a checkpoint file or run directory.

    act(obs) takes one observation (obs_dim,) or a batch (n, obs_dim) and
    returns actions in the env's action space: an int (or an (n,) int array)
    for Discrete, an int array for MultiDiscrete, float32 for Box.
    """

    def __init__(self, path):
        self._ptr = None
        if np is None:
            raise ImportError("rltool.load needs numpy")
        require("rl_agent_load", "rltool.load")
        if not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError("checkpoint path must be a str or path, got %s"
                            % type(path).__name__)
        path = os.fsdecode(os.fspath(path))
        if not os.path.exists(path):
            raise FileNotFoundError("no checkpoint or run directory at %s" % path)
        lib = self._lib = _load_lib()
        ptr = lib.rl_agent_load(enc(path))
        if not ptr:
            raise last_error()
        self._ptr = ptr
        self.path = path
        self.kind = text(lib.rl_agent_kind(ptr))
        self.env_id = text(lib.rl_agent_env_id(ptr))
        self.env_options = parse_options(text(lib.rl_agent_env_opts(ptr)))
        self.obs_dim = lib.rl_agent_obs_dim(ptr)
        self.act_dim = lib.rl_agent_act_dim(ptr)
        act = lib.rl_agent_act_space(ptr).contents
        self.observation_space = make_space(lib.rl_agent_obs_space(ptr).contents, float("inf"))
        self.action_space = make_space(act, 1.0)
        self._discrete = act.kind == RL_DISCRETE
        self._scalar = self._discrete and act.dim == 1

    def _check(self):
        if self._ptr is None:
            raise _lib.StateError("policy %s is closed" % self.path, _lib.RL_ESTATE)

    def act(self, obs, deterministic=True):
        self._check()
        a = np.asarray(obs)
        if a.dtype.kind not in "biuf":
            raise TypeError("observation must be numeric, got dtype %s" % a.dtype)
        single = a.ndim == 1
        if not (a.ndim in (1, 2) and a.shape[-1] == self.obs_dim):
            raise ValueError("observation must have shape (%d,) or (n, %d), got %s"
                             % (self.obs_dim, self.obs_dim, a.shape))
        a = np.ascontiguousarray(a.reshape(-1, self.obs_dim), dtype=np.float32)
        if not np.isfinite(a).all():
            raise ValueError("observation contains NaN or inf")
        n = a.shape[0]
        out = np.empty((n, self.act_dim), np.float32)
        fp = ctypes.POINTER(ctypes.c_float)
        rc = self._lib.rl_agent_act(self._ptr, a.ctypes.data_as(fp), n, out.ctypes.data_as(fp),
                                    1 if deterministic else 0)
        if rc:
            raise error_from_code(rc)
        if self._discrete:
            out = np.rint(out).astype(np.int64)
            if self._scalar:
                out = out[:, 0]
                return int(out[0]) if single else out
        return out[0] if single else out

    __call__ = act

    def reset(self, i=None):
        """Start the policy state afresh (all rows, or row i)."""
        self._check()
        rc = self._lib.rl_agent_reset_state(self._ptr, -1 if i is None else int(i))
        if rc:
            raise error_from_code(rc)

    def make_env(self, **overrides):
        """The checkpoint's env (its options, with overrides)."""
        from .env import make
        opts = dict(self.env_options)
        opts.update(overrides)
        return make(self.env_id, **opts)

    def close(self):
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._lib.rl_agent_free(ptr)

    def __repr__(self):
        return "<rltool.Policy %s on %s from %s>" % (getattr(self, "kind", "?"),
                                                    getattr(self, "env_id", "?"),
                                                    getattr(self, "path", "?"))


def load(path):
    """Load a checkpoint file or a run directory (its final checkpoint)."""
    return Policy(path)


def evaluate(policy_or_path, episodes=10, seed=0, deterministic=True, **env_options):
    """Run `episodes` episodes in C; env_options override the checkpoint's
    env options. Returns a dict of rl_eval_result's fields."""
    fn = require("rl_evaluate", "rltool.evaluate")
    if isinstance(episodes, bool) or not isinstance(episodes, numbers.Integral) or episodes < 1:
        raise ValueError("episodes must be a positive int, got %r" % (episodes,))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or \
            not 0 <= seed < 2 ** 64:
        raise ValueError("seed must be an int in [0, 2**64), got %r" % (seed,))
    own = not isinstance(policy_or_path, Policy)
    pol = load(policy_or_path) if own else policy_or_path
    try:
        pol._check()
        res = EvalResult()
        opts = format_options(env_options)
        rc = fn(pol._ptr, enc(opts) if opts else None, int(episodes), int(seed),
                1 if deterministic else 0, ctypes.byref(res))
        if rc:
            raise error_from_code(rc)
        return {name: getattr(res, name) for name, _ in EvalResult._fields_}
    finally:
        if own:
            pol.close()
