import os

import numpy as np
import pytest

from tinynet import NeuralNetwork, Trainer, load_from_file
from tinynet.base import HeaderError
from tinynet.conv import Conv2D, ConvNet, Dense, Flatten, MaxPool2D, col2im, im2col
from tinynet.conv_fast import FastConvNet, conv_forward, fast
from tinynet.examples.cnn_digits import cnn
from tinynet.gpu import GPUTrainer, require_cupy
from tinynet.gradcheck import gradcheck, numerical_gradient
from tinynet.pool import PoolTrainer


def relative_error(net, x, y):
    ws = net.workspace(len(x))
    net.backprop(x, y, ws=ws)
    num = np.array([numerical_gradient(net, x, y, i) for i in range(net.params.size)])
    return np.linalg.norm(ws.grad - num) / np.linalg.norm(ws.grad + num)


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
    x = rng.normal(size=(m, net.sizes[0]))
    return x, np.eye(net.sizes[-1])[rng.integers(0, net.sizes[-1], m)]


@pytest.mark.parametrize("layers,shape", CASES)
def test_gradients_match_central_differences(layers, shape):
    rng = np.random.default_rng(0)
    net = ConvNet(layers, input_shape=shape, seed=1)
    net.params += rng.normal(size=net.params.size) * 0.05
    x = rng.normal(size=(3, int(np.prod(shape))))
    y = np.eye(net.sizes[-1])[[0, 2, 1]]
    assert relative_error(net, x, y) < 1e-7
    assert gradcheck(net, x, y).max_error < 1e-7  # the lessons' gradient check agrees


@pytest.mark.parametrize("layers,shape", CASES)
def test_the_fast_passes_give_the_plain_gradients(layers, shape):
    rng = np.random.default_rng(2)
    plain = ConvNet(layers, input_shape=shape, seed=1)
    quick = fast(plain)
    quick.slice_size = 3  # a batch of 8: slices of 2, 3 and 3 samples
    ws = quick.workspace(8)
    for _ in range(3):  # the fast passes reuse their arrays: nothing of a pass may leak into the next
        x, y = batch(plain, 8, rng)
        ref = plain.workspace(8)
        plain.backprop(x, y, ws=ref)
        quick.backprop(x, y, ws=ws)
        assert np.linalg.norm(ws.grad - ref.grad) <= 1e-12 * np.linalg.norm(ref.grad)
        whole = quick.workspace(8)
        quick.forward(x, whole)  # forward and backward on their own, as a trainer may call them
        quick.backward(y, whole)
        assert np.linalg.norm(whole.grad - ref.grad) <= 1e-12 * np.linalg.norm(ref.grad)
        np.testing.assert_allclose(quick.feedforward(x), plain.feedforward(x), rtol=1e-12, atol=1e-15)
        assert quick.cost_of(x, y) == pytest.approx(plain.cost_of(x, y), rel=1e-12)
    assert sorted(ws.slices) == [3]  # the first slice uses the workspace's own arrays
    quick.slice_size = 0
    with pytest.raises(ValueError, match="slice_size"):
        quick.backprop(x, y, ws=ws)


def test_a_fast_network_rebuilds_as_fast_and_saves_as_a_convnet(tmp_path):
    net = cnn(seed=0, filters=2)
    assert type(net) is FastConvNet and type(net.copy()) is FastConvNet
    cls, kwargs = net.spec()
    assert cls is FastConvNet and type(cls(**kwargs, seed=0)) is FastConvNet  # what a worker process builds
    net.save(tmp_path / "fast.txt")
    back = load_from_file(tmp_path / "fast.txt")
    assert type(back) is ConvNet and back.params.tobytes() == net.params.tobytes()
    assert back.header() == net.header()
    assert type(fast(back)) is FastConvNet and fast(back).params.tobytes() == net.params.tobytes()


@pytest.mark.skipif(os.environ.get("TINYNET_GPU_TESTS") != "1", reason="set TINYNET_GPU_TESTS=1 on a GPU machine")
@pytest.mark.parametrize("kind", [ConvNet, FastConvNet])
@pytest.mark.parametrize("layers,shape", CASES)
def test_gradients_on_a_real_gpu_match_the_cpu(layers, shape, kind):
    cupy = require_cupy()
    rng = np.random.default_rng(4)
    net = kind(layers, input_shape=shape, seed=1)
    x, y = batch(net, 5, rng)
    cpu = net.workspace(5)
    net.backprop(x, y, ws=cpu)
    on_gpu = net.to(cupy)
    gpu = on_gpu.workspace(5)
    for _ in range(2):  # the second pass reuses the workspace's arrays
        on_gpu.backprop(cupy.asarray(x), cupy.asarray(y), ws=gpu)
        np.testing.assert_allclose(cupy.asnumpy(gpu.grad), cpu.grad, rtol=1e-9, atol=1e-12)


def test_convolution_is_the_sum_over_each_window():
    rng = np.random.default_rng(1)
    layer = Conv2D(2, 3)
    a = rng.normal(size=(2, 3, 5, 6))
    K, b = rng.normal(size=(2, 3, 3, 3)), rng.normal(size=2)
    z, cols = layer.forward(a, (K, b), np)
    assert z.shape == (2, 2, 3, 4) and cols.shape == (27, 2 * 3 * 4)
    for s in range(2):
        for f in range(2):
            for i in range(3):
                for j in range(4):
                    assert z[s, f, i, j] == pytest.approx(np.sum(K[f] * a[s, :, i : i + 3, j : j + 3]) + b[f])
    assert np.array_equal(cols, im2col(a, 3, np))


def test_col2im_is_the_way_back_of_im2col():
    # <im2col(a), g> = <a, col2im(g)> for every a and g: col2im is im2col's transpose
    rng = np.random.default_rng(7)
    a, g = rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(3 * 3 * 3, 2 * 4 * 3))
    assert np.sum(im2col(a, 3, np) * g) == pytest.approx(np.sum(a * col2im(g, a.shape, 3, np)), rel=1e-12)


@pytest.mark.parametrize("s", [2, 3])
def test_the_fused_convolution_gives_a_following_pool_its_candidates(s):
    rng = np.random.default_rng(5)
    a, K, b = rng.normal(size=(2, 2, 8, 9)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    z, _ = Conv2D(3, 3).forward(a, (K, b), np)  # (2, 3, 6, 7): the pool cuts what does not fill a block
    cand = conv_forward(a, K, b, np, {}, pool=s)
    assert cand.shape == (3, s * s, 2, 6 // s, 7 // s)
    for p in range(s):
        for q in range(s):
            place = z[:, :, p : s * (6 // s) : s, q : s * (7 // s) : s].transpose(1, 0, 2, 3)
            np.testing.assert_allclose(cand[:, p * s + q], place, rtol=0, atol=1e-12)


def test_max_pooling_routes_the_error_to_the_arg_max():
    pool = MaxPool2D(2)
    a = np.array([[[[1.0, 5.0, 2.0], [3.0, 4.0, 0.0], [9.0, 9.0, 9.0]]]])  # the last row and column are cut off
    z, mask = pool.forward(a, (), np)
    assert z.tolist() == [[[[5.0]]]]
    assert mask.tolist() == [[[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]]
    g = pool.backward(np.array([[[[7.0]]]]), a, mask, (), (), np)
    assert g.tolist() == [[[[0.0, 7.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]]


def test_max_pooling_takes_the_first_of_tied_inputs_in_reading_order():
    pool = MaxPool2D(3)
    a = np.zeros((1, 1, 3, 3))
    a[0, 0, 0, 2] = a[0, 0, 1, 0] = a[0, 0, 2, 1] = 1.0  # three tied maxima
    z, mask = pool.forward(a, (), np)
    assert np.argwhere(mask[0, 0]).tolist() == [[0, 2]]
    ones = np.ones((2, 3, 4, 4))
    z, mask = MaxPool2D(2).forward(ones, (), np)
    assert mask.reshape(2, 3, 2, 2, 2, 2).sum(axis=(3, 5)).tolist() == np.ones((2, 3, 2, 2)).tolist()  # one per window


def test_every_layer_keeps_z_and_a_as_maps():
    net = ConvNet([Conv2D(3, 3, "relu"), MaxPool2D(2), Flatten(), Dense(4, "softmax")], input_shape=(1, 8, 8), seed=0)
    x = np.random.default_rng(3).normal(size=(2, 64))
    ws = net.workspace(2)
    net.forward(x, ws)
    assert [z.shape for z in ws.z] == [(2, 3, 6, 6), (2, 3, 3, 3), (2, 27), (2, 4)]
    assert np.array_equal(ws.a[1], np.maximum(ws.z[0], 0))  # a^l = σ(z^l) in every layer, the pool's too
    assert np.array_equal(ws.a[2], ws.z[1]) and ws.z[1][1, 2, 0, 0] == ws.a[1][1, 2, :2, :2].max()


def test_trace_shows_every_layer_of_a_convnet():
    net = ConvNet([Conv2D(3, 3, "relu"), MaxPool2D(2), Flatten(), Dense(4, "softmax")], input_shape=(2, 8, 8), seed=0)
    rng = np.random.default_rng(8)
    x, y = batch(net, 3, rng)
    t = net.trace(x, y)
    assert [layer.name for layer in t.layers] == ["conv2d 3 3 relu", "maxpool2d 2", "flatten", "dense 4 softmax"]
    for layer in t.layers:
        assert layer.z.shape == layer.a.shape == layer.delta.shape
    assert sorted(t[1].grads) == ["K", "b"] and t[2].grads == {} and sorted(t[4].grads) == ["W", "b"]
    ws = net.workspace(3)
    net.backprop(x, y, ws=ws)
    K1, b1, W4, b4 = ws.grads
    assert np.array_equal(t[1].nabla_w, K1) and np.array_equal(t[1].nabla_b, b1) and np.array_equal(t[4].nabla_w, W4)
    assert np.array_equal(t[4].delta, t[4].a - y)  # softmax with cross-entropy: delta^L = a^L - y
    assert np.array_equal(
        t[1].delta, t[2].delta.repeat(2, 2).repeat(2, 3) * (t[1].z > 0) * MaxPool2D(2).forward(t[1].a, (), np)[1]
    )  # the pool's error, to the arg-max, times relu'
    assert t.C == pytest.approx(net.cost_of(x, y))


def small_cnn(kind=ConvNet):
    return kind([Conv2D(3, 3, "relu"), MaxPool2D(2), Flatten(), Dense(4, "softmax")], input_shape=(1, 8, 8), seed=0)


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


def test_sequential_pool_and_gpu_path_agree_after_an_epoch():
    reference = one_epoch(Trainer())
    assert not np.array_equal(reference.params, small_cnn().params)  # it trained
    np.testing.assert_allclose(one_epoch(Trainer(), FastConvNet).params, reference.params, rtol=0, atol=1e-10)
    for trainer in (PoolTrainer(1), PoolTrainer(2), GPUTrainer(xp=np)):
        np.testing.assert_allclose(one_epoch(trainer, FastConvNet).params, reference.params, rtol=0, atol=1e-10)


@pytest.mark.skipif(os.environ.get("TINYNET_GPU_TESTS") != "1", reason="set TINYNET_GPU_TESTS=1 on a GPU machine")
@pytest.mark.parametrize("dtype,tolerance", [("float64", 1e-10), ("float32", 1e-4)])
def test_an_epoch_on_a_real_gpu_matches_the_cpu(dtype, tolerance):
    require_cupy()
    if dtype == "float64":
        np.testing.assert_allclose(one_epoch(GPUTrainer()).params, one_epoch(Trainer()).params, rtol=0, atol=1e-10)
    # the MNIST-sized network of `tinynet cnn train`, 20 batches of 50 digit-sized images
    rng = np.random.default_rng(1)
    X, labels = rng.random((1000, 784)), rng.integers(0, 10, 1000)
    nets = []
    for trainer in (Trainer(), GPUTrainer()):
        nets.append(cnn(seed=4, dtype=dtype))
        trainer.train(
            nets[-1],
            (X, labels),
            0.1,
            1,
            50,
            max_batches=20,
            max_batches_without_improvement=100,
            cost_estimator_batch_size=200,
            seed=5,
            progress=False,
        )
    assert nets[1].params.dtype == dtype and not np.array_equal(nets[0].params, cnn(seed=4, dtype=dtype).params)
    np.testing.assert_allclose(nets[1].params, nets[0].params, rtol=0, atol=tolerance)
    x = X[:300]
    np.testing.assert_allclose(nets[1].feedforward(x), nets[0].feedforward(x), rtol=0, atol=tolerance)


def test_a_cnn_saves_and_loads_like_an_mlp(tmp_path):
    net = small_cnn()
    net.params[...] = np.random.default_rng(3).normal(size=net.params.size)
    net.save(tmp_path / "cnn.txt")
    text = (tmp_path / "cnn.txt").read_text().splitlines()
    assert (
        text[1:6]
        == ["convnet 1 8 8", "layer conv2d 3 3 relu", "layer maxpool2d 2", "layer flatten", "layer dense 4 softmax"]
        == net.header()
    )
    back = NeuralNetwork.load(tmp_path / "cnn.txt")
    assert isinstance(back, ConvNet) and back.params.tobytes() == net.params.tobytes()
    x = np.random.default_rng(0).random((3, 64))
    np.testing.assert_array_equal(back.feedforward(x), net.feedforward(x))
    bad = (tmp_path / "cnn.txt").read_text().replace("K1 3 1 3 3", "K1 3 1 2 2")
    (tmp_path / "bad.txt").write_text(bad)
    with pytest.raises(ValueError, match=r"bad.txt, line 9: K1 must be 3x1x3x3 for these layers, found 3x1x2x2"):
        load_from_file(tmp_path / "bad.txt")


def header(*lines):
    return [(n, line.split()) for n, line in enumerate(lines, start=2)]


def test_from_header_builds_the_network_its_header_describes():
    net = small_cnn()
    back = ConvNet.from_header(header(*net.header()), "cross_entropy", "float32", budget=10**6)
    assert type(back) is ConvNet and back.header() == net.header() and back.dtype == np.float32
    assert back.param_count == net.param_count == 3 * 9 + 3 + 4 * 27 + 4


@pytest.mark.parametrize(
    "lines,line,words",
    [
        (["convnet 1 8 8", "layer maxpool2d 0", "layer flatten", "layer dense 4 softmax"], 3, "size: .* found 0"),
        (["convnet 1 8 8", "layer maxpool2d -2", "layer flatten", "layer dense 4 softmax"], 3, "size: .* found -2"),
        (["convnet 1 8 8", "layer maxpool2d x", "layer flatten", "layer dense 4 softmax"], 3, "size: .* found 'x'"),
        (
            ["convnet 1 8 8", "layer maxpool2d 9", "layer flatten", "layer dense 4 softmax"],
            3,
            "a 9x9 pool does not fit",
        ),
        (
            ["convnet 1 8 8", "layer conv2d 3 9 relu", "layer flatten", "layer dense 4 softmax"],
            3,
            "kernel does not fit",
        ),
        (["convnet 1 8 8", "layer conv2d 0 3 relu", "layer flatten", "layer dense 4 softmax"], 3, "filters"),
        (["convnet 1 8 8", "layer conv2d 3 65 relu", "layer flatten", "layer dense 4 softmax"], 3, "kernel size"),
        (["convnet 1 8 8", "layer conv2d 3 3 swish", "layer flatten", "layer dense 4 softmax"], 3, "activation"),
        (["convnet 1 8 8", "layer pool 2", "layer flatten", "layer dense 4 softmax"], 3, "layer: expected one of"),
        (["convnet 1 8 8", "layer conv2d 3 3 relu 4", "layer flatten", "layer dense 4 softmax"], 3, "expected filters"),
        (["convnet 1 8 8", "layer dense 4 softmax"], 3, "put a Flatten"),
        (["convnet 1 8 8", "layer flatten", "layer conv2d 2 2", "layer dense 4 softmax"], 4, "before Flatten"),
        (["convnet 1 8 8", "layer flatten", "layer dense 10001 softmax"], 4, "units"),
        (["convnet 1 8 8", "layer flatten", "dense 4 softmax"], 4, "expected 'layer'"),
        (["convnet 1 8 8", "layer flatten", "layer dense 4 relu"], 4, "cross_entropy needs a softmax"),
        (["convnet 1 8 8", "layer conv2d 3 3 relu"], 3, "the last layer must give a vector"),
        (["convnet 0 8 8", "layer flatten", "layer dense 4 softmax"], 2, "channels"),
        (["convnet 65 8 8", "layer flatten", "layer dense 4 softmax"], 2, "channels"),
        (["convnet 1 8 4097", "layer flatten", "layer dense 4 softmax"], 2, "width"),
        (["convnet 1 8", "layer flatten", "layer dense 4 softmax"], 2, "convnet C H W"),
        (["convnet 1 8 8"], 2, "expected 'layer"),
        (["convnet 64 4096 4096", "layer flatten", "layer dense 10000 softmax"], 2, "parameters"),
    ],
)
def test_header_mistakes_are_header_errors_naming_the_line(lines, line, words):
    with pytest.raises(HeaderError, match=words) as e:
        ConvNet.from_header(header(*lines), "cross_entropy", "float64", budget=10**7)
    assert e.value.line == line


def test_an_unknown_cost_is_a_header_error():
    with pytest.raises(HeaderError, match="cost: expected one of"):
        ConvNet.from_header(header("convnet 1 4 4", "layer flatten", "layer dense 2 softmax"), "hinge", "float64", 100)


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


@pytest.mark.parametrize(
    "make",
    [
        lambda: MaxPool2D(0),
        lambda: MaxPool2D(-2),
        lambda: Conv2D(2.5, 3),
        lambda: Dense(True),
        lambda: Conv2D(2, 3, "swish"),
    ],
)
def test_bad_layer_arguments(make):
    with pytest.raises(ValueError):
        make()


def test_wrong_input_width():
    with pytest.raises(ValueError, match=r"x: expected shape \(64,\) or \(m, 64\)"):
        small_cnn().feedforward(np.zeros(63))
