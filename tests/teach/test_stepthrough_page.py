"""``tinynet stepthrough``: a learner's own model, step by step, in one page that opens from disk.

Here, without a browser: the page's data is every number of a fresh ``trace`` of the model read back
from its file, every number says where it comes from, the page names nothing outside itself, and each
mistake is one clear line. The page in a real browser: tests/docs/test_own_stepthrough.py.
"""

import json
import re

import numpy as np
import pytest
from conftest import write_split
from stepthrough_checks import check_code_lines, check_fresh, check_why

import tinynet
from tinynet.cli import main as tinynet_cli
from tinynet.files.datasets import embedded_sample
from tinynet.teach.stepthrough import page as page_module


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """A folder holding MNIST splits of real digits (the embedded sample): 600 to train on, 100 to test."""
    folder = tmp_path_factory.mktemp("mnist")
    X, labels, _ = embedded_sample("train")
    write_split(folder, "train", X[:600].reshape(-1, 28, 28), labels[:600])
    write_split(folder, "test", X[-100:].reshape(-1, 28, 28), labels[-100:])
    return folder, X[-100:] / 255.0, labels[-100:]


def page_data(path):
    """The data a written page holds (the JSON in its first inline script)."""
    text = path.read_text(encoding="utf-8")
    payload = re.search(r"<script>window\.TINYNET_STEPTHROUGH = (.*?);</script>", text, re.S).group(1)
    return json.loads(payload.replace("<\\/", "</"))["own.json"]


def stepthrough(capsys, *args):
    code = tinynet_cli(["stepthrough", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_digits_model_step_by_step(capsys, tmp_path, digits):
    folder, X_test, labels = digits
    assert tinynet_cli(["digits", "train", "--data", str(folder), "--max-batches", "30", "--print-every", "30"]) == 0
    capsys.readouterr()
    code, out, err = stepthrough(capsys, "digits_recognizer_setup.txt", "--data", folder, "--sample", 7)
    assert code == 0, err
    page = tmp_path / "digits_recognizer_setup-stepthrough.html"
    assert f"wrote {page.name}: 12 steps of the network [784, 20, 10] on MNIST test digit 7 (a {labels[7]})" in out
    data = page_data(page)
    net = tinynet.load(tmp_path / "digits_recognizer_setup.txt")
    y = np.eye(10)[labels[7]]
    assert check_fresh(net, X_test[7], y, data) > 2 * 20 * 784
    assert check_why(data) > 784 + 2 * 20 * 784
    check_code_lines(data)
    # the digit is drawn as its 28x28 image, the 20 hidden units as a strip with their largest values labelled
    maps = {m["id"]: m for m in data["scene"]["maps"]}
    assert (maps["image_0"]["rows"], maps["image_0"]["cols"]) == (28, 28)
    assert maps["strip1_0"]["rows"] == 20
    z1 = next(p for s in data["steps"] if s["id"] == "z1" for p in s["parts"])
    assert z1["labels"] == list(np.argsort(-np.abs(net.trace(X_test[7], y)[1].z[0]), kind="stable")[:5])
    # weight matrices as heat maps
    assert (maps["w1_0"]["rows"], maps["w1_0"]["cols"]) == (20, 784)


def test_the_page_holds_everything_it_needs(capsys, tmp_path):
    net = tinynet.NeuralNetwork([3, 4, 2], seed=0)
    tinynet.save(net, tmp_path / "small.txt")
    (tmp_path / "x.txt").write_text("# an input\n0.5, -1\n2\n", encoding="utf-8")
    code, out, err = stepthrough(capsys, "small.txt", "--input", "x.txt", "--label", 1, "-o", "mine.html")
    assert code == 0, err
    text = (tmp_path / "mine.html").read_text(encoding="utf-8")
    # nothing fetched: no src=, no href= (the script, the style, the data and the equations are in the page)
    assert not re.search(r"(?<![-\w])(src|href)\s*=", text.split("<script>window.TINYNET_STEPTHROUGH")[0])
    assert "<script src" not in text and "<link" not in text and "@import" not in text
    data = page_data(tmp_path / "mine.html")
    assert all(st["mathml"].startswith("<math") for st in data["steps"])
    assert check_fresh(net, np.array([0.5, -1, 2]), np.array([0.0, 1.0]), data) > 12
    check_why(data)


def test_without_a_label_the_target_is_the_models_own_answer(capsys, tmp_path):
    net = tinynet.NeuralNetwork([2, 3, 3], seed=1)
    tinynet.save(net, tmp_path / "m.txt")
    (tmp_path / "x.txt").write_text("1 2", encoding="utf-8")
    code, out, err = stepthrough(capsys, "m.txt", "--input", "x.txt")
    assert code == 0, err
    answer = int(np.argmax(net.feedforward(np.array([[1.0, 2.0]]))[0]))
    assert f"target the model's own answer {answer}" in out
    data = page_data(tmp_path / "m-stepthrough.html")
    assert data["steps"][0]["parts"][1]["values"] == list(np.eye(3)[answer])


def test_a_convnet_and_a_stable_network_from_their_files(capsys, tmp_path, digits):
    folder, X_test, labels = digits
    conv = tinynet.ConvNet(["conv2d 2 3 relu", "maxpool2d 2", "flatten", "dense 10 softmax"], input_shape=(1, 28, 28))
    tinynet.save(conv, tmp_path / "conv.txt")
    code, out, err = stepthrough(capsys, "conv.txt", "--data", folder, "--sample", 3)
    assert code == 0, err
    data = page_data(tmp_path / "conv-stepthrough.html")
    assert check_fresh(tinynet.load(tmp_path / "conv.txt"), X_test[3], np.eye(10)[labels[3]], data) > 784
    check_why(data)
    check_code_lines(data)

    stable = tinynet.ResNet(2, 3, width=4, layers=3, h=0.2, seed=0)
    tinynet.save(stable, tmp_path / "stable.txt")
    (tmp_path / "x.txt").write_text("0.3 -0.7", encoding="utf-8")
    code, out, err = stepthrough(capsys, "stable.txt", "--input", "x.txt", "--label", 2)
    assert code == 0, err
    data = page_data(tmp_path / "stable-stepthrough.html")
    assert check_fresh(tinynet.load(tmp_path / "stable.txt"), np.array([0.3, -0.7]), np.eye(3)[2], data) > 30
    check_why(data)
    check_code_lines(data)


@pytest.mark.parametrize(
    "make, args, message",
    [
        (
            lambda d: (d / "hello.txt").write_text("hello\n"),
            ["hello.txt"],
            "MODEL: hello.txt is not a tinynet model file",
        ),
        (lambda d: None, ["missing.txt"], "MODEL: missing.txt does not exist"),
        (lambda d: (d / "dir").mkdir(), ["dir"], "MODEL: dir is a folder"),
        (None, ["m.txt", "--sample", "100"], "--sample 100: out of range; the MNIST test split here has 100 digits"),
        (None, ["m.txt", "--sample", "-1"], "--sample -1: out of range"),
        (None, ["m.txt", "--input", "three.txt"], "--input three.txt: 3 numbers, but the model takes 784 inputs"),
        (None, ["m.txt", "--input", "bad.txt"], "--input bad.txt, line 2: 'x' is not a number"),
        (None, ["m.txt", "--input", "nan.txt"], "--input nan.txt, line 1: 'nan' is not a finite number"),
        (None, ["m.txt", "--input", "nothing.txt"], "--input: nothing.txt is not a file"),
        (None, ["m.txt", "--label", "3"], "--label: goes with --input"),
        (None, ["m.txt", "-o", "dir2"], "-o: dir2 is a folder"),
        (None, ["small.txt"], "the model takes 2 inputs, not a 28x28 digit: give --input FILE with 2 numbers"),
        (None, ["small.txt", "--input", "two.txt", "--label", "5"], "--label 5: out of range; the model has 2 classes"),
    ],
)
def test_mistakes_are_one_clear_line(capsys, tmp_path, digits, make, args, message):
    tinynet.save(tinynet.NeuralNetwork([784, 5, 10], seed=0), tmp_path / "m.txt")
    tinynet.save(tinynet.NeuralNetwork([2, 2], seed=0), tmp_path / "small.txt")
    (tmp_path / "three.txt").write_text("1 2 3")
    (tmp_path / "two.txt").write_text("1 2")
    (tmp_path / "bad.txt").write_text("1 2\n3 x\n")
    (tmp_path / "nan.txt").write_text("nan\n")
    (tmp_path / "dir2").mkdir()
    if make:
        make(tmp_path)
    code, out, err = stepthrough(capsys, *args, "--data", digits[0])
    assert code == 2
    assert err.startswith("tinynet: ") and err.count("\n") == 1, err
    assert message in err, err
    assert not list(tmp_path.glob("*.html"))


def test_a_failed_write_leaves_the_page_there_as_it_was(capsys, tmp_path, monkeypatch):
    tinynet.save(tinynet.NeuralNetwork([2, 2], seed=0), tmp_path / "m.txt")
    (tmp_path / "x.txt").write_text("1 2")
    assert stepthrough(capsys, "m.txt", "--input", "x.txt")[0] == 0
    before = (tmp_path / "m-stepthrough.html").read_bytes()

    def broken(*args):
        raise OSError("disk full")

    tinynet.save(tinynet.NeuralNetwork([2, 2], seed=5), tmp_path / "m.txt")
    monkeypatch.setattr(page_module.os, "replace", broken)
    code, out, err = stepthrough(capsys, "m.txt", "--input", "x.txt")
    assert code == 2 and "disk full" in err
    assert (tmp_path / "m-stepthrough.html").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m-stepthrough.html", "m.txt", "x.txt"]
