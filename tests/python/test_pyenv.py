"""rltool.train on a Python env through callbacks (rltool.pyenv), plugins."""
import math
import os
import subprocess

import numpy as np
import pytest

import rltool
from rltool import pyenv
from rltool.spaces import Box, Discrete


class PointLine:
    """1-D point mass that must reach a random goal; 50 steps per episode.
    Return of doing nothing is about -25, a good policy about -5."""

    def __init__(self):
        self.observation_space = Box([-np.inf] * 2, [np.inf] * 2, (2,), np.float32)
        self.action_space = Box([-2.0], [2.0], (1,), np.float32)  # scaled from [-1, 1]
        self.rng = np.random.default_rng(0)

    def reset(self, seed=None, options=None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.x, self.v, self.t = 0.0, 0.0, 0
        self.goal = float(self.rng.uniform(-1, 1))
        return self._obs(), {}

    def _obs(self):
        return np.array([self.goal - self.x, self.v], np.float32)

    def step(self, action):
        a = float(np.clip(action[0], -2.0, 2.0))
        self.v += 0.1 * (a - 0.5 * self.v)
        self.x += 0.1 * self.v
        self.t += 1
        r = -abs(self.goal - self.x)
        return self._obs(), r, False, self.t >= 50, {}


class WrongShape(PointLine):
    def step(self, action):
        obs, r, te, tr, info = super().step(action)
        return obs[:1], r, te, tr, info


class Explodes(PointLine):
    def step(self, action):
        if self.t >= 30:
            raise RuntimeError("boom at step 30")
        return super().step(action)


class TwoTuple(PointLine):
    def step(self, action):
        return self._obs(), 0.0


def test_python_env_learns(tmp_path):
    res = rltool.train(PointLine(), agent="ppo", steps=30000, seed=1, out=tmp_path / "run",
                       progress=False, lr=1e-3)
    assert res["env_id"] == "py-pointline-v1"
    policy = rltool.load(res["out"])
    env = PointLine()
    total = 0.0
    for ep in range(10):
        obs, _ = env.reset(seed=100 + ep)
        done = False
        while not done:
            a = np.asarray(policy.act(obs, deterministic=True), np.float32)
            obs, r, te, tr, _ = env.step(2.0 * np.clip(a, -1, 1))  # policy acts in [-1, 1]
            total += r
            done = te or tr
    mean = total / 10
    assert mean > -12.0, "mean return %.2f" % mean


def test_factory_and_discrete(tmp_path):
    class Chain(PointLine):
        def __init__(self):
            super().__init__()
            self.action_space = Discrete(3)

        def step(self, action):
            assert isinstance(action, int) and 0 <= action < 3
            return super().step([float(action - 1)])

    res = rltool.train(Chain, agent="ppo", steps=2048, out=tmp_path / "c", progress=False)
    assert res["step"] >= 2048


def test_bad_envs_raise_clear_errors(tmp_path):
    with pytest.raises(ValueError, match=r"observation of shape \(1,\).*shape \(2,\)"):
        rltool.train(WrongShape(), steps=1000, out=tmp_path / "a", progress=False)
    with pytest.raises(ValueError, match="must return"):
        rltool.train(TwoTuple(), steps=1000, out=tmp_path / "b", progress=False)
    with pytest.raises(RuntimeError, match="boom at step 30"):
        rltool.train(Explodes(), steps=4096, out=tmp_path / "c", progress=False)
    with pytest.raises(ValueError, match="n_envs=1"):
        rltool.train(PointLine(), n_envs=4, steps=1000, out=tmp_path / "d", progress=False)
    with pytest.raises(TypeError):
        rltool.train(lambda: 42, steps=1000, out=tmp_path / "e", progress=False)


def test_callback_overhead_is_small():
    m = pyenv.measure_overhead(PointLine(), steps=5000)
    print("callback overhead: %.1f us/step (python step %.1f us, via callback %.1f us)"
          % (m["overhead_us"], m["python_step_us"], m["via_callback_us"]))
    assert m["overhead_us"] < 500


def test_load_plugin(tmp_path):
    src = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "mytask", "mytask.c")
    so = tmp_path / "libmytask.so"
    libdir = os.path.dirname(rltool.library_path())
    try:
        subprocess.run(["cc", "-fPIC", "-shared", "-I",
                        os.path.join(os.path.dirname(src), "..", "..", "include"), src,
                        "-o", str(so), "-L" + libdir, "-lrltool", "-lm"], check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip("no C compiler: %s" % e)
    with pytest.raises(rltool.NotFoundError):
        rltool.load_plugin(tmp_path / "missing.so")
    rltool.load_plugin(so)
    env = rltool.make("mytask-v1")
    obs, _ = env.reset(seed=0)
    assert len(obs) == 2
    env.close()
    # A task registered after import reaches Gymnasium's registry too.
    if rltool._common.gym is not None:
        import gymnasium
        genv = gymnasium.make("rltool/mytask-v1")
        assert genv.reset(seed=0)[0].shape == (2,)
        genv.close()
