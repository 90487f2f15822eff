"""The network contract every kind keeps (tinynet.base): forward, backward, the flat parameters and their blocks."""

import numpy as np
import pytest

from tinynet import ConvNet, Hamiltonian, NeuralNetwork
from tinynet.base import Pass
from tinynet.conv.fast import fast


def dense():
    return NeuralNetwork([4, 5, 3], ["tanh", "softmax"], "cross_entropy", seed=0)


def conv():
    return ConvNet(["conv2d 2 3 relu", "maxpool2d 2", "flatten", "dense 3 softmax"], input_shape=(1, 8, 8), seed=0)


def hamiltonian():
    return Hamiltonian(4, 3, width=5, layers=3, h=0.3, opening=True, seed=0)


KINDS = {"dense": dense, "conv": conv, "fastconv": lambda: fast(conv()), "stable": hamiltonian}


def batch(net, m=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, net.inputs)), np.eye(net.outputs)[rng.integers(0, net.outputs, m)]


@pytest.mark.parametrize("kind", KINDS)
def test_backprop_is_backward_after_forward_and_gradient_is_it_flat(kind):
    net = KINDS[kind]()
    x, y = batch(net)
    p = net.forward(x)
    assert isinstance(p, Pass) and len(p.z) == len(p.a) - 1
    np.testing.assert_array_equal(p.a[0].reshape(x.shape), x)  # a^0 = x (a ConvNet sees it as maps)
    blocks = [g.copy() for g in net.grad_blocks(net.backward(p, y))]
    assert [g.shape for g in blocks] == [P.shape for P in net.param_blocks]
    flat = net.gradient(x, y)
    assert flat.shape == net.params.shape and flat.dtype == net.params.dtype
    np.testing.assert_array_equal(flat, np.concatenate([g.ravel() for g in blocks]))
    np.testing.assert_array_equal(net.grad_blocks(flat)[-1], blocks[-1])  # a flat gradient is seen as blocks too
    np.testing.assert_array_equal(
        np.concatenate([g.ravel() for g in net.grad_blocks(net.backprop(x, y))]), flat
    )  # backprop checks x and y, then does the same


@pytest.mark.parametrize("kind", KINDS)
def test_backward_fills_in_every_layers_delta(kind):
    """base.py: backward "fills p.delta" (delta[i] = delta^(i+1)); trace reads it, layer by layer."""
    net = KINDS[kind]()
    x, y = batch(net)
    p = net.forward(x)
    net.backward(p, y)
    assert len(p.delta) == len(p.z) == len(net.layer_names()), f"{len(p.delta)} deltas for {len(p.z)} layers"
    assert np.shape(p.delta[-1]) == np.shape(p.z[-1])
    assert len(net.trace(x, y).layers) == len(net.layer_names())


@pytest.mark.parametrize("kind", KINDS)
def test_the_blocks_are_views_of_the_one_flat_array(kind):
    net = KINDS[kind]()
    assert sum(P.size for P in net.param_blocks) == net.param_count == net.params.size
    assert [name for name, _ in net.named_params()] == [name for name, _ in net.param_shapes()]
    for P in net.param_blocks:
        assert np.shares_memory(P, net.params)
    net.params[...] = 0
    assert not any(P.any() for P in net.param_blocks)
    net.bind(np.ones(net.param_count, net.dtype))  # the trainers put the parameters where they work on them
    assert all((P == 1).all() for P in net.param_blocks)
    with pytest.raises(ValueError, match="params: expected a flat float64 array"):
        net.bind(np.ones(net.param_count + 1))


@pytest.mark.parametrize("kind", KINDS)
def test_layer_params_takes_a_list_of_blocks_of_params_or_of_a_gradient(kind):
    net = KINDS[kind]()
    x, y = batch(net)
    layers = net.layer_params(net.param_blocks)
    assert len(layers) == len(net.layer_names()) == len(net.forward(x).z)
    assert sum(P.size for layer in layers for P in layer.values()) == net.param_count
    grads = net.layer_params(net.grad_blocks(net.gradient(x, y)))
    assert [sorted(g) for g in grads] == [sorted(layer) for layer in layers]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_inputs_and_outputs_and_only_a_dense_network_has_sizes(kind):
    net = KINDS[kind]()
    assert (net.inputs, net.outputs) == {"dense": (4, 3), "conv": (64, 3), "fastconv": (64, 3), "stable": (4, 3)}[kind]
    assert hasattr(net, "sizes") == (kind == "dense")
    x, _ = batch(net, 7)
    assert net.feedforward(x).shape == (7, net.outputs) and net.feedforward(x[0]).shape == (net.outputs,)


@pytest.mark.parametrize("kind", KINDS)
def test_a_copy_is_independent_and_of_the_same_kind(kind):
    net = KINDS[kind]()
    other = net.copy()
    assert type(other) is type(net) and other.spec() == net.spec()
    assert other.params.tobytes() == net.params.tobytes() and not np.shares_memory(other.params, net.params)
    other.params += 1
    assert not np.array_equal(other.params, net.params)


def test_cost_of_adds_m_times_the_regularisation():
    net = Hamiltonian(2, 2, width=3, layers=3, alpha_f=0.1, alpha_c=0.2, seed=0)
    net.b[...] = np.arange(9).reshape(3, 3) * 0.1
    x, y = batch(net, 4)
    assert net.regularisation() > 0
    p = net.forward(x)
    plain = net.cost.value(p.z[-1], p.a[-1], y, net.activations[-1])
    assert net.cost_of(x, y) == pytest.approx(plain + 4 * net.regularisation(), rel=1e-12)
