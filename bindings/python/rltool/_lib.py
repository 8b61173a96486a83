"""Finding librltool, declaring its functions, turning C errors into exceptions.

Lookup order (first hit wins):
  1. the RLTOOL_LIB environment variable (a path to the .so; an error if it
     does not exist),
  2. the package folder (librltool.so next to this file),
  3. a build tree: walking up from the package, <dir>/build/librltool.so,
  4. the installed location: ctypes.util.find_library("rltool"), then
     /usr/local/lib and /usr/lib.
"""
import ctypes
import ctypes.util
import os
import threading

from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_float,
                    c_int, c_int64, c_size_t, c_ubyte, c_uint64, c_void_p)

# ------------------------------------------------------------------ errors
RL_OK = 0
RL_EINVAL = -1
RL_ENOTFOUND = -2
RL_ENOMEM = -3
RL_EIO = -4
RL_ECORRUPT = -5
RL_EVERSION = -6
RL_ESIM = -7
RL_ESTATE = -8
RL_ENUMERIC = -9
RL_EINTERRUPT = -10


class Error(Exception):
    """Base of every error raised from a librltool status code.

    `code` is the negative RL_E* status, `message` rl_last_error()'s text.
    """

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        self.code = code


class InvalidArgumentError(Error, ValueError):
    """Bad argument, option, value or action (RL_EINVAL, RL_ENUMERIC)."""


class NotFoundError(Error, ValueError):
    """Unknown id, option or name, or a missing file (RL_ENOTFOUND)."""


class CorruptFileError(Error, RuntimeError):
    """A checkpoint is damaged or from a newer format (RL_ECORRUPT, RL_EVERSION)."""


class StateError(Error, RuntimeError):
    """A call that is not valid now: stepping a finished episode or a closed env."""


class LibraryError(Error, RuntimeError):
    """Any other failure inside librltool (memory, I/O, physics, interrupt)."""


_CODE_CLASS = {
    RL_EINVAL: InvalidArgumentError,
    RL_ENUMERIC: InvalidArgumentError,
    RL_ENOTFOUND: NotFoundError,
    RL_ECORRUPT: CorruptFileError,
    RL_EVERSION: CorruptFileError,
    RL_ESTATE: StateError,
}


def error_from_code(code, context=None):
    """Exception for status `code`, with this thread's rl_last_error() text."""
    lib = load()
    msg = lib.rl_last_error().decode("utf-8", "replace")
    if not msg:
        msg = lib.rl_strerror(code).decode("utf-8", "replace")
    if context:
        msg = "%s: %s" % (context, msg)
    return _CODE_CLASS.get(code, LibraryError)(msg, code)


def last_error(context=None):
    """Exception for a NULL return (code from rl_last_code())."""
    code = load().rl_last_code()
    return error_from_code(code or RL_EINVAL, context)


def check(rc, context=None):
    if rc < 0:
        raise error_from_code(rc, context)
    return rc


# ------------------------------------------------------------------ structs (mirror rltool.h)
class Space(Structure):
    _fields_ = [("kind", c_int), ("dim", c_int), ("n", c_int),
                ("low", POINTER(c_float)), ("high", POINTER(c_float))]


class Slice(Structure):
    _fields_ = [("name", c_char_p), ("start", c_int), ("len", c_int)]


RL_INFO_MAX_EXTRA = 8


class Info(Structure):
    _fields_ = [("done", c_int), ("success", c_int), ("sim_unstable", c_int),
                ("episode_length", c_int), ("episode_return", c_double),
                ("extra", c_float * RL_INFO_MAX_EXTRA)]


class OptDef(Structure):
    _fields_ = [("name", c_char_p), ("type", c_int), ("offset", c_size_t),
                ("default", c_char_p), ("lo", c_double), ("hi", c_double),
                ("choices", c_char_p), ("help", c_char_p)]


OPT_TYPES = ("int", "float", "bool", "choice", "intlist", "str")


class Task(Structure):
    # struct rl_task is public (user code fills it to register tasks). Every
    # field is mirrored: the library reads the whole struct of a task that
    # Python registers, so a shorter mirror would be read past its end.
    _fields_ = [("id", c_char_p), ("summary", c_char_p), ("opts", POINTER(OptDef)),
                ("n_opts", c_int), ("cfg_size", c_size_t), ("max_steps", c_int),
                ("dt", c_double), ("shared_make", c_void_p), ("shared_free", c_void_p),
                ("init", c_void_p), ("reset", c_void_p), ("step", c_void_p),
                ("close", c_void_p), ("render", c_void_p), ("goal_reward", c_void_p),
                ("goal_obs", c_void_p), ("has_threshold", c_int),
                ("reward_threshold", c_double)]


class Progress(Structure):
    _fields_ = [("step", c_int64), ("total_steps", c_int64), ("episodes", c_int64),
                ("wall_time", c_double), ("steps_per_sec", c_double),
                ("recent_return", c_double), ("recent_success", c_double), ("done", c_int)]


PROGRESS_FN = CFUNCTYPE(c_int, c_void_p, POINTER(Progress))


class TrainCfg(Structure):
    _fields_ = [("env_id", c_char_p), ("env_opts", c_char_p), ("agent", c_char_p),
                ("policy", c_char_p), ("hparams", c_char_p), ("steps", c_int64),
                ("seed", c_uint64), ("n_envs", c_int), ("n_threads", c_int),
                ("out_dir", c_char_p), ("resume", c_char_p), ("progress", PROGRESS_FN),
                ("user", c_void_p), ("overwrite", c_int), ("save_interval", c_double),
                ("more_steps", c_int64)]


class EvalResult(Structure):
    _fields_ = [("episodes", c_int), ("mean_return", c_double), ("std_return", c_double),
                ("min_return", c_double), ("max_return", c_double),
                ("mean_length", c_double), ("success_rate", c_double),
                ("decisions_per_ep", c_double), ("repeat_rate", c_double),
                ("jerk", c_double), ("mmacs_per_ep", c_double)]


# ------------------------------------------------------------------ declarations
_p = c_void_p
_fp = POINTER(c_float)
_u8p = POINTER(c_ubyte)

# name: (restype, argtypes). Every function the package calls.
_SIGNATURES = {
    "rl_version": (c_char_p, []),
    "rl_last_error": (c_char_p, []),
    "rl_last_code": (c_int, []),
    "rl_strerror": (c_char_p, [c_int]),
    "rl_clear_error": (None, []),
    "rl_task_count": (c_int, []),
    "rl_task_at": (POINTER(Task), [c_int]),
    "rl_task_find": (POINTER(Task), [c_char_p]),
    "rl_env_make": (_p, [c_char_p, c_char_p]),
    "rl_env_free": (None, [_p]),
    "rl_env_reset": (c_int, [_p, c_int64]),
    "rl_env_step": (c_int, [_p, _fp]),
    "rl_env_obs": (_fp, [_p]),
    "rl_env_reward": (c_float, [_p]),
    "rl_env_terminated": (c_int, [_p]),
    "rl_env_truncated": (c_int, [_p]),
    "rl_env_info": (POINTER(Info), [_p]),
    "rl_env_obs_space": (POINTER(Space), [_p]),
    "rl_env_act_space": (POINTER(Space), [_p]),
    "rl_env_slice": (POINTER(Slice), [_p, c_char_p]),
    "rl_env_options": (c_int, [_p, c_char_p, c_size_t]),
    "rl_env_render": (c_int, [_p, _u8p, c_int, c_int]),
    "rl_env_wrapper_opts": (POINTER(OptDef), [POINTER(c_int)]),
    "rl_vec_make": (_p, [c_char_p, c_char_p, c_int, c_int]),
    "rl_vec_free": (None, [_p]),
    "rl_vec_reset": (c_int, [_p, c_int64]),
    "rl_vec_step": (c_int, [_p, _fp]),
    "rl_vec_set_autoreset": (c_int, [_p, c_int]),
    "rl_vec_num_envs": (c_int, [_p]),
    "rl_vec_num_threads": (c_int, [_p]),
    "rl_vec_env": (_p, [_p, c_int]),
    "rl_vec_obs": (_fp, [_p]),
    "rl_vec_final_obs": (_fp, [_p]),
    "rl_vec_actions": (_fp, [_p]),
    "rl_vec_rewards": (_fp, [_p]),
    "rl_vec_terminated": (_u8p, [_p]),
    "rl_vec_truncated": (_u8p, [_p]),
    "rl_vec_infos": (POINTER(Info), [_p]),
}

# Newer parts of the API: declared when the library has them.
_OPTIONAL = {
    # envs/env_access.c
    "rl_env_task": (POINTER(Task), [_p]),
    "rl_env_num_slices": (c_int, [_p]),
    "rl_env_slice_at": (POINTER(Slice), [_p, c_int]),
    "rl_env_num_info": (c_int, [_p]),
    "rl_env_info_name": (c_char_p, [_p, c_int]),
    "rl_env_max_steps": (c_int, [_p]),
    "rl_env_dt": (c_double, [_p]),
    "rl_env_privileged_dim": (c_int, [_p]),
    # agents
    "rl_train": (c_int, [POINTER(TrainCfg)]),
    "rl_train_interrupt": (None, []),
    "rl_agent_load": (_p, [c_char_p]),
    "rl_agent_free": (None, [_p]),
    "rl_agent_kind": (c_char_p, [_p]),
    "rl_agent_env_id": (c_char_p, [_p]),
    "rl_agent_env_opts": (c_char_p, [_p]),
    "rl_agent_obs_dim": (c_int, [_p]),
    "rl_agent_act_dim": (c_int, [_p]),
    "rl_agent_obs_space": (POINTER(Space), [_p]),
    "rl_agent_act_space": (POINTER(Space), [_p]),
    "rl_agent_act": (c_int, [_p, _fp, c_int, _fp, c_int]),
    "rl_agent_reset_state": (c_int, [_p, c_int]),
    "rl_evaluate": (c_int, [_p, c_char_p, c_int, c_uint64, c_int, POINTER(EvalResult)]),
    # custom tasks (envs/plugin.c, registry.c; pyenv.py)
    "rl_plugin_load": (c_int, [c_char_p]),
    "rl_task_register": (c_int, [POINTER(Task)]),
    "rl_rng_u32": (ctypes.c_uint32, [_p]),
}

_lock = threading.Lock()
_lib = None
_lib_path = None


def _candidates():
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, "librltool.so")
    d = here
    while True:
        yield os.path.join(d, "build", "librltool.so")
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    found = ctypes.util.find_library("rltool")
    if found:
        yield found
    for d in ("/usr/local/lib", "/usr/local/lib64", "/usr/local/lib/x86_64-linux-gnu",
              "/usr/lib", "/usr/lib/x86_64-linux-gnu"):
        yield os.path.join(d, "librltool.so")


def find_library():
    """Path of the librltool that `load()` would use (OSError if none)."""
    env = os.environ.get("RLTOOL_LIB")
    if env:
        if not os.path.exists(env):
            raise OSError("RLTOOL_LIB=%s does not exist" % env)
        return env
    tried = []
    for path in _candidates():
        if os.path.isabs(path) and not os.path.exists(path):
            tried.append(path)
            continue
        return path
    raise OSError("librltool.so not found; build it (make build) or set RLTOOL_LIB. "
                  "Looked in: " + ", ".join(tried))


def _declare(lib, table, required):
    for name, (res, args) in table.items():
        fn = getattr(lib, name, None) if not required else getattr(lib, name)
        if fn is None:
            continue
        fn.restype = res
        fn.argtypes = args


def load():
    """The loaded, declared librltool (a ctypes.CDLL), loaded on first use."""
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            path = find_library()
            try:
                lib = ctypes.CDLL(path)
            except OSError as e:
                raise OSError("cannot load %s: %s" % (path, e)) from None
            try:
                _declare(lib, _SIGNATURES, True)
            except AttributeError as e:
                raise OSError("%s is not a usable librltool (%s)" % (path, e)) from None
            _declare(lib, _OPTIONAL, False)
            _lib_path = path
            _lib = lib
    return _lib


def has(name):
    """Whether the loaded library exports `name` (e.g. "rl_train")."""
    return hasattr(load(), name)


def require(name, what):
    if not has(name):
        raise NotImplementedError("%s needs %s, which %s does not export yet"
                                  % (what, name, _lib_path))
    return getattr(load(), name)


def library_path():
    load()
    return _lib_path


def enc(s):
    if s is None:
        return None
    b = s.encode("utf-8")
    if b"\0" in b:  # C would read only up to it: another id, path or option
        raise ValueError("%r contains a NUL character" % (s,))
    return b


def dec(b):
    return None if b is None else b.decode("utf-8", "replace")
