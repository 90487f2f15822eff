"""A fully connected network: feedforward and backpropagation, written once.

Notation, the same in the lessons and the docs:

    layer 0 is the input, layers l = 1..L compute
    z^l = W^l a^(l-1) + b^l        the weighted input of layer l
    a^l = σ^l(z^l)                 its activation;  a^0 = x,  a^L is the output
    C                              the cost of the output a^L against the target y
    delta^l = ∂C/∂z^l              the error of layer l

    W^l has shape (n_l, n_(l-1)): W^l[j, k] connects unit k of layer l-1 to unit j of layer l.

The equations are written for one sample as a column vector. In code a batch of
m samples is a matrix with one sample per ROW, so every equation appears
transposed: z^l = a^(l-1) W^lᵀ + b^l has shape (m, n_l), and summing a
per-sample outer product delta aᵀ over the batch becomes one matrix product,
delta^lᵀ a^(l-1). That single product per layer is what makes training fast.

In Python lists the layers are counted from 0: ``weights[i]`` is W^(i+1), and
``a[i]`` in a pass is a^i (``a[0]`` is the input).

All arithmetic goes through ``xp``, the array module (``numpy``, or ``cupy`` on
a GPU), so every trainer runs this same code.
"""

import numpy as np

from .activations import get_activation
from .costs import get_cost

INITS = ("lecun", "he", "normal")


class Workspace:
    """The arrays one backprop pass writes into, kept between passes.

    Training repeats the same pass thousands of times with the same shapes.
    Allocating the large arrays afresh each time costs more than the
    arithmetic on big layers (the allocator hands them back to the operating
    system and page-faults them in again), so the trainers keep a Workspace.

    For a batch of m samples it holds, per layer, z^l and a^l (m, n_l), the
    back-propagated g = delta^(l+1) W^(l+1) and delta^l, and the gradients
    nabla_w, nabla_b as views of one flat array ``grad`` laid out like
    ``network.params``.
    """

    def __init__(self, network, m, xp=np):
        dt = network.dtype
        outs = network.sizes[1:]
        self.m = m
        self.x = xp.empty((m, network.sizes[0]), dt)
        self.y = xp.empty((m, network.sizes[-1]), dt)
        self.z = [xp.empty((m, n), dt) for n in outs]
        self.a = [self.x] + [xp.empty((m, n), dt) for n in outs]
        self.g = [xp.empty((m, n), dt) for n in outs]
        self.delta = [xp.empty((m, n), dt) for n in outs]
        self.ones = xp.ones(m, dt)
        self.grad = xp.zeros(network.params.shape, dt)
        self.nabla_w, self.nabla_b = _views(self.grad, network.sizes)


class BatchWorkspace:
    """The batch (x, y) a trainer loads and the flat gradient a pass writes, kept between passes.

    The smallest workspace a network can offer its trainers; ``Workspace``
    below adds the fully connected network's per-layer arrays.
    """

    def __init__(self, network, m, xp=np):
        self.m = m
        self.x = xp.empty((m, network.sizes[0]), network.dtype)
        self.y = xp.empty((m, network.sizes[-1]), network.dtype)
        self.grad = xp.zeros(network.params.shape, network.dtype)


class Network:
    """What every tinynet network shares: one flat array ``params`` and the moves around it.

    A network class provides ``bind(params)`` (its per-layer views of a flat
    array), ``spec()`` (its class and the arguments that rebuild its shape),
    ``workspace(m)``, ``backprop``, ``cost_of``, ``predict`` and ``evaluate``;
    this base adds what follows from those.
    """

    @property
    def xp(self):
        """The array module the parameters live in (numpy here; cupy on a GPU)."""
        return _array_module(self.params)

    def to(self, xp):
        """A copy of this network whose parameters live in the array module ``xp`` (numpy, cupy)."""
        cls, kwargs = self.spec()
        other = cls(**kwargs, seed=0)
        params = _to_numpy(self.params) if xp is np else xp.asarray(self.params)
        other.bind(params.copy())
        return other

    def copy(self):
        """An independent network with the same layers and parameters."""
        return self.to(self.xp)

    def save(self, path):
        """Write the network to ``path`` in the text format (atomically)."""
        from .textformat import save

        save(self, path)

    @staticmethod
    def load(path, sizes=None):
        """Read a network from ``path`` (the text format, or the original neural-network-py one)."""
        from .textformat import load

        return load(path, sizes=sizes)


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

    def __init__(self, sizes, activations=None, cost="quadratic", seed=None,
                 dtype=np.float64, init="lecun"):
        self.sizes = _check_sizes(sizes)
        L = len(self.sizes) - 1
        if activations is None:
            activations = "sigmoid"
        if isinstance(activations, str):
            activations = [activations] * L
        activations = list(activations)
        if len(activations) != L:
            raise ValueError(
                f"activations: expected one name per layer after the input ({L}), got {len(activations)}"
            )
        self.activations = tuple(get_activation(name) for name in activations)
        self.cost = get_cost(cost)
        self.cost.check(self.activations[-1])
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype: expected float64 or float32, got {self.dtype}")
        if init not in INITS:
            raise ValueError(f"init: unknown initialisation {init!r}; expected one of {', '.join(INITS)}")
        self.bind(np.zeros(_param_count(self.sizes), self.dtype))
        self.initialize(init, seed)

    def bind(self, params):
        """Make the flat array ``params`` this network's parameters (no copy is made).

        The trainers use it to put the parameters where they work on them:
        in shared memory for a pool of processes, or on a GPU.
        """
        expected = _param_count(self.sizes)
        if params.shape != (expected,) or params.dtype != self.dtype:
            raise ValueError(f"params: expected a flat {self.dtype} array of {expected} values, "
                             f"got {params.dtype} of shape {params.shape}")
        self.params = params
        self.weights, self.biases = _views(params, self.sizes)

    def initialize(self, init="lecun", seed=None):
        """Draw fresh weights and biases (see the class docstring for ``init``)."""
        rng = np.random.default_rng(seed)
        for W, b in zip(self.weights, self.biases):
            n_in = W.shape[1]
            if init == "normal":
                W[...] = rng.standard_normal(W.shape)
                b[...] = rng.standard_normal(b.shape)
            else:
                scale = np.sqrt((2.0 if init == "he" else 1.0) / n_in)
                W[...] = rng.standard_normal(W.shape) * scale
                b[...] = 0.0

    def named_params(self):
        """(name, array) for W1, b1, W2, b2, ...: the order of ``params``."""
        return [(f"{key}{l}", p) for l, (W, b) in enumerate(zip(self.weights, self.biases), start=1)
                for key, p in (("W", W), ("b", b))]

    def spec(self):
        """What rebuilds this network's shape elsewhere (a worker process): a class and its arguments."""
        return NeuralNetwork, dict(sizes=tuple(self.sizes), activations=tuple(self.activation_names),
                                   cost=self.cost.name, dtype=self.dtype.name)

    def workspace(self, m, xp=None):
        """A :class:`Workspace` for batches of m samples."""
        return Workspace(self, m, xp or self.xp)

    @property
    def activation_names(self):
        return [act.name for act in self.activations]

    def forward(self, x, ws, xp=None):
        """Feed a batch forward, keeping every z^l and a^l in the workspace.

        z^l = a^(l-1) W^lᵀ + b^l,   a^l = σ^l(z^l)   for l = 1..L,  with a^0 = x.
        ``x`` has the workspace's m rows; it becomes a^0 (no copy is made).
        """
        xp = xp or self.xp
        a = ws.a
        a[0] = x
        for i, (W, b, act) in enumerate(zip(self.weights, self.biases, self.activations)):
            xp.matmul(a[i], W.T, out=ws.z[i])
            ws.z[i] += b
            act.forward(ws.z[i], a[i + 1], xp)
        return a[-1]

    def backprop(self, x, y, xp=None, ws=None):
        """The gradient of the cost C, summed over the batch (x, y).

        Returns ``(nabla_w, nabla_b)``: per layer, in layer order, ∂C/∂W^l and
        ∂C/∂b^l. One vectorized pass over the whole batch:

        1. forward, keeping every z^l and a^l          (``forward``)
        2. output error:   delta^L = ∇_a C ⊙ σ'(z^L)    (the cost's ``delta``)
        3. backpropagate:  delta^l = ((W^(l+1))ᵀ delta^(l+1)) ⊙ σ'(z^l)
        4. gradients:      ∂C/∂b^l = delta^l,   ∂C/∂W^l = delta^l (a^(l-1))ᵀ
           (summed over the samples of the batch)

        With rows as samples, step 3 reads ``delta[i] = (delta[i+1] @ W) ⊙ σ'(z)``
        and step 4 ``nabla_w[i] = delta[i].T @ a[i]``.

        Args:
            x: inputs, shape (m, n_0) (or (n_0,) for one sample).
            y: targets, shape (m, n_L) (or (n_L,)).
            xp: array module; the parameters' own by default.
            ws: a :class:`Workspace` for m samples to reuse. The arrays
                returned then live in it and are overwritten by its next pass.
        """
        xp = xp or self.xp
        if x.ndim == 1:
            x, y = x.reshape(1, -1), y.reshape(1, -1)
        elif y.ndim == 1:
            y = y.reshape(-1, 1)
        if ws is None:
            ws = Workspace(self, x.shape[0], xp)
        elif ws.m != x.shape[0]:
            raise ValueError(f"ws: the workspace holds batches of {ws.m} samples, x has {x.shape[0]}")
        self.forward(x, ws, xp)
        L = len(self.weights)
        # 2. output error
        self.cost.delta(ws.z[-1], ws.a[-1], y, self.activations[-1], ws.delta[-1], xp)
        for i in reversed(range(L)):
            if i < L - 1:
                # 3. delta^l = ((W^(l+1))ᵀ delta^(l+1)) ⊙ σ'(z^l)
                xp.matmul(ws.delta[i + 1], self.weights[i + 1], out=ws.g[i])
                self.activations[i].backward(ws.z[i], ws.a[i + 1], ws.g[i], ws.delta[i], xp)
            # 4. ∂C/∂W^l = Σ_x delta^l (a^(l-1))ᵀ  and  ∂C/∂b^l = Σ_x delta^l:
            # a bias is a weight on an input that is always 1, so its sum over
            # the batch is the same product with a row of ones (and, as one
            # BLAS call, faster than a NumPy sum over a short axis).
            xp.matmul(ws.delta[i].T, ws.a[i], out=ws.nabla_w[i])
            xp.matmul(ws.ones, ws.delta[i], out=ws.nabla_b[i])
        return ws.nabla_w, ws.nabla_b

    def feedforward(self, x):
        """The output a^L for one sample (shape (n_0,) -> (n_L,)) or a batch ((m, n_0) -> (m, n_L))."""
        x = self._check_input(x, "x")
        a = x.reshape(1, -1) if x.ndim == 1 else x
        a = self._output(a)
        return a[0] if x.ndim == 1 else a

    def cost_of(self, x, y):
        """The cost C of a batch: summed over its samples (divide by m for the mean)."""
        xp = self.xp
        a = xp.atleast_2d(self._check_input(x, "x"))
        y = xp.asarray(y, dtype=self.dtype).reshape(a.shape[0], -1)
        z = None
        for W, b, act in zip(self.weights, self.biases, self.activations):
            z = a @ W.T + b
            a = act(z, xp)
        return self.cost.value(z, a, y, self.activations[-1], xp)

    def predict(self, x):
        """Class indices: the most active output unit, or (one output unit) 1 where a > 0.5."""
        out = self.feedforward(self._check_input(x, "x"))
        if out.shape[-1] == 1:
            return (out[..., 0] > 0.5).astype(np.int64)
        return out.argmax(axis=-1)

    def evaluate(self, x, labels):
        """Accuracy: the fraction of samples whose predicted class equals ``labels``.

        ``labels`` are class indices, or one-hot rows (their arg-max is taken).
        """
        xp = self.xp
        x = xp.atleast_2d(self._check_input(x, "x"))
        labels = xp.asarray(labels)
        if labels.ndim == 2:
            labels = labels.argmax(axis=1) if labels.shape[1] > 1 else labels[:, 0]
        if labels.shape != (x.shape[0],):
            raise ValueError(f"labels: expected {x.shape[0]} labels, one per sample, got shape {labels.shape}")
        if x.shape[0] == 0:
            raise ValueError("x: no samples to evaluate")
        return float((self.predict(x) == labels).mean())

    def trace(self, x, y):
        """Every z, a, delta, nabla_w, nabla_b and the cost of one pass (see :mod:`tinynet.inspect`)."""
        from .inspect import trace

        return trace(self, x, y)

    def __repr__(self):
        acts = ", ".join(self.activation_names)
        return f"NeuralNetwork({self.sizes}, activations=[{acts}], cost={self.cost.name!r}, dtype={self.dtype.name})"

    # helpers -------------------------------------------------------------

    def _output(self, a):
        xp = self.xp
        for W, b, act in zip(self.weights, self.biases, self.activations):
            a = act(a @ W.T + b, xp)
        return a

    def _check_input(self, x, name):
        xp = self.xp
        x = xp.asarray(x, dtype=self.dtype) if not hasattr(x, "dtype") or x.dtype != self.dtype else x
        if x.ndim not in (1, 2) or x.shape[-1] != self.sizes[0]:
            raise ValueError(
                f"{name}: expected shape ({self.sizes[0]},) or (m, {self.sizes[0]}) "
                f"for a network with {self.sizes[0]} inputs, got {tuple(x.shape)}"
            )
        return x


def _param_count(sizes):
    """How many weights and biases a network of these layer sizes has: Σ n_l (n_(l-1) + 1)."""
    return sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes, sizes[1:]))


def _views(flat, sizes):
    """Split a flat parameter-shaped array into per-layer W (n_l, n_(l-1)) and b (n_l,) views."""
    weights, biases, start = [], [], 0
    for n_in, n_out in zip(sizes, sizes[1:]):
        weights.append(flat[start:start + n_out * n_in].reshape(n_out, n_in))
        start += n_out * n_in
        biases.append(flat[start:start + n_out])
        start += n_out
    return tuple(weights), tuple(biases)


def _check_sizes(sizes):
    try:
        sizes = [int(n) for n in sizes]
        ok = len(sizes) >= 2 and all(n >= 1 for n in sizes)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"sizes: expected a list of at least two positive layer sizes, got {sizes!r}")
    return sizes


def _to_numpy(arr):
    """A NumPy array of ``arr`` (copied from the GPU if it lives there)."""
    return arr.get() if hasattr(arr, "get") else np.asarray(arr)


def _array_module(arr):
    """numpy, or cupy for a cupy array (without importing cupy otherwise)."""
    module = type(arr).__module__.split(".")[0]
    if module == "cupy":
        import cupy

        return cupy
    return np
