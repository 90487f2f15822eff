"""Synthetic gradients: the first layers update before the error comes back.

In backprop every layer waits: the forward pass must reach the cost and the
error travel back before any weight can change. Split the network into
stages and give each stage but the last a small model that predicts the
gradient at its output, ĝ = s A + y B + c. A stage then runs forward, takes
ĝ as its error, backpropagates it through its own layers and updates at once.
The true gradient arrives later from the next stage and becomes the target
the model learns from. Each stage can run in its own process.
"""

import time

import numpy as np

from tinynet import Trainer
from tinynet.data import train_validation_split
from tinynet.parallel.synthetic import Stage, SyntheticGradientTrainer
from tinynet.stable.schemes import ResNet
from tinynet.stable.toydata import ellipses
from tinynet.teach.lessonkit import Lesson, pyplot

SETTINGS = dict(inputs=2, classes=2, width=4, layers=16, h=0.5, gamma=0.01)  # (benchmarks/stable_toy.py)


def main(argv=None):
    lesson = Lesson(18, "synthetic gradients", argv)
    np.set_printoptions(precision=4, suppress=True)
    plt = pyplot()
    X, labels = ellipses(1200, seed=0)
    (Xt, yt), (Xv, yv) = train_validation_split(X, labels, 0.2, seed=0)
    x, y = Xt[:50], np.eye(2)[yt[:50]]

    lesson.stage("Two stages and one module")
    net = ResNet(**SETTINGS, seed=0)
    first, last = Stage(net, 0, 2, 0.3), Stage(net, 1, 2, 0.3)
    # layers counted from 1: layer j+1 makes Y_(j+1) from Y_j, so stage 0 hands on Y_8, the output of layer 8
    print(
        f"stage 0: layers {first.j0 + 1} to {first.j1}; stage 1: layers {last.j0 + 1} to {last.j1} and the classifier"
    )
    s = first.forward(0, x=x)
    print(f"s (the state between them) for the first 3 samples:\n{s[:3]}")
    print(f"the module's prediction at the start: {first.sg(s, y)[0]} (it starts at zero)")
    lesson.check("before it has learned, the module predicts no gradient", not first.sg(s, y).any())

    lesson.stage("The true gradient comes back; the module learns from it")
    last.forward(0, s=s)
    true = last.backward(None, y, eta_over_m=0.0)  # a step of size 0: look, do not update
    reference = net.copy()
    print(f"∂C/∂s from stage 1, first sample: {true[0]}")
    lesson.check(
        "it is the gradient of the whole network's cost at Y_8, the output of layer 8",
        np.allclose(true, _gradient_at(reference, x, y, 8), atol=1e-12),
    )
    cosines = []
    for step in range(200):
        first.sent[step] = s
        first.learn(step, true, y)
        cosines.append(_cosine(first.sg(s, y), true))
    print(
        f"after 1 step the prediction points {cosines[0]:.3f} along the true one (cosine); "
        f"after 200 steps {cosines[-1]:.3f}"
    )
    lesson.check("the prediction turns towards the true gradient", cosines[-1] > 0.9 and cosines[-1] > cosines[0])

    lesson.stage("Training: backprop against synthetic gradients")
    runs = {}
    for name, trainer in (("backprop", Trainer()), ("synthetic", SyntheticGradientTrainer(2, workers=0))):
        net = ResNet(**SETTINGS, seed=0)
        started = time.perf_counter()
        history = trainer.train(
            net,
            (Xt, yt),
            learning_step=0.1,
            batch_iterations=5,
            batch_size=50,
            max_batches_without_improvement=300,
            seed=0,
            max_batches=4000,
            progress=False,
        )
        runs[name] = (net, history)
        print(
            f"{name:<10} {history.batches:>5} batches  {time.perf_counter() - started:5.1f} s  "
            f"validation {net.evaluate(Xv, yv):.2%}"
        )
    net, history = runs["synthetic"]
    lesson.check("synthetic gradients reach 98% on the ellipses", net.evaluate(Xv, yv) >= 0.98)
    same = []
    for workers in (0, None):  # 100 batches in this process, then one process per stage
        net = ResNet(**SETTINGS, seed=0)
        started = time.perf_counter()
        SyntheticGradientTrainer(2, workers=workers).train(
            net,
            (Xt, yt),
            learning_step=0.1,
            batch_iterations=5,
            batch_size=50,
            max_batches_without_improvement=100,
            seed=0,
            max_batches=100,
            progress=False,
        )
        print(f"100 batches with workers={workers}: {time.perf_counter() - started:.2f} s")
        same.append(net.params)
    lesson.check(
        "one process per stage gives the one-process numbers", np.allclose(same[0], same[1], rtol=0, atol=1e-10)
    )

    fig, axes = plt.subplots(1, 2, figsize=(9, 3))
    for name in ("backprop", "synthetic"):
        axes[0].plot(runs[name][1].costs, label=name, lw=1)
    axes[0].set(xlabel="batch", ylabel="cost per sample", yscale="log", title="the network")
    axes[0].legend()
    axes[1].plot([loss[0] for loss in history.sg_losses], lw=1)
    axes[1].set(xlabel="batch", ylabel="½‖ĝ - g‖² per sample", yscale="log", title="the module")
    lesson.figure(fig, "losses")
    return lesson.done()


def _gradient_at(net, x, y, j):
    """∂C/∂Y_j, the error at the output of layer j, by ordinary backprop (no synthetic gradients)."""
    unused = np.zeros_like(net.params)  # (the weights' gradients: not needed here)
    zs, states = net.run_layers(0, net.N, net.start(net.lift(x)[1]))
    YN = states[-1][0]
    _, G_YN = net.classify_back(YN, net.classify(YN)[1], y, unused)
    return net.run_layers_back(j, net.N, zs[j:], states[j:], (G_YN,), unused)[1][0]


def _cosine(a, b):
    return float((a * b).sum() / np.linalg.norm(a) / np.linalg.norm(b))


if __name__ == "__main__":
    raise SystemExit(main())
