"""ConvNet (tinynet.conv.net): its layers chained, z and a as maps, its trace, its checks, its trainers.

The gradient check of every case below is in tests/core/test_gradcheck.py; the model file's header in
tests/files/test_kinds.py.
"""

import numpy as np
import pytest

import tinynet
from tinynet import ConvNet, Trainer
from tinynet.conv.fast import FastConvNet
from tinynet.conv.layers import Conv2D, Dense, Flatten, MaxPool2D
from tinynet.files.kinds import header_lines
from tinynet.parallel.pool import PoolTrainer

CASES = [
    ([Conv2D(3, 3, "tanh"), Flatten(), Dense(4, "softmax")], (2, 6, 6)),  # several channels
    ([Conv2D(2, 2, "sigmoid"), MaxPool2D(2), Flatten(), Dense(3, "softmax")], (1, 8, 8)),  # pool 2, a cut edge
    ([Flatten(), Dense(5, "elu"), Dense(3, "softmax")], (1, 4, 4)),  # flatten, dense
    (
        [
            Conv2D(2, 3, "softplus"),
            Conv2D(3, 2, "tanh"),
            MaxPool2D(3),
            Flatten(),
            Dense(6, "lecun_tanh"),
            Dense(3, "softmax"),
        ],
        (2, 10, 10),
    ),  # pool 3, cut edge, 2 convs
    (
        [Conv2D(3, 2, "relu"), MaxPool2D(2), Conv2D(2, 2, "relu"), MaxPool2D(2), Flatten(), Dense(3, "softmax")],
        (1, 11, 11),
    ),  # conv after pool, relu
    ([Conv2D(2, 2, "relu"), MaxPool2D(1), Flatten(), Dense(3, "softmax")], (2, 5, 5)),  # a 1x1 pool
]


def batch(net, m, rng):
    x = rng.normal(size=(m, net.inputs))
    return x, np.eye(net.outputs)[rng.integers(0, net.outputs, m)]


def small_cnn(kind=ConvNet, channels=1):
    layers = [Conv2D(3, 3, "relu"), MaxPool2D(2), Flatten(), Dense(4, "softmax")]
    return kind(layers, input_shape=(channels, 8, 8), seed=0)


def one_epoch(trainer, kind=ConvNet):
    rng = np.random.default_rng(0)
    X, labels = rng.random((120, 64)), rng.integers(0, 4, 120)
    net = small_cnn(kind)
    trainer.train(
        net,
        (X, labels),
        0.2,
        1,
        20,
        max_batches=6,
        max_batches_without_improvement=100,
        cost_estimator_batch_size=40,
        seed=2,
        progress=False,
    )
    return net


def test_every_layer_keeps_z_and_a_as_maps():
    net = small_cnn()
    x = np.random.default_rng(3).normal(size=(2, 64))
    p = net.forward(x)
    assert [z.shape for z in p.z] == [(2, 3, 6, 6), (2, 3, 3, 3), (2, 27), (2, 4)]
    assert np.array_equal(p.a[1], np.maximum(p.z[0], 0))  # a^l = σ(z^l) in every layer, the pool's too
    assert np.array_equal(p.a[2], p.z[1]) and p.z[1][1, 2, 0, 0] == p.a[1][1, 2, :2, :2].max()


def test_trace_shows_every_layer_of_a_convnet():
    net = small_cnn(channels=2)
    rng = np.random.default_rng(8)
    x, y = batch(net, 3, rng)
    t = net.trace(x, y)
    assert [layer.name for layer in t.layers] == ["conv2d 3 3 relu", "maxpool2d 2", "flatten", "dense 4 softmax"]
    for layer in t.layers:
        assert layer.z.shape == layer.a.shape == layer.delta.shape
    assert sorted(t[1].grads) == ["K", "b"] and t[2].grads == {} and sorted(t[4].grads) == ["W", "b"]
    K1, b1, W4, b4 = net.backprop(x, y)  # a ConvNet's gradient: its blocks, in the order of params
    assert np.array_equal(t[1].nabla_w, K1) and np.array_equal(t[1].nabla_b, b1) and np.array_equal(t[4].nabla_w, W4)
    assert np.array_equal(t[4].delta, t[4].a - y)  # softmax with cross-entropy: delta^L = a^L - y
    assert np.array_equal(
        t[1].delta, t[2].delta.repeat(2, 2).repeat(2, 3) * (t[1].z > 0) * MaxPool2D(2).forward(t[1].a, ())[1]
    )  # the pool's error, to the arg-max, times relu'
    assert t.C == pytest.approx(net.cost_of(x, y))


def test_a_cnn_saves_and_loads_like_an_mlp(tmp_path):
    net = small_cnn()
    net.params[...] = np.random.default_rng(3).normal(size=net.params.size)
    tinynet.save(net, tmp_path / "cnn.txt")
    text = (tmp_path / "cnn.txt").read_text().splitlines()
    assert (
        text[1:6]
        == ["convnet 1 8 8", "layer conv2d 3 3 relu", "layer maxpool2d 2", "layer flatten", "layer dense 4 softmax"]
        == header_lines(net)
    )
    back = tinynet.load(tmp_path / "cnn.txt")
    assert isinstance(back, ConvNet) and back.params.tobytes() == net.params.tobytes()
    x = np.random.default_rng(0).random((3, 64))
    np.testing.assert_array_equal(back.feedforward(x), net.feedforward(x))
    bad = (tmp_path / "cnn.txt").read_text().replace("K1 3 1 3 3", "K1 3 1 2 2")
    (tmp_path / "bad.txt").write_text(bad)
    with pytest.raises(ValueError, match=r"bad.txt, line 9: K1 must be 3x1x3x3 for these layers, found 3x1x2x2"):
        tinynet.load(tmp_path / "bad.txt")


@pytest.mark.slow  # worker processes
def test_the_pool_trainer_takes_the_one_process_steps(no_leaks):
    reference = one_epoch(Trainer())
    for trainer in (PoolTrainer(1), PoolTrainer(2)):  # the fast network, rebuilt as one in every worker
        np.testing.assert_allclose(one_epoch(trainer, FastConvNet).params, reference.params, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    "layers,shape,words",
    [
        ([Conv2D(2, 3), Dense(3)], (1, 6, 6), "put a Flatten"),
        ([Conv2D(2, 7), Flatten(), Dense(3)], (1, 6, 6), "a 7x7 kernel does not fit a 6x6 input"),
        ([Conv2D(2, 3)], (1, 6, 6), "the last layer must give a vector"),
        (["pool 2"], (1, 6, 6), "layer: expected one of conv2d, maxpool2d, flatten, dense, found 'pool'"),
        ([Flatten(), Dense(3, "relu")], (1, 2, 2), "cross_entropy needs a softmax or sigmoid output layer"),
        ([Flatten(), Dense(3, "softmax")], (1, 0, 2), "input_shape"),
        ([], (1, 2, 2), "at least one layer"),
    ],
)
def test_bad_layers(layers, shape, words):
    with pytest.raises(ValueError, match=words):
        ConvNet(layers, input_shape=shape)


def test_wrong_input_width():
    with pytest.raises(ValueError, match=r"x: expected shape \(64,\) or \(m, 64\)"):
        small_cnn().feedforward(np.zeros(63))
