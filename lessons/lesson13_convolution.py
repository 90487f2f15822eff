"""A convolutional network: convolution, max-pooling and softmax, step by step on one digit.

A convolution layer slides each of its k x k kernels over the image and takes
a weighted sum at every position:  z[f, i, j] = Σ_c Σ_u Σ_v K[f, c, u, v] a[c, i+u, j+v] + b[f].
Max-pooling keeps the largest value of each s x s block. Backprop through them:
the pooling sends each error to the one input that won its block; the
convolution's error reaches its input through the same kernel, flipped.
"""

import numpy as np

from tinynet import Conv2D, ConvNet, Dense, Flatten, MaxPool2D, Trainer
from tinynet.datasets import load_mnist
from tinynet.examples.cnn_digits import cnn, fit
from tinynet.gpu import GPUTrainer
from tinynet.gradcheck import gradcheck
from tinynet.lessonkit import Lesson, pyplot
from tinynet.pool import PoolTrainer


def main(argv=None):
    lesson = Lesson(13, "a convolutional network", argv)
    np.set_printoptions(precision=3, suppress=True)
    X, labels = load_mnist("train")
    digit = X[0].reshape(1, 1, 28, 28)
    plt = pyplot()

    lesson.stage("The kernel sliding over a digit")
    net = cnn(seed=0)
    conv, pool = net.layers[0], net.layers[1]
    K, b = net.layer_params[0]
    z = conv.forward(digit, (K, b), np)
    i, j = 10, 12
    window = digit[0, 0, i:i + 5, j:j + 5]
    print(f"the 5x5 window at ({i}, {j}):\n{window}")
    print(f"kernel 0:\n{K[0, 0]}")
    print(f"z[0, {i}, {j}] = Σ K·window + b = {np.sum(K[0, 0] * window) + b[0]:.5f}; the layer computed {z[0, 0, i, j]:.5f}")
    lesson.check("the feature map is the kernel's weighted sum at each position",
                 np.isclose(z[0, 0, i, j], np.sum(K[0, 0] * window) + b[0]))
    print(f"28x28 image -> {z.shape[1]} feature maps of {z.shape[2]}x{z.shape[3]} (valid padding: 28 - 5 + 1)")

    lesson.stage("Pooling")
    a = np.maximum(z, 0)  # relu, the layer's activation
    pooled = pool.forward(a, (), np)
    print(f"max-pooling 2x2: {a.shape[2]}x{a.shape[3]} -> {pooled.shape[2]}x{pooled.shape[3]}")
    print(f"block at (5, 6) of map 0: {a[0, 0, 10:12, 12:14].ravel()} -> {pooled[0, 0, 5, 6]:.4f}")
    lesson.check("each pooled value is its block's maximum", np.isclose(pooled[0, 0, 5, 6], a[0, 0, 10:12, 12:14].max()))
    c = pool.candidates(a, np)  # c[:, 2p + q] = a[:, :, p::2, q::2]: place (p, q) of every block at once
    print(f"the 4 places of every block, laid out as 4 blocks: candidates of shape {c.shape} "
          "(channel, place, sample, row, column)")
    print("so the maximum is a knockout between whole blocks, max(max(c0, c1), max(c2, c3)): "
          "three element-wise maxima for all the windows")
    knockout = np.maximum(np.maximum(c[:, 0], c[:, 1]), np.maximum(c[:, 2], c[:, 3]))
    lesson.check("the knockout gives the pooled maps", np.array_equal(knockout.transpose(1, 0, 2, 3), pooled))
    print("in training the convolution hands the pool its candidates directly: the 4 windows of a block are the")
    print("4 corners of one 6x6 patch, so the patches times 4 copies of each kernel, one at each corner, give them all")
    Kp = conv.pool_kernels(K, b, 2, np)  # row (f, p, q): kernel f at offset (p, q) of a 6x6 grid, then b[f]
    print(f"kernel 0 at offset (1, 0) of the patch:\n{Kp[2, :-1].reshape(6, 6)}")
    cand = conv.forward(digit, (K, b), np, memo={}, pool=2)
    lesson.check("the patches give the candidates of z", np.allclose(cand, pool.candidates(z, np), rtol=0, atol=1e-12))

    lesson.stage("Backprop through pooling and convolution")
    delta = np.zeros_like(pooled)
    delta[0, 0, 5, 6] = 1.0
    routed = pool.backward(a, pooled, delta, (), (), np)
    block = routed[0, 0, 10:12, 12:14]
    print(f"an error of 1 at pooled (5, 6) comes back to its block as\n{block}")
    lesson.check("the error goes to the arg-max only", block.sum() == 1.0 and block.ravel()[np.argmax(a[0, 0, 10:12, 12:14])] == 1.0)
    small = ConvNet([Conv2D(2, 3, "tanh"), MaxPool2D(2), Flatten(), Dense(3, "softmax")], input_shape=(1, 8, 8), seed=1)
    rng = np.random.default_rng(0)
    result = gradcheck(small, rng.normal(size=(4, 64)), np.eye(3)[[0, 1, 2, 0]])
    print(f"gradient check of a small CNN: max relative error {result.max_error:.1e}")
    lesson.check("backprop through convolution and pooling is right (relative error < 1e-7)", result.max_error < 1e-7)

    fig, axes = plt.subplots(3, 9, figsize=(13, 4.8))
    for ax in axes.flat:
        ax.axis("off")
    axes[0, 0].imshow(digit[0, 0], cmap="gray_r")
    axes[0, 0].set_title("input", fontsize=8)
    for f in range(8):
        axes[0, f + 1].imshow(K[f, 0], cmap="bwr")
        axes[0, f + 1].set_title(f"kernel {f}", fontsize=8)
        axes[1, f + 1].imshow(a[0, f], cmap="viridis")
        axes[1, f + 1].set_title(f"map {f} (24x24)", fontsize=8)
        axes[2, f + 1].imshow(pooled[0, f], cmap="viridis")
        axes[2, f + 1].set_title(f"pooled {f} (12x12)", fontsize=8)
    fig.suptitle("Untrained kernels, their feature maps and the pooled maps")
    lesson.figure(fig, "feature_maps")

    lesson.stage("Training it on the digits")
    test = load_mnist("test")
    trained, history = fit(X, labels, seed=0, max_batches=200, cost_estimator_batch_size=200)
    accuracy = trained.evaluate(*test)
    print(f"{history.batches} batches in {history.wall_time:.1f} s: test accuracy {accuracy:.2%} "
          f"(the full run, 'tinynet cnn train', goes further)")
    lesson.check("200 batches already read over 90% of the test digits", accuracy > 0.9)
    Kt = trained.layer_params[0][0]
    fig, axes = plt.subplots(1, 8, figsize=(11, 1.8))
    for f, ax in enumerate(axes):
        lim = np.abs(Kt[f, 0]).max()
        ax.imshow(Kt[f, 0], cmap="bwr", vmin=-lim, vmax=lim)
        ax.set_title(f"kernel {f}", fontsize=8)
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
    print("benchmarks/cnn_speed.py times them against the network's size, and PyTorch too.")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
