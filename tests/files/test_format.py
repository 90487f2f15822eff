"""The plain-text model format (tinynet.files.format, safe reading and writing in tinynet.files.safe)."""

import io
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc

import numpy as np
import pytest

import tinynet
import tinynet.files.format as textformat
from tinynet import ConvNet, NeuralNetwork, load_from_file, serialize_neural_network
from tinynet.files.kinds import header_lines
from tinynet.stable.schemes import ARCHITECTURES


def random_network(dtype=np.float64):
    net = NeuralNetwork([4, 3, 2], ["relu", "softmax"], "cross_entropy", seed=5, dtype=dtype)
    net.params[...] = np.random.default_rng(1).normal(size=net.params.size) * 10.0 ** np.arange(-8, 9, 17 / 23)
    return net


def saved_text(net):
    buf = io.StringIO()
    serialize_neural_network(net, buf)
    return buf.getvalue()


def small_cnn():
    return ConvNet(
        ["conv2d 2 3 relu", "maxpool2d 2", "flatten", "dense 3 softmax"],
        input_shape=(1, 8, 8),
        cost="cross_entropy",
        seed=0,
    )


def fails(text, pattern, name="bad.txt"):
    """Load ``text`` from the file ``name`` and check it is a ValueError matching ``name, pattern``."""
    path = os.path.join(os.getcwd(), name)
    with open(path, "w", newline="") as f:
        f.write(text)
    with pytest.raises(ValueError, match=f"{re.escape(name)}, {pattern}"):
        load_from_file(path)


# --- round trips and the layout ------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_is_bit_exact(tmp_path, dtype):
    net = random_network(dtype)
    path = tmp_path / "model.txt"
    tinynet.save(net, path)
    back = tinynet.load(path)
    assert back.params.dtype == dtype
    assert back.params.tobytes() == net.params.tobytes()
    assert back.sizes == net.sizes and back.activation_names == ["relu", "softmax"]
    assert back.cost.name == "cross_entropy"


def test_file_objects_and_the_readable_layout():
    net = NeuralNetwork([2, 3, 1], seed=0)
    text = saved_text(net)
    lines = text.splitlines()
    assert lines[:5] == [
        "tinynet-model 2",
        "sizes 2 3 1",
        "activations sigmoid sigmoid",
        "cost quadratic",
        "dtype float64",
    ]
    assert lines[5] == "W1 3 2" and len(lines[6].split()) == 2 and lines[9] == "b1 3"
    assert text.endswith("\nb2 1\n0.0\nend\n")  # the explicit last line, and a final newline
    back = load_from_file(io.StringIO(text))
    assert np.array_equal(back.params, net.params)


def test_version_1_files_still_load():
    """Files written before the 'end' line: version 1, no end line, a final newline."""
    net = random_network()
    v1 = saved_text(net).replace("tinynet-model 2\n", "tinynet-model 1\n").replace("\nend\n", "\n")
    back = load_from_file(io.StringIO(v1))
    assert back.params.tobytes() == net.params.tobytes()


def test_a_new_kind_needs_its_lines_and_reader_in_kinds_and_no_change_to_the_format(tmp_path, monkeypatch):
    """The kinds are known in tinynet.files.kinds alone: ``header_lines`` writes a kind's header lines,
    ``KINDS`` maps their first word to its reader. Saving, loading, the budget and the blocks are the format's."""
    from tinynet.activations import get_activation
    from tinynet.arrays import check_dtype
    from tinynet.base import Network
    from tinynet.costs import get_cost
    from tinynet.files import kinds
    from tinynet.files.header import check_budget, header_int

    class Scale(Network):
        """y = d ⊙ x: one parameter block."""

        def __init__(self, n, dtype="float64"):
            self.n, self.inputs, self.outputs, self.dtype = n, n, n, check_dtype(dtype)
            self.cost, self.activations = get_cost("quadratic"), (get_activation("identity"),)
            self.bind(np.zeros(n, self.dtype))

        def param_shapes(self):
            return [("d", (self.n,))]

    def read_scale(fields, cost, dtype, budget):
        line, words = fields[0]
        n = header_int(words[1], "n", line)
        check_budget(n, budget, line)
        return Scale(n, dtype)

    with pytest.raises(ValueError, match="network: expected a tinynet network"):
        tinynet.save(Scale(3), tmp_path / "unknown.txt")  # a kind tinynet.files.kinds does not know
    assert not (tmp_path / "unknown.txt").exists()
    known = kinds.header_lines
    monkeypatch.setattr(
        textformat, "header_lines", lambda n: [f"scale-test {n.n}"] if isinstance(n, Scale) else known(n)
    )
    monkeypatch.setitem(kinds.KINDS, "scale-test", read_scale)
    net = Scale(3)
    net.params[...] = [0.5, -2.0, 1e-300]
    tinynet.save(net, tmp_path / "scale.txt")
    assert (tmp_path / "scale.txt").read_text().splitlines()[1] == "scale-test 3"
    back = load_from_file(tmp_path / "scale.txt")
    assert type(back) is Scale and back.params.tobytes() == net.params.tobytes()
    fails(
        (tmp_path / "scale.txt").read_text().replace("scale-test 3", "scale-test 30000"),
        "line 2: the header describes 30,000 parameters, but the file holds at most",
    )


def test_textformat_knows_no_network_kind():
    source = open(textformat.__file__).read()
    assert "from tinynet.files.kinds import" in source  # the kinds are known there
    assert not re.search(r"from tinynet\.(network|conv|stable)\b|\b(NeuralNetwork|ConvNet|StableNet)\b", source)


def original_format(net):
    lines = [str(len(net.sizes))] + [str(n) for n in net.sizes]
    for W, b in zip(net.weights, net.biases):
        lines.append("[" + ", ".join(repr(v) for v in W.ravel().tolist()) + "]")
        lines.append("[" + ", ".join(repr(v) for v in b.tolist()) + "]")
    return "\n".join(lines) + "\n"


def test_reads_the_original_format(tmp_path):
    net = NeuralNetwork([3, 4, 2], seed=2)
    net.biases[0][...] = [0.5, -1.5, 2e-3, 7]
    path = tmp_path / "original.txt"
    path.write_text(original_format(net))
    back = load_from_file(str(path))
    assert back.sizes == [3, 4, 2] and back.activation_names == ["sigmoid", "sigmoid"]
    assert np.array_equal(back.params, net.params)
    x = np.random.default_rng(0).random((5, 3))
    np.testing.assert_array_equal(back.feedforward(x), net.feedforward(x))
    with open(path) as f:  # an open file, as the original API took
        assert np.array_equal(load_from_file(f).params, net.params)


# --- truncation ------------------------------------------------------------------------------------------


def test_a_file_cut_at_any_byte_never_loads():
    net = NeuralNetwork([2, 3, 1], seed=0)
    net.params[...] = np.random.default_rng(0).normal(size=net.params.size)
    text = saved_text(net)
    assert text.endswith("\nend\n") and len(text.splitlines()[-2]) > 6
    for cut in range(len(text)):
        with pytest.raises(ValueError):
            load_from_file(io.StringIO(text[:cut]))
    # the example of the issue: without its last 6 bytes the last bias used to read as a shorter number
    with pytest.raises(ValueError, match=r"line \d+: the file ends early: truncated\?"):
        load_from_file(io.StringIO(text[:-6]))
    with pytest.raises(ValueError, match="the file ends early: truncated"):
        load_from_file(io.StringIO(text[:-1]))  # 'end' without its newline


def test_a_version_1_file_cut_at_any_byte_never_loads():
    """A version 1 file tinynet wrote ends with a newline; a cut inside a line loses it, a cut at a line loses rows."""
    net = NeuralNetwork([2, 3, 1], seed=0)
    net.params[...] = np.random.default_rng(0).normal(size=net.params.size)
    v1 = saved_text(net).replace("tinynet-model 2", "tinynet-model 1")
    v1 = v1.replace("\nend\n", "\n")
    assert load_from_file(io.StringIO(v1)).sizes == [2, 3, 1]
    for cut in range(len(v1)):
        with pytest.raises(ValueError):
            load_from_file(io.StringIO(v1[:cut]))
    with pytest.raises(ValueError, match="its last line has no newline"):
        load_from_file(io.StringIO(v1[:-6]))


STABLE_HEADER = (
    "tinynet-model 2\nstablenet resnet inputs=2 classes=2 width=2 layers=1 h=0.5 activation=tanh "
    "gamma=0.0 alpha_f=0.0 alpha_c=0.0 opening=0\ncost cross_entropy\ndtype float64\n"
)


GOOD = (
    "tinynet-model 2\nsizes 2 1\nactivations sigmoid\ncost quadratic\ndtype float64\n"
    "W1 1 2\n0.5 -0.25\nb1 1\n0.125\nend\n"
)


@pytest.mark.parametrize(
    "text,words",
    [
        ("", "line 1: the file is empty"),
        (GOOD.replace("\nb1 1\n0.125\n", "\n"), "line 8: expected 'b1 1', found 'end'"),
        (GOOD.replace("\nb1 1\n0.125\nend\n", "\n"), "line 8: the file ends early: truncated\\? expected 'b1 1'"),
        (GOOD.replace("end\n", ""), "line 10: the file ends early: truncated\\? expected 'end'"),
        (GOOD.replace("end\n", "END\n"), "line 10: expected 'end' after the last block, found 'END'"),
        (GOOD + "end\n", "line 11: unexpected text after the last block"),
        (GOOD.replace("0.5 -0.25", "0.5"), "line 7: expected 2 numbers \\(row 1 of W1\\), found 1"),
        (GOOD.replace("0.5 -0.25", "0.5 abc"), "line 7: expected 2 numbers \\(row 1 of W1\\), found 'abc'"),
        (GOOD.replace("0.5 -0.25", "0.5 -0_25"), "line 7: expected 2 numbers \\(row 1 of W1\\), found '-0_25'"),
        (GOOD.replace("0.125", "nan"), "line 9: b1 must be finite numbers, found 'nan'"),
        (GOOD.replace("0.125", "1e999"), "line 9: b1 must be finite numbers, found '1e999'"),
        (GOOD.replace("float64", "float32").replace("0.125", "1e39"), "line 9: .*'1e39' \\(too large for float32\\)"),
        (GOOD.replace("W1 1 2", "W1 2 2"), "line 6: W1 must be 1x2 for these layers, found 2x2"),
        (GOOD.replace("sigmoid", "swish"), "line 3: activations: expected one of .*found 'swish'"),
        (GOOD.replace("sizes 2 1", "sizes 2 x"), "line 2: sizes: expected an integer"),
        (GOOD.replace("sizes 2 1", "layers 2 1"), "line 2: expected the network kind \\(.*sizes.*\\), found 'layers'"),
        (GOOD.replace("quadratic", "hinge"), "line 4: cost: expected one of quadratic, cross_entropy, found 'hinge'"),
        (GOOD.replace("float64", "float16"), "line 5: dtype: expected one of float64, float32, found 'float16'"),
        (GOOD.replace("float64", "object"), "line 5: dtype: expected one of float64, float32"),
        (GOOD.replace("float64", "9" * 5000), "line 5: dtype: expected one of float64, float32, found '9999"),
        (GOOD.replace("cost quadratic\n", ""), "line 4: expected 'cost <name>' after the header lines, found 'dtype"),
        (GOOD.replace("tinynet-model 2", "tinynet-model 3"), "line 1: expected 'tinynet-model 2'.*newer tinynet"),
        (GOOD.replace("tinynet-model 2", "tinynet-model 1"), "line 10: unexpected text after the last block: 'end'"),
        (GOOD.replace("0.125", "0.125\x00"), "line 9: not a text model file \\(character 0x00"),
        (GOOD.replace("0.125", "0.125\u00e9"), "line 9: not a text model file \\(character 0xc3"),
        ("3\n2\n2\n", "line 4: the file ends early: truncated\\? expected the size of layer 2"),
        ("2\n2\n1\n[0.5, 0.25]\n", "line 5: the file ends early: truncated\\? expected the 1 biases of layer 1"),
        ("2\n2\n1\n[0.5]\n[0.1]\n", "line 4: expected 2 numbers \\(weights of layer 1\\), found 1"),
        ("2\n2\n1\n0.5, 0.25\n[0.1]\n", "line 4: expected the 2 weights of layer 1"),
        ("2\n2\n1\n[__import__('os').getcwd(), 1]\n[0.1]\n", "line 4: expected 2 numbers"),
        ("2\n2\n1\n[0.5, inf]\n[0.1]\n", "line 4: weights of layer 1 must be finite numbers"),
        ("2\n2\n1\n[0.5, 0.25]\n[0.1]\njunk\n", "line 6: unexpected text after the last block: 'junk'"),
        ("two\n", "line 1: the number of layers: expected an integer"),
        ("2\n" + "9" * 160 + "\n1\n[1]\n[1]\n", "line 2: the size of layer 0: expected an integer from 1 to 1000000"),
        ("2\n2000\n1000\n[1]\n[1]\n", "line 2: the header describes 2,001,000 parameters, but the file holds at most"),
        # the stable networks' one header line
        (STABLE_HEADER.replace("resnet", "euler"), "line 2: expected one of resnet"),
        (STABLE_HEADER.replace(" h=0.5", ""), "line 2: missing h"),
        (STABLE_HEADER.replace("h=0.5", "h=nan"), "line 2: h: expected a number"),
        (STABLE_HEADER.replace("layers=1", "layers=one"), "line 2: layers: expected an integer"),
        (STABLE_HEADER.replace("layers=1", "layers=1000"), "line 2: the header describes [\\d,]+ parameters"),
        (STABLE_HEADER.replace("opening=0", "opening=0 depth=3"), "line 2: unexpected or repeated argument 'depth=3'"),
        (STABLE_HEADER.replace("cross_entropy", "quadratic"), "line [23]: a stable network's cost is cross_entropy"),
        (
            STABLE_HEADER + "K 1 2 2\n1 2 3 4\n",
            "line 2: the header describes 12 parameters, but the file holds at most 9",
        ),
        (
            STABLE_HEADER + "K 1 2 2\n1 2 3 4" + " " * 8 + "\n",
            "line 7: the file ends early: truncated\\? expected 'b 1 2'",
        ),
    ],
)
def test_bad_files_name_the_file_and_line(text, words):
    fails(text, words)


def test_expected_sizes_are_checked(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text(GOOD)
    assert load_from_file(path, sizes=[2, 1]).sizes == [2, 1]
    with pytest.raises(ValueError, match=r"m.txt: the model has layer sizes \[2, 1\], expected \[784, 20, 10\]"):
        load_from_file(path, sizes=[784, 20, 10])


def test_binary_file_is_a_value_error(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"\x80\x04\x95pickle")
    with pytest.raises(ValueError, match="model.bin, line 1: not a text model file"):
        load_from_file(path)


def test_a_byte_order_mark_is_skipped(tmp_path):
    net = random_network()
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + saved_text(net).encode())
    assert load_from_file(path).params.tobytes() == net.params.tobytes()
    with open(path, encoding="utf-8") as f:  # a text file object hands it over as U+FEFF
        assert load_from_file(f).params.tobytes() == net.params.tobytes()
    path.write_bytes(b"\xef\xbb\xbf" + original_format(net := NeuralNetwork([2, 2], seed=0)).encode())
    assert load_from_file(path).params.tobytes() == net.params.tobytes()


def test_windows_line_ends_load(tmp_path):
    net = random_network()
    path = tmp_path / "crlf.txt"
    path.write_bytes(saved_text(net).replace("\n", "\r\n").encode())
    assert load_from_file(path).params.tobytes() == net.params.tobytes()


# --- bounded work: what a load allocates is bounded by what the file holds ---------------------------------


def load_measured(text):
    """(the ValueError's message or None, seconds, tracemalloc peak in bytes) of loading ``text``."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        load_from_file(io.StringIO(text))
        message = None
    except ValueError as e:
        message = str(e)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return message, seconds, peak


@pytest.mark.parametrize(
    "old,new,words",
    [
        ("sizes 2 3 1", "sizes 2 30000000 1", "sizes: expected an integer from 1 to 1000000, found 30000000"),
        ("sizes 2 3 1", "sizes 784 999999999 10", "sizes: expected an integer from 1 to 1000000"),
        ("sizes 2 3 1", "sizes 2 1000 1000 1", "the header describes 1,005,001 parameters, but the file holds at most"),
        ("sizes 2 3 1", "sizes 2 3 7", "the header describes 37 parameters, but the file holds at most"),
    ],
)
def test_a_header_larger_than_its_file_fails_at_once(old, new, words):
    text = saved_text(NeuralNetwork([2, 3, 1], seed=0)).replace(old, new)
    message, seconds, peak = load_measured(text)
    assert message is not None and re.search(f"line 2: {words}", message), message
    assert seconds < 0.5 and peak < 1_000_000


@pytest.mark.parametrize(
    "old,new,words",
    [
        ("convnet 1 8 8", "convnet 1 8000 8000", "line 2: height: expected an integer"),
        ("convnet 1 8 8", "convnet 1 4000 4000", "line 2: the header describes [\\d,]+ parameters, but the file holds"),
        ("layer dense 3 softmax", "layer dense 9999 softmax", "the header describes [\\d,]+ parameters"),
        ("layer maxpool2d 2", "layer maxpool2d 0", "line 4: .*expected an integer from 1"),
        ("layer conv2d 2 3 relu", "layer conv2d 2 9 relu", "line 3: .*kernel does not fit"),
    ],
)
def test_a_convnet_header_is_checked_before_anything_is_built(old, new, words):
    text = saved_text(small_cnn())
    assert old in text
    message, seconds, peak = load_measured(text.replace(old, new))
    assert message is not None and re.search(words, message), message
    assert seconds < 0.5 and peak < 1_000_000


def test_the_original_format_is_bounded_too():
    text = "3\n2\n" + "9" * 160 + "\n1\n[1, 2]\n[1]\n[1]\n[1]\n"
    message, seconds, peak = load_measured(text)
    assert message and "line 3: the size of layer 1" in message
    message, seconds, peak = load_measured("3\n784\n100000\n10\n[1]\n[1]\n[1]\n[1]\n")
    assert message and "the header describes 79,500,010 parameters" in message and peak < 1_000_000


def test_the_size_limit(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text(GOOD)
    with pytest.raises(ValueError, match=r"m.txt: 1\d\d bytes, more than the 100 a model file may have"):
        load_from_file(path, max_bytes=100)
    with pytest.raises(ValueError, match="more than 100 bytes"):
        load_from_file(io.StringIO(GOOD), max_bytes=100)
    assert load_from_file(path, max_bytes=len(GOOD)).sizes == [2, 1]


def test_what_is_not_a_regular_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match=f"{re.escape(str(tmp_path))}: is a folder"):
        load_from_file(tmp_path)
    if os.path.exists("/dev/zero"):
        with pytest.raises(ValueError, match="/dev/zero: not a regular file"):
            load_from_file("/dev/zero")
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        outcome = []

        def load():
            try:
                load_from_file(fifo)
            except ValueError as e:
                outcome.append(str(e))

        thread = threading.Thread(target=load, daemon=True)
        thread.start()
        thread.join(10)
        if thread.is_alive():  # a hanging load: open the pipe for writing to set it free, then fail
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            pytest.fail("loading a FIFO waited for a writer")
        assert outcome and "fifo: not a regular file" in outcome[0]
    with pytest.raises(FileNotFoundError):
        load_from_file(tmp_path / "missing.txt")


# --- saving -----------------------------------------------------------------------------------------------


def test_failed_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.txt"
    old = NeuralNetwork([2, 2], seed=0)
    tinynet.save(old, path)
    before = path.read_bytes()

    def crash(network, file):
        file.write("tinynet-model 2\nsizes 2")
        raise OSError("disk full")

    monkeypatch.setattr(textformat, "serialize_neural_network", crash)
    with pytest.raises(OSError, match="disk full"):
        tinynet.save(NeuralNetwork([2, 2], seed=1), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.txt"]  # no temporary file left behind


def test_saving_refuses_nan_and_infinity(tmp_path):
    path = tmp_path / "model.txt"
    net = NeuralNetwork([2, 3, 1], seed=0)
    tinynet.save(net, path)
    before = path.read_bytes()
    bad = net.copy()
    bad.biases[0][1] = np.inf
    bad.weights[1][0, 0] = np.nan
    with pytest.raises(ValueError, match="parameter block b1 holds NaN or infinite values"):
        tinynet.save(bad, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.txt"]
    buf = io.StringIO()
    with pytest.raises(ValueError, match="b1"):
        serialize_neural_network(bad, buf)
    assert buf.getvalue() == ""


def test_overwriting_keeps_the_permissions(tmp_path):
    path = tmp_path / "model.txt"
    net = NeuralNetwork([2, 2], seed=0)
    for mode in (0o644, 0o640, 0o600):
        tinynet.save(net, path)
        os.chmod(path, mode)
        tinynet.save(net, path)
        assert stat.S_IMODE(os.stat(path).st_mode) == mode


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_a_new_file_gets_the_permissions_of_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        tinynet.save(NeuralNetwork([2, 2], seed=0), tmp_path / "new.txt")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o666 & ~umask


def test_a_symlink_is_written_through(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "links").mkdir()
    target = tmp_path / "models" / "real.txt"
    link = tmp_path / "links" / "current.txt"
    tinynet.save(NeuralNetwork([2, 2], seed=0), target)
    link.symlink_to(os.path.join("..", "models", "real.txt"))
    net = NeuralNetwork([2, 2], seed=7)
    tinynet.save(net, link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "models", "real.txt")
    assert load_from_file(target).params.tobytes() == net.params.tobytes()
    assert os.listdir(tmp_path / "models") == ["real.txt"] and os.listdir(tmp_path / "links") == ["current.txt"]


def test_saving_onto_a_folder_or_a_device_is_refused(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        tinynet.save(NeuralNetwork([2, 2], seed=0), tmp_path)
    if os.path.exists("/dev/null"):
        with pytest.raises(ValueError, match="/dev/null is not a regular file"):
            tinynet.save(NeuralNetwork([2, 2], seed=0), "/dev/null")


def dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.skipif(os.name != "posix", reason="stale temporary files are recognised on POSIX only")
def test_a_later_save_removes_the_temporary_files_of_dead_saves(tmp_path):
    stale = tmp_path / f".model.txt.tinynet-tmp-{dead_pid()}-0a1b2c3d"
    live = tmp_path / f".other.txt.tinynet-tmp-{os.getppid()}-0a1b2c3d"
    mine = tmp_path / ".notes.txt.tmp-123"
    for path in (stale, live, mine):
        path.write_text("tinynet-model 2\nsizes")
    tinynet.save(NeuralNetwork([2, 2], seed=0), tmp_path / "model.txt")
    assert sorted(os.listdir(tmp_path)) == sorted(["model.txt", live.name, mine.name])


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_save_killed_midway_leaves_the_old_file_and_a_temporary_file_the_next_save_removes(tmp_path):
    path = tmp_path / "model.txt"
    old = NeuralNetwork([2, 2], seed=0)
    tinynet.save(old, path)
    before = path.read_bytes()
    script = textwrap.dedent(f"""
        import time
        import tinynet
        import tinynet.files.format as tf
        from tinynet import NeuralNetwork

        def slow(network, file):
            file.write("tinynet-model 2\\nsizes 2")
            file.flush()
            time.sleep(60)

        tf.serialize_neural_network = slow
        tinynet.save(NeuralNetwork([2, 2], seed=1), {str(path)!r})
    """)
    child = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 30
        while not [n for n in os.listdir(tmp_path) if ".tinynet-tmp-" in n] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    temporary = [n for n in os.listdir(tmp_path) if n != "model.txt"]
    assert temporary == [f".model.txt.tinynet-tmp-{child.pid}-{temporary[0].rsplit('-', 1)[1]}"]
    assert path.read_bytes() == before
    tinynet.save(NeuralNetwork([2, 2], seed=2), tmp_path / "another.txt")
    assert sorted(os.listdir(tmp_path)) == ["another.txt", "model.txt"]


# --- the stable networks' header ----------------------------------------------------------------------------


@pytest.mark.parametrize("opening", [False, True])
@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_stable_networks_round_trip(tmp_path, kind, opening):
    net = ARCHITECTURES[kind](
        3, 2, width=4, layers=3, h=0.3, gamma=0.1, alpha_f=0.01, alpha_c=1e-3, opening=opening, seed=1
    )
    net.params[...] = np.random.default_rng(2).normal(size=net.params.size)
    tinynet.save(net, tmp_path / "stable.txt")
    assert (tmp_path / "stable.txt").read_text().splitlines()[1] == header_lines(net)[0]  # one header line
    back = tinynet.load(tmp_path / "stable.txt")
    assert type(back) is type(net) and back.spec() == net.spec()
    assert back.params.tobytes() == net.params.tobytes()
    x = np.random.default_rng(3).normal(size=(5, 3))
    np.testing.assert_array_equal(back.predict(x), net.predict(x))
