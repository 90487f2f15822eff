"""The layers of a ConvNet (tinynet.conv.layers) and im2col (tinynet.conv.im2col): each pass against its definition."""

import numpy as np
import pytest

from tinynet.conv.im2col import col2im, im2col
from tinynet.conv.layers import Conv2D, Dense, Flatten, MaxPool2D, parse_layer


def test_convolution_is_the_sum_over_each_window():
    rng = np.random.default_rng(1)
    layer = Conv2D(2, 3)
    a = rng.normal(size=(2, 3, 5, 6))
    K, b = rng.normal(size=(2, 3, 3, 3)), rng.normal(size=2)
    z, cols = layer.forward(a, (K, b))
    assert z.shape == (2, 2, 3, 4) and cols.shape == (27, 2 * 3 * 4)
    for s in range(2):
        for f in range(2):
            for i in range(3):
                for j in range(4):
                    assert z[s, f, i, j] == pytest.approx(np.sum(K[f] * a[s, :, i : i + 3, j : j + 3]) + b[f])
    assert np.array_equal(cols, im2col(a, 3))


def test_col2im_is_the_way_back_of_im2col():
    # <im2col(a), g> = <a, col2im(g)> for every a and g: col2im is im2col's transpose
    rng = np.random.default_rng(7)
    a, g = rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(3 * 3 * 3, 2 * 4 * 3))
    assert np.sum(im2col(a, 3) * g) == pytest.approx(np.sum(a * col2im(g, a.shape, 3)), rel=1e-12)


def test_max_pooling_routes_the_error_to_the_arg_max():
    pool = MaxPool2D(2)
    a = np.array([[[[1.0, 5.0, 2.0], [3.0, 4.0, 0.0], [9.0, 9.0, 9.0]]]])  # the last row and column are cut off
    z, mask = pool.forward(a, ())
    assert z.tolist() == [[[[5.0]]]]
    assert mask.tolist() == [[[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]]
    grads, g = pool.backward(np.array([[[[7.0]]]]), a, mask, ())
    assert grads == () and g.tolist() == [[[[0.0, 7.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]]


def test_max_pooling_takes_the_first_of_tied_inputs_in_reading_order():
    pool = MaxPool2D(3)
    a = np.zeros((1, 1, 3, 3))
    a[0, 0, 0, 2] = a[0, 0, 1, 0] = a[0, 0, 2, 1] = 1.0  # three tied maxima
    z, mask = pool.forward(a, ())
    assert np.argwhere(mask[0, 0]).tolist() == [[0, 2]]
    ones = np.ones((2, 3, 4, 4))
    z, mask = MaxPool2D(2).forward(ones, ())
    assert mask.reshape(2, 3, 2, 2, 2, 2).sum(axis=(3, 5)).tolist() == np.ones((2, 3, 2, 2)).tolist()  # one per window


def test_dense_and_flatten_pass_back_their_errors(rng):
    a, W, b = rng.normal(size=(4, 5)), rng.normal(size=(3, 5)), rng.normal(size=3)
    z, _ = Dense(3).forward(a, (W, b))
    delta = rng.normal(size=(4, 3))
    (nabla_w, nabla_b), g = Dense(3).backward(delta, a, None, (W, b))
    np.testing.assert_allclose(z, a @ W.T + b)
    np.testing.assert_allclose(nabla_w, delta.T @ a)
    np.testing.assert_allclose(nabla_b, delta.sum(axis=0))
    np.testing.assert_allclose(g, delta @ W)
    assert Dense(3).backward(delta, a, None, (W, b), need_input_grad=False)[1] is None  # the first layer's
    maps = rng.normal(size=(2, 3, 2, 2))
    flat, _ = Flatten().forward(maps, ())
    assert flat.shape == (2, 12) and Flatten().backward(flat, maps, None, ())[1].shape == maps.shape


@pytest.mark.parametrize("text", ["conv2d 8 5 relu", "maxpool2d 2", "flatten", "dense 10 softmax"])
def test_a_layer_reads_back_its_description(text):
    assert parse_layer(text).describe() == text


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
