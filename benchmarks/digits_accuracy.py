"""The digits recognizer's accuracy, as the README reports it.

    TINYNET_DATA=../shared/datasets/mnist python benchmarks/digits_accuracy.py

Trains [784, 20, 10] on the MNIST training split that ``load_mnist`` finds (here:
the 5,000 embedded digits, a tenth held back for validation) with the classic
settings (sigmoid + quadratic cost, learning_step 1, batch 50) and with
softmax + cross-entropy, for several seeds, and tests each on the MNIST test
split (the official 10,000 digits when they are at hand).
"""

import argparse
import statistics

from tinynet.examples.digits_recognizer import PRESETS, fit
from tinynet.files.datasets import load_mnist


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data", default=None)
    args = parser.parse_args()
    train, test = load_mnist("train", path=args.data), load_mnist("test", path=args.data)
    print(f"training data: {train.source}\ntest data: {test.source}\n")
    print(f"{'settings':<10}{'seed':>6}{'batches':>9}{'seconds':>9}{'validation':>12}{'test':>9}")
    for preset in PRESETS:
        accuracies = []
        for seed in range(args.seeds):
            net, history, (X_val, y_val) = fit(*train, preset=preset, seed=seed)
            accuracies.append(net.evaluate(*test))
            print(
                f"{preset:<10}{seed:>6}{history.batches:>9}{history.wall_time:>9.1f}"
                f"{net.evaluate(X_val, y_val):>12.2%}{accuracies[-1]:>9.2%}",
                flush=True,
            )
        print(f"{preset:<10}{'median':>6}{'':>30}{statistics.median(accuracies):>9.2%}\n")


if __name__ == "__main__":
    main()
