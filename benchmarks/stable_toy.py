"""Validation accuracy of the four stable architectures on the toy data sets.

    python benchmarks/stable_toy.py

1,200 points of each set (``tinynet.toydata``), a fifth held back for validation;
each architecture trained with the plain Trainer (batches of 50, 5 steps a batch,
cost estimated on the whole training split, stop after 300 batches without
improvement or at 4,000 batches) with the settings below, found by a small search:
width n, layers N, step h, learning step. The issue's targets: 98% on the
ellipses, 95% on the swiss roll.
"""

import time

from tinynet import Trainer
from tinynet.datasets import train_validation_split
from tinynet.stable import ARCHITECTURES
from tinynet.toydata import ellipses, swiss_roll

# (width, layers, h, learning_step) per data set and architecture
SETTINGS = {
    "ellipses": {"resnet": (4, 8, 0.5, 0.2), "antisymmetric": (4, 16, 1.0, 0.2),
                 "hamiltonian": (4, 16, 1.0, 0.2), "leapfrog": (8, 16, 0.8, 0.05)},
    "swiss roll": {"resnet": (4, 16, 0.5, 0.1), "antisymmetric": (4, 16, 0.5, 0.2),
                   "hamiltonian": (4, 32, 0.5, 0.1), "leapfrog": (8, 32, 0.5, 0.05)},
}
DATA = {"ellipses": ellipses, "swiss roll": swiss_roll}


def main():
    print(f"{'data':<12}{'architecture':<15}{'n':>3}{'N':>4}{'h':>5}{'eta':>6}{'batches':>9}{'s':>6}{'validation':>12}")
    for name, make in DATA.items():
        X, labels = make(1200, seed=0)
        (Xt, yt), (Xv, yv) = train_validation_split(X, labels, 0.2, seed=0)
        for kind, (width, layers, h, eta) in SETTINGS[name].items():
            net = ARCHITECTURES[kind](2, 2, width=width, layers=layers, h=h, gamma=0.01, seed=0)
            start = time.perf_counter()
            history = Trainer().train(net, (Xt, yt), eta, 5, 50, 0.0, 300, None, seed=0, max_batches=4000,
                                      progress=False)
            print(f"{name:<12}{kind:<15}{width:>3}{layers:>4}{h:>5}{eta:>6}{history.batches:>9}"
                  f"{time.perf_counter() - start:>6.1f}{net.evaluate(Xv, yv):>12.2%}", flush=True)


if __name__ == "__main__":
    main()
