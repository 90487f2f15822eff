"""The plain-text model format: readable, exact, and safe to load.

A model file looks like this (a ``[2, 3, 1]`` network)::

    tinynet-model 1
    sizes 2 3 1
    activations sigmoid sigmoid
    cost quadratic
    dtype float64
    W1 3 2
    0.4471435163732493 -1.2045206...
    ...                                  (one line per row of W^1: 3 lines of 2 numbers)
    b1 3
    0.0 0.0 0.0
    W2 1 3
    ...

Numbers are written with Python's ``repr``, the shortest text that reads back
as the very same float, so a save/load round trip is bit-exact.

A convolutional network has ``convnet C H W`` and one ``layer ...`` line per
layer instead of ``sizes`` and ``activations``; a stable network (the ODE
networks of :mod:`tinynet.stable`) has one line ``stablenet <kind> key=value ...``
with the arguments that build it (``inputs=2 classes=2 width=4 layers=8 h=0.5 ...``).

``load_from_file`` also reads the original neural-network-py format: the
number of layers L, then L lines with one layer size each, then for every
layer after the input a line with its weights flattened row-major as a list
``[w1, w2, ...]`` and a line with its biases as a list; every layer sigmoid.

Nothing is ever evaluated: each number goes through ``float``, and any
mistake raises a ``ValueError`` naming the file, the line and what was expected.
"""

import math
import os
import tempfile

import numpy as np

from .conv import ConvNet
from .base import to_numpy as _to_numpy
from .network import NeuralNetwork
from .stable import ARCHITECTURES, StableNet

# a stable network's header: its arguments and how each is read back
STABLE_ARGS = {"inputs": int, "classes": int, "width": int, "layers": int, "h": float, "activation": str,
               "gamma": float, "alpha_f": float, "alpha_c": float, "opening": int}

MAGIC = "tinynet-model"
VERSION = 1


def serialize_neural_network(network, file):
    """Write ``network`` (a NeuralNetwork, ConvNet or stable network) to ``file``: an open text file, or a path (saved atomically)."""
    if isinstance(file, (str, os.PathLike)):
        save(network, file)
        return
    file.write(f"{MAGIC} {VERSION}\n")
    if isinstance(network, ConvNet):
        file.write("convnet " + " ".join(map(str, network.input_shape)) + "\n")
        for layer in network.layers:
            file.write(f"layer {layer.describe()}\n")
    elif isinstance(network, StableNet):
        args = network.spec()[1]
        file.write(f"stablenet {network.kind} "
                   + " ".join(f"{k}={int(args[k]) if k == 'opening' else repr(args[k]) if t is float else args[k]}"
                              for k, t in STABLE_ARGS.items()) + "\n")
    else:
        file.write("sizes " + " ".join(map(str, network.sizes)) + "\n")
        file.write("activations " + " ".join(network.activation_names) + "\n")
    file.write(f"cost {network.cost.name}\n")
    file.write(f"dtype {network.dtype.name}\n")
    for name, array in named_params(network):
        array = _to_numpy(array)
        file.write(f"{name} {' '.join(map(str, array.shape))}\n")
        rows = [array.tolist()] if array.ndim == 1 else array.reshape(array.shape[0], -1).tolist()
        for row in rows:
            file.write(" ".join(map(repr, row)) + "\n")


def named_params(network):
    """The parameter arrays in file order (the order of ``network.params``), with their names."""
    return network.named_params()


def save(network, path):
    """Write ``network`` to ``path`` atomically.

    The text goes to a temporary file in the same folder, which then replaces
    ``path`` in one step: a crash or an error mid-save leaves the old file as it was.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tinynet-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            serialize_neural_network(network, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_from_file(file, sizes=None):
    """Read a network from ``file`` (an open text file or a path).

    Reads both the tinynet format and the original neural-network-py format.
    ``sizes``, if given, is what the caller expects; a model of other sizes
    is a ``ValueError``.
    """
    if isinstance(file, (str, os.PathLike)):
        name = os.fspath(file)
        try:
            with open(name, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except UnicodeDecodeError:
            raise ValueError(f"{name}: not a text model file (it is not UTF-8 text)") from None
    else:
        name = getattr(file, "name", "<model file>")
        lines = file.read().splitlines()
    reader = _Lines(lines, name)
    first = reader.peek()
    if first.startswith(MAGIC):
        network = _read_tinynet(reader)
    else:
        network = _read_original(reader)
    if sizes is not None and list(sizes) != list(network.sizes):
        raise ValueError(f"{name}: the model has layer sizes {network.sizes}, expected {list(sizes)}")
    return network


load = load_from_file


class _Lines:
    """The lines of a file with a cursor, for error messages that name the line."""

    def __init__(self, lines, name):
        self.lines, self.name, self.i = lines, name, 0

    def error(self, message, line=None):
        n = self.i if line is None else line
        return ValueError(f"{self.name}, line {n}: {message}")

    def peek(self):
        while self.i < len(self.lines) and not self.lines[self.i].strip():
            self.i += 1
        if self.i >= len(self.lines):
            raise self.error("the file is empty; expected a model", line=self.i + 1)
        return self.lines[self.i].strip()

    def next(self, what):
        """The next line, stripped; a truncated file says what was missing."""
        if self.i >= len(self.lines):
            raise self.error(f"the file ends early; expected {what}", line=self.i + 1)
        self.i += 1
        return self.lines[self.i - 1].strip()

    def keyword(self, key, what):
        words = self.next(what).split()
        if not words or words[0] != key:
            raise self.error(f"expected {what}")
        return words[1:]

    def ints(self, words, count, what):
        try:
            values = [int(w) for w in words]
        except ValueError:
            raise self.error(f"expected {what}") from None
        if len(values) != count:
            raise self.error(f"expected {what}")
        return values

    def floats(self, words, count, what):
        if len(words) != count:
            raise self.error(f"expected {count} numbers ({what}), found {len(words)}")
        try:
            values = [float(w) for w in words]
        except ValueError as e:
            raise self.error(f"expected {count} numbers ({what}): {e}") from None
        if not all(math.isfinite(v) for v in values):
            raise self.error(f"{what} must be finite numbers, found NaN or infinity")
        return values


def _read_tinynet(r):
    words = r.next("the header").split()
    if words != [MAGIC, str(VERSION)]:
        raise r.error(f"expected '{MAGIC} {VERSION}', found {' '.join(words)!r}")
    if r.peek().startswith("convnet"):
        network, context = _read_convnet_header(r)
    elif r.peek().startswith("stablenet"):
        network, context = _read_stable_header(r)
    else:
        network, context = _read_mlp_header(r)
    for name, array in named_params(network):
        _read_block(r, name, array, context)
    _expect_end(r)
    return network


def _read_mlp_header(r):
    sizes_words = r.keyword("sizes", "'sizes' and the layer sizes")
    if len(sizes_words) < 2:
        raise r.error("expected at least two layer sizes")
    sizes = r.ints(sizes_words, len(sizes_words), "positive integer layer sizes")
    if min(sizes) < 1:
        raise r.error("expected positive integer layer sizes")
    activations = r.keyword("activations", f"'activations' and {len(sizes) - 1} names")
    if len(activations) != len(sizes) - 1:
        raise r.error(f"expected {len(sizes) - 1} activation names, found {len(activations)}")
    cost, dtype = _read_cost_dtype(r)
    try:
        return NeuralNetwork(sizes, activations, cost, seed=0, dtype=dtype), f"sizes {sizes}"
    except (ValueError, TypeError) as e:
        raise r.error(f"the header does not describe a valid network: {e}") from None


def _read_convnet_header(r):
    shape = r.ints(r.keyword("convnet", "'convnet' and the input shape"), 3, "'convnet C H W'")
    layers = []
    while r.peek().startswith("layer"):
        layers.append(" ".join(r.keyword("layer", "a layer")))
    cost, dtype = _read_cost_dtype(r)
    try:
        network = ConvNet(layers, input_shape=shape, cost=cost, seed=0, dtype=dtype)
    except (ValueError, TypeError) as e:
        raise r.error(f"the header does not describe a valid network: {e}") from None
    return network, "these layers"


def _read_stable_header(r):
    words = r.keyword("stablenet", "'stablenet', the architecture and its arguments")
    if not words or words[0] not in ARCHITECTURES:
        raise r.error(f"expected one of {', '.join(ARCHITECTURES)} after 'stablenet'")
    kwargs = {}
    for word in words[1:]:
        key, _, value = word.partition("=")
        if key not in STABLE_ARGS or key in kwargs:
            raise r.error(f"unexpected or repeated argument {word!r}; expected each of {', '.join(STABLE_ARGS)} once")
        try:
            kwargs[key] = STABLE_ARGS[key](value)
        except ValueError:
            raise r.error(f"{key}: expected a {STABLE_ARGS[key].__name__}, found {value!r}") from None
        if STABLE_ARGS[key] is float and not math.isfinite(kwargs[key]):
            raise r.error(f"{key} must be a finite number, found {value!r}")
    missing = [k for k in STABLE_ARGS if k not in kwargs]
    if missing:
        raise r.error(f"missing {', '.join(missing)} in the stablenet line")
    cost, dtype = _read_cost_dtype(r)
    if cost != "cross_entropy":
        raise r.error(f"a stable network's cost is cross_entropy, found {cost!r}", line=r.i - 1)
    try:
        network = ARCHITECTURES[words[0]](**kwargs, seed=0, dtype=dtype)
    except (ValueError, TypeError) as e:
        raise r.error(f"the header does not describe a valid network: {e}") from None
    return network, f"this {words[0]} network"


def _read_cost_dtype(r):
    cost = r.keyword("cost", "'cost' and its name")
    dtype = r.keyword("dtype", "'dtype' and float64 or float32")
    return (cost[0] if cost else ""), (dtype[0] if dtype else "")


def _read_block(r, name, array, context):
    """A parameter block: '<name> <shape>', then one line (a vector) or a line per leading index."""
    shape = list(array.shape)
    wanted = f"'{name} {' '.join(map(str, shape))}'"
    found = r.ints(r.keyword(name, wanted), len(shape), wanted)
    if found != shape:
        raise r.error(f"{name} must be {'x'.join(map(str, shape))} for {context}, "
                      f"found {'x'.join(map(str, found))}")
    if array.ndim == 1:
        array[...] = r.floats(r.next(name).split(), array.size, name)
        return
    per_row = array.size // shape[0]
    rows = array.reshape(shape[0], per_row)
    for j in range(shape[0]):
        what = f"row {j + 1} of {name}"
        rows[j] = r.floats(r.next(what).split(), per_row, what)


def _read_original(r):
    L = r.ints(r.next("the number of layers").split(), 1, "the number of layers, one integer")[0]
    if L < 2:
        raise r.error(f"expected at least 2 layers, found {L}")
    sizes = [r.ints(r.next(f"the size of layer {k}").split(), 1, f"the size of layer {k}, one integer")[0]
             for k in range(L)]
    if min(sizes) < 1:
        raise r.error(f"layer sizes must be positive, found {sizes}")
    network = NeuralNetwork(sizes, "sigmoid", "quadratic", seed=0)
    for l, (W, b) in enumerate(zip(network.weights, network.biases), start=1):
        what = f"the {W.size} weights of layer {l} (shape {W.shape[0]}x{W.shape[1]}) as [w1, w2, ...]"
        W[...] = np.reshape(r.floats(_list_items(r, r.next(what), what), W.size, f"weights of layer {l}"), W.shape)
        what = f"the {b.size} biases of layer {l} as [b1, b2, ...]"
        b[...] = r.floats(_list_items(r, r.next(what), what), b.size, f"biases of layer {l}")
    _expect_end(r)
    return network


def _list_items(r, line, what):
    """The comma-separated items of a ``[a, b, c]`` line (parsed by hand: no eval)."""
    if not (line.startswith("[") and line.endswith("]")):
        raise r.error(f"expected {what}")
    inner = line[1:-1].replace("[", " ").replace("]", " ")
    return [item.strip() for item in inner.split(",")] if inner.strip() else []


def _expect_end(r):
    while r.i < len(r.lines):
        if r.lines[r.i].strip():
            raise r.error("unexpected text after the last layer", line=r.i + 1)
        r.i += 1
