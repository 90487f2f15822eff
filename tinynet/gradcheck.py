"""Gradient checking: backprop against central differences of the cost.

For a parameter p, the cost's slope is approximately

    ∂C/∂p ≈ (C(p + ε) - C(p - ε)) / (2ε),

with an error of order ε². Comparing that with what ``backprop`` returns, layer
by layer, as a relative error

    ‖nabla_backprop - nabla_numerical‖ / (‖nabla_backprop‖ + ‖nabla_numerical‖)

catches almost any mistake in a backward pass: in float64 a correct one
agrees to better than 1e-7, a wrong one is off by 1e-2 or more. Float64,
because the numerical slope's round-off is the precision times C over 2ε:
about 1e-10 of the slope in float64, about the slope itself in float32
(lesson 7 measures both).
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class GradCheck:
    """The relative error of each parameter block, by name (W1, b1, ...; K for a kernel).

    ``W`` and ``b`` list the weight (or kernel) and bias errors in layer order;
    ``max_error`` is the largest of all.
    """

    errors: dict
    checked: int

    @property
    def W(self):
        return [e for name, e in self.errors.items() if not name.startswith("b")]

    @property
    def b(self):
        return [e for name, e in self.errors.items() if name.startswith("b")]

    @property
    def max_error(self):
        return max(self.errors.values())

    def __str__(self):
        rows = [f"{name:>4}: {e:.2e}" for name, e in self.errors.items()]
        return "\n".join(rows + [f"max relative error {self.max_error:.2e} ({self.checked} parameters checked)"])


def numerical_gradient(network, x, y, index, eps=1e-6, array=None):
    """(C(p + ε) - C(p - ε)) / 2ε for the number p = ``array[index]``: the cost's measured slope along p.

    ``array`` is where p lives: ``network.params`` by default, or a view of it
    (``network.weights[0]``, ``network.biases[1]``: then ``index`` is that
    array's own), or even the input ``x`` (how the cost moves with an input).
    """
    p = network.params if array is None else array
    old = p[index]
    p[index] = old + eps
    plus = network.cost_of(x, y)
    p[index] = old - eps
    minus = network.cost_of(x, y)
    p[index] = old
    return (plus - minus) / (2 * eps)


def gradcheck(network, x, y, eps=1e-6, samples=None, seed=0):
    """Compare ``network.backprop`` with central differences; return a [`GradCheck`][tinynet.gradcheck.GradCheck].

    Works for every network kind (NeuralNetwork, ConvNet, the stable networks). ``samples``: check this many
    randomly chosen entries of each parameter block (None: every parameter).
    """
    x = network.check_x(x)
    y = network.check_y(y, len(x))
    grad = network.gradient(x, y)  # backprop's ∂C/∂params, one flat array laid out like params
    rng = np.random.default_rng(seed)
    errors, checked, offset = {}, 0, 0  # offset: where each block starts in network.params
    for name, P in network.named_params():
        picked = (
            np.arange(P.size) if samples is None or samples >= P.size else rng.choice(P.size, samples, replace=False)
        )
        numeric = np.array([numerical_gradient(network, x, y, offset + k, eps) for k in picked])
        exact = grad[offset + picked]
        denom = np.linalg.norm(exact) + np.linalg.norm(numeric)
        errors[name] = float(np.linalg.norm(exact - numeric) / denom) if denom else 0.0
        checked += len(picked)
        offset += P.size
    return GradCheck(errors, checked)
