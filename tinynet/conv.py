"""A small convolutional network: Conv2D, MaxPool2D, Flatten and Dense layers.

``ConvNet`` keeps the contract of :class:`~tinynet.NeuralNetwork` (flat
``params``, ``feedforward``, ``backprop``, ``cost_of``, ``predict``,
``evaluate``, ``workspace``, ``to``), so every trainer trains it unchanged.
Inputs arrive flat, one sample per row (a 28x28 digit is 784 numbers), and are
seen as images of shape ``input_shape`` = (channels, height, width).

Notation, as for the fully connected network: layer l turns a^(l-1) into
z^l and a^l = σ(z^l); delta^l = ∂C/∂z^l. Each layer's ``forward`` computes z^l
from a^(l-1); its ``backward`` takes delta^l and returns ∂C/∂a^(l-1) (writing
its parameters' gradients on the way); the activation then turns that into
delta^(l-1) = ∂C/∂a^(l-1) ⊙ σ'(z^(l-1)), exactly as in the dense network.

Everything is vectorized over the batch and the pixels: a convolution is one
matrix product over all its windows (im2col), max-pooling a few element-wise
operations over whole blocks of the maps, and the Python loops run over layers,
kernel offsets and pooling positions, never over samples or pixels. All
arithmetic goes through ``xp``.
"""

import numpy as np

from .activations import get_activation
from .costs import get_cost
from .network import BatchWorkspace, Network


def scratch(memo, key, shape, dtype, xp, like=None):
    """An array for ``key`` kept in ``memo`` between passes (made on the first, or when its shape changes).

    A pass of a convolution over a batch of 200 digits makes about 100 MB of
    large arrays (windows, feature maps, their errors). Allocated afresh on
    every step, the allocator hands them back to the operating system and
    page-faults them in again on the next: that costs as much as the
    arithmetic. So within ``backprop`` each layer keeps its large arrays in its
    memo and writes into them (``out=``); the memos live in the workspace.
    With no memo (a plain ``forward``) a new array is made each time.
    ``like``: an array whose shape and memory layout to copy (e.g. a transposed view).
    """
    arr = memo.get(key) if memo is not None else None
    if like is not None:
        if arr is None or arr.shape != like.shape or arr.strides != like.strides or arr.dtype != like.dtype:
            arr = xp.empty_like(like)
    elif arr is None or arr.shape != tuple(shape) or arr.dtype != dtype:
        arr = xp.empty(shape, dtype)
    if memo is not None:
        memo[key] = arr
    return arr


def im2col(a, k, xp, out=None, stride=1):
    """Every k x k window of a (m, C, H, W), ``stride`` apart, as a column: shape (C·k·k, m·Ho·Wo).

    Ho = (H - k) // stride + 1 windows fit down, Wo across. Row (c, u, v) holds
    a[:, c, stride·i + u, stride·j + v] for every sample and every window
    position (i, j), in that order (sample, i, j), so a convolution becomes one
    matrix product. The loop runs over the k·k kernel offsets only; each copies
    one shifted view of the whole batch.
    ``out``: a C-contiguous array of that shape to write into (a new one by default).
    """
    m, C, H, W = a.shape
    Ho, Wo = (H - k) // stride + 1, (W - k) // stride + 1
    if out is None:
        out = xp.empty((C * k * k, m * Ho * Wo), a.dtype)
    cols = out.reshape(C, k, k, m, Ho, Wo)
    for u in range(k):
        for v in range(k):
            shifted = a[:, :, u:u + stride * (Ho - 1) + 1:stride, v:v + stride * (Wo - 1) + 1:stride]
            cols[:, u, v] = shifted.transpose(1, 0, 2, 3)
    return out


class Conv2D:
    """Convolution with ``filters`` kernels of size k x k, valid padding, stride 1.

    Parameters: K (filters, C, k, k) and b (filters,). For output channel f at (i, j):

        z[f, i, j] = Σ_c Σ_u Σ_v K[f, c, u, v] · a[c, i+u, j+v] + b[f]

    (a correlation, as every framework computes a "convolution"). Backward, with
    delta = ∂C/∂z:

        ∂C/∂K[f, c, u, v] = Σ_(samples, i, j) delta[f, i, j] · a[c, i+u, j+v]
        ∂C/∂b[f]          = Σ_(samples, i, j) delta[f, i, j]
        ∂C/∂a             = delta, zero-padded by k-1, correlated with the kernel flipped
                            (rotated 180°) and with its input and output channels swapped.
    """

    kind = "conv2d"

    def __init__(self, filters, kernel_size, activation="identity"):
        self.filters, self.k, self.activation = int(filters), int(kernel_size), activation

    def describe(self):
        return f"{self.kind} {self.filters} {self.k} {self.activation}"

    def output_shape(self, shape):
        C, H, W = shape
        if H < self.k or W < self.k:
            raise ValueError(f"layers: a {self.k}x{self.k} kernel does not fit a {H}x{W} input")
        return self.filters, H - self.k + 1, W - self.k + 1

    def param_shapes(self, shape):
        return [(self.filters, shape[0], self.k, self.k), (self.filters,)]

    def fan_in(self, shape):
        return shape[0] * self.k * self.k

    def windows(self, a, xp, memo=None, pool=1):
        """im2col's windows of a with a last row of ones, ``[cols; 1]``: shape (C·k·k + 1, m·Ho·Wo).

        A bias is a weight on an input that is always 1: with the row of ones,
        ``z = [K b] [cols; 1]`` and ``[∂C/∂K ∂C/∂b] = delta [cols; 1]ᵀ`` are one
        matrix product each (no separate pass over the maps for b).

        With ``pool`` = s > 1 (an s x s max-pool follows), the windows are the
        pool's patches instead: (k+s-1) x (k+s-1), s apart, one per pooled
        value, shape (C·(k+s-1)² + 1, m·(Ho/s)·(Wo/s)); see ``pool_kernels``.
        """
        m, C, H, W = a.shape
        k, s = self.k + pool - 1, pool
        shape = (C * k * k + 1, m * ((H - self.k + 1) // s) * ((W - self.k + 1) // s))
        cols = memo.get("cols") if memo is not None else None
        if cols is None or cols.shape != shape or cols.dtype != a.dtype:
            cols = xp.empty(shape, a.dtype)
            cols[-1] = 1  # kept between passes: only the windows above it are rewritten
            if memo is not None:
                memo["cols"] = cols
        im2col(a, k, xp, out=cols[:-1], stride=s)
        return cols

    def pool_kernels(self, K, b, s, xp, memo=None):
        """[K b] for a patch of an s x s pool: the s·s copies of K, shape (F·s·s, C·(k+s-1)² + 1).

        An s x s pool compares s·s values of z: candidate (p, q) of pooled value
        (i, j) is z at (s·i + p, s·j + q), the k x k window at offset (p, q) of the
        (k+s-1) x (k+s-1) patch at (s·i, s·j). So row (f, p, q) holds K[f] placed
        at offset (p, q) of that patch, zeros elsewhere: one product with the
        patches gives every candidate. Per pooled value im2col then copies
        (k+s-1)² numbers of each channel instead of the s²·k² of its s·s windows
        (36 instead of 100 for k = 5, s = 2), for (k+s-1)²/k² as many
        multiplications (1.44x).
        """
        F, C, k, _ = K.shape
        Kp = scratch(memo, "Kp", (F, s, s, C * (k + s - 1) ** 2 + 1), K.dtype, xp)
        grid = Kp[..., :-1].reshape(F, s, s, C, k + s - 1, k + s - 1)
        grid[...] = 0
        for p in range(s):
            for q in range(s):
                grid[:, p, q, :, p:p + k, q:q + k] = K
        Kp[..., -1] = b[:, None, None]
        return Kp.reshape(F * s * s, -1)

    def forward(self, a, params, xp, memo=None, pool=1):
        """z = K * a + b for the batch: shape (m, F, Ho, Wo).

        ``pool`` = s > 1 (in a backprop pass, when an s x s MaxPool2D follows):
        z comes out already as that pool's candidates, shape (F, s·s, m, Ho/s, Wo/s),
        the same numbers in the order the pool compares them (see ``pool_kernels``).
        """
        K, b = params
        m, _, H, W = a.shape
        F = self.filters
        cols = self.windows(a, xp, memo, pool)  # kept in the memo: backward needs the same windows
        if pool > 1:
            Kb = self.pool_kernels(K, b, pool, xp, memo)
        else:
            Kb = scratch(memo, "Kb", (F, cols.shape[0]), a.dtype, xp)
            Kb[:, :-1] = K.reshape(F, -1)
            Kb[:, -1] = b
        z = scratch(memo, "z", (Kb.shape[0], cols.shape[1]), a.dtype, xp)
        xp.matmul(Kb, cols, out=z)  # one matrix product: (F, m·Ho·Wo), or (F·s·s, m·(Ho/s)·(Wo/s))
        if pool > 1:
            return z.reshape(F, pool * pool, m, (H - self.k + 1) // pool, (W - self.k + 1) // pool)
        return z.reshape(F, m, H - self.k + 1, W - self.k + 1).transpose(1, 0, 2, 3)

    def backward(self, a, z, delta, params, grads, xp, need_input_grad=True, memo=None):
        K, _ = params
        dK, db = grads
        F = self.filters
        s = int(round(delta.shape[1] ** 0.5)) if delta.ndim == 5 else 1  # the pool that follows
        d = delta.reshape(F * s * s, -1) if s > 1 else delta.transpose(1, 0, 2, 3).reshape(F, -1)
        cols = memo["cols"] if memo else self.windows(a, xp, pool=s)  # the forward pass's windows
        # [∂C/∂K ∂C/∂b]ᵀ = [cols; 1] deltaᵀ: written in this order (the long sum over the
        # windows inside), the product runs faster in OpenBLAS than d [cols; 1]ᵀ.
        dKb_T = xp.matmul(cols, d.T, out=scratch(memo, "dKb_T", (cols.shape[0], d.shape[0]), d.dtype, xp))
        if s == 1:
            dK.reshape(F, -1)[...] = dKb_T[:-1].T
            db[...] = dKb_T[-1]
        else:  # the gradient of each of K's s·s copies (see pool_kernels), added up
            k = self.k
            grid = dKb_T[:-1].T.reshape(F, s, s, -1, k + s - 1, k + s - 1)
            dK[...] = grid[:, 0, 0, :, :k, :k]
            for p in range(s):
                for q in range(s):
                    if p or q:
                        dK += grid[:, p, q, :, p:p + k, q:q + k]
            db[...] = dKb_T[-1].reshape(F, s * s).sum(axis=1)
        if not need_input_grad:
            return None
        k = self.k
        m, _, H, W = a.shape
        Ho, Wo = H - k + 1, W - k + 1
        shape = (m, F, Ho + 2 * (k - 1), Wo + 2 * (k - 1))
        padded = memo.get("padded") if memo else None
        if padded is None or padded.shape != shape:
            padded = xp.zeros(shape, delta.dtype)  # the border stays 0; each pass writes the middle
            if memo is not None:
                memo["padded"] = padded
        if s > 1:  # the pool's candidates (F, s·s, m, Ho/s, Wo/s) back to their places
            H2, W2 = delta.shape[3:]
            middle = padded[:, :, k - 1:k - 1 + s * H2, k - 1:k - 1 + s * W2]  # what the pool cuts stays 0
            middle.reshape(m, F, H2, s, W2, s)[...] = delta.reshape(F, s, s, m, H2, W2).transpose(3, 0, 4, 1, 5, 2)
        else:
            padded[:, :, k - 1:k - 1 + Ho, k - 1:k - 1 + Wo] = delta
        flipped = K[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C, F, k, k)
        inner = memo.setdefault("input_grad", {}) if memo is not None else None
        return Conv2D(flipped.shape[0], k).forward(padded, (flipped, xp.zeros(flipped.shape[0], delta.dtype)), xp,
                                                   inner)


class MaxPool2D:
    """Max-pooling over non-overlapping ``size`` x ``size`` windows (a remainder is cut off).

    No parameters. Backward, the gradient goes to the arg-max of each window,
    the one input that decided the output; the others get 0. (On a tie, the
    first of the tied inputs in reading order wins.)

    Each window has s·s candidates, and candidate (p, q) of every window is
    a[:, :, p::s, q::s]. Laid out as s·s blocks of shape (C, m, H/s, W/s), the
    maximum is a knockout tournament between whole blocks (see ``_knockout``):
    each match is one element-wise maximum over long contiguous arrays, far
    faster than visiting the windows one by one. In a backprop pass the
    convolution before the pool writes its output straight in this layout
    (Conv2D.forward's ``pool``); other inputs are copied into it.
    """

    kind = "maxpool2d"
    activation = "identity"

    def __init__(self, size=2):
        self.size = int(size)

    def describe(self):
        return f"{self.kind} {self.size}"

    def output_shape(self, shape):
        C, H, W = shape
        if H < self.size or W < self.size:
            raise ValueError(f"layers: a {self.size}x{self.size} pool does not fit a {H}x{W} input")
        return C, H // self.size, W // self.size

    def param_shapes(self, shape):
        return []

    def _places(self, a):
        """The views of the maps a (m, C, H, W) where candidate (p, q) of every window lies, in reading order."""
        s = self.size
        H2, W2 = a.shape[2] // s, a.shape[3] // s
        return [a[:, :, p:s * H2:s, q:s * W2:s].transpose(1, 0, 2, 3) for p in range(s) for q in range(s)]

    def candidates(self, a, xp, memo=None):
        """The s·s candidates of every window of a (m, C, H, W), as blocks: shape (C, s·s, m, H/s, W/s)."""
        s = self.size
        m, C, H, W = a.shape
        out = scratch(memo, "candidates", (C, s * s, m, H // s, W // s), a.dtype, xp)
        for i, place in enumerate(self._places(a)):
            out[:, i] = place
        return out

    def forward(self, a, params, xp, memo=None):
        """The pooled maps (m, C, H/s, W/s), from the maps a or from a convolution's candidates (5 axes)."""
        cand = a if a.ndim == 5 else self.candidates(a, xp, memo)
        best, rounds = _knockout([cand[:, i] for i in range(cand.shape[1])], xp, memo)
        if memo is not None:
            memo["rounds"] = rounds
        return best.transpose(1, 0, 2, 3)  # lying channel by channel in memory, as the blocks do

    def backward(self, a, z, delta, params, grads, xp, need_input_grad=True, memo=None):
        if not memo:
            memo = {}
            self.forward(a, params, xp, memo)
        s = self.size
        if a.ndim == 5:
            shape = a.shape
        else:
            m, C, H, W = a.shape
            shape = (C, s * s, m, H // s, W // s)
        g = scratch(memo, "g candidates", shape, delta.dtype, xp)
        delta = delta.transpose(1, 0, 2, 3)  # (C, m, H/s, W/s), as the blocks
        _route(delta, memo["rounds"], [g[:, i] for i in range(s * s)], xp,
               scratch(memo, "mask", delta.shape, xp.bool_, xp))
        if a.ndim == 5:
            return g  # to the convolution, in its own layout
        out = scratch(memo, "g", a.shape, delta.dtype, xp)  # ∂C/∂a: each block back to its places
        if a.shape[2] % s or a.shape[3] % s:
            out[...] = 0  # the cut-off rows and columns get no error
        for i, place in enumerate(self._places(out)):
            place[...] = g[:, i]
        return out


def _knockout(players, xp, memo=None):
    """The element-wise maximum of equally shaped arrays, played as a knockout tournament.

    Round after round, player 0 meets player 1, 2 meets 3, ... (an odd one out
    goes through to the next round). A match is one ``xp.maximum``; whether the
    second player won (strictly greater: on a tie the first wins) is kept for
    the way back. Returns the champion and, per round, the matches' results.
    """
    rounds = []
    while len(players) > 1:
        winners, results = [], []
        for i in range(0, len(players) - 1, 2):
            first, second = players[i], players[i + 1]
            key = f"round {len(rounds)} match {i // 2}"
            won = xp.greater(second, first, out=scratch(memo, key + " won", first.shape, xp.bool_, xp))
            winners.append(xp.maximum(first, second, out=scratch(memo, key, first.shape, first.dtype, xp)))
            results.append(won)
        winners += players[len(players) - len(players) % 2:]  # the odd one out
        rounds.append(results)
        players = winners
    return players[0], rounds


def _route(delta, rounds, out, xp, mask):
    """The tournament played back: a player's error is delta where it won every match it played, else 0.

    ``out``: one array per player of the first round, written in place.
    ``mask``: a bool array of delta's shape to work in.
    Each player's path is one "and" of its matches' results (of "won" when it
    played second, of "not won" when it played first) over small bool arrays,
    then one product with delta: exactly one player of each window, the arg-max,
    gets the error.
    """
    for player in range(len(out)):
        path, i = None, player  # path: where this player won every match so far; i: its place in the round
        for matches in rounds:
            match, second = divmod(i, 2)
            if match == len(matches):  # the odd one out: no match this round
                i = match
                continue
            won = matches[match]
            if path is None:
                path = won if second else xp.logical_not(won, out=mask)
            elif second:
                path = xp.logical_and(path, won, out=mask)
            else:
                path = xp.greater(path, won, out=mask)  # path and not won
            i = match
        if path is None:  # a single player: no matches
            xp.copyto(out[player], delta)
        else:
            xp.multiply(delta, path, out=out[player])


class Flatten:
    """(m, C, H, W) -> (m, C·H·W): the image becomes a vector for the dense layers."""

    kind = "flatten"
    activation = "identity"

    def describe(self):
        return self.kind

    def output_shape(self, shape):
        return (int(np.prod(shape)),)

    def param_shapes(self, shape):
        return []

    def forward(self, a, params, xp, memo=None):
        if a.flags.c_contiguous:
            return a.reshape(a.shape[0], -1)
        out = scratch(memo, "z", (a.shape[0], a[0].size), a.dtype, xp)  # maps lying channel-major: a copy
        out.reshape(a.shape)[...] = a
        return out

    def backward(self, a, z, delta, params, grads, xp, need_input_grad=True, memo=None):
        return delta.reshape(a.shape)


class Dense:
    """A fully connected layer: z = W a + b (z = a Wᵀ + b for a batch of rows), as in NeuralNetwork."""

    kind = "dense"

    def __init__(self, units, activation="sigmoid"):
        self.units, self.activation = int(units), activation

    def describe(self):
        return f"{self.kind} {self.units} {self.activation}"

    def output_shape(self, shape):
        if len(shape) != 1:
            raise ValueError("layers: a dense layer needs a vector: put a Flatten() before it")
        return (self.units,)

    def param_shapes(self, shape):
        return [(self.units, shape[0]), (self.units,)]

    def fan_in(self, shape):
        return shape[0]

    def forward(self, a, params, xp, memo=None):
        W, b = params
        z = a @ W.T
        z += b
        return z

    def backward(self, a, z, delta, params, grads, xp, need_input_grad=True, memo=None):
        W, _ = params
        dW, db = grads
        xp.matmul(delta.T, a, out=dW)
        delta.sum(axis=0, out=db)
        if not need_input_grad:
            return None
        return xp.matmul(delta, W, out=scratch(memo, "g", a.shape, a.dtype, xp))


LAYERS = {cls.kind: cls for cls in (Conv2D, MaxPool2D, Flatten, Dense)}


def parse_layer(text):
    """A layer from its one-line description, e.g. ``conv2d 8 5 relu``."""
    words = text.split()
    if not words or words[0] not in LAYERS:
        raise ValueError(f"unknown layer {text!r}; expected one of {', '.join(LAYERS)}")
    return LAYERS[words[0]](*[int(w) if w.isdigit() else w for w in words[1:]])


class ConvWorkspace(BatchWorkspace):
    """The batch, the flat gradient, and per layer the views of it that a ConvNet pass fills.

    For a batch backprop runs in slices (see ``ConvNet.backprop``), a second
    flat gradient holds each further slice's, and each slice size keeps its own
    memos (so slices of 67 and 66 samples do not remake each other's arrays).
    """

    def __init__(self, network, m, xp=np):
        super().__init__(network, m, xp)
        self.grads = network._param_views(self.grad)
        self.memos = [{} for _ in network.layers]  # each layer's arrays, reused pass after pass (see scratch)
        self.network, self.xp, self.slice_memos, self.slice_grad = network, xp, {}, None

    def for_slice(self, size):
        """The memos for a slice of ``size`` samples, and the views of the second gradient."""
        if self.slice_grad is None:
            self.slice_grad = self.xp.zeros_like(self.grad)
            self.slice_grads = self.network._param_views(self.slice_grad)
        memos = self.slice_memos.setdefault(size, [{} for _ in self.network.layers])
        return memos, self.slice_grads


class ConvNet(Network):
    """A network of Conv2D, MaxPool2D, Flatten and Dense layers.

    ``ConvNet([Conv2D(8, 5, "relu"), MaxPool2D(2), Flatten(), Dense(10, "softmax")],
    input_shape=(1, 28, 28), cost="cross_entropy")`` is one convolution layer with
    max-pooling and a softmax classifier. Weights start as in NeuralNetwork's
    "lecun" initialisation (N(0, 1/fan_in), biases 0), seeded by ``seed``.
    """

    def __init__(self, layers, input_shape=(1, 28, 28), cost="cross_entropy", seed=None, dtype=np.float64):
        self.layers = [parse_layer(layer) if isinstance(layer, str) else layer for layer in layers]
        if not self.layers:
            raise ValueError("layers: expected at least one layer")
        self.input_shape = tuple(int(n) for n in input_shape)
        if len(self.input_shape) != 3 or min(self.input_shape) < 1:
            raise ValueError(f"input_shape: expected (channels, height, width), got {input_shape!r}")
        self.shapes = [self.input_shape]  # the shape of a^l for one sample, l = 0..L
        for layer in self.layers:
            self.shapes.append(layer.output_shape(self.shapes[-1]))
        if len(self.shapes[-1]) != 1:
            raise ValueError("layers: the last layer must give a vector (end with Flatten and Dense)")
        self.activations = tuple(get_activation(layer.activation) for layer in self.layers)
        self.cost = get_cost(cost)
        self.cost.check(self.activations[-1])
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype: expected float64 or float32, got {self.dtype}")
        self.sizes = [int(np.prod(self.input_shape)), self.shapes[-1][0]]  # what the trainers check
        self.count = sum(int(np.prod(s)) for layer, shape in zip(self.layers, self.shapes)
                         for s in layer.param_shapes(shape))
        self.bind(np.zeros(self.count, self.dtype))
        rng = np.random.default_rng(seed)
        for layer, shape, params in zip(self.layers, self.shapes, self.layer_params):
            if params:
                params[0][...] = rng.standard_normal(params[0].shape) / np.sqrt(layer.fan_in(shape))

    def _param_views(self, flat):
        views, start = [], 0
        for layer, shape in zip(self.layers, self.shapes):
            mine = []
            for s in layer.param_shapes(shape):
                size = int(np.prod(s))
                mine.append(flat[start:start + size].reshape(s))
                start += size
            views.append(tuple(mine))
        return views

    def bind(self, params):
        """Make the flat array ``params`` this network's parameters (see NeuralNetwork.bind)."""
        if params.shape != (self.count,) or params.dtype != self.dtype:
            raise ValueError(f"params: expected a flat {self.dtype} array of {self.count} values, "
                             f"got {params.dtype} of shape {params.shape}")
        self.params = params
        self.layer_params = self._param_views(params)

    def named_params(self):
        """(name, array) in the order of ``params``: K<l> for a kernel, W<l> for dense weights, b<l>."""
        return [(f"{'K' if layer.kind == 'conv2d' else 'W'}{l}" if i == 0 else f"b{l}", p)
                for l, (layer, params) in enumerate(zip(self.layers, self.layer_params), start=1)
                for i, p in enumerate(params)]

    def spec(self):
        """What rebuilds this network's shape elsewhere (a worker process): a class and its arguments."""
        return ConvNet, dict(layers=tuple(layer.describe() for layer in self.layers), input_shape=self.input_shape,
                             cost=self.cost.name, dtype=self.dtype.name)

    def workspace(self, m, xp=None):
        return ConvWorkspace(self, m, xp or self.xp)

    def forward(self, x, xp=None, memos=None):
        """Feed a batch forward: the lists zs (z^1..z^L) and activations (a^0..a^L).

        ``memos``: one dict per layer where a layer keeps what its backward
        step reuses (the convolution's windows) and its arrays between passes
        (backprop passes the workspace's).

        In a backprop pass (``memos`` given), relu followed by max-pooling is
        applied after the pool: max and relu commute (the largest of relu'd
        values is relu of the largest), so the pooled maps are the same, and
        relu runs on maps 4 times smaller. The entry of ``acts`` for such a
        relu layer then holds z, not relu(z): only the pool reads it, and only
        for its shape. Likewise a convolution followed by a max-pool gives its
        z^l already as the pool's candidates, shape (F, s·s, m, Ho/s, Wo/s)
        (see MaxPool2D); a plain forward gives every z^l and a^l as maps.
        """
        xp = xp or self.xp
        a = x.reshape((x.shape[0],) + self.input_shape)
        zs, acts = [], [a]
        relu_pending = False
        for l, (layer, params, act) in enumerate(zip(self.layers, self.layer_params, self.activations)):
            memo = None if memos is None else memos[l]
            if memos is not None and self._pool_follows(l):
                z = layer.forward(a, params, xp, memo, pool=self.layers[l + 1].size)  # z as the pool's candidates
            else:
                z = layer.forward(a, params, xp, memo)
            if relu_pending:
                xp.maximum(z, 0, out=z)  # the postponed relu, on the pooled maps
            relu_pending = memos is not None and self._relu_then_pool(l + 1)
            if act.name == "identity" or relu_pending:
                a = z
            else:
                a = act.forward(z, scratch(memo, "a", None, None, xp, like=z), xp)
            zs.append(z)
            acts.append(a)
        return zs, acts

    def _pool_follows(self, l):
        """Whether layer l is a convolution and layer l + 1 a max-pool."""
        return isinstance(self.layers[l], Conv2D) and l + 1 < len(self.layers) and \
            isinstance(self.layers[l + 1], MaxPool2D)

    def _relu_then_pool(self, l):
        """Whether layer l is a max-pool whose input is a relu's output."""
        return 0 < l < len(self.layers) and isinstance(self.layers[l], MaxPool2D) and \
            self.activations[l - 1].name == "relu"

    slice_size = 100  # samples per backprop pass on the CPU (see backprop)

    def backprop(self, x, y, xp=None, ws=None):
        """∂C/∂params summed over the batch, per layer: a list of (∂C/∂K or W, ∂C/∂b) tuples.

        1. forward, keeping every z^l and a^l;
        2. delta^L = ∇_a C ⊙ σ'(z^L), from the cost, as in the dense network;
        3. for l = L..1: the layer's backward gives its parameters' gradients and
           ∂C/∂a^(l-1); then delta^(l-1) = ∂C/∂a^(l-1) ⊙ σ'(z^(l-1)).

        ∂C/∂params is a sum over the samples, so on the CPU a batch of more than
        ``slice_size`` samples runs as passes over equal slices of it, whose
        gradients add up. Why: a pass keeps every window and feature map of
        its samples; with 16 filters of 5x5, those of 100 digits stay in the
        processor's cache between the steps of a pass, those of 200 do not,
        and each sample costs some 20% more. (A GPU takes the whole batch in
        one pass.)
        """
        xp = xp or self.xp
        x = x.reshape(1, -1) if x.ndim == 1 else x
        y = y.reshape(x.shape[0], -1)
        m = x.shape[0]
        if not (isinstance(self.slice_size, int) and self.slice_size >= 1):
            raise ValueError(f"slice_size: expected a whole number >= 1, got {self.slice_size!r}")
        if ws is None:
            ws = ConvWorkspace(self, m, xp)
        slices = -(-m // self.slice_size) if xp is np else 1  # how many: ceil(m / slice_size)
        if slices == 1:
            return self._backprop(x, y, xp, ws.memos, ws.grads)
        bounds = [m * i // slices for i in range(slices + 1)]
        for i, (start, stop) in enumerate(zip(bounds, bounds[1:])):
            memos, grads = ws.for_slice(stop - start)
            self._backprop(x[start:stop], y[start:stop], xp, memos, ws.grads if i == 0 else grads)
            if i > 0:
                ws.grad += ws.slice_grad
        return ws.grads

    def _backprop(self, x, y, xp, memos, grads):
        """One pass of backprop over the batch x, y: writes ∂C/∂params into ``grads``."""
        zs, acts = self.forward(x, xp, memos)
        delta = self.cost.delta(zs[-1], acts[-1], y, self.activations[-1], xp.empty_like(zs[-1]), xp)
        for l in reversed(range(len(self.layers))):
            act = self.activations[l - 1] if l > 0 else None
            relu_then_pool = self._relu_then_pool(l)
            if relu_then_pool:
                # The pool sends each error to its window's arg-max, where relu's slope is 1 if that
                # maximum (the pooled value) is > 0, else 0. Applying the slope to the pooled errors
                # gives the same delta^(l-1) and spares two passes over the full feature maps.
                # (Written in the pooled maps' memory order, channel by channel, as the pool reads it.)
                delta = xp.multiply(delta, acts[l + 1] > 0, out=scratch(memos[l], "delta", None, None, xp,
                                                                         like=acts[l + 1]))
            g = self.layers[l].backward(acts[l], zs[l], delta, self.layer_params[l], grads[l], xp,
                                        need_input_grad=l > 0, memo=memos[l])
            if l > 0:
                identity = act.name == "identity" or relu_then_pool
                if not identity:
                    g = act.backward(zs[l - 1], acts[l], g, scratch(memos[l - 1], "delta", None, None, xp, like=g), xp)
                delta = g
        return grads

    def feedforward(self, x):
        x = self._check_input(x)
        out = self.forward(x.reshape(1, -1) if x.ndim == 1 else x)[1][-1]
        return out[0] if x.ndim == 1 else out

    def cost_of(self, x, y):
        xp = self.xp
        x = self._check_input(x)
        x = x.reshape(1, -1) if x.ndim == 1 else x
        y = xp.asarray(y, dtype=self.dtype).reshape(x.shape[0], -1)
        total = 0.0
        for start in range(0, len(x), 1000):  # in chunks: the windows of a big batch take memory
            zs, acts = self.forward(x[start:start + 1000])
            total += self.cost.value(zs[-1], acts[-1], y[start:start + 1000], self.activations[-1], xp)
        return total

    def predict(self, x):
        x = self._check_input(x)
        x = x.reshape(1, -1) if x.ndim == 1 else x
        out = [self.forward(x[s:s + 1000])[1][-1].argmax(axis=-1) for s in range(0, len(x), 1000)]
        return self.xp.concatenate(out)

    def evaluate(self, x, labels):
        xp = self.xp
        labels = xp.asarray(labels)
        if labels.ndim == 2:
            labels = labels.argmax(axis=1)
        predicted = self.predict(x)
        if labels.shape != predicted.shape:
            raise ValueError(f"labels: expected {len(predicted)} labels, one per sample, got shape {labels.shape}")
        return float((predicted == labels).mean())

    def _check_input(self, x):
        xp = self.xp
        x = xp.asarray(x, dtype=self.dtype)
        if x.ndim not in (1, 2) or x.shape[-1] != self.sizes[0]:
            raise ValueError(f"x: expected shape ({self.sizes[0]},) or (m, {self.sizes[0]}) for input images "
                             f"of shape {self.input_shape}, got {tuple(x.shape)}")
        return x

    def __repr__(self):
        return f"ConvNet([{', '.join(layer.describe() for layer in self.layers)}], input_shape={self.input_shape})"
