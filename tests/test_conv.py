import os

import numpy as np
import pytest

from tinynet import NeuralNetwork, Trainer, load_from_file
from tinynet.conv import Conv2D, ConvNet, Dense, Flatten, MaxPool2D, im2col
from tinynet.examples.cnn_digits import cnn
from tinynet.gpu import GPUTrainer, require_cupy
from tinynet.gradcheck import numerical_gradient
from tinynet.pool import PoolTrainer


def relative_error(net, x, y):
    ws = net.workspace(len(x))
    net.backprop(x, y, ws=ws)
    num = np.array([numerical_gradient(net, x, y, i) for i in range(net.params.size)])
    return np.linalg.norm(ws.grad - num) / np.linalg.norm(ws.grad + num)


CASES = [
    ([Conv2D(3, 3, "tanh"), Flatten(), Dense(4, "softmax")], (2, 6, 6)),                 # convolution
    ([Conv2D(2, 2, "sigmoid"), MaxPool2D(2), Flatten(), Dense(3, "softmax")], (1, 7, 7)),  # pooling, cut edge
    ([Flatten(), Dense(5, "elu"), Dense(3, "softmax")], (1, 4, 4)),                      # flatten, dense
    ([Conv2D(2, 3, "softplus"), Conv2D(3, 2, "tanh"), MaxPool2D(3), Flatten(), Dense(6, "lecun_tanh"),
      Dense(3, "softmax")], (2, 10, 10)),                                                # a whole small CNN
    ([Conv2D(3, 2, "relu"), MaxPool2D(2), Conv2D(2, 2, "relu"), MaxPool2D(2), Flatten(),
      Dense(3, "softmax")], (1, 11, 11)),                                                # relu's slope on pooled errors
    ([Conv2D(2, 2, "relu"), MaxPool2D(1), Flatten(), Dense(3, "softmax")], (2, 5, 5)),   # a 1x1 pool
]


@pytest.mark.parametrize("layers,shape", CASES)
def test_gradients_match_central_differences(layers, shape):
    rng = np.random.default_rng(0)
    net = ConvNet(layers, input_shape=shape, seed=1)
    net.params += rng.normal(size=net.params.size) * 0.05
    x = rng.normal(size=(3, int(np.prod(shape))))
    y = np.eye(net.sizes[-1])[[0, 2, 1]]
    assert relative_error(net, x, y) < 1e-7


@pytest.mark.parametrize("layers,shape", CASES)
def test_a_reused_workspace_gives_what_a_fresh_one_gives(layers, shape):
    # backprop keeps its large arrays in the workspace between passes: nothing of a pass may leak into the next
    rng = np.random.default_rng(2)
    net = ConvNet(layers, input_shape=shape, seed=1)
    ws = net.workspace(4)
    for _ in range(3):
        x = rng.normal(size=(4, int(np.prod(shape))))
        y = np.eye(net.sizes[-1])[rng.integers(0, net.sizes[-1], 4)]
        net.backprop(x, y, ws=ws)
        fresh = net.workspace(4)
        net.backprop(x, y, ws=fresh)
        assert np.array_equal(ws.grad, fresh.grad)


@pytest.mark.parametrize("layers,shape", CASES)
def test_a_batch_in_slices_gives_the_gradient_of_one_pass(layers, shape):
    # on the CPU a batch of more than slice_size samples runs as slices whose gradients add up
    rng = np.random.default_rng(6)
    whole = ConvNet(layers, input_shape=shape, seed=1)
    sliced = whole.copy()
    sliced.slice_size = 3  # a batch of 8: slices of 2, 3 and 3 samples
    ws = sliced.workspace(8)
    for _ in range(2):  # the second pass reuses the slices' arrays and must not add to the first's gradient
        x = rng.normal(size=(8, int(np.prod(shape))))
        y = np.eye(whole.sizes[-1])[rng.integers(0, whole.sizes[-1], 8)]
        one = whole.workspace(8)
        whole.backprop(x, y, ws=one)
        sliced.backprop(x, y, ws=ws)
        assert sorted(ws.slice_memos) == [2, 3]
        np.testing.assert_allclose(ws.grad, one.grad, rtol=1e-12, atol=1e-13)
    sliced.slice_size = 0
    with pytest.raises(ValueError, match="slice_size"):
        sliced.backprop(x, y, ws=ws)


@pytest.mark.skipif(os.environ.get("TINYNET_GPU_TESTS") != "1", reason="set TINYNET_GPU_TESTS=1 on a GPU machine")
@pytest.mark.parametrize("layers,shape", CASES)
def test_gradients_on_a_real_gpu_match_the_cpu(layers, shape):
    cupy = require_cupy()
    rng = np.random.default_rng(4)
    net = ConvNet(layers, input_shape=shape, seed=1)
    x = rng.normal(size=(5, int(np.prod(shape))))
    y = np.eye(net.sizes[-1])[rng.integers(0, net.sizes[-1], 5)]
    cpu = net.workspace(5)
    net.backprop(x, y, ws=cpu)
    on_gpu = net.to(cupy)
    gpu = on_gpu.workspace(5)
    for _ in range(2):  # the second pass reuses the workspace's arrays
        on_gpu.backprop(cupy.asarray(x), cupy.asarray(y), ws=gpu)
        np.testing.assert_allclose(cupy.asnumpy(gpu.grad), cpu.grad, rtol=1e-9, atol=1e-12)


def test_max_pooling_takes_the_first_of_tied_inputs_in_reading_order():
    pool = MaxPool2D(3)
    a = np.zeros((1, 1, 3, 3))
    a[0, 0, 0, 2] = a[0, 0, 1, 0] = a[0, 0, 2, 1] = 1.0  # three tied maxima
    grad = pool.backward(a, pool.forward(a, (), np), np.ones((1, 1, 1, 1)), (), (), np)
    assert np.argwhere(grad[0, 0]).tolist() == [[0, 2]]


@pytest.mark.parametrize("s", [2, 3])
def test_a_convolution_gives_a_following_pool_its_candidates_in_place(s):
    # in a backprop pass a convolution before a max-pool writes z in the pool's layout: the same numbers
    rng = np.random.default_rng(5)
    conv, pool = Conv2D(3, 3), MaxPool2D(s)
    a, K, b = rng.normal(size=(2, 2, 8, 9)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    z = conv.forward(a, (K, b), np)  # (2, 3, 6, 7): with s = 2 the last column is cut off by the pool
    cand = conv.forward(a, (K, b), np, memo={}, pool=s)
    assert cand.shape == (3, s * s, 2, 6 // s, 7 // s)
    np.testing.assert_allclose(cand, pool.candidates(z, np), rtol=0, atol=1e-12)
    np.testing.assert_allclose(pool.forward(cand, (), np), pool.forward(z, (), np), rtol=0, atol=1e-12)


def test_forward_keeps_the_relu_maps_that_training_pools_first():
    net = ConvNet([Conv2D(3, 3, "relu"), MaxPool2D(2), Flatten(), Dense(4, "softmax")], input_shape=(1, 8, 8), seed=0)
    x = np.random.default_rng(3).normal(size=(2, 64))
    zs, acts = net.forward(x)
    assert np.array_equal(acts[1], np.maximum(zs[0], 0))  # the feature maps the lesson draws
    pooled = MaxPool2D(2).forward(acts[1], (), np)
    _, trained = net.forward(x, memos=net.workspace(2).memos)  # relu after the pool: the same pooled maps
    np.testing.assert_allclose(trained[2], pooled, rtol=0, atol=1e-12)  # (summed in another order)


def test_convolution_is_the_sum_over_each_window():
    rng = np.random.default_rng(1)
    layer = Conv2D(2, 3)
    a = rng.normal(size=(2, 3, 5, 6))
    K, b = rng.normal(size=(2, 3, 3, 3)), rng.normal(size=2)
    z = layer.forward(a, (K, b), np)
    assert z.shape == (2, 2, 3, 4)
    for s in range(2):
        for f in range(2):
            for i in range(3):
                for j in range(4):
                    assert z[s, f, i, j] == pytest.approx(np.sum(K[f] * a[s, :, i:i + 3, j:j + 3]) + b[f])
    cols = im2col(a, 3, np)
    assert cols.shape == (27, 2 * 3 * 4)


def test_max_pooling_routes_the_gradient_to_the_arg_max():
    pool = MaxPool2D(2)
    a = np.array([[[[1.0, 5.0, 2.0], [3.0, 4.0, 0.0], [9.0, 9.0, 9.0]]]])  # the last row is cut off
    assert pool.forward(a, (), np).tolist() == [[[[5.0]]]]
    grad = pool.backward(a, pool.forward(a, (), np), np.array([[[[7.0]]]]), (), (), np)
    assert grad.tolist() == [[[[0.0, 7.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]]
    ones = np.ones((1, 1, 2, 2))
    ties = pool.backward(ones, pool.forward(ones, (), np), np.ones((1, 1, 1, 1)), (), (), np)
    assert ties.sum() == 1.0  # a tie sends the gradient to one input, not to all


def small_cnn():
    return ConvNet([Conv2D(3, 3, "relu"), MaxPool2D(2), Flatten(), Dense(4, "softmax")], input_shape=(1, 8, 8),
                   seed=0)


def one_epoch(trainer):
    rng = np.random.default_rng(0)
    X, labels = rng.random((120, 64)), rng.integers(0, 4, 120)
    net = small_cnn()
    trainer.train(net, (X, labels), 0.2, 1, 20, max_batches=6, max_batches_without_improvement=100,
                  cost_estimator_batch_size=40, seed=2, progress=False)
    return net


def test_sequential_pool_and_gpu_path_agree_after_an_epoch():
    reference = one_epoch(Trainer())
    assert not np.array_equal(reference.params, small_cnn().params)  # it trained
    for trainer in (PoolTrainer(1), PoolTrainer(2), GPUTrainer(xp=np)):
        np.testing.assert_allclose(one_epoch(trainer).params, reference.params, rtol=0, atol=1e-10)


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
        trainer.train(nets[-1], (X, labels), 0.1, 1, 50, max_batches=20, max_batches_without_improvement=100,
                      cost_estimator_batch_size=200, seed=5, progress=False)
    assert nets[1].params.dtype == dtype and not np.array_equal(nets[0].params, cnn(seed=4, dtype=dtype).params)
    np.testing.assert_allclose(nets[1].params, nets[0].params, rtol=0, atol=tolerance)
    x = X[:300]
    np.testing.assert_allclose(nets[1].feedforward(x), nets[0].feedforward(x), rtol=0, atol=tolerance)


def test_a_cnn_saves_and_loads_like_an_mlp(tmp_path):
    net = small_cnn()
    net.params[...] = np.random.default_rng(3).normal(size=net.params.size)
    net.save(tmp_path / "cnn.txt")
    text = (tmp_path / "cnn.txt").read_text().splitlines()
    assert text[1:6] == ["convnet 1 8 8", "layer conv2d 3 3 relu", "layer maxpool2d 2", "layer flatten",
                         "layer dense 4 softmax"]
    back = NeuralNetwork.load(tmp_path / "cnn.txt")
    assert isinstance(back, ConvNet) and back.params.tobytes() == net.params.tobytes()
    x = np.random.default_rng(0).random((3, 64))
    np.testing.assert_array_equal(back.feedforward(x), net.feedforward(x))
    bad = (tmp_path / "cnn.txt").read_text().replace("K1 3 1 3 3", "K1 3 1 2 2")
    (tmp_path / "bad.txt").write_text(bad)
    with pytest.raises(ValueError, match=r"bad.txt, line 9: K1 must be 3x1x3x3 for these layers, found 3x1x2x2"):
        load_from_file(tmp_path / "bad.txt")


@pytest.mark.parametrize("layers,shape,words", [
    ([Conv2D(2, 3), Dense(3)], (1, 6, 6), "put a Flatten"),
    ([Conv2D(2, 7), Flatten(), Dense(3)], (1, 6, 6), "a 7x7 kernel does not fit a 6x6 input"),
    ([Conv2D(2, 3)], (1, 6, 6), "the last layer must give a vector"),
    (["pool 2"], (1, 6, 6), "unknown layer 'pool 2'"),
    ([Flatten(), Dense(3, "relu")], (1, 2, 2), None),
])
def test_bad_layers(layers, shape, words):
    if words is None:
        with pytest.raises(ValueError, match="cross_entropy needs a softmax or sigmoid output layer"):
            ConvNet(layers, input_shape=shape)
        return
    with pytest.raises(ValueError, match=words):
        ConvNet(layers, input_shape=shape)


def test_wrong_input_width():
    with pytest.raises(ValueError, match=r"x: expected shape \(64,\) or \(m, 64\) for input images of shape \(1, 8, 8\)"):
        small_cnn().feedforward(np.zeros(63))
