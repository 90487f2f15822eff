from pathlib import Path

import numpy as np
import pytest

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist"


@pytest.fixture(autouse=True)
def _isolated_data(monkeypatch, tmp_path):
    """No test finds MNIST by accident: no $TINYNET_DATA, and a fresh working folder."""
    monkeypatch.delenv("TINYNET_DATA", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def numerical_gradient(net, x, y, eps=1e-6):
    """Central differences of the summed cost with respect to every parameter."""
    grad = np.zeros_like(net.params)
    for i in range(net.params.size):
        old = net.params[i]
        net.params[i] = old + eps
        plus = net.cost_of(x, y)
        net.params[i] = old - eps
        minus = net.cost_of(x, y)
        net.params[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad
