"""What one forward and backward pass computes, layer by layer, for a learner to look at.

``network.trace(x, y)`` runs the network's own ``forward`` and ``backward``
(the code every trainer runs) and hands back copies of what they computed:
for each layer l = 1..L its weighted input ``z``, activation ``a``, error
``delta`` = ∂C/∂z^l, its parameters and their gradients by name (``W``, ``b``
for a dense layer, ``K``, ``b`` for a convolution...), plus the cost ``C``. It
works for every network kind; nothing here computes any of it
a second time.
"""

from dataclasses import dataclass

import numpy as np

from tinynet.arrays import to_numpy


@dataclass
class LayerTrace:
    """Layer l of a pass: z^l, a^l, delta^l, its parameters and ∂C/∂ each (``grads``), by name.

    Under the names the lessons use: ``W`` is W^l (or the kernels K^l of a
    convolution), ``b`` is b^l, ``nabla_w`` and ``nabla_b`` are ∂C/∂W^l (or
    ∂C/∂K^l) and ∂C/∂b^l; each None for a layer without it (a pooling layer).
    """

    l: int
    name: str
    z: np.ndarray
    a: np.ndarray
    delta: np.ndarray
    params: dict
    grads: dict

    def __post_init__(self):
        self.W, self.b = _weights(self.params), self.params.get("b")
        self.nabla_w, self.nabla_b = _weights(self.grads), self.grads.get("b")

    @property
    def activation(self):
        return self.name


@dataclass
class Trace:
    """A whole pass: the input x (= a^0), the target y, the layers 1..L and the cost C (summed over the batch)."""

    x: np.ndarray
    y: np.ndarray
    layers: list
    C: float

    @property
    def output(self):
        """a^L, the network's output."""
        return self.layers[-1].a

    def __getitem__(self, l):
        """``trace[l]``: layer l, counted as in the equations (1 is the first layer after the input)."""
        if not 1 <= l <= len(self.layers):
            raise IndexError(f"layer {l}: the layers are numbered 1 to {len(self.layers)}")
        return self.layers[l - 1]


def trace(network, x, y):
    """Run one forward and backward pass on (x, y) and return a [`Trace`][tinynet.trace.Trace] of it.

    ``x`` is a batch (m, n_0) and ``y`` its targets (m, n_L), as
    ``network.trace`` hands them on after checking them.
    """
    p = network.forward(x)
    nabla = network.grad_blocks(network.backward(p, y))
    params, grads = network.layer_params(network.param_blocks), network.layer_params(nabla)
    layers = [
        LayerTrace(
            l,
            name,
            _copy(z),
            _copy(a),
            _copy(delta),
            {k: _copy(v) for k, v in p_l.items()},
            {k: _copy(v) for k, v in g.items()},
        )
        for l, (name, z, a, delta, p_l, g) in enumerate(
            zip(network.layer_names(), p.z, p.a[1:], p.delta, params, grads), start=1
        )
    ]
    return Trace(_copy(x), _copy(y), layers, network.cost_of(x, y))


def _copy(value):
    """A NumPy copy of an array, or of each array of a tuple (a stable network's state)."""
    if isinstance(value, (tuple, list)):
        return tuple(_copy(v) for v in value)
    return to_numpy(value).copy()


def _weights(blocks):
    """The weights among a layer's blocks: W, or a convolution's kernels K (None if it has neither)."""
    return blocks.get("W", blocks.get("K"))
