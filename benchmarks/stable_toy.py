"""Validation accuracy of the four stable architectures on the toy data sets.

    python benchmarks/stable_toy.py [--seeds 3]

1,200 points of each set (``tinynet.toydata``), a fifth held back for validation;
each architecture trained with the plain Trainer (batches of 50, 5 steps a batch,
cost estimated on the whole training split, the learning step decaying
exponentially from η to η/20 over 3,000 batches, stop after 300 batches without
improvement or at 3,000 batches) with the settings below, found by a small
search: width n, layers N, step h, learning step η. (With a constant η the
result depends more on where early stopping catches the noisy end of the run.) Each seed starts from other initial
weights and picks other batches (the data stays the same); the table gives
each seed's validation accuracy and their median. The targets: 98% on the
ellipses, 95% on the swiss roll.
"""

import argparse
import time

import numpy as np

from tinynet import ExponentialDecay, Trainer
from tinynet.datasets import train_validation_split
from tinynet.stable import ARCHITECTURES
from tinynet.toydata import ellipses, swiss_roll

# (width, layers, h, learning_step) per data set and architecture
SETTINGS = {
    "ellipses": {"resnet": (4, 8, 0.5, 0.2), "antisymmetric": (4, 16, 0.5, 0.2),
                 "hamiltonian": (4, 16, 1.0, 0.2), "leapfrog": (8, 16, 0.8, 0.05)},
    "swiss roll": {"resnet": (4, 16, 0.5, 0.1), "antisymmetric": (4, 16, 0.5, 0.2),
                   "hamiltonian": (4, 32, 0.5, 0.1), "leapfrog": (8, 32, 0.5, 0.05)},
}
DATA = {"ellipses": ellipses, "swiss roll": swiss_roll}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    seeds = range(args.seeds)
    print(f"{'data':<12}{'architecture':<15}{'n':>3}{'N':>4}{'h':>5}{'eta':>6}{'s/run':>7}"
          + "".join(f"{'seed ' + str(s):>9}" for s in seeds) + f"{'median':>9}")
    for name, make in DATA.items():
        X, labels = make(1200, seed=0)
        (Xt, yt), (Xv, yv) = train_validation_split(X, labels, 0.2, seed=0)
        for kind, (width, layers, h, eta) in SETTINGS[name].items():
            accuracies, start = [], time.perf_counter()
            for seed in seeds:
                net = ARCHITECTURES[kind](2, 2, width=width, layers=layers, h=h, gamma=0.01, seed=seed)
                Trainer().train(net, (Xt, yt), ExponentialDecay(eta, eta / 20, 3000), 5, 50, 0.0, 300, None,
                                seed=seed, max_batches=3000, progress=False)
                accuracies.append(net.evaluate(Xv, yv))
            seconds = (time.perf_counter() - start) / len(seeds)
            print(f"{name:<12}{kind:<15}{width:>3}{layers:>4}{h:>5}{eta:>6}{seconds:>7.1f}"
                  + "".join(f"{a:>9.2%}" for a in accuracies) + f"{np.median(accuracies):>9.2%}", flush=True)


if __name__ == "__main__":
    main()
