"""A ResNet as forward Euler: layers as time steps of an ODE.

A residual layer adds a small change to its input:  Y_(j+1) = Y_j + h σ(K_j Y_j + b_j).
Read h as a time step and this is the forward Euler method for the ODE
dY/dt = σ(K(t) Y + b(t)): N layers integrate it from t = 0 to t = N h. The
features of each sample move along a path (a trajectory) until the last
layer, where a softmax classifier separates them.
"""

import numpy as np

from tinynet import Trainer
from tinynet.data import train_validation_split
from tinynet.stable.schemes import ResNet
from tinynet.stable.toydata import ellipses
from tinynet.teach.lessonkit import Lesson, pyplot


def main(argv=None):
    lesson = Lesson(14, "a ResNet as forward Euler", argv)
    np.set_printoptions(precision=4, suppress=True)
    plt = pyplot()

    lesson.stage("One layer is one Euler step")
    net = ResNet(2, 2, width=2, layers=3, h=0.5, seed=0)
    net.b[...] = [[0.1, -0.2], [0.0, 0.3], [0.2, 0.1]]
    Y0 = np.array([[1.0, 0.5]])
    states = net.trajectory(Y0)
    K, b, h = net.K[0], net.b[0], net.h
    by_hand = Y0 + h * np.tanh(Y0 @ K.T + b)
    print(f"K_0 =\n{K}\nb_0 = {b},  h = {h}")
    print(f"Y_0 = {Y0[0]}")
    print(f"Y_1 = Y_0 + h·tanh(K_0 Y_0 + b_0) = {by_hand[0]}  (tinynet: {states[1][0][0]})")
    lesson.check("the network's first layer is the Euler step", np.allclose(states[1][0], by_hand))
    # trace numbers the layers from 1, as in lessons 2-6: layer j+1 is the step from Y_j to Y_(j+1),
    # its z = K_j Y_j + b_j and its a = Y_(j+1); the last layer is the classifier, a = softmax(W Y_N + μ)
    trace = net.trace(Y0, [[1.0, 0.0]])
    for layer in trace.layers:
        print(f"layer {layer.l} ({layer.name}): z = {layer.z[0]}, a = {layer.a[0]}, delta = {layer.delta[0]}")
    lesson.check(
        "trace's layer 1 is that step: z = K_0 Y_0 + b_0, a = Y_1",
        np.allclose(trace[1].z, Y0 @ K.T + b) and np.allclose(trace[1].a, by_hand),
    )

    lesson.stage("Smaller steps follow the ODE more closely")
    # The same K and b at every layer: one ODE dY/dt = tanh(K Y + b), integrated to T = 2.
    T, errors = 2.0, []
    reference = _constant(2048, T, K, b).trajectory(Y0)[-1][0]
    for N in (4, 8, 16, 32, 64):
        error = np.linalg.norm(_constant(N, T, K, b).trajectory(Y0)[-1][0] - reference)
        errors.append(error)
        print(f"N = {N:>3} layers, h = {T / N:.4f}:  |Y_N - Y(T)| = {error:.2e}")
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    print(f"error ratios when h halves: {ratios}")
    lesson.check("forward Euler is first order: halving h halves the error", np.allclose(ratios, 2, atol=0.2))

    lesson.stage("Training: the features travel until a line separates them")
    X, labels = ellipses(1200, seed=0)
    (Xt, yt), (Xv, yv) = train_validation_split(X, labels, 0.2, seed=0)
    net = ResNet(2, 2, width=4, layers=8, h=0.5, gamma=0.01, seed=0)
    history = Trainer().train(
        net,
        (Xt, yt),
        learning_step=0.2,
        batch_iterations=5,
        batch_size=50,
        max_batches_without_improvement=300,
        seed=0,
        max_batches=4000,
        progress=False,
    )
    accuracy = net.evaluate(Xv, yv)
    print(f"{history.batches} batches, validation accuracy {accuracy:.2%}")
    lesson.check("the ResNet learns the ellipses (at least 98%)", accuracy >= 0.98)

    fig, ax = plt.subplots(figsize=(4.5, 3))
    ax.plot(history.costs)
    ax.set(xlabel="batch", ylabel="cost per sample", yscale="log", title="ResNet on the ellipses")
    lesson.figure(fig, "loss")

    paths = np.stack([s[0] for s in net.trajectory(Xv[:120])])  # (N+1, samples, n)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2))
    for ax, j in zip(axes, (0, net.N // 2, net.N)):
        ax.scatter(paths[j, :, 0], paths[j, :, 1], c=yv[:120], cmap="coolwarm", s=8)
        ax.set(title=f"$Y_{{{j}}}$ (features 1 and 2)")
    for k in range(0, 120, 6):
        axes[2].plot(paths[:, k, 0], paths[:, k, 1], color="gray", lw=0.5)
    lesson.figure(fig, "trajectory")

    grid = np.stack(np.meshgrid(np.linspace(-2.2, 2.2, 150), np.linspace(-1, 1, 80)), -1).reshape(-1, 2)
    fig, ax = plt.subplots(figsize=(5, 2.6))
    ax.contourf(
        grid[:, 0].reshape(80, 150),
        grid[:, 1].reshape(80, 150),
        net.predict(grid).reshape(80, 150),
        cmap="coolwarm",
        alpha=0.3,
    )
    ax.scatter(Xv[:, 0], Xv[:, 1], c=yv, cmap="coolwarm", s=6)
    ax.set(title="decision boundary")
    lesson.figure(fig, "decision_boundary")
    return lesson.done()


def _constant(N, T, K, b):
    """A ResNet of N layers with step T/N and the same K, b at every layer."""
    net = ResNet(2, 2, width=2, layers=N, h=T / N, seed=0)
    net.K[...], net.b[...] = K, b
    return net


if __name__ == "__main__":
    raise SystemExit(main())
