"""Exercise 4: the gradients ∂C/∂W^l and ∂C/∂b^l from the errors, checked against ``network.backprop``."""

import numpy as np

from tinynet.teach.exercises.grading import MEAN, NETWORKS, SIGN, Case, Mistake, copies, label, network, pair_entry_name

NUMBER, TITLE, LESSONS = 4, "the gradients", (6,)
SIGNATURES = {"gradients": "gradients(deltas, activations) -> (nabla_w, nabla_b)"}
SHAPE_HINT = (
    "mind the shapes: delta^l is (m, n_l) and a^(l-1) is (m, n_(l-1)); ∂C/∂W^l = (delta^l)ᵀ a^(l-1) "
    "has W^l's shape (n_l, n_(l-1)), and ∂C/∂b^l has shape (n_l,)"
)

TEMPLATE = '''"""Exercise 4 (lesson 6, the gradients): ∂C/∂W^l and ∂C/∂b^l of every layer.

Check it with:  tinynet exercise 4 {file}

Leave the arrays and lists you are given as they are (compute into new ones): the check
compares them after each call.
"""

import numpy as np


def gradients(deltas, activations):
    """The gradient of the cost C (summed over the batch) with respect to every W^l and b^l.

    For one sample (columns):  ∂C/∂b^l = delta^l,   ∂C/∂W^l = delta^l (a^(l-1))ᵀ.

    C is the SUM of the samples' costs, so both are summed over the m samples of the
    batch. With the samples as ROWS the sum of the outer products is one matrix product:

        ∂C/∂W^l = (delta^l)ᵀ a^(l-1)            shape (n_l, n_(l-1)), like W^l
        ∂C/∂b^l = Σ over the samples of delta^l   shape (n_l,), like b^l

    Args:
        deltas: [delta^1, ..., delta^L]; delta^l has shape (m, n_l) (deltas[l-1] is delta^l).
        activations: [a^0, a^1, ..., a^L] (a^0 = x first); a^l has shape (m, n_l).

    Returns:
        (nabla_w, nabla_b): nabla_w = [∂C/∂W^1, ..., ∂C/∂W^L] and nabla_b = [∂C/∂b^1, ..., ∂C/∂b^L],
        in layer order, weights first (the order of tinynet's backprop).
    """
    raise NotImplementedError
'''


def name(path):
    return pair_entry_name(path, ("nabla_w", "nabla_b"), lambda k, i: f"∂C/∂{'Wb'[k]}^{i + 1}")


def cases():
    out = []
    for k, (sizes, acts, cost, m) in enumerate(NETWORKS):
        net, x, y = network(k, sizes, acts, cost, m)
        t = net.trace(x, y)
        deltas, a = [layer.delta for layer in t.layers], [t.x] + [layer.a for layer in t.layers]
        nabla_w, nabla_b = (copies(g) for g in net.backprop(x, y))
        expected = (nabla_w, nabla_b)
        mistakes = [
            Mistake(MEAN, (tuple(g / m for g in nabla_w), tuple(g / m for g in nabla_b))),
            Mistake(SIGN, ([-g for g in nabla_w], [-g for g in nabla_b])),
            Mistake(
                "a transposed gradient: ∂C/∂W^l = (delta^l)ᵀ a^(l-1) has W^l's shape (n_l, n_(l-1))",
                ([g.T for g in nabla_w], nabla_b),
            ),
            Mistake(
                "the layers in the wrong order: nabla_w[0] is ∂C/∂W^1, the first layer's",
                (nabla_w[::-1], nabla_b[::-1]),
            ),
            Mistake("the pair the wrong way round: return (nabla_w, nabla_b), weights first", (nabla_b, nabla_w)),
            Mistake(
                "delta^l goes with a^(l-1), the layer's input: ∂C/∂W^l = (delta^l)ᵀ a^(l-1) "
                "(activations[l-1] for deltas[l-1])",
                ([d.T @ a[i + 1] for i, d in enumerate(deltas)], nabla_b),
            ),
            Mistake("∂C/∂b^l is delta^l summed over the samples (the rows): shape (n_l,)", (nabla_w, deltas)),
            Mistake(
                "∂C/∂b^l sums delta^l over the samples, the rows: axis=0, giving shape (n_l,); "
                "axis=1 sums over the units of each sample",
                (nabla_w, [d.sum(axis=1) for d in deltas]),
            ),
            Mistake(
                "∂C/∂b^l has one entry per unit: sum delta^l over the samples only (axis=0), not over every entry",
                (nabla_w, [d.sum() for d in deltas]),
            ),
        ]
        if m > 1:
            mistakes.append(
                Mistake(
                    "the gradients are sums over every sample of the batch, not the first sample's",
                    ([np.outer(d[0], a_prev[0]) for d, a_prev in zip(deltas, a)], [d[0] for d in deltas]),
                )
            )
        args = {"deltas": deltas, "activations": a}
        out.append(Case(label(sizes, acts, cost, m), args, expected, mistakes))
    return out
