"""Without numpy the package still works (observations are lists)."""
import os
import subprocess
import sys

SCRIPT = r"""
import sys
sys.modules["numpy"] = None          # make `import numpy` fail
import rltool
env = rltool.make("cartpole-v1")
obs, info = env.reset(seed=0)
assert isinstance(obs, list) and len(obs) == 4 and all(isinstance(x, float) for x in obs)
obs, r, term, trunc, info = env.step(env.action_space.sample())
assert isinstance(obs, list) and r == 1.0
assert env.action_space.contains(1) and not env.action_space.contains(2)
for bad, exc in ((2, ValueError), ("x", TypeError), ([0, 1], ValueError), ([None], TypeError)):
    try:
        env.step(bad)
    except exc:
        pass
    else:
        raise SystemExit("no %s for %r" % (exc.__name__, bad))
p = rltool.make("pendulum-v1")
p.reset(seed=0)
o, r, *_ = p.step([0.25])
assert len(o) == 3 and isinstance(r, float)
assert p.action_space.contains([0.5]) and not p.action_space.contains([3.0])
try:
    p.step([float("nan")])
except ValueError:
    pass
else:
    raise SystemExit("NaN accepted")
try:
    rltool.VectorEnv("cartpole-v1", 2)
except ImportError:
    pass
else:
    raise SystemExit("VectorEnv without numpy")
print("ok")
"""


def test_works_without_numpy():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    r = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr
