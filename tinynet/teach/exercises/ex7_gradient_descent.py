"""Exercise 7: one step of gradient descent, checked against ``tinynet.trainer.step``."""

from tinynet.teach.exercises.grading import NETWORKS, Case, Mistake, copies, label, network, pair_entry_name
from tinynet.trainer import step

NUMBER, TITLE, LESSONS = 7, "one gradient-descent step", (8,)
SIGNATURES = {
    "gradient_descent_step": "gradient_descent_step(weights, biases, nabla_w, nabla_b, eta, m) -> (weights, biases)"
}
SHAPE_HINT = "each W^l and ∂C/∂W^l have the same shape, and so do b^l and ∂C/∂b^l: update them layer by layer"

TEMPLATE = '''"""Exercise 7 (lesson 8, gradient descent): one step down the gradient.

Check it with:  tinynet exercise 7 {file}

Leave nabla_w and nabla_b as they are: the check compares them after each call.
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
        or the given weights and biases changed in place and returned). Leave
        nabla_w and nabla_b as they are: in a trainer they are used again.
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
        eta = (0.5, 3.0, 7.0)[k % 3]
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
            Mistake(
                "η·m instead of η/m: the step is (η/m) ∂C/∂W, the gradient divided by the batch size",
                stepped(net, x, y, eta * m * m),
            ),
            Mistake(
                "divided by m twice: the step is (η/m) ∂C/∂W, ∂C/∂W being the sum over the batch",
                stepped(net, x, y, eta / m),
            ),
        ]
        if eta // m != eta / m:  # floor division gives another step here
            mistakes.append(
                Mistake(
                    f"if you wrote η // m: // is floor division, and here η // m = {eta:g} // {m} = {eta // m:g}, "
                    f"while η / m = {eta / m:.6g}",
                    stepped(net, x, y, (eta // m) * m),
                )
            )
        mistakes.append(
            Mistake(
                "the weights and biases you returned equal the ones you were given: no step was taken",
                (weights, biases),
            )
        )
        args = {"weights": weights, "biases": biases, "nabla_w": nabla_w, "nabla_b": nabla_b, "eta": eta, "m": m}
        out.append(
            Case(
                f"{label(sizes, acts, cost, m)}, η={eta}", args, (new_w, new_b), mistakes, mutable=("weights", "biases")
            )
        )
    return out
