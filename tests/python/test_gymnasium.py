"""rltool against the real Gymnasium (skipped when gymnasium is absent; `make
test` runs this module in a venv where it is required)."""
import numpy as np
import pytest

gym = pytest.importorskip("gymnasium")
import rltool  # noqa: E402

from conftest import ENV_IDS  # noqa: E402


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
