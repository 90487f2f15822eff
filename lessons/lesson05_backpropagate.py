"""Backpropagating the error: δ^l = ((W^(l+1))ᵀ δ^(l+1)) ⊙ σ'(z^l).

An error in layer l+1 came partly from each unit of layer l, in proportion
to the weights that connect them: (W^(l+1))ᵀ carries δ^(l+1) back, and σ'(z^l)
accounts for how much each unit's z moves its a.
"""

import numpy as np

from tinynet import ACTIVATIONS, NeuralNetwork
from tinynet.gradcheck import numerical_gradient
from tinynet.teach.lessonkit import SAMPLE_X, SAMPLE_Y, Lesson, pyplot, small_network


def main(argv=None):
    lesson = Lesson(5, "backpropagating δ through the layers", argv)
    np.set_printoptions(precision=5, suppress=True)
    net = small_network()
    x, y = np.array(SAMPLE_X), np.array(SAMPLE_Y)
    t = net.trace(x, y)
    W2, d2, z1, a1 = t[2].W, t[2].delta[0], t[1].z[0], t[1].a[0]
    sigmoid = ACTIVATIONS["sigmoid"]

    lesson.stage("The chain rule along many paths: a^1_k feeds every unit of layer 2")
    print("Hidden unit k's activation a^1_k enters z^2_j = Σ_k W^2_jk a^1_k + b^2_j for EVERY unit j of")
    print("layer 2, so a nudge of a^1_k reaches C along one path per unit j. The change along path j")
    print("is ∂C/∂z^2_j · ∂z^2_j/∂a^1_k = δ^2_j W^2_jk, and the paths add up:")
    print("  ∂C/∂a^1_k = Σ_j W^2_jk δ^2_j.")
    print("To measure it, the top layer is run as a network of its own, fed a^1 with a^1_k moved by ±h.")
    top = NeuralNetwork([3, 2], "sigmoid", net.cost.name)
    top.weights[0][...], top.biases[0][...] = net.weights[1], net.biases[1]
    grad_a1 = []
    for k in range(3):
        for j in range(2):
            lesson.compute(
                f"path through unit {j}: W^2_{j}{k} δ^2_{j} = ({W2[j, k]:+.1f})({d2[j]:.6f})",
                f"{W2[j, k] * d2[j]:+.6f}",
            )
        total = sum(W2[j, k] * d2[j] for j in range(2))
        measured = numerical_gradient(top, a1, y, k, array=a1)
        grad_a1.append(measured)
        lesson.compute(
            f"∂C/∂a^1_{k} measured: (C(a^1_{k} + h) - C(a^1_{k} - h)) / 2h",
            f"{measured:+.6f}   sum of the paths = {total:+.6f}",
        )
        lesson.check(
            f"∂C/∂a^1_{k} is the SUM Σ_j W^2_j{k} δ^2_j over both paths", np.isclose(measured, total, atol=1e-8)
        )
        lesson.check(
            "... and neither path alone (a value used twice gets both gradients)",
            all(not np.isclose(measured, W2[j, k] * d2[j], atol=1e-6) for j in range(2)),
        )
    grad_a1 = np.array(grad_a1)
    lesson.compute("(W^2)ᵀ δ^2: the three sums as one product", W2.T @ d2)

    lesson.stage("BP2: from δ^2 back to δ^1")
    print("z^1_k reaches C only through a^1_k = σ(z^1_k): one more link, with slope σ'(z^1_k). So")
    print("  δ^1_k = ∂C/∂a^1_k · σ'(z^1_k) = (Σ_j W^2_jk δ^2_j) σ'(z^1_k),")
    print("and for all k at once, with a Hadamard product since σ acts unit by unit,")
    print("  δ^l = ((W^(l+1))ᵀ δ^(l+1)) ⊙ σ'(z^l).")
    lesson.compute("δ^2  (from lesson 4: the output error)", d2)
    back = lesson.compute("(W^2)ᵀ δ^2", W2.T @ d2)
    sp = lesson.compute("σ'(z^1) = a^1 (1 - a^1)", sigmoid.derivative(z1))
    lesson.compute("δ^1 = (W^2)ᵀ δ^2 ⊙ σ'(z^1)  (backprop's, net.trace)", t[1].delta[0])
    lesson.check("backprop's δ^1 is ((W^2)ᵀ δ^2) ⊙ σ'(z^1)", np.allclose(t[1].delta[0], back * sp))
    measured = np.array([numerical_gradient(net, x, y, k, array=net.biases[0]) for k in range(3)])
    lesson.compute("δ^1 measured: z^1_k moved by ±h through b^1_k, C from net.cost_of", measured)
    lesson.check("δ^1_k is the slope of C in z^1_k", np.allclose(measured, t[1].delta[0], atol=1e-8))

    lesson.stage("Unit by unit")
    for k in range(3):
        terms = " + ".join(f"({W2[j, k]:+.1f})({d2[j]:.4f})" for j in range(2))
        lesson.compute(f"δ^1_{k} = ({terms}) · {sp[k]:.4f}", f"{t[1].delta[0, k]:.6f}")

    lesson.stage("A saturated hidden unit passes almost no error back")
    sat = small_network()
    sat.biases[0][1] = 8.0  # z^1_1 ≈ 8: a^1_1 ≈ 1, σ'(z^1_1) ≈ 0
    ts = sat.trace(x, y)
    lesson.compute("(W^2)ᵀ δ^2 with b^1_1 = 8: the error arriving at layer 1", ts[2].W.T @ ts[2].delta[0])
    lesson.compute("σ'(z^1) with b^1_1 = 8", sigmoid.derivative(ts[1].z[0]))
    lesson.compute("δ^1 = (W^2)ᵀ δ^2 ⊙ σ'(z^1)", ts[1].delta[0])
    print("The error arriving at unit 1 is as large as before, but σ'(z^1_1) ≈ 0 multiplies it away:")
    print("unit 1's incoming weights and bias, whose gradients are made from δ^1_1 (lesson 6), barely learn.")
    lesson.check(
        "the saturated unit's error is 100x smaller than it was unsaturated",
        abs(ts[1].delta[0, 1]) * 100 < abs(t[1].delta[0, 1]),
    )
    lesson.check(
        "... though the error arriving at it, ((W^2)ᵀ δ^2)_1, is about as large as before",
        0.5 < (ts[2].W.T @ ts[2].delta[0])[1] / back[1] < 2,
    )

    lesson.stage("Deeper networks: the error shrinks as it flows back through sigmoids")
    deep = NeuralNetwork([10] + [10] * 8 + [2], "sigmoid", seed=0)
    rng = np.random.default_rng(0)
    tr = deep.trace(rng.normal(size=(20, 10)), np.eye(2)[rng.integers(0, 2, 20)])
    norms = [float(np.linalg.norm(layer.delta)) for layer in tr.layers]
    L = len(norms)
    lesson.compute(f"‖δ^{L}‖  (the output error, 20 samples)", f"{norms[-1]:.2e}")
    split = []
    for l in range(L - 1, 0, -1):
        carried = float(np.linalg.norm(tr[l + 1].delta @ tr[l + 1].W))  # rows: (W^(l+1))ᵀ δ^(l+1) per sample
        split.append((carried / norms[l], norms[l - 1] / carried))
        lesson.compute(
            f"‖δ^{l}‖ = ‖((W^{l + 1})ᵀ δ^{l + 1}) ⊙ σ'(z^{l})‖",
            f"{norms[l - 1]:.2e}   (Wᵀ: x{carried / norms[l]:.2f}, then σ': x{norms[l - 1] / carried:.3f};"
            f" ‖δ^{l + 1}‖ / ‖δ^{l}‖ = {norms[l] / norms[l - 1]:.1f})",
        )
    lesson.check("every σ' factor shrinks the error (σ' ≤ 1/4)", all(s < 0.25 + 1e-12 for _, s in split))
    lesson.check(
        "the Wᵀ factor is not 1: the weights enlarge or shrink the error too", all(abs(w - 1) > 0.01 for w, _ in split)
    )
    ratios = [after / before for before, after in zip(norms, norms[1:])]
    print("Each step back multiplies by (W^(l+1))ᵀ and then by σ'(z^l) ≤ 1/4. σ' alone would shrink the")
    print("error 4x or more per layer; (W^(l+1))ᵀ can enlarge or shrink it too (lesson 15 is about that),")
    print(f"so the measured shrinking per layer is {min(ratios):.1f}x to {max(ratios):.1f}x. With sigmoids the early")
    print("layers get tiny errors (the vanishing gradient), one reason for relu and for the stable networks.")
    lesson.check("the error shrinks at every step back", all(r > 1 for r in ratios))
    lesson.check("‖δ^1‖ is far below ‖δ^L‖ in a deep sigmoid network", norms[0] < norms[-1] / 100)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.semilogy(range(1, len(norms) + 1), norms, "o-")
    ax.set(xlabel="layer $l$", ylabel=r"$\Vert\delta^l\Vert$", title="Error size per layer, 9 sigmoid layers")
    lesson.figure(fig, "delta_norms")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
