"""Gradient checking: backprop against the slope measured numerically.

For every parameter p, (C(p + ε) - C(p - ε)) / 2ε approximates ∂C/∂p with an
error of order ε². ``tinynet.gradcheck`` compares that with backprop, block by
block (W^l and b^l apart); in float64 a correct backward pass agrees to better
than 1e-7, a wrong one is off by 1e-2 or more.
"""

import numpy as np

from tinynet import NeuralNetwork
from tinynet.activations import Sigmoid
from tinynet.gradcheck import gradcheck, numerical_gradient
from tinynet.teach.lessonkit import SAMPLE_X, SAMPLE_Y, Lesson, pyplot, small_network


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

    lesson.stage("Why 1e-7, and why float64")
    print("The numerical slope has two errors: the truncation of order ε² (about 1e-12 here) and the")
    print("round-off of the two costs, about the machine's relative precision times C, divided by 2ε.")
    print("In float64 (precision 2e-16) that is about 1e-10 of the slope, far below 1e-7. In float32")
    print("(precision 1e-7) the same ε makes the round-off as large as the slope itself.")
    net64 = NeuralNetwork([4, 6, 5, 3], ["tanh", "relu", "softmax"], "cross_entropy", seed=1)
    net32 = NeuralNetwork([4, 6, 5, 3], ["tanh", "relu", "softmax"], "cross_entropy", seed=1, dtype=np.float32)
    net32.params[...] = net64.params
    e64, e32 = gradcheck(net64, X, Y).max_error, gradcheck(net32, X, Y).max_error
    lesson.compute("the same check, float64 and float32 copies of one network", f"{e64:.1e}   {e32:.1e}")
    lesson.check("in float32 the check cannot tell right from wrong (error above 1e-3)", e32 > 1e-3)
    lesson.check("... while in float64 the same network passes below 1e-7", e64 < 1e-7)

    lesson.stage("A bug it would catch")
    print("A correct network first: [4, 6, 3], sigmoid, quadratic cost. The check, block by block:")
    net = NeuralNetwork([4, 6, 3], "sigmoid", seed=1)
    good = gradcheck(net, X, Y)
    print(good)
    lesson.check("the correct network passes in every block", good.max_error < 1e-7)

    class ForgetsSigmaPrime(Sigmoid):
        """A sigmoid layer whose backward forgets to multiply by σ'(z): a usual bug."""

        def backward(self, z, a, g):
            return g

    print("\nThe same network with a bug: its hidden layer's backward returns ∂C/∂a unchanged, forgetting")
    print("the factor σ'(z) of BP2 (the output layer is the correct sigmoid).")
    buggy = NeuralNetwork([4, 6, 3], [ForgetsSigmaPrime(), "sigmoid"], seed=1)
    bad = gradcheck(buggy, X, Y)
    print(bad)
    err = bad.max_error
    lesson.check("the bug stands out by many orders of magnitude (relative error above 0.1)", err > 0.1)
    lesson.check(
        "and the check points at the layer: W^1 and b^1 are wrong, W^2 and b^2 right",
        min(bad.errors["W1"], bad.errors["b1"]) > 0.1 and max(bad.errors["W2"], bad.errors["b2"]) < 1e-7,
    )

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.5))
    width = 0.12
    for i, (name, result) in enumerate(results.items()):
        errors = [e for pair in zip(result.W, result.b) for e in pair]
        ax.bar(np.arange(len(errors)) + i * width, errors, width, label=name.replace("\n", " + "))
    ax.axhline(1e-7, color="k", ls="--", lw=1)
    ax.axhline(err, color="r", ls=":", lw=1)
    ax.text(0, err * 1.5, "a hidden layer that forgets σ′", color="r", fontsize=8)
    ax.set(
        yscale="log",
        ylabel="relative error",
        xticks=np.arange(6) + 1.5 * width,
        xticklabels=["$W^1$", "$b^1$", "$W^2$", "$b^2$", "$W^3$", "$b^3$"],
        title="Backprop against central differences",
    )
    ax.legend(fontsize=7, loc="center right")
    lesson.figure(fig, "relative_errors")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
