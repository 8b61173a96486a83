"""Batched envs stepped by librltool's thread pool, over numpy arrays that
share memory with the C batch buffers."""
import ctypes
import numbers
import os

from . import _lib
from ._common import (Closeable, _Keeper, check_seed, entropy_seed, format_options, gym,
                      make_space, np, view)
from ._lib import Info, StateError, enc, error_from_code, last_error, load
from ._gym import make_spec
from .env import EPISODE_KEY, _EnvMeta, render_env

_Base = object
_NEXT_STEP = "next_step"
_SAME_STEP = "same_step"
if gym is not None:
    try:
        from gymnasium.vector import VectorEnv as _Base  # noqa: F811
    except ImportError:
        _Base = object
    try:
        from gymnasium.vector import AutoresetMode as _AM
        _NEXT_STEP, _SAME_STEP = _AM.NEXT_STEP, _AM.SAME_STEP
    except ImportError:
        pass

_INFO_DTYPE = None
if np is not None:
    _INFO_DTYPE = np.dtype({
        "names": ["done", "success", "sim_unstable", "episode_length", "episode_return",
                  "extra"],
        "formats": [np.int32, np.int32, np.int32, np.int32, np.float64,
                    (np.float32, _lib.RL_INFO_MAX_EXTRA)],
        "offsets": [Info.done.offset, Info.success.offset, Info.sim_unstable.offset,
                    Info.episode_length.offset, Info.episode_return.offset,
                    Info.extra.offset],
        "itemsize": ctypes.sizeof(Info)})


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        return os.cpu_count() or 1


class VectorEnv(Closeable, _Base):
    """`num_envs` copies of one task, stepped together in C.

    step(actions) takes an array of shape action_space.shape (num_envs,) for
    Discrete tasks, (num_envs, act_dim) otherwise, and returns
    (obs, rewards, terminated, truncated, infos).

    The returned arrays ARE the C batch buffers (no per-step copies): the
    next step overwrites them. Keep a copy (`obs.copy()`) of anything you
    store, or make the env with copy=True.

    Autoreset is Gymnasium's next-step mode (the C default): the step that
    ends an episode returns its last observation with terminated/truncated
    set; the next step ignores that env's action and returns the first
    observation of a new episode with reward 0 and both flags clear.
    autoreset="same_step" instead resets at once and puts the last
    observation in infos["final_obs"] (mask infos["_final_obs"]).

    infos: "rltool_episode": {"r": returns, "l": lengths} and the mask
    "_rltool_episode" when an episode ended in this step (not "episode",
    which gymnasium's RecordEpisodeStatistics writes); "success"/"_success" when the task
    defines it; "sim_unstable"/"_sim_unstable" when the physics blew up;
    each named task value (rltool.info(id)["info_names"]) with its mask.
    """

    def __init__(self, id, num_envs, num_threads=None, copy=False, autoreset="next_step",
                 render_mode=None, render_width=480, render_height=480, **options):
        self._vec = None
        self.closed = True
        if np is None:
            raise ImportError("rltool.VectorEnv needs numpy")
        if not isinstance(id, str):
            raise TypeError("env id must be a str, got %s" % type(id).__name__)
        if isinstance(num_envs, bool) or not isinstance(num_envs, numbers.Integral):
            raise TypeError("num_envs must be an int, got %r" % (num_envs,))
        num_envs = int(num_envs)
        if num_threads is None:
            num_threads = max(1, min(num_envs, _cpu_count()))
        elif isinstance(num_threads, bool) or not isinstance(num_threads, numbers.Integral):
            raise TypeError("num_threads must be an int or None, got %r" % (num_threads,))
        mode = {"next_step": 0, "same_step": 1}.get(str(getattr(autoreset, "value", autoreset)))
        if mode is None:
            raise ValueError("autoreset must be 'next_step' or 'same_step', got %r" % (autoreset,))
        lib = load()
        self._lib = lib
        opts = format_options(options)
        if not (1 <= num_envs <= 1 << 20):
            raise ValueError("num_envs must be in [1, 1048576], got %d" % num_envs)
        vec = lib.rl_vec_make(enc(id), enc(opts), num_envs, int(num_threads))
        if not vec:
            raise last_error()
        free = lib.rl_vec_free
        # The C vec env is freed when neither this object nor any array
        # handed out still refers to its buffers.
        keeper = _Keeper(lambda: free(vec))
        self._vec = vec
        self.closed = False
        self._keeper = keeper
        if mode:
            lib.rl_vec_set_autoreset(vec, mode)
        self.autoreset_mode = _SAME_STEP if mode else _NEXT_STEP
        self._copy = bool(copy)
        self._seeded = False

        m = self._meta = _EnvMeta(lib.rl_vec_env(vec, 0), id)
        n, od, ad = num_envs, m.obs_dim, m.act_dim
        self.num_envs = n
        self.num_threads = lib.rl_vec_num_threads(vec)
        md = m.metadata()
        self.metadata = {"autoreset_mode": self.autoreset_mode,
                         "render_fps": md["render_fps"], "render_modes": md["render_modes"]}
        if render_mode is not None and render_mode not in md["render_modes"]:
            self.close()
            raise ValueError("%s: render_mode %r is not supported (supported: %s)"
                             % (id, render_mode, md["render_modes"] or "none"))
        self.render_mode = render_mode
        self.render_width, self.render_height = int(render_width), int(render_height)
        self.spec = make_spec(id, m.max_steps, options, render_mode)
        self.single_observation_space = make_space(m.obs_c, float("inf"))
        self.single_action_space = make_space(m.act_c, 1.0)
        self.observation_space = make_space(m.obs_c, float("inf"), batch=n)
        self.action_space = make_space(m.act_c, 1.0, batch=n)
        self.slices = dict(m.slices)
        self.info_names = list(m.info_names)
        self.options = dict(m.options)

        f, u8 = ctypes.c_float, ctypes.c_ubyte
        self._obs = view(lib.rl_vec_obs(vec), f, n * od, keeper, shape=(n, od))
        self._final_obs = view(lib.rl_vec_final_obs(vec), f, n * od, keeper, shape=(n, od))
        self._actions = view(lib.rl_vec_actions(vec), f, n * ad, keeper, shape=(n, ad))
        self._act_shape = self.action_space.shape
        self._act_in = self._actions.reshape(self._act_shape)
        self._rew = view(lib.rl_vec_rewards(vec), f, n, keeper)
        self._term = view(lib.rl_vec_terminated(vec), u8, n, keeper, dtype=np.bool_)
        self._trunc = view(lib.rl_vec_truncated(vec), u8, n, keeper, dtype=np.bool_)
        infos = view(lib.rl_vec_infos(vec), u8, n * ctypes.sizeof(Info), keeper,
                     dtype=_INFO_DTYPE)
        self._c_infos = infos
        self._c_info_array = (Info * n).from_address(
            ctypes.cast(lib.rl_vec_infos(vec), ctypes.c_void_p).value)
        self._info0 = self._c_info_array[0]  # ctypes view of env 0's info
        self._term_c = (u8 * n).from_address(self._term.ctypes.data)
        self._trunc_c = (u8 * n).from_address(self._trunc.ctypes.data)
        self._zero_flags = bytes(n)
        self._has_success = False
        self._done_c = infos["done"]
        self._success_c = infos["success"]
        self._unstable_c = infos["sim_unstable"]
        self._ep = {"r": infos["episode_return"], "l": infos["episode_length"]}
        self._all = np.ones(n, np.bool_)
        self._extras = {}
        for i, name in enumerate(self.info_names):
            self._extras[name] = infos["extra"][:, i]
            self._extras["_" + name] = self._all
        self._step_fn = lib.rl_vec_step

    # ------------------------------------------------------------ helpers
    def _check_open(self, what):
        if self._vec is None:
            raise StateError("%s: VectorEnv.%s() after close()" % (self._meta.id, what),
                             _lib.RL_ESTATE)

    @property
    def actions(self):
        """The C action buffer (num_envs, act_dim), for zero-copy writers."""
        self._check_open("actions")
        return self._actions

    def _infos(self):
        # The common step (no episode ended) must cost next to nothing: two
        # byte-string compares through ctypes instead of numpy reductions.
        # With many envs some episode ends on most steps; that path uses
        # numpy (1024 envs: a strided bytes() copy of the unstable flags
        # costs ~9 us, .any() ~2.3 us, count_nonzero ~0.9 us).
        infos = {}
        zero = self._zero_flags
        if bytes(self._term_c) != zero or bytes(self._trunc_c) != zero:
            done = np.logical_or(self._term, self._trunc)
            infos[EPISODE_KEY] = dict(self._ep)
            infos["_" + EPISODE_KEY] = done
            if self.autoreset_mode == _SAME_STEP:
                infos["final_obs"] = self._final_obs
                infos["_final_obs"] = done
            # An unstable simulation always terminates its episode.
            if np.count_nonzero(self._unstable_c):
                infos["sim_unstable"] = infos["_sim_unstable"] = self._unstable_c != 0
        if self._has_success or self._info0.success >= 0:
            # Tasks with a success notion report it every step; latch that.
            self._has_success = True
            s = self._success_c
            infos["success"] = s > 0
            infos["_success"] = s >= 0
        if self._extras:
            infos.update(self._extras)
        if self._copy:
            infos = _deep_copy(infos)
        return infos

    def _outputs(self):
        if self._copy:
            return (self._obs.copy(), self._rew.copy(), self._term.copy(),
                    self._trunc.copy(), self._infos())
        return self._obs, self._rew, self._term, self._trunc, self._infos()

    # ------------------------------------------------------------ gym API
    def reset(self, *, seed=None, options=None):
        """seed: one int; env i uses stream i of it (a list is not accepted).
        None continues each env's stream (the first reset draws a seed)."""
        self._check_open("reset")
        if options:
            raise ValueError("%s: reset takes no options (got %r)" % (self._meta.id, options))
        if isinstance(seed, (list, tuple)) or (np is not None and isinstance(seed, np.ndarray)):
            raise TypeError("VectorEnv.reset takes one int seed (env i uses stream i of it), "
                            "not a sequence")
        s = check_seed(seed)
        if s < 0 and not self._seeded:
            s = entropy_seed()
        self._seeded = True
        rc = self._lib.rl_vec_reset(self._vec, s)
        if rc:
            raise error_from_code(rc)
        if self._copy:
            return self._obs.copy(), {}
        return self._obs, {}

    def step(self, actions):
        vec = self._vec
        if vec is None:
            self._check_open("step")
        a = actions if type(actions) is np.ndarray else np.asarray(actions)
        if a.dtype.kind not in "biuf":
            raise TypeError("%s: actions must be numeric, got dtype %s"
                            % (self._meta.id, a.dtype))
        if a.shape != self._act_shape:
            raise ValueError("%s: actions must have shape %s, got %s"
                             % (self._meta.id, self._act_shape, a.shape))
        np.copyto(self._act_in, a, casting="unsafe")
        rc = self._step_fn(vec, None)
        if rc:
            raise error_from_code(rc)
        return self._outputs()

    def render(self):
        """A tuple of num_envs RGB frames (height, width, 3) with
        render_mode="rgb_array", as gymnasium's vector envs return; None
        without a render mode."""
        self._check_open("render")
        if self.render_mode is None:
            return None
        lib = self._lib
        return tuple(render_env(lib, lib.rl_vec_env(self._vec, i), self.render_width,
                                self.render_height) for i in range(self.num_envs))

    def close(self, **kwargs):
        if self._vec is None:
            return
        self._vec = None
        self.closed = True
        # Drop our references; the keeper frees the C side once arrays the
        # caller still holds are gone too.
        for name in ("_obs", "_final_obs", "_actions", "_act_in", "_rew", "_term", "_trunc",
                     "_c_infos", "_c_info_array", "_info0", "_term_c",
                     "_trunc_c", "_done_c", "_success_c", "_unstable_c", "_ep", "_extras",
                     "_keeper"):
            setattr(self, name, None)

    @property
    def unwrapped(self):
        return self

    def __repr__(self):
        return "<rltool.VectorEnv %s x%d%s>" % (self._meta.id if hasattr(self, "_meta") else "?",
                                               getattr(self, "num_envs", 0),
                                               " closed" if self._vec is None else "")


def _deep_copy(d):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out[k] = _deep_copy(v)
        elif isinstance(v, np.ndarray):
            out[k] = v.copy()
        else:
            out[k] = v
    return out

