import os
import sys

import pytest

# Run from a checkout without installing: make test-python sets PYTHONPATH,
# this covers a bare `python3 -m pytest tests/python`.
_HERE = os.path.dirname(os.path.abspath(__file__))
_PKG = os.path.join(_HERE, "..", "..", "bindings", "python")
if os.path.isdir(_PKG) and _PKG not in sys.path:
    sys.path.insert(0, os.path.abspath(_PKG))

import rltool  # noqa: E402
from rltool import _lib  # noqa: E402


@pytest.fixture(scope="session")
def lib():
    return _lib.load()


def registered(env_id):
    return env_id in rltool.registry()


def episode_length(env, limit=10000):
    """Steps of one random-action episode from reset(seed=0); None past limit."""
    env.reset(seed=0)
    for n in range(1, limit + 1):
        *_, term, trunc, _ = env.step(env.action_space.sample())
        if term or trunc:
            return n
    return None


# Tasks every test module exercises; swimmer only once it is registered.
ENV_IDS = ["cartpole-v1", "pendulum-v1"] + [
    i for i in ("swimmer-v1",) if i in rltool.registry()]

# `make test` runs this suite in its venv with RLTOOL_REQUIRE_GYMNASIUM=1: the
# Gymnasium tests must run there, not skip because the import failed.
if os.environ.get("RLTOOL_REQUIRE_GYMNASIUM") and rltool._common.gym is None:
    raise ImportError("RLTOOL_REQUIRE_GYMNASIUM is set but gymnasium did not import")
