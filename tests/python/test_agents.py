"""rltool.train / load / evaluate. Skipped while librltool lacks the agent
symbols (they land with the agents issue); they run as soon as it has them."""
import os

import numpy as np
import pytest

import rltool
from rltool import _lib

_NEEDED = ("rl_train", "rl_agent_load", "rl_agent_act", "rl_evaluate")
_MISSING = [s for s in _NEEDED if not _lib.has(s)]
pytestmark = pytest.mark.skipif(
    bool(_MISSING), reason="librltool (%s) does not export %s yet"
    % (_lib.find_library(), ", ".join(_MISSING)))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("runs") / "cartpole-ppo")
    calls = []
    res = rltool.train("cartpole-v1", agent="ppo", steps=4096, seed=1, out=out, n_envs=4,
                       progress=False, callback=calls.append)
    return out, res, calls


def test_train_runs_and_reports(trained):
    out, res, calls = trained
    assert res["out"] == out and os.path.isdir(out)
    assert calls and calls[-1]["done"]
    assert res["step"] >= 4096 or res["step"] == res["total_steps"]


def test_load_and_act(trained):
    out, _, _ = trained
    pol = rltool.load(out)
    assert pol.env_id == "cartpole-v1" and pol.obs_dim == 4
    env = pol.make_env()
    obs, _ = env.reset(seed=0)
    a = pol.act(obs)
    assert isinstance(a, int) and env.action_space.contains(a)
    assert pol.act(obs) == a  # deterministic
    batch = np.stack([obs] * 5)
    acts = pol.act(batch)
    assert acts.shape == (5,) and (acts == a).all()
    pol.act(obs, deterministic=False)
    pol.reset()
    total = 0.0
    for _ in range(100):
        obs, r, term, trunc, _ = env.step(pol.act(obs))
        total += r
        if term or trunc:
            break
    assert total > 0
    with pytest.raises(ValueError, match="shape"):
        pol.act(np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        pol.act(np.full(4, np.nan))
    with pytest.raises(TypeError):
        pol.act(["a", "b", "c", "d"])
    pol.close()
    pol.close()
    with pytest.raises(RuntimeError, match="closed"):
        pol.act(obs)


def test_evaluate(trained):
    out, _, _ = trained
    r = rltool.evaluate(out, episodes=3, seed=0)
    assert r["episodes"] == 3 and r["mean_length"] > 0
    assert r["min_return"] <= r["mean_return"] <= r["max_return"]
    with rltool.load(out) as pol:
        r2 = rltool.evaluate(pol, episodes=3, seed=0)
    assert r2["mean_return"] == r["mean_return"]
    with pytest.raises(ValueError):
        rltool.evaluate(out, episodes=0)


def test_callback_stops_training(tmp_path):
    seen = []

    def stop(p):
        seen.append(p)
        return True

    res = rltool.train("cartpole-v1", agent="ppo", steps=10 ** 7, seed=2,
                       out=str(tmp_path / "stopped"), n_envs=2, progress=False,
                       callback=stop)
    assert res["step"] < 10 ** 7
    rltool.load(res["out"]).close()


def test_keyboard_interrupt_in_callback(tmp_path, capsys):
    def interrupt(p):
        raise KeyboardInterrupt

    out = str(tmp_path / "interrupted")
    with pytest.raises(KeyboardInterrupt):
        rltool.train("cartpole-v1", agent="ppo", steps=10 ** 7, seed=3, out=out, n_envs=2,
                     progress=True, callback=interrupt)
    assert "step" in capsys.readouterr().err
    rltool.load(out).close()  # the final checkpoint was still written


def test_train_bad_input(tmp_path):
    with pytest.raises(ValueError):
        rltool.train("cartpole-v1", agent="nope", steps=100, out=str(tmp_path / "a"),
                     progress=False)
    with pytest.raises(ValueError):
        rltool.train("cartpole-v1", agent="ppo", steps=100, out=str(tmp_path / "b"),
                     progress=False, not_a_hparam=1)
    with pytest.raises(ValueError):
        rltool.train("nope-v1", steps=100, out=str(tmp_path / "c"), progress=False)
    with pytest.raises(ValueError):
        rltool.train("cartpole-v1", steps=-5, progress=False)


def _checkpoint_file(run_dir):
    if os.path.isfile(run_dir):
        return run_dir
    found = []
    for root, _, files in os.walk(run_dir):
        found += [os.path.join(root, f) for f in files
                  if not f.endswith((".csv", ".txt", ".json", ".cfg", ".log"))]
    assert found, "no checkpoint file under %s" % run_dir
    return sorted(found, key=os.path.getsize)[-1]


def test_corrupted_checkpoint(trained, tmp_path):
    out, _, _ = trained
    data = bytearray(open(_checkpoint_file(out), "rb").read())
    flipped = tmp_path / "flipped.ckpt"
    data[len(data) // 2] ^= 0x5A
    flipped.write_bytes(bytes(data))
    with pytest.raises(RuntimeError):
        rltool.load(str(flipped))
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(bytes(data[: len(data) // 3]))
    with pytest.raises(RuntimeError):
        rltool.load(str(truncated))
    garbage = tmp_path / "garbage.ckpt"
    garbage.write_bytes(b"not a checkpoint\n" * 10)
    with pytest.raises(rltool.CorruptFileError):
        rltool.load(str(garbage))
    with pytest.raises(FileNotFoundError):
        rltool.load(str(tmp_path / "missing.ckpt"))
    with pytest.raises(TypeError):
        rltool.load(42)
