"""What every tinynet network shares: its parameters as one flat array, and what follows from two passes.

A network kind ([`NeuralNetwork`][tinynet.network.NeuralNetwork], [`ConvNet`][tinynet.conv.net.ConvNet],
the stable networks) writes its own maths, and nothing else:

    param_shapes()    [(name, shape), ...]: its parameter blocks (W1, b1, W2, ...), in the order of ``params``
    unpack(blocks)    gives those blocks the names its equations use (``self.weights``, ``self.biases``...)
    forward(x)        a [`Pass`][tinynet.base.Pass]: z^l and a^l of every layer, kept for backward
    backward(p, y)    ∂C/∂params summed over the batch, after the pass ``p``; it fills ``p.delta``

This class does, once, what follows: the blocks as views of ``params``, the
checks of x and y, ``backprop``, ``feedforward``, ``cost_of``, ``predict``,
``evaluate``, ``trace`` and moving to another array module. A kind's
``__init__`` sets ``inputs``, ``outputs``, ``cost`` and ``dtype``, calls
``bind`` with an array of zeros and draws its first weights. Saving and
loading are not a network's business: [`tinynet.files.format`][tinynet.files.format] writes and reads
every kind.

Why one flat array: a trainer steps all parameters at once, a pool of
processes shares them as one block of memory, a GPU holds them as one array,
and a gradient check walks them with one index. The names a learner reads
(``W`` for W^l, ``b`` for b^l) are views of it: no copies, so changing
``net.weights[0][...]`` changes ``net.params``.
"""

from dataclasses import dataclass, field

import numpy as np

from tinynet.arrays import array_module, to_numpy
from tinynet.checks import check_x, check_y
from tinynet.trace import trace

CHUNK = 1000  # samples per pass when a network is only evaluated (bounds the memory of big inputs)


@dataclass
class Pass:
    """What one forward pass keeps for backward: ``z[i]`` is z^(i+1), ``a[i]`` is a^i (``a[0]`` is x).

    ``delta[i]`` is delta^(i+1) = ∂C/∂z^(i+1), filled in by ``backward``. A
    kind may keep more on it (a convolution's windows, a stable network's states).
    """

    z: list
    a: list
    delta: list = field(default_factory=list)


class Network:
    """What every tinynet network shares (see the module docstring for what a kind provides)."""

    # --- the parameters: one flat array, seen as blocks --------------------------------------

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
        self.param_blocks = self.views(params)
        self.unpack(self.param_blocks)

    def unpack(self, blocks):
        """Give the parameter blocks the names the kind's equations use (W, b, K...)."""

    @property
    def xp(self):
        """The array module the parameters live in (numpy here; cupy on a GPU)."""
        return array_module(self.params)

    def named_params(self):
        """(name, array) for every parameter block, in the order of ``params``."""
        return [(name, block) for (name, _), block in zip(self.param_shapes(), self.param_blocks)]

    def grad_blocks(self, nabla):
        """The gradient as a list of blocks in the order of ``params``.

        ``nabla`` is what ``backprop`` returns (a kind may return its own
        grouping: NeuralNetwork returns ``(nabla_w, nabla_b)``), or one flat
        parameter-sized array (what a pool of processes adds up).
        """
        if hasattr(nabla, "ndim"):
            return self.views(nabla)
        return list(nabla)

    def regularisation(self):
        """A penalty R on the parameters; the cost of a batch of m samples is Σ C_x + m · R."""
        return 0.0

    # --- what follows from the two passes -------------------------------------------------------

    def backprop(self, x, y):
        """∂C/∂params, summed over the batch (x, y): ``forward``, then ``backward``.

        ``x`` has shape (m, n_0) (or (n_0,) for one sample), ``y`` the targets (m, n_L).
        """
        x = self.check_x(x)
        y = self.check_y(y, len(x))
        return self.backward(self.forward(x), y)

    def gradient(self, x, y):
        """∂C/∂params summed over the batch, as one flat array laid out like ``params``."""
        return self.xp.concatenate([g.ravel() for g in self.grad_blocks(self.backprop(x, y))])

    def feedforward(self, x):
        """The output a^L for one sample (shape (n_0,) -> (n_L,)) or a batch ((m, n_0) -> (m, n_L))."""
        one = np.ndim(x) == 1
        a = self.xp.concatenate([p.a[-1] for p in self._passes(self.check_x(x))])
        return a[0] if one else a

    def cost_of(self, x, y):
        """The cost C of a batch: summed over its samples (divide by m for the mean)."""
        x = self.check_x(x)
        y = self.check_y(y, len(x))
        total = 0.0
        for start, p in zip(range(0, len(x), CHUNK), self._passes(x)):
            total += self.cost.value(p.z[-1], p.a[-1], y[start : start + CHUNK], self.activations[-1])
        return total + len(x) * self.regularisation()

    def _passes(self, x):
        """The forward passes of x, CHUNK samples at a time (a pass keeps every layer's values)."""
        for start in range(0, len(x), CHUNK):
            yield self.forward(x[start : start + CHUNK])

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
        classes = max(self.outputs, 2)
        if labels.dtype.kind not in "biuf" or bool(((labels < 0) | (labels >= classes) | (labels % 1 != 0)).any()):
            raise ValueError(f"labels: expected class indices from 0 to {classes - 1}")
        return float((self.predict(x) == labels).mean())

    def trace(self, x, y):
        """Every z, a, delta and gradient of one pass, layer by layer (see [`tinynet.trace`][tinynet.trace])."""
        x = self.check_x(x)
        y = self.check_y(y, len(x))
        return trace(self, x, y)

    def layer_names(self):
        """What each layer l = 1..L is, for ``trace``: its activation's name by default."""
        return [act.name for act in self.activations]

    def layer_params(self, blocks):
        """Per layer l = 1..L, its blocks (of ``params`` or of a gradient) by symbol: [{"W": W^1, "b": b^1}, ...].

        By default a block named ``W2`` belongs to layer 2 as ``W``; a layer
        without parameters (a pooling layer) gets an empty dict.
        """
        layers = [{} for _ in self.layer_names()]
        for (name, _), block in zip(self.param_shapes(), blocks):
            symbol = name.rstrip("0123456789")
            layers[int(name[len(symbol) :]) - 1][symbol] = block
        return layers

    # --- checks ----------------------------------------------------------------------------------

    def check_x(self, x, name="x"):
        """``x`` as a batch (m, n_0) of this network's dtype, or a ValueError naming ``name``."""
        return check_x(self, x, name)

    def check_y(self, y, m, name="y"):
        """Targets ``y`` as (m, n_L) rows of this network's dtype, or a ValueError naming ``name``."""
        return check_y(self, y, m, name)

    # --- copies ----------------------------------------------------------------------------------------

    def to(self, xp):
        """A copy of this network whose parameters live in the array module ``xp`` (numpy, cupy)."""
        cls, kwargs = self.spec()  # the same kind and shape; seed 0, replaced at once
        other = cls(**kwargs, seed=0)
        params = to_numpy(self.params) if xp is np else xp.asarray(self.params)
        other.bind(params.copy())
        return other

    def copy(self):
        """An independent network with the same layers and parameters."""
        return self.to(self.xp)
