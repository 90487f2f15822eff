"""The simple example end to end: team 1 if x > y.

A [2, 1] network is a single sigmoid neuron: it answers 1 where
σ(w_0 x + w_1 y + b) > 0.5, that is where w_0 x + w_1 y + b > 0, a straight
line. The rule x > y is the line x - y = 0, so one neuron can represent it
exactly. Training finds a line close to it, not on it (it stops once the cost
stops improving), so the few points between the two lines are misread: we
train it as ``tinynet simple-example`` does, read the line off its weights and
look at where its mistakes are.
"""

import numpy as np

from tinynet import NeuralNetwork, Trainer, TrainingDataSample
from tinynet.examples.simple_example import team
from tinynet.teach.lessonkit import Lesson, pyplot


def main(argv=None):
    lesson = Lesson(9, "the simple example (x > y)", argv)
    rng = np.random.default_rng(0)

    lesson.stage("Training data and training")
    samples = [TrainingDataSample(p, np.array([team(p)])) for p in rng.random((500, 2))]
    net = NeuralNetwork([2, 1], seed=0)
    h = Trainer().train(
        net,
        samples,
        learning_step=1,
        batch_iterations=10,
        batch_size=10,
        min_improvement_per_batch=0.00001,
        max_batches_without_improvement=15,
        seed=0,
        progress=False,
    )
    print(f"500 points, {h.batches} batches, {h.stop_reason}; cost per sample {h.costs[0]:.4f} -> {h.min_cost:.4f}")

    lesson.stage("What it learned")
    (w0, w1), b = net.weights[0][0], net.biases[0][0]
    print(f"W = [{w0:.3f}, {w1:.3f}], b = {b:.3f}")
    print(f"decision line: {w0:.3f} x + {w1:.3f} y + {b:.3f} = 0, i.e. y = {-w0 / w1:.3f} x + {-b / w1:.3f}")
    lesson.check(
        "the line is close to y = x (slope within 10% of 1, offset under 0.1)",
        abs(-w0 / w1 - 1) < 0.1 and abs(b / w1) < 0.1,
    )
    test = rng.random((2000, 2))
    rate = net.evaluate(test, [team(p) for p in test])
    print(f"success rate on 2,000 new points: {rate:.1%}")
    lesson.check("over 90% of new points are on the right team", rate > 0.9)
    wrong = test[net.predict(test) != np.array([team(p) for p in test])]
    gap = np.abs(wrong[:, 0] - wrong[:, 1]) / np.sqrt(2)  # each mistake's distance from y = x
    print(f"the {len(wrong)} misread points lie within {gap.max():.3f} of the line y = x: the rule can be")
    print("learned exactly, but training stopped with a line slightly off it")
    lesson.check("every misread point lies close to y = x (within 0.1)", gap.max() < 0.1)

    plt = pyplot()
    g = np.linspace(0, 1, 200)
    gx, gy = np.meshgrid(g, g)
    out = net.feedforward(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(5, 4.5))
    im = ax.contourf(gx, gy, out, levels=20, cmap="coolwarm", alpha=0.8)
    ax.contour(gx, gy, out, levels=[0.5], colors="k")
    ax.plot([0, 1], [0, 1], "w--", lw=1)
    pts = test[:200]
    ax.scatter(pts[:, 0], pts[:, 1], c=[team(p) for p in pts], cmap="coolwarm", edgecolors="k", s=14)
    fig.colorbar(im, label="network output a")
    ax.set(xlabel="x", ylabel="y", title="Output of [2, 1]; black: a = 0.5, white: y = x")
    lesson.figure(fig, "decision_boundary")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
