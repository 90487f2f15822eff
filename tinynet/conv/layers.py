"""The layers of a convolutional network: Conv2D, MaxPool2D, Flatten and Dense, each with its two passes.

Layer l turns a^(l-1) into its weighted input z^l (``forward``); given
delta^l = ∂C/∂z^l, ``backward`` returns the gradients of its parameters and
∂C/∂a^(l-1). [`tinynet.conv.net.ConvNet`][tinynet.conv.net.ConvNet] chains them and applies
each layer's activation σ (the identity for a pooling or flatten layer).
Maps have shape (m, D, H, V): m samples, D channels (the depth), H rows and V columns
(not C and W: those are the cost and the weights).

Each layer also has a one-line description (``conv2d 8 5 relu``), what a
model file holds and ``parse_layer`` reads back.
"""

import numpy as np

from tinynet.activations import ACTIVATIONS, get_activation
from tinynet.arrays import array_module
from tinynet.conv.im2col import col2im, im2col
from tinynet.files.header import HeaderError, header_choice, header_int


class Layer:
    """What every layer has: its ``kind``, its activation's name, and its one-line description.

    Each layer provides ``output_shape(shape)`` (the shape of a^l for one
    sample, given that of a^(l-1)), ``param_shapes(shape)`` (its parameter
    blocks, [(symbol, shape), ...]), ``forward(a, params)`` (z^l, and what
    backward reuses) and ``backward(delta, a, saved, params, need_input_grad)``
    (its gradients, a tuple like ``params``, and ∂C/∂a^(l-1)).
    """

    kind = ""
    args = ()  # the attributes its description lists after its kind
    activation = "identity"  # σ of a layer without one of its own (pooling, flatten)

    def describe(self):
        """Its line in a model file, e.g. ``conv2d 8 5 relu`` (what ``parse_layer`` reads back)."""
        return " ".join([self.kind] + [str(getattr(self, name)) for name in self.args])

    def param_shapes(self, shape):
        """No parameters, unless the layer has some."""
        return []


class Conv2D(Layer):
    """``filters`` kernels of size k x k over all input channels; valid padding, stride 1.

    Parameters K^l (F, D, k, k) and b^l (F,). For output channel f at (i, j):

        z[f, i, j] = Σ_d Σ_u Σ_v K[f, d, u, v] · a[d, i+u, j+v] + b[f]

    (a correlation, as every framework computes a "convolution").
    """

    kind = "conv2d"
    args = ("filters", "k", "activation")

    def __init__(self, filters, kernel_size, activation="identity"):
        self.filters = whole(filters, "filters", 1, 10000)
        self.k = whole(kernel_size, "kernel_size", 1, 64)
        self.activation = get_activation(activation).name

    def output_shape(self, shape):
        """(F, H-k+1, V-k+1): a k x k window fits H-k+1 times down an H x V map and V-k+1 times across."""
        D, H, V = fitting_maps(shape, "a convolution", self.k, "kernel")
        return self.filters, H - self.k + 1, V - self.k + 1

    def param_shapes(self, shape):
        return [("K", (self.filters, shape[0], self.k, self.k)), ("b", (self.filters,))]

    def forward(self, a, params):
        """z^l = K^l * a^(l-1) + b^l as ONE matrix product: z = K cols + b, K seen as (F, D·k·k).

        Returns z (m, F, Ho, Vo) and the windows ``cols``, which backward reuses.
        """
        K, b = params
        m, F = len(a), self.filters
        _, Ho, Vo = self.output_shape(a.shape[1:])
        cols = im2col(a, self.k)  # each window a column, like a sample of a dense layer
        z = K.reshape(F, -1) @ cols + b[:, None]  # z = K cols + b: (F, m·Ho·Vo)
        return z.reshape(F, m, Ho, Vo).transpose(1, 0, 2, 3), cols

    def backward(self, delta, a, cols, params, need_input_grad=True):
        """The dense layer's three products, with the windows as its inputs; delta = delta^l (m, F, Ho, Vo).

        ∂C/∂K = delta colsᵀ        (summed over every window of every sample)
        ∂C/∂b = Σ_windows delta
        ∂C/∂a = col2im(Kᵀ delta)   (Kᵀ delta is ∂C/∂cols; col2im adds each window back where it lay)

        Why col2im rather than correlating delta with the flipped kernel (the
        same sums, pixel by pixel): it is the dense rule ∂C/∂a = Wᵀ delta on
        the matrices the forward pass built, with no padding or channel swap to see.
        """
        K, _ = params
        F = self.filters
        d = delta.transpose(1, 0, 2, 3).reshape(F, -1)  # delta as (F, m·Ho·Vo): a column per window
        nabla_k = (d @ cols.T).reshape(K.shape)  # ∂C/∂K = delta colsᵀ
        nabla_b = d.sum(axis=1)  # ∂C/∂b = Σ delta
        if not need_input_grad:  # (the input image needs no error)
            return (nabla_k, nabla_b), None
        return (nabla_k, nabla_b), col2im(K.reshape(F, -1).T @ d, a.shape, self.k)  # ∂C/∂a = col2im(Kᵀ delta)


class MaxPool2D(Layer):
    """Max-pooling over non-overlapping s x s blocks (a remainder of rows or columns is cut off).

        z[c, i, j] = max_(p, q < s) a[c, s·i + p, s·j + q]

    No parameters. Forward keeps the arg-max ``mask``: 1 where a block's
    maximum lies (the first of tied inputs in reading order), 0 elsewhere.
    """

    kind = "maxpool2d"
    args = ("size",)

    def __init__(self, size=2):
        self.size = whole(size, "size", 1, 64)

    def output_shape(self, shape):
        D, H, V = fitting_maps(shape, "a max-pool", self.size, "pool")
        return D, H // self.size, V // self.size

    def forward(self, a, params):
        """z = the maximum of each s x s block of a (m, D, H, V); returns z (m, D, H/s, V/s) and the mask."""
        s = self.size
        m, D, H, V = a.shape
        Hp, Vp = H // s, V // s
        # each block's s·s values side by side, in reading order: (m, D, Hp, Vp, s·s)
        blocks = a[:, :, : Hp * s, : Vp * s].reshape(m, D, Hp, s, Vp, s).transpose(0, 1, 2, 4, 3, 5)
        blocks = blocks.reshape(m, D, Hp, Vp, s * s)
        z = blocks.max(axis=-1)
        winner = blocks.argmax(axis=-1)  # the first maximum on a tie
        xp = array_module(a)
        one_hot = winner[..., None] == xp.arange(s * s)  # (m, D, Hp, Vp, s·s)
        mask = xp.zeros(a.shape, a.dtype)  # the cut-off rows and columns stay 0
        mask[:, :, : Hp * s, : Vp * s] = (
            one_hot.reshape(m, D, Hp, Vp, s, s).transpose(0, 1, 2, 4, 3, 5).reshape(m, D, Hp * s, Vp * s)
        )
        return z, mask

    def backward(self, delta, a, mask, params, need_input_grad=True):
        """∂C/∂a = upsample(delta) ⊙ mask: each block's error goes to its arg-max, the one input that decided it.

        upsample copies delta[c, i, j] to every place of block (i, j); the mask keeps the arg-max's copy.
        """
        s = self.size
        Hp, Vp = delta.shape[2:]
        up = array_module(delta).zeros(mask.shape, delta.dtype)
        up[:, :, : Hp * s, : Vp * s] = delta.repeat(s, axis=2).repeat(s, axis=3)
        return (), up * mask


class Flatten(Layer):
    """(m, D, H, V) -> (m, D·H·V): z = the maps as one vector per sample; ∂C/∂a = delta in the maps' shape."""

    kind = "flatten"

    def output_shape(self, shape):
        return (int(np.prod(shape)),)

    def forward(self, a, params):
        return a.reshape(len(a), -1), None

    def backward(self, delta, a, saved, params, need_input_grad=True):
        return (), delta.reshape(a.shape)


class Dense(Layer):
    """A fully connected layer, as in NeuralNetwork: z = W a + b (z = a Wᵀ + b for a batch of rows)."""

    kind = "dense"
    args = ("units", "activation")

    def __init__(self, units, activation="sigmoid"):
        self.units = whole(units, "units", 1, 10000)
        self.activation = get_activation(activation).name

    def output_shape(self, shape):
        if len(shape) != 1:
            raise ValueError("layers: a dense layer needs a vector: put a Flatten() before it")
        return (self.units,)

    def param_shapes(self, shape):
        return [("W", (self.units, shape[0])), ("b", (self.units,))]

    def forward(self, a, params):
        W, b = params
        return a @ W.T + b, None  # z = W a + b, one row per sample

    def backward(self, delta, a, saved, params, need_input_grad=True):
        W, _ = params
        nabla_w = delta.T @ a  # ∂C/∂W = delta aᵀ, summed over the batch
        nabla_b = delta.sum(axis=0)  # ∂C/∂b = Σ delta
        return (nabla_w, nabla_b), (delta @ W if need_input_grad else None)  # ∂C/∂a = Wᵀ delta


LAYERS = {cls.kind: cls for cls in (Conv2D, MaxPool2D, Flatten, Dense)}
ARGS = {
    "conv2d": ("filters", "kernel size", "activation"),
    "maxpool2d": ("size",),
    "flatten": (),
    "dense": ("units", "activation"),
}
LIMITS = {"filters": 10000, "kernel size": 64, "size": 64, "units": 10000}


def parse_layer(text, line=None):
    """A layer from its one-line description, e.g. ``conv2d 8 5 relu``; a mistake is a HeaderError (a ValueError)."""
    words = text.split()
    kind = header_choice(words[0] if words else "", "layer", line, list(LAYERS))
    names = ARGS[kind]
    if len(words) - 1 > len(names):
        raise HeaderError(f"{kind}: expected {' '.join(names) or 'nothing'} after it, found {text[:60]!r}", line)
    args = [
        header_choice(w, name, line, list(ACTIVATIONS))
        if name == "activation"
        else header_int(w, name, line, 1, LIMITS[name])
        for name, w in zip(names, words[1:])
    ]
    return LAYERS[kind](*args)


def fitting_maps(shape, layer, size, window):
    """The (D, H, V) of maps a ``size`` x ``size`` window fits, or a ValueError saying what does not fit."""
    if len(shape) != 3:
        raise ValueError(f"layers: {layer} needs maps (D, H, V): put it before Flatten")
    D, H, V = shape
    if H < size or V < size:
        raise ValueError(f"layers: a {size}x{size} {window} does not fit a {H}x{V} input")
    return D, H, V


def whole(value, name, low, high):
    """``value`` as an int in [low, high], or a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name}: expected a whole number from {low} to {high}, got {value!r}")
    return int(value)
