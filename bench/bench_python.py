#!/usr/bin/env python3
"""Python bindings vs C: throughput of a 64-env VectorEnv and the cost of
one single-env step call, measured in the same run (medians of 5, C and
Python runs interleaved so machine load hits both alike).

    RLTOOL_LIB=build/librltool.so PYTHONPATH=bindings/python \\
        /usr/bin/python3 bench/bench_python.py [--build build] [--envs 64]
        [--threads 2] [--ids cartpole-v1,swimmer-v1] [--repeats 5]

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


def py_vec(rltool, env_id, n, threads, steps, with_rng=False):
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=None, help="build folder with bench_vec_c")
    ap.add_argument("--envs", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ids", default=None, help="comma-separated ids (default: cartpole-v1 "
                    "and swimmer-v1 when registered)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=None, help="batch steps per run")
    a = ap.parse_args()

    build = a.build
    if build is None:
        lib = os.environ.get("RLTOOL_LIB")
        build = os.path.dirname(lib) if lib else os.path.join(ROOT, "build")
    exe = os.path.join(build, "bench_vec_c")
    if not os.path.exists(exe):
        sys.exit("bench_python: %s not found; build it (cmake --build %s)" % (exe, build))
    os.environ.setdefault("RLTOOL_LIB", os.path.join(build, "librltool.so"))
    import rltool

    ids = a.ids.split(",") if a.ids else ["cartpole-v1"] + [
        i for i in ("swimmer-v1",) if i in rltool.registry()]
    print("librltool: %s, %d envs, %d threads, median of %d\n"
          % (rltool.library_path(), a.envs, a.threads, a.repeats))
    print("| task | C env steps/s | Python env steps/s | Python / C | Python incl. numpy RNG "
          "/ C |")
    print("|---|---:|---:|---:|---:|")
    for env_id in ids:
        steps = a.steps or DEFAULT_STEPS.get(env_id, OTHER_STEPS)
        cs, ps, prs = [], [], []
        for _ in range(a.repeats):
            cs.append(c_run(exe, env_id, a.envs, a.threads, steps))
            ps.append(py_vec(rltool, env_id, a.envs, a.threads, steps))
            prs.append(py_vec(rltool, env_id, a.envs, a.threads, steps, with_rng=True))
        c, p, pr = map(statistics.median, (cs, ps, prs))
        print("| %s | %.0f | %.0f | %.3f | %.3f |" % (env_id, c, p, p / c, pr / c))
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


if __name__ == "__main__":
    main()
