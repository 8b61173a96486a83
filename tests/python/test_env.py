"""rltool.make: Gymnasium API, spaces, seeding, infos, errors."""
import math

import numpy as np
import pytest

import rltool
from conftest import ENV_IDS, episode_length


def test_registry_and_info():
    ids = rltool.registry()
    assert "cartpole-v1" in ids and "pendulum-v1" in ids
    assert all(isinstance(i, str) and "-v" in i for i in ids)
    d = rltool.info("cartpole-v1")
    assert d["id"] == "cartpole-v1"
    assert d["observation_space"]["dim"] == 4
    assert d["action_space"] == {"kind": "discrete", "dim": 1, "n": 2}
    assert d["slices"]["pole_angle"] == slice(2, 3)
    assert d["max_steps"] == 500 and d["dt"] == pytest.approx(0.02)
    assert "max_steps" in d["wrapper_options"]
    assert d["resolved_options"]["max_steps"] == "500"
    assert rltool.info("cartpole-v1", max_steps=7)["max_steps"] == 7


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_api_types_and_shapes(env_id):
    env = rltool.make(env_id)
    try:
        obs, info = env.reset(seed=3)
        sp = env.observation_space
        assert isinstance(obs, np.ndarray) and obs.dtype == np.float32
        assert obs.shape == sp.shape == (rltool.info(env_id)["observation_space"]["dim"],)
        assert info == {}
        a = env.action_space.sample()
        assert env.action_space.contains(a)
        obs2, r, term, trunc, info = env.step(a)
        assert obs2.shape == obs.shape and obs2.dtype == np.float32
        assert type(r) is float and type(term) is bool and type(trunc) is bool
        assert isinstance(info, dict) and info["sim_unstable"] is False
        assert env.spec.id == "rltool/" + env_id and env.spec.kwargs["env_id"] == env_id
        assert env.metadata["render_fps"] is None or env.metadata["render_fps"] > 0
        assert set(env.slices) and all(isinstance(s, slice) for s in env.slices.values())
    finally:
        env.close()


def test_spaces_cartpole_pendulum():
    cp = rltool.make("cartpole-v1")
    assert cp.action_space.n == 2 and cp.action_space.shape == ()
    assert cp.action_space.contains(1) and not cp.action_space.contains(2)
    assert cp.observation_space.dtype == np.float32
    assert cp.observation_space.high[0] == pytest.approx(4.8)
    assert cp.metadata["render_fps"] == 50
    pe = rltool.make("pendulum-v1")
    b = pe.action_space
    assert b.shape == (1,) and b.low[0] == -1 and b.high[0] == 1
    for _ in range(20):
        assert b.contains(b.sample())
    assert not b.contains(np.array([2.0], np.float32))
    assert list(pe.observation_space.high) == [1, 1, 8]
    disc = rltool.make("pendulum-v1", discretize=5)
    assert disc.action_space.n == 5 or list(disc.action_space.nvec) == [5]


def test_returned_obs_is_a_copy():
    env = rltool.make("pendulum-v1")
    o1, _ = env.reset(seed=0)
    keep = o1.copy()
    o2, *_ = env.step(np.zeros(1))
    assert np.array_equal(o1, keep) and not np.shares_memory(o1, o2)


def rollout(env, seed, actions):
    obs, _ = env.reset(seed=seed)
    out = [obs]
    rews = []
    for a in actions:
        obs, r, term, trunc, _ = env.step(a)
        out.append(obs)
        rews.append(r)
        if term or trunc:
            obs, _ = env.reset()
            out.append(obs)
    return np.array(out), np.array(rews)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_seeded_determinism(env_id):
    e1, e2 = rltool.make(env_id), rltool.make(env_id)
    rng = np.random.default_rng(0)
    e1.action_space.seed(1)
    acts = [e1.action_space.sample() for _ in range(300)]
    o1, r1 = rollout(e1, 42, acts)
    o2, r2 = rollout(e2, 42, acts)
    assert np.array_equal(o1, o2) and np.array_equal(r1, r2)
    o3, _ = rollout(e2, 43, acts[:5])
    assert not np.array_equal(o1[:6], o3[:6])
    del rng


def test_unseeded_first_reset_is_random_then_continues():
    a, b = rltool.make("cartpole-v1"), rltool.make("cartpole-v1")
    oa, _ = a.reset()
    ob, _ = b.reset()
    assert not np.array_equal(oa, ob)
    # After a seeded reset, reset() continues the same stream in both.
    a.reset(seed=5)
    b.reset(seed=5)
    assert np.array_equal(a.reset()[0], b.reset()[0])


def test_episode_info_and_time_limit():
    env = rltool.make("pendulum-v1", max_steps=10)
    env.reset(seed=0)
    total = 0.0
    for t in range(10):
        obs, r, term, trunc, info = env.step([0.5])
        total += r
        if t < 9:
            assert not trunc and "rltool_episode" not in info
    assert trunc and not term
    assert info["rltool_episode"]["l"] == 10
    assert info["rltool_episode"]["r"] == pytest.approx(total, rel=1e-5)
    with pytest.raises(RuntimeError, match="call rl_env_reset"):
        env.step([0.0])
    env.reset()
    env.step([0.0])


def test_spec_makes_an_env_with_the_same_episode_limit():
    # rltool's own EnvSpec when gymnasium is absent, Gymnasium's when present:
    # either way the made env ends its episodes at the spec's limit.
    spec = rltool.make("pendulum-v1", max_steps=7).spec
    assert spec.max_episode_steps == 7 and "max_steps" not in spec.kwargs
    assert episode_length(spec.make()) == 7


def test_options_formatting_and_errors():
    assert rltool.make("pendulum-v1", max_steps=3).spec.max_episode_steps == 3
    with pytest.raises(ValueError, match="unknown option 'bogus'.*known"):
        rltool.make("cartpole-v1", bogus=1)
    with pytest.raises(ValueError, match="max_steps"):
        rltool.make("cartpole-v1", max_steps=-4)
    with pytest.raises(ValueError, match="unknown env id 'nope-v1'.*cartpole-v1"):
        rltool.make("nope-v1")
    with pytest.raises(rltool.NotFoundError):
        rltool.make("nope-v1")
    with pytest.raises(TypeError):
        rltool.make(123)
    with pytest.raises(ValueError):
        rltool.make("cartpole-v1", max_steps="3,discretize=2")
    with pytest.raises(ValueError):
        rltool.make("pendulum-v1", max_steps=float("nan"))
    with pytest.raises(TypeError):
        rltool.make("pendulum-v1", max_steps=object())


def test_option_value_text():
    from rltool._common import format_options
    assert format_options({"hidden": (64, 64), "flag": True, "off": False, "lr": 1e-4,
                           "n": np.int64(3), "name": "abc"}) == \
        "hidden=64x64,flag=1,off=0,lr=0.0001,n=3,name=abc"


@pytest.mark.parametrize("bad, exc", [
    (np.zeros(2), ValueError),            # wrong shape
    (np.zeros((1, 1)), ValueError),
    ([], ValueError),
    ("left", TypeError),                  # wrong dtype
    (np.array([object()]), TypeError),
    (np.array([1 + 2j]), TypeError),
    ([float("nan")], ValueError),         # NaN / inf
    ([float("inf")], ValueError),
    (None, TypeError),
])
def test_bad_actions_box(bad, exc):
    env = rltool.make("pendulum-v1")
    env.reset(seed=0)
    before = env._obs.copy()
    with pytest.raises(exc):
        env.step(bad)
    assert np.array_equal(env._obs, before)  # state untouched
    env.step([0.0])  # still usable


@pytest.mark.parametrize("bad", [2, -1, 0.5, float("nan"), 10 ** 30, 10 ** 400])
def test_bad_actions_discrete(bad):
    env = rltool.make("cartpole-v1")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="cartpole-v1"):
        env.step(bad)
    env.step(1)
    env.step(np.int64(0))
    env.step(np.array([1]))
    env.step(1.0)


def test_bad_seed_and_reset_options():
    env = rltool.make("cartpole-v1")
    with pytest.raises(ValueError):
        env.reset(seed=-1)
    with pytest.raises(ValueError):
        env.reset(seed=2 ** 63)
    with pytest.raises(TypeError):
        env.reset(seed="1")
    with pytest.raises(ValueError, match="options"):
        env.reset(seed=0, options={"x": 1})
    env.reset(seed=np.int64(2 ** 62))


def test_close_twice_and_use_after_close():
    env = rltool.make("cartpole-v1")
    env.reset(seed=0)
    env.close()
    env.close()
    assert env.closed
    for call in (lambda: env.step(0), lambda: env.reset(seed=0), env.render):
        with pytest.raises(RuntimeError, match="closed"):
            call()
    with rltool.make("pendulum-v1") as e2:
        e2.reset(seed=0)
    assert e2.closed


def test_render_modes_are_checked():
    with pytest.raises(ValueError, match="render_mode"):
        rltool.make("cartpole-v1", render_mode="human")
    with pytest.raises(ValueError, match="render size"):
        rltool.make("cartpole-v1", render_mode="rgb_array").render(width=0)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_render_rgb_headless(env_id):
    """Classic tasks draw in software, MuJoCo tasks through EGL: no X server
    (make test unsets DISPLAY)."""
    env = rltool.make(env_id, render_mode="rgb_array")
    env.reset(seed=0)
    img = env.render(width=64, height=48)
    assert img.shape == (48, 64, 3) and img.dtype == np.uint8
    assert img.std() > 5, "frame is nearly uniform"


def test_swimmer_when_registered():
    if "swimmer-v1" not in rltool.registry():
        pytest.skip("swimmer-v1 is not registered in this build")
    env = rltool.make("swimmer-v1")
    obs, _ = env.reset(seed=0)
    assert env.action_space.shape[0] >= 2
    assert np.all(np.isfinite(obs))
    total = 0.0
    for _ in range(50):
        obs, r, term, trunc, info = env.step(np.zeros(env.action_space.shape, np.float32))
        total += r
        for name in env.info_names:
            assert name in info and math.isfinite(info[name])
    assert math.isfinite(total)
    assert env.metadata["render_fps"] and env.metadata["render_fps"] > 0
