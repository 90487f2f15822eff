"""The digits recognizer: a [784, 20, 10] network that reads handwritten MNIST digits.

``train`` fits it to the MNIST training split (a tenth held back for
validation) and saves it to ``digits_recognizer_setup.txt`` with a training
report figure; ``test`` reads a saved model (tinynet's text format or the
original neural-network-py one) and measures it on the MNIST test split.

Run it as ``tinynet digits train`` / ``tinynet digits test`` or
``python -m tinynet.examples.digits_recognizer train``.
"""

import argparse
import sys

import numpy as np

from tinynet import NeuralNetwork, Trainer, load_from_file, serialize_neural_network
from tinynet.cli import file_to_read, file_to_write, run
from tinynet.data import train_validation_split
from tinynet.files.datasets import load_mnist

MODEL = "digits_recognizer_setup.txt"
REPORT = "digits_training_report.png"

# The classic settings (sigmoid + quadratic cost), and softmax + cross-entropy.
PRESETS = {
    "classic": dict(activations="sigmoid", cost="quadratic", learning_step=1.0, batch_iterations=20),
    "softmax": dict(activations=["sigmoid", "softmax"], cost="cross_entropy", learning_step=0.1, batch_iterations=20),
}
# The cross-entropy cost can keep creeping down for tens of thousands of
# batches after the accuracy has stopped moving: a cap keeps a run short.
MAX_BATCHES = 6000


def fit(X, labels, preset="classic", seed=0, max_batches=MAX_BATCHES, print_every=None):
    """Train [784, 20, 10] with a preset on (X, labels), a tenth held back for validation.

    Returns ``(network, history, (X_val, labels_val))``.
    """
    settings = PRESETS[preset]
    (X_train, y_train), (X_val, y_val) = train_validation_split(X, labels, 0.1, seed=seed)
    network = NeuralNetwork([784, 20, 10], settings["activations"], settings["cost"], seed=seed)
    if print_every:
        print(
            f"Training {network} on {len(X_train):,} digits, validating on {len(X_val):,} "
            f"({preset} settings: learning_step {settings['learning_step']}, "
            f"batch_iterations {settings['batch_iterations']}, batch_size 50)"
        )

    def report(net, history):
        if print_every and history.batches % print_every == 0:
            print(
                f"  batch {history.batches:5d}: cost {history.costs[-1]:.4f}, "
                f"validation accuracy {history.validation_accuracies[-1]:.2%}",
                flush=True,
            )

    history = Trainer().train(
        network,
        (X_train, y_train),
        settings["learning_step"],
        settings["batch_iterations"],
        50,
        min_improvement_per_batch=0.000001,
        max_batches_without_improvement=100,
        cost_estimator_batch_size=None,
        seed=seed,
        max_batches=max_batches,
        validation_data=(X_val, y_val),
        validate_every=print_every or 10,
        callback=report,
        progress=False,  # the progress lines above take its place
    )
    return network, history, (X_val, y_val)


def train(args):
    file_to_write(args.model, "--model")
    file_to_write(args.report, "--report")
    data = load_mnist("train", path=args.data)
    print(f"Training data: {data.source}")
    network, history, (X_val, y_val) = fit(*data, args.preset, args.seed, args.max_batches, args.print_every)
    serialize_neural_network(network, args.model)
    print(f"Stopped after {history.batches} batches: {history.stop_reason}")
    print(f"Validation accuracy: {network.evaluate(X_val, y_val):.2%}")
    print(f"Network saved to {args.model}")
    save_report(history, args.report, f"{network!r}, {args.preset} settings")
    print(f"Training report saved to {args.report}")
    print(f"Execution time: {history.wall_time:.1f} s")
    return 0


def save_report(history, path, title):
    """A PNG with the cost curves (training estimate and validation) and the validation accuracy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(range(len(history.costs)), history.costs, label="cost-estimation batch")
    left.plot(history.validation_batches, history.validation_costs, label="validation")
    left.set(xlabel="batch", ylabel="cost per sample", title="Cost", yscale="log")
    left.legend()
    right.plot(history.validation_batches, np.array(history.validation_accuracies) * 100)
    right.set(xlabel="batch", ylabel="accuracy (%)", title="Validation accuracy")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def confusion_matrix(labels, predicted, k=10):
    """M[i, j]: how many samples of class i were predicted as class j."""
    M = np.zeros((k, k), np.int64)
    np.add.at(M, (labels, predicted), 1)
    return M


def test(args):
    hint = " (tinynet digits train makes one)" if args.model == MODEL else ""
    network = load_from_file(file_to_read(args.model, "--model", hint))
    if network.inputs != 784 or network.outputs != 10:
        raise ValueError(
            f"{args.model}: a digits model needs 784 inputs and 10 outputs, "
            f"this one has {network.inputs} and {network.outputs}"
        )
    data = load_mnist("test", path=args.data)
    print(f"Model: {args.model} {network!r}")
    print(f"Test data: {data.source}")
    X, labels = data
    predicted = network.predict(X)
    M = confusion_matrix(labels, predicted)
    good = int(np.trace(M))
    print(f"\nGood: {good} Bad: {len(labels) - good} Success rate: {good / len(labels):.2%}\n")
    print("Per-digit accuracy:")
    for digit in range(10):
        print(f"  {digit}: {M[digit, digit] / max(M[digit].sum(), 1):.2%} of {M[digit].sum()}")
    print("\nConfusion matrix (rows: true digit, columns: predicted digit):")
    print("     " + "".join(f"{j:>6}" for j in range(10)))
    for i in range(10):
        print(f"  {i}: " + "".join(f"{M[i, j]:>6}" for j in range(10)))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tinynet digits", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train [784, 20, 10] and save it")
    p.add_argument(
        "--preset",
        choices=PRESETS,
        default="classic",
        help="classic: sigmoid + quadratic cost (default); softmax: softmax + cross-entropy",
    )
    p.add_argument("--model", default=MODEL, help=f"where to save the network (default {MODEL})")
    p.add_argument("--report", default=REPORT, help=f"training report figure (default {REPORT})")
    p.add_argument("--data", default=None, help="folder (or CSV file) with MNIST; see tinynet.files.datasets")
    p.add_argument("--seed", type=int, default=0, help="seed for the split, the weights and the batches")
    p.add_argument(
        "--max-batches",
        type=int,
        default=MAX_BATCHES,
        help=f"stop after this many batches at the latest (default {MAX_BATCHES})",
    )
    p.add_argument("--print-every", type=int, default=100, help="print progress every N batches")
    p.set_defaults(run=train)
    p = sub.add_parser("test", help="measure a saved network on the MNIST test split")
    p.add_argument("--model", default=MODEL, help=f"the model file to test (default {MODEL})")
    p.add_argument("--data", default=None, help="folder (or CSV file) with MNIST; see tinynet.files.datasets")
    p.set_defaults(run=test)
    args = parser.parse_args(argv)
    return args.run(args)  # a mistake raises; tinynet.cli.run says it in one line


if __name__ == "__main__":
    raise SystemExit(run(main, sys.argv[1:]))
