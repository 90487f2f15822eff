"""Gradient checking: backprop against the slope measured numerically.

For every parameter p, (C(p + ε) - C(p - ε)) / 2ε approximates ∂C/∂p with an
error of order ε². ``tinynet.gradcheck`` compares that with backprop, layer by
layer; in float64 a correct backward pass agrees to better than 1e-7.
"""

import numpy as np

from tinynet import NeuralNetwork
from tinynet.gradcheck import gradcheck, numerical_gradient
from tinynet.lessonkit import SAMPLE_X, SAMPLE_Y, Lesson, pyplot, small_network


def main(argv=None):
    lesson = Lesson(7, "gradient checking", argv)
    np.set_printoptions(precision=6, suppress=True)
    x, y = np.array(SAMPLE_X), np.array(SAMPLE_Y)

    lesson.stage("One weight by hand")
    net = small_network()
    nabla_w, _ = net.backprop(x, y)
    numeric = numerical_gradient(net, x, y, index=0)  # params[0] is W^1[0, 0]
    lesson.compute("backprop:  ∂C/∂W^1_00 = δ^1_0 a^0_0", f"{nabla_w[0][0, 0]:.10f}")
    lesson.compute("numerical: (C(w + ε) - C(w - ε)) / 2ε  (ε = 1e-6, two calls of net.cost_of)", f"{numeric:.10f}")
    lesson.check("they agree to 8 digits", abs(nabla_w[0][0, 0] - numeric) < 1e-8 * max(1, abs(numeric)) + 1e-10)

    lesson.stage("Every parameter, every layer, several designs")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 4))
    Y = np.eye(3)[rng.integers(0, 3, 8)]
    results = {}
    for acts, cost in (
        (["sigmoid"] * 3, "quadratic"),
        (["tanh", "relu", "softmax"], "cross_entropy"),
        (["elu", "softplus", "identity"], "quadratic"),
        (["lecun_tanh", "sigmoid", "sigmoid"], "cross_entropy"),
    ):
        net = NeuralNetwork([4, 6, 5, 3], acts, cost, seed=1)
        result = gradcheck(net, X, Y)
        results[f"{'/'.join(acts)}\n{cost}"] = result
        lesson.compute(
            f"{' → '.join(acts)} + {cost}: max relative error = max ‖∇_bp - ∇_num‖ / (‖∇_bp‖ + ‖∇_num‖)",
            f"{result.max_error:.1e}",
        )
        lesson.check("relative error below 1e-7 in float64", result.max_error < 1e-7)

    lesson.stage("A bug it would catch")
    net = NeuralNetwork([4, 6, 3], "sigmoid", seed=1)
    nabla_w, _ = net.backprop(X, Y)
    exact = nabla_w[0].ravel()[:10].copy()
    wrong = exact * 0.5  # e.g. a forgotten factor in σ'
    numeric = np.array([numerical_gradient(net, X, Y, k) for k in range(10)])
    err = np.linalg.norm(wrong - numeric) / (np.linalg.norm(wrong) + np.linalg.norm(numeric))
    print(f"a gradient off by a factor 2 gives a relative error of {err:.2f}")
    lesson.check("a wrong gradient stands out by many orders of magnitude", err > 0.1)
    print("\n" + str(gradcheck(net, X, Y)))

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.5))
    width = 0.12
    for i, (name, result) in enumerate(results.items()):
        errors = [e for pair in zip(result.W, result.b) for e in pair]
        ax.bar(np.arange(len(errors)) + i * width, errors, width, label=name.replace("\n", " + "))
    ax.axhline(1e-7, color="k", ls="--", lw=1)
    ax.axhline(err, color="r", ls=":", lw=1)
    ax.text(0, err * 1.5, "a gradient off by a factor 2", color="r", fontsize=8)
    ax.set(
        yscale="log",
        ylabel="relative error",
        xticks=np.arange(6) + 1.5 * width,
        xticklabels=["W^1", "b^1", "W^2", "b^2", "W^3", "b^3"],
        title="Backprop against central differences",
    )
    ax.legend(fontsize=7, loc="center right")
    lesson.figure(fig, "relative_errors")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
