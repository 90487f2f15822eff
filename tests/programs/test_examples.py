import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinynet import NeuralNetwork, load_from_file, save
from tinynet.cli import main as tinynet
from tinynet.examples import digits_recognizer


@pytest.mark.slow  # trains for real
def test_simple_example(capsys, tmp_path):
    assert tinynet(["simple-example", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line[:1].isdigit() and len(line.split()) == 5]
    assert len(rows) == 20
    for row in rows:
        x, y, result, expected, diff = row.split()
        assert int(expected) == (float(x) > float(y)) and int(diff) == abs(int(result) - int(expected))
    good = sum(row.split()[4] == "0" for row in rows)
    assert f"Good: {good} Bad: {20 - good} Success rate: {good / 20:.0%}" in out
    assert good >= 17
    net = load_from_file(tmp_path / "simple_example_config.txt")
    assert net.sizes == [2, 1]


@pytest.mark.slow  # trains for real
def test_digits_train_then_test(capsys, tmp_path):
    code = tinynet(["digits", "train", "--max-batches", "60", "--print-every", "20", "--preset", "softmax"])
    assert code == 0
    out = capsys.readouterr().out
    assert "batch    60: cost" in out and "Execution time" in out
    assert (tmp_path / "digits_training_report.png").read_bytes()[:4] == b"\x89PNG"
    net = load_from_file(tmp_path / "digits_recognizer_setup.txt", sizes=[784, 20, 10])
    assert net.activation_names == ["sigmoid", "softmax"]

    assert tinynet(["digits", "test"]) == 0
    out = capsys.readouterr().out
    rate = float(out.split("Success rate: ")[1].split("%")[0])
    assert rate > 70  # 60 batches of 50 digits already learn most of it
    assert "Confusion matrix" in out and len([l for l in out.splitlines() if l.startswith("  9: ")]) == 2


def test_digits_test_reads_the_original_format(capsys, tmp_path):
    net = NeuralNetwork([784, 20, 10], seed=0)
    lines = ["3", "784", "20", "10"]
    for W, b in zip(net.weights, net.biases):
        lines += ["[" + ", ".join(map(repr, W.ravel().tolist())) + "]", "[" + ", ".join(map(repr, b.tolist())) + "]"]
    (tmp_path / "original.txt").write_text("\n".join(lines) + "\n")
    assert tinynet(["digits", "test", "--model", "original.txt"]) == 0
    out = capsys.readouterr().out
    X, labels = digits_recognizer.load_mnist("test")
    assert f"Good: {int((net.predict(X) == labels).sum())} " in out


def test_digits_test_rejects_a_model_of_other_sizes(capsys, tmp_path):
    save(NeuralNetwork([2, 1]), tmp_path / "small.txt")
    assert tinynet(["digits", "test", "--model", "small.txt"]) == 2
    assert "small.txt: a digits model needs 784 inputs and 10 outputs" in capsys.readouterr().err


def test_confusion_matrix():
    M = digits_recognizer.confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 2, 1, 2]), k=3)
    assert M.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]


def test_unknown_command(capsys):
    assert tinynet(["fly"]) == 2
    assert "unknown command 'fly'" in capsys.readouterr().err


@pytest.mark.slow  # trains for real
def test_installed_command_and_module_run(tmp_path):
    command = str(Path(sys.executable).parent / "tinynet")  # installed beside this Python
    help_text = subprocess.run([command, "--help"], capture_output=True, text=True, check=True).stdout
    assert "simple-example" in help_text and "digits" in help_text
    run = subprocess.run(
        [sys.executable, "-m", "tinynet.examples.simple_example", "--seed", "3"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert "Success rate" in run.stdout and (tmp_path / "simple_example_config.txt").exists()


@pytest.mark.slow  # trains for real, in worker processes
def test_cnn_train_then_test(capsys, tmp_path):
    assert tinynet(["cnn", "train", "--max-batches", "3", "--workers", "2"]) == 0
    assert "Network saved to cnn_digits.txt" in capsys.readouterr().out
    net = load_from_file(tmp_path / "cnn_digits.txt")
    assert (net.inputs, net.outputs) == (784, 10)
    assert [layer.kind for layer in net.layers] == ["conv2d", "maxpool2d", "flatten", "dense"]
    assert tinynet(["cnn", "test"]) == 0
    assert "Confusion matrix" in capsys.readouterr().out


def test_cnn_train_on_the_gpu_says_what_is_missing(capsys, tmp_path):
    from tinynet.parallel.gpu import require_cupy

    try:
        require_cupy()
    except RuntimeError as e:
        assert tinynet(["cnn", "train", "--gpu", "--max-batches", "2"]) == 2
        assert capsys.readouterr().err == f"tinynet: {e}\n"
    else:
        assert tinynet(["cnn", "train", "--gpu", "--max-batches", "2"]) == 0
