"""Minimal spaces used when gymnasium is not installed.

They follow gymnasium.spaces' attribute names (low, high, shape, dtype, n,
nvec, sample(), contains(), seed()) so code written against either works.
With numpy present, values are numpy arrays; without it, lists.
"""
import random

try:
    import numpy as np
except ImportError:  # pragma: no cover - exercised by a subprocess test
    np = None

FLT_MAX = 3.4028234663852886e38


class Space:
    shape = ()
    dtype = None

    def __init__(self, seed=None):
        self.seed(seed)

    def seed(self, seed=None):
        if np is not None:
            self.np_random = np.random.default_rng(seed)
        else:
            self.np_random = random.Random(seed)
        return [seed]

    def __contains__(self, x):
        return self.contains(x)


class Box(Space):
    """dim floats, each in [low[i], high[i]]."""

    def __init__(self, low, high, shape=None, dtype="float32", seed=None):
        low, high = list(low), list(high)
        if len(low) != len(high):
            raise ValueError("low and high differ in length")
        self.shape = tuple(shape) if shape is not None else (len(low),)
        if np is not None:
            self.dtype = np.dtype(dtype)
            self.low = np.asarray(low, dtype=self.dtype).reshape(self.shape)
            self.high = np.asarray(high, dtype=self.dtype).reshape(self.shape)
        else:
            self.dtype = dtype
            self.low, self.high = low, high
        super().__init__(seed)

    def is_bounded(self, manner="both"):
        lo = all(v > -FLT_MAX for v in _flat(self.low))
        hi = all(v < FLT_MAX for v in _flat(self.high))
        return {"both": lo and hi, "below": lo, "above": hi}[manner]

    def sample(self):
        """Uniform where bounded, normal(0, 1) where a side is unbounded."""
        lows, highs = _flat(self.low), _flat(self.high)
        if np is not None:
            lo = np.asarray(lows, dtype=np.float64)
            hi = np.asarray(highs, dtype=np.float64)
            out = self.np_random.uniform(np.maximum(lo, -1e30), np.minimum(hi, 1e30))
            free = (lo <= -FLT_MAX) | (hi >= FLT_MAX)
            if free.any():
                out[free] = self.np_random.normal(size=int(free.sum()))
            return np.clip(out, lo, hi).astype(self.dtype).reshape(self.shape)
        out = []
        for lo, hi in zip(lows, highs):
            if lo <= -FLT_MAX or hi >= FLT_MAX:
                v = min(max(self.np_random.gauss(0.0, 1.0), lo), hi)
            else:
                v = self.np_random.uniform(lo, hi)
            out.append(v)
        return out

    def contains(self, x):
        try:
            if np is not None:
                a = np.asarray(x)
                if a.dtype.kind not in "biuf" or a.shape != self.shape:
                    return False
                return bool(np.all(a >= self.low) and np.all(a <= self.high))
            vals = list(x)
            return (len(vals) == len(_flat(self.low))
                    and all(lo <= v <= hi for v, lo, hi in zip(vals, self.low, self.high)))
        except (TypeError, ValueError):
            return False

    def __repr__(self):
        return "Box(%s, %s, %s, %s)" % (_short(self.low), _short(self.high), self.shape,
                                         self.dtype)

    def __eq__(self, other):
        return (isinstance(other, Box) and self.shape == other.shape
                and _flat(self.low) == _flat(other.low)
                and _flat(self.high) == _flat(other.high))


class Discrete(Space):
    """One integer in [start, start + n)."""

    def __init__(self, n, seed=None, start=0):
        self.n = int(n)
        self.start = int(start)
        self.shape = ()
        self.dtype = np.dtype(np.int64) if np is not None else "int64"
        super().__init__(seed)

    def sample(self):
        if np is not None:
            return np.int64(self.start + self.np_random.integers(self.n))
        return self.start + self.np_random.randrange(self.n)

    def contains(self, x):
        if np is not None:
            a = np.asarray(x)
            if a.shape != () or a.dtype.kind not in "iu":
                return False
            x = int(a)
        elif not isinstance(x, int) or isinstance(x, bool):
            return False
        return self.start <= x < self.start + self.n

    def __repr__(self):
        return "Discrete(%d)" % self.n

    def __eq__(self, other):
        return isinstance(other, Discrete) and (self.n, self.start) == (other.n, other.start)


class MultiDiscrete(Space):
    """Integers, value i in [0, nvec[i]) (nvec may be 2-D for a batch)."""

    def __init__(self, nvec, seed=None):
        if np is not None:
            self.nvec = np.asarray(nvec, dtype=np.int64)  # any shape (batched: 2-D)
            self.shape = self.nvec.shape
            self.dtype = np.dtype(np.int64)
        else:
            self.nvec = [int(v) for v in nvec]
            self.shape = (len(self.nvec),)
            self.dtype = "int64"
        super().__init__(seed)

    def sample(self):
        if np is not None:
            return self.np_random.integers(self.nvec).astype(np.int64)
        return [self.np_random.randrange(n) for n in self.nvec]

    def contains(self, x):
        if np is not None:
            a = np.asarray(x)
            if a.shape != self.shape or a.dtype.kind not in "iu":
                return False
            return bool(np.all(a >= 0) and np.all(a < self.nvec))
        try:
            vals = list(x)
        except TypeError:
            return False
        return (len(vals) == len(self.nvec)
                and all(isinstance(v, int) and 0 <= v < n for v, n in zip(vals, self.nvec)))

    def __repr__(self):
        return "MultiDiscrete(%s)" % (list(_flat(self.nvec)),)

    def __eq__(self, other):
        return isinstance(other, MultiDiscrete) and _flat(self.nvec) == _flat(other.nvec)


def _flat(v):
    if np is not None and isinstance(v, np.ndarray):
        return [x.item() for x in v.reshape(-1)]
    return list(v)


def _short(v):
    f = _flat(v)
    if f and all(x == f[0] for x in f):
        return repr(f[0])
    return repr(f)
