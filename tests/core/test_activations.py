"""The activations: σ(z) and its slope, measured by the one numerical-gradient routine of tinynet.gradcheck."""

import numpy as np
import pytest

from tinynet import ACTIVATIONS, NeuralNetwork
from tinynet.activations import SIGMOID
from tinynet.gradcheck import numerical_gradient

ELEMENT_WISE = [name for name in ACTIVATIONS if name != "softmax"]


@pytest.mark.parametrize("name", ELEMENT_WISE)
def test_the_derivative_is_the_measured_slope(name):
    # One layer z = I x, a = σ(z), cost ½‖a - y‖² with y = σ(x) - 1: ∂C/∂x_i = (a_i - y_i) σ'(x_i) = σ'(x_i),
    # measured by moving the input x_i (numerical_gradient's ``array``).
    z = np.linspace(-3, 3, 61) + 1e-3  # away from relu's kink at 0
    act = ACTIVATIONS[name]
    net = NeuralNetwork([61, 61], name, "quadratic", seed=0)
    net.weights[0][...] = np.eye(61)
    x = z.reshape(1, -1).copy()
    y = act(x) - 1
    measured = np.array([numerical_gradient(net, x, y, (0, i), array=x) for i in range(z.size)])
    np.testing.assert_array_equal(x[0], z)  # the input is put back
    np.testing.assert_allclose(act.derivative(z), measured, rtol=1e-6, atol=1e-8, err_msg=name)


def test_the_values_the_lessons_quote():
    np.testing.assert_allclose(ACTIVATIONS["lecun_tanh"](np.array([1.0])), 1.7159 * np.tanh(2 / 3))
    assert np.isfinite(ACTIVATIONS["sigmoid"](np.array([-1000.0, 1000.0]))).all()
    assert np.allclose(ACTIVATIONS["softmax"](np.array([[1000.0, 0.0]])), [[1, 0]])
    assert SIGMOID is ACTIVATIONS["sigmoid"]


def test_softmax_has_no_element_wise_derivative():
    with pytest.raises(ValueError, match="softmax has no element-wise derivative"):
        ACTIVATIONS["softmax"].derivative(np.zeros((1, 3)))


def test_backward_is_the_chain_rule_with_the_given_error(rng):
    z, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    for name in ELEMENT_WISE:
        act = ACTIVATIONS[name]
        np.testing.assert_allclose(act.backward(z, act.forward(z), g), g * act.derivative(z), rtol=1e-12)
    softmax = ACTIVATIONS["softmax"]
    a = softmax(z)
    jacobian = np.stack([np.diag(row) - np.outer(row, row) for row in a])  # ∂a_j/∂z_i = a_j (δ_ij - a_i)
    np.testing.assert_allclose(softmax.backward(z, a, g), np.einsum("mij,mi->mj", jacobian, g), rtol=1e-12)
