"""rltool against the real Gymnasium (skipped when gymnasium is absent; `make
test` runs this module in a venv where it is required, with DISPLAY unset).

Covers: registration under rltool/ (plugins too: test_pyenv), spec round
trips, Gymnasium's own env checker on every task with and without
rgb_array, the standard wrappers and their vector versions over full
episodes, make_vec, and clear errors through the wrappers."""
import os
import warnings

import numpy as np
import pytest

gym = pytest.importorskip("gymnasium")
import rltool  # noqa: E402
from gymnasium.utils.env_checker import check_env  # noqa: E402
from gymnasium.wrappers import vector as vw  # noqa: E402

from conftest import ENV_IDS, episode_length  # noqa: E402

MUJOCO_ID = "swimmer-v1"
CLASSIC_IDS = ["cartpole-v1", "pendulum-v1"]


def _gid(task_id):
    return "rltool/" + task_id


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_reset_after_seeded_reset_continues_reproducibly(env_id):
    runs = []
    for _ in range(2):
        env = rltool.make(env_id)
        first, _ = env.reset(seed=1)
        second, _ = env.reset()          # continues the seeded stream
        third, _ = env.reset()
        runs.append((first, second, third))
        env.close()
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(runs[0][1], runs[0][2])   # a fresh draw, not a replay


def test_every_task_is_registered_under_the_namespace():
    ids = rltool.registry()
    assert MUJOCO_ID in ids and "cartpole-v1" in ids
    for tid in ids:
        spec = gym.spec(_gid(tid))
        assert spec.kwargs == {"env_id": tid}
        assert spec.vector_entry_point == "rltool._gym:make_vec"
    assert gym.spec("rltool/cartpole-v1").reward_threshold == 475
    assert gym.spec("rltool/cartpole-v1").max_episode_steps == 500
    assert gym.spec("rltool/pendulum-v1").max_episode_steps == 200
    # Importing again adds nothing (and warns about nothing).
    assert rltool._gym.register() == []


def test_make_passes_options_and_spec_round_trips():
    env = gym.make("rltool/swimmer-v1", links=8)
    direct = rltool.make("swimmer-v1", links=8)
    assert env.observation_space == direct.observation_space
    assert env.unwrapped.options["links"] == "8"
    spec = env.spec
    assert spec.kwargs["env_id"] == "swimmer-v1" and spec.kwargs["links"] == 8
    assert spec.max_episode_steps == 1000 and spec.reward_threshold == 500
    again = gym.make(spec)
    assert again.spec == spec
    assert spec.make().spec == spec
    # The spec of an env made by rltool.make makes the same env through gymnasium.
    from_direct = gym.make(direct.spec)
    assert from_direct.spec.kwargs == direct.spec.kwargs
    a = np.full(env.action_space.shape, 0.3, np.float32)
    finals = []
    for e in (env, again, from_direct, direct):
        o, _ = e.reset(seed=4)
        for _ in range(5):
            o, *_ = e.step(a)
        finals.append(o)
        e.close()
    for o in finals[1:]:
        np.testing.assert_array_equal(o, finals[0])


def test_max_episode_steps_sets_theepisode_length():
    # gymnasium.make's TimeLimit is the limit, longer or shorter than the
    # task's own 200 steps (the task used to end a 500-step episode at 200).
    gid = "rltool/pendulum-v1"
    assert episode_length(gym.make(gid)) == 200
    assert episode_length(gym.make(gid, max_episode_steps=500)) == 500
    assert episode_length(gym.make(gid, max_episode_steps=30)) == 30
    assert episode_length(gym.make(gid, max_steps=30)) == 30
    # An env made by rltool.make with its own limit keeps it through gymnasium.
    direct = rltool.make("pendulum-v1", max_steps=300)
    assert episode_length(gym.make(direct.spec)) == 300
    # A task limit longer than the TimeLimit cannot take effect: said, not silent.
    with pytest.warns(UserWarning, match="max_episode_steps=500"):
        env = gym.make(gid, max_steps=500)
    assert episode_length(env) == 200


def test_spec_of_an_unregistrable_id_still_round_trips(tmp_path):
    xml = tmp_path / "pm.xml"
    xml.write_text(POINT_MASS)
    env = rltool.make("mjcf:" + str(xml), reward="dist:tip:target*-1")
    assert env.spec.kwargs["env_id"] == "mjcf:" + str(xml)
    again = gym.make(env.spec)
    assert again.observation_space == env.observation_space
    again.close()
    env.close()


def _check(env_id, render_mode, caught):
    env = gym.make(_gid(env_id), render_mode=render_mode)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        check_env(env.unwrapped)
    caught.extend("%s%s: %s" % (env_id, " rgb_array" if render_mode else "", x.message)
                  for x in w)
    env.close()


def test_check_env_passes_on_every_task_headless():
    assert not os.environ.get("DISPLAY") or os.environ.get("RLTOOL_ALLOW_DISPLAY"), \
        "run without DISPLAY: rendering must not need an X server"
    caught = []
    for tid in rltool.registry():
        _check(tid, None, caught)
        _check(tid, "rgb_array", caught)
    # Printed for the record (pytest -s, or the report).
    print("\ncheck_env warnings (%d):" % len(caught))
    for line in caught:
        print("  " + line)
    # Only the note that Box observations are unbounded (-inf..inf) is expected.
    unexpected = [c for c in caught if "infinity" not in c]
    assert not unexpected, unexpected


def test_check_env_on_an_mjcf_task(tmp_path):
    xml = tmp_path / "pm.xml"
    xml.write_text(POINT_MASS)
    env = rltool.make("mjcf:" + str(xml), reward="dist:tip:target*-1", render_mode="rgb_array")
    assert env.metadata["render_fps"] == 100  # MuJoCo's default 2 ms x frame_skip 5
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        check_env(env)
    assert not [x for x in w if "fps" in str(x.message)], [str(x.message) for x in w]
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (480, 480, 3) and frame.std() > 5
    env.close()


# ------------------------------------------------------------ wrappers

def _stack(env_id, tmp_path):
    env = gym.make(_gid(env_id), render_mode="rgb_array", render_width=64, render_height=48)
    env = gym.wrappers.TimeLimit(env, 60)  # shorter than the task's own limit
    env = gym.wrappers.RecordEpisodeStatistics(env)
    env = gym.wrappers.RecordVideo(env, str(tmp_path / "video"), episode_trigger=lambda i: i == 0,
                                   disable_logger=True)
    if isinstance(env.action_space, gym.spaces.Box):
        # ClipAction last: it makes the outer action space unbounded.
        env = gym.wrappers.RescaleAction(env, np.float32(-2), np.float32(2))
        env = gym.wrappers.ClipAction(env)
    env = gym.wrappers.NormalizeObservation(env)
    env = gym.wrappers.NormalizeReward(env)
    env = gym.wrappers.FrameStackObservation(env, 3)
    return env


@pytest.mark.parametrize("env_id", [MUJOCO_ID] + CLASSIC_IDS)
def test_standard_wrappers_run_full_episodes(env_id, tmp_path):
    env = _stack(env_id, tmp_path)
    obs, _ = env.reset(seed=0)
    dim = env.unwrapped.observation_space.shape[0]
    assert obs.shape == (3, dim)
    env.action_space.seed(0)
    for episode in range(2):
        steps, ret = 0, 0.0
        while True:
            obs, r, term, trunc, info = env.step(env.action_space.sample())
            steps += 1
            assert obs.shape == (3, dim) and np.all(np.isfinite(obs))
            if term or trunc:
                break
        assert info["episode"]["l"] == steps <= 60
        if steps < 60:  # the task ended it: its own statistics agree
            assert info["rltool_episode"]["l"] == steps
        env.reset()
    env.close()
    videos = list((tmp_path / "video").glob("*.mp4"))
    assert videos and videos[0].stat().st_size > 1000, "RecordVideo wrote no mp4"


@pytest.mark.parametrize("env_id", [MUJOCO_ID, "cartpole-v1"])
def test_vector_wrappers_run_full_episodes(env_id):
    envs = gym.make_vec(_gid(env_id), num_envs=4, max_steps=40)
    envs = vw.RecordEpisodeStatistics(envs)
    if isinstance(envs.single_action_space, gym.spaces.Box):
        envs = vw.RescaleAction(envs, np.float32(-2), np.float32(2))
        envs = vw.ClipAction(envs)
    envs = vw.NormalizeObservation(envs)
    envs = vw.NormalizeReward(envs)
    envs.reset(seed=1)
    envs.action_space.seed(1)
    finished = np.zeros(4, bool)
    for _ in range(45):
        obs, r, term, trunc, infos = envs.step(envs.action_space.sample())
        assert obs.shape == (4,) + envs.single_observation_space.shape
        if "episode" in infos:
            mask = infos["_episode"]
            assert np.all(infos["episode"]["l"][mask] == infos["rltool_episode"]["l"][mask])
            finished |= mask
    assert finished.all()
    envs.close()


# ------------------------------------------------------------ vector envs

def test_make_vec_gives_an_rltool_vector_env():
    envs = gym.make_vec("rltool/pendulum-v1", num_envs=3, render_mode="rgb_array")
    assert isinstance(envs, rltool.VectorEnv) and isinstance(envs, gym.vector.VectorEnv)
    assert envs.num_envs == 3
    assert envs.single_observation_space.shape == (3,)
    assert envs.observation_space.shape == (3, 3)
    assert envs.action_space.shape == (3, 1)
    assert envs.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    assert envs.spec.kwargs["num_envs"] == 3
    obs, _ = envs.reset(seed=2)
    o2, *_ = envs.step(np.zeros((3, 1), np.float32))
    assert o2 is not obs  # copies by default, as gymnasium's own vector envs
    frames = envs.render()
    assert len(frames) == 3 and frames[0].shape == (480, 480, 3)
    envs.close()
    assert envs.closed
    envs.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_make_vec_sync_and_async_modes(mode):
    envs = gym.make_vec("rltool/cartpole-v1", num_envs=2, vectorization_mode=mode)
    obs, _ = envs.reset(seed=0)
    assert obs.shape == (2, 4)
    for _ in range(30):
        obs, r, term, trunc, infos = envs.step(np.array([1, 1]))
    assert obs.shape == (2, 4)
    envs.close()


# ------------------------------------------------------------ bad input

def test_bad_input_raises_clear_errors_through_wrappers():
    with pytest.raises(ValueError, match="links"):
        gym.make("rltool/swimmer-v1", linkz=8)
    with pytest.raises(ValueError, match="links"):
        gym.make("rltool/swimmer-v1", links=99)
    env = gym.wrappers.RecordEpisodeStatistics(gym.make("rltool/cartpole-v1"))
    with pytest.raises(gym.error.ResetNeeded):
        env.step(0)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="not an integer in"):
        env.step(5)
    with pytest.raises(TypeError):
        env.step("left")
    env = gym.wrappers.ClipAction(gym.make("rltool/pendulum-v1"))
    env.reset(seed=0)
    with pytest.raises(ValueError):
        env.step(np.array([np.nan], np.float32))
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="seed must be in"):
        env.reset(seed=-1)
    envs = vw.RecordEpisodeStatistics(gym.make_vec("rltool/pendulum-v1", num_envs=2))
    envs.reset(seed=0)
    with pytest.raises(ValueError, match="shape"):
        envs.step(np.zeros((3, 1), np.float32))
    envs.close()


POINT_MASS = """<mujoco model="pointmass">
  <compiler autolimits="true"/>
  <worldbody>
    <light pos="0 0 2"/>
    <geom type="plane" size="1 1 0.1" rgba=".8 .8 .8 1"/>
    <body name="mass" pos="0 0 0.1">
      <joint name="x" type="slide" axis="1 0 0" damping="1"/>
      <joint name="y" type="slide" axis="0 1 0" damping="1"/>
      <geom type="sphere" size="0.05" mass="1" rgba="1 0 0 1"/>
      <site name="tip" size="0.01"/>
    </body>
    <site name="target" pos="0.3 0.2 0.1" size="0.02"/>
  </worldbody>
  <actuator>
    <motor joint="x" ctrlrange="-1 1" gear="2"/>
    <motor joint="y" ctrlrange="-1 1" gear="2"/>
  </actuator>
</mujoco>
"""
