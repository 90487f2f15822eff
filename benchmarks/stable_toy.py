"""Validation accuracy of the four stable architectures on the toy data sets.

    python benchmarks/stable_toy.py [--seeds 3] [--plot stable_toy.png]

1,200 points of each set (``tinynet.stable.toydata``), a fifth held back for validation;
each architecture trained with the plain Trainer (batches of 50, 5 steps a batch,
cost estimated on the whole training split, the learning step decaying
exponentially from η to η/20 over 3,000 batches, stop after 300 batches without
improvement or at 3,000 batches) with the settings below, found by a small
search: width n, layers N, step h, learning step η. (With a constant η the
result depends more on where early stopping catches the noisy end of the run.) Each seed starts from other initial
weights and picks other batches (the data stays the same); the table gives
each seed's validation accuracy and their median. The targets: 98% on the
ellipses, 95% on the swiss roll. The plot shows each seed-0 network's decision
boundary over its validation points.
"""

import argparse
import time

import numpy as np

from tinynet import ExponentialDecay, Trainer
from tinynet.data import train_validation_split
from tinynet.stable.schemes import ARCHITECTURES
from tinynet.stable.toydata import ellipses, swiss_roll

# (width, layers, h, learning_step) per data set and architecture
SETTINGS = {
    "ellipses": {
        "resnet": (4, 8, 0.5, 0.2),
        "antisymmetric": (4, 16, 0.5, 0.2),
        "hamiltonian": (4, 16, 1.0, 0.2),
        "leapfrog": (8, 16, 0.8, 0.05),
    },
    "swiss roll": {
        "resnet": (4, 16, 0.5, 0.1),
        "antisymmetric": (4, 16, 0.5, 0.2),
        "hamiltonian": (4, 32, 0.5, 0.1),
        "leapfrog": (8, 32, 0.5, 0.05),
    },
}
DATA = {"ellipses": ellipses, "swiss roll": swiss_roll}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--plot", default="stable_toy.png")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(DATA), 4, figsize=(14, 3.2 * len(DATA)), squeeze=False)
    seeds = range(args.seeds)
    print(
        f"{'data':<12}{'architecture':<15}{'n':>3}{'N':>4}{'h':>5}{'eta':>6}{'s/run':>7}"
        + "".join(f"{'seed ' + str(s):>9}" for s in seeds)
        + f"{'median':>9}"
    )
    for row, (name, make) in zip(axes, DATA.items()):
        X, labels = make(1200, seed=0)
        (Xt, yt), (Xv, yv) = train_validation_split(X, labels, 0.2, seed=0)
        for ax, (kind, (width, layers, h, eta)) in zip(row, SETTINGS[name].items()):
            accuracies, start = [], time.perf_counter()
            for seed in seeds:
                net = ARCHITECTURES[kind](2, 2, width=width, layers=layers, h=h, gamma=0.01, seed=seed)
                Trainer().train(
                    net,
                    (Xt, yt),
                    learning_step=ExponentialDecay(eta, eta / 20, 3000),
                    batch_iterations=5,
                    batch_size=50,
                    max_batches_without_improvement=300,
                    seed=seed,
                    max_batches=3000,
                    progress=False,
                )
                accuracies.append(net.evaluate(Xv, yv))
                if seed == 0:
                    boundary(ax, net, Xv, yv, f"{name}, {kind}: {accuracies[0]:.2%}")
            seconds = (time.perf_counter() - start) / len(seeds)
            print(
                f"{name:<12}{kind:<15}{width:>3}{layers:>4}{h:>5}{eta:>6}{seconds:>7.1f}"
                + "".join(f"{a:>9.2%}" for a in accuracies)
                + f"{np.median(accuracies):>9.2%}",
                flush=True,
            )
    fig.tight_layout()
    fig.savefig(args.plot, dpi=80)
    print(f"(plot saved to {args.plot})")


def boundary(ax, net, X, labels, title):
    """The classes the network gives a grid over the data, and the points themselves."""
    lo, hi = X.min(axis=0) - 0.1, X.max(axis=0) + 0.1
    u, v = np.meshgrid(np.linspace(lo[0], hi[0], 160), np.linspace(lo[1], hi[1], 120))
    classes = net.predict(np.c_[u.ravel(), v.ravel()]).reshape(u.shape)
    ax.contourf(u, v, classes, cmap="coolwarm", alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=labels, cmap="coolwarm", s=5)
    ax.set_title(title, fontsize=9)


if __name__ == "__main__":
    main()
