"""The gradients: ∂C/∂b^l = δ^l and ∂C/∂W^l = δ^l (a^(l-1))ᵀ.

Once every δ is known, the gradient of every parameter is one multiplication
away: a bias moves z one for one, and weight W^l_jk moves z^l_j by a^(l-1)_k.
For a batch the per-sample gradients add up, which in code is one matrix
product per layer: nabla_w = deltaᵀ a.

``backprop`` returns ``(nabla_w, nabla_b)``, weights first: the order of the
blocks in the flat ``params`` (W1, b1, W2, ...). Nielsen's ``network.py``
returns ``(nabla_b, nabla_w)``; the arrays are the same, the pair is the
other way round.
"""

import numpy as np

from tinynet.lessonkit import SAMPLE_X, SAMPLE_Y, Lesson, pyplot, small_network


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

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(7, 3))
    for ax, l in zip(axes, (1, 2)):
        layer = t[l]
        lim = np.abs(layer.nabla_w).max()
        im = ax.imshow(layer.nabla_w, cmap="bwr", vmin=-lim, vmax=lim)
        ax.set(title=f"nabla_w^{l} = δ^{l} (a^{l - 1})ᵀ", xlabel="k (unit of layer l-1)", ylabel="j (unit of layer l)",
               xticks=range(layer.nabla_w.shape[1]), yticks=range(layer.nabla_w.shape[0]))
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    lesson.figure(fig, "nabla_w")

    lesson.stage("A batch: the per-sample gradients add up")
    X = np.array([x, [0.0, 0.0], [-1.0, 2.0]])
    Y = np.array([y, [0.0, 1.0], [1.0, 0.0]])
    nabla_w, nabla_b = net.backprop(X, Y)
    summed = sum(net.trace(X[i], Y[i])[1].nabla_w for i in range(3))
    print(f"nabla_w^1 for the batch (deltaᵀ a in one product) =\n{nabla_w[0]}")
    print(f"sum of the three samples' nabla_w^1 =\n{summed}")
    lesson.check("the batch gradient is the sum of the samples' gradients", np.allclose(nabla_w[0], summed))
    print("\nThe trainer divides by the batch size m: it steps along the average gradient.")

    lesson.stage("What one matrix product per layer buys")
    import time

    from tinynet import NeuralNetwork, Workspace

    big = NeuralNetwork([784, 20, 10], seed=0)
    rng = np.random.default_rng(0)
    Xb, Yb = rng.random((500, 784)), np.eye(10)[rng.integers(0, 10, 500)]
    one = Workspace(big, 1)
    start = time.perf_counter()
    for i in range(500):
        big.backprop(Xb[i:i + 1], Yb[i:i + 1], ws=one)  # the classic loop: one sample at a time
    loop = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(0, 500, 50):
        big.backprop(Xb[i:i + 50], Yb[i:i + 50])  # batches of 50, one pass each
    batched = time.perf_counter() - start
    print(f"500 samples through [784, 20, 10]: one at a time {loop * 1000:.1f} ms, "
          f"in batches of 50 {batched * 1000:.1f} ms (measured now, on this machine)")
    print("The arithmetic is the same; the batch does it in a few large matrix products instead of")
    print("thousands of small calls. benchmarks/epoch_speed.py measures it over whole epochs.")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
