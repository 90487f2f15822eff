"""Reading the MNIST files: the official IDX files (gzipped or not) and the classic CSV, every value checked.

The IDX reader is a few lines of NumPy rather than python-mnist: it reads a
whole file into one array at once (python-mnist builds Python lists, one
per image), it takes any file name and folder, and it checks the header and
the length so that a damaged file is an error naming the file. It reads the
header first and then no more than the header declares (and declarations
that cannot be true are refused), so a damaged or hostile file, a gzip bomb
among them, costs little time and memory.
"""

import gzip
import math
import os
import struct
import zlib

import numpy as np

# An IDX file declaring more is damaged: the largest MNIST file holds 47 MB of pixels.
MAX_IDX_BYTES = 100_000_000
# Deflate expands data at most about 1032 times: a gzip file declaring more than this holds less.
GZIP_MAX_RATIO = 1100


def _open(path):
    """Open ``path`` for reading bytes, un-gzipping it if it is gzipped."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def read_idx(path, max_bytes=MAX_IDX_BYTES):
    """Read an IDX file of unsigned bytes (gzipped or not) into an array of its shape.

    The header: two zero bytes, the type code 0x08 (unsigned byte), the number
    of dimensions d, then d big-endian 32-bit sizes; then the data. The header
    is read first, and checked against the file before the data is: the data
    may not be empty, nor more than ``max_bytes``, nor more than a gzipped
    file of this size can hold; then exactly the declared bytes must follow.
    """
    try:
        with open(path, "rb") as raw:
            stored = os.fstat(raw.fileno()).st_size
            gzipped = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            f = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
            shape, header = _idx_header(path, f)
            size = math.prod(shape)
            _check_declared(path, shape, size, header, stored, gzipped, max_bytes)
            data = f.read(size + 1)  # one byte more than declared tells extra data from none
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{path}: cannot be read: {e}") from None
    if len(data) != size:
        found = "more" if len(data) > size else len(data)
        raise ValueError(f"{path}: expected {size} data bytes for shape {shape}, found {found}")
    return np.frombuffer(data, np.uint8).reshape(shape)


def _idx_header(path, f):
    """The shape an IDX header declares, and the header's length."""
    start = f.read(4)
    if len(start) < 4 or start[0:2] != b"\0\0" or start[2] != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes (bad header)")
    d = start[3]
    sizes = f.read(4 * d)
    if d < 1 or len(sizes) < 4 * d:
        raise ValueError(f"{path}: truncated IDX header (expected {d} dimensions)")
    return struct.unpack(f">{d}I", sizes), 4 + 4 * d


def _check_declared(path, shape, size, header, stored, gzipped, max_bytes):
    """Refuse a declared size that is empty or cannot be true, before reading any data."""
    if size == 0:
        raise ValueError(f"{path}: no data: its header declares shape {shape}")
    if size > max_bytes:
        raise ValueError(
            f"{path}: its header declares shape {shape}, {size:,} bytes, more than the "
            f"{max_bytes:,} an MNIST file can hold (a damaged file?)"
        )
    if gzipped and size + header > GZIP_MAX_RATIO * stored:
        raise ValueError(
            f"{path}: its header declares {size:,} bytes of data, more than a gzip file of "
            f"{stored:,} bytes can hold (a damaged file?)"
        )
    if not gzipped and stored - header != size:
        raise ValueError(f"{path}: expected {size} data bytes for shape {shape}, found {stored - header}")


def read_csv(path):
    """Read MNIST in the classic CSV layout: the label, then 784 pixels 0-255, a line per image.

    A first line that is not numbers (a header) is skipped.
    """
    try:
        with _open(path) as f:
            lines = f.read().decode("utf-8-sig").splitlines()  # -sig: a byte-order mark is not a header
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: cannot be read: {e}") from None
    start = 1 if lines and not lines[0].split(",")[0].strip().isdigit() else 0
    rows = []
    for n, line in enumerate(lines[start:], start=start + 1):
        if not line.strip():
            continue
        fields = line.split(",")
        if len(fields) != 785:
            raise ValueError(f"{path}, line {n}: expected 785 values (label, 784 pixels), found {len(fields)}")
        try:
            rows.append([int(v) for v in fields])
        except ValueError:
            raise ValueError(f"{path}, line {n}: expected integers (label 0-9, pixels 0-255)") from None
    if not rows:
        raise ValueError(f"{path}: no images")
    data = np.array(rows)
    labels, X = data[:, 0], data[:, 1:]
    for what, values, top in (("label", labels, 9), ("pixel", X, 255)):
        bad = (values < 0) | (values > top)
        if bad.any():
            row = int(np.argwhere(bad)[0][0])
            raise ValueError(f"{path}, line {start + row + 1}: {what} outside 0-{top}")
    return X.astype(np.uint8), labels.astype(np.int64)
