"""Backprop, PVD and synthetic gradients on the same network, data and batches: cost against wall time.

    python benchmarks/parallel_methods.py [--data ellipses swiss mnist] [--plot parallel_methods.png]

For each data set every method trains the same network from the same initial
weights with the Trainer's loop (same batches, same early stopping, same
settings: those below):

- backprop: the plain Trainer, one process;
- PVD: 2 parameter blocks, in 2 processes and in 1;
- synthetic gradients: 2 stages, in 2 processes and in 1 (modules' learning step 0.3).

It prints batches, wall time and validation accuracy, and draws the cost of
the cost-estimation batch against wall time. The toy sets: 1,200 points, a
fifth held back for validation; a ResNet on the ellipses, an antisymmetric
network on the swiss roll. MNIST: a ResNet through an opening layer of 32
features, trained on the training split (the 5,000 embedded digits offline)
and tested on the test split.
"""

import argparse
import time

import numpy as np

from tinynet import Antisymmetric, ResNet, Trainer
from tinynet.data import train_validation_split
from tinynet.files.datasets import load_mnist
from tinynet.parallel.pvd import PVDTrainer
from tinynet.parallel.synthetic import SyntheticGradientTrainer
from tinynet.stable.toydata import ellipses, swiss_roll

METHODS = {
    "backprop": lambda: Trainer(),
    "PVD, 2 processes": lambda: PVDTrainer(2),
    "PVD, 1 process": lambda: PVDTrainer(2, workers=0),
    "synthetic gradients, 2 processes": lambda: SyntheticGradientTrainer(2, sg_learning_step=0.3),
    "synthetic gradients, 1 process": lambda: SyntheticGradientTrainer(2, workers=0, sg_learning_step=0.3),
}


def toy(make):
    X, labels = make(1200, seed=0)
    return train_validation_split(X, labels, 0.2, seed=0)


# data set: (data, network, its arguments, learning step, batch size, steps a batch, cost-estimation samples,
#            max batches)
SETUPS = {
    "ellipses": (
        lambda: toy(ellipses),
        ResNet,
        dict(inputs=2, classes=2, width=4, layers=16, h=0.5),
        0.1,
        50,
        5,
        None,
        4000,
    ),
    "swiss": (
        lambda: toy(swiss_roll),
        Antisymmetric,
        dict(inputs=2, classes=2, width=4, layers=16, h=0.5),
        0.2,
        50,
        5,
        None,
        4000,
    ),
    "mnist": (
        lambda: (load_mnist("train"), load_mnist("test")),
        ResNet,
        dict(inputs=784, classes=10, width=32, layers=4, h=0.5, opening=True),
        0.1,
        500,
        5,
        500,
        400,
    ),
}


def run(name, method):
    data, cls, kwargs, eta, batch, steps, estimate, max_batches = SETUPS[name]
    (Xt, yt), (Xv, yv) = data()
    net = cls(**kwargs, gamma=0.01, seed=0)
    times = [time.perf_counter()]

    def clock(network, history):
        times.append(time.perf_counter())

    history = METHODS[method]().train(
        net,
        (Xt, yt),
        learning_step=eta,
        batch_iterations=steps,
        batch_size=batch,
        max_batches_without_improvement=300,
        cost_estimator_batch_size=estimate,
        seed=0,
        max_batches=max_batches,
        callback=clock,
        progress=False,
    )
    return np.array(times) - times[0], history, net.evaluate(Xv, yv)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", default=list(SETUPS), choices=list(SETUPS))
    parser.add_argument("--plot", default="parallel_methods.png")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(args.data), figsize=(5 * len(args.data), 4), squeeze=False)
    print(f"{'data':<10}{'method':<34}{'batches':>8}{'seconds':>9}{'s/batch':>9}{'validation':>12}")
    for ax, name in zip(axes[0], args.data):
        for method in METHODS:
            times, history, accuracy = run(name, method)
            print(
                f"{name:<10}{method:<34}{history.batches:>8}{times[-1]:>9.1f}"
                f"{times[-1] / history.batches * 1e3:>7.2f}ms{accuracy:>12.2%}",
                flush=True,
            )
            ax.plot(times[: len(history.costs)], history.costs, label=method, lw=1)
        ax.set(title=name, xlabel="wall time (s)", ylabel="cost per sample", yscale="log")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.plot, dpi=90)
    print(f"(plot saved to {args.plot})")


if __name__ == "__main__":
    main()
