"""A plain convolutional network: Conv2D, MaxPool2D, Flatten and Dense layers, read in one sitting.

Notation, as for the fully connected network: layer l turns a^(l-1) into its
weighted input z^l and its activation a^l = σ(z^l) (a pooling or flatten
layer's σ is the identity); delta^l = ∂C/∂z^l. Each layer's ``forward``
computes z^l from a^(l-1); its ``backward`` takes delta^l, writes its
parameters' gradients and returns ∂C/∂a^(l-1); the activation then gives

    delta^(l-1) = ∂C/∂a^(l-1) ⊙ σ'(z^(l-1)),

exactly as in the dense network. Inputs arrive flat, one image per row (a
28x28 digit is 784 numbers), and are seen as maps of shape (m, C, H, W).
The layers and their two passes are in [`tinynet.layers`][tinynet.layers]; this module
chains them into a network.

A convolution is a dense layer applied to every k x k window of its input
with the same weights: ``im2col`` copies each window into a column, and the
layer becomes one matrix product forward and three backward, the very
products of the dense network ([`tinynet.im2col`][tinynet.im2col]). [`tinynet.conv_fast`][tinynet.conv_fast]
computes the same numbers faster; this module is the reference it is tested against.
"""

import numpy as np

from .activations import get_activation
from .arrays import check_dtype, make_rng
from .base import Network
from .costs import COSTS, get_cost
from .header import HeaderError, header_choice, header_int
from .im2col import col2im, im2col  # noqa: F401 (importable from here, as before tinynet.im2col)
from .layers import Conv2D, Dense, Flatten, MaxPool2D, parse_layer, whole  # noqa: F401 (the layers, as before)


class ConvNet(Network):
    """A network of Conv2D, MaxPool2D, Flatten and Dense layers.

    ``ConvNet([Conv2D(8, 5, "relu"), MaxPool2D(2), Flatten(), Dense(10, "softmax")],
    input_shape=(1, 28, 28), cost="cross_entropy")`` is one convolution layer with
    max-pooling and a softmax classifier. Layers may also be given as their
    descriptions ("conv2d 8 5 relu"). Weights start as N(0, 1/fan_in), biases 0,
    seeded by ``seed``.
    """

    header_key = "convnet"

    def __init__(self, layers, input_shape=(1, 28, 28), cost="cross_entropy", seed=None, dtype=np.float64):
        self.layers = [parse_layer(layer) if isinstance(layer, str) else layer for layer in layers]
        if not self.layers:
            raise ValueError("layers: expected at least one layer")
        if not (isinstance(input_shape, (tuple, list)) and len(input_shape) == 3):
            raise ValueError(f"input_shape: expected (channels, height, width), got {input_shape!r}")
        self.input_shape = tuple(whole(n, "input_shape", 1, 64 if i == 0 else 4096) for i, n in enumerate(input_shape))
        self.shapes = [self.input_shape]  # the shape of a^l for one sample, l = 0..L
        for layer in self.layers:
            self.shapes.append(layer.output_shape(self.shapes[-1]))
        if len(self.shapes[-1]) != 1:
            raise ValueError("layers: the last layer must give a vector (end with Flatten and Dense)")
        self.activations = tuple(get_activation(layer.activation) for layer in self.layers)
        self.cost = get_cost(cost)
        self.cost.check(self.activations[-1])
        self.dtype = check_dtype(dtype)
        self.sizes = [int(np.prod(self.input_shape)), self.shapes[-1][0]]  # what the trainers check
        self.bind(np.zeros(self.param_count, self.dtype))
        rng = make_rng(seed)
        for name, P in self.named_params():
            if name[0] in "KW":  # fan_in = the inputs of one unit: C·k·k for a kernel, n_(l-1) for W
                P[...] = rng.standard_normal(P.shape) / np.sqrt(P[0].size)

    def param_shapes(self):
        """K<l> (F, C, k, k) and b<l> for a convolution, W<l> (n_l, n_(l-1)) and b<l> for a dense layer."""
        return [
            (f"{symbol}{l}", shape)
            for l, (layer, shape) in enumerate(zip(self.layers, self.shapes), start=1)
            for symbol, shape in layer.param_shapes(shape)
        ]

    def by_layer(self, views):
        """Parameter blocks grouped per layer: [(K1, b1), (), (), (W4, b4)] (a pooling layer has none)."""
        grouped, i = [], 0
        for layer, shape in zip(self.layers, self.shapes):
            n = len(layer.param_shapes(shape))
            grouped.append(tuple(views[i : i + n]))
            i += n
        return grouped

    def unpack(self, views):
        self.layer_blocks = self.by_layer(views)

    def layer_names(self):
        return [layer.describe() for layer in self.layers]

    def allocate(self, ws, xp):
        """Per layer z^l, a^l (a^0: the input as maps), delta^l, what backward reuses, and the gradient's views."""
        L = len(self.layers)
        ws.z, ws.a, ws.delta, ws.saved = [None] * L, [None] * (L + 1), [None] * L, [None] * L
        ws.layer_grads = self.by_layer(ws.grads)

    def forward(self, x, ws):
        """z^l = layer l's map of a^(l-1), a^l = σ^l(z^l), for l = 1..L, with a^0 = x as maps; returns a^L."""
        xp = ws.xp
        a = x.reshape((len(x),) + self.input_shape)
        ws.a[0] = a
        for i, (layer, params, act) in enumerate(zip(self.layers, self.layer_blocks, self.activations)):
            z, ws.saved[i] = layer.forward(a, params, xp)  # z^l
            a = act.forward(z, xp.empty_like(z), xp)  # a^l = σ^l(z^l)
            ws.z[i], ws.a[i + 1] = z, a
        return a

    def backward(self, y, ws):
        """delta^l for l = L..1 and ∂C/∂params (``ws.grad``), summed over the batch, after ``forward``.

        delta^L = ∇_a C ⊙ σ'(z^L)  (the cost's ``delta``);  then per layer, its
        backward gives its gradients and ∂C/∂a^(l-1), and
        delta^(l-1) = ∂C/∂a^(l-1) ⊙ σ'(z^(l-1)).
        """
        xp = ws.xp
        ws.delta[-1] = self.cost.delta(ws.z[-1], ws.a[-1], y, self.activations[-1], xp.empty_like(ws.z[-1]), xp)
        for i in reversed(range(len(self.layers))):
            g = self.layers[i].backward(
                ws.delta[i], ws.a[i], ws.saved[i], self.layer_blocks[i], ws.layer_grads[i], xp, need_input_grad=i > 0
            )  # ∂C/∂a^(l-1)
            if i > 0:
                ws.delta[i - 1] = self.activations[i - 1].backward(ws.z[i - 1], ws.a[i], g, xp.empty_like(g), xp)

    def spec(self):
        """What rebuilds this network's shape elsewhere (a worker process): its class and arguments."""
        return type(self), dict(
            layers=tuple(self.layer_names()), input_shape=self.input_shape, cost=self.cost.name, dtype=self.dtype.name
        )

    def header(self):
        return ["convnet " + " ".join(map(str, self.input_shape))] + [f"layer {name}" for name in self.layer_names()]

    @classmethod
    def from_header(cls, fields, cost, dtype, budget):
        """``convnet C H W``, then one ``layer ...`` line per layer; every value checked before anything is built."""
        line, words = fields[0]
        if words[:1] != ["convnet"] or len(words) != 4:
            raise HeaderError("expected 'convnet C H W', the input's channels, height and width", line)
        input_shape = (
            header_int(words[1], "channels", line, 1, 64),
            header_int(words[2], "height", line, 1, 4096),
            header_int(words[3], "width", line, 1, 4096),
        )
        if len(fields) < 2:
            raise HeaderError("expected 'layer ...' lines after the 'convnet' line", line)
        layers, count, shape = [], 0, input_shape
        for line, words in fields[1:]:
            if words[:1] != ["layer"]:
                raise HeaderError(f"expected 'layer' and a layer, found {' '.join(words)[:60]!r}", line)
            layers.append(parse_layer(" ".join(words[1:]), line))
            try:
                count += sum(int(np.prod(s)) for _, s in layers[-1].param_shapes(shape))
                shape = layers[-1].output_shape(shape)
            except ValueError as e:
                raise HeaderError(str(e), line) from None
        cls.check_budget(count, budget, fields[0][0])
        header_choice(cost, "cost", line + 1, list(COSTS))  # the cost line follows the header
        try:
            return cls(layers, input_shape=input_shape, cost=cost, seed=0, dtype=dtype)
        except ValueError as e:
            raise HeaderError(f"the header does not describe a valid network: {e}", line) from None

    def __repr__(self):
        return f"{type(self).__name__}([{', '.join(self.layer_names())}], input_shape={self.input_shape})"
