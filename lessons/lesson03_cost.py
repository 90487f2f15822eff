"""The cost: how wrong the output is, and why the output error depends on it.

Quadratic:      C = ½ ‖a^L - y‖²,          ∇_a C = a^L - y
Cross-entropy:  C = -Σ_j y_j ln a_j (softmax output)
                C = -Σ_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)] (sigmoid outputs: each
                unit a two-class cross-entropy)

∇_a C is the vector of the cost's slopes ∂C/∂a^L_j. Backprop starts from it, so
the choice of cost decides the first error (lesson 4 derives it: the output
error δ^L = ∂C/∂z^L; this lesson looks at one sigmoid unit's ∂C/∂z).
"""

import numpy as np

from tinynet import NeuralNetwork
from tinynet.teach.lessonkit import SAMPLE_X, SAMPLE_Y, Lesson, pyplot, small_network


def main(argv=None):
    lesson = Lesson(3, "the cost", argv)
    np.set_printoptions(precision=4, suppress=True)
    x, y = np.array(SAMPLE_X), np.array(SAMPLE_Y)

    lesson.stage("Quadratic cost")
    net = small_network()
    a = net.feedforward(x)
    C = net.cost_of(x, y)
    print(f"a^L = {a}, y = {y}")
    lesson.compute(f"C = ½ ‖a^L - y‖² = ½ Σ_j (a^L_j - y_j)² = ½ ({(a - y) ** 2}).sum()", f"{C:.6f}")
    lesson.check("the quadratic cost is ½‖a - y‖²", np.isclose(C, 0.5 * np.sum((a - y) ** 2)))

    lesson.stage("Cross-entropy with a softmax output")
    net_ce = small_network(["sigmoid", "softmax"], "cross_entropy")
    a_ce = net_ce.feedforward(x)
    C_ce = net_ce.cost_of(x, y)
    print(f"a^L = softmax(z^L) = {a_ce} (sums to {a_ce.sum():.4f}: the outputs are probabilities)")
    lesson.compute("C = -Σ_j y_j ln a^L_j = -ln a^L_0  (y is one-hot: only the right class counts)", f"{C_ce:.6f}")
    lesson.check("the cross-entropy is -Σ y ln a", np.isclose(C_ce, -np.sum(y * np.log(a_ce))))

    lesson.stage("Cross-entropy with sigmoid outputs: a two-class cross-entropy per unit")
    net_sc = small_network("sigmoid", "cross_entropy")
    a_sc = net_sc.feedforward(x)
    print(f"a^L = {a_sc}: each sigmoid unit answers yes (y_j = 1) or no (y_j = 0) on its own")
    C_sc = net_sc.cost_of(x, y)
    lesson.compute("C = -Σ_j [y_j ln a^L_j + (1 - y_j) ln(1 - a^L_j)]", f"{C_sc:.6f}")
    lesson.check(
        "the sigmoid cross-entropy is -Σ [y ln a + (1 - y) ln(1 - a)]",
        np.isclose(C_sc, -np.sum(y * np.log(a_sc) + (1 - y) * np.log(1 - a_sc))),
    )

    lesson.stage("Two assumptions backpropagation makes about C")
    print("1. The cost of a batch is the sum of per-sample costs, C = Σ_x C_x (the trainer divides by m")
    print("   for the mean). So the gradient of a batch is the sum of per-sample gradients, and")
    print("   backprop only ever has to work out the gradient of one sample's C_x.")
    X = np.array([x, [0.0, 0.0], [-1.0, 2.0]])
    Y = np.array([y, [0.0, 1.0], [1.0, 0.0]])
    per_sample = [net.cost_of(X[i], Y[i]) for i in range(3)]
    lesson.compute("C_x for each of the 3 samples", np.array(per_sample))
    lesson.compute("C of the batch", f"{net.cost_of(X, Y):.6f}")
    lesson.check("the cost of a batch is the sum over its samples", np.isclose(net.cost_of(X, Y), sum(per_sample)))
    print("2. For one sample, C is a function of the output activations a^L (and the fixed target y)")
    print("   only: the weights and the input reach C only through a^L. So ∂C/∂a^L is where backprop")
    print("   starts, and everything before the output is reached through a^L by the chain rule.")
    print("   A test that could fail: change the weights in a way that leaves a^L exactly as it was.")
    print("   With relu hidden units, relu(c z) = c relu(z) for c > 0, so multiplying hidden unit j's")
    print("   incoming weights and bias by c and its outgoing weights by 1/c changes the weights (and")
    print("   their size) but not a^L. A cost that saw the weights any other way would change.")
    relu = small_network(["relu", "sigmoid"])
    scaled = relu.copy()
    c = np.array([2.0, 0.5, 3.0])  # one factor per hidden unit
    scaled.weights[0][...] *= c[:, None]
    scaled.biases[0][...] *= c
    scaled.weights[1][...] /= c[None, :]
    lesson.compute("W^1 of the rescaled network (rows times c = 2, 0.5, 3)", scaled.weights[0])
    lesson.compute("a^L before and after", np.array([relu.feedforward(x), scaled.feedforward(x)]))
    C_relu, C_scaled = relu.cost_of(x, y), scaled.cost_of(x, y)
    lesson.compute("C before and after", f"{C_relu:.12f}  {C_scaled:.12f}")
    lesson.check("the same a^L, the same C, though every W^1 row changed", np.isclose(C_relu, C_scaled, rtol=1e-12))
    decay = [C_ + 0.01 * sum(float((W**2).sum()) for W in n.weights) for C_, n in ((C_relu, relu), (C_scaled, scaled))]
    lesson.compute("a cost with weight decay, C + 0.01 Σ ‖W^l‖², before and after", np.array(decay))
    lesson.check("a cost that sees the weights directly fails the test", not np.isclose(decay[0], decay[1]))
    print("   (Weight decay breaks the assumption on purpose: its gradient has an extra term, 2λW, that")
    print("   the chain rule through a^L does not give; tinynet's stable networks add their penalty's")
    print("   gradient that way, beside backprop's.)")

    lesson.stage("Why the output error depends on the cost")
    print("For one sigmoid output with target y = 1, as the output goes from wrong (z ≪ 0) to right,")
    print("the slope of the cost with respect to the unit's z, which lesson 4 names δ = ∂C/∂z. By the")
    print("chain rule through a = σ(z) (lesson 1): δ = ∂C/∂a · σ'(z), with σ'(z) = a (1 - a).")
    print("Quadratic: ∂C/∂a = a - y, so δ = (a - y) σ'(z).")
    print("Cross-entropy, the two-class one C = -[y ln a + (1 - y) ln(1 - a)]:")
    print("∂C/∂a = (a - y) / (a (1 - a)), and σ'(z) = a (1 - a) cancels it: δ = a - y.")
    one = NeuralNetwork([1, 1], "sigmoid", "quadratic")
    one_ce = NeuralNetwork([1, 1], "sigmoid", "cross_entropy")
    zs = np.linspace(-6, 6, 121)
    deltas = {}
    for name, n in (("quadratic", one), ("cross_entropy", one_ce)):
        n.weights[0][...] = 1.0
        deltas[name] = np.array([n.trace([z], [1.0])[1].delta[0, 0] for z in zs])
    for z in (-6, -2, 0, 2):
        i = int(np.argmin(np.abs(zs - z)))
        lesson.compute(
            f"z = {z:+d}: δ quadratic = (a - y) σ'(z), δ cross-entropy = a - y",
            f"{deltas['quadratic'][i]:+.4f}, {deltas['cross_entropy'][i]:+.4f}",
        )
    print("The quadratic δ = (a - y) σ'(z) vanishes when the output is confidently wrong (σ' ≈ 0);")
    print("the cross-entropy δ = a - y is largest exactly then, so learning starts fast.")
    lesson.check(
        "at z = -6 the cross-entropy error is over 50x the quadratic one",
        abs(deltas["cross_entropy"][0]) > 50 * abs(deltas["quadratic"][0]),
    )
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for name, d in deltas.items():
        ax.plot(zs, d, label=name)
    ax.set(xlabel="z (target y = 1)", ylabel="δ = ∂C/∂z", title="Output error of one sigmoid unit")
    ax.legend()
    lesson.figure(fig, "output_error")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
