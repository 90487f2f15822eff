"""The cost: how wrong the output is, and why the output error depends on it.

Quadratic:      C = ½ ‖a^L - y‖²,          ∇_a C = a^L - y
Cross-entropy:  C = -Σ_j y_j ln a_j (softmax output),  and with it δ^L = a^L - y
                C = -Σ_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)] (sigmoid outputs: each
                unit a two-class cross-entropy),  and with it too δ^L = a^L - y

Backprop starts from ∇_a C, so the choice of cost decides the first error.
"""

import numpy as np

from tinynet import NeuralNetwork
from tinynet.lessonkit import SAMPLE_X, SAMPLE_Y, Lesson, pyplot, small_network


def main(argv=None):
    lesson = Lesson(3, "the cost", argv)
    np.set_printoptions(precision=4, suppress=True)
    x, y = np.array(SAMPLE_X), np.array(SAMPLE_Y)

    lesson.stage("Quadratic cost")
    net = small_network()
    a = net.feedforward(x)
    C = net.cost_of(x, y)
    print(f"a^L = {a}, y = {y}")
    print(f"C = ½ ‖a - y‖² = ½ ({(a - y) ** 2}).sum() = {C:.6f}")
    lesson.check("the quadratic cost is ½‖a - y‖²", np.isclose(C, 0.5 * np.sum((a - y) ** 2)))

    lesson.stage("Cross-entropy with a softmax output")
    net_ce = small_network(["sigmoid", "softmax"], "cross_entropy")
    a_ce = net_ce.feedforward(x)
    C_ce = net_ce.cost_of(x, y)
    print(f"a^L = softmax(z^L) = {a_ce} (sums to {a_ce.sum():.4f})")
    print(f"C = -Σ y_j ln a_j = -ln a_0 = {C_ce:.6f}")
    lesson.check("the cross-entropy is -Σ y ln a", np.isclose(C_ce, -np.sum(y * np.log(a_ce))))

    lesson.stage("Summed over a batch")
    X = np.array([x, [0.0, 0.0], [-1.0, 2.0]])
    Y = np.array([y, [0.0, 1.0], [1.0, 0.0]])
    per_sample = [net.cost_of(X[i], Y[i]) for i in range(3)]
    print(f"per sample: {np.array(per_sample)}, batch: {net.cost_of(X, Y):.6f}")
    lesson.check("the cost of a batch is the sum over its samples", np.isclose(net.cost_of(X, Y), sum(per_sample)))

    lesson.stage("Why the output error depends on the cost")
    print("For one sigmoid output with target y = 1, as the output goes from wrong (z ≪ 0) to right.")
    print("Its cross-entropy is the two-class one, C = -[y ln a + (1 - y) ln(1 - a)]:")
    print("∂C/∂a = (a - y) / (a (1 - a)) and σ'(z) = a (1 - a), so δ = ∂C/∂a · σ'(z) = a - y.")
    one = NeuralNetwork([1, 1], "sigmoid", "quadratic")
    one_ce = NeuralNetwork([1, 1], "sigmoid", "cross_entropy")
    zs = np.linspace(-6, 6, 121)
    deltas = {}
    for name, n in (("quadratic", one), ("cross_entropy", one_ce)):
        n.weights[0][...] = 1.0
        deltas[name] = np.array([n.trace([z], [1.0])[1].delta[0, 0] for z in zs])
    for z in (-6, -2, 0, 2):
        i = int(np.argmin(np.abs(zs - z)))
        print(f"  z = {z:+d}: δ quadratic = {deltas['quadratic'][i]:+.4f}, δ cross-entropy = {deltas['cross_entropy'][i]:+.4f}")
    print("The quadratic δ = (a - y) σ'(z) vanishes when the output is confidently wrong (σ' ≈ 0);")
    print("the cross-entropy δ = a - y is largest exactly then, so learning starts fast.")
    lesson.check("at z = -6 the cross-entropy error is over 50x the quadratic one",
                 abs(deltas["cross_entropy"][0]) > 50 * abs(deltas["quadratic"][0]))
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
