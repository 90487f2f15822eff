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

from tinynet.gradcheck import numerical_gradient
from tinynet.teach.lessonkit import SAMPLE_X, SAMPLE_Y, Lesson, pyplot, small_network, timed


def main(argv=None):
    lesson = Lesson(6, "the gradients ∂C/∂b and ∂C/∂W", argv)
    np.set_printoptions(precision=5, suppress=True)
    net = small_network()
    x, y = np.array(SAMPLE_X), np.array(SAMPLE_Y)
    t = net.trace(x, y)

    lesson.stage("BP3: a bias moves z one for one")
    print("b^l_j appears once, in z^l_j = Σ_k W^l_jk a^(l-1)_k + b^l_j, with slope ∂z^l_j/∂b^l_j = 1. So")
    print("  ∂C/∂b^l_j = ∂C/∂z^l_j · 1 = δ^l_j.")
    for l in (1, 2):
        layer = t[l]
        lesson.compute(f"∂C/∂b^{l} = δ^{l}  (backprop's nabla_b)", layer.nabla_b)
        measured = np.array([numerical_gradient(net, x, y, j, array=net.biases[l - 1]) for j in range(len(layer.b))])
        lesson.compute(f"∂C/∂b^{l} measured: (C(b^{l}_j + h) - C(b^{l}_j - h)) / 2h", measured)
        lesson.check(f"nabla_b^{l} is δ^{l}", np.allclose(layer.nabla_b, layer.delta[0]))
        lesson.check(f"nabla_b^{l} is the measured slope of C", np.allclose(layer.nabla_b, measured, atol=1e-8))

    lesson.stage("BP4: a weight moves z by its input activation")
    print("W^l_jk also appears once, in z^l_j, multiplied by a^(l-1)_k: ∂z^l_j/∂W^l_jk = a^(l-1)_k. So")
    print("  ∂C/∂W^l_jk = a^(l-1)_k δ^l_j,  for the whole matrix  ∂C/∂W^l = δ^l (a^(l-1))ᵀ (an outer product).")
    j, k, h = 1, 0, 1e-3
    old = net.weights[1][j, k]
    net.weights[1][j, k] = old + h
    moved = net.trace(x, y)[2].z[0]
    net.weights[1][j, k] = old
    lesson.compute(f"(z^2 with W^2_{j}{k} + {h:g}) - z^2", moved - t[2].z[0])
    lesson.compute(f"a^1_{k} · {h:g}", f"{t[1].a[0, k] * h:.8f}")
    lesson.check(
        f"moving W^2_{j}{k} by h moves z^2_{j} alone, by a^1_{k} h",
        np.allclose(moved - t[2].z[0], [0.0, t[1].a[0, k] * h], atol=1e-15),
    )
    a_prev = x
    for l in (1, 2):
        layer = t[l]
        print(f"\nlayer {l}: δ^{l} = {layer.delta[0]}, a^{l - 1} = {a_prev}")
        lesson.compute(f"∂C/∂W^{l} = δ^{l} (a^{l - 1})ᵀ  (backprop's nabla_w)", layer.nabla_w)
        measured = np.array(
            [
                [numerical_gradient(net, x, y, (r, c), array=net.weights[l - 1]) for c in range(layer.W.shape[1])]
                for r in range(layer.W.shape[0])
            ]
        )
        lesson.compute(f"∂C/∂W^{l} measured entry by entry", measured)
        lesson.check(
            f"nabla_w^{l} is the outer product δ^{l} (a^{l - 1})ᵀ",
            np.allclose(layer.nabla_w, np.outer(layer.delta[0], a_prev)),
        )
        lesson.check(f"nabla_w^{l} is the measured slope of C", np.allclose(layer.nabla_w, measured, atol=1e-8))
        a_prev = layer.a[0]

    lesson.stage("A consequence: a weight fed by a near-zero activation learns slowly")
    quiet = small_network()
    quiet.biases[0][2] = -8.0  # hidden unit 2 almost off: a^1_2 ≈ 0
    tq = quiet.trace(x, y)
    lesson.compute("a^1 with b^1_2 = -8", tq[1].a[0])
    lesson.compute("∂C/∂W^2 = δ^2 (a^1)ᵀ: column 2 is δ^2 a^1_2", tq[2].nabla_w)
    print("Whatever the error δ^2, the weights leaving unit 2 get gradients δ^2_j a^1_2 ≈ 0: they barely move.")
    print("(Unit 2 is saturated too, so its own error δ^1_2 is small as well: lesson 5.)")
    lesson.check(
        "the weights out of a near-silent unit get gradients 100x smaller than the others",
        np.abs(tq[2].nabla_w[:, 2]).max() * 100 < np.abs(tq[2].nabla_w[:, :2]).min(),
    )

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(7, 3))
    for ax, l in zip(axes, (1, 2)):
        layer = t[l]
        lim = np.abs(layer.nabla_w).max()
        im = ax.imshow(layer.nabla_w, cmap="bwr", vmin=-lim, vmax=lim)
        ax.set(
            title=rf"$\nabla_{{W^{l}}} C = \delta^{l} (a^{l - 1})^T$",
            xlabel="k (unit of layer l-1)",
            ylabel="j (unit of layer l)",
            xticks=range(layer.nabla_w.shape[1]),
            yticks=range(layer.nabla_w.shape[0]),
        )
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    lesson.figure(fig, "nabla_w")

    lesson.stage("A batch: the per-sample gradients add up")
    X = np.array([x, [0.0, 0.0], [-1.0, 2.0]])
    Y = np.array([y, [0.0, 1.0], [1.0, 0.0]])
    nabla_w, nabla_b = net.backprop(X, Y)
    summed = sum(net.trace(X[i], Y[i])[1].nabla_w for i in range(3))
    lesson.compute(
        "nabla_w^1 for the batch = Σ_x δ^1_x (a^0_x)ᵀ = delta^1ᵀ a^0 (batch matrices, a sample per row)", nabla_w[0]
    )
    lesson.compute("the three samples' nabla_w^1, each from its own trace, added", summed)
    lesson.check("the batch gradient is the sum of the samples' gradients", np.allclose(nabla_w[0], summed))
    print("\nThe trainer divides by the batch size m: it steps along the average gradient.")

    lesson.stage("What one matrix product per layer buys")
    import time

    from tinynet import NeuralNetwork

    big = NeuralNetwork([784, 20, 10], seed=0)
    rng = np.random.default_rng(0)
    Xb, Yb = rng.random((500, 784)), np.eye(10)[rng.integers(0, 10, 500)]
    start = time.perf_counter()
    for i in range(500):
        big.backprop(Xb[i : i + 1], Yb[i : i + 1])  # the classic loop: one sample at a time
    loop = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(0, 500, 50):
        big.backprop(Xb[i : i + 50], Yb[i : i + 50])  # batches of 50, one pass each
    batched = time.perf_counter() - start
    print(
        f"500 samples through [784, 20, 10]: one at a time {loop * 1000:.1f} ms, "
        f"in batches of 50 {batched * 1000:.1f} ms (measured now, on this machine)"
    )
    print("The arithmetic is the same; the batch does it in a few large matrix products instead of")
    print("thousands of small calls. benchmarks/epoch_speed.py measures it over whole epochs.")

    lesson.stage("Why backpropagation is fast")

    P = big.param_count
    x1, y1 = Xb[:1], Yb[:1]
    print(f"[784, 20, 10] has P = 784·20 + 20 + 20·10 + 10 = {P:,} parameters. Measuring the gradient")
    print("numerically takes two cost evaluations per parameter (C(p + ε) and C(p - ε)): 2P forward passes.")
    print("Backprop gets all P slopes from one forward and one backward pass.")
    runs = 200
    start = time.perf_counter()
    for _ in range(runs):
        big.backprop(x1, y1)
    backprop_time = (time.perf_counter() - start) / runs
    sample = np.random.default_rng(1).choice(P, 300, replace=False)
    start = time.perf_counter()
    numeric = np.array([numerical_gradient(big, x1, y1, int(i)) for i in sample])
    per_parameter = (time.perf_counter() - start) / len(sample)
    numeric_time = per_parameter * P
    print(f"(Timing all {2 * P:,} cost evaluations would make this lesson slow, so {len(sample)} parameters")
    print(" picked at random are timed and the time per parameter is scaled to P.)")
    lesson.compute("one backprop: forward + backward, every one of the P slopes", f"{backprop_time * 1e3:.3f} ms")
    lesson.compute(
        f"numerical gradient: 2P = {2 * P:,} cost evaluations (scaled from {len(sample)} parameters)",
        f"{numeric_time * 1e3:.0f} ms",
    )
    ratio = lesson.compute("numerical time / backprop time", f"{numeric_time / backprop_time:,.0f}x")
    grad = big.gradient(x1, y1)  # backprop's whole gradient as one flat array, in the order of params
    lesson.check("the sampled numerical slopes agree with backprop's", np.allclose(numeric, grad[sample], atol=1e-7))
    lesson.check("backprop is over 1,000x faster than the numerical gradient", numeric_time > 1000 * backprop_time)
    print(f"Measured now, on this machine: {ratio}. Backprop reuses every δ^(l+1) for all of layer l:")
    print("nothing is computed twice.")

    lesson.stage("What the backward pass costs against the forward pass")
    print("Going forward, a layer makes one matrix product, z = a @ W.T. Going back it makes two:")
    print("nabla_w = delta.T @ a for its weights, and delta @ W for the error of the layer below, which")
    print("the first layer skips (the input needs no error). So 2L - 1 products back against L forward:")
    print("about twice the work, less where the first layer, the one without its second product, is big.")
    for sizes in ([784, 20, 10], [400, 400, 400, 400]):
        layers = list(zip(sizes, sizes[1:]))
        forward_madds = sum(n_in * n_out for n_in, n_out in layers)  # per sample: z = a W^T
        backward_madds = forward_madds + sum(n_in * n_out for n_in, n_out in layers[1:])  # + delta W, not layer 1
        lesson.compute(
            f"{sizes}: multiply-adds per sample forward, backward; their ratio",
            f"{forward_madds:,}  {backward_madds:,}  {backward_madds / forward_madds:.2f}x",
        )
    lesson.check("with equal widths the count is (2L - 1) / L = 5/3", backward_madds * 3 == forward_madds * 5)
    n = NeuralNetwork([400, 400, 400, 400], seed=0)  # wide, with a batch of 500: the products dominate
    Xs, Ys = rng.random((500, 400)), np.eye(400)[rng.integers(0, 400, 500)]
    Counted.products = 0
    p = n.forward(Xs.view(Counted))  # the input counts every product made from it
    forward_products, Counted.products = Counted.products, 0
    n.backward(p, Ys)
    lesson.compute(
        "matrix products tinynet's code made, forward and backward (L = 3)", f"{forward_products}  {Counted.products}"
    )
    lesson.check("L products forward, 2L - 1 backward", (forward_products, Counted.products) == (3, 5))
    t_fwd = min(timed(lambda: n.forward(Xs)) for _ in range(10))
    t_bwd = min(timed(lambda: n.backward(p, Ys)) for _ in range(10))
    lesson.compute(
        "[400, 400, 400, 400], a batch of 500: forward, backward, measured now (best of 10)",
        f"{t_fwd * 1e3:.1f} ms  {t_bwd * 1e3:.1f} ms  {t_bwd / t_fwd:.2f}x",
    )
    print("(A time depends on the machine and on what else runs there; the count does not.)")

    lesson.stage("The algorithm, step by step")
    print("For one sample (x, y):")
    print("  1. Input: a^0 = x.")
    print("  2. Feedforward: for l = 1..L, z^l = W^l a^(l-1) + b^l and a^l = σ(z^l) (lesson 2).")
    print("  3. Output error: δ^L = ∇_a C ⊙ σ'(z^L) (BP1, lesson 4).")
    print("  4. Backpropagate: for l = L-1..1, δ^l = ((W^(l+1))ᵀ δ^(l+1)) ⊙ σ'(z^l) (BP2, lesson 5).")
    print("  5. Gradients: ∂C/∂b^l = δ^l (BP3) and ∂C/∂W^l = δ^l (a^(l-1))ᵀ (BP4), this lesson.")
    print("For a batch, steps 1-5 run on all samples at once (rows) and step 5 sums over them;")
    print("lesson 8 adds the last step, gradient descent.")
    nabla_w, nabla_b = net.backprop(x, y)
    for l in (2, 1):
        lesson.compute(f"step 5, layer {l}: nabla_b^{l} from net.backprop(x, y)", nabla_b[l - 1])
        lesson.compute(f"step 5, layer {l}: nabla_w^{l} from net.backprop(x, y)", nabla_w[l - 1])
    lesson.check(
        "backprop returns what the trace's steps computed",
        all(np.allclose(nabla_w[l - 1], t[l].nabla_w) and np.allclose(nabla_b[l - 1], t[l].nabla_b) for l in (1, 2)),
    )
    return lesson.done()


class Counted(np.ndarray):
    """An array that counts the matrix products made from it (and from every array made from it)."""

    products = 0

    def __matmul__(self, other):
        Counted.products += 1
        return super().__matmul__(other)

    def __rmatmul__(self, other):
        Counted.products += 1
        return super().__rmatmul__(other)


if __name__ == "__main__":
    raise SystemExit(main())
