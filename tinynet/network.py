"""A fully connected network: its feedforward and backpropagation, written once.

Notation, the same in the lessons and the docs (the docs' home page has the
whole table, the convolutional and stable networks' symbols included):

    x = a^0              the input; a batch of m samples is a matrix, one sample per row
    y                    the target
    L, sizes             the layers after the input; sizes = [n_0, n_1, ..., n_L], units per layer
    W^l, b^l             weights and biases of layer l = 1..L (W^l[j, k] connects unit k
                         of layer l-1 to unit j of layer l: shape (n_l, n_(l-1)))
    z^l = W^l a^(l-1) + b^l     the weighted input of layer l
    a^l = σ^l(z^l)       its activation (``sigma``); a^L is the output
    p                    a forward pass: every z^l and a^l, kept for backward
    C                    the cost of the output a^L against y, summed over the batch
    delta^l = ∂C/∂z^l    the error of layer l
    nabla_w, nabla_b     the gradients ∂C/∂W^l and ∂C/∂b^l, summed over the batch
    η, m                 the learning step (``learning_step`` in the API, ``eta`` inside) and the batch size

The equations are written for one sample as a column vector. In code a batch of
m samples is a matrix with one sample per ROW, so every equation appears
transposed: z^l = a^(l-1) W^lᵀ + b^l has shape (m, n_l), and summing a
per-sample outer product delta aᵀ over the batch becomes one matrix product,
delta^lᵀ a^(l-1). That single product per layer is what makes training fast.

In Python lists the layers are counted from 0: ``weights[i]`` is W^(i+1),
``z[i]`` and ``delta[i]`` in a pass are z^(i+1) and delta^(i+1), and ``a[i]``
is a^i (``a[0]`` is the input). ``backprop`` returns ``(nabla_w, nabla_b)``,
weights first; Nielsen's ``network.py`` returns ``(nabla_b, nabla_w)``.

The code is operators and array methods (``@``, ``*``, ``.sum``), so it runs
on NumPy arrays and on CuPy arrays on a GPU alike: every trainer runs it. What
every network kind shares (``params``, the flat array the weights are views
of; ``backprop`` = forward then backward; ``predict``, ``evaluate``,
``trace``) is in [`tinynet.base`][tinynet.base].
"""

import numpy as np

from tinynet.arrays import check_dtype, make_rng
from tinynet.base import Network, Pass
from tinynet.checks import check_activations, check_sizes
from tinynet.costs import get_cost

INITS = ("lecun", "he", "normal")


class NeuralNetwork(Network):
    """A feedforward network with per-layer activations and a cost.

    ``NeuralNetwork([784, 20, 10])`` has 784 inputs, a hidden layer of 20 and
    10 outputs, all sigmoid with the quadratic cost, as in the classic design.

    Args:
        sizes: units per layer, input first; at least two layers.
        activations: one name for every layer after the input, or a list of
            names, one per layer after the input (hidden layers, then the output):
            sigmoid, tanh, lecun_tanh, relu, elu, softplus, softmax, identity.
        cost: ``"quadratic"`` (C = ½‖a - y‖²) or ``"cross_entropy"``.
        seed: seed of the weight initialisation (None: a fresh random one).
        dtype: ``numpy.float64`` or ``numpy.float32``.
        init: how the weights start: ``"lecun"``: W ~ N(0, 1/n_(l-1)), b = 0;
            ``"he"``: W ~ N(0, 2/n_(l-1)), b = 0 (suits relu); ``"normal"``:
            W, b ~ N(0, 1), the classic design's start.

    ``weights[i]`` (W^(i+1)) and ``biases[i]`` (b^(i+1)) are views of one flat
    array ``params`` (see [`tinynet.base`][tinynet.base]). Change them in place
    (``net.weights[0][...] = W``); the tuples themselves are fixed.
    """

    def __init__(self, sizes, activations=None, cost="quadratic", seed=None, dtype=np.float64, init="lecun"):
        self.sizes = check_sizes(sizes)
        self.inputs, self.outputs = self.sizes[0], self.sizes[-1]
        self.activations = check_activations(activations, len(self.sizes) - 1)
        self.cost = get_cost(cost)
        self.cost.check(self.activations[-1])
        self.dtype = check_dtype(dtype)
        if init not in INITS:
            raise ValueError(f"init: unknown initialisation {init!r}; expected one of {', '.join(INITS)}")
        self.bind(np.zeros(self.param_count, self.dtype))
        self.initialize(init, seed)

    def forward(self, x):
        """Feed a batch forward, keeping every z^l and a^l for backward.

        z^l = a^(l-1) W^lᵀ + b^l,   a^l = σ^l(z^l)   for l = 1..L,  with a^0 = x.
        """
        z, a = [], [x]  # z[i] is z^(i+1), a[i] is a^i
        # --8<-- [start:forward_z]
        for W, b, sigma in zip(self.weights, self.biases, self.activations):
            z.append(a[-1] @ W.T + b)  # z^l = a^(l-1) W^lᵀ + b^l
            # --8<-- [end:forward_z]
            # --8<-- [start:forward_a]
            a.append(sigma.forward(z[-1]))  # a^l = σ^l(z^l)
            # --8<-- [end:forward_a]
        return Pass(z, a)

    def backward(self, p, y):
        """The errors delta^l and the gradients ``(nabla_w, nabla_b)``, summed over the batch.

        Steps 2-4 of backpropagation (step 1 is ``forward``, whose pass is ``p``):

        2. output error:   delta^L = ∇_a C ⊙ σ'(z^L)    (the cost's ``delta``)
        3. backpropagate:  delta^l = ((W^(l+1))ᵀ delta^(l+1)) ⊙ σ'(z^l)
        4. gradients:      ∂C/∂W^l = delta^l (a^(l-1))ᵀ,   ∂C/∂b^l = delta^l
           (summed over the samples of the batch)

        With rows as samples, step 3 reads ``delta[i] = (delta[i+1] @ W) ⊙ σ'(z)``
        and step 4 ``nabla_w[i] = delta[i].T @ a[i]``. Weights first, then biases:
        Nielsen's ``network.py`` returns ``(nabla_b, nabla_w)``; the arrays are the same.
        """
        L = len(self.weights)
        delta, nabla_w, nabla_b = [None] * L, [None] * L, [None] * L
        # --8<-- [start:output_error]
        # 2. output error
        delta[-1] = self.cost.delta(p.z[-1], p.a[-1], y, self.activations[-1])
        # --8<-- [end:output_error]
        # --8<-- [start:backprop_delta]
        for i in reversed(range(L)):
            if i < L - 1:
                # 3. delta^l = ((W^(l+1))ᵀ delta^(l+1)) ⊙ σ'(z^l)
                delta[i] = self.activations[i].backward(p.z[i], p.a[i + 1], delta[i + 1] @ self.weights[i + 1])
            # --8<-- [end:backprop_delta]
            # --8<-- [start:gradients]
            # 4. ∂C/∂W^l = Σ_x delta^l (a^(l-1))ᵀ  and  ∂C/∂b^l = Σ_x delta^l
            nabla_w[i] = delta[i].T @ p.a[i]
            nabla_b[i] = delta[i].sum(axis=0)
            # --8<-- [end:gradients]
        p.delta = delta
        return nabla_w, nabla_b

    def grad_blocks(self, nabla):
        """``(nabla_w, nabla_b)`` as blocks in the order of ``params``: ∂C/∂W^1, ∂C/∂b^1, ∂C/∂W^2, ..."""
        if hasattr(nabla, "ndim"):
            return super().grad_blocks(nabla)  # one flat array (a pool's sum): the base cuts it into blocks
        nabla_w, nabla_b = nabla
        return [g for pair in zip(nabla_w, nabla_b) for g in pair]

    # --- the parameters, and how they start ----------------------------------------------------

    def param_shapes(self):
        """W^l (n_l, n_(l-1)) and b^l (n_l,) for l = 1..L, named W1, b1, W2, b2, ..."""
        shapes = []
        for l, (n_in, n_out) in enumerate(zip(self.sizes, self.sizes[1:]), start=1):
            shapes += [(f"W{l}", (n_out, n_in)), (f"b{l}", (n_out,))]
        return shapes

    def unpack(self, blocks):
        self.weights, self.biases = tuple(blocks[0::2]), tuple(blocks[1::2])

    def initialize(self, init="lecun", seed=None):
        """Draw fresh weights and biases (see the class docstring for ``init``)."""
        rng = make_rng(seed)
        for W, b in zip(self.weights, self.biases):
            n_in = W.shape[1]
            if init == "normal":
                W[...] = rng.standard_normal(W.shape)
                b[...] = rng.standard_normal(b.shape)
            else:
                scale = np.sqrt((2.0 if init == "he" else 1.0) / n_in)
                W[...] = rng.standard_normal(W.shape) * scale
                b[...] = 0.0

    @property
    def activation_names(self):
        return [act.name for act in self.activations]

    def spec(self):
        """What rebuilds this network's shape elsewhere (a worker process, a model file): a class and its arguments."""
        return NeuralNetwork, dict(
            sizes=tuple(self.sizes),
            activations=tuple(self.activation_names),
            cost=self.cost.name,
            dtype=self.dtype.name,
        )

    def __repr__(self):
        acts = ", ".join(self.activation_names)
        return f"NeuralNetwork({self.sizes}, activations=[{acts}], cost={self.cost.name!r}, dtype={self.dtype.name})"


def param_count(sizes):
    """How many weights and biases a network of these layer sizes has: Σ n_l (n_(l-1) + 1)."""
    return sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes, sizes[1:]))
