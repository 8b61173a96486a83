"""How upright a trained locomotion policy keeps its torso: a run that
'wins' by flipping over (HalfCheetah on its back) shows up here, not in the
return. Plays 5 deterministic episodes of a run directory's final checkpoint
and prints the share of steps with the torso upright and the mean torso
angle from upright.

    python3 bench/gym_upright.py RUN_DIR

Planar walkers (HalfCheetah, Hopper, Walker2d): the torso's pitch is the
root hinge `rooty` (qpos[2]), upright while |pitch| < 90 degrees. Ant: the
free joint's quaternion (qpos[3:7]); upright while the torso's z axis points
up."""
import ctypes
import math
import re
import sys

import rltool
from rltool import _lib

DP = ctypes.POINTER(ctypes.c_double)


def torso_tilt(qpos):
    """Angle (rad) between the torso's up axis and the world's vertical."""
    if len(qpos) == 15:  # Ant: free joint first
        w, x, y, z = qpos[3:7]
        n = w * w + x * x + y * y + z * z
        up = 1 - 2 * (x * x + y * y) / n
        return math.acos(max(-1.0, min(1.0, up)))
    return abs(math.atan2(math.sin(qpos[2]), math.cos(qpos[2])))


def main(run):
    lib = _lib.load()
    lib.rl_env_get_state.argtypes = [ctypes.c_void_p, DP, ctypes.c_int, DP, ctypes.c_int]
    policy = rltool.load(run)
    env = policy.make_env()
    nq = nv = None
    upright = steps = 0
    tilt = 0.0
    for ep in range(5):
        obs, _ = env.reset(seed=1000 + ep)
        policy.reset()
        done = False
        while not done:
            obs, _, term, trunc, _ = env.step(policy.act(obs))
            done = term or trunc
            if nq is None:  # the sizes, from the message of a call with none
                lib.rl_env_get_state(env._env, None, 0, None, 0)
                msg = lib.rl_last_error().decode()
                nq, nv = (int(x) for x in re.findall(r"\((\d+)\)", msg)[:2])
            q, v = (ctypes.c_double * nq)(), (ctypes.c_double * nv)()
            lib.rl_env_get_state(env._env, q, nq, v, nv)
            t = torso_tilt(list(q))
            tilt += t
            upright += t < math.pi / 2
            steps += 1
    print("%s: torso upright on %.1f%% of %d steps, mean tilt %.0f deg"
          % (run, 100.0 * upright / steps, steps, math.degrees(tilt / steps)))
    env.close()
    policy.close()


if __name__ == "__main__":
    main(sys.argv[1])
