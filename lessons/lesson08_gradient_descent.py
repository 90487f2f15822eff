"""Gradient descent: one step, then mini-batches and the Trainer's early stopping.

A step moves every parameter against its gradient: W → W - (η/m) ∂C/∂W. For
small η the cost must drop. The Trainer repeats that on random batches and
decides when to stop by watching the cost on a fixed cost-estimation batch.
"""

import numpy as np

from tinynet import NeuralNetwork, Trainer
from tinynet.lessonkit import Lesson, pyplot


def data(n, seed):
    """Points in the unit square; the class is which side of the circle r = 0.4 around (0.5, 0.5)."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 2))
    return X, (np.linalg.norm(X - 0.5, axis=1) < 0.4).astype(int)


def main(argv=None):
    lesson = Lesson(8, "gradient descent and early stopping", argv)
    X, labels = data(400, 0)
    Y = np.eye(2)[labels]

    lesson.stage("One step of gradient descent")
    net = NeuralNetwork([2, 8, 2], ["tanh", "softmax"], "cross_entropy", seed=0)
    m = len(X)
    before = net.cost_of(X, Y) / m
    Trainer().step(net, X, Y, learning_step=0.5)  # backprop, then params -= (η/m) ∂C/∂params
    after = net.cost_of(X, Y) / m
    print(f"cost per sample before: {before:.5f}, after one step with η = 0.5: {after:.5f}")
    lesson.check("a small step against the gradient lowers the cost", after < before)

    lesson.stage("Mini-batches with improvement-based early stopping")
    print("Each batch: 10 random samples, batch_iterations steps on them; then the cost on the")
    print("cost-estimation batch (a fixed sample of the data) decides whether the batch improved things.")
    print("The cost of the batch just trained on always drops, so it cannot tell; the fixed sample can.")
    runs = {}
    for min_improvement in (0.0, 0.01):
        net = NeuralNetwork([2, 16, 2], ["tanh", "softmax"], "cross_entropy", seed=0)
        h = Trainer().train(net, (X, labels), 1.0, 5, 10, min_improvement_per_batch=min_improvement,
                            max_batches_without_improvement=30, cost_estimator_batch_size=200, seed=0,
                            progress=False)
        runs[min_improvement] = h
        acc = net.evaluate(*data(1000, 1))
        print(f"min_improvement_per_batch = {min_improvement}: {h.batches} batches, {h.stop_reason}, "
              f"final cost {h.costs[-1]:.4f}, test accuracy {acc:.1%}")
    lesson.check("the network learned the circle", runs[0.0].costs[-1] < runs[0.0].costs[0] / 2)
    print("\nmin_improvement_per_batch = 0.01 counts a batch as an improvement only if it lowers the best")
    print("cost by at least 1%: small gains no longer reset the countdown, so training stops sooner.")
    lesson.check("a stricter improvement threshold stops sooner", runs[0.01].batches < runs[0.0].batches)
    h = runs[0.0]
    best, misses, agree = h.costs[0], 0, True
    for cost, improved in zip(h.costs[1:], h.improved):
        agree &= improved == (cost < best)
        best, misses = (cost, 0) if cost < best else (best, misses + 1)
    lesson.check("'improved' means a new lowest cost (min_improvement_per_batch = 0)", agree)
    lesson.check("the run stopped after 30 batches in a row without improvement", misses == 30)

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for mi, h in runs.items():
        ax.plot(h.costs, label=f"min_improvement_per_batch = {mi}")
    ax.set(xlabel="batch", ylabel="cost per sample (estimation batch)", title="Cost curve", yscale="log")
    ax.legend()
    lesson.figure(fig, "cost_curve")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
