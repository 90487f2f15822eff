"""Feedforward through a [2, 3, 2] network, layer by layer.

Each layer l computes z^l = W^l a^(l-1) + b^l and a^l = σ(z^l), starting from
a^0 = x. The network's ``trace`` shows every z and a that ``feedforward``
passes through; we follow them with hand-sized numbers.
"""

import numpy as np

from tinynet.teach.lessonkit import SAMPLE_X, Lesson, pyplot, small_network


def main(argv=None):
    lesson = Lesson(2, "feedforward through [2, 3, 2]", argv)
    np.set_printoptions(precision=4, suppress=True)
    net = small_network()
    x = np.array(SAMPLE_X)

    lesson.stage("The parameters")
    for l, (W, b) in enumerate(zip(net.weights, net.biases), start=1):
        print(f"W^{l} =\n{W}\nb^{l} = {b}\n")
    print(f"x = a^0 = {x}")
    print("W^l has one row per unit j of layer l and one column per unit k of layer l-1:")
    print("W^l_jk is the weight on the line from unit k of layer l-1 into unit j of layer l.")
    print("(Layers are counted from 1, a^0 being the input; units within a layer from 0, as in the arrays.)")
    print(
        f"So W^1 is {net.weights[0].shape[0]}x{net.weights[0].shape[1]} and W^2 is "
        f"{net.weights[1].shape[0]}x{net.weights[1].shape[1]}; row j of W^l holds every weight unit j listens to."
    )
    lesson.check(
        "W^l has shape (units of layer l, units of layer l-1)", [W.shape for W in net.weights] == [(3, 2), (2, 3)]
    )

    lesson.stage("Layer by layer, unit by unit")
    t = net.trace(x, [1.0, 0.0])
    a = x
    for l in (1, 2):
        layer = t[l]
        for j in range(len(layer.b)):
            terms = " + ".join(f"({layer.W[j, k]:+.1f})({a[k]:.4f})" for k in range(len(a)))
            lesson.compute(
                f"z^{l}_{j} = Σ_k W^{l}_{j}k a^{l - 1}_k + b^{l}_{j} = {terms} + ({layer.b[j]:+.2f})",
                f"{layer.z[0, j]:.6f}",
            )
        lesson.compute(f"z^{l} = W^{l} a^{l - 1} + b^{l}  (all units at once: one matrix product)", layer.z[0])
        lesson.compute(f"a^{l} = σ(z^{l})  (σ element by element)", layer.a[0])
        print()
        lesson.check(f"z^{l} is W^{l} a^{l - 1} + b^{l}", np.allclose(layer.z[0], layer.W @ a + layer.b))
        lesson.check(
            f"z^{l}_j is Σ_k W^{l}_jk a^{l - 1}_k + b^{l}_j for every unit j",
            all(
                np.isclose(layer.z[0, j], sum(layer.W[j, k] * a[k] for k in range(len(a))) + layer.b[j])
                for j in range(len(layer.b))
            ),
        )
        a = layer.a[0]

    draw_network(lesson, t)

    lesson.stage("The same in one call")
    out = lesson.compute("net.feedforward(x) = a^2", net.feedforward(x))
    lesson.check("feedforward returns a^2 of the trace", np.allclose(out, t.output[0]))

    lesson.stage("A batch: one sample per row")
    X = np.array([[1.0, 0.5], [0.0, 0.0], [-1.0, 2.0]])
    print(f"X =\n{X}")
    lesson.compute("net.feedforward(X) = A^2  (row i is a^2 of sample i)", net.feedforward(X))
    print("In code the samples are rows, so z^l = a^(l-1) W^lᵀ + b^l: the same numbers, transposed,")
    print("for all samples in one matrix product.")
    t_batch = net.trace(X, np.zeros((3, 2)))
    lesson.compute("Z^1 = X (W^1)ᵀ + b^1  (row i is z^1 of sample i)", t_batch[1].z)
    lesson.check("the batch's z^1 is X (W^1)ᵀ + b^1", np.allclose(t_batch[1].z, X @ net.weights[0].T + net.biases[0]))
    lesson.check(
        "a batch gives each row what one sample gives",
        all(np.allclose(net.feedforward(X)[i], net.feedforward(X[i])) for i in range(3)),
    )
    return lesson.done()


def draw_network(lesson, t):
    """Units as circles labelled with their activation; lines coloured by weight (red +, blue -)."""
    plt = pyplot()
    layers = [t.x[0]] + [layer.a[0] for layer in t.layers]
    pos = [[(l, (len(a) - 1) / 2 - j) for j in range(len(a))] for l, a in enumerate(layers)]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for l, layer in enumerate(t.layers, start=1):
        lim = np.abs(layer.W).max()
        for j, (x1, y1) in enumerate(pos[l]):
            for k, (x0, y0) in enumerate(pos[l - 1]):
                w = layer.W[j, k]
                ax.plot([x0, x1], [y0, y1], color=plt.cm.bwr(0.5 + 0.5 * w / lim), lw=1 + 3 * abs(w) / lim, zorder=1)
                ax.text(x0 + 0.3 * (x1 - x0), y0 + 0.3 * (y1 - y0), f"{w:+.1f}", fontsize=7, ha="center")
    for l, (a, points) in enumerate(zip(layers, pos)):
        for value, (x, y) in zip(a, points):
            ax.add_patch(plt.Circle((x, y), 0.18, color="white", ec="k", zorder=2))
            ax.text(x, y, f"{value:.2f}", ha="center", va="center", fontsize=8, zorder=3)
        ax.text(l, max(y for _, y in points) + 0.45, "$x = a^0$" if l == 0 else f"$a^{l}$", ha="center")
    ax.set(xlim=(-0.4, 2.4), ylim=(-1.6, 1.8), aspect="equal", title="Feedforward through [2, 3, 2]")
    ax.axis("off")
    lesson.figure(fig, "network")


if __name__ == "__main__":
    raise SystemExit(main())
