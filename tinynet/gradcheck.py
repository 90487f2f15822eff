"""Gradient checking: backprop against central differences of the cost.

For a parameter p, the cost's slope is approximately

    ∂C/∂p ≈ (C(p + ε) - C(p - ε)) / (2ε),

with an error of order ε². Comparing that with what ``backprop`` returns, layer
by layer, as a relative error

    ‖nabla_backprop - nabla_numerical‖ / (‖nabla_backprop‖ + ‖nabla_numerical‖)

catches almost any mistake in a backward pass: in float64 a correct one
agrees to about 1e-8 or better, a wrong one to 1e-1.
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class GradCheck:
    """Relative errors per layer: ``W[i]`` and ``b[i]`` for layer i + 1; ``max_error`` over all."""

    W: list
    b: list
    checked: int

    @property
    def max_error(self):
        return max(self.W + self.b)

    def __str__(self):
        rows = [f"layer {i + 1}: W {w:.2e}   b {b:.2e}" for i, (w, b) in enumerate(zip(self.W, self.b))]
        return "\n".join(rows + [f"max relative error {self.max_error:.2e} ({self.checked} parameters checked)"])


def numerical_gradient(network, x, y, index, eps=1e-6):
    """(C(p + ε) - C(p - ε)) / 2ε for the parameter ``network.params[index]``."""
    p = network.params
    old = p[index]
    p[index] = old + eps
    plus = network.cost_of(x, y)
    p[index] = old - eps
    minus = network.cost_of(x, y)
    p[index] = old
    return (plus - minus) / (2 * eps)


def gradcheck(network, x, y, eps=1e-6, samples=None, seed=0):
    """Compare ``network.backprop`` with central differences; return a :class:`GradCheck`.

    ``samples``: check this many randomly chosen entries of each W and b
    (None: every parameter; a big network has many).
    """
    x = np.atleast_2d(np.asarray(x, dtype=network.dtype))
    y = np.asarray(y, dtype=network.dtype).reshape(x.shape[0], -1)
    nabla_w, nabla_b = network.backprop(x, y)
    rng = np.random.default_rng(seed)
    errors = {"W": [], "b": []}
    checked, offset = 0, 0  # offset: where each W or b starts in network.params (W1, b1, W2, ...)
    for i, (W, b) in enumerate(zip(network.weights, network.biases)):
        for key, P, G in (("W", W, nabla_w[i]), ("b", b, nabla_b[i])):
            picked = np.arange(P.size) if samples is None or samples >= P.size else \
                rng.choice(P.size, samples, replace=False)
            numeric = np.array([numerical_gradient(network, x, y, offset + k, eps) for k in picked])
            exact = G.ravel()[picked]
            denom = np.linalg.norm(exact) + np.linalg.norm(numeric)
            errors[key].append(float(np.linalg.norm(exact - numeric) / denom) if denom else 0.0)
            checked += len(picked)
            offset += P.size
    return GradCheck(errors["W"], errors["b"], checked)
