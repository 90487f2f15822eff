"""A convolutional digits recognizer: 8 filters of 5x5, 2x2 max-pooling, a softmax classifier.

``train`` fits it to the MNIST training split and saves it to ``cnn_digits.txt``
(the same text format, with the layers in its header); ``test`` measures a
saved model on the MNIST test split, as ``tinynet digits test`` does.
``--workers N`` trains with the shared-memory pool, ``--gpu`` on a GPU: the
same algorithm, the same weights.

Run it as ``tinynet cnn train`` / ``tinynet cnn test``.
"""

import argparse
import sys

from tinynet import Conv2D, Dense, Flatten, MaxPool2D, Trainer, serialize_neural_network
from tinynet.cli import file_to_write, run
from tinynet.conv.fast import FastConvNet
from tinynet.examples import digits_recognizer
from tinynet.files.datasets import load_mnist

MODEL = "cnn_digits.txt"
SETTINGS = dict(
    learning_step=0.2,
    batch_iterations=2,
    batch_size=50,
    min_improvement_per_batch=0.0,
    max_batches_without_improvement=100,
    cost_estimator_batch_size=1000,
)


def cnn(seed=0, filters=8, kernel_size=5, dtype="float64"):
    """Conv2D(filters, kernel_size, relu) -> MaxPool2D(2) -> Flatten -> Dense(10, softmax), on 28x28 digits.

    A FastConvNet: the ConvNet with the fused passes of tinynet.conv.fast (the same numbers, faster).
    """
    return FastConvNet(
        [Conv2D(filters, kernel_size, "relu"), MaxPool2D(2), Flatten(), Dense(10, "softmax")],
        input_shape=(1, 28, 28),
        cost="cross_entropy",
        seed=seed,
        dtype=dtype,
    )


def fit(X, labels, seed=0, max_batches=3000, trainer=None, **overrides):
    """Train ``cnn(seed)`` on (X, labels) with SETTINGS; return ``(network, history)``."""
    settings = dict(SETTINGS, **overrides)
    net = cnn(seed)
    history = (trainer or Trainer()).train(
        net,
        (X, labels),
        settings["learning_step"],
        settings["batch_iterations"],
        settings["batch_size"],
        settings["min_improvement_per_batch"],
        settings["max_batches_without_improvement"],
        min(settings["cost_estimator_batch_size"], len(X)),
        seed=seed,
        max_batches=max_batches,
        progress=False,
    )
    return net, history


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tinynet cnn", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train the CNN and save it")
    p.add_argument("--model", default=MODEL)
    p.add_argument("--data", default=None, help="folder (or CSV file) with MNIST; see tinynet.files.datasets")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-batches", type=int, default=3000)
    p.add_argument("--workers", type=int, default=0, help="train with a pool of this many processes")
    p.add_argument("--gpu", action="store_true", help="train on the GPU (CuPy)")
    p = sub.add_parser("test", help="measure a saved model on the MNIST test split")
    p.add_argument("--model", default=MODEL)
    p.add_argument("--data", default=None)
    args = parser.parse_args(argv)
    if args.command == "test":
        return digits_recognizer.main(["test", "--model", args.model] + (["--data", args.data] if args.data else []))
    file_to_write(args.model, "--model")
    if args.gpu:
        from tinynet.parallel.gpu import GPUTrainer

        trainer = GPUTrainer()
    elif args.workers:
        from tinynet.parallel.pool import PoolTrainer

        trainer = PoolTrainer(args.workers)
    else:
        trainer = Trainer()
    data = load_mnist("train", path=args.data)
    print(f"Training data: {data.source}")
    net, history = fit(*data, seed=args.seed, max_batches=args.max_batches, trainer=trainer)
    serialize_neural_network(net, args.model)
    print(f"{net!r}: {history.batches} batches ({history.stop_reason}) in {history.wall_time:.1f} s")
    print(f"Network saved to {args.model}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, sys.argv[1:]))
