"""Backprop against central differences, for every network kind: one parametrized gradient check.

Every kind's backward pass is held to ``tinynet.gradcheck.gradcheck`` (the one
numerical-gradient routine, the one the lessons use): a NeuralNetwork with every
hidden activation and every output activation and cost, ConvNets of every layer
kind, the fused FastConvNet (and against the plain ConvNet's gradient, to 1e-12), and each
stable architecture with and without an opening layer, regularisation switched on.
"""

import numpy as np
import pytest

from tinynet import ACTIVATIONS, Antisymmetric, ConvNet, Hamiltonian, Leapfrog, NeuralNetwork, ResNet
from tinynet.conv.fast import fast
from tinynet.conv.layers import Conv2D, Dense, Flatten, MaxPool2D
from tinynet.gradcheck import gradcheck

TOLERANCE = 1e-7  # float64: a correct backward pass agrees to about 1e-8 or better, a wrong one to 1e-1


def dense(hidden, output, cost):
    def build(rng):
        net = NeuralNetwork([4, 5, 3, 3], [hidden, hidden, output], cost, seed=3)
        net.biases[0][...] = rng.normal(size=5) * 0.5  # so relu units sit on both sides of 0
        return net, rng.normal(size=(6, 4)), np.eye(3)[rng.integers(0, 3, 6)], None

    return build


CONV_LAYERS = {
    "channels": ([Conv2D(3, 3, "tanh"), Flatten(), Dense(4, "softmax")], (2, 6, 6)),
    "pool2-cut-edge": ([Conv2D(2, 2, "sigmoid"), MaxPool2D(2), Flatten(), Dense(3, "softmax")], (1, 8, 8)),
    "flatten-dense": ([Flatten(), Dense(5, "elu"), Dense(3, "softmax")], (1, 4, 4)),
    "two-convs-pool3": (
        [
            Conv2D(2, 3, "softplus"),
            Conv2D(3, 2, "tanh"),
            MaxPool2D(3),
            Flatten(),
            Dense(6, "lecun_tanh"),
            Dense(3, "softmax"),
        ],
        (2, 10, 10),
    ),
    "conv-after-pool-relu": (
        [Conv2D(3, 2, "relu"), MaxPool2D(2), Conv2D(2, 2, "relu"), MaxPool2D(2), Flatten(), Dense(3, "softmax")],
        (1, 11, 11),
    ),
    "pool1": ([Conv2D(2, 2, "relu"), MaxPool2D(1), Flatten(), Dense(3, "softmax")], (2, 5, 5)),
}


def conv(name, make_fast=False):
    layers, shape = CONV_LAYERS[name]

    def build(rng):
        net = ConvNet(layers, input_shape=shape, seed=1)
        net.params += rng.normal(size=net.params.size) * 0.05
        x, y = rng.normal(size=(3, net.inputs)), np.eye(net.outputs)[[0, 2, 1]]
        return (fast(net), x, y, net) if make_fast else (net, x, y, None)

    return build


def stable(cls, opening):
    def build(rng):
        net = cls(2, 2, width=3, layers=4, h=0.3, gamma=0.1, alpha_f=0.05, alpha_c=0.02, opening=opening, seed=1)
        net.b[...] = rng.normal(size=net.b.shape) * 0.3
        return net, rng.normal(size=(5, 2)), np.eye(2)[[0, 1, 1, 0, 1]], None

    return build


OUTPUTS = [
    ("sigmoid", "quadratic"),
    ("softmax", "quadratic"),
    ("identity", "quadratic"),
    ("softmax", "cross_entropy"),
    ("sigmoid", "cross_entropy"),
    ("tanh", "quadratic"),
]
CASES = {
    **{
        f"dense-{hidden}-{output}-{cost}": dense(hidden, output, cost)
        for hidden in ACTIVATIONS
        if hidden != "softmax"
        for output, cost in OUTPUTS
    },
    **{f"conv-{name}": conv(name) for name in CONV_LAYERS},
    **{f"fastconv-{name}": conv(name, make_fast=True) for name in CONV_LAYERS},
    **{
        f"{cls.kind}{'-opening' if opening else ''}": stable(cls, opening)
        for cls in (ResNet, Antisymmetric, Hamiltonian, Leapfrog)
        for opening in (False, True)
    },
}


@pytest.mark.parametrize("case", CASES)
def test_backprop_agrees_with_central_differences(case):
    net, x, y, plain = CASES[case](np.random.default_rng(0))
    result = gradcheck(net, x, y)
    assert result.checked == net.param_count  # every parameter...
    assert list(result.errors) == [name for name, _ in net.param_shapes()]  # ...of every block
    assert result.max_error < TOLERANCE, f"{net!r}\n{result}"
    if plain is not None:  # the fused passes: the plain ConvNet's very gradient, not only a close one
        reference = plain.gradient(x, y)
        assert np.linalg.norm(net.gradient(x, y) - reference) <= 1e-12 * np.linalg.norm(reference)


def test_gradcheck_reports_each_block_and_catches_a_wrong_backprop(monkeypatch):
    net = NeuralNetwork([4, 5, 3], ["relu", "softmax"], "cross_entropy", seed=2)
    net.biases[0][...] = 0.3
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 4)), np.eye(3)[rng.integers(0, 3, 6)]
    result = gradcheck(net, x, y)
    assert result.max_error < 1e-7 and result.checked == net.params.size
    assert "  W2: " in str(result) and "  b1: " in str(result)
    sampled = gradcheck(net, x, y, samples=3)
    assert sampled.checked == 3 * 4

    real = NeuralNetwork.backprop

    def wrong(self, *args, **kwargs):  # the bias gradient of layer 1 off by a factor 2
        nabla_w, nabla_b = real(self, *args, **kwargs)
        nabla_b[0][...] *= 2
        return nabla_w, nabla_b

    monkeypatch.setattr(NeuralNetwork, "backprop", wrong)
    broken = gradcheck(net, x, y)
    assert broken.b[0] > 0.1 and broken.W[0] < 1e-7


def test_numerical_gradient_puts_every_number_back(rng):
    from tinynet.gradcheck import numerical_gradient

    net = NeuralNetwork([3, 2], seed=0)
    x, y = rng.normal(size=(4, 3)), rng.random((4, 2))
    params, x_before = net.params.copy(), x.copy()
    numerical_gradient(net, x, y, 4)
    numerical_gradient(net, x, y, (1, 2), array=net.weights[0])
    numerical_gradient(net, x, y, (0, 1), array=x)
    assert net.params.tobytes() == params.tobytes() and x.tobytes() == x_before.tobytes()
