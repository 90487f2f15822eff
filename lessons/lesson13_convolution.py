"""A convolutional network: how a convolution and a max-pool pass the error back, on one digit.

Layer 1 slides each of its k x k kernels over the image:
z^1[f, i, j] = Σ_c Σ_u Σ_v K[f, c, u, v] a^0[c, i+u, j+v] + b[f], and a^1 = relu(z^1).
Layer 2 keeps the largest value of each 2 x 2 block (z^2 = a^2). Backwards,
the pool sends each block's error to the one input that won it (its mask),
and the convolution is a dense layer on every window: ∂C/∂K = delta · windows,
∂C/∂b = Σ delta, ∂C/∂a = Kᵀ delta added back onto the windows.
"""

import numpy as np

from tinynet import Conv2D, ConvNet, Dense, Flatten, MaxPool2D, Trainer
from tinynet.conv.im2col import col2im, im2col
from tinynet.examples.cnn_digits import fit
from tinynet.files.datasets import load_mnist
from tinynet.gradcheck import gradcheck, numerical_gradient
from tinynet.parallel.gpu import GPUTrainer
from tinynet.parallel.pool import PoolTrainer
from tinynet.teach.lessonkit import Lesson, pyplot


def main(argv=None):
    lesson = Lesson(13, "a convolutional network", argv)
    np.set_printoptions(precision=3, suppress=True)
    X, labels = load_mnist("train")
    x, y = X[:1], np.eye(10)[labels[:1]]  # one digit and its target
    plt = pyplot()
    net = ConvNet([Conv2D(8, 5, "relu"), MaxPool2D(2), Flatten(), Dense(10, "softmax")], seed=0)
    pool = net.layers[1]
    K, b = net.layer_blocks[0]
    t = net.trace(x, y)  # every z, a, delta and gradient of one pass, layer by layer
    a0, z1, a1, z2 = x.reshape(1, 1, 28, 28), t[1].z, t[1].a, t[2].z

    lesson.stage("Forward: the kernel sliding over a digit")
    i, j = 10, 12
    window = a0[0, 0, i : i + 5, j : j + 5]
    print(f"the 5x5 window at ({i}, {j}):\n{window}\nkernel 0:\n{K[0, 0]}")
    print(
        f"z^1[0, {i}, {j}] = Σ K·window + b = {np.sum(K[0, 0] * window) + b[0]:.5f}; "
        f"the layer computed {z1[0, 0, i, j]:.5f}"
    )
    lesson.check(
        "z^1 is the kernel's weighted sum over each window", np.isclose(z1[0, 0, i, j], np.sum(K[0, 0] * window) + b[0])
    )
    cols = im2col(a0, 5)  # every 5x5 window of the digit as a column
    print(
        f"im2col: the {cols.shape[1]} windows as columns of 25 numbers, so z^1 = K cols + b is one product "
        f"({K.shape[0]}x25 times 25x{cols.shape[1]})"
    )
    lesson.check("K cols + b gives z^1", np.allclose((K.reshape(8, 25) @ cols + b[:, None]).reshape(8, 24, 24), z1[0]))
    lesson.check("a^1 = relu(z^1)", np.array_equal(a1, np.maximum(z1, 0)))
    print(f"28x28 image -> {z1.shape[1]} feature maps of {z1.shape[2]}x{z1.shape[3]} (valid padding: 28 - 5 + 1)")

    lesson.stage("Max-pooling and its mask")
    _, mask = pool.forward(a1, ())  # the arg-max of every 2x2 block: what the pool keeps for the way back

    def per_block(maps):  # the sum over each 2x2 block of maps (1, 8, 24, 24): (8, 12, 12)
        return maps[0].reshape(8, 12, 2, 12, 2).sum(axis=(2, 4))

    # the pooled value with the largest error that relu lets through: its block is the one to follow back
    f, p, q = np.unravel_index(np.argmax(np.abs(t[2].delta[0]) * (z2[0] > 0)), z2.shape[1:])
    block = (0, f, slice(2 * p, 2 * p + 2), slice(2 * q, 2 * q + 2))
    print(f"layer 2 (maxpool2d 2): {a1.shape[2]}x{a1.shape[3]} -> {z2.shape[2]}x{z2.shape[3]}")
    print(f"block ({p}, {q}) of map {f}:\n{a1[block]}\n-> z^2 = {z2[0, f, p, q]:.4f}; its mask:\n{mask[block]}")
    lesson.check(
        "each pooled value is its block's maximum",
        np.array_equal(z2[0], a1[0].reshape(8, 12, 2, 12, 2).max(axis=(2, 4))),
    )
    lesson.check(
        "the mask has exactly one 1 per block, at the maximum",
        np.array_equal(per_block(mask), np.ones((8, 12, 12))) and np.array_equal(per_block(a1 * mask), z2[0]),
    )

    lesson.stage("The error through the pool")
    delta2 = t[2].delta  # ∂C/∂z^2, which the dense layer above sent back (through Flatten)
    _, g1 = pool.backward(delta2, a1, mask, ())  # ∂C/∂a^1 = upsample(delta^2) ⊙ mask
    print(f"delta^2 at ({p}, {q}) of map {f}: {delta2[0, f, p, q]:.5f}; ∂C/∂a^1 on its block:\n{g1[block]}")
    lesson.check("the error reaching the pool's input is zero off the mask", np.all(g1[mask == 0] == 0))
    lesson.check("on the mask it is the pooled error", np.array_equal(per_block(g1), delta2[0]))
    lesson.check("delta^1 = ∂C/∂a^1 ⊙ relu'(z^1), as the trace found it", np.array_equal(t[1].delta, g1 * (z1 > 0)))

    lesson.stage("The kernel's gradient: delta times the windows")
    delta1 = t[1].delta[0].reshape(8, -1)  # delta^1 as (8, 576): one column per window, like cols
    dK = (delta1 @ cols.T).reshape(K.shape)  # ∂C/∂K = delta colsᵀ: every window weighted by its error
    print(f"∂C/∂K = delta^1 colsᵀ: (8x576) times (576x25); ∂C/∂K of kernel {f}:\n{dK[f, 0]}")
    lesson.check("delta colsᵀ is the gradient backprop found", np.allclose(dK, t[1].grads["K"], rtol=0, atol=1e-15))
    u, v = np.unravel_index(np.argmax(np.abs(dK[f, 0])), (5, 5))
    index = np.ravel_multi_index((f, 0, u, v), K.shape)  # K1 is the first block of net.params
    numeric = numerical_gradient(net, x, y, index)
    print(f"∂C/∂K[{f}, 0, {u}, {v}]: backprop {dK[f, 0, u, v]:.8f}, central differences {numeric:.8f}")
    lesson.check("∂C/∂K equals the numerical gradient", np.isclose(dK[f, 0, u, v], numeric, rtol=1e-6, atol=1e-10))
    lesson.check("∂C/∂b = Σ delta over the windows", np.allclose(delta1.sum(axis=1), t[1].grads["b"]))

    lesson.stage("The error reaching the image: ∂C/∂a^0")
    g0 = col2im(K.reshape(8, 25).T @ delta1, a0.shape, 5)  # Kᵀ delta, each window added back where it lay
    r, c = np.unravel_index(np.argmax(np.abs(g0[0, 0])), (28, 28))
    e = np.zeros_like(x)
    e[0, r * 28 + c] = 1e-6
    numeric = (net.cost_of(x + e, y) - net.cost_of(x - e, y)) / 2e-6
    print(
        f"pixel ({r}, {c}) lies in up to 25 windows: ∂C/∂a^0 sums their errors, {g0[0, 0, r, c]:.8f}; "
        f"central differences {numeric:.8f}"
    )
    lesson.check(
        "∂C/∂a^0 = col2im(Kᵀ delta) equals the numerical gradient",
        np.isclose(g0[0, 0, r, c], numeric, rtol=1e-5, atol=1e-10),
    )
    small = ConvNet(
        [Conv2D(2, 3, "tanh"), MaxPool2D(2), Conv2D(3, 2, "sigmoid"), Flatten(), Dense(3, "softmax")],
        input_shape=(2, 9, 9),
        seed=1,
    )
    rng = np.random.default_rng(0)
    result = gradcheck(small, rng.normal(size=(4, 162)), np.eye(3)[[0, 1, 2, 0]])
    print(
        f"gradient check of a small CNN (2 channels, a cut edge, a convolution after the pool): "
        f"max relative error {result.max_error:.1e}"
    )
    lesson.check("backprop through convolution and pooling is right (relative error < 1e-7)", result.max_error < 1e-7)

    fig, axes = plt.subplots(4, 9, figsize=(13, 6.2))
    for ax in axes.flat:
        ax.axis("off")
    axes[0, 0].imshow(a0[0, 0], cmap="gray_r")
    axes[0, 0].set_title("input", fontsize=8)
    for k in range(8):
        lim = np.abs(g1[0, k]).max() or 1
        for row, (image, cmap, title) in enumerate(
            [
                (K[k, 0], "bwr", f"kernel {k}"),
                (a1[0, k], "viridis", "a^1 24x24"),
                (z2[0, k], "viridis", "pooled 12x12"),
                (g1[0, k], "bwr", "∂C/∂a^1"),
            ]
        ):
            axes[row, k + 1].imshow(image, cmap=cmap, **({"vmin": -lim, "vmax": lim} if row == 3 else {}))
            axes[row, k + 1].set_title(title, fontsize=8)
    fig.suptitle("Untrained kernels, their maps, the pooled maps and the error the pool sends back (on its mask)")
    lesson.figure(fig, "feature_maps")

    lesson.stage("Training it on the digits")
    test = load_mnist("test")
    trained, history = fit(X, labels, seed=0, max_batches=200, cost_estimator_batch_size=200)
    accuracy = trained.evaluate(*test)
    print(
        f"{history.batches} batches in {history.wall_time:.1f} s: test accuracy {accuracy:.2%} "
        f"(the full run, 'tinynet cnn train', goes further)"
    )
    lesson.check("200 batches already read over 90% of the test digits", accuracy > 0.9)
    Kt = trained.layer_blocks[0][0]
    fig, axes = plt.subplots(1, 8, figsize=(11, 1.8))
    for k, ax in enumerate(axes):
        lim = np.abs(Kt[k, 0]).max()
        ax.imshow(Kt[k, 0], cmap="bwr", vmin=-lim, vmax=lim)
        ax.set_title(f"kernel {k}", fontsize=8)
        ax.axis("off")
    fig.suptitle("The learned 5x5 kernels: edge and stroke detectors")
    lesson.figure(fig, "learned_kernels")

    lesson.stage("Sequential, parallel and GPU give the same network")
    try:
        gpu, gpu_name = GPUTrainer(), "GPU"
    except RuntimeError as e:
        print(f"No GPU here ({e}),\nso the GPU trainer runs its very code with NumPy as the array module.")
        gpu, gpu_name = GPUTrainer(xp=np), "GPU code, NumPy"
    Xs, ls = X[:600], labels[:600]
    nets = {}
    for name, trainer in (("sequential", Trainer()), ("pool of 2", PoolTrainer(2)), (gpu_name, gpu)):
        nets[name], history = fit(Xs, ls, seed=1, max_batches=5, trainer=trainer)
        diff = np.abs(nets[name].params - nets["sequential"].params).max()
        print(f"  {name:<16} 5 batches in {history.wall_time:.2f} s; largest difference from sequential: {diff:.1e}")
    worst = max(np.abs(n.params - nets["sequential"].params).max() for n in nets.values())
    lesson.check("the pool and the GPU trainer reach the same weights as one process", worst < 1e-10)
    print("Training runs tinynet.conv.fast's fused passes of this network (the same gradients, tested to 1e-12);")
    print("benchmarks/cnn_speed.py times them and the plain ones against PyTorch.")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
