"""What one forward and backward pass computes, layer by layer, for a learner to look at.

``trace(network, x, y)`` runs the network's own ``backprop`` (the code every
trainer runs) on a workspace and hands back copies of what it computed: for
each layer l = 1..L its weighted input ``z``, activation ``a``, error
``delta`` and the gradients ``nabla_w``, ``nabla_b``, plus the cost ``C``.
Nothing here computes any of it a second time.
"""

from dataclasses import dataclass

import numpy as np

from .network import Workspace


@dataclass
class LayerTrace:
    """Layer l of a pass: W^l, b^l, z^l, a^l, delta^l, ∂C/∂W^l (nabla_w), ∂C/∂b^l (nabla_b)."""

    l: int
    activation: str
    W: np.ndarray
    b: np.ndarray
    z: np.ndarray
    a: np.ndarray
    delta: np.ndarray
    nabla_w: np.ndarray
    nabla_b: np.ndarray


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
    """Run one forward and backward pass on (x, y) and return a :class:`Trace` of it.

    ``x`` is one sample (n_0,) or a batch (m, n_0); ``y`` its target(s).
    """
    x = np.atleast_2d(network._check_input(x, "x"))
    y = np.asarray(y, dtype=network.dtype).reshape(x.shape[0], -1)
    if y.shape[1] != network.sizes[-1]:
        raise ValueError(f"y: expected {network.sizes[-1]} target values per sample, got {y.shape[1]}")
    ws = Workspace(network, x.shape[0])
    nabla_w, nabla_b = network.backprop(x, y, ws=ws)
    layers = [
        LayerTrace(i + 1, act.name, W.copy(), b.copy(), ws.z[i].copy(), ws.a[i + 1].copy(),
                   ws.delta[i].copy(), nabla_w[i].copy(), nabla_b[i].copy())
        for i, (W, b, act) in enumerate(zip(network.weights, network.biases, network.activations))
    ]
    return Trace(x.copy(), y, layers, network.cost_of(x, y))
