import io
import os

import numpy as np
import pytest

import tinynet.textformat as textformat
from tinynet import NeuralNetwork, load_from_file, serialize_neural_network


def random_network(dtype=np.float64):
    net = NeuralNetwork([4, 3, 2], ["relu", "softmax"], "cross_entropy", seed=5, dtype=dtype)
    net.params[...] = np.random.default_rng(1).normal(size=net.params.size) * 10.0 ** np.arange(-8, 9, 17 / 23)
    return net


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_is_bit_exact(tmp_path, dtype):
    net = random_network(dtype)
    path = tmp_path / "model.txt"
    net.save(path)
    back = NeuralNetwork.load(path)
    assert back.params.dtype == dtype
    assert back.params.tobytes() == net.params.tobytes()
    assert back.sizes == net.sizes and back.activation_names == ["relu", "softmax"]
    assert back.cost.name == "cross_entropy"


def test_file_objects_and_the_readable_layout():
    net = NeuralNetwork([2, 3, 1], seed=0)
    buf = io.StringIO()
    serialize_neural_network(net, buf)
    text = buf.getvalue().splitlines()
    assert text[:5] == ["tinynet-model 1", "sizes 2 3 1", "activations sigmoid sigmoid", "cost quadratic",
                        "dtype float64"]
    assert text[5] == "W1 3 2" and len(text[6].split()) == 2 and text[9] == "b1 3"
    back = load_from_file(io.StringIO(buf.getvalue()))
    assert np.array_equal(back.params, net.params)


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


def test_failed_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.txt"
    old = NeuralNetwork([2, 2], seed=0)
    old.save(path)
    before = path.read_bytes()

    def crash(network, file):
        file.write("tinynet-model 1\nsizes 2")
        raise OSError("disk full")

    monkeypatch.setattr(textformat, "serialize_neural_network", crash)
    with pytest.raises(OSError, match="disk full"):
        NeuralNetwork([2, 2], seed=1).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.txt"]  # no temporary file left behind


GOOD = "tinynet-model 1\nsizes 2 1\nactivations sigmoid\ncost quadratic\ndtype float64\nW1 1 2\n0.5 -0.25\nb1 1\n0.125\n"


@pytest.mark.parametrize("text,words", [
    ("", "line 1: the file is empty"),
    (GOOD.replace("\nb1 1\n0.125\n", "\n"), "line 8: the file ends early; expected 'b1 1'"),
    (GOOD.replace("0.5 -0.25", "0.5"), "line 7: expected 2 numbers \\(row 1 of W1\\), found 1"),
    (GOOD.replace("0.5 -0.25", "0.5 abc"), "line 7: expected 2 numbers \\(row 1 of W1\\)"),
    (GOOD.replace("0.125", "nan"), "line 9: b1 must be finite numbers, found NaN"),
    (GOOD.replace("W1 1 2", "W1 2 2"), "line 6: W1 must be 1x2 for sizes \\[2, 1\\], found 2x2"),
    (GOOD.replace("sigmoid", "swish"), "line 5: the header does not describe a valid network: .*swish"),
    (GOOD.replace("sizes 2 1", "sizes 2 x"), "line 2: expected positive integer layer sizes"),
    (GOOD + "junk\n", "line 10: unexpected text after the last layer"),
    ("3\n2\n2\n", "line 4: the file ends early; expected the size of layer 2"),
    ("2\n2\n1\n[0.5, 0.25]\n", "line 5: the file ends early; expected the 1 biases of layer 1"),
    ("2\n2\n1\n[0.5]\n[0.1]\n", "line 4: expected 2 numbers \\(weights of layer 1\\), found 1"),
    ("2\n2\n1\n0.5, 0.25\n[0.1]\n", "line 4: expected the 2 weights of layer 1"),
    ("2\n2\n1\n[__import__('os').getcwd(), 1]\n[0.1]\n", "line 4: expected 2 numbers"),
    ("2\n2\n1\n[0.5, inf]\n[0.1]\n", "line 4: weights of layer 1 must be finite numbers"),
    ("two\n", "line 1: expected the number of layers"),
])
def test_bad_files_name_the_file_and_line(tmp_path, text, words):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=f"bad.txt, {words}"):
        load_from_file(path)


def test_expected_sizes_are_checked(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text(GOOD)
    assert load_from_file(path, sizes=[2, 1]).sizes == [2, 1]
    with pytest.raises(ValueError, match=r"m.txt: the model has layer sizes \[2, 1\], expected \[784, 20, 10\]"):
        load_from_file(path, sizes=[784, 20, 10])


def test_binary_file_is_a_value_error(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"\x80\x04\x95pickle")
    with pytest.raises(ValueError, match="model.bin: not a text model file"):
        load_from_file(path)


@pytest.mark.parametrize("kind", ["resnet", "antisymmetric", "hamiltonian", "leapfrog"])
def test_stable_networks_round_trip(tmp_path, kind):
    from tinynet.stable import ARCHITECTURES

    net = ARCHITECTURES[kind](3, 2, width=4, layers=3, h=0.3, gamma=0.1, alpha_f=0.01, alpha_c=1e-3,
                              opening=kind == "hamiltonian", seed=1)
    net.params[...] = np.random.default_rng(2).normal(size=net.params.size)
    net.save(tmp_path / "stable.txt")
    back = NeuralNetwork.load(tmp_path / "stable.txt")
    assert type(back) is type(net) and back.spec() == net.spec()
    assert back.params.tobytes() == net.params.tobytes()
    x = np.random.default_rng(3).normal(size=(5, 3))
    np.testing.assert_array_equal(back.predict(x), net.predict(x))


STABLE_HEADER = ("tinynet-model 1\nstablenet resnet inputs=2 classes=2 width=2 layers=1 h=0.5 activation=tanh "
                 "gamma=0.0 alpha_f=0.0 alpha_c=0.0 opening=0\ncost cross_entropy\ndtype float64\n")


@pytest.mark.parametrize("text, words", [
    (STABLE_HEADER.replace("resnet", "euler"), "line 2: expected one of resnet"),
    (STABLE_HEADER.replace(" h=0.5", ""), "line 2: missing h"),
    (STABLE_HEADER.replace("h=0.5", "h=nan"), "line 2: h must be a finite number"),
    (STABLE_HEADER.replace("layers=1", "layers=one"), "line 2: layers: expected a int"),
    (STABLE_HEADER.replace("opening=0", "opening=0 depth=3"), "line 2: unexpected or repeated argument 'depth=3'"),
    (STABLE_HEADER.replace("cross_entropy", "quadratic"), "line 3: a stable network's cost is cross_entropy"),
    (STABLE_HEADER + "K 1 2 2\n1 2 3 4\n", "the file ends early; expected 'b 1 2'"),
])
def test_bad_stable_headers_name_the_line(tmp_path, text, words):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=words):
        load_from_file(path)
