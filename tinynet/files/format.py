"""The plain-text model format: readable, exact, and safe to load.

A model file looks like this (a ``[2, 3, 1]`` network)::

    tinynet-model 2
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
    end

The magic line ``tinynet-model 2``; the network's header lines (whatever its
kind writes ([`tinynet.files.kinds`][tinynet.files.kinds]): ``sizes`` and ``activations`` here, ``convnet`` and
``layer`` lines for a convolutional network, one ``stablenet`` line for a
stable network); ``cost`` and ``dtype``; the parameter blocks in the order of
``network.named_params()``, each a line ``<name> <shape>`` and then one line
per leading index (a vector: one line); and last the line ``end``, followed by
a newline. A file cut short at any byte lacks that last line, so it never
loads. Files of version 1 (no ``end`` line) still load if they end with a
newline (see docs/format.md for why that is enough for the files tinynet wrote).

Numbers are written with Python's ``repr``, the shortest text that reads back
as the very same float, so a save/load round trip is bit-exact.

``load_from_file`` also reads the original neural-network-py format: the
number of layers L, then L lines with one layer size each, then for every
layer after the input a line with its weights flattened row-major as a list
``[w1, w2, ...]`` and a line with its biases as a list; every layer sigmoid.

Each kind's header lines are written and read in [`tinynet.files.kinds`][tinynet.files.kinds];
the first word of the header names the kind. Nothing is ever evaluated: each number goes through
``float``, each header value is checked against a closed list or a range, a
network larger than the numbers the file holds is refused before anything is
allocated, and any mistake raises a ``ValueError`` naming the file, the line
and what was expected.
"""

import os

import numpy as np

from tinynet.arrays import to_numpy
from tinynet.costs import COSTS
from tinynet.files.header import HeaderError, header_int
from tinynet.files.kinds import KINDS, header_lines
from tinynet.files.lines import Lines, shown
from tinynet.files.safe import NOT_TEXT, read_text, writable_target, write_atomically

MAGIC = "tinynet-model"
VERSION = 2  # what save writes; load reads 1 and 2
READS = (1, 2)
END = "end"  # the last line of a version 2 file: without it the file was cut short
DTYPES = ("float64", "float32")  # a closed list: file text never reaches np.dtype
MAX_BYTES = 256 * 2**20  # the largest model file load reads by default (about 12 million numbers)
MAX_HEADER_LINES = 10_000


# --- writing ---------------------------------------------------------------------------------------


def serialize_neural_network(network, file):
    """Write ``network`` to ``file``: an open text file, or a path (then saved atomically, see ``save``).

    Refuses (a ValueError, nothing written) a network holding NaN or infinite parameters.
    """
    if isinstance(file, (str, bytes, os.PathLike)):
        save(network, file)
        return
    check_finite(network)
    header = _header_lines(network)
    file.write(f"{MAGIC} {VERSION}\n")
    for line in header:
        file.write(line + "\n")
    file.write(f"cost {network.cost.name}\n")
    file.write(f"dtype {network.dtype.name}\n")
    for name, array in named_params(network):
        array = to_numpy(array)
        file.write(f"{name} {' '.join(map(str, array.shape))}\n")
        rows = [array.tolist()] if array.ndim == 1 else array.reshape(array.shape[0], -1).tolist()
        for row in rows:
            file.write(" ".join(map(repr, row)) + "\n")
    file.write(END + "\n")


def named_params(network):
    """The parameter arrays in file order (the order of ``network.params``), with their names."""
    return network.named_params()


def check_finite(network):
    """A ValueError naming the first parameter block that holds NaN or an infinity (none: nothing)."""
    for name, array in named_params(network):
        if not np.isfinite(to_numpy(array)).all():
            raise ValueError(
                f"network: parameter block {name} holds NaN or infinite values; "
                f"a model file holds finite numbers only (nothing was written)"
            )


def _header_lines(network):
    """The kind's header lines, each checked to be one non-empty line of printable ASCII."""
    lines = header_lines(network)
    for line in lines:
        if not isinstance(line, str) or not line.strip() or NOT_TEXT.search(line):
            raise ValueError(
                f"network: the {type(network).__name__}'s header gave {line!r}; expected lines of printable text"
            )
    return lines


def save(network, path):
    """Write ``network`` to ``path`` atomically.

    The text goes to a temporary file in the same folder, ``.NAME.tinynet-tmp-<pid>-<random>``,
    which then replaces ``path`` in one step: a crash or an error mid-save leaves
    the old file as it was. Overwriting keeps the file's permission bits; a new
    file gets the usual ones (0666 less the umask). A symbolic link at ``path``
    stays: the file it points to gets the new content (replaced atomically in
    its own folder). A save that was killed leaves its temporary file behind;
    the next save to that folder removes those whose process no longer exists
    (on POSIX systems). NaN or infinite parameters are refused before anything
    is written.
    """
    target, old = writable_target(path)
    check_finite(network)
    write_atomically(target, old, lambda f: serialize_neural_network(network, f))


# --- reading ---------------------------------------------------------------------------------------


def load_from_file(file, sizes=None, max_bytes=MAX_BYTES):
    """Read a network from ``file`` (an open file or a path).

    Reads both the tinynet format (versions 1 and 2) and the original
    neural-network-py format. ``sizes``, if given, is what the caller expects;
    a model of other sizes is a ``ValueError``. A path must name a regular file
    of at most ``max_bytes`` bytes. Every mistake in the file is a ValueError
    naming the file and the line.
    """
    text, name = read_text(file, max_bytes)
    reader = Lines(text, name)
    try:
        if reader.peek().startswith(MAGIC):
            network = _read_tinynet(reader)
        else:
            network = _read_original(reader)
    except HeaderError as e:
        raise ValueError(f"{name}, line {e.line}: {e}") from None
    if sizes is not None:
        try:
            expected = [int(n) for n in sizes]
        except (TypeError, ValueError):
            raise ValueError(f"sizes: expected a list of layer sizes, got {sizes!r}") from None
        actual = list(getattr(network, "sizes", [network.inputs, network.outputs]))  # a dense network's every layer
        if expected != actual:
            raise ValueError(f"{name}: the model has layer sizes {actual}, expected {expected}")
    return network


load = load_from_file


def _read_tinynet(r):
    """The tinynet format: magic line, header, cost, dtype, the blocks, and (version 2) ``end``."""
    line = r.next("the magic line")
    words = line.split()
    if len(words) != 2 or words[0] != MAGIC or words[1] not in [str(v) for v in READS]:
        newer = " (written by a newer tinynet?)" if len(words) == 2 and words[1].isdigit() else ""
        raise r.error(f"expected '{MAGIC} {VERSION}' or '{MAGIC} 1', found {shown(line)}{newer}")
    version = int(words[1])
    fields = _read_fields(r)
    cost_line = r.i
    cost = r.keyword("cost", "'cost' and its name")
    if len(cost) != 2 or cost[1] not in COSTS:
        raise r.error(f"cost: expected one of {', '.join(COSTS)}, found {shown(' '.join(cost[1:]))}")
    dtype = r.keyword("dtype", "'dtype' and float64 or float32")
    if len(dtype) != 2 or dtype[1] not in DTYPES:
        raise r.error(f"dtype: expected one of {', '.join(DTYPES)}, found {shown(' '.join(dtype[1:]))}")
    if not fields:
        raise r.error("expected the network's header lines before 'cost'", line=cost_line + 1)
    budget = r.numbers_after((" ", "\t", "\n", "\r"))
    network = _from_header(r, fields, cost[1], dtype[1], budget)
    with np.errstate(over="ignore"):
        for name, array in named_params(network):
            _read_block(r, name, array)
    if version >= 2:
        words = r.next(f"'{END}' after the last block").split()
        if words != [END]:
            raise r.error(f"expected '{END}' after the last block, found {shown(' '.join(words))}")
    r.end_of_data()
    return network


def _read_fields(r):
    """The header lines up to 'cost': [(line number, words), ...]."""
    fields = []
    while r.i < len(r.lines) and r.lines[r.i].split()[:1] != ["cost"]:
        line = r.next("the network's header")
        words = line.split()
        if not words:
            raise r.error("expected a header line, found an empty line")
        if words[0] == "dtype" or words[0][0] in "0123456789+-." or len(fields) >= MAX_HEADER_LINES:
            raise r.error(f"expected 'cost <name>' after the header lines, found {shown(line)}")
        fields.append((r.i, words))
    return fields


def _from_header(r, fields, cost, dtype, budget):
    """The network the header describes, built by its kind's reader (``KINDS``); any mistake names a line."""
    key = fields[0][1][0]
    read = KINDS.get(key)
    if read is None:
        raise r.error(f"expected the network kind ({', '.join(sorted(KINDS))}), found {shown(key)}", line=fields[0][0])
    try:
        return read(fields, cost, dtype, budget)
    except HeaderError as e:
        raise r.error(str(e), line=e.line) from None
    except (
        ValueError,
        TypeError,
        ArithmeticError,
        IndexError,
        KeyError,
        MemoryError,
        SyntaxError,
        RecursionError,
    ) as e:
        raise r.error(
            f"the header (lines {fields[0][0]}-{fields[-1][0] + 2}) does not describe a valid network: {str(e)[:300]}",
            line=fields[0][0],
        ) from e


def _read_block(r, name, array):
    """A parameter block: '<name> <shape>', then one line (a vector) or a line per leading index."""
    dims = [str(n) for n in array.shape]
    wanted = f"'{name} {' '.join(dims)}'"
    words = r.keyword(name, wanted)
    if words[1:] != dims:
        found = shown("x".join(words[1:]))[1:-1]
        raise r.error(f"{name} must be {'x'.join(dims)} for these layers, found {found}")
    rows = array.reshape(1, -1) if array.ndim == 1 else array.reshape(array.shape[0], -1)
    for j, row in enumerate(rows):
        what = name if array.ndim == 1 else f"row {j + 1} of {name}"
        r.numbers(r.next(what).split(), row, what)


def _read_original(r):
    """The original neural-network-py format: L, L sizes, then per layer '[weights]' and '[biases]'."""
    L = _one_int(r, "the number of layers", 2, max(2, len(r.lines)))
    first = r.i + 1
    sizes = [str(_one_int(r, f"the size of layer {k}", 1, 1_000_000)) for k in range(L)]
    budget = r.numbers_after((",", "\n"))  # items are comma-separated, one list per line
    fields = [(first, ["sizes"] + sizes), (first, ["activations"] + ["sigmoid"] * (L - 1))]
    network = _from_header(r, fields, "quadratic", "float64", budget)
    params = named_params(network)
    for l, ((_, W), (_, b)) in enumerate(zip(params[0::2], params[1::2]), start=1):
        what = f"the {W.size} weights of layer {l} (shape {W.shape[0]}x{W.shape[1]}) as [w1, w2, ...]"
        r.numbers(_list_items(r, r.next(what), what), W.reshape(-1), f"weights of layer {l}")
        what = f"the {b.size} biases of layer {l} as [b1, b2, ...]"
        r.numbers(_list_items(r, r.next(what), what), b, f"biases of layer {l}")
    r.end_of_data()
    return network


def _one_int(r, what, low, high):
    words = r.next(what).split()
    if len(words) != 1:
        raise r.error(f"expected {what}, one integer")
    return header_int(words[0], what, r.i, low, high)


def _list_items(r, line, what):
    """The comma-separated items of a ``[a, b, c]`` line (parsed by hand: no eval)."""
    if not (line.startswith("[") and line.endswith("]")):
        raise r.error(f"expected {what}")
    inner = line[1:-1].replace("[", " ").replace("]", " ")
    return [item.strip() for item in inner.split(",")] if inner.strip() else []
