"""The network contract: what every tinynet network shares, written once.

A network is one flat array ``params`` and two passes over a batch. Each
network kind (``NeuralNetwork``, ``ConvNet``, the stable networks) provides
only what is its own:

    param_shapes()       [(name, shape), ...]: its parameter blocks, in the order of ``params``
    forward(x, ws)       z^l and a^l of every layer into the workspace; returns a^L
    backward(y, ws)      after ``forward``: delta^l of every layer and ∂C/∂params (``ws.grad``)
    spec()               (class, arguments) that rebuild its shape, e.g. in a worker process
    header()             the lines of its text-format header, after the magic line and
                         before ``cost`` and ``dtype`` (see [`tinynet.textformat`][tinynet.textformat])
    from_header(fields, cost, dtype, budget)
                         (a classmethod) the network those lines describe: ``fields`` is
                         [(line number, words), ...]; every value is checked against a
                         closed list or a range ([`tinynet.header`][tinynet.header]), a mistake is a
                         ``HeaderError`` naming the line, and a network of more than
                         ``budget`` parameters (the numbers the file holds) is refused
                         before anything is allocated (``check_budget``)

and may add ``allocate(ws, xp)`` (arrays its passes reuse), ``gradients(ws)``
(how ``backprop`` hands the gradient back) and ``regularisation()`` (a
penalty R added to the cost, m · R for a batch of m).

This class does, once, what follows from those: views of ``params``, input
and target checks, ``backprop``, ``feedforward``, ``cost_of``, ``predict``,
``evaluate``, ``trace``, ``to``, ``save`` and ``load``.

Notation (the same in code, lessons and docs): a batch of m samples is a
matrix with one sample per row; z^l is the weighted input of layer l, a^l its
activation (a^0 = x), C the cost summed over the batch, delta^l = ∂C/∂z^l.
"""

import numpy as np

# (check_dtype, make_rng and the header readers are also imported from here, their home before)
from .arrays import array_module, check_dtype, make_rng, to_numpy  # noqa: F401
from .header import HeaderError, header_choice, header_float, header_int  # noqa: F401

CHUNK = 1000  # samples per pass when a network is only evaluated (bounds the memory of big inputs)


class Workspace:
    """The arrays one pass over a batch of m samples writes into, kept between passes.

    ``x`` and ``y`` hold the batch a trainer loads; ``z``, ``a`` and
    ``delta`` the per-layer values of the last pass (``a[0]`` is the input);
    ``grad`` is ∂C/∂params, one flat array laid out like ``network.params``,
    and ``grads`` its views, one per parameter block. A network kind may
    allocate more in ``allocate`` (arrays its passes write into instead of
    allocating them on every step).
    """

    def __init__(self, network, m, xp=np):
        dtype = network.dtype
        self.m, self.xp = m, xp
        self.x = xp.empty((m, network.sizes[0]), dtype)
        self.y = xp.empty((m, network.sizes[-1]), dtype)
        self.z, self.a, self.delta = [], [], []
        self.grad = xp.zeros(network.params.shape, dtype)
        self.grads = network.views(self.grad)
        network.allocate(self, xp)


class Network:
    """What every tinynet network shares (see the module docstring for the contract).

    A network kind's ``__init__`` sets ``sizes`` ([inputs, outputs]: what the
    trainers check), ``cost`` and ``dtype``, then calls ``bind`` with a flat
    array of zeros and draws its initial weights.
    """

    header_key = None  # the first word of the kind's text-format header
    kinds = {}  # header_key -> class: how a model file finds its network kind

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "header_key" in cls.__dict__ and cls.header_key:  # a subclass (FastConvNet) reads as its parent
            Network.kinds[cls.header_key] = cls

    # --- the parameters --------------------------------------------------------------------

    def param_shapes(self):
        raise NotImplementedError

    @property
    def param_count(self):
        """P, the number of parameters."""
        return sum(int(np.prod(shape)) for _, shape in self.param_shapes())

    def views(self, flat):
        """A flat parameter-sized array seen as the parameter blocks (views, no copies)."""
        views, start = [], 0
        for _, shape in self.param_shapes():
            size = int(np.prod(shape))
            views.append(flat[start : start + size].reshape(shape))
            start += size
        return views

    def bind(self, params):
        """Make the flat array ``params`` this network's parameters (no copy is made).

        The trainers use it to put the parameters where they work on them: in
        shared memory for a pool of processes, or on a GPU.
        """
        if params.shape != (self.param_count,) or params.dtype != self.dtype:
            raise ValueError(
                f"params: expected a flat {self.dtype} array of {self.param_count} values, "
                f"got {params.dtype} of shape {params.shape}"
            )
        self.params = params
        self.unpack(self.views(params))

    @property
    def xp(self):
        """The array module the parameters live in (numpy here; cupy on a GPU)."""
        return array_module(self.params)

    def unpack(self, views):
        """Give the parameter views the names the kind's equations use (W, b, K...)."""

    def named_params(self):
        """(name, array) for every parameter block, in the order of ``params``."""
        return [(name, view) for (name, _), view in zip(self.param_shapes(), self.views(self.params))]

    # --- what a kind may add -----------------------------------------------------------------

    def allocate(self, ws, xp):
        """Add to the workspace ``ws`` the arrays this kind's passes reuse (none by default)."""

    def gradients(self, ws):
        """What ``backprop`` returns: the gradient's views, one per parameter block."""
        return ws.grads

    def regularisation(self):
        """A penalty R on the parameters; the cost of a batch of m samples is Σ C_x + m · R."""
        return 0.0

    def layer_names(self):
        """What each layer l = 1..L is, for ``trace``: its activation's name by default."""
        return [act.name for act in self.activations]

    def layer_params(self, flat):
        """Per layer l = 1..L, its blocks of a parameter-sized array by symbol: [{"W": W^1, "b": b^1}, ...].

        By default a block named ``W2`` belongs to layer 2 as ``W``; a layer
        without parameters (a pooling layer) gets an empty dict.
        """
        layers = [{} for _ in self.layer_names()]
        for (name, _), view in zip(self.param_shapes(), self.views(flat)):
            symbol = name.rstrip("0123456789")
            layers[int(name[len(symbol) :]) - 1][symbol] = view
        return layers

    # --- passes --------------------------------------------------------------------------------

    def workspace(self, m, xp=None):
        """A [`Workspace`][tinynet.base.Workspace] for batches of m samples."""
        return Workspace(self, m, xp or self.xp)

    def backprop(self, x, y, xp=None, ws=None):
        """∂C/∂params, summed over the batch (x, y): forward, then backward.

        ``x`` has shape (m, n_0) (or (n_0,) for one sample), ``y`` the targets
        (m, n_L). ``ws``: a workspace for m samples to reuse; the arrays
        returned then live in it and are overwritten by its next pass.
        """
        x = self.check_x(x)
        y = self.check_y(y, len(x))
        if ws is None:
            ws = self.workspace(len(x), xp)
        elif ws.m != len(x):
            raise ValueError(f"ws: the workspace holds batches of {ws.m} samples, x has {len(x)}")
        self.forward(x, ws)
        self.backward(y, ws)
        return self.gradients(ws)

    def feedforward(self, x):
        """The output a^L for one sample (shape (n_0,) -> (n_L,)) or a batch ((m, n_0) -> (m, n_L))."""
        one = np.ndim(x) == 1
        a = self.xp.concatenate([a for _, a in self._passes(self.check_x(x))])
        return a[0] if one else a

    def cost_of(self, x, y):
        """The cost C of a batch: summed over its samples (divide by m for the mean)."""
        x = self.check_x(x)
        y = self.check_y(y, len(x))
        total = 0.0
        for start, (z, a) in zip(range(0, len(x), CHUNK), self._passes(x)):
            total += self.cost.value(z, a, y[start : start + CHUNK], self.activations[-1], self.xp)
        return total + len(x) * self.regularisation()

    def _passes(self, x):
        """(z^L, a^L) of x, CHUNK samples at a time (a pass keeps every layer's values)."""
        for start in range(0, len(x), CHUNK):
            part = x[start : start + CHUNK]
            ws = self.workspace(len(part))
            a = self.forward(part, ws)
            yield ws.z[-1], a

    def predict(self, x):
        """Class indices: the most active output unit, or (one output unit) 1 where a > 0.5."""
        out = self.feedforward(x)
        if out.shape[-1] == 1:
            return (out[..., 0] > 0.5).astype(np.int64)
        return out.argmax(axis=-1)

    def evaluate(self, x, labels):
        """Accuracy: the fraction of samples whose predicted class equals ``labels``.

        ``labels`` are class indices (0 to n_L - 1; 0 or 1 for one output
        unit), or one-hot rows (their arg-max is taken).
        """
        xp = self.xp
        x = self.check_x(x)
        labels = xp.asarray(labels)
        if labels.ndim == 2:
            labels = labels.argmax(axis=1) if labels.shape[1] > 1 else labels[:, 0]
        if labels.shape != (len(x),):
            raise ValueError(f"labels: expected {len(x)} labels, one per sample, got shape {tuple(labels.shape)}")
        if len(x) == 0:
            raise ValueError("x: no samples to evaluate")
        classes = max(self.sizes[-1], 2)
        if labels.dtype.kind not in "biuf" or bool(((labels < 0) | (labels >= classes) | (labels % 1 != 0)).any()):
            raise ValueError(f"labels: expected class indices from 0 to {classes - 1}")
        return float((self.predict(x) == labels).mean())

    def trace(self, x, y):
        """Every z, a, delta and gradient of one pass, layer by layer (see [`tinynet.inspect`][tinynet.inspect])."""
        from .inspect import trace

        return trace(self, x, y)

    # --- checks ----------------------------------------------------------------------------------

    def check_x(self, x, name="x"):
        """``x`` as a batch (m, n_0) of this network's dtype, or a ValueError naming ``name``."""
        n = self.sizes[0]
        if not (hasattr(x, "dtype") and x.dtype == self.dtype):
            try:
                x = self.xp.asarray(x, dtype=self.dtype)
            except (TypeError, ValueError):
                raise ValueError(f"{name}: expected numbers, shape ({n},) or (m, {n})") from None
        if x.ndim not in (1, 2) or x.shape[-1] != n:
            raise ValueError(
                f"{name}: expected shape ({n},) or (m, {n}) for a network with {n} inputs, got {tuple(x.shape)}"
            )
        return x.reshape(1, -1) if x.ndim == 1 else x

    def check_y(self, y, m, name="y"):
        """Targets ``y`` as (m, n_L) rows of this network's dtype, or a ValueError naming ``name``.

        Class labels are not targets: one_hot(labels, n_L) turns them into rows.
        """
        n = self.sizes[-1]
        if not (hasattr(y, "dtype") and y.dtype == self.dtype):
            try:
                y = self.xp.asarray(y, dtype=self.dtype)
            except (TypeError, ValueError):
                raise ValueError(f"{name}: expected numbers, shape (m, {n})") from None
        if y.shape == (m, n):
            return y
        if y.size == m * n and (y.ndim == 1 and (m == 1 or n == 1)):
            return y.reshape(m, n)
        hint = " (class labels? tinynet.data.one_hot(labels, k) makes target rows of them)" if y.shape == (m,) else ""
        raise ValueError(
            f"{name}: expected targets of shape ({m}, {n}), {n} target values per sample, got {tuple(y.shape)}{hint}"
        )

    # --- moving and saving ---------------------------------------------------------------------------

    def to(self, xp):
        """A copy of this network whose parameters live in the array module ``xp`` (numpy, cupy)."""
        other = from_spec(self.spec())
        params = to_numpy(self.params) if xp is np else xp.asarray(self.params)
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

    @classmethod
    def check_budget(cls, count, budget, line):
        """Refuse a header whose P parameters the file cannot hold (before allocating them)."""
        if count > budget:
            raise HeaderError(
                f"the header describes {count:,} parameters, but the file holds at most {budget:,} numbers", line
            )


def from_spec(spec):
    """A network of the shape ``spec`` describes: (class, arguments), from ``Network.spec()``.

    Its parameters are drawn with seed 0; the caller replaces them (with the
    shared ones in a worker process, with a copy in ``Network.to``).
    """
    cls, kwargs = spec
    return cls(**kwargs, seed=0)
