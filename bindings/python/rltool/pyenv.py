"""Train rltool's agents on a Python env through callbacks.

    import rltool
    rltool.train(MyEnv(), agent="ppo", steps=50_000)      # an env object
    rltool.train(lambda: MyEnv(size=3), agent="sac")        # or a factory

Any Gymnasium-style env works: `observation_space` a Box with a 1-D shape,
`action_space` a Box (1-D) or Discrete, `reset(seed=...) -> (obs, info)` and
`step(action) -> (obs, reward, terminated, truncated, info)`. The env is
registered as a librltool task ("py-<classname>-v1") whose reset and step
call back into Python through ctypes. C agents act in [-1, 1]; actions are
scaled to the env's Box bounds before env.step sees them.

Slower than C tasks: one env, one thread (every step holds the GIL), and
each step pays the callback on top of the env's own Python cost;
measure_overhead() reports it (a few microseconds per step, see the README).
The episode time limit is the env's own truncation, or max_steps in
env_options. An exception raised by the env, or a step with the wrong
shape, stops training and is re-raised by train().
"""
import ctypes
import math
import numbers
import re
import threading
import time

from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_char_p, c_double, c_float,
                    c_int, c_ubyte, c_uint64, c_void_p)

from . import _lib
from ._common import np
from ._lib import Info, Space, Task

RL_BOX, RL_DISCRETE = 0, 1


class _Rng(Structure):
    _fields_ = [("state", c_uint64), ("inc", c_uint64)]


class _Env(Structure):
    """Mirror of struct rl_env (rltool.h); tasks fill spaces and outputs."""
    _fields_ = [("task", POINTER(Task)), ("cfg", c_void_p), ("shared", c_void_p),
                ("data", c_void_p), ("rng", _Rng), ("obs_space", Space),
                ("act_space", Space), ("slices", c_void_p), ("n_slices", c_int),
                ("info_names", c_void_p), ("n_info", c_int), ("obs", POINTER(c_float)),
                ("reward", POINTER(c_float)), ("terminated", POINTER(c_ubyte)),
                ("truncated", POINTER(c_ubyte)), ("info", POINTER(Info)), ("t", c_int),
                ("ep_return", c_double), ("max_steps", c_int), ("needs_reset", c_int),
                ("wrap", c_void_p)]


_INIT_FN = CFUNCTYPE(c_int, POINTER(_Env), c_void_p, c_void_p)
_RESET_FN = CFUNCTYPE(None, POINTER(_Env))
_STEP_FN = CFUNCTYPE(None, POINTER(_Env), POINTER(c_float))
_CLOSE_FN = CFUNCTYPE(None, POINTER(_Env))


def is_env_like(obj):
    """An env object (reset, step, spaces) or a callable that makes one."""
    if all(hasattr(obj, a) for a in ("reset", "step", "observation_space", "action_space")):
        return True
    return callable(obj) and not isinstance(obj, (str, bytes))


def _is_factory(t):
    """A class or a function that makes envs, rather than an env."""
    return isinstance(t, type) or not all(hasattr(t, a) for a in ("reset", "step"))


def _flat(x):
    if hasattr(x, "tolist"):
        x = x.tolist()
    if isinstance(x, numbers.Number):
        return [float(x)]
    out = []
    for v in x:
        out.extend(_flat(v))
    return out


def _shape_of(x):
    if hasattr(x, "shape"):
        return tuple(x.shape)
    if isinstance(x, numbers.Number):
        return ()
    return (len(x),)


class _Spec:
    """What the C task needs to know about one Python env (class)."""

    def __init__(self, env):
        osp, asp = env.observation_space, env.action_space
        shape = tuple(getattr(osp, "shape", None) or ())
        if len(shape) != 1 or shape[0] < 1:
            raise ValueError("observation_space must be a Box with a 1-D shape, got %r"
                             % (shape,))
        self.obs_dim = int(shape[0])
        if hasattr(asp, "n") and not getattr(asp, "shape", None):
            self.discrete, self.act_dim, self.n = True, 1, int(asp.n)
            if self.n < 2:
                raise ValueError("a Discrete action_space needs n >= 2, got %d" % self.n)
        else:
            ashape = tuple(getattr(asp, "shape", None) or ())
            if len(ashape) != 1 or not hasattr(asp, "low"):
                raise ValueError("action_space must be a 1-D Box or a Discrete, got %r" % (asp,))
            self.discrete, self.act_dim, self.n = False, int(ashape[0]), 0
            low, high = _flat(asp.low), _flat(asp.high)
            if len(low) == 1 and self.act_dim > 1:
                low, high = low * self.act_dim, high * self.act_dim
            self.low, self.high = low, high
        self.obs_low = (c_float * self.obs_dim)(*([-math.inf] * self.obs_dim))
        self.obs_high = (c_float * self.obs_dim)(*([math.inf] * self.obs_dim))
        self.act_low = (c_float * self.act_dim)(*([-1.0] * self.act_dim))
        self.act_high = (c_float * self.act_dim)(*([1.0] * self.act_dim))

    def to_env_action(self, a):
        """[-1, 1] (or a bin index) from C -> what env.step expects."""
        if self.discrete:
            return int(a[0])
        out = []
        for i in range(self.act_dim):
            lo, hi = self.low[i], self.high[i]
            x = a[i]
            out.append(x if not (math.isfinite(lo) and math.isfinite(hi))
                       else lo + 0.5 * (x + 1.0) * (hi - lo))
        return np.asarray(out, dtype=np.float32) if np is not None else out

    def check_obs(self, obs, where):
        shape = _shape_of(obs)
        if shape != (self.obs_dim,):
            raise ValueError("%s returned an observation of shape %r, but observation_space "
                             "has shape (%d,)" % (where, shape, self.obs_dim))
        vals = _flat(obs)
        if not all(math.isfinite(v) for v in vals):
            raise ValueError("%s returned a non-finite observation %r" % (where, vals))
        return vals


def _unpack_step(ret):
    if not isinstance(ret, tuple) or len(ret) not in (4, 5):
        raise ValueError("env.step must return (obs, reward, terminated, truncated, info), "
                         "got %r" % (type(ret).__name__ if not isinstance(ret, tuple)
                                     else "a tuple of %d" % len(ret)))
    if len(ret) == 4:  # old Gym: (obs, reward, done, info)
        obs, r, done, _ = ret
        return obs, r, bool(done), False
    obs, r, term, trunc, _ = ret
    if not isinstance(r, numbers.Real) and not (hasattr(r, "shape") and r.shape == ()):
        raise ValueError("env.step returned a reward of type %s; expected a number"
                         % type(r).__name__)
    r = float(r)
    if not math.isfinite(r):
        raise ValueError("env.step returned a non-finite reward %r" % r)
    return obs, r, bool(term), bool(trunc)


class _Active:
    """The env (or factory) that the registered task's callbacks drive now."""

    def __init__(self, target, spec):
        self.target, self.spec = target, spec
        self.factory = _is_factory(target)
        self.envs = {}
        self.next_key = 1
        self.exc = None

    def fail(self, e):
        if self.exc is None:
            self.exc = e
        _lib.load().rl_train_interrupt()


_tasks = {}   # task id -> (Task, callbacks, id bytes): registered once, kept forever
_active = {}  # task id -> _Active
_lock = threading.Lock()


def _make_callbacks(tid):
    def init(envp, cfg, shared):
        act = _active.get(tid)
        if act is None:
            return _lib.RL_ESTATE
        try:
            obj = act.target() if act.factory else act.target
            key = act.next_key
            act.next_key += 1
            act.envs[key] = obj
            e = envp.contents
            e.data = key
            sp = act.spec
            e.obs_space = Space(RL_BOX, sp.obs_dim, 0, sp.obs_low, sp.obs_high)
            if sp.discrete:
                e.act_space = Space(RL_DISCRETE, 1, sp.n, None, None)
            else:
                e.act_space = Space(RL_BOX, sp.act_dim, 0, sp.act_low, sp.act_high)
            return 0
        except BaseException as ex:  # noqa: BLE001 - reported after training
            act.fail(ex)
            return _lib.RL_EINVAL

    def write_obs(e, vals):
        for i, v in enumerate(vals):
            e.obs[i] = v

    def reset(envp):
        act = _active.get(tid)
        e = envp.contents
        try:
            obj = act.envs[e.data]
            seed = int(_lib.load().rl_rng_u32(ctypes.addressof(e.rng)))
            ret = obj.reset(seed=seed)
            obs = ret[0] if isinstance(ret, tuple) else ret
            write_obs(e, act.spec.check_obs(obs, "env.reset"))
        except BaseException as ex:  # noqa: BLE001
            act.fail(ex)
            for i in range(act.spec.obs_dim):
                e.obs[i] = 0.0

    def step(envp, action):
        act = _active.get(tid)
        e = envp.contents
        try:
            obj = act.envs[e.data]
            a = act.spec.to_env_action([action[i] for i in range(act.spec.act_dim)])
            obs, r, term, trunc = _unpack_step(obj.step(a))
            write_obs(e, act.spec.check_obs(obs, "env.step"))
            e.reward[0] = r
            # A truncation by the env itself ends the episode here; C only
            # knows "terminated", so it is reported as that.
            e.terminated[0] = 1 if (term or trunc) else 0
        except BaseException as ex:  # noqa: BLE001
            act.fail(ex)
            e.reward[0] = 0.0
            e.terminated[0] = 1

    def close(envp):
        act = _active.get(tid)
        e = envp.contents
        if act is None or not e.data:
            return
        obj = act.envs.pop(e.data, None)
        if act.factory and obj is not None and hasattr(obj, "close"):
            try:
                obj.close()
            except BaseException as ex:  # noqa: BLE001
                act.fail(ex)
        e.data = None

    return _INIT_FN(init), _RESET_FN(reset), _STEP_FN(step), _CLOSE_FN(close)


def task_id_for(env):
    """The id under which `env`'s class is registered ("py-cartpole-v1")."""
    name = type(env).__name__.lower()
    name = re.sub(r"[^a-z0-9]+", "", name)[:40] or "env"
    return "py-%s-v1" % name


def register(target):
    """Register (once per env class) and activate a task driving `target`, an
    env or a factory. Returns (task id, the probe env, its _Spec)."""
    probe = target() if _is_factory(target) else target
    if _is_factory(probe) or not is_env_like(probe):
        raise TypeError("the factory returned %r, which is not an env (needs reset, step, "
                        "observation_space, action_space)" % (probe,))
    spec = _Spec(probe)
    tid = task_id_for(probe)
    lib = _lib.load()
    _lib.require("rl_task_register", "rltool.train(env object)")
    with _lock:
        if tid not in _tasks:
            cbs = _make_callbacks(tid)
            idb = tid.encode()
            summary = ("Python env %s stepped through callbacks" % type(probe).__name__).encode()
            t = Task()
            t.id, t.summary = idb, summary
            t.opts, t.n_opts, t.cfg_size, t.max_steps, t.dt = None, 0, 0, 0, 0.0
            t.init, t.reset, t.step, t.close = [ctypes.cast(f, c_void_p) for f in cbs]
            rc = lib.rl_task_register(byref(t))
            if rc:
                raise _lib.error_from_code(rc)
            _tasks[tid] = (t, cbs, idb, summary)
        _active[tid] = _Active(target, spec)
    return tid, probe, spec


def _validate(env, spec):
    """Fail fast, in the caller's thread, on an env with the wrong shapes."""
    ret = env.reset(seed=0)
    spec.check_obs(ret[0] if isinstance(ret, tuple) else ret, "env.reset")
    a = spec.to_env_action([0.0] * spec.act_dim)
    obs, _, _, _ = _unpack_step(env.step(a))
    spec.check_obs(obs, "env.step")
    env.reset(seed=1)


def train(env, agent="ppo", steps=None, seed=0, out=None, n_envs=None, n_threads=None,
          env_options=None, **kw):
    """rltool.train for a Python env object or factory (one env, one thread)."""
    from .agents import train as _train
    if n_envs not in (None, 1) or n_threads not in (None, 1):
        raise ValueError("a Python env trains with n_envs=1 and n_threads=1 (its callbacks "
                         "hold the GIL); got n_envs=%r, n_threads=%r" % (n_envs, n_threads))
    tid, probe, spec = register(env)
    try:
        _validate(probe, spec)
        if probe is not env and hasattr(probe, "close"):
            probe.close()
        result = _train(tid, agent=agent, steps=steps, seed=seed, out=out, n_envs=1,
                        n_threads=1, env_options=env_options, **kw)
    finally:
        act = _active.get(tid)
    if act is not None and act.exc is not None:
        exc = act.exc
        raise type(exc)("Python env %s failed during training: %s" % (tid, exc)) from exc
    result["env_id"] = tid
    return result


def measure_overhead(env, steps=20000):
    """Microseconds per step: the env's own Python step, the same step
    driven from C through the callback (rl_env_step), and their difference.
    Both paths also pay one ctypes call per step, measured on cartpole-v1
    and subtracted from the callback path."""
    lib = _lib.load()
    tid, probe, spec = register(env)
    a0 = [0.0] * spec.act_dim
    act = spec.to_env_action(a0)
    probe.reset(seed=0)
    t0 = time.perf_counter()
    for _ in range(steps):
        _, _, term, trunc = _unpack_step(probe.step(act))
        if term or trunc:
            probe.reset()
    py_us = (time.perf_counter() - t0) / steps * 1e6

    def c_loop(env_id, opts=None):
        e = lib.rl_env_make(env_id.encode(), opts)
        if not e:
            raise _lib.last_error()
        abuf = (c_float * 8)(*([0.0] * 8))
        lib.rl_env_reset(e, 0)
        t = time.perf_counter()
        for _ in range(steps):
            lib.rl_env_step(e, abuf)
            if lib.rl_env_info(e).contents.done:
                lib.rl_env_reset(e, -1)
        dt = (time.perf_counter() - t) / steps * 1e6
        lib.rl_env_free(e)
        return dt

    cb_us = c_loop(tid)
    ctypes_us = c_loop("cartpole-v1")
    st = _active[tid]
    if st.exc is not None:
        raise st.exc
    return {"python_step_us": py_us, "via_callback_us": cb_us - ctypes_us,
            "overhead_us": cb_us - ctypes_us - py_us, "ctypes_call_us": ctypes_us}


def load_plugin(path):
    """Load a task plugin (a shared library exporting rltool_plugin_init,
    see examples/mytask) so its tasks can be made and trained by id."""
    import os
    rc = _lib.require("rl_plugin_load", "rltool.load_plugin")(os.fsencode(os.fspath(path)))
    if rc:
        raise _lib.error_from_code(rc)
    from ._gym import register
    register()  # its tasks become gymnasium.make("rltool/ID") too
