"""How upright a trained locomotion policy keeps its torso: a run that
'wins' by flipping over (HalfCheetah on its back) shows up here, not in the
return. Plays 5 deterministic episodes of a run directory's final checkpoint
and prints the share of steps with the torso upright and the mean torso
angle from upright.

    python3 bench/gym_upright.py RUN_DIR [GYMNASIUM_ID [EPISODES]]

With GYMNASIUM_ID (e.g. HalfCheetah-v5; needs the gymnasium and mujoco
packages) the same policy also plays EPISODES (default 5) episodes of Gymnasium's own env,
whose observation layout the example task files reproduce, and the mean
return there is printed too: the figure to compare with published
results, from Gymnasium's reward and termination, whatever task file the
policy was trained on.

Planar walkers (HalfCheetah, Hopper, Walker2d): the torso's pitch is the
root hinge `rooty` (qpos[2]), upright while |pitch| < 90 degrees. Ant: the
free joint's quaternion (qpos[3:7]); upright while the torso's z axis points
up."""
import ctypes
import math
import re
import sys
import types

import rltool
from rltool import _lib

DP = ctypes.POINTER(ctypes.c_double)
EPISODES = 5


def torso_tilt(qpos):
    """Angle (rad) between the torso's up axis and the world's vertical."""
    if len(qpos) == 15:  # Ant: free joint first
        w, x, y, z = qpos[3:7]
        n = w * w + x * x + y * y + z * z
        up = 1 - 2 * (x * x + y * y) / n
        return math.acos(max(-1.0, min(1.0, up)))
    return abs(math.atan2(math.sin(qpos[2]), math.cos(qpos[2])))


class Tally:
    def __init__(self):
        self.upright = self.steps = 0
        self.tilt = 0.0
        self.returns = []

    def add(self, qpos):
        t = torso_tilt(list(qpos))
        self.tilt += t
        self.upright += t < math.pi / 2
        self.steps += 1

    def line(self, what):
        n = len(self.returns)
        mean = sum(self.returns) / n
        sd = math.sqrt(sum((r - mean) ** 2 for r in self.returns) / n)
        return ("%s: return %.1f +- %.1f (%d episodes), torso upright on %.1f%% of %d steps, "
                "mean tilt %.0f deg" % (what, mean, sd, n, 100.0 * self.upright / self.steps,
                                        self.steps, math.degrees(self.tilt / self.steps)))


def play(env, policy, qpos, episodes=EPISODES):
    """`episodes` deterministic episodes of policy in env; qpos() reads the
    state after each step."""
    tally = Tally()
    for ep in range(episodes):
        obs, _ = env.reset(seed=1000 + ep)
        policy.reset()
        done, ret = False, 0.0
        while not done:
            obs, r, term, trunc, _ = env.step(policy.act(obs))
            ret += r
            done = term or trunc
            tally.add(qpos())
        tally.returns.append(ret)
    env.close()
    return tally


def rltool_qpos(lib, env):
    """A reader of an rltool env's qpos (sizes from the message of a call
    with none)."""
    lib.rl_env_get_state(env._env, None, 0, None, 0)
    nq, nv = (int(x) for x in re.findall(r"\((\d+)\)", lib.rl_last_error().decode())[:2])
    q, v = (ctypes.c_double * nq)(), (ctypes.c_double * nv)()

    def read():
        lib.rl_env_get_state(env._env, q, nq, v, nv)
        return q
    return read


def main(run, gym_id=None, episodes=EPISODES):
    lib = _lib.load()
    lib.rl_env_get_state.argtypes = [ctypes.c_void_p, DP, ctypes.c_int, DP, ctypes.c_int]
    policy = rltool.load(run)
    env = policy.make_env()
    env.reset(seed=0)
    print(play(env, policy, rltool_qpos(lib, env)).line(run + " (its task file)"))
    if gym_id:
        try:  # gymnasium.envs.mujoco imports imageio, for video only
            import imageio  # noqa: F401
        except ImportError:
            sys.modules["imageio"] = types.ModuleType("imageio")
        import gymnasium
        gym_env = gymnasium.make(gym_id)
        print(play(gym_env, policy, lambda: gym_env.unwrapped.data.qpos, int(episodes)).line(
            run + " in Gymnasium's " + gym_id))
    policy.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
