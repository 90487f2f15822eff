"""Exercise 8: a convolution's backward pass, checked against ``tinynet.conv.layers.Conv2D.backward``."""

import numpy as np

from tinynet.conv.layers import Conv2D
from tinynet.teach.exercises.grading import MEAN, SIGN, Case, Mistake

NUMBER, TITLE, LESSONS = 8, "a convolution's backward pass", (13,)
SIGNATURES = {"conv_backward": "conv_backward(a_prev, K, delta) -> (nabla_k, nabla_b, nabla_a_prev)"}
SHAPE_HINT = (
    "mind the shapes: a_prev is (m, D, n_h, n_w), K is (F, D, k, k), delta is (m, F, n_h-k+1, n_w-k+1); "
    "∂C/∂K is K's shape, ∂C/∂b is (F,), ∂C/∂a^(l-1) is a_prev's shape"
)

TEMPLATE = '''"""Exercise 8 (lesson 13, a convolutional network): the backward pass of a convolution.

Check it with:  tinynet exercise 8 {file}

Leave the arrays and lists you are given as they are (compute into new ones): the check
compares them after each call.
"""

import numpy as np


def conv_backward(a_prev, K, delta):
    """The gradients of a convolution layer (valid padding, stride 1) from its error delta = ∂C/∂z.

    The sizes: a batch of m samples, each of D channels of n_h x n_w pixels; F kernels,
    each k x k over all D channels; z has F channels of (n_h-k+1) x (n_w-k+1) positions.
    The indices: f a kernel (an output channel), c an input channel, (i, j) a position
    of z, (u, v) a place in the kernel, (p, q) a pixel of a_prev. The window of
    position (i, j) is a_prev[:, :, i:i+k, j:j+k]: the D x k x k pixels the kernels see there.

    Forward, for every sample (the ':' of the first axis) and every position (i, j)
    (a correlation: no kernel flip):

        z[:, f, i, j] = Σ_c Σ_u Σ_v K[f, c, u, v] · a_prev[:, c, i+u, j+v] + b[f]

    Backward, by the chain rule:

        ∂C/∂K[f, c, u, v]   = Σ over the samples and every (i, j) of delta[:, f, i, j] · a_prev[:, c, i+u, j+v]
        ∂C/∂b[f]            = Σ over the samples and every (i, j) of delta[:, f, i, j]
        ∂C/∂a_prev[:, c, p, q] = Σ_f Σ_u Σ_v delta[:, f, p-u, q-v] · K[f, c, u, v]
                                 (only the terms where (p-u, q-v) is a position of z)

    A pixel lies in up to k x k windows: its ∂C/∂a_prev adds what every one of them
    sends back. C is the SUM of the samples' costs: the gradients of K and b are summed
    over the batch; ∂C/∂a_prev has one entry per pixel of every sample.

    Lesson 13 writes the same as matrix products, z = K cols + b: there K is this
    4-D K reshaped to a matrix, K.reshape(F, -1), one row of D·k·k per kernel; cols
    has one column per window (im2col), and delta is a matrix of F rows, one column
    per window. Then ∂C/∂K = (delta colsᵀ).reshape(K.shape) and
    ∂C/∂a_prev = col2im(K.reshape(F, -1)ᵀ delta). Either way is right here.

    Args:
        a_prev: a^(l-1), shape (m, D, n_h, n_w).
        K: the F kernels, shape (F, D, k, k).
        delta: delta^l = ∂C/∂z^l, shape (m, F, n_h - k + 1, n_w - k + 1).

    Returns:
        (nabla_k, nabla_b, nabla_a_prev): ∂C/∂K of shape (F, D, k, k), ∂C/∂b of shape (F,),
        ∂C/∂a^(l-1) of shape (m, D, n_h, n_w).
    """
    raise NotImplementedError
'''

# (m, D, n_h, n_w, F, k): one and several samples and channels, square and oblong inputs, 1x1 to 5x5 kernels
SHAPES = [
    (1, 1, 5, 5, 2, 3),
    (3, 2, 6, 5, 3, 2),
    (2, 3, 4, 4, 1, 1),
    (4, 1, 6, 6, 2, 3),
    (2, 2, 5, 6, 2, 5),
    (3, 2, 7, 7, 2, 4),
]


def name(path):
    parts = ("nabla_k (∂C/∂K)", "nabla_b (∂C/∂b)", "nabla_a_prev (∂C/∂a^(l-1))")
    return parts[path[0]] if path else "the return value (nabla_k, nabla_b, nabla_a_prev)"


def backward(a, K, delta):
    """tinynet's (∂C/∂K, ∂C/∂b, ∂C/∂a^(l-1)): Conv2D's forward (for its windows), then its backward."""
    F, _, k, _ = K.shape
    layer, b = Conv2D(F, k), np.zeros(F)
    _, cols = layer.forward(a, (K, b))
    (nabla_k, nabla_b), nabla_a = layer.backward(delta, a, cols, (K, b))
    return nabla_k, nabla_b, nabla_a


def cases():
    out = []
    for n, (m, D, n_h, n_w, F, k) in enumerate(SHAPES):
        rng = np.random.default_rng(700 + n)
        a = rng.standard_normal((m, D, n_h, n_w))
        K = rng.standard_normal((F, D, k, k))
        delta = rng.standard_normal((m, F, n_h - k + 1, n_w - k + 1))
        nabla_k, nabla_b, nabla_a = backward(a, K, delta)
        flipped = backward(a, K[:, :, ::-1, ::-1].copy(), delta)[2]
        kernel_hint = (
            "a flipped kernel: tinynet's convolution is a correlation, z[:, f, i, j] = "
            "Σ K[f, c, u, v] a_prev[:, c, i+u, j+v]: no index runs backwards"
        )
        mistakes = [
            Mistake(MEAN, (nabla_k / m, nabla_b / m, nabla_a)),
            Mistake(MEAN, (nabla_k / m, nabla_b / m, nabla_a / m)),
            Mistake(SIGN, (-nabla_k, -nabla_b, -nabla_a)),
            Mistake(kernel_hint, (nabla_k, nabla_b, flipped)),
            Mistake(kernel_hint, (nabla_k[:, :, ::-1, ::-1], nabla_b, nabla_a)),
            Mistake(kernel_hint, (nabla_k[:, :, ::-1, ::-1], nabla_b, flipped)),
            Mistake(
                "∂C/∂b[f] sums delta[:, f] over every sample AND every position (i, j): shape (F,)",
                (nabla_k, delta.sum(axis=0), nabla_a),
            ),
            Mistake(
                "∂C/∂b[f] sums delta[:, f] over every sample AND every position (i, j): shape (F,)",
                (nabla_k, delta.sum(axis=(2, 3)), nabla_a),
            ),
        ]
        if k > 1:
            mistakes.append(
                Mistake(
                    "the kernel's two axes swapped in ∂C/∂K: u goes with the rows (i+u), v with the columns (j+v)",
                    (nabla_k.transpose(0, 1, 3, 2), nabla_b, nabla_a),
                )
            )
        if F > 1:
            mistakes.append(
                Mistake(
                    "∂C/∂a_prev sums over every kernel f: each of the F kernels sends its error back to the pixels",
                    (nabla_k, nabla_b, backward(a, K[:1], delta[:, :1])[2]),
                )
            )
        if m > 1:
            first = backward(a[:1], K, delta[:1])
            mistakes.append(
                Mistake(
                    "∂C/∂K and ∂C/∂b are sums over every sample of the batch, not the first",
                    (first[0], first[1], nabla_a),
                )
            )

        out.append(
            Case(
                f"a_prev (m={m}, D={D}, n_h={n_h}, n_w={n_w}), K (F={F}, D={D}, k={k}), delta {delta.shape}",
                {"a_prev": a, "K": K, "delta": delta},
                (nabla_k, nabla_b, nabla_a),
                mistakes,
            )
        )
    return out
