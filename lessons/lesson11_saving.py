"""Saving and loading: the text format, and the original neural-network-py format.

A model file is plain text: a header (sizes, activations, cost, dtype), then
each W^l a row per line and each b^l on one line. Numbers are written as the
shortest text that reads back as the same float, so a round trip is exact.
"""

import os
import tempfile

import numpy as np

from tinynet import NeuralNetwork, load, load_from_file, save
from tinynet.teach.lessonkit import Lesson, pyplot, small_network


def main(argv=None):
    lesson = Lesson(11, "saving and loading models", argv)
    home = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="tinynet-lesson11-") as folder:
        os.chdir(folder)  # the files below are named as a reader would name them: small.txt, original.txt
        try:
            return run(lesson)
        finally:
            os.chdir(home)


def run(lesson):

    lesson.stage("The text format")
    net = small_network(["tanh", "softmax"], "cross_entropy")
    path = "small.txt"
    save(net, path)
    with open(path) as f:
        print(f.read())
    back = load(path)
    lesson.check("the loaded network has the very same parameters", back.params.tobytes() == net.params.tobytes())
    lesson.check(
        "and the same activations and cost",
        back.activation_names == ["tanh", "softmax"] and back.cost.name == "cross_entropy",
    )

    lesson.stage("Exact for any float64")
    big = NeuralNetwork([30, 20, 10], seed=3)
    big.params[...] = np.random.default_rng(0).normal(size=big.params.size) / 3
    save(big, path)
    lesson.check("a round trip is bit-exact", load(path).params.tobytes() == big.params.tobytes())
    print(f"{big.params.size} numbers, {os.path.getsize(path):,} bytes of text")
    loaded = load(path)
    digits = [4, 6, 8, 10, 12, 14, 16]
    worst = [np.abs(np.array([float(f"{v:.{d}g}") for v in big.params]) - big.params).max() for d in digits]
    for d, e in zip(digits, worst):
        print(f"  written with {d:>2} significant digits: largest error {e:.1e}")
    exact = np.abs(loaded.params - big.params).max()
    print(f"  written with repr (tinynet): largest error {exact}")
    lesson.check("repr loses nothing", exact == 0.0)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.semilogy(digits, worst, "o-", label="fixed number of digits")
    ax.annotate(
        "repr, as tinynet writes: error 0",
        (16, worst[-1]),
        xytext=(8.5, worst[-1] * 1e-2),
        arrowprops=dict(arrowstyle="->"),
        fontsize=8,
    )
    ax.set(xlabel="significant digits written", ylabel="largest |loaded - saved|", title="Round trip through text")
    ax.legend(fontsize=8)
    lesson.figure(fig, "round_trip")

    lesson.stage("The original neural-network-py format")
    original = "original.txt"
    with open(original, "w") as f:
        f.write("3\n2\n3\n1\n")
        f.write("[0.5, -0.5, 1.0, 1.0, -1.0, 0.25]\n[0.0, 0.1, -0.1]\n")  # W^1 row-major (3x2), b^1
        f.write("[1.0, -2.0, 0.5]\n[0.3]\n")  # W^2 (1x3), b^2
    with open(original) as f:
        print(f.read())
    old = load_from_file(original)
    print(f"read as {old!r}")
    print(f"W^1 =\n{old.weights[0]}")
    lesson.check("the flattened weights fill W row by row", old.weights[0][1].tolist() == [1.0, 1.0])
    lesson.check(
        "every layer is sigmoid with the quadratic cost",
        old.activation_names == ["sigmoid", "sigmoid"] and old.cost.name == "quadratic",
    )

    lesson.stage("Damaged files are reported, never evaluated")
    with open(original, "a") as f:
        f.write("[__import__('os').system('echo hi')]\n")
    try:
        load_from_file(original)
        raised = ""
    except ValueError as e:
        raised = str(e)
    print(f"ValueError: {raised}")
    lesson.check("extra text is an error naming the file and line", "original.txt, line 9" in raised)
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
