"""The simple example: which team is a point on? Team 1 if x > y, else team 0.

A network [2, 1] (two inputs, one sigmoid output) learns the rule from 500
random points with the early-stopping trainer, is saved in the text format,
and is then tried on 20 new random points.

Run it as ``tinynet simple-example`` or ``python -m tinynet.examples.simple_example``.
"""

import argparse
import sys

import numpy as np

from tinynet import NeuralNetwork, Trainer, TrainingDataSample, serialize_neural_network
from tinynet.cli import file_to_write, run


def team(p):
    """The rule to learn: 1 if x > y, else 0."""
    return 1 if p[0] > p[1] else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tinynet simple-example", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=None, help="seed for the data, the weights and the batches")
    parser.add_argument("--output", default="simple_example_config.txt", help="where to save the trained network")
    args = parser.parse_args(argv)
    file_to_write(args.output, "--output")

    rng = np.random.default_rng(args.seed)
    network = NeuralNetwork([2, 1], seed=args.seed)
    training_data = []
    for _ in range(500):
        p = rng.random(2)
        training_data.append(TrainingDataSample(p, np.array([team(p)])))

    print("Training [2, 1] on 500 random points...")
    history = Trainer().train(
        network,
        training_data,
        learning_step=1,
        batch_iterations=10,
        batch_size=10,
        min_improvement_per_batch=0.00001,
        max_batches_without_improvement=15,
        cost_estimator_batch_size=None,
        seed=args.seed,
    )
    print(
        f"{history.batches} batches in {history.wall_time:.2f} s ({history.stop_reason}); "
        f"cost per sample {history.costs[0]:.4f} -> {history.min_cost:.4f}"
    )

    serialize_neural_network(network, args.output)
    print(f"Network saved to {args.output}")

    print("\n    x      y    Result Expected Diff")
    good = 0
    for _ in range(20):
        p = rng.random(2)
        result = int(network.predict(p))
        expected = team(p)
        good += result == expected
        print(f"{p[0]:.3f}  {p[1]:.3f}  {result:>6} {expected:>8} {abs(result - expected):>4}")
    print(f"\nGood: {good} Bad: {20 - good} Success rate: {good / 20:.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, sys.argv[1:]))
