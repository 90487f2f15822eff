"""``network.trace``: every z, a, delta and gradient of one pass, copied (the other kinds: tests/conv, tests/stable)."""

import numpy as np
import pytest

from tinynet import NeuralNetwork


def test_trace_holds_what_backprop_computed():
    net = NeuralNetwork([3, 4, 2], ["tanh", "softmax"], "cross_entropy", seed=0)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 3)), np.eye(2)[[0, 1, 1, 0, 1]]
    t = net.trace(x, y)
    nabla_w, nabla_b = net.backprop(x, y)
    assert [layer.l for layer in t.layers] == [1, 2]
    for layer, nw, nb in zip(t.layers, nabla_w, nabla_b):
        np.testing.assert_array_equal(layer.nabla_w, nw)
        np.testing.assert_array_equal(layer.nabla_b, nb)
    np.testing.assert_allclose(t[1].z, x @ net.weights[0].T + net.biases[0])
    np.testing.assert_allclose(t.output, net.feedforward(x))
    np.testing.assert_allclose(t[2].delta, t.output - y)
    assert t.C == pytest.approx(net.cost_of(x, y))
    with pytest.raises(IndexError, match="numbered 1 to 2"):
        t[0]


def test_trace_is_a_copy():
    net = NeuralNetwork([2, 2], seed=0)
    t = net.trace([1.0, 2.0], [0.0, 1.0])
    before = t[1].W.copy()
    net.params += 1
    np.testing.assert_array_equal(t[1].W, before)


def test_trace_checks_the_target():
    with pytest.raises(
        ValueError, match=r"y: expected targets of shape \(1, 2\), 2 target values per sample, got \(3,\)"
    ):
        NeuralNetwork([2, 2]).trace([1.0, 2.0], [0.0, 1.0, 0.0])
