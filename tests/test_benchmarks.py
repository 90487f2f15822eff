"""The benchmarks' reference loops compute what tinynet computes (else their timings would compare unlike work)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import epoch_speed  # noqa: E402


@pytest.mark.parametrize("name, sizes, m", epoch_speed.CASES)
def test_the_bare_numpy_loop_takes_the_same_steps_as_the_trainer(name, sizes, m):
    X, Y = epoch_speed.data(1000, sizes, np.float64)
    order = np.arange(1000)
    bare, trained, start = (epoch_speed.network(sizes, np.float64) for _ in range(3))
    epoch_speed.bare_epoch(bare, X, Y, m, order)
    epoch_speed.tinynet_epoch(trained, X, Y, m, order)
    assert np.abs(trained.params - start.params).max() > 1e-3  # the epoch moved the weights
    np.testing.assert_allclose(bare.params, trained.params, rtol=0, atol=1e-12)
