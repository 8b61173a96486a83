"""rltool: MuJoCo reinforcement-learning tasks and agents from librltool, via ctypes.

    import rltool
    env = rltool.make("cartpole-v1")
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())

    vec = rltool.VectorEnv("swimmer-v1", num_envs=64)   # stepped in C threads
    rltool.train("cartpole-v1", agent="ppo", steps=50_000, out="runs/cp")
    policy = rltool.load("runs/cp"); policy.act(obs)
    rltool.train(MyPythonEnv(), agent="ppo")   # a Gymnasium-style env (rltool.pyenv)
    rltool.load_plugin("./libmytask.so")       # tasks written in C (examples/mytask)

With gymnasium installed, importing rltool registers every task under
`rltool/`: gymnasium.make("rltool/swimmer-v1", links=8),
gymnasium.make_vec("rltool/cartpole-v1", num_envs=64) (an rltool.VectorEnv).

librltool is found through RLTOOL_LIB, this package's folder, a build/
folder above it, or the installed location (see rltool._lib).
"""
from ._lib import (CorruptFileError, Error, InvalidArgumentError, LibraryError,
                   NotFoundError, StateError, find_library, library_path)
from .agents import Policy, evaluate, load, train
from .env import Env, EnvSpec, info, make, registry
from .vector import VectorEnv
from .pyenv import load_plugin
from . import _gym

# With gymnasium installed, every task becomes gymnasium.make("rltool/ID").
_gym.register()

__version__ = "0.1.0"


def lib_version():
    """librltool's version string."""
    from ._lib import load as _load
    return _load().rl_version().decode()


__all__ = ["make", "Env", "EnvSpec", "VectorEnv", "registry", "info", "train", "load",
           "evaluate", "Policy", "Error", "InvalidArgumentError", "NotFoundError",
           "CorruptFileError", "StateError", "LibraryError", "find_library",
           "library_path", "lib_version", "__version__", "load_plugin"]
