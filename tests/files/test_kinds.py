"""Each kind's model-file header (tinynet.files.kinds): written by header_lines, read back by its reader in KINDS.

Every value is checked against a closed list or a range, a mistake is a HeaderError naming its line, and a
network of more parameters than the file's numbers is refused before anything is allocated.
"""

import numpy as np
import pytest

from tinynet import ConvNet, Hamiltonian, NeuralNetwork
from tinynet.conv.fast import fast
from tinynet.files.header import HeaderError
from tinynet.files.kinds import KINDS, header_lines, read_conv, read_dense, read_stable
from tinynet.stable.schemes import ARCHITECTURES


def fields(*lines, first=2):
    """Header lines as the format hands them to a reader: [(line number, words), ...]."""
    return [(n, line.split()) for n, line in enumerate(lines, start=first)]


def small_cnn():
    return ConvNet(["conv2d 3 3 relu", "maxpool2d 2", "flatten", "dense 4 softmax"], input_shape=(1, 8, 8), seed=0)


NETWORKS = {
    "dense": lambda: NeuralNetwork([3, 4, 2], ["relu", "softmax"], "cross_entropy", seed=0),
    "conv": small_cnn,
    "fastconv": lambda: fast(small_cnn()),
    **{
        kind: lambda cls=cls: cls(3, 2, width=4, layers=3, h=0.3, gamma=0.1, alpha_f=0.01, alpha_c=1e-3, seed=1)
        for kind, cls in ARCHITECTURES.items()
    },
    "opening": lambda: Hamiltonian(3, 2, width=2, layers=2, opening=True, seed=0),
}


@pytest.mark.parametrize("kind", NETWORKS)
def test_the_reader_the_first_word_names_builds_the_network_the_lines_describe(kind):
    net = NETWORKS[kind]()
    lines = header_lines(net)
    read = KINDS[lines[0].split()[0]]
    back = read(fields(*lines), net.cost.name, "float32", budget=net.param_count)
    assert header_lines(back) == lines and back.dtype == np.float32 and back.param_count == net.param_count
    assert back.spec()[1] == {**net.spec()[1], "dtype": "float32"}
    with pytest.raises(HeaderError, match=f"the header describes {net.param_count:,} parameters") as e:
        read(fields(*lines), net.cost.name, "float64", budget=net.param_count - 1)  # refused before allocating
    assert e.value.line == 2


def test_header_lines_of_what_is_no_network():
    with pytest.raises(ValueError, match="network: expected a tinynet network"):
        header_lines(object())


# --- NeuralNetwork ---------------------------------------------------------------------------------


def test_a_dense_header_is_its_sizes_and_activations():
    net = NeuralNetwork([3, 4, 2], ["tanh", "sigmoid"], seed=0)
    assert header_lines(net) == ["sizes 3 4 2", "activations tanh sigmoid"]
    with pytest.raises(HeaderError, match="activations: expected 2 names, found 1") as e:
        read_dense(fields("sizes 3 4 2", "activations tanh"), "quadratic", "float64", 100)
    assert e.value.line == 3


# --- ConvNet -----------------------------------------------------------------------------------------


def test_a_convnet_header_builds_the_network_it_describes():
    net = small_cnn()
    back = read_conv(fields(*header_lines(net)), "cross_entropy", "float32", budget=10**6)
    assert type(back) is ConvNet and header_lines(back) == header_lines(net) and back.dtype == np.float32
    assert back.param_count == net.param_count == 3 * 9 + 3 + 4 * 27 + 4


@pytest.mark.parametrize(
    "lines,line,words",
    [
        (["convnet 1 8 8", "layer maxpool2d 0", "layer flatten", "layer dense 4 softmax"], 3, "size: .* found 0"),
        (["convnet 1 8 8", "layer maxpool2d -2", "layer flatten", "layer dense 4 softmax"], 3, "size: .* found -2"),
        (["convnet 1 8 8", "layer maxpool2d x", "layer flatten", "layer dense 4 softmax"], 3, "size: .* found 'x'"),
        (
            ["convnet 1 8 8", "layer maxpool2d 9", "layer flatten", "layer dense 4 softmax"],
            3,
            "a 9x9 pool does not fit",
        ),
        (
            ["convnet 1 8 8", "layer conv2d 3 9 relu", "layer flatten", "layer dense 4 softmax"],
            3,
            "kernel does not fit",
        ),
        (["convnet 1 8 8", "layer conv2d 0 3 relu", "layer flatten", "layer dense 4 softmax"], 3, "filters"),
        (["convnet 1 8 8", "layer conv2d 3 65 relu", "layer flatten", "layer dense 4 softmax"], 3, "kernel size"),
        (["convnet 1 8 8", "layer conv2d 3 3 swish", "layer flatten", "layer dense 4 softmax"], 3, "activation"),
        (["convnet 1 8 8", "layer pool 2", "layer flatten", "layer dense 4 softmax"], 3, "layer: expected one of"),
        (["convnet 1 8 8", "layer conv2d 3 3 relu 4", "layer flatten", "layer dense 4 softmax"], 3, "expected filters"),
        (["convnet 1 8 8", "layer dense 4 softmax"], 3, "put a Flatten"),
        (["convnet 1 8 8", "layer flatten", "layer conv2d 2 2", "layer dense 4 softmax"], 4, "before Flatten"),
        (["convnet 1 8 8", "layer flatten", "layer dense 10001 softmax"], 4, "units"),
        (["convnet 1 8 8", "layer flatten", "dense 4 softmax"], 4, "expected 'layer'"),
        (["convnet 1 8 8", "layer flatten", "layer dense 4 relu"], 4, "cross_entropy needs a softmax"),
        (["convnet 1 8 8", "layer conv2d 3 3 relu"], 3, "the last layer must give a vector"),
        (["convnet 0 8 8", "layer flatten", "layer dense 4 softmax"], 2, "channels"),
        (["convnet 65 8 8", "layer flatten", "layer dense 4 softmax"], 2, "channels"),
        (["convnet 1 8 4097", "layer flatten", "layer dense 4 softmax"], 2, "width"),
        (["convnet 1 8", "layer flatten", "layer dense 4 softmax"], 2, "convnet C H W"),
        (["convnet 1 8 8"], 2, "expected 'layer"),
        (["convnet 64 4096 4096", "layer flatten", "layer dense 10000 softmax"], 2, "parameters"),
    ],
)
def test_convnet_header_mistakes_are_header_errors_naming_the_line(lines, line, words):
    with pytest.raises(HeaderError, match=words) as e:
        read_conv(fields(*lines), "cross_entropy", "float64", budget=10**7)
    assert e.value.line == line


def test_an_unknown_cost_is_a_header_error():
    with pytest.raises(HeaderError, match="cost: expected one of"):
        read_conv(fields("convnet 1 4 4", "layer flatten", "layer dense 2 softmax"), "hinge", "float64", 100)


# --- the stable networks ------------------------------------------------------------------------------


def test_a_stable_header_is_one_line_and_reads_back():
    net = ARCHITECTURES["hamiltonian"](
        3, 2, width=4, layers=3, h=0.3, gamma=0.1, alpha_f=0.01, alpha_c=1e-3, opening=True, seed=1
    )
    line = (
        "stablenet hamiltonian inputs=3 classes=2 width=4 layers=3 h=0.3 activation=tanh "
        "gamma=0.1 alpha_f=0.01 alpha_c=0.001 opening=1"
    )
    assert header_lines(net) == [line]
    back = read_stable(fields(line), "cross_entropy", "float32", net.param_count)
    assert type(back) is type(net) and back.dtype == np.float32
    assert {**back.spec()[1], "dtype": "float64"} == net.spec()[1]


STABLE = (
    "stablenet resnet inputs=2 classes=2 width=2 layers=1 h=0.5 activation=tanh gamma=0.0 alpha_f=0.0 "
    "alpha_c=0.0 opening=0"
)


@pytest.mark.parametrize(
    "change, words",
    [
        (("inputs=2", "inputs=-1"), "inputs: expected an integer from 1"),
        (("resnet", "euler"), "expected one of resnet, antisymmetric, hamiltonian, leapfrog"),
        (("activation=tanh", "activation=tan"), "activation: expected one of sigmoid"),
        (("h=0.5", "h=0"), "h: expected a number > 0"),
        (("h=0.5", "h=nan"), "h: expected a number from 0"),
        (("layers=1", "layers=10001"), "layers: expected an integer from 1 to 10000"),
        (("gamma=0.0", "gamma=-1"), "gamma: expected a number from 0"),
        (("opening=0", "opening=2"), "opening: expected one of 0, 1"),
        ((" h=0.5", ""), "missing h"),
        (("opening=0", "opening=0 opening=1"), "unexpected or repeated argument 'opening=1'"),
        (("width=2", "width=1"), "width: expected at least the 2 inputs"),
    ],
)
def test_stable_header_values_are_checked(change, words):
    with pytest.raises(HeaderError, match=words) as info:
        read_stable(fields(STABLE.replace(*change)), "cross_entropy", "float64", 10**6)
    assert info.value.line == 2


def test_stable_header_cost_and_budget_are_checked():
    with pytest.raises(HeaderError, match="describes 1,003,002 parameters") as info:  # refused before allocating
        read_stable(fields(STABLE.replace("width=2", "width=1000")), "cross_entropy", "float64", 100)
    assert info.value.line == 2
    with pytest.raises(HeaderError, match="a stable network's cost is cross_entropy") as info:
        read_stable(fields(STABLE), "quadratic", "float64", 100)
    assert info.value.line == 3
