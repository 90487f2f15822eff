"""Exercise 2: the output error delta^L, checked against the cost's own ``delta`` in ``network.trace``."""

from tinynet.activations import ACTIVATIONS
from tinynet.costs import COSTS
from tinynet.teach.exercises.grading import MEAN, SIGN, Case, Mistake, network

NUMBER, TITLE, LESSONS = 2, "the output error delta^L", (4,)
SIGNATURES = {"output_error": "output_error(z, a, y, cost, activation) -> delta"}
SHAPE_HINT = "z, a, y and delta^L all have shape (m, n_L): work entry by entry (and row by row for softmax)"

TEMPLATE = '''"""Exercise 2 (lesson 4, the output error): delta^L for two costs and three output activations.

Check it with:  tinynet exercise 2 {file}

Leave the arrays and lists you are given as they are (compute into new ones): the check
compares them after each call.
"""

import numpy as np


def output_error(z, a, y, cost, activation):
    """The output error delta^L = ∂C/∂z^L of a batch.

    For one sample:  delta^L = ∇_a C ⊙ σ'(z^L).

    cost "quadratic":      C = ½ ‖a^L - y‖²,  so  ∇_a C = a^L - y.
    cost "cross_entropy":  with a sigmoid output  C = -Σ_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)],
                           with a softmax output  C = -Σ_j y_j ln a_j  (each row of y sums to 1).

    activation "sigmoid":  a = 1 / (1 + e^(-z)),     σ'(z) = a (1 - a)
    activation "identity": a = z,                    σ'(z) = 1
    activation "softmax":  a_j = e^(z_j) / Σ_k e^(z_k) over the units of ONE sample; it is not element-wise:
                           ∂a_j/∂z_k = a_j (δ_jk - a_k), so for g = ∇_a C the error is
                           delta = a ⊙ (g - Σ_k g_k a_k)   (the sum over the units of each sample)

    (cross_entropy goes with a sigmoid or a softmax output, never with identity.)

    Args:
        z: z^L, shape (m, n_L): one sample per row.
        a: a^L = σ(z^L), shape (m, n_L).
        y: the targets, shape (m, n_L).
        cost: "quadratic" or "cross_entropy".
        activation: "sigmoid", "softmax" or "identity".

    Returns:
        delta^L, shape (m, n_L): one row per sample (not summed over the batch).
    """
    raise NotImplementedError
'''

COMBINATIONS = [
    ("quadratic", "sigmoid"),
    ("quadratic", "identity"),
    ("quadratic", "softmax"),
    ("cross_entropy", "sigmoid"),
    ("cross_entropy", "softmax"),
]


def name(path):
    return "delta (the return value)"


def cost_delta(cost, activation, z, a, y):
    """tinynet's cost's delta^L for the output activation ``activation`` (a name)."""
    return COSTS[cost].delta(z, a, y, ACTIVATIONS[activation])


def cases():
    out = []
    for k, (cost, act) in enumerate(COMBINATIONS):
        for m in (1, 4):
            net, x, y = network(10 * k + m, [3, 4], (act,), cost, m)
            t = net.trace(x, y)
            z, a, delta = t[1].z, t[1].a, t[1].delta
            mistakes = [
                Mistake(SIGN + ": delta^L starts from ∇_a C = a - y, not y - a", -delta),
                Mistake(MEAN, delta / m),
            ]
            if cost == "quadratic":
                mistakes.append(
                    Mistake(
                        "a missing σ' factor: for the quadratic cost delta^L = (a^L - y) ⊙ σ'(z^L)",
                        cost_delta(cost, "identity", z, a, y),
                    )
                )
            else:
                mistakes.append(
                    Mistake(
                        "with the cross-entropy cost σ' cancels out: delta^L = a^L - y, no σ' factor",
                        cost_delta("quadratic", act, z, a, y),
                    )
                )
            if act == "softmax":
                mistakes.append(
                    Mistake(
                        "softmax is not element-wise: its σ' is not a (1 - a); "
                        "delta = a ⊙ (g - Σ_k g_k a_k) with g = ∇_a C, summed over each row",
                        cost_delta(cost, "sigmoid", z, a, y),
                    )
                )
            if act == "softmax" and cost == "quadratic":
                g = a - y
                mistakes += [
                    Mistake(
                        "if you summed Σ_k g_k a_k with axis=0: that runs over the batch; the sum runs over the "
                        "units of each sample, along a row (axis=1)",
                        a * (g - (g * a).sum(axis=0, keepdims=True)),
                    ),
                    Mistake(
                        "(g * a).sum(axis=1) has shape (m,), and broadcasting lays it along each row, not down the "
                        "rows; keep it a column of shape (m, 1): .sum(axis=1, keepdims=True)",
                        a * (g - (g * a).sum(axis=1)) if m == a.shape[1] else None,
                    ),
                ]
            if act == "sigmoid" and cost == "quadratic":
                sigma = ACTIVATIONS["sigmoid"]
                mistakes += [
                    Mistake(
                        "σ' is taken at z^L, not at a^L: σ'(z) = a (1 - a) with a = σ(z)",
                        sigma.backward(a, sigma(a), a - y),
                    ),
                    Mistake(
                        "σ'(z) = a (1 - a) is written with a = σ(z), not with z: not z (1 - z)", (a - y) * z * (1 - z)
                    ),
                ]
            args = {"z": z, "a": a, "y": y, "cost": cost, "activation": act}
            out.append(Case(f"{cost} cost, {act} output, a batch of m={m}", args, delta, mistakes))
    return out
