"""The costs: their value and the output error delta^L = ∂C/∂z^L they start backprop with."""

import numpy as np
import pytest

from tinynet import NeuralNetwork, get_activation, get_cost


def test_softmax_cross_entropy_output_error_is_a_minus_y(rng):
    net = NeuralNetwork([3, 4], "softmax", "cross_entropy", seed=0)
    x, y = rng.normal(size=(2, 3)), np.eye(4)[[1, 3]]
    p = net.forward(x)
    net.backward(p, y)
    np.testing.assert_allclose(p.delta[-1], net.feedforward(x) - y, rtol=1e-12)


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_cross_entropy_is_finite_where_the_output_rounds_to_0_or_1(output):
    z = np.array([[800.0, -800.0]])
    act, cost = get_activation(output), get_cost("cross_entropy")
    value = cost.value(z, act(z), np.array([[0.0, 1.0]]), act)
    assert np.isfinite(value) and value > 100


def test_quadratic_cost_and_its_output_error(rng):
    z, y = rng.normal(size=(5, 3)), rng.random((5, 3))
    act, cost = get_activation("tanh"), get_cost("quadratic")
    a = act(z)
    assert cost.value(z, a, y, act) == pytest.approx(0.5 * ((a - y) ** 2).sum())
    np.testing.assert_allclose(cost.delta(z, a, y, act), (a - y) * (1 - a**2), rtol=1e-12)
