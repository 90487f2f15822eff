"""A seeded fuzz test of the model loader: damaged files give a ValueError or a faithful load, nothing else.

For a small saved file of each network kind, thousands of mutants (bytes
flipped, lines deleted, duplicated or swapped, numbers replaced by huge,
negative, NaN or non-numbers, and the file cut at every byte) are loaded. Each
load must either raise a ValueError naming the file and a line, or give
exactly the numbers its text holds (the parameters written, where the mutant
left the numbers alone). A cut file must never load. Every load must stay
within a small, fixed amount of memory, whatever its header claims.
"""

import io
import re
import time
import tracemalloc

import numpy as np
import pytest

from tinynet import ConvNet, NeuralNetwork, ResNet, load_from_file, serialize_neural_network

MUTANTS_PER_KIND = 1500
PEAK_BYTES = 3_000_000  # tracemalloc peak allowed for one load of these files of under 2 kB
NUMBER = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
REPLACEMENTS = [
    b"1e999",
    b"-1e999",
    b"9" * 400,
    b"9" * 5000,
    b"1e308",
    b"4e38",
    b"1e-400",
    b"-1",
    b"-0",
    b"0",
    b"-7",
    b"2",
    b"3",
    b"100000",
    b"999999999",
    str(2**64).encode(),
    b"nan",
    b"NaN",
    b"-nan",
    b"inf",
    b"-inf",
    b"Infinity",
    b"abc",
    b"end",
    b"sizes",
    b"1_0",
    b"0x10",
    b"1e",
    b"--1",
    b"",
    b" ",
    b"1 2",
]
BYTES = b"0123456789.-+eE \n\tabcdxyz=_[],"


def neural():
    net = NeuralNetwork([2, 3, 1], seed=0)
    net.params[...] = np.random.default_rng(1).normal(size=net.params.size)
    return net


def neural32():
    net = NeuralNetwork([2, 3, 2], ["tanh", "softmax"], "cross_entropy", seed=0, dtype=np.float32)
    net.params[...] = np.random.default_rng(2).normal(size=net.params.size)
    return net


def conv():
    net = ConvNet(
        ["conv2d 2 3 relu", "maxpool2d 2", "flatten", "dense 3 softmax"],
        input_shape=(1, 8, 8),
        cost="cross_entropy",
        seed=0,
    )
    net.params[...] = np.random.default_rng(3).normal(size=net.params.size)
    return net


def stable():
    net = ResNet(2, 2, width=3, layers=2, h=0.5, seed=0)
    net.params[...] = np.random.default_rng(4).normal(size=net.params.size)
    return net


KINDS = {"neural": neural, "neural-float32": neural32, "conv": conv, "stable": stable}


def saved(net):
    buf = io.StringIO()
    serialize_neural_network(net, buf)
    return buf.getvalue().encode("ascii")


def mutate(data, rng):
    """One mutant of ``data`` (bytes): its kind and its bytes."""
    lines = data.split(b"\n")[:-1]  # the saved file ends with a newline
    kind = ["flip", "flip", "delete", "duplicate", "swap", "number", "number", "value", "double"][rng.integers(9)]
    if kind == "double":  # two mutations of any kind
        return kind, mutate(mutate(data, rng)[1], rng)[1]
    if len(lines) < 2:  # (a second mutation of a mutant of one line)
        return kind, data + b"\n" + data
    if kind == "flip":
        out = bytearray(data)
        i = rng.integers(len(out))
        while out[i] == (new := BYTES[rng.integers(len(BYTES))] if rng.random() < 0.8 else rng.integers(256)):
            pass
        out[i] = new
        return kind, bytes(out)
    if kind in ("delete", "duplicate", "swap"):
        i, j = rng.integers(len(lines), size=2)
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        else:
            lines[i], lines[j] = lines[j], lines[i]
        return kind, b"\n".join(lines) + b"\n"
    spans = [m.span() for m in NUMBER.finditer(data)]  # every number, in the header too (sizes, shapes, h=...)
    if kind == "value":  # a parameter becomes another finite number: the load must give the new one
        spans = [s for s in spans if s[0] > data.find(b"\ndtype ")]
        new = repr(float(rng.normal() * 10.0 ** rng.integers(-30, 30))).encode()
    else:
        new = REPLACEMENTS[rng.integers(len(REPLACEMENTS))]
    if not spans:  # (a second mutation of a mutant without numbers)
        return kind, data + new
    start, stop = spans[rng.integers(len(spans))]
    return kind, data[:start] + new + data[stop:]


def numbers_in(text):
    """The parameters a model file's text holds, read independently of the loader: every row after 'dtype'."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("dtype ")) + 1
    values = []
    for line in lines[start:]:
        words = line.split()
        try:
            values += [float(w) for w in words]
        except ValueError:  # a block's name and shape, or 'end'
            continue
    return values


def header_of(text):
    lines = text.split("\n")
    return lines[: next(i for i, line in enumerate(lines) if line.startswith("dtype ")) + 1]


def check_load(data, original):
    """Load ``data``: a ValueError naming the file and a line, or a faithful load. Returns (loaded, peak bytes)."""
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    try:
        net = load_from_file(io.BytesIO(data))
    except ValueError as e:
        peak = tracemalloc.get_traced_memory()[1] - before
        assert re.match(r"<model file>, line \d+: \S", str(e)), str(e)
        return False, peak
    peak = tracemalloc.get_traced_memory()[1] - before
    text = data.decode("ascii")  # what loads is printable ASCII
    expected = np.array(numbers_in(text), dtype=np.float64).astype(net.dtype)
    assert expected.tobytes() == net.params.tobytes(), text
    if header_of(text) == header_of(saved(original).decode()):
        assert type(net) is type(original) and net.spec() == original.spec()
    return True, peak


@pytest.mark.slow  # thousands of loads
@pytest.mark.parametrize("kind", list(KINDS))
def test_damaged_files_give_a_value_error_or_a_faithful_load(kind):
    rng = np.random.default_rng(list(KINDS).index(kind))
    original = KINDS[kind]()
    data = saved(original)
    start = time.perf_counter()
    tracemalloc.start()
    try:
        ok, peak = check_load(data, original)
        assert ok
        peaks, outcomes = [peak], {}
        for _ in range(MUTANTS_PER_KIND):
            mutation, mutant = mutate(data, rng)
            ok, peak = check_load(mutant, original)
            peaks.append(peak)
            outcomes.setdefault(mutation, [0, 0])[ok] += 1
        for cut in range(len(data)):  # a file cut at any byte never loads
            ok, peak = check_load(data[:cut], original)
            assert not ok, f"the file cut after {cut} of {len(data)} bytes loaded"
            peaks.append(peak)
    finally:
        tracemalloc.stop()
    assert max(peaks) < PEAK_BYTES, max(peaks)
    # the mutants reach both outcomes: refused, and (a parameter changed in place) loaded
    assert sum(refused for refused, _ in outcomes.values()) > MUTANTS_PER_KIND / 3
    assert outcomes["value"][1] > 0 and len(outcomes) == 7
    print(
        f"{kind}: {MUTANTS_PER_KIND} mutants + {len(data)} cuts in {time.perf_counter() - start:.1f} s, "
        f"(refused, loaded) by mutation {outcomes}, largest peak {max(peaks):,} bytes"
    )


def test_a_version_1_file_cut_at_any_byte_never_loads():
    """Files of version 1 have no end line; the final newline they were written with takes its place."""
    original = neural()
    v1 = saved(original).replace(b"tinynet-model 2\n", b"tinynet-model 1\n").replace(b"\nend\n", b"\n")
    tracemalloc.start()
    try:
        assert check_load(v1, original)[0]
        for cut in range(len(v1)):
            assert not check_load(v1[:cut], original)[0], f"the version 1 file cut after {cut} bytes loaded"
    finally:
        tracemalloc.stop()
