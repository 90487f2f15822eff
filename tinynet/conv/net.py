"""A plain convolutional network: Conv2D, MaxPool2D, Flatten and Dense layers, read in one sitting.

Notation, as for the fully connected network: layer l turns a^(l-1) into its
weighted input z^l and its activation a^l = σ(z^l) (a pooling or flatten
layer's σ is the identity); delta^l = ∂C/∂z^l. Each layer's ``forward``
computes z^l from a^(l-1); its ``backward`` takes delta^l and returns its
parameters' gradients and ∂C/∂a^(l-1); the activation then gives

    delta^(l-1) = ∂C/∂a^(l-1) ⊙ σ'(z^(l-1)),

exactly as in the dense network. Inputs arrive flat, one image per row (a
28x28 digit is 784 numbers), and are seen as maps of shape (m, C, H, W).
The layers and their two passes are in [`tinynet.conv.layers`][tinynet.conv.layers]; this module
chains them into a network (the model file's lines for it are in [`tinynet.files.kinds`][tinynet.files.kinds]).

A convolution is a dense layer applied to every k x k window of its input
with the same weights: ``im2col`` copies each window into a column, and the
layer becomes one matrix product forward and three backward, the very
products of the dense network ([`tinynet.conv.im2col`][tinynet.conv.im2col]). [`tinynet.conv.fast`][tinynet.conv.fast]
computes the same numbers faster; this module is the reference it is tested against.
"""

import numpy as np

from tinynet.activations import get_activation
from tinynet.arrays import check_dtype, make_rng
from tinynet.base import Network, Pass
from tinynet.conv.layers import parse_layer, whole
from tinynet.costs import get_cost


class ConvNet(Network):
    """A network of Conv2D, MaxPool2D, Flatten and Dense layers.

    ``ConvNet([Conv2D(8, 5, "relu"), MaxPool2D(2), Flatten(), Dense(10, "softmax")],
    input_shape=(1, 28, 28), cost="cross_entropy")`` is one convolution layer with
    max-pooling and a softmax classifier. Layers may also be given as their
    descriptions ("conv2d 8 5 relu"). Weights start as N(0, 1/fan_in), biases 0,
    seeded by ``seed``.
    """

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
        self.inputs, self.outputs = int(np.prod(self.input_shape)), self.shapes[-1][0]
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

    def unpack(self, blocks):
        self.layer_blocks = self.by_layer(blocks)

    def layer_names(self):
        return [layer.describe() for layer in self.layers]

    def forward(self, x):
        """z^l = layer l's map of a^(l-1), a^l = σ^l(z^l), for l = 1..L, with a^0 = x as maps.

        The pass also keeps what each layer's backward reuses (``saved``: a
        convolution's windows, a pool's arg-max mask).
        """
        p = Pass(z=[], a=[x.reshape((len(x),) + self.input_shape)])
        p.saved = []
        for layer, params, sigma in zip(self.layers, self.layer_blocks, self.activations):
            z, saved = layer.forward(p.a[-1], params)  # z^l
            p.z.append(z)
            p.a.append(sigma.forward(z))  # a^l = σ^l(z^l)
            p.saved.append(saved)
        return p

    def backward(self, p, y):
        """delta^l for l = L..1 and ∂C/∂params (a list of blocks, in the order of ``params``), summed over the batch.

        delta^L = ∇_a C ⊙ σ'(z^L)  (the cost's ``delta``);  then per layer, its
        backward gives its gradients and ∂C/∂a^(l-1), and
        delta^(l-1) = ∂C/∂a^(l-1) ⊙ σ'(z^(l-1)).
        """
        L = len(self.layers)
        delta, nabla = [None] * L, [None] * L
        delta[-1] = self.cost.delta(p.z[-1], p.a[-1], y, self.activations[-1])
        for i in reversed(range(L)):
            nabla[i], g = self.layers[i].backward(
                delta[i], p.a[i], p.saved[i], self.layer_blocks[i], need_input_grad=i > 0
            )  # its gradients, and g = ∂C/∂a^(l-1)
            if i > 0:
                delta[i - 1] = self.activations[i - 1].backward(p.z[i - 1], p.a[i], g)
        p.delta = delta
        return [g for layer_nabla in nabla for g in layer_nabla]

    def spec(self):
        """What rebuilds this network's shape elsewhere (a worker process): its class and arguments."""
        return type(self), dict(
            layers=tuple(self.layer_names()), input_shape=self.input_shape, cost=self.cost.name, dtype=self.dtype.name
        )

    def __repr__(self):
        return f"{type(self).__name__}([{', '.join(self.layer_names())}], input_shape={self.input_shape})"
