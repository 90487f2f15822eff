"""A fully connected network: its feedforward and backpropagation, written once.

Notation, the same in the lessons and the docs (the docs' home page has the
whole table, the convolutional and stable networks' symbols included):

    x = a^0              the input; a batch of m samples is a matrix, one sample per row
    y                    the target
    W^l, b^l             weights and biases of layer l = 1..L (W^l[j, k] connects unit k
                         of layer l-1 to unit j of layer l: shape (n_l, n_(l-1)))
    z^l = W^l a^(l-1) + b^l     the weighted input of layer l
    a^l = σ^l(z^l)       its activation; a^L is the output
    C                    the cost of the output a^L against y, summed over the batch
    delta^l = ∂C/∂z^l    the error of layer l
    nabla_w, nabla_b     the gradients ∂C/∂W^l and ∂C/∂b^l, summed over the batch
    η, m                 the learning step and the batch size

The equations are written for one sample as a column vector. In code a batch of
m samples is a matrix with one sample per ROW, so every equation appears
transposed: z^l = a^(l-1) W^lᵀ + b^l has shape (m, n_l), and summing a
per-sample outer product delta aᵀ over the batch becomes one matrix product,
delta^lᵀ a^(l-1). That single product per layer is what makes training fast.

In Python lists the layers are counted from 0: ``weights[i]`` is W^(i+1), and
``a[i]`` in a pass is a^i (``a[0]`` is the input).

``backprop`` returns ``(nabla_w, nabla_b)``: weights first, the order of the
blocks in ``params`` (W1, b1, W2, ...). Nielsen's ``network.py`` returns
``(nabla_b, nabla_w)``; the arrays are the same.

All arithmetic goes through ``xp``, the array module (``numpy``, or ``cupy`` on
a GPU), so every trainer runs this same code. What every network kind shares
(the flat ``params``, checks, ``backprop``, ``predict``, ``evaluate``,
``trace``, saving) is in [`tinynet.base`][tinynet.base].
"""

import numpy as np

from .activations import ACTIVATIONS, get_activation
from .arrays import check_dtype, make_rng
from .base import Network, Workspace  # noqa: F401 (Workspace: tinynet imports it from here)
from .costs import get_cost
from .header import HeaderError, header_choice, header_int

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

    All weights and biases live in one flat array ``params``; ``weights[i]``
    (W^(i+1)) and ``biases[i]`` (b^(i+1)) are views of it. Change them in
    place (``net.weights[0][...] = W``); the tuples themselves are fixed.
    """

    header_key = "sizes"

    def __init__(self, sizes, activations=None, cost="quadratic", seed=None, dtype=np.float64, init="lecun"):
        self.sizes = check_sizes(sizes)
        L = len(self.sizes) - 1
        if activations is None:
            activations = "sigmoid"
        if isinstance(activations, str):
            activations = [activations] * L
        if not isinstance(activations, (list, tuple)):
            raise ValueError(f"activations: expected a name or a list of {L} names, got {activations!r}")
        if len(activations) != L:
            raise ValueError(f"activations: expected one name per layer after the input ({L}), got {len(activations)}")
        self.activations = tuple(get_activation(name) for name in activations)
        self.cost = get_cost(cost)
        self.cost.check(self.activations[-1])
        self.dtype = check_dtype(dtype)
        if init not in INITS:
            raise ValueError(f"init: unknown initialisation {init!r}; expected one of {', '.join(INITS)}")
        self.bind(np.zeros(self.param_count, self.dtype))
        self.initialize(init, seed)

    def param_shapes(self):
        """W^l (n_l, n_(l-1)) and b^l (n_l,) for l = 1..L, named W1, b1, W2, b2, ..."""
        shapes = []
        for l, (n_in, n_out) in enumerate(zip(self.sizes, self.sizes[1:]), start=1):
            shapes += [(f"W{l}", (n_out, n_in)), (f"b{l}", (n_out,))]
        return shapes

    def unpack(self, views):
        self.weights, self.biases = tuple(views[0::2]), tuple(views[1::2])

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
        """What rebuilds this network's shape elsewhere (a worker process): a class and its arguments."""
        return NeuralNetwork, dict(
            sizes=tuple(self.sizes),
            activations=tuple(self.activation_names),
            cost=self.cost.name,
            dtype=self.dtype.name,
        )

    def allocate(self, ws, xp):
        """Per layer z^l, a^l, delta^l and g^l = delta^(l+1) W^(l+1), each (m, n_l); a row of ones."""
        m, dt, outs = ws.m, self.dtype, self.sizes[1:]
        ws.z = [xp.empty((m, n), dt) for n in outs]
        ws.a = [ws.x] + [xp.empty((m, n), dt) for n in outs]
        ws.g = [xp.empty((m, n), dt) for n in outs]
        ws.delta = [xp.empty((m, n), dt) for n in outs]
        ws.ones = xp.ones(m, dt)

    def forward(self, x, ws):
        """Feed a batch forward, keeping every z^l and a^l in the workspace; return a^L.

        z^l = a^(l-1) W^lᵀ + b^l,   a^l = σ^l(z^l)   for l = 1..L,  with a^0 = x.
        ``x`` has the workspace's m rows; it becomes a^0 (no copy is made).
        """
        xp = ws.xp
        a = ws.a
        a[0] = x
        # --8<-- [start:forward_z]
        for i, (W, b, act) in enumerate(zip(self.weights, self.biases, self.activations)):
            xp.matmul(a[i], W.T, out=ws.z[i])  # z^l = a^(l-1) W^lᵀ
            ws.z[i] += b  # z^l += b^l (in place: no new array)
            # --8<-- [end:forward_z]
            # --8<-- [start:forward_a]
            act.forward(ws.z[i], a[i + 1], xp)  # a^l = σ^l(z^l)
            # --8<-- [end:forward_a]
        return a[-1]

    def backward(self, y, ws):
        """The errors delta^l and the gradient ∂C/∂params, summed over the batch, after ``forward``.

        Steps 2-4 of backpropagation (step 1 is ``forward``):

        2. output error:   delta^L = ∇_a C ⊙ σ'(z^L)    (the cost's ``delta``)
        3. backpropagate:  delta^l = ((W^(l+1))ᵀ delta^(l+1)) ⊙ σ'(z^l)
        4. gradients:      ∂C/∂b^l = delta^l,   ∂C/∂W^l = delta^l (a^(l-1))ᵀ
           (summed over the samples of the batch)

        With rows as samples, step 3 reads ``delta[i] = (delta[i+1] @ W) ⊙ σ'(z)``
        and step 4 ``nabla_w[i] = delta[i].T @ a[i]``.
        """
        xp = ws.xp
        L = len(self.weights)
        nabla_w, nabla_b = ws.grads[0::2], ws.grads[1::2]
        # --8<-- [start:output_error]
        # 2. output error
        self.cost.delta(ws.z[-1], ws.a[-1], y, self.activations[-1], ws.delta[-1], xp)
        # --8<-- [end:output_error]
        # --8<-- [start:backprop_delta]
        for i in reversed(range(L)):
            if i < L - 1:
                # 3. delta^l = ((W^(l+1))ᵀ delta^(l+1)) ⊙ σ'(z^l)
                xp.matmul(ws.delta[i + 1], self.weights[i + 1], out=ws.g[i])
                self.activations[i].backward(ws.z[i], ws.a[i + 1], ws.g[i], ws.delta[i], xp)
            # --8<-- [end:backprop_delta]
            # --8<-- [start:gradients]
            # 4. ∂C/∂W^l = Σ_x delta^l (a^(l-1))ᵀ  and  ∂C/∂b^l = Σ_x delta^l:
            # a bias is a weight on an input that is always 1, so its sum over
            # the batch is the same product with a row of ones (and, as one
            # BLAS call, faster than a NumPy sum over a short axis).
            xp.matmul(ws.delta[i].T, ws.a[i], out=nabla_w[i])
            xp.matmul(ws.ones, ws.delta[i], out=nabla_b[i])
            # --8<-- [end:gradients]

    def gradients(self, ws):
        """``(nabla_w, nabla_b)``: per layer, in layer order, ∂C/∂W^l and ∂C/∂b^l.

        Weights first, then biases: the order of ``params`` (W1, b1, W2, ...)
        within a layer. Nielsen's ``network.py`` returns ``(nabla_b, nabla_w)``;
        the arrays are the same.
        """
        return tuple(ws.grads[0::2]), tuple(ws.grads[1::2])

    def header(self):
        return ["sizes " + " ".join(map(str, self.sizes)), "activations " + " ".join(self.activation_names)]

    @classmethod
    def from_header(cls, fields, cost, dtype, budget):
        """``sizes n_0 n_1 ... n_L`` and ``activations name ... name`` (L names)."""
        if len(fields) != 2 or fields[0][1][0] != "sizes" or fields[1][1][0] != "activations":
            raise HeaderError("expected a 'sizes' line and an 'activations' line", fields[0][0])
        (line, words), (act_line, names) = fields
        if len(words) < 3:
            raise HeaderError("sizes: expected at least two layer sizes", line)
        sizes = [header_int(w, "sizes", line) for w in words[1:]]
        cls.check_budget(param_count(sizes), budget, line)
        if len(names) != len(sizes):
            raise HeaderError(f"activations: expected {len(sizes) - 1} names, found {len(names) - 1}", act_line)
        activations = [header_choice(w, "activations", act_line, list(ACTIVATIONS)) for w in names[1:]]
        return cls(sizes, activations, cost, seed=0, dtype=dtype)

    def __repr__(self):
        acts = ", ".join(self.activation_names)
        return f"NeuralNetwork({self.sizes}, activations=[{acts}], cost={self.cost.name!r}, dtype={self.dtype.name})"


def param_count(sizes):
    """How many weights and biases a network of these layer sizes has: Σ n_l (n_(l-1) + 1)."""
    return sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes, sizes[1:]))


def check_sizes(sizes):
    """``sizes`` as a list of at least two whole positive numbers, or a ValueError naming the argument."""
    if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
        sizes = sizes.tolist()
    ok = (
        isinstance(sizes, (list, tuple))
        and len(sizes) >= 2
        and all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and 1 <= n <= 10**8 for n in sizes)
    )
    if not ok:
        raise ValueError(f"sizes: expected a list of at least two whole positive layer sizes, got {sizes!r}")
    return [int(n) for n in sizes]
