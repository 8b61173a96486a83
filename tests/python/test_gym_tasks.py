"""The example task files (examples/gym/*.task) against Gymnasium's own v5
MuJoCo envs, loading the same XML files from the installed gymnasium package.

MuJoCo differs between Gymnasium's `mujoco` wheel and rltool's libmujoco, so
trajectories drift apart; these tests compare functions of one state instead:
both envs are put in the same state, rltool steps, and Gymnasium's physics
step is replaced by landing on rltool's resulting state, so both compute
observation, reward and termination from identical before/after states.
"""
import ctypes
import os
import sys
import types

import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("mujoco")
try:  # gymnasium.envs.mujoco imports imageio for video only
    import imageio  # noqa: F401
except ImportError:
    sys.modules["imageio"] = types.ModuleType("imageio")
gym = pytest.importorskip("gymnasium")
import mujoco  # noqa: E402

import rltool  # noqa: E402
from rltool import _lib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "examples", "gym")
ASSETS = os.path.join(os.path.dirname(gym.__file__), "envs", "mujoco", "assets")

PAIRS = [("half_cheetah", "HalfCheetah-v5"), ("hopper", "Hopper-v5"),
         ("walker2d", "Walker2d-v5"), ("ant", "Ant-v5"),
         ("inverted_pendulum", "InvertedPendulum-v5"),
         ("inverted_double_pendulum", "InvertedDoublePendulum-v5"),
         ("reacher", "Reacher-v5")]
TOL = 1e-4
DP = ctypes.POINTER(ctypes.c_double)


@pytest.fixture(scope="module", autouse=True)
def assets_env():
    old = os.environ.get("RLTOOL_GYM_ASSETS")
    os.environ["RLTOOL_GYM_ASSETS"] = ASSETS
    lib = _lib.load()
    for fn in (lib.rl_env_set_state, lib.rl_env_get_state):
        fn.argtypes = [ctypes.c_void_p, DP, ctypes.c_int, DP, ctypes.c_int]
        fn.restype = ctypes.c_int
    yield
    if old is None:
        os.environ.pop("RLTOOL_GYM_ASSETS", None)
    else:
        os.environ["RLTOOL_GYM_ASSETS"] = old


def set_state(env, q, v):
    q = np.ascontiguousarray(q, np.float64)
    v = np.ascontiguousarray(v, np.float64)
    rc = _lib.load().rl_env_set_state(env._env, q.ctypes.data_as(DP), len(q),
                                      v.ctypes.data_as(DP), len(v))
    if rc:
        raise _lib.last_error()


def get_state(env, nq, nv):
    q, v = np.zeros(nq), np.zeros(nv)
    rc = _lib.load().rl_env_get_state(env._env, q.ctypes.data_as(DP), nq,
                                      v.ctypes.data_as(DP), nv)
    if rc:
        raise _lib.last_error()
    return q, v


def states(g, n, seed):
    """States from Gymnasium's own reset, after some random steps (feet on
    the floor), and pushed far (falls, big speeds) so that terminations and
    clipping are exercised too. States whose pushed geoms sink more than 2 cm
    into others are skipped: there the two MuJoCo versions' soft contacts
    disagree about the physics, which is not what this test is about."""
    rng = np.random.default_rng(seed)
    k = made = 0
    while made < n:
        g.reset(seed=seed * 1000 + k)
        for _ in range(rng.integers(5, 40) if k % 3 == 1 else 0):
            g.step(g.action_space.sample())
        q, v = g.data.qpos.copy(), g.data.qvel.copy()
        if k % 3 == 2:
            q += rng.normal(0, 0.3, q.shape)
            v += rng.normal(0, 5, v.shape)
        k += 1
        g.set_state(q, v)
        if any(g.data.contact[i].dist < -0.02 for i in range(g.data.ncon)):
            continue
        made += 1
        yield q, v


@pytest.mark.parametrize("name,gym_id", PAIRS)
def test_example_matches_gymnasium(name, gym_id, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # MuJoCo's Python package logs warnings to ./MUJOCO_LOG.TXT
    g = gym.make(gym_id).unwrapped
    r = rltool.make(os.path.join(EXAMPLES, name + ".task"))
    m = g.model
    assert r.observation_space.shape == g.observation_space.shape
    assert r.action_space.shape == g.action_space.shape
    assert r.spec.max_episode_steps == gym.spec(gym_id).max_episode_steps
    lo, hi = g.action_space.low.astype(np.float64), g.action_space.high.astype(np.float64)
    rng = np.random.default_rng(1)
    landing = {}
    sample = list(states(g, 30, 7))  # with Gymnasium's own physics

    def land(ctrl, n_frames):  # Gymnasium's physics step, replaced
        g.data.ctrl[:] = ctrl
        g.set_state(*landing["state"])
        mujoco.mj_rnePostConstraint(m, g.data)

    g.do_simulation = land
    ends = 0
    for q, v in sample:
        r.reset(seed=0)  # its controls are zero now
        g.data.ctrl[:] = 0  # constraint forces depend on them
        g.set_state(q, v)
        set_state(r, q, v)
        if name != "ant":  # Gymnasium leaves cfrc_ext stale after set_state
            np.testing.assert_allclose(r._get_obs(), g._get_obs(), atol=TOL)
        act = rng.uniform(-1, 1, lo.shape).astype(np.float32)
        a = (lo + hi) / 2 + (hi - lo) / 2 * act.astype(np.float64)
        obs_r, rew_r, term_r, _, _ = r.step(act)
        landing["state"] = get_state(r, m.nq, m.nv)
        obs_g, rew_g, term_g, _, info_g = g.step(a)
        assert bool(term_r) == bool(term_g), (name, q, v)
        if name == "ant":
            # External contact forces are the engine's output, and MuJoCo
            # 2.2.2 and Gymnasium's newer MuJoCo give different ones for
            # contacts inside the geoms' margin. Compare everything else;
            # check that the contact cost is the task's function of
            # rltool's own (observed, clipped) forces.
            contact_r = r._info.extra[3]
            assert abs(contact_r + 5e-4 * np.sum(obs_r[27:].astype(np.float64) ** 2)) < 1e-6
            rew_r -= contact_r
            rew_g -= info_g["reward_contact"]
            obs_r, obs_g = obs_r[:27], obs_g[:27]
        assert abs(rew_r - rew_g) <= TOL * max(1.0, abs(rew_g)), (name, rew_r, rew_g)
        np.testing.assert_allclose(obs_r, obs_g, atol=TOL * max(1.0, np.abs(obs_g).max()))
        ends += bool(term_g)
    if name in ("hopper", "walker2d", "inverted_pendulum", "inverted_double_pendulum"):
        assert ends > 0, "no state in the sample ended the episode: termination untested"
    r.close()
    g.close()


def test_reacher_goal_is_drawn_in_the_disc():
    r = rltool.make(os.path.join(EXAMPLES, "reacher.task"))
    seen = []
    for s in range(200):
        obs, _ = r.reset(seed=s)
        tx, ty = obs[4], obs[5]  # qpos:target_x:target_y
        assert tx * tx + ty * ty < 0.2 ** 2
        q, v = get_state(r, 4, 4)
        assert v[2] == 0 and v[3] == 0  # the target does not drift
        seen.append((tx, ty))
    seen = np.array(seen)
    assert seen.std(axis=0).min() > 0.05  # spread over the disc, not a point
    r.close()
