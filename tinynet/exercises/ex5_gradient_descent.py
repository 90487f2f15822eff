"""Exercise 5: one step of gradient descent, checked against ``tinynet.trainer.step``."""

from ..trainer import step
from .grading import NETWORKS, Case, Mistake, copies, label, network, pair_entry_name

NUMBER, TITLE, LESSON = 5, "one gradient-descent step", 8
SIGNATURES = {
    "gradient_descent_step": "gradient_descent_step(weights, biases, nabla_w, nabla_b, eta, m) -> (weights, biases)"
}
SHAPE_HINT = "each W^l and ∂C/∂W^l have the same shape, and so do b^l and ∂C/∂b^l: update them layer by layer"

TEMPLATE = '''"""Exercise 5 (lesson 8, gradient descent): one step down the gradient.

Check it with:  tinynet exercise 5 {file}
"""

import numpy as np


def gradient_descent_step(weights, biases, nabla_w, nabla_b, eta, m):
    """The weights and biases after one step of gradient descent on a batch of m samples.

        W^l -> W^l - (η/m) ∂C/∂W^l
        b^l -> b^l - (η/m) ∂C/∂b^l        for every layer l = 1..L

    ∂C/∂W^l and ∂C/∂b^l are SUMS over the m samples of the batch, so dividing by m
    steps along the mean gradient.

    Args:
        weights: [W^1, ..., W^L]; W^l has shape (n_l, n_(l-1)).
        biases: [b^1, ..., b^L]; b^l has shape (n_l,).
        nabla_w: [∂C/∂W^1, ..., ∂C/∂W^L], each the shape of its W^l (summed over the batch).
        nabla_b: [∂C/∂b^1, ..., ∂C/∂b^L], each the shape of its b^l.
        eta: the learning step η, a number.
        m: the batch size, a whole number.

    Returns:
        (weights, biases): the new [W^1, ..., W^L] and [b^1, ..., b^L] (new arrays,
        or the same arrays changed in place and returned).
    """
    raise NotImplementedError
'''


def name(path):
    return pair_entry_name(path, ("weights", "biases"), lambda k, i: f"{'Wb'[k]}^{i + 1}")


def stepped(net, x, y, learning_step):
    """tinynet's weights and biases after ``trainer.step`` with this learning step (on a copy of ``net``)."""
    other = net.copy()
    step(other, x, y, learning_step)
    return copies(other.weights), copies(other.biases)


def cases():
    out = []
    for k, (sizes, acts, cost, m) in enumerate(NETWORKS):
        eta = (0.5, 3.0)[k % 2]
        net, x, y = network(k, sizes, acts, cost, m)
        nabla_w, nabla_b = (copies(g) for g in net.backprop(x, y))
        weights, biases = copies(net.weights), copies(net.biases)
        new_w, new_b = stepped(net, x, y, eta)
        mistakes = [
            Mistake(
                "η instead of η/m: the gradients are sums over the batch, so the step is (η/m) ∂C/∂W",
                stepped(net, x, y, eta * m),
            ),
            Mistake(
                "a sign error: descent goes against the gradient, W^l -> W^l - (η/m) ∂C/∂W^l", stepped(net, x, y, -eta)
            ),
            Mistake("forgetting the bias: b^l -> b^l - (η/m) ∂C/∂b^l as well", (new_w, biases)),
            Mistake("forgetting the weights: W^l -> W^l - (η/m) ∂C/∂W^l as well", (weights, new_b)),
            Mistake("the parameters did not change: return the new weights and biases", (weights, biases)),
        ]

        def call(f, weights=weights, biases=biases, nabla_w=nabla_w, nabla_b=nabla_b, eta=eta, m=m):
            return f["gradient_descent_step"](copies(weights), copies(biases), copies(nabla_w), copies(nabla_b), eta, m)

        out.append(Case(f"{label(sizes, acts, cost, m)}, η={eta}", call, (new_w, new_b), mistakes))
    return out
