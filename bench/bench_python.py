#!/usr/bin/env python3
"""Python bindings vs C: throughput of a 64-env VectorEnv on every MuJoCo
task (and cartpole with 1024 envs), the cost of one single-env step call,
and headless rgb_array frames per second at 480x480 for each MuJoCo family,
measured in the same run (medians of --repeats, C and Python runs
interleaved so machine load hits both alike).

    RLTOOL_LIB=build/librltool.so PYTHONPATH=bindings/python \\
        build/venv/bin/python bench/bench_python.py [--build build] [--envs 64]
        [--threads 2] [--ids cartpole-v1,swimmer-v1] [--repeats 5]
        [--cartpole-envs 1024] [--no-render]

"Python" steps rltool.VectorEnv (numpy views of the C buffers); "gymnasium"
steps the env gymnasium.make_vec("rltool/ID") returns, which copies its
outputs as gymnasium's own vector envs do.

The C side is bench_vec_c (bench/bench_vec_c.c) from the build folder. Both
sides copy pre-generated random actions (a pool of 16 batches) into the C
action buffer, then step; Python's cost of drawing actions with numpy each
step is reported separately. Prints a markdown table.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))

import numpy as np  # noqa: E402

POOL = 16
# Batch steps per run: about half a second each on 2 cores.
DEFAULT_STEPS = {"cartpole-v1": 20000, "pendulum-v1": 20000}
OTHER_STEPS = 400
SINGLE_STEPS = 200000


def c_run(exe, *args):
    out = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return float(line.split()[-1])
    raise RuntimeError("no RESULT line from %s: %s" % (exe, out.stdout + out.stderr))


def py_vec(rltool, env_id, n, threads, steps, with_rng=False, gym_make=False):
    if gym_make:
        import gymnasium
        vec = gymnasium.make_vec("rltool/" + env_id, num_envs=n, num_threads=threads)
    else:
        vec = rltool.VectorEnv(env_id, n, num_threads=threads)
    space = vec.action_space
    space.seed(1)
    pool = [np.asarray(space.sample()) for _ in range(POOL)]
    vec.reset(seed=0)
    step = vec.step
    for t in range(steps // 10 + 1):
        step(pool[t % POOL])
    if with_rng:
        rng = np.random.default_rng(0)
        single = vec.single_action_space
        if hasattr(single, "n"):
            draw = lambda: rng.integers(0, single.n, size=n)  # noqa: E731
        else:
            shape = space.shape
            draw = lambda: rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)  # noqa: E731
        t0 = time.perf_counter()
        for t in range(steps):
            step(draw())
    else:
        t0 = time.perf_counter()
        for t in range(steps):
            step(pool[t & 15])
    dt = time.perf_counter() - t0
    vec.close()
    return steps * n / dt


def py_single(rltool, env_id, steps):
    env = rltool.make(env_id)
    space = env.action_space
    space.seed(1)
    pool = [space.sample() for _ in range(POOL)]
    if hasattr(space, "n"):
        pool = [int(a) for a in pool]
    env.reset(seed=0)
    step, reset = env.step, env.reset
    t0 = time.perf_counter()
    for t in range(steps):
        _, _, term, trunc, _ = step(pool[t & 15])
        if term or trunc:
            reset()
    return (time.perf_counter() - t0) * 1e6 / steps


def frames_per_sec(rltool, env_id, size, frames):
    """Headless rgb_array frames/s (DISPLAY unset: EGL), one step per frame."""
    env = rltool.make(env_id, render_mode="rgb_array", render_width=size, render_height=size)
    env.reset(seed=0)
    zero = np.zeros(env.action_space.shape, np.float32)
    env.render()  # context and scene set-up, not timed
    t0 = time.perf_counter()
    for _ in range(frames):
        _, _, term, trunc, _ = env.step(zero)
        if term or trunc:
            env.reset()
        env.render()
    fps = frames / (time.perf_counter() - t0)
    env.close()
    return fps


# One task per MuJoCo family for the frame rates.
RENDER_IDS = ["swimmer-v1", "quadrotor-hover-v1", "hand-rotate-v1"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=None, help="build folder with bench_vec_c")
    ap.add_argument("--envs", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ids", default=None, help="comma-separated ids (default: cartpole-v1 "
                    "and swimmer-v1 when registered)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=None, help="batch steps per run")
    ap.add_argument("--cartpole-envs", type=int, default=1024)
    ap.add_argument("--no-render", action="store_true")
    a = ap.parse_args()
    os.environ.pop("DISPLAY", None)  # frames must come from EGL

    build = a.build
    if build is None:
        lib = os.environ.get("RLTOOL_LIB")
        build = os.path.dirname(lib) if lib else os.path.join(ROOT, "build")
    exe = os.path.join(build, "bench_vec_c")
    if not os.path.exists(exe):
        sys.exit("bench_python: %s not found; build it (cmake --build %s)" % (exe, build))
    os.environ.setdefault("RLTOOL_LIB", os.path.join(build, "librltool.so"))
    import rltool

    mujoco = [i for i in rltool.registry() if rltool.info(i)["render"]
              and i not in ("cartpole-v1", "pendulum-v1")]
    runs = ([(i, a.envs) for i in a.ids.split(",")] if a.ids else
            [(i, a.envs) for i in mujoco] + [("cartpole-v1", a.cartpole_envs)])
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print("librltool: %s, %d threads, median of %d, load average %s\n"
          % (rltool.library_path(), a.threads, a.repeats, " ".join(load)))
    print("| task | envs | C env steps/s | Python env steps/s | Python / C | "
          "Python incl. numpy RNG / C | gymnasium.make_vec / C |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for env_id, n in runs:
        steps = a.steps or DEFAULT_STEPS.get(env_id, OTHER_STEPS)
        if n > 64:
            steps = max(steps * 64 // n, 200)
        cs, ps, prs, gs = [], [], [], []
        for _ in range(a.repeats):
            cs.append(c_run(exe, env_id, n, a.threads, steps))
            ps.append(py_vec(rltool, env_id, n, a.threads, steps))
            prs.append(py_vec(rltool, env_id, n, a.threads, steps, with_rng=True))
            gs.append(py_vec(rltool, env_id, n, a.threads, steps, gym_make=True))
        c, p, pr, g = map(statistics.median, (cs, ps, prs, gs))
        print("| %s | %d | %.0f | %.0f | %.3f | %.3f | %.3f |"
              % (env_id, n, c, p, p / c, pr / c, g / c))
        sys.stdout.flush()

    print("\n| single env | C us/step | Python us/step | Python overhead us/call |")
    print("|---|---:|---:|---:|")
    for env_id in ["cartpole-v1"]:
        cs, ps = [], []
        for _ in range(a.repeats):
            cs.append(c_run(exe, env_id, 1, 1, SINGLE_STEPS * 5, "--single"))
            ps.append(py_single(rltool, env_id, SINGLE_STEPS))
        c, p = statistics.median(cs), statistics.median(ps)
        print("| %s | %.3f | %.2f | %.2f |" % (env_id, c, p, p - c))

    if a.no_render:
        return
    print("\n| headless rgb_array (EGL, no X server) | 480x480 frames/s |")
    print("|---|---:|")
    for env_id in [i for i in RENDER_IDS if i in rltool.registry()]:
        fps = statistics.median(frames_per_sec(rltool, env_id, 480, 40)
                                for _ in range(a.repeats))
        print("| %s | %.1f |" % (env_id, fps))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
