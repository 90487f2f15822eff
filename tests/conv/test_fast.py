"""FastConvNet (tinynet.conv.fast, tinynet.conv.fused): the plain ConvNet's numbers, pass after pass, on CPU and GPU.

Its gradient against central differences and the plain ConvNet's is in tests/core/test_gradcheck.py.
"""

import os

import numpy as np
import pytest
from test_conv import CASES, batch, one_epoch, small_cnn

import tinynet
from tinynet import ConvNet, Trainer, load_from_file
from tinynet.conv.fast import FastConvNet, fast
from tinynet.conv.fused import conv_forward
from tinynet.conv.layers import Conv2D
from tinynet.examples.cnn_digits import cnn
from tinynet.files.kinds import header_lines
from tinynet.parallel.gpu import GPUTrainer, require_cupy

GPU = pytest.mark.skipif(os.environ.get("TINYNET_GPU_TESTS") != "1", reason="set TINYNET_GPU_TESTS=1 on a GPU machine")


@pytest.mark.parametrize("layers,shape", CASES)
def test_the_fast_passes_give_the_plain_gradients_pass_after_pass(layers, shape):
    rng = np.random.default_rng(2)
    plain = ConvNet(layers, input_shape=shape, seed=1)
    quick = fast(plain)
    quick.slice_size = 3  # a batch of 8: slices of 2, 3 and 3 samples
    for _ in range(3):  # the fast passes reuse their arrays: nothing of a pass may leak into the next
        x, y = batch(plain, 8, rng)
        reference = plain.gradient(x, y)
        tolerance = 1e-12 * np.linalg.norm(reference)
        assert np.linalg.norm(quick.backprop(x, y) - reference) <= tolerance
        p = quick.forward(x)  # forward and backward on their own (one pass of all 8), as a trainer may call them
        assert np.linalg.norm(quick.backward(p, y) - reference) <= tolerance
        np.testing.assert_allclose(quick.feedforward(x), plain.feedforward(x), rtol=1e-12, atol=1e-15)
        assert quick.cost_of(x, y) == pytest.approx(plain.cost_of(x, y), rel=1e-12)
    quick.slice_size = 0
    with pytest.raises(ValueError, match="slice_size"):
        quick.backprop(x, y)


@pytest.mark.parametrize("s", [2, 3])
def test_the_fused_convolution_gives_a_following_pool_its_candidates(s):
    rng = np.random.default_rng(5)
    a, K, b = rng.normal(size=(2, 2, 8, 9)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    z, _ = Conv2D(3, 3).forward(a, (K, b))  # (2, 3, 6, 7): the pool cuts what does not fill a block
    cand = conv_forward(a, K, b, np, {}, pool=s)
    assert cand.shape == (3, s * s, 2, 6 // s, 7 // s)
    for p in range(s):
        for q in range(s):
            place = z[:, :, p : s * (6 // s) : s, q : s * (7 // s) : s].transpose(1, 0, 2, 3)
            np.testing.assert_allclose(cand[:, p * s + q], place, rtol=0, atol=1e-12)


def test_a_fast_network_rebuilds_as_fast_and_saves_as_a_convnet(tmp_path):
    net = cnn(seed=0, filters=2)
    assert type(net) is FastConvNet and type(net.copy()) is FastConvNet
    cls, kwargs = net.spec()
    assert cls is FastConvNet and type(cls(**kwargs, seed=0)) is FastConvNet  # what a worker process builds
    tinynet.save(net, tmp_path / "fast.txt")
    back = load_from_file(tmp_path / "fast.txt")
    assert type(back) is ConvNet and back.params.tobytes() == net.params.tobytes()
    assert header_lines(back) == header_lines(net)
    assert type(fast(back)) is FastConvNet and fast(back).params.tobytes() == net.params.tobytes()


def test_an_epoch_of_the_fast_network_is_the_plain_ones():
    reference = one_epoch(Trainer())
    assert not np.array_equal(reference.params, small_cnn().params)  # it trained
    np.testing.assert_allclose(one_epoch(Trainer(), FastConvNet).params, reference.params, rtol=0, atol=1e-10)
    # the GPU trainer's code path, NumPy standing in for CuPy
    np.testing.assert_allclose(one_epoch(GPUTrainer(xp=np), FastConvNet).params, reference.params, rtol=0, atol=1e-10)


@GPU
@pytest.mark.parametrize("kind", [ConvNet, FastConvNet])
@pytest.mark.parametrize("layers,shape", CASES)
def test_gradients_on_a_real_gpu_match_the_cpu(layers, shape, kind):
    cupy = require_cupy()
    rng = np.random.default_rng(4)
    net = kind(layers, input_shape=shape, seed=1)
    x, y = batch(net, 5, rng)
    cpu = net.gradient(x, y)
    on_gpu = net.to(cupy)
    for _ in range(2):  # the second pass reuses the fast network's arrays
        np.testing.assert_allclose(
            cupy.asnumpy(on_gpu.gradient(cupy.asarray(x), cupy.asarray(y))), cpu, rtol=1e-9, atol=1e-12
        )


@GPU
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
