"""Feedforward through a [2, 3, 2] network, layer by layer.

Each layer l computes z^l = W^l a^(l-1) + b^l and a^l = σ(z^l), starting from
a^0 = x. The network's ``trace`` shows every z and a that ``feedforward``
passes through; we follow them with hand-sized numbers.
"""

import numpy as np

from tinynet.lessonkit import SAMPLE_X, Lesson, small_network


def main(argv=None):
    lesson = Lesson(2, "feedforward through [2, 3, 2]", argv)
    np.set_printoptions(precision=4, suppress=True)
    net = small_network()
    x = np.array(SAMPLE_X)

    lesson.stage("The parameters")
    for l, (W, b) in enumerate(zip(net.weights, net.biases), start=1):
        print(f"W^{l} =\n{W}\nb^{l} = {b}\n")
    print(f"x = a^0 = {x}")

    lesson.stage("Layer by layer")
    t = net.trace(x, [1.0, 0.0])
    a = x
    for l in (1, 2):
        layer = t[l]
        print(f"z^{l} = W^{l} a^{l - 1} + b^{l} = {layer.W @ a} + {layer.b} = {layer.z[0]}")
        print(f"a^{l} = σ(z^{l}) = {layer.a[0]}\n")
        lesson.check(f"z^{l} is W^{l} a^{l - 1} + b^{l}", np.allclose(layer.z[0], layer.W @ a + layer.b))
        a = layer.a[0]

    lesson.stage("The same in one call")
    out = net.feedforward(x)
    print(f"net.feedforward(x) = {out}")
    lesson.check("feedforward returns a^2 of the trace", np.allclose(out, t.output[0]))

    lesson.stage("A batch: one sample per row")
    X = np.array([[1.0, 0.5], [0.0, 0.0], [-1.0, 2.0]])
    print(f"X =\n{X}\nnet.feedforward(X) =\n{net.feedforward(X)}")
    print("In code the samples are rows, so z^l = a^(l-1) W^lᵀ + b^l: the same numbers, transposed,")
    print("for all samples in one matrix product.")
    lesson.check("a batch gives each row what one sample gives",
                 all(np.allclose(net.feedforward(X)[i], net.feedforward(X[i])) for i in range(3)))
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
