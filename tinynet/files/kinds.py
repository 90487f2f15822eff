"""Each network kind's model-file header: the lines that describe its shape, written and read back.

A model file ([`tinynet.files.format`][tinynet.files.format]) holds, after its magic line, the
header lines of the network's kind, then ``cost`` and ``dtype``:

    NeuralNetwork   ``sizes n_0 n_1 ... n_L`` and ``activations name ... name`` (L names)
    ConvNet         ``convnet C H W`` (the input's channels, height, width), then one
                    ``layer ...`` line per layer (``layer conv2d 8 5 relu``)
    a stable net    one line ``stablenet <kind> inputs=.. classes=.. width=.. layers=.. h=..
                    activation=.. gamma=.. alpha_f=.. alpha_c=.. opening=0|1``

The first word of the header names the kind (``KINDS``). Every value read is
checked against a closed list or a range ([`tinynet.files.header`][tinynet.files.header]), a mistake
is a ``HeaderError`` naming the line, and a network of more parameters than
the numbers the file holds is refused before anything is allocated.
"""

import numpy as np

from tinynet.activations import ACTIVATIONS
from tinynet.conv.layers import parse_layer
from tinynet.conv.net import ConvNet
from tinynet.costs import COSTS
from tinynet.files.header import HeaderError, check_budget, header_choice, header_float, header_int
from tinynet.network import NeuralNetwork
from tinynet.network import param_count as dense_param_count
from tinynet.stable.net import StableNet
from tinynet.stable.schemes import ARCHITECTURES


def header_lines(network):
    """The header lines of ``network``, whatever its kind."""
    if isinstance(network, NeuralNetwork):
        return ["sizes " + " ".join(map(str, network.sizes)), "activations " + " ".join(network.activation_names)]
    if isinstance(network, ConvNet):
        shape = " ".join(map(str, network.input_shape))
        return [f"convnet {shape}"] + [f"layer {name}" for name in network.layer_names()]
    if isinstance(network, StableNet):
        return [stable_line(network)]
    raise ValueError(f"network: expected a tinynet network (NeuralNetwork, ConvNet, a stable network), got {network!r}")


# --- NeuralNetwork ---------------------------------------------------------------------------------


def read_dense(fields, cost, dtype, budget):
    """``sizes n_0 n_1 ... n_L`` and ``activations name ... name`` (L names)."""
    if len(fields) != 2 or fields[0][1][0] != "sizes" or fields[1][1][0] != "activations":
        raise HeaderError("expected a 'sizes' line and an 'activations' line", fields[0][0])
    (line, words), (act_line, names) = fields
    if len(words) < 3:
        raise HeaderError("sizes: expected at least two layer sizes", line)
    sizes = [header_int(w, "sizes", line) for w in words[1:]]
    check_budget(dense_param_count(sizes), budget, line)
    if len(names) != len(sizes):
        raise HeaderError(f"activations: expected {len(sizes) - 1} names, found {len(names) - 1}", act_line)
    activations = [header_choice(w, "activations", act_line, list(ACTIVATIONS)) for w in names[1:]]
    return NeuralNetwork(sizes, activations, cost, seed=0, dtype=dtype)


# --- ConvNet -----------------------------------------------------------------------------------------


def read_conv(fields, cost, dtype, budget):
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
    check_budget(count, budget, fields[0][0])
    header_choice(cost, "cost", line + 1, list(COSTS))  # the cost line follows the header
    try:
        return ConvNet(layers, input_shape=input_shape, cost=cost, seed=0, dtype=dtype)
    except ValueError as e:
        raise HeaderError(f"the header does not describe a valid network: {e}", line) from None


# --- the stable networks --------------------------------------------------------------------------------


def stable_line(network):
    """One line: ``stablenet <kind> inputs=.. classes=.. width=.. layers=.. h=.. activation=..
    gamma=.. alpha_f=.. alpha_c=.. opening=0|1`` (numbers as ``repr`` writes them: exact)."""
    args = network.spec()[1]
    args["opening"] = int(args["opening"])
    return f"stablenet {network.kind} " + " ".join(
        f"{key}={args[key]!r}" if isinstance(args[key], float) else f"{key}={args[key]}" for key in HEADER_FIELDS
    )


def read_stable(fields, cost, dtype, budget):
    """The network of one ``stablenet <kind> key=value ...`` line (see ``stable_line``).

    The line's ``<kind>`` decides the architecture. Every value is checked
    against its list or range, the parameter count against ``budget`` before
    anything is allocated.
    """
    line, words = fields[0]
    if words[0] != "stablenet":
        raise HeaderError("expected a 'stablenet' line", line)
    if len(fields) > 1:
        raise HeaderError("expected one 'stablenet' line, then cost and dtype", fields[1][0])
    if len(words) < 2 or words[1] not in ARCHITECTURES:
        found = f", found {words[1][:40]!r}" if len(words) > 1 else ""
        raise HeaderError(f"expected one of {', '.join(ARCHITECTURES)} after 'stablenet'{found}", line)
    kind = words[1]
    texts = {}
    for word in words[2:]:
        key, _, text = word.partition("=")
        if key not in HEADER_FIELDS or key in texts:
            raise HeaderError(
                f"unexpected or repeated argument {word[:40]!r}; expected each of {', '.join(HEADER_FIELDS)} once",
                line,
            )
        texts[key] = text
    missing = [key for key in HEADER_FIELDS if key not in texts]
    if missing:
        raise HeaderError(f"missing {', '.join(missing)} in the stablenet line", line)
    args = {key: read(texts[key], key, line) for key, read in HEADER_FIELDS.items()}
    if args["width"] < args["inputs"] and not args["opening"]:
        raise HeaderError(
            f"width: expected at least the {args['inputs']} inputs (or opening=1), found {args['width']}", line
        )
    # the lines after the header: cost, then dtype
    if cost != "cross_entropy":
        raise HeaderError(f"a stable network's cost is cross_entropy, found {cost[:40]!r}", line + 1)
    header_choice(str(dtype), "dtype", line + 2, ["float64", "float32"])
    check_budget(
        param_count(args["inputs"], args["classes"], args["width"], args["layers"], args["opening"]), budget, line
    )
    return ARCHITECTURES[kind](**args, seed=0, dtype=dtype)


def param_count(inputs, classes, width, layers, opening):
    """The parameter count: N n (n + 1) for the layers, k (n + 1) for the classifier, n (inputs + 1) for an opening."""
    return layers * width * (width + 1) + classes * (width + 1) + (width * (inputs + 1) if opening else 0)


def _positive_step(text, name, line):
    """h: a finite number > 0 (and at most 1000)."""
    value = header_float(text, name, line, 0.0, 1e3)
    if value == 0:
        raise HeaderError(f"{name}: expected a number > 0, found {text[:40]!r}", line)
    return value


# The header's fields, in the order they are written, and how each is read back.
HEADER_FIELDS = {
    "inputs": lambda text, name, line: header_int(text, name, line, 1, 1_000_000),
    "classes": lambda text, name, line: header_int(text, name, line, 1, 1_000_000),
    "width": lambda text, name, line: header_int(text, name, line, 1, 1_000_000),
    "layers": lambda text, name, line: header_int(text, name, line, 1, 10_000),
    "h": _positive_step,
    "activation": lambda text, name, line: header_choice(text, name, line, list(ACTIVATIONS)),
    "gamma": lambda text, name, line: header_float(text, name, line, 0.0, 1e6),
    "alpha_f": lambda text, name, line: header_float(text, name, line, 0.0, 1e6),
    "alpha_c": lambda text, name, line: header_float(text, name, line, 0.0, 1e6),
    "opening": lambda text, name, line: header_choice(text, name, line, ["0", "1"]) == "1",
}


# The first word of a header -> how to read the network it describes.
KINDS = {"sizes": read_dense, "convnet": read_conv, "stablenet": read_stable}
