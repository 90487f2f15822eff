"""The gradients: ∂C/∂b^l = δ^l and ∂C/∂W^l = δ^l (a^(l-1))ᵀ.

Once every δ is known, the gradient of every parameter is one multiplication
away: a bias moves z one for one, and weight W^l_jk moves z^l_j by a^(l-1)_k.
For a batch the per-sample gradients add up, which in code is one matrix
product per layer: nabla_w = deltaᵀ a.
"""

import numpy as np

from tinynet.lessonkit import SAMPLE_X, SAMPLE_Y, Lesson, small_network


def main(argv=None):
    lesson = Lesson(6, "the gradients ∂C/∂b and ∂C/∂W", argv)
    np.set_printoptions(precision=5, suppress=True)
    net = small_network()
    x, y = np.array(SAMPLE_X), np.array(SAMPLE_Y)
    t = net.trace(x, y)

    lesson.stage("One sample")
    a_prev = x
    for l in (1, 2):
        layer = t[l]
        print(f"layer {l}: δ^{l} = {layer.delta[0]}, a^{l - 1} = {a_prev}")
        print(f"  nabla_b^{l} = δ^{l} = {layer.nabla_b}")
        print(f"  nabla_w^{l} = δ^{l} (a^{l - 1})ᵀ =\n{layer.nabla_w}")
        lesson.check(f"nabla_b^{l} is δ^{l}", np.allclose(layer.nabla_b, layer.delta[0]))
        lesson.check(f"nabla_w^{l} is the outer product δ^{l} (a^{l - 1})ᵀ",
                     np.allclose(layer.nabla_w, np.outer(layer.delta[0], a_prev)))
        a_prev = layer.a[0]

    lesson.stage("A batch: the per-sample gradients add up")
    X = np.array([x, [0.0, 0.0], [-1.0, 2.0]])
    Y = np.array([y, [0.0, 1.0], [1.0, 0.0]])
    nabla_w, nabla_b = net.backprop(X, Y)
    summed = sum(net.trace(X[i], Y[i])[1].nabla_w for i in range(3))
    print(f"nabla_w^1 for the batch (deltaᵀ a in one product) =\n{nabla_w[0]}")
    print(f"sum of the three samples' nabla_w^1 =\n{summed}")
    lesson.check("the batch gradient is the sum of the samples' gradients", np.allclose(nabla_w[0], summed))
    print("\nThe trainer divides by the batch size m: it steps along the average gradient.")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
