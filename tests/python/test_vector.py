"""rltool.VectorEnv: shapes, shared buffers, parity with single envs and a
direct ctypes loop, next-step autoreset, errors."""
import ctypes
import gc

import numpy as np
import pytest

import rltool
from conftest import ENV_IDS


def random_actions(space, n, seed):
    space.seed(seed)
    return [np.asarray(space.sample()) for _ in range(n)]


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_shapes_and_spaces(env_id):
    n = 5
    with rltool.VectorEnv(env_id, n, num_threads=2) as v:
        single = rltool.make(env_id)
        od = single.observation_space.shape[0]
        assert v.num_envs == n and v.num_threads == 2
        assert v.single_observation_space.shape == (od,)
        assert v.observation_space.shape == (n, od)
        assert v.action_space.shape == (n,) + single.action_space.shape
        obs, info = v.reset(seed=0)
        assert obs.shape == (n, od) and obs.dtype == np.float32 and info == {}
        obs, rew, term, trunc, infos = v.step(v.action_space.sample())
        assert rew.shape == (n,) and rew.dtype == np.float32
        assert term.dtype == np.bool_ and trunc.dtype == np.bool_ and term.shape == (n,)
        assert isinstance(infos, dict)


def test_buffers_are_shared_not_copied():
    v = rltool.VectorEnv("pendulum-v1", 4, num_threads=1)
    obs0, _ = v.reset(seed=0)
    obs1, rew1, *_ = v.step(np.zeros((4, 1), np.float32))
    obs2, rew2, *_ = v.step(np.zeros((4, 1), np.float32))
    assert obs0 is obs1 is obs2 and rew1 is rew2
    assert np.shares_memory(obs1, v._obs)
    assert obs1.ctypes.data == ctypes.cast(v._lib.rl_vec_obs(v._vec), ctypes.c_void_p).value
    # copy=True hands out fresh arrays instead.
    c = rltool.VectorEnv("pendulum-v1", 4, copy=True)
    a, _ = c.reset(seed=0)
    b, *_ = c.step(np.zeros((4, 1)))
    assert not np.shares_memory(a, b)


def test_arrays_survive_close():
    v = rltool.VectorEnv("cartpole-v1", 8)
    obs, _ = v.reset(seed=0)
    v.close()
    v.close()
    gc.collect()
    assert obs.shape == (8, 4) and np.isfinite(obs).all()  # still valid memory
    with pytest.raises(RuntimeError, match="after close"):
        v.step(np.zeros(8, np.int64))
    with pytest.raises(RuntimeError, match="after close"):
        v.reset(seed=0)
    del obs
    gc.collect()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_env0_matches_single_env_and_thread_count(env_id):
    single = rltool.make(env_id)
    acts = random_actions(single.action_space, 250, 7)
    outs = []
    for threads in (1, 3):
        v = rltool.VectorEnv(env_id, 3, num_threads=threads, copy=True)
        obs, _ = v.reset(seed=11)
        traj = [obs]
        for a in acts:
            batch = np.stack([a, a, a])
            obs, rew, term, trunc, _ = v.step(batch)
            traj.append(np.concatenate([obs.ravel(), rew, term, trunc]))
        outs.append(traj)
    for x, y in zip(*outs):
        assert np.array_equal(x, y)
    # Env 0 of the batch follows the single env (same seed, same actions),
    # including next-step autoreset = reset() after the episode ended.
    o, _ = single.reset(seed=11)
    v = rltool.VectorEnv(env_id, 2, copy=True)
    vo, _ = v.reset(seed=11)
    assert np.array_equal(o, vo[0])
    needs_reset = False
    for a in acts:
        if needs_reset:
            o, _ = single.reset()
            r, term, trunc = 0.0, False, False
            needs_reset = False
        else:
            o, r, term, trunc, _ = single.step(a)
            needs_reset = term or trunc
        vo, vr, vt, vtr, _ = v.step(np.stack([a, a]))
        assert np.array_equal(o, vo[0]) and r == vr[0]
        assert (term, trunc) == (vt[0], vtr[0])


def test_python_matches_direct_ctypes_loop(lib):
    """The same seed and actions through rltool.make and through raw C calls."""
    env_id = "pendulum-v1"
    env = rltool.make(env_id)
    acts = random_actions(env.action_space, 100, 3)
    raw = lib.rl_env_make(env_id.encode(), b"")
    try:
        assert lib.rl_env_reset(raw, 5) == 0
        obs, _ = env.reset(seed=5)
        p = lib.rl_env_obs(raw)
        assert np.array_equal(obs, np.ctypeslib.as_array(p, shape=(3,)))
        buf = (ctypes.c_float * 1)()
        for a in acts:
            buf[0] = float(a[0])
            assert lib.rl_env_step(raw, buf) == 0
            obs, r, term, trunc, _ = env.step(a)
            assert np.array_equal(obs, np.ctypeslib.as_array(p, shape=(3,)))
            assert r == lib.rl_env_reward(raw)
            assert term == bool(lib.rl_env_terminated(raw))
    finally:
        lib.rl_env_free(raw)


def test_next_step_autoreset_semantics():
    n = 3
    v = rltool.VectorEnv("cartpole-v1", n, max_steps=4)
    ref = rltool.make("cartpole-v1", max_steps=4)
    obs, _ = v.reset(seed=9)
    ref.reset(seed=9)
    for t in range(4):
        obs, rew, term, trunc, infos = v.step(np.ones(n, np.int64))
        ref.step(1)
    # Step 4 ended every episode by the time limit.
    assert trunc.all() and not term.any()
    assert infos["_rltool_episode"].all()
    assert list(infos["rltool_episode"]["l"]) == [4] * n
    assert np.allclose(infos["rltool_episode"]["r"], 4.0)
    # The next step ignores the actions and resets: first obs, reward 0, flags clear.
    expect, _ = ref.reset()
    obs, rew, term, trunc, infos = v.step(np.array([0, 1, 0]))
    assert np.array_equal(obs[0], expect)
    assert (rew == 0).all() and not term.any() and not trunc.any()
    assert "rltool_episode" not in infos
    # Then it goes on normally.
    obs, rew, term, trunc, infos = v.step(np.zeros(n, np.int64))
    assert (rew == 1).all()


def test_unstable_flags_reach_infos():
    # The C env sets info.sim_unstable when a simulation blows up (and ends
    # the episode); here the flag is written into the C info buffer by hand
    # for one of the envs whose episode just ended.
    n = 6
    v = rltool.VectorEnv("cartpole-v1", n, max_steps=3)
    v.reset(seed=1)
    for _ in range(3):
        obs, rew, term, trunc, infos = v.step(np.zeros(n, np.int64))
    assert (term | trunc).all() and "sim_unstable" not in infos
    v._c_info_array[4].sim_unstable = 1
    infos = v._infos()
    assert list(infos["sim_unstable"]) == [False] * 4 + [True, False]
    assert list(infos["_sim_unstable"]) == list(infos["sim_unstable"])
    assert infos["_rltool_episode"].all()


def test_same_step_autoreset_option():
    v = rltool.VectorEnv("cartpole-v1", 2, max_steps=2, autoreset="same_step")
    v.reset(seed=0)
    v.step(np.zeros(2, np.int64))
    obs, rew, term, trunc, infos = v.step(np.zeros(2, np.int64))
    assert trunc.all() and infos["_final_obs"].all()
    assert not np.array_equal(obs, infos["final_obs"])
    with pytest.raises(ValueError):
        rltool.VectorEnv("cartpole-v1", 2, autoreset="sometimes")


def test_vector_bad_input():
    v = rltool.VectorEnv("pendulum-v1", 4)
    v.reset(seed=0)
    before = v._obs.copy()
    with pytest.raises(ValueError, match="shape"):
        v.step(np.zeros(4))
    with pytest.raises(ValueError, match="shape"):
        v.step(np.zeros((3, 1)))
    with pytest.raises(TypeError):
        v.step(np.array([["a"]] * 4))
    with pytest.raises(TypeError):
        v.step([[object()]] * 4)
    bad = np.zeros((4, 1))
    bad[2, 0] = np.nan
    with pytest.raises(ValueError, match="env 2.*NaN"):
        v.step(bad)
    assert np.array_equal(v._obs, before)  # no env moved
    with pytest.raises(TypeError):
        v.reset(seed=[1, 2, 3, 4])
    with pytest.raises(ValueError):
        rltool.VectorEnv("pendulum-v1", 0)
    with pytest.raises(ValueError, match="unknown env id"):
        rltool.VectorEnv("nope-v1", 2)
    with pytest.raises(ValueError, match="unknown option"):
        rltool.VectorEnv("pendulum-v1", 2, wat=3)
    c = rltool.VectorEnv("cartpole-v1", 2)
    c.reset(seed=0)
    with pytest.raises(ValueError, match="not an integer"):
        c.step(np.array([0, 5]))
    with pytest.raises(ValueError, match="not an integer"):
        c.step(np.array([0.5, 1.0]))
    c.step(np.array([True, False]))


def test_vector_seeding_is_reproducible():
    a = rltool.VectorEnv("pendulum-v1", 4, copy=True)
    b = rltool.VectorEnv("pendulum-v1", 4, copy=True)
    oa, _ = a.reset(seed=123)
    ob, _ = b.reset(seed=123)
    assert np.array_equal(oa, ob)
    assert len({tuple(r) for r in oa}) == 4  # envs use distinct streams
    acts = random_actions(a.action_space, 50, 0)
    for act in acts:
        ra = a.step(act)
        rb = b.step(act)
        assert np.array_equal(ra[0], rb[0]) and np.array_equal(ra[1], rb[1])
