"""Run directories from Python: resuming on another env is refused with a
message (it once read freed memory), an existing run is not replaced without
overwrite=True, resume=DIR continues in place, and a second trainer on a
locked directory is refused."""
import os
import subprocess
import sys
import time

import pytest

import rltool


def _train(out, **kw):
    kw.setdefault("steps", 2048)
    kw.setdefault("progress", False)
    return rltool.train("pendulum-v1", agent="ppo", seed=1, out=out, n_envs=2, n_threads=1,
                        rollout=64, epochs=1, **kw)


def test_resume_on_another_env_is_refused(tmp_path):
    out = str(tmp_path / "run")
    _train(out)
    with pytest.raises(ValueError, match="cannot resume a pendulum-v1 run on cartpole-v1"):
        rltool.train("cartpole-v1", agent="ppo", steps=8192, resume=out, n_threads=1,
                     progress=False)


def test_existing_run_and_resume(tmp_path):
    out = str(tmp_path / "run")
    _train(out)
    with pytest.raises(ValueError, match="already holds a run"):
        _train(out)
    res = rltool.train("pendulum-v1", agent="ppo", steps=4096, resume=out, n_threads=1,
                       progress=False)
    assert res["out"] == out and res["step"] >= 4096
    steps = [int(line.split(",")[0]) for line in open(os.path.join(out, "metrics.csv"))
             if not line.startswith("step,")]
    assert steps == sorted(set(steps))
    _train(out, overwrite=True)  # replaced: back to the first budget
    assert rltool.load(out) is not None


def test_locked_directory(tmp_path):
    out = str(tmp_path / "run")
    code = ("import rltool; rltool.train('pendulum-v1', agent='ppo', steps=10**8, out=%r, "
            "n_threads=1, progress=False)" % out)
    child = subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ))
    try:
        for _ in range(600):
            if os.path.exists(os.path.join(out, "config.txt")):
                break
            time.sleep(0.05)
        with pytest.raises(rltool.Error, match="in use by another trainer \\(pid %d\\)" % child.pid):
            _train(out, overwrite=True)
    finally:
        child.kill()
        child.wait()


def test_nul_in_strings_is_refused(tmp_path):
    with pytest.raises(ValueError, match="NUL"):
        rltool.make("cartpole-v1\0extra")
    with pytest.raises(ValueError, match="NUL"):
        _train(str(tmp_path / "run\0other"))


def test_progress_cadence_off_a_terminal(tmp_path, capsys):
    # Like the CLI: off a terminal, one line every 10 s plus the final one.
    t0 = time.time()
    _train(str(tmp_path / "run"), steps=60000, progress=True)
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("[rltool]")]
    assert 1 <= len(lines) <= 2 + int((time.time() - t0) / 10), lines
    assert "100%" in lines[-1] and "/60000 " in lines[-1]  # capped at the budget
