"""Backpropagating the error: δ^l = ((W^(l+1))ᵀ δ^(l+1)) ⊙ σ'(z^l).

An error in layer l+1 came partly from each unit of layer l, in proportion
to the weights that connect them: (W^(l+1))ᵀ carries δ^(l+1) back, and σ'(z^l)
accounts for how much each unit's z moves its a.
"""

import numpy as np

from tinynet import ACTIVATIONS
from tinynet.lessonkit import SAMPLE_X, SAMPLE_Y, Lesson, pyplot, small_network


def main(argv=None):
    lesson = Lesson(5, "backpropagating δ through the layers", argv)
    np.set_printoptions(precision=5, suppress=True)
    net = small_network()
    x, y = np.array(SAMPLE_X), np.array(SAMPLE_Y)
    t = net.trace(x, y)

    lesson.stage("From δ^2 back to δ^1")
    W2, d2, z1 = t[2].W, t[2].delta[0], t[1].z[0]
    back = W2.T @ d2
    sp = ACTIVATIONS["sigmoid"].derivative(z1)
    print(f"δ^2 = {d2}")
    print(f"(W^2)ᵀ δ^2 = {back}")
    print(f"σ'(z^1) = {sp}")
    print(f"δ^1 = (W^2)ᵀ δ^2 ⊙ σ'(z^1) = {back * sp}")
    print(f"backprop's δ^1 = {t[1].delta[0]}")
    lesson.check("backprop's δ^1 is ((W^2)ᵀ δ^2) ⊙ σ'(z^1)", np.allclose(t[1].delta[0], back * sp))

    lesson.stage("Unit by unit")
    for k in range(3):
        terms = " + ".join(f"{W2[j, k]:+.1f}·{d2[j]:.4f}" for j in range(2))
        print(f"δ^1_{k} = ({terms}) · {sp[k]:.4f} = {t[1].delta[0, k]:.6f}")

    lesson.stage("Deeper networks: the error shrinks as it flows back through sigmoids")
    from tinynet import NeuralNetwork

    deep = NeuralNetwork([10] + [10] * 8 + [2], "sigmoid", seed=0)
    rng = np.random.default_rng(0)
    tr = deep.trace(rng.normal(size=(20, 10)), np.eye(2)[rng.integers(0, 2, 20)])
    norms = [float(np.linalg.norm(layer.delta)) for layer in tr.layers]
    for l, n in enumerate(norms, start=1):
        ratio = f"   (‖δ^{l + 1}‖ / ‖δ^{l}‖ = {norms[l] / n:.1f})" if l < len(norms) else ""
        print(f"‖δ^{l}‖ = {n:.2e}{ratio}")
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
    ax.set(xlabel="layer l", ylabel="‖δ^l‖", title="Error size per layer, 9 sigmoid layers")
    lesson.figure(fig, "delta_norms")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
