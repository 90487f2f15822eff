"""Exercise 3: backpropagating the error one layer, checked against ``network.backward``'s delta^l."""

from tinynet.teach.exercises.grading import COLUMNS, MEAN, NETWORKS, SIGN, Case, Mistake, label, network

NUMBER, TITLE, LESSONS = 3, "backpropagating one layer", (5,)
SIGNATURES = {"backpropagate": "backpropagate(delta_next, W_next, z, sigma_prime) -> delta"}
SHAPE_HINT = (
    "mind the shapes: delta^(l+1) is (m, n_(l+1)) and W^(l+1) is (n_(l+1), n_l), so with rows as "
    "samples (W^(l+1))ᵀ delta^(l+1) is delta_next @ W_next, of shape (m, n_l)"
)

TEMPLATE = '''"""Exercise 3 (lesson 5, backpropagating the error): delta^l from delta^(l+1).

Check it with:  tinynet exercise 3 {file}

Leave the arrays and lists you are given as they are (compute into new ones): the check
compares them after each call.
"""

import numpy as np


def backpropagate(delta_next, W_next, z, sigma_prime):
    """The error delta^l of a hidden layer l from the error delta^(l+1) of the layer above it.

    For one sample as a column vector:

        delta^l = ((W^(l+1))ᵀ delta^(l+1)) ⊙ σ'(z^l)

    (⊙: entry by entry). With the m samples of a batch as ROWS, (W^(l+1))ᵀ delta^(l+1)
    becomes the product delta^(l+1) W^(l+1), one row per sample.

    Args:
        delta_next: delta^(l+1), shape (m, n_(l+1)).
        W_next: W^(l+1), shape (n_(l+1), n_l) (it maps layer l to layer l+1).
        z: z^l, shape (m, n_l).
        sigma_prime: a function: sigma_prime(z) returns σ'(z), entry by entry, for an array z.

    Returns:
        delta^l, shape (m, n_l).
    """
    raise NotImplementedError
'''


def name(path):
    return "delta (the return value)"


def cases():
    out = []
    for k, (sizes, acts, cost, m) in enumerate(NETWORKS):
        net, x, y = network(k, sizes, acts, cost, m)
        t = net.trace(x, y)
        for l in range(1, len(sizes) - 1):  # the hidden layers
            act = net.activations[l - 1]
            delta_next, W_next, z, delta = t[l + 1].delta, t[l + 1].W, t[l].z, t[l].delta
            mistakes = [
                # what network.backward hands σ' for layer l: delta^(l+1) W^(l+1), before the σ' factor
                Mistake("a missing σ' factor: delta^l = ((W^(l+1))ᵀ delta^(l+1)) ⊙ σ'(z^l)", delta_next @ W_next),
                Mistake(SIGN, -delta),
                Mistake(MEAN, delta / m),
                Mistake(
                    "σ' multiplies the error, it does not replace it: delta^l = ((W^(l+1))ᵀ delta^(l+1)) ⊙ σ'(z^l)",
                    act.derivative(z),
                ),
                Mistake(
                    "σ' is taken at z^l, the layer's weighted input, not at the backpropagated error "
                    "(W^(l+1))ᵀ delta^(l+1)",
                    (delta_next @ W_next) * act.derivative(delta_next @ W_next),
                ),
                Mistake(
                    "⊙ is a product, entry by entry: multiply by σ'(z^l), do not add it",
                    delta_next @ W_next + act.derivative(z),
                ),
                Mistake(COLUMNS.replace("(n, m)", "(n_l, m)").replace("(m, n)", "(m, n_l)"), delta.T),
            ]
            if W_next.shape[0] == W_next.shape[1]:  # a transposed W keeps its shape: only its values tell
                mistakes.append(
                    Mistake(
                        "a transposed W: with rows as samples, (W^(l+1))ᵀ delta^(l+1) is delta_next @ W_next",
                        act.backward(z, t[l].a, delta_next @ W_next.T),
                    )
                )

            args = {"delta_next": delta_next, "W_next": W_next, "z": z, "sigma_prime": act.derivative}
            out.append(Case(f"{label(sizes, acts, cost, m)}; layer l={l} ({act.name})", args, delta, mistakes))
    return out
