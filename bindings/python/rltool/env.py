"""Single environments with Gymnasium's API, the registry and task info."""
import ctypes
import numbers

from . import _lib
from ._common import (Closeable, check_seed, describe_space,
                      entropy_seed, format_options, gym, make_space, np, parse_options,
                      text)
from ._gym import make_spec
from ._lib import StateError, enc, error_from_code, last_error, load

_Base = gym.Env if gym is not None else object

# Where an ending step reports the episode's return and length.
EPISODE_KEY = "rltool_episode"


class EnvSpec:
    """What made an env, when gymnasium is absent (the fields of
    gymnasium.envs.registration.EnvSpec that apply; see rltool._gym)."""

    def __init__(self, id, entry_point=None, vector_entry_point=None, max_episode_steps=None,
                 reward_threshold=None, kwargs=None):
        self.id = id
        self.entry_point = entry_point
        self.vector_entry_point = vector_entry_point
        self.max_episode_steps = max_episode_steps
        self.reward_threshold = reward_threshold
        self.kwargs = dict(kwargs or {})
        self.nondeterministic = False

    def make(self, **kwargs):
        """The env this spec describes (kwargs override the spec's). Without
        gymnasium nothing adds a TimeLimit: the task itself ends episodes at
        max_episode_steps."""
        kw = dict(self.kwargs)
        if self.max_episode_steps:
            kw["max_steps"] = self.max_episode_steps
        kw.update(kwargs)
        return make(kw.pop("env_id"), **kw)

    def __eq__(self, other):
        return isinstance(other, EnvSpec) and vars(self) == vars(other)

    def __repr__(self):
        return "EnvSpec(id=%r, max_episode_steps=%r, reward_threshold=%r, kwargs=%r)" % (
            self.id, self.max_episode_steps, self.reward_threshold, self.kwargs)


class _EnvMeta:
    """What the Python side knows about a C env: task, spaces, slices, names."""

    def __init__(self, ptr, id):
        lib = load()
        task = lib.rl_env_task(ptr) if hasattr(lib, "rl_env_task") else lib.rl_task_find(enc(id))
        task = task.contents
        self.id = text(task.id)
        self.summary = text(task.summary)
        self.dt = float(lib.rl_env_dt(ptr) if hasattr(lib, "rl_env_dt") else task.dt)
        self.can_render = bool(task.render)
        self.max_steps = (lib.rl_env_max_steps(ptr) if hasattr(lib, "rl_env_max_steps")
                          else task.max_steps)
        self.obs_c = lib.rl_env_obs_space(ptr).contents
        self.act_c = lib.rl_env_act_space(ptr).contents
        self.obs_dim, self.act_dim = self.obs_c.dim, self.act_c.dim
        a = self.act_c
        self.act_space_text = ("Box(%d)" % a.dim if a.kind == 0 else
                               "Discrete(%d)" % a.n if a.dim == 1 else
                               "MultiDiscrete(%d x %d)" % (a.dim, a.n))
        self.slices = {}
        self.info_names = []
        if hasattr(lib, "rl_env_num_slices"):
            for i in range(lib.rl_env_num_slices(ptr)):
                s = lib.rl_env_slice_at(ptr, i).contents
                self.slices[text(s.name)] = slice(s.start, s.start + s.len)
            self.info_names = [text(lib.rl_env_info_name(ptr, i))
                               for i in range(lib.rl_env_num_info(ptr))]
        # Trailing observation values only critics read (0: none).
        self.priv_dim = (lib.rl_env_privileged_dim(ptr) if hasattr(lib, "rl_env_privileged_dim")
                         else 0)
        buf = ctypes.create_string_buffer(4096)
        n = lib.rl_env_options(ptr, buf, len(buf))
        self.options = parse_options(buf.value.decode()) if n >= 0 else {}

    def metadata(self):
        md = {"render_modes": ["rgb_array"] if self.can_render else []}
        md["render_fps"] = int(round(1.0 / self.dt)) if self.dt > 0 else None
        return md


def _to_action(meta, action, out):
    """Validate `action` against the action space and write it into `out`
    (a float32 numpy array or ctypes float array of act_dim)."""
    dim = meta.act_dim
    if np is not None:
        a = np.asarray(action)
        if a.dtype.kind not in "biuf":
            if a.dtype.kind == "O" and all(isinstance(v, numbers.Integral)
                                           for v in a.reshape(-1).tolist()):
                raise ValueError("%s: action %r is out of range for %s"
                                 % (meta.id, action, meta.act_space_text))
            raise TypeError("%s: action must be numeric, got dtype %s (%r)"
                            % (meta.id, a.dtype, action))
        want = (dim,)
        if a.shape != want and not (dim == 1 and a.shape in ((), (1,))):
            raise ValueError("%s: action must have shape %s%s, got %s"
                             % (meta.id, want, " or ()" if dim == 1 else "", a.shape))
        out[:] = a.reshape(dim)
        return
    # Without numpy: a number, or a sequence of numbers.
    if isinstance(action, numbers.Real):
        vals = [action]
    elif isinstance(action, (str, bytes)):
        raise TypeError("%s: action must be numeric, got %r" % (meta.id, action))
    else:
        try:
            vals = list(action)
        except TypeError:
            raise TypeError("%s: action must be a number or a sequence of numbers, got %r"
                            % (meta.id, action)) from None
    if len(vals) != dim:
        raise ValueError("%s: action must have %d values, got %d" % (meta.id, dim, len(vals)))
    for i, v in enumerate(vals):
        if not isinstance(v, numbers.Real):
            raise TypeError("%s: action[%d] must be a number, got %r" % (meta.id, i, v))
        out[i] = float(v)


class Env(Closeable, _Base):
    """One rltool task with Gymnasium's API (see rltool.make).

    reset(seed=None) continues the env's random stream; the first reset
    without a seed draws one from the OS, as Gymnasium does. Observations are
    fresh float32 arrays (lists without numpy).
    """

    metadata = {"render_modes": [], "render_fps": None}

    def __init__(self, id, render_mode=None, render_width=480, render_height=480, **options):
        self._env = None
        if not isinstance(id, str):
            raise TypeError("env id must be a str, got %s" % type(id).__name__)
        lib = load()
        self._lib = lib
        opts = format_options(options)
        ptr = lib.rl_env_make(enc(id), enc(opts))
        if not ptr:
            raise last_error()
        self._env = ptr
        m = self._meta = _EnvMeta(ptr, id)
        self.metadata = m.metadata()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            self.close()
            raise ValueError("%s: render_mode %r is not supported (supported: %s)"
                             % (id, render_mode, self.metadata["render_modes"] or "none"))
        self.render_mode = render_mode
        self.render_width, self.render_height = int(render_width), int(render_height)
        spec_opts = dict(options)
        if (self.render_width, self.render_height) != (480, 480):
            spec_opts.update(render_width=self.render_width, render_height=self.render_height)
        self.spec = make_spec(id, m.max_steps, spec_opts, render_mode)
        self.observation_space = make_space(m.obs_c, float("inf"))
        self.action_space = make_space(m.act_c, 1.0)
        self.slices = dict(m.slices)
        self.info_names = list(m.info_names)
        self.options = dict(m.options)
        self._seeded = False
        self._info = lib.rl_env_info(ptr).contents
        self._step_fn = lib.rl_env_step
        if np is not None:
            self._obs = np.ctypeslib.as_array(lib.rl_env_obs(ptr), shape=(m.obs_dim,))
            self._act = np.zeros(m.act_dim, np.float32)
        else:
            self._obs = lib.rl_env_obs(ptr)
            self._act = (ctypes.c_float * m.act_dim)()
        self._act_ptr = ctypes.cast(
            self._act.ctypes.data if np is not None else ctypes.addressof(self._act),
            ctypes.POINTER(ctypes.c_float))

    # ------------------------------------------------------------ gym API
    def _closed(self, what):
        return StateError("%s: %s() on a closed env" % (self._meta.id, what), _lib.RL_ESTATE)

    def _get_obs(self):
        if np is not None:
            return self._obs.copy()
        return [self._obs[i] for i in range(self._meta.obs_dim)]

    def reset(self, *, seed=None, options=None):
        if self._env is None:
            raise self._closed("reset")
        if options:
            raise ValueError("%s: reset takes no options (got %r); pass env options to "
                             "rltool.make" % (self._meta.id, options))
        s = check_seed(seed)
        if s < 0 and not self._seeded:
            s = entropy_seed()
        # -1 (continue the C stream) never reaches gymnasium, which accepts
        # only None or a non-negative seed.
        if gym is not None:
            super().reset(seed=s if (s >= 0 and (seed is not None or not self._seeded)) else None)
        self._seeded = True
        rc = self._lib.rl_env_reset(self._env, s)
        if rc:
            raise error_from_code(rc)
        return self._get_obs(), {}

    def step(self, action):
        env = self._env
        if env is None:
            raise self._closed("step")
        t = type(action)
        if (t is int or t is float) and self._meta.act_dim == 1:
            try:
                self._act[0] = action  # fast path; NaN and range are checked in C
            except OverflowError:
                raise ValueError("%s: action %r is out of range for %s"
                                 % (self._meta.id, action, self._meta.act_space_text)) from None
        else:
            _to_action(self._meta, action, self._act)
        rc = self._step_fn(env, self._act_ptr)
        if rc:
            raise error_from_code(rc)
        lib = self._lib
        c = self._info
        info = {"sim_unstable": bool(c.sim_unstable)}
        if c.success >= 0:
            info["success"] = bool(c.success)
        if self.info_names:
            extra = c.extra
            for i, name in enumerate(self.info_names):
                info[name] = extra[i]
        if c.done:
            # Not info["episode"]: RecordEpisodeStatistics (and SB3's Monitor)
            # own that key and refuse an env that already writes it.
            info[EPISODE_KEY] = {"r": c.episode_return, "l": c.episode_length}
        return (self._get_obs(), float(lib.rl_env_reward(env)),
                bool(lib.rl_env_terminated(env)), bool(lib.rl_env_truncated(env)), info)

    def render(self, width=None, height=None):
        """The current state as an RGB array of shape (height, width, 3), uint8
        (a bytearray of height*width*3 without numpy)."""
        if self._env is None:
            raise self._closed("render")
        if not self._meta.can_render:
            raise NotImplementedError("%s has no renderer (render modes: none)" % self._meta.id)
        return render_env(self._lib, self._env,
                          int(self.render_width if width is None else width),
                          int(self.render_height if height is None else height))

    def close(self):
        env, self._env = self._env, None
        if env is not None:
            self._lib.rl_env_free(env)
            self._obs = None

    @property
    def closed(self):
        return self._env is None

    if gym is None:
        @property
        def unwrapped(self):
            return self

    def __repr__(self):
        return "<rltool.Env %s%s>" % (self._meta.id if hasattr(self, "_meta") else "?",
                                     " closed" if self._env is None else "")

    __str__ = __repr__


def render_env(lib, env, w, h):
    """rl_env_render into a fresh (h, w, 3) uint8 array (a bytearray
    without numpy)."""
    if not (0 < w <= 8192 and 0 < h <= 8192):
        raise ValueError("render size %dx%d is out of range (1..8192)" % (w, h))
    if np is not None:
        rgb = np.zeros((h, w, 3), np.uint8)
        ptr = rgb.ctypes.data_as(ctypes.POINTER(ctypes.c_ubyte))
    else:
        rgb = bytearray(w * h * 3)
        ptr = (ctypes.c_ubyte * len(rgb)).from_buffer(rgb)
        ptr = ctypes.cast(ptr, ctypes.POINTER(ctypes.c_ubyte))
    rc = lib.rl_env_render(env, ptr, w, h)
    if rc:
        raise error_from_code(rc)
    return rgb


def make(id, render_mode=None, **options):
    """Make one env. Keyword options go to the task and wrappers
    (`max_steps`, `action_repeat`, `discretize`, `decision_budget`) as
    "k=v" text: lists become 64x64, booleans 1/0. Unknown ids and options
    raise ValueError with the accepted names."""
    return Env(id, render_mode=render_mode, **options)


def registry():
    """Ids of every registered task."""
    lib = load()
    return [text(lib.rl_task_at(i).contents.id) for i in range(lib.rl_task_count())]


def _optdefs(ptr, n):
    out = {}
    for i in range(n):
        d = ptr[i]
        o = {"type": _lib.OPT_TYPES[d.type] if 0 <= d.type < len(_lib.OPT_TYPES) else d.type,
             "default": text(d.default), "help": text(d.help)}
        if d.type in (0, 1, 4):
            o["range"] = (d.lo, d.hi)
        if d.choices:
            o["choices"] = text(d.choices).split("|")
        out[text(d.name)] = o
    return out


def info(id, **options):
    """What a task publishes: summary, spaces, observation slices, info
    names, time limit, dt and its options (task and wrapper)."""
    lib = load()
    if not isinstance(id, str):
        raise TypeError("env id must be a str, got %s" % type(id).__name__)
    ptr = lib.rl_env_make(enc(id), enc(format_options(options)))
    if not ptr:
        raise last_error()
    try:
        m = _EnvMeta(ptr, id)
        task = lib.rl_task_find(enc(id)).contents
        n = ctypes.c_int(0)
        wrap = lib.rl_env_wrapper_opts(ctypes.byref(n))
        return {
            "id": m.id,
            "summary": m.summary,
            "observation_space": describe_space(m.obs_c),
            "action_space": describe_space(m.act_c),
            "slices": m.slices,
            "info_names": m.info_names,
            "max_steps": m.max_steps,
            "dt": m.dt,
            "render": m.can_render,
            "options": _optdefs(task.opts, task.n_opts),
            "wrapper_options": _optdefs(wrap, n.value),
            "resolved_options": m.options,
        }
    finally:
        lib.rl_env_free(ptr)
