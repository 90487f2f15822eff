"""Exercise 1: feedforward, every z^l and a^l of a batch, checked against ``network.forward``."""

from tinynet.teach.exercises.grading import NETWORKS, Case, Mistake, label, network, pair_entry_name

NUMBER, TITLE, LESSONS = 1, "feedforward", (2,)
SIGNATURES = {"feedforward": "feedforward(x, weights, biases, sigmas) -> (zs, activations)"}
SHAPE_HINT = (
    "mind the shapes: W^l is (n_l, n_(l-1)) and a^(l-1) is (m, n_(l-1)) with one sample per row, "
    "so z^l = a^(l-1) @ W^l.T + b^l"
)

TEMPLATE = '''"""Exercise 1 (lesson 2, feedforward): compute every z^l and a^l of a batch.

Check it with:  tinynet exercise 1 {file}

Leave the arrays and lists you are given as they are (compute into new ones): the check
compares them after each call.
"""

import numpy as np


def feedforward(x, weights, biases, sigmas):
    """Feed the batch x forward through the layers l = 1..L; return (zs, activations).

    For l = 1..L, with a^0 = x:

        z^l = W^l a^(l-1) + b^l        (one sample as a column vector)
        a^l = σ^l(z^l)

    With the m samples of a batch as ROWS the first equation reads
    z^l = a^(l-1) (W^l)ᵀ + b^l  (b^l added to every row).

    Args:
        x: the input a^0, shape (m, n_0): one sample per row.
        weights: [W^1, ..., W^L]; W^l has shape (n_l, n_(l-1)) (weights[l-1] is W^l).
        biases: [b^1, ..., b^L]; b^l has shape (n_l,).
        sigmas: [σ^1, ..., σ^L]; sigmas[l-1](z) returns σ^l(z) for an array z of shape (m, n_l).

    Returns:
        zs: [z^1, ..., z^L], z^l of shape (m, n_l).
        activations: [a^0, a^1, ..., a^L] (L + 1 arrays: a^0 = x first), a^l of shape (m, n_l).
    """
    raise NotImplementedError
'''


def name(path):
    return pair_entry_name(path, ("zs", "activations"), lambda k, i: f"z^{i + 1}" if k == 0 else f"a^{i}")


def answer(net, x, y):
    """tinynet's (zs, activations) for x: the pass ``network.forward`` keeps for backward."""
    p = net.forward(x)
    return list(p.z), list(p.a)


def changed(net, x, y, change):
    """tinynet's answer for a copy of ``net`` whose weights and biases ``change(W, b)`` altered in place."""
    other = net.copy()
    for W, b in zip(other.weights, other.biases):
        change(W, b)
    return answer(other, x, y)


def every_layer_fed_x(net, x):
    """The answer when every layer is fed x instead of a^(l-1) (square layers only)."""
    zs, a = [], [x]
    for W, b, sigma in zip(net.weights, net.biases, net.activations):
        zs.append(x @ W.T + b)
        a.append(sigma(zs[-1]))
    return zs, a


def no_bias(W, b):
    b[...] = 0.0


def minus_bias(W, b):
    b *= -1.0


def transposed(W, b):
    W[...] = W.T.copy()


def cases():
    out = []
    for k, (sizes, acts, cost, m) in enumerate(NETWORKS):
        net, x, y = network(k, sizes, acts, cost, m)
        zs, a = answer(net, x, y)
        mistakes = [
            Mistake("forgetting the bias: z^l = W^l a^(l-1) + b^l, the b^l included", changed(net, x, y, no_bias)),
            Mistake("the bias subtracted: z^l = W^l a^(l-1) + b^l adds it", changed(net, x, y, minus_bias)),
            Mistake(
                "the layers in the wrong order: zs and activations go from layer 1 (and a^0) up to L",
                (zs[::-1], a[::-1]),
            ),
            Mistake("activations must start with a^0 = x: L + 1 arrays, a^0 to a^L", (zs, a[1:])),
            Mistake("the pair the wrong way round: return (zs, activations)", (a, zs)),
            Mistake("zs holds L arrays, z^1 to z^L: only activations starts with the input, a^0 = x", ([x] + zs, a)),
        ]
        if len(set(acts)) > 1:  # the layers' activations differ: using them in the wrong order shows
            other = net.copy()
            other.activations = other.activations[::-1]
            mistakes.append(
                Mistake(
                    "the activations in the wrong order: σ^l (sigmas[l-1]) belongs to layer l, the first to layer 1",
                    answer(other, x, y),
                )
            )
        if all(n == sizes[0] for n in sizes):  # square W: a transposed W keeps its shape
            mistakes.append(
                Mistake(
                    "a transposed W: with rows as samples, z^l = a^(l-1) @ W^l.T + b^l", changed(net, x, y, transposed)
                )
            )
            mistakes.append(
                Mistake(
                    "every layer was fed x: layer l's input is a^(l-1), the previous layer's activation "
                    "(activations[-1] in the loop), not x",
                    every_layer_fed_x(net, x),
                )
            )
        identity = type(net)(sizes, "identity", "quadratic", seed=0, init="normal")
        identity.params[...] = net.params
        mistakes.append(Mistake("σ is missing: a^l = σ^l(z^l), not z^l", answer(identity, x, y)))

        args = {"x": x, "weights": list(net.weights), "biases": list(net.biases), "sigmas": list(net.activations)}
        out.append(Case(label(sizes, acts, cost, m), args, (zs, a), mistakes))
    return out
