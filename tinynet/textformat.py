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
kind's ``header()`` writes: ``sizes`` and ``activations`` here, ``convnet`` and
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

This module knows no network kind: the first word of the header names the
kind (``base.Network.kinds``), whose ``header()`` and ``from_header()`` write
and check its own lines. Nothing is ever evaluated: each number goes through
``float``, each header value is checked against a closed list or a range, a
network larger than the numbers the file holds is refused before anything is
allocated, and any mistake raises a ``ValueError`` naming the file, the line
and what was expected.
"""

import contextlib
import math
import os
import re
import secrets
import stat

import numpy as np

from .base import HeaderError, Network, header_int
from .base import to_numpy as _to_numpy
from .costs import COSTS

MAGIC = "tinynet-model"
VERSION = 2  # what save writes; load reads 1 and 2
READS = (1, 2)
END = "end"  # the last line of a version 2 file: without it the file was cut short
DTYPES = ("float64", "float32")  # a closed list: file text never reaches np.dtype
MAX_BYTES = 256 * 2**20  # the largest model file load reads by default (about 12 million numbers)
MAX_HEADER_LINES = 10_000
TMP_MARK = ".tinynet-tmp-"  # temporary files of a save: .NAME.tinynet-tmp-<pid>-<random>
_TMP_NAME = re.compile(r"\..+\.tinynet-tmp-(\d{1,10})-[0-9a-f]+")
_NOT_TEXT = re.compile(r"[^\t\n\r\x20-\x7e]")  # what a model file never holds: all but printable ASCII
_NOT_TEXT_BYTES = re.compile(rb"[^\t\n\r\x20-\x7e]")


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
        array = _to_numpy(array)
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
        if not np.isfinite(_to_numpy(array)).all():
            raise ValueError(f"network: parameter block {name} holds NaN or infinite values; "
                             f"a model file holds finite numbers only (nothing was written)")


def _header_lines(network):
    """The kind's header lines, each checked to be one non-empty line of printable ASCII."""
    if not hasattr(network, "header"):
        raise ValueError(f"network: a {type(network).__name__} has no header(); expected a tinynet network")
    lines = network.header()
    for line in lines:
        if not isinstance(line, str) or not line.strip() or _NOT_TEXT.search(line):
            raise ValueError(f"network: {type(network).__name__}.header() gave {line!r}; "
                             f"expected lines of printable text")
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
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    target = os.path.realpath(path) if os.path.islink(path) else os.path.abspath(path)
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    if old is not None and stat.S_ISDIR(old.st_mode):
        raise ValueError(f"path: {path} is a folder; expected the name of a model file")
    if old is not None and not stat.S_ISREG(old.st_mode):
        raise ValueError(f"path: {path} is not a regular file (a device, a pipe or a socket); "
                         f"expected the name of a model file")
    check_finite(network)
    folder, base = os.path.split(target)
    remove_stale_temporaries(folder)
    tmp = os.path.join(folder, f".{base[:200]}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")
    # 0666 less the umask, as for any new file (mkstemp's 0600 would hide a model from its group)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        f = os.fdopen(fd, "w", encoding="ascii", newline="\n")  # from here on f closes fd
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    try:
        with f:
            if old is not None:
                os.chmod(tmp, stat.S_IMODE(old.st_mode))  # an overwritten file keeps its permissions
            serialize_neural_network(network, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


def remove_stale_temporaries(folder):
    """Remove the temporary files of saves into ``folder`` whose process no longer exists.

    Only names ``.NAME.tinynet-tmp-<pid>-<random>`` are touched, and only on
    POSIX systems, where ``os.kill(pid, 0)`` asks whether a process exists
    (on Windows it would end it). Returns the names removed.
    """
    if os.name != "posix":
        return []
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TMP_NAME.fullmatch(entry.name)
        if not match or int(match[1]) == os.getpid() or _process_exists(int(match[1])):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(entry.name)
    return removed


def _process_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # not ours to signal (PermissionError), or no such pid at all: keep it
        return True
    return True


def _sync_folder(folder):
    """Make the rename itself durable (where the system lets a folder be opened and synced)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- reading ---------------------------------------------------------------------------------------


def load_from_file(file, sizes=None, max_bytes=MAX_BYTES):
    """Read a network from ``file`` (an open file or a path).

    Reads both the tinynet format (versions 1 and 2) and the original
    neural-network-py format. ``sizes``, if given, is what the caller expects;
    a model of other sizes is a ``ValueError``. A path must name a regular file
    of at most ``max_bytes`` bytes. Every mistake in the file is a ValueError
    naming the file and the line.
    """
    text, name = _read_text(file, max_bytes)
    reader = _Lines(text, name)
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
        if expected != list(network.sizes):
            raise ValueError(f"{name}: the model has layer sizes {network.sizes}, expected {expected}")
    return network


load = load_from_file


def _read_text(file, max_bytes):
    """The text of a model file and the name to call it by: printable ASCII, a byte-order mark dropped."""
    if isinstance(file, (str, bytes, os.PathLike)):
        name = os.fsdecode(os.fspath(file))
        data = _read_regular_file(name, max_bytes)
    else:
        if not callable(getattr(file, "read", None)):
            raise ValueError(f"file: expected a path or an open file, got {type(file).__name__}")
        name = str(getattr(file, "name", "<model file>"))
        data = file.read(max_bytes + 1)
        if not isinstance(data, (str, bytes)):
            raise ValueError(f"file: expected a path or an open file, got {type(file).__name__}")
        if len(data) > max_bytes:
            raise ValueError(f"{name}: more than {max_bytes:,} bytes; a larger model file needs a larger max_bytes")
    if isinstance(data, bytes):
        data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        bad = _NOT_TEXT_BYTES.search(data)
        code = data[bad.start()] if bad else None
    else:
        data = data[1:] if data.startswith("\ufeff") else data
        bad = _NOT_TEXT.search(data)
        code = ord(data[bad.start()]) if bad else None
    if bad:
        line = data.count(b"\n" if isinstance(data, bytes) else "\n", 0, bad.start()) + 1
        raise ValueError(f"{name}, line {line}: not a text model file (character 0x{code:02x}; "
                         f"a model file is printable ASCII)")
    return (data.decode("ascii") if isinstance(data, bytes) else data), name


def _read_regular_file(name, max_bytes):
    """The bytes of the regular file ``name``; a folder, a device, a pipe or a too large file is a ValueError."""
    _check_regular(name, os.stat(name), max_bytes)
    # O_NONBLOCK: should the path become a pipe between stat and open, open does not wait for a writer.
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with f:
        _check_regular(name, os.fstat(f.fileno()), max_bytes)
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        _check_regular(name, None, max_bytes, size=len(data))
    return data


def _check_regular(name, st, max_bytes, size=None):
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise ValueError(f"{name}: is a folder; expected a model file")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{name}: not a regular file (a device, a pipe or a socket); expected a model file")
    size = st.st_size if size is None else size
    if size > max_bytes:
        raise ValueError(f"{name}: {size:,} bytes, more than the {max_bytes:,} a model file may have "
                         f"(load_from_file's max_bytes)")


def _shown(text, limit=40):
    """``text`` quoted for a message, cut to ``limit`` characters."""
    return repr(text[:limit] + "...") if len(text) > limit else repr(text)


class _Lines:
    """The lines of a file with a cursor, for error messages that name the line."""

    def __init__(self, text, name):
        self.text, self.name, self.i = text, name, 0
        self.lines = text.split("\n")
        # a complete file ends with a newline: split gives a last empty item, which is no line
        self.terminated = self.lines[-1] == ""
        if self.terminated:
            self.lines.pop()

    def error(self, message, line=None):
        return ValueError(f"{self.name}, line {self.i if line is None else line}: {message}")

    def peek(self):
        while self.i < len(self.lines) and not self.lines[self.i].strip():
            self.i += 1
        if self.i >= len(self.lines):
            raise self.error("the file is empty; expected a model", line=self.i + 1)
        return self.lines[self.i].strip()

    def next(self, what):
        """The next line, stripped; a file that ends first says what was missing."""
        if self.i >= len(self.lines):
            raise self.error(f"the file ends early: truncated? expected {what}", line=self.i + 1)
        self.i += 1
        return self.lines[self.i - 1].strip()

    def keyword(self, key, what):
        line = self.next(what)
        words = line.split()
        if not words or words[0] != key:
            raise self.error(f"expected {what}, found {_shown(line)}")
        return words

    def offset(self):
        """Where the next line starts in the text (cheap while the cursor is in the header)."""
        return sum(len(line) + 1 for line in self.lines[:self.i])

    def numbers_after(self, separators):
        """At most how many numbers the rest of the file holds: one more than its separators.

        Counted in the text itself, without splitting it: what ``from_header``
        compares a header's parameter count with before allocating anything.
        """
        start = self.offset()
        return 1 + sum(self.text.count(sep, start) for sep in separators)

    def numbers(self, words, out, what):
        """Parse ``words`` into ``out`` (a vector of len(words) numbers): finite numbers, or an error."""
        if len(words) != out.size:
            raise self.error(f"expected {out.size} numbers ({what}), found {len(words)}")
        try:
            values = [float(w) for w in words]
        except ValueError:
            values = None
        if values is None or any("_" in w for w in words):  # float() reads 1_000; a model file never holds it
            bad = next(w for w in words if "_" in w or not _is_float(w))
            raise self.error(f"expected {out.size} numbers ({what}), found {_shown(bad)}") from None
        with np.errstate(over="ignore"):
            out[...] = values  # float32: a number beyond its range becomes an infinity, refused next
        if not np.isfinite(out).all():
            bad = words[int(np.argmin(np.isfinite(out)))]
            beyond = " (too large for float32)" if math.isfinite(float(bad)) else ""
            raise self.error(f"{what} must be finite numbers, found {_shown(bad)}{beyond}")

    def end_of_data(self):
        """After the last line read: only blank lines, and that last line ends with a newline."""
        last = self.i
        while self.i < len(self.lines):
            if self.lines[self.i].strip():
                raise self.error(f"unexpected text after the last block: {_shown(self.lines[self.i].strip())}",
                                 line=self.i + 1)
            self.i += 1
        if last == len(self.lines) and not self.terminated:
            raise self.error("the file ends early: truncated? (its last line has no newline; "
                             "a complete model file ends with one)", line=last)


def _is_float(word):
    try:
        float(word)
    except ValueError:
        return False
    return True


def _read_tinynet(r):
    """The tinynet format: magic line, header, cost, dtype, the blocks, and (version 2) ``end``."""
    line = r.next("the magic line")
    words = line.split()
    if len(words) != 2 or words[0] != MAGIC or words[1] not in [str(v) for v in READS]:
        newer = " (written by a newer tinynet?)" if len(words) == 2 and words[1].isdigit() else ""
        raise r.error(f"expected '{MAGIC} {VERSION}' or '{MAGIC} 1', found {_shown(line)}{newer}")
    version = int(words[1])
    fields = _read_fields(r)
    cost_line = r.i
    cost = r.keyword("cost", "'cost' and its name")
    if len(cost) != 2 or cost[1] not in COSTS:
        raise r.error(f"cost: expected one of {', '.join(COSTS)}, found {_shown(' '.join(cost[1:]))}")
    dtype = r.keyword("dtype", "'dtype' and float64 or float32")
    if len(dtype) != 2 or dtype[1] not in DTYPES:
        raise r.error(f"dtype: expected one of {', '.join(DTYPES)}, found {_shown(' '.join(dtype[1:]))}")
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
            raise r.error(f"expected '{END}' after the last block, found {_shown(' '.join(words))}")
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
            raise r.error(f"expected 'cost <name>' after the header lines, found {_shown(line)}")
        fields.append((r.i, words))
    return fields


def _from_header(r, fields, cost, dtype, budget):
    """The network the header describes, built by its kind's ``from_header``; any mistake names a line."""
    key = fields[0][1][0]
    cls = Network.kinds.get(key)
    if cls is None:  # a kind registers itself when the module defining it is imported
        raise r.error(f"expected the network kind ({', '.join(sorted(Network.kinds))}), found {_shown(key)} "
                      f"(is the module that defines that kind imported?)", line=fields[0][0])
    try:
        return cls.from_header(fields, cost, dtype, budget)
    except HeaderError as e:
        raise r.error(str(e), line=e.line) from None
    except (ValueError, TypeError, ArithmeticError, IndexError, KeyError, MemoryError, SyntaxError,
            RecursionError) as e:
        raise r.error(f"the header (lines {fields[0][0]}-{fields[-1][0] + 2}) does not describe a valid network: "
                      f"{str(e)[:300]}", line=fields[0][0]) from e


def _read_block(r, name, array):
    """A parameter block: '<name> <shape>', then one line (a vector) or a line per leading index."""
    dims = [str(n) for n in array.shape]
    wanted = f"'{name} {' '.join(dims)}'"
    words = r.keyword(name, wanted)
    if words[1:] != dims:
        found = _shown("x".join(words[1:]))[1:-1]
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
