"""A run that diverges stops with TrainingDiverged, the network put back to its last sound parameters."""

import numpy as np
import pytest

from tinynet import NeuralNetwork, Trainer, TrainingDiverged


def test_diverging_cost_is_a_clear_error():
    X = np.random.default_rng(0).normal(size=(50, 3)) * 100
    net = NeuralNetwork([3, 2], "identity", seed=0)
    with pytest.raises(TrainingDiverged, match=r"after batch \d+.*smaller learning_step") as e:
        Trainer().train(net, (X, X[:, :2]), 10.0, 5, 10, max_batches_without_improvement=100, seed=0, progress=False)
    assert e.value.history.batches >= 1
    assert np.isfinite(net.params).all()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("kind", ["quadratic", "cross_entropy"])
def test_a_huge_learning_step_is_caught_and_the_last_parameters_are_kept(kind, seed):
    # one step of 1e6 saturates every unit: the cost stays finite (quadratic: it even stops
    # changing), so the parameters' size is what gives the divergence away
    rng = np.random.default_rng(0)
    X = rng.random((200, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    net = (
        NeuralNetwork([2, 3, 1], "sigmoid", seed=seed)
        if kind == "quadratic"
        else NeuralNetwork([2, 3, 2], ["sigmoid", "softmax"], "cross_entropy", seed=seed)
    )
    before = net.params.copy()
    with pytest.raises(TrainingDiverged, match=r"grew to .* after batch 1 \(learning_step=1e\+06\)"):
        Trainer().train(net, (X, y), 1e6, 1, 20, seed=seed, progress=False)
    np.testing.assert_array_equal(net.params, before)


def test_a_good_learning_step_is_not_taken_for_divergence():
    rng = np.random.default_rng(0)
    X = rng.random((200, 2))
    y = (X[:, 0] > X[:, 1]).astype(float)
    net = NeuralNetwork([2, 3, 1], seed=0)
    h = Trainer().train(net, (X, y), 3.0, 1, 20, seed=0, max_batches=500, progress=False)
    assert h.batches >= 10 and net.evaluate(X, y) > 0.9
