"""The small CNN's MNIST accuracy, as the README reports it.

    TINYNET_DATA=../shared/datasets/mnist python benchmarks/cnn_mnist.py [--gpu]

Trains Conv2D(8, 5, relu) -> MaxPool2D(2) -> Dense(10, softmax) (``tinynet cnn train``'s
settings) on the MNIST training split ``load_mnist`` finds (here the 5,000 embedded
digits) for several seeds, and tests each on the test split (the official 10,000).
With ``--gpu`` each seed is trained a second time with GPUTrainer, from the same
initial weights, and the two trained networks are compared.
"""

import argparse
import statistics

import numpy as np

from tinynet.examples.cnn_digits import SETTINGS, fit
from tinynet.files.datasets import load_mnist


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data", default=None)
    parser.add_argument("--gpu", action="store_true", help="also train each seed on the GPU and compare")
    args = parser.parse_args()
    gpu = None
    if args.gpu:
        from tinynet.parallel.gpu import GPUTrainer

        gpu = GPUTrainer()  # says what is missing before the long CPU runs start
    train, test = load_mnist("train", path=args.data), load_mnist("test", path=args.data)
    print(f"training data: {train.source}\ntest data: {test.source}\nsettings: {SETTINGS}\n")
    accuracies = []
    for seed in range(args.seeds):
        net, history = fit(*train, seed=seed)
        accuracies.append(net.evaluate(*test))
        print(
            f"seed {seed}: {history.batches} batches ({history.stop_reason}), {history.wall_time:.0f} s, "
            f"test accuracy {accuracies[-1]:.2%}",
            flush=True,
        )
        if gpu is not None:
            gnet, ghistory = fit(*train, seed=seed, trainer=gpu)
            diff = np.abs(gnet.params - net.params).max()
            print(
                f"  on the GPU: {ghistory.batches} batches, {ghistory.wall_time:.1f} s, "
                f"test accuracy {gnet.evaluate(*test):.2%}; largest weight difference from the CPU's {diff:.1e}",
                flush=True,
            )
    print(f"median test accuracy {statistics.median(accuracies):.2%}")


if __name__ == "__main__":
    main()
