"""A plain convolutional network: Conv2D, MaxPool2D, Flatten and Dense layers, read in one sitting.

Notation, as for the fully connected network: layer l turns a^(l-1) into its
weighted input z^l and its activation a^l = σ(z^l) (a pooling or flatten
layer's σ is the identity); delta^l = ∂C/∂z^l. Each layer's ``forward``
computes z^l from a^(l-1); its ``backward`` takes delta^l, writes its
parameters' gradients and returns ∂C/∂a^(l-1); the activation then gives

    delta^(l-1) = ∂C/∂a^(l-1) ⊙ σ'(z^(l-1)),

exactly as in the dense network. Inputs arrive flat, one image per row (a
28x28 digit is 784 numbers), and are seen as maps of shape (m, C, H, W).

A convolution is a dense layer applied to every k x k window of its input
with the same weights: ``im2col`` copies each window into a column, and the
layer becomes one matrix product forward and three backward, the very
products of the dense network. :mod:`tinynet.conv_fast` computes the same
numbers faster; this module is the reference it is tested against.
"""

import numpy as np

from .activations import ACTIVATIONS, get_activation
from .base import HeaderError, Network, check_dtype, header_choice, header_int, make_rng
from .costs import COSTS, get_cost


def im2col(a, k, xp):
    """Every k x k window of a (m, C, H, W) as a column: shape (C·k·k, m·Ho·Wo), Ho = H-k+1, Wo = W-k+1.

    Column (sample, i, j) is the window a[sample, :, i:i+k, j:j+k], flattened;
    row (c, u, v) holds pixel a[c, i+u, j+v] of every window. The loop runs
    over the k·k offsets (u, v) only: each copies one shifted view of the batch.
    """
    m, C, H, W = a.shape
    Ho, Wo = H - k + 1, W - k + 1
    cols = xp.empty((C, k, k, m, Ho, Wo), a.dtype)
    for u in range(k):
        for v in range(k):
            cols[:, u, v] = a[:, :, u:u + Ho, v:v + Wo].transpose(1, 0, 2, 3)
    return cols.reshape(C * k * k, m * Ho * Wo)


def col2im(g, shape, k, xp):
    """The way back of im2col: each column of g (C·k·k, m·Ho·Wo) added onto the window it came from.

    A pixel lies in up to k·k windows, so ∂C/∂a[c, y, x] is the sum of the
    entries of g that were copies of it: Σ_(u, v) g[(c, u, v), (sample, y-u, x-v)].
    """
    m, C, H, W = shape
    Ho, Wo = H - k + 1, W - k + 1
    g = g.reshape(C, k, k, m, Ho, Wo)
    out = xp.zeros(shape, g.dtype)
    for u in range(k):
        for v in range(k):
            out[:, :, u:u + Ho, v:v + Wo] += g[:, u, v].transpose(1, 0, 2, 3)
    return out


class Conv2D:
    """``filters`` kernels of size k x k over all input channels; valid padding, stride 1.

    Parameters K^l (F, C, k, k) and b^l (F,). For output channel f at (i, j):

        z[f, i, j] = Σ_c Σ_u Σ_v K[f, c, u, v] · a[c, i+u, j+v] + b[f]

    (a correlation, as every framework computes a "convolution").
    """

    kind = "conv2d"

    def __init__(self, filters, kernel_size, activation="identity"):
        self.filters = whole(filters, "filters", 1, 10000)
        self.k = whole(kernel_size, "kernel_size", 1, 64)
        self.activation = get_activation(activation).name

    def describe(self):
        return f"{self.kind} {self.filters} {self.k} {self.activation}"

    def output_shape(self, shape):
        if len(shape) != 3:
            raise ValueError("layers: a convolution needs maps (C, H, W): put it before Flatten")
        C, H, W = shape
        if H < self.k or W < self.k:
            raise ValueError(f"layers: a {self.k}x{self.k} kernel does not fit a {H}x{W} input")
        return self.filters, H - self.k + 1, W - self.k + 1

    def param_shapes(self, shape):
        return [("K", (self.filters, shape[0], self.k, self.k)), ("b", (self.filters,))]

    def forward(self, a, params, xp):
        """z^l = K^l * a^(l-1) + b^l as ONE matrix product: z = K cols + b, K seen as (F, C·k·k).

        Returns z (m, F, Ho, Wo) and the windows ``cols``, which backward reuses.
        """
        K, b = params
        m, F = len(a), self.filters
        _, Ho, Wo = self.output_shape(a.shape[1:])
        cols = im2col(a, self.k, xp)                   # each window a column, like a sample of a dense layer
        z = K.reshape(F, -1) @ cols + b[:, None]       # z = K cols + b: (F, m·Ho·Wo)
        return z.reshape(F, m, Ho, Wo).transpose(1, 0, 2, 3), cols

    def backward(self, delta, a, cols, params, grads, xp, need_input_grad=True):
        """The dense layer's three products, with the windows as its inputs; delta = delta^l (m, F, Ho, Wo).

        ∂C/∂K = delta colsᵀ        (summed over every window of every sample)
        ∂C/∂b = Σ_windows delta
        ∂C/∂a = col2im(Kᵀ delta)   (Kᵀ delta is ∂C/∂cols; col2im adds each window back where it lay)

        Why col2im rather than correlating delta with the flipped kernel (the
        same sums, pixel by pixel): it is the dense rule ∂C/∂a = Wᵀ delta on
        the matrices the forward pass built, with no padding or channel swap to see.
        """
        K, _ = params
        dK, db = grads
        F = self.filters
        d = delta.transpose(1, 0, 2, 3).reshape(F, -1)    # delta as (F, m·Ho·Wo): a column per window
        xp.matmul(d, cols.T, out=dK.reshape(F, -1))        # ∂C/∂K = delta colsᵀ
        d.sum(axis=1, out=db)                              # ∂C/∂b = Σ delta
        if not need_input_grad:                            # (the input image needs no error)
            return None
        return col2im(K.reshape(F, -1).T @ d, a.shape, self.k, xp)  # ∂C/∂a = col2im(Kᵀ delta)


class MaxPool2D:
    """Max-pooling over non-overlapping s x s blocks (a remainder of rows or columns is cut off).

        z[c, i, j] = max_(p, q < s) a[c, s·i + p, s·j + q]

    No parameters. Forward keeps the arg-max ``mask``: 1 where a block's
    maximum lies (the first of tied inputs in reading order), 0 elsewhere.
    """

    kind = "maxpool2d"
    activation = "identity"

    def __init__(self, size=2):
        self.size = whole(size, "size", 1, 64)

    def describe(self):
        return f"{self.kind} {self.size}"

    def output_shape(self, shape):
        if len(shape) != 3:
            raise ValueError("layers: a max-pool needs maps (C, H, W): put it before Flatten")
        C, H, W = shape
        if H < self.size or W < self.size:
            raise ValueError(f"layers: a {self.size}x{self.size} pool does not fit a {H}x{W} input")
        return C, H // self.size, W // self.size

    def param_shapes(self, shape):
        return []

    def forward(self, a, params, xp):
        """z = the maximum of each s x s block of a (m, C, H, W); returns z (m, C, H/s, W/s) and the mask."""
        s = self.size
        m, C, H, W = a.shape
        Hp, Wp = H // s, W // s
        # each block's s·s values side by side, in reading order: (m, C, Hp, Wp, s·s)
        blocks = a[:, :, :Hp * s, :Wp * s].reshape(m, C, Hp, s, Wp, s).transpose(0, 1, 2, 4, 3, 5)
        blocks = blocks.reshape(m, C, Hp, Wp, s * s)
        z = blocks.max(axis=-1)
        winner = blocks.argmax(axis=-1)                    # the first maximum on a tie
        one_hot = winner[..., None] == xp.arange(s * s)    # (m, C, Hp, Wp, s·s)
        mask = xp.zeros(a.shape, a.dtype)                  # the cut-off rows and columns stay 0
        mask[:, :, :Hp * s, :Wp * s] = one_hot.reshape(m, C, Hp, Wp, s, s).transpose(0, 1, 2, 4, 3, 5) \
            .reshape(m, C, Hp * s, Wp * s)
        return z, mask

    def backward(self, delta, a, mask, params, grads, xp, need_input_grad=True):
        """∂C/∂a = upsample(delta) ⊙ mask: each block's error goes to its arg-max, the one input that decided it.

        upsample copies delta[c, i, j] to every place of block (i, j); the mask keeps the arg-max's copy.
        """
        s = self.size
        Hp, Wp = delta.shape[2:]
        up = xp.zeros(mask.shape, delta.dtype)
        up[:, :, :Hp * s, :Wp * s] = delta.repeat(s, axis=2).repeat(s, axis=3)
        return up * mask


class Flatten:
    """(m, C, H, W) -> (m, C·H·W): z = the maps as one vector per sample; ∂C/∂a = delta in the maps' shape."""

    kind = "flatten"
    activation = "identity"

    def describe(self):
        return self.kind

    def output_shape(self, shape):
        return (int(np.prod(shape)),)

    def param_shapes(self, shape):
        return []

    def forward(self, a, params, xp):
        return a.reshape(len(a), -1), None

    def backward(self, delta, a, saved, params, grads, xp, need_input_grad=True):
        return delta.reshape(a.shape)


class Dense:
    """A fully connected layer, as in NeuralNetwork: z = W a + b (z = a Wᵀ + b for a batch of rows)."""

    kind = "dense"

    def __init__(self, units, activation="sigmoid"):
        self.units = whole(units, "units", 1, 10000)
        self.activation = get_activation(activation).name

    def describe(self):
        return f"{self.kind} {self.units} {self.activation}"

    def output_shape(self, shape):
        if len(shape) != 1:
            raise ValueError("layers: a dense layer needs a vector: put a Flatten() before it")
        return (self.units,)

    def param_shapes(self, shape):
        return [("W", (self.units, shape[0])), ("b", (self.units,))]

    def forward(self, a, params, xp):
        W, b = params
        return a @ W.T + b, None                           # z = W a + b, one row per sample

    def backward(self, delta, a, saved, params, grads, xp, need_input_grad=True):
        W, _ = params
        dW, db = grads
        xp.matmul(delta.T, a, out=dW)                      # ∂C/∂W = delta aᵀ, summed over the batch
        delta.sum(axis=0, out=db)                          # ∂C/∂b = Σ delta
        return delta @ W if need_input_grad else None      # ∂C/∂a = Wᵀ delta


LAYERS = {cls.kind: cls for cls in (Conv2D, MaxPool2D, Flatten, Dense)}
ARGS = {"conv2d": ("filters", "kernel size", "activation"), "maxpool2d": ("size",), "flatten": (),
        "dense": ("units", "activation")}
LIMITS = {"filters": 10000, "kernel size": 64, "size": 64, "units": 10000}


def parse_layer(text, line=None):
    """A layer from its one-line description, e.g. ``conv2d 8 5 relu``; a mistake is a HeaderError (a ValueError)."""
    words = text.split()
    kind = header_choice(words[0] if words else "", "layer", line, list(LAYERS))
    names = ARGS[kind]
    if len(words) - 1 > len(names):
        raise HeaderError(f"{kind}: expected {' '.join(names) or 'nothing'} after it, found {text[:60]!r}", line)
    args = [header_choice(w, name, line, list(ACTIVATIONS)) if name == "activation" else
            header_int(w, name, line, 1, LIMITS[name]) for name, w in zip(names, words[1:])]
    return LAYERS[kind](*args)


def whole(value, name, low, high):
    """``value`` as an int in [low, high], or a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name}: expected a whole number from {low} to {high}, got {value!r}")
    return int(value)


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
        return [(f"{symbol}{l}", shape) for l, (layer, shape) in enumerate(zip(self.layers, self.shapes), start=1)
                for symbol, shape in layer.param_shapes(shape)]

    def by_layer(self, views):
        """Parameter blocks grouped per layer: [(K1, b1), (), (), (W4, b4)] (a pooling layer has none)."""
        grouped, i = [], 0
        for layer, shape in zip(self.layers, self.shapes):
            n = len(layer.param_shapes(shape))
            grouped.append(tuple(views[i:i + n]))
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
            z, ws.saved[i] = layer.forward(a, params, xp)   # z^l
            a = act.forward(z, xp.empty_like(z), xp)        # a^l = σ^l(z^l)
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
            g = self.layers[i].backward(ws.delta[i], ws.a[i], ws.saved[i], self.layer_blocks[i], ws.layer_grads[i],
                                        xp, need_input_grad=i > 0)   # ∂C/∂a^(l-1)
            if i > 0:
                ws.delta[i - 1] = self.activations[i - 1].backward(ws.z[i - 1], ws.a[i], g, xp.empty_like(g), xp)

    def spec(self):
        """What rebuilds this network's shape elsewhere (a worker process): its class and arguments."""
        return type(self), dict(layers=tuple(self.layer_names()), input_shape=self.input_shape,
                                cost=self.cost.name, dtype=self.dtype.name)

    def header(self):
        return ["convnet " + " ".join(map(str, self.input_shape))] + [f"layer {name}" for name in self.layer_names()]

    @classmethod
    def from_header(cls, fields, cost, dtype, budget):
        """``convnet C H W``, then one ``layer ...`` line per layer; every value checked before anything is built."""
        line, words = fields[0]
        if words[:1] != ["convnet"] or len(words) != 4:
            raise HeaderError("expected 'convnet C H W', the input's channels, height and width", line)
        input_shape = (header_int(words[1], "channels", line, 1, 64), header_int(words[2], "height", line, 1, 4096),
                       header_int(words[3], "width", line, 1, 4096))
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
