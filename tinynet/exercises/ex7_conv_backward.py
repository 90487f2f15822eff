"""Exercise 7: a convolution's backward pass, checked against ``tinynet.conv.Conv2D.backward``."""

import numpy as np

from ..conv import Conv2D
from .grading import MEAN, SIGN, Case, Mistake

NUMBER, TITLE, LESSON = 7, "a convolution's backward pass", 13
SIGNATURES = {"conv_backward": "conv_backward(a_prev, K, delta) -> (nabla_K, nabla_b, nabla_a_prev)"}
SHAPE_HINT = (
    "mind the shapes: a^(l-1) is (m, C, H, W), K is (F, C, k, k), delta is (m, F, H-k+1, W-k+1); "
    "∂C/∂K is K's shape, ∂C/∂b is (F,), ∂C/∂a^(l-1) is a^(l-1)'s shape"
)

TEMPLATE = '''"""Exercise 7 (lesson 13, a convolutional network): the backward pass of a convolution.

Check it with:  tinynet exercise 7 {file}
"""

import numpy as np


def conv_backward(a_prev, K, delta):
    """The gradients of a convolution layer (valid padding, stride 1) from its error delta = ∂C/∂z.

    Forward, for sample s, output channel f and position (i, j) (a correlation: no kernel flip):

        z[s, f, i, j] = Σ_c Σ_u Σ_v K[f, c, u, v] · a_prev[s, c, i+u, j+v] + b[f]

    Backward, by the chain rule (the sums run over every sample s and every position (i, j)):

        ∂C/∂K[f, c, u, v]      = Σ_s Σ_i Σ_j delta[s, f, i, j] · a_prev[s, c, i+u, j+v]
        ∂C/∂b[f]               = Σ_s Σ_i Σ_j delta[s, f, i, j]
        ∂C/∂a_prev[s, c, p, q] = Σ_f Σ_u Σ_v delta[s, f, p-u, q-v] · K[f, c, u, v]
                                 (only the terms where (p-u, q-v) is a position of z)

    C is the SUM of the samples' costs: the gradients of K and b are summed over the batch.

    Args:
        a_prev: a^(l-1), shape (m, C, H, W): m samples of C channels of H x W.
        K: the kernels, shape (F, C, k, k).
        delta: delta^l = ∂C/∂z^l, shape (m, F, H - k + 1, W - k + 1).

    Returns:
        (nabla_K, nabla_b, nabla_a_prev): ∂C/∂K of shape (F, C, k, k), ∂C/∂b of shape (F,),
        ∂C/∂a^(l-1) of shape (m, C, H, W).
    """
    raise NotImplementedError
'''

# (m, C, H, W, F, k): one and several samples and channels, square and oblong inputs, 1x1 to 5x5 kernels
SHAPES = [
    (1, 1, 5, 5, 2, 3),
    (3, 2, 6, 5, 3, 2),
    (2, 3, 4, 4, 1, 1),
    (4, 1, 6, 6, 2, 3),
    (2, 2, 5, 6, 2, 5),
    (3, 2, 7, 7, 2, 4),
]


def name(path):
    parts = ("nabla_K (∂C/∂K)", "nabla_b (∂C/∂b)", "nabla_a_prev (∂C/∂a^(l-1))")
    return parts[path[0]] if path else "the return value (nabla_K, nabla_b, nabla_a_prev)"


def backward(a, K, delta):
    """tinynet's (∂C/∂K, ∂C/∂b, ∂C/∂a^(l-1)): Conv2D's forward (for its windows), then its backward."""
    F, _, k, _ = K.shape
    layer, b = Conv2D(F, k), np.zeros(F)
    _, cols = layer.forward(a, (K, b), np)
    nabla_K, nabla_b = np.empty_like(K), np.empty(F)
    nabla_a = layer.backward(delta, a, cols, (K, b), (nabla_K, nabla_b), np)
    return nabla_K, nabla_b, nabla_a


def cases():
    out = []
    for n, (m, C, H, W, F, k) in enumerate(SHAPES):
        rng = np.random.default_rng(700 + n)
        a = rng.standard_normal((m, C, H, W))
        K = rng.standard_normal((F, C, k, k))
        delta = rng.standard_normal((m, F, H - k + 1, W - k + 1))
        nabla_K, nabla_b, nabla_a = backward(a, K, delta)
        flipped = backward(a, K[:, :, ::-1, ::-1].copy(), delta)[2]
        kernel_hint = (
            "a flipped kernel: tinynet's convolution is a correlation, z[f, i, j] = "
            "Σ K[f, c, u, v] a[c, i+u, j+v]: no index runs backwards"
        )
        mistakes = [
            Mistake(MEAN, (nabla_K / m, nabla_b / m, nabla_a)),
            Mistake(MEAN, (nabla_K / m, nabla_b / m, nabla_a / m)),
            Mistake(SIGN, (-nabla_K, -nabla_b, -nabla_a)),
            Mistake(kernel_hint, (nabla_K, nabla_b, flipped)),
            Mistake(kernel_hint, (nabla_K[:, :, ::-1, ::-1], nabla_b, nabla_a)),
            Mistake(kernel_hint, (nabla_K[:, :, ::-1, ::-1], nabla_b, flipped)),
            Mistake(
                "∂C/∂b[f] sums delta[:, f] over every sample AND every position (i, j): shape (F,)",
                (nabla_K, delta.sum(axis=0), nabla_a),
            ),
            Mistake(
                "∂C/∂b[f] sums delta[:, f] over every sample AND every position (i, j): shape (F,)",
                (nabla_K, delta.sum(axis=(2, 3)), nabla_a),
            ),
        ]
        if m > 1:
            first = backward(a[:1], K, delta[:1])
            mistakes.append(
                Mistake(
                    "∂C/∂K and ∂C/∂b are sums over every sample of the batch, not the first",
                    (first[0], first[1], nabla_a),
                )
            )

        def call(f, a=a, K=K, delta=delta):
            return f["conv_backward"](a.copy(), K.copy(), delta.copy())

        out.append(
            Case(
                f"a_prev (m={m}, C={C}, H={H}, W={W}), K (F={F}, C={C}, k={k}), delta {delta.shape}",
                call,
                (nabla_K, nabla_b, nabla_a),
                mistakes,
            )
        )
    return out
