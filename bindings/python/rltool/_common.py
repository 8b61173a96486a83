"""Shared helpers: options to "k=v" text, C spaces to Python spaces, seeds,
memory views that keep their C owner alive."""
import ctypes
import math
import numbers
import os

from . import spaces as _own
from ._lib import dec

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None

gym = None
if np is not None and not os.environ.get("RLTOOL_NO_GYMNASIUM"):
    try:
        import gymnasium as gym  # noqa: F811
        from gymnasium import spaces as _gspaces
    except ImportError:
        gym = None

RL_BOX, RL_DISCRETE = 0, 1
SEED_MAX = 2 ** 63 - 1
FLT_MAX = _own.FLT_MAX


def format_options(options):
    """{"links": 8, "hidden": (64, 64), "flag": True} -> "links=8,hidden=64x64,flag=1"."""
    if not options:
        return ""
    parts = []
    for key, value in options.items():
        if not isinstance(key, str) or not key or any(c in key for c in ",= \t\n"):
            raise ValueError("bad option name %r" % (key,))
        parts.append("%s=%s" % (key, _format_value(key, value)))
    return ",".join(parts)


def _format_value(key, v):
    if isinstance(v, bool) or (np is not None and isinstance(v, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        if not math.isfinite(f):
            raise ValueError("option %s=%r must be finite" % (key, v))
        return repr(f)
    if isinstance(v, str):
        # "" is the C grammar's `key=` (an empty text option, e.g. task_hash=
        # to accept an edited task file); the C side rejects it for numbers.
        if any(c in v for c in ",=\n"):
            raise ValueError("option %s=%r: text values must contain no ',', '=' or newline"
                             % (key, v))
        return v
    if isinstance(v, (list, tuple)) or (np is not None and isinstance(v, np.ndarray)):
        items = list(v)
        if not items:
            raise ValueError("option %s is an empty list" % key)
        if not all(isinstance(e, numbers.Integral) and not isinstance(e, bool) for e in items):
            raise ValueError("option %s=%r: list values must be integers (written 64x64)"
                             % (key, v))
        return "x".join(str(int(e)) for e in items)
    raise TypeError("option %s=%r: expected a number, bool, text or list of ints, got %s"
                    % (key, v, type(v).__name__))


def parse_options(text):
    """"k=v,k=v" -> {"k": "v"} (values stay text)."""
    out = {}
    for pair in filter(None, (text or "").split(",")):
        k, _, v = pair.partition("=")
        out[k] = v
    return out


def check_seed(seed):
    """None -> -1 (continue the stream); else an int in [0, 2**63)."""
    if seed is None:
        return -1
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError("seed must be an int or None, got %s" % type(seed).__name__)
    seed = int(seed)
    if not 0 <= seed <= SEED_MAX:
        raise ValueError("seed must be in [0, 2**63), got %d" % seed)
    return seed


def entropy_seed():
    return int.from_bytes(os.urandom(8), "little") & SEED_MAX


def space_bounds(sp, default):
    dim = sp.dim
    low = [sp.low[i] for i in range(dim)] if sp.low else [-default] * dim
    high = [sp.high[i] for i in range(dim)] if sp.high else [default] * dim
    return low, high


def make_space(sp, default_bound, batch=None):
    """Python space for a C rl_space (batch: number of envs for a batched space)."""
    dim = sp.dim
    if sp.kind == RL_BOX:
        low, high = space_bounds(sp, default_bound)
        shape = (dim,) if batch is None else (batch, dim)
        if np is not None:
            lo = np.asarray(low, np.float32)
            hi = np.asarray(high, np.float32)
            if batch is not None:
                lo, hi = np.tile(lo, (batch, 1)), np.tile(hi, (batch, 1))
            if gym is not None:
                return _gspaces.Box(lo, hi, shape, np.float32)
            return _own.Box(lo.reshape(-1), hi.reshape(-1), shape, np.float32)
        if batch is not None:
            low, high = low * batch, high * batch
        return _own.Box(low, high, shape)
    if sp.kind == RL_DISCRETE:
        if dim == 1 and batch is None:
            return (_gspaces.Discrete if gym is not None else _own.Discrete)(sp.n)
        shape = (dim,) if batch is None else ((batch,) if dim == 1 else (batch, dim))
        multi = _gspaces.MultiDiscrete if gym is not None else _own.MultiDiscrete
        if np is not None:
            return multi(np.full(shape, sp.n, dtype=np.int64))
        return multi([sp.n] * (dim * (batch or 1)))
    raise ValueError("unknown space kind %d" % sp.kind)


def describe_space(sp):
    """Plain dict of a C space, for rltool.info()."""
    d = {"kind": "box" if sp.kind == RL_BOX else "discrete", "dim": sp.dim}
    if sp.kind == RL_BOX:
        low, high = space_bounds(sp, float("inf"))
        d["low"], d["high"] = low, high
    else:
        d["n"] = sp.n
    return d


class Closeable:
    """close() on `with` exit and on garbage collection; close() must be
    idempotent."""

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class _Keeper:
    """Runs `free()` once when the last numpy view of a C buffer is gone."""

    def __init__(self, free):
        self._free = free

    def __del__(self):
        f, self._free = self._free, None
        if f is not None:
            try:
                f()
            except Exception:
                pass


def view(ptr, ctype, count, keeper, dtype=None, shape=None):
    """A numpy array over `count` C values at `ptr` that keeps `keeper` (and so
    the C owner) alive as long as the array or any view of it exists."""
    addr = ctypes.cast(ptr, ctypes.c_void_p).value
    if not addr:
        raise RuntimeError("librltool returned a NULL buffer")
    carr = (ctype * count).from_address(addr)
    carr._rltool_keeper = keeper  # ctypes instances take attributes
    arr = np.frombuffer(carr, dtype=dtype or _NP_OF[ctype])
    return arr.reshape(shape) if shape is not None else arr


_NP_OF = {}
if np is not None:
    _NP_OF = {ctypes.c_float: np.float32, ctypes.c_ubyte: np.uint8,
              ctypes.c_double: np.float64, ctypes.c_int: np.int32}


def text(b):
    return dec(b) if b is not None else None
