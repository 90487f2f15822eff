"""Exercise 5: the whole backward pass, delta^L down to delta^1 and every gradient, against ``network.backward``.

Exercises 3 and 4 are one step each; here the learner writes the loop across
the layers, for any depth, where the off-by-one mistakes live. The expected
answer is ``NeuralNetwork.backward`` on the network's own pass; each usual
mistake is ``NeuralNetwork.backward`` run on a network with that one thing
changed (σ' left out, W transposed, W^l paired with delta^(l+1), ...).
"""

from types import SimpleNamespace

import numpy as np

from tinynet.activations import Activation
from tinynet.network import NeuralNetwork
from tinynet.teach.exercises.grading import MEAN, SIGN, Case, Mistake, matches, network, pair_entry_name

NUMBER, TITLE, LESSONS = 5, "the whole backward pass", (5, 6)
SIGNATURES = {"backward_pass": "backward_pass(zs, activations, weights, sigma_primes, grad_a) -> (nabla_w, nabla_b)"}
SHAPE_HINT = (
    "mind the indices and the shapes: in 0-based lists weights[l] is W^(l+1), zs[l] is z^(l+1) and "
    "activations[l] is a^l; delta^l = (delta^(l+1) @ W^(l+1)) ⊙ σ'(z^l), where delta^(l+1) is (m, n_(l+1)) "
    "and W^(l+1) is (n_(l+1), n_l): delta^(l+1) goes with W^(l+1), the matrix that made z^(l+1)"
)

TEMPLATE = '''"""Exercise 5 (lessons 5 and 6, the whole backward pass): every delta^l and every gradient.

Check it with:  tinynet exercise 5 {file}

Leave the arrays and lists you are given as they are (compute into new ones): the check
compares them after each call.
"""

import numpy as np


def backward_pass(zs, activations, weights, sigma_primes, grad_a):
    """Backpropagation through all L layers: ∂C/∂W^l and ∂C/∂b^l for l = 1..L.

    The network has L layers (L can be 1); the forward pass is done (zs, activations).
    With one sample as a column vector:

        the output layer's own rule:   delta^L = ∇_a C ⊙ σ'^L(z^L)
        each layer below, l = L-1 .. 1: delta^l = ((W^(l+1))ᵀ delta^(l+1)) ⊙ σ'^l(z^l)
        every layer l = 1..L:           ∂C/∂W^l = delta^l (a^(l-1))ᵀ,   ∂C/∂b^l = delta^l

    With the m samples of a batch as ROWS, (W^(l+1))ᵀ delta^(l+1) is the product
    delta^(l+1) W^(l+1), ∂C/∂W^l is (delta^l)ᵀ a^(l-1) and ∂C/∂b^l is delta^l summed
    over the rows (C is the SUM of the samples' costs).

    The lists count the layers from 0: weights[l-1] is W^l, zs[l-1] is z^l,
    sigma_primes[l-1] is σ'^l, but activations[l] is a^l (a^0 = x comes first).

    Args:
        zs: [z^1, ..., z^L]; z^l has shape (m, n_l).
        activations: [a^0, a^1, ..., a^L] (L + 1 arrays, a^0 = x first); a^l has shape (m, n_l).
        weights: [W^1, ..., W^L]; W^l has shape (n_l, n_(l-1)).
        sigma_primes: [σ'^1, ..., σ'^L], functions: sigma_primes[l-1](z) returns σ'^l(z),
            entry by entry, for an array z of shape (m, n_l).
        grad_a: ∇_a C = ∂C/∂a^L, shape (m, n_L) (for the quadratic cost, a^L - y).

    Returns:
        (nabla_w, nabla_b): nabla_w = [∂C/∂W^1, ..., ∂C/∂W^L] and nabla_b = [∂C/∂b^1, ..., ∂C/∂b^L],
        in layer order (layer 1 first), weights first; ∂C/∂W^l has W^l's shape, ∂C/∂b^l is (n_l,).
    """
    raise NotImplementedError
'''

# (sizes, activations, m): depth L = 1 to 4, mixed widths and activations, the quadratic cost (so that
# delta^L = ∇_a C ⊙ σ'(z^L) for an element-wise output); the square ones let a transposed W, or W^l in
# the place of W^(l+1), keep its shape, so that its values, not its shape, give the mistake away
NETWORKS = [
    ([3, 2], ("sigmoid",), 4),
    ([4, 4], ("identity",), 1),
    ([3, 5, 2], ("tanh", "sigmoid"), 3),
    ([3, 3, 3], ("relu", "tanh"), 2),
    ([2, 4, 3, 1], ("sigmoid", "elu", "identity"), 5),
    ([3, 3, 3, 3], ("softplus", "sigmoid", "sigmoid"), 4),
    ([4, 6, 5, 3, 2], ("tanh", "relu", "lecun_tanh", "sigmoid"), 3),
    ([3, 3, 3, 3, 3], ("sigmoid", "tanh", "softplus", "identity"), 2),
]


def name(path):
    return pair_entry_name(path, ("nabla_w", "nabla_b"), lambda k, i: f"∂C/∂{'Wb'[k]}^{i + 1}")


class NoPrime(Activation):
    """An activation whose backward step leaves out σ': ∂C/∂z = ∂C/∂a (the mistake 'a missing σ'')."""

    def __init__(self, act):
        self.act, self.name = act, act.name

    def forward(self, z):
        return self.act.forward(z)

    def backward(self, z, a, g):
        return g


class Twice(Activation):
    """An output activation whose σ' is applied twice: delta^L = ∇_a C ⊙ σ'(z^L) ⊙ σ'(z^L)."""

    def __init__(self, act):
        self.act, self.name = act, act.name

    def forward(self, z):
        return self.act.forward(z)

    def backward(self, z, a, g):
        return self.act.backward(z, a, self.act.backward(z, a, g))


class Above(Activation):
    """A hidden layer's activation whose σ' is the layer above's, at z^(l+1): the mistake σ'(z^(l+1))."""

    def __init__(self, act, above, z_above):
        self.act, self.above, self.z_above, self.name = act, above, z_above, act.name

    def forward(self, z):
        return self.act.forward(z)

    def backward(self, z, a, g):
        return g * self.above.derivative(self.z_above)


def backward(net, p, y, weights=None, activations=None):
    """``NeuralNetwork.backward`` on the pass ``p``, with other weights or activations if given: (nabla_w, nabla_b).

    Only what backward reads is replaced (the forward pass ``p`` stays the
    network's own), so each mistake is tinynet's own backward with one thing changed.
    """
    other = SimpleNamespace(
        weights=net.weights if weights is None else weights,
        activations=net.activations if activations is None else activations,
        cost=net.cost,
    )
    nabla_w, nabla_b = NeuralNetwork.backward(other, p, y)
    return [np.array(g) for g in nabla_w], [np.array(g) for g in nabla_b]


def cases():
    out = []
    for k, (sizes, acts, m) in enumerate(NETWORKS):
        net, x, y = network(50 + k, sizes, acts, "quadratic", m)
        p = net.forward(x)
        zs, a = list(p.z), list(p.a)
        nabla_w, nabla_b = backward(net, p, y)
        deltas = p.delta
        L = len(sizes) - 1
        hidden, output = list(net.activations[:-1]), net.activations[-1]
        mistakes = [
            Mistake(
                "the layers in the wrong order: the loop runs from layer L down to 1, but nabla_w[0] is ∂C/∂W^1, "
                "the first layer's (fill [None] * L by index, or reverse the lists at the end)",
                (nabla_w[::-1], nabla_b[::-1]),
            ),
            Mistake(
                "the output layer's own rule: delta^L = ∇_a C ⊙ σ'^L(z^L); grad_a is ∇_a C, not delta^L yet",
                backward(net, p, y, activations=hidden + [NoPrime(output)]),
            ),
            Mistake(
                "σ'^L was applied twice: delta^L = ∇_a C ⊙ σ'^L(z^L) once, then each layer below gets its own σ'",
                backward(net, p, y, activations=hidden + [Twice(output)]),
            ),
            Mistake(
                "delta^l goes with a^(l-1), the layer's input: ∂C/∂W^l = (delta^l)ᵀ a^(l-1), "
                "so deltas[l-1] goes with activations[l-1]",
                ([d.T @ a[i + 1] for i, d in enumerate(deltas)], nabla_b),
            ),
            Mistake("the pair the wrong way round: return (nabla_w, nabla_b), weights first", (nabla_b, nabla_w)),
            Mistake(MEAN, ([g / m for g in nabla_w], [g / m for g in nabla_b])),
            Mistake(SIGN, ([-g for g in nabla_w], [-g for g in nabla_b])),
        ]
        if L > 1:
            mistakes += [
                Mistake(
                    "a missing σ' factor in the hidden layers: delta^l = ((W^(l+1))ᵀ delta^(l+1)) ⊙ σ'^l(z^l)",
                    backward(net, p, y, activations=[NoPrime(act) for act in hidden] + [output]),
                ),
                Mistake(
                    "the loop stops one layer early: it must go down to delta^1 and ∂C/∂W^1, one gradient per layer",
                    (nabla_w[1:], nabla_b[1:]),
                ),
                Mistake(
                    "no gradient for layer 1 (nabla_w[0] is None): the loop must go down to delta^1 and ∂C/∂W^1",
                    test=lambda got: got[0][0] is None,
                ),
            ]
        if L > 1 and all(n == sizes[0] for n in sizes):  # square: only the values tell these apart
            mistakes += [
                Mistake(
                    "a transposed W: with rows as samples, (W^(l+1))ᵀ delta^(l+1) is delta^(l+1) @ W^(l+1), no .T",
                    backward(net, p, y, weights=[W.T for W in net.weights]),
                ),
                Mistake(
                    "delta^(l+1) goes with W^(l+1), the matrix that made z^(l+1) from a^l: with 0-based lists, "
                    "deltas[l-1] = (deltas[l] @ weights[l]) ⊙ σ'(zs[l-1]); you used W^l (weights[l-1])",
                    backward(net, p, y, weights=[None] + list(net.weights[:-1])),
                ),
                Mistake(
                    "σ' belongs to the layer whose error it is: delta^l = (...) ⊙ σ'^l(z^l), with sigma_primes[l-1] "
                    "and zs[l-1]; you used the layer above's, σ'^(l+1)(z^(l+1))",
                    backward(
                        net,
                        p,
                        y,
                        activations=[Above(hidden[i], net.activations[i + 1], zs[i + 1]) for i in range(L - 1)]
                        + [output],
                    ),
                ),
            ]
        args = {
            "zs": zs,
            "activations": a,
            "weights": list(net.weights),
            "sigma_primes": [act.derivative for act in net.activations],
            "grad_a": a[-1] - y,  # ∇_a C of the quadratic cost
        }
        acts_label = "/".join(acts)
        out.append(
            Case(
                f"depth L={L}, sizes {sizes}, activations {acts_label}, a batch of m={m}",
                args,
                (nabla_w, nabla_b),
                mistakes,
            )
        )
    return out


def explain(case, got):
    """Which layers' gradients are right and which wrong: where the error went wrong on its way down."""
    nabla_w, nabla_b = case.expected
    L = len(nabla_w)
    if L < 2 or not (isinstance(got, (list, tuple)) and len(got) == 2):
        return []
    got_w, got_b = got
    if not (isinstance(got_w, (list, tuple)) and isinstance(got_b, (list, tuple))):
        return []
    if len(got_w) != L or len(got_b) != L:
        return []
    right = [
        matches(nabla_w[i], got_w[i], case.rtol, case.atol) and matches(nabla_b[i], got_b[i], case.rtol, case.atol)
        for i in range(L)
    ]
    if all(right) or not any(right):
        return []
    good = [str(i + 1) for i in range(L) if right[i]]
    bad = [str(i + 1) for i in range(L) if not right[i]]
    return [
        f"the gradients of layer{'s' if len(good) > 1 else ''} {', '.join(good)} are right; "
        f"those of layer{'s' if len(bad) > 1 else ''} {', '.join(bad)} are wrong"
    ]
