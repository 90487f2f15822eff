"""A single neuron: the weighted input z = w·x + b and the activation a = σ(z).

A network with 3 inputs and 1 output is one neuron. Its weighted input is
z = w·x + b (a weighted sum of the inputs plus a bias), and its output is
a = σ(z) for an activation function σ. Backpropagation will need each σ's
derivative σ'(z), so we draw both.
"""

import numpy as np

from tinynet import ACTIVATIONS, NeuralNetwork
from tinynet.lessonkit import Lesson, pyplot


def main(argv=None):
    lesson = Lesson(1, "a single neuron", argv)
    np.set_printoptions(precision=4, suppress=True)

    lesson.stage("The weighted input z = w·x + b")
    net = NeuralNetwork([3, 1], "sigmoid", seed=1)
    net.biases[0][...] = 0.5
    w, b = net.weights[0][0], net.biases[0][0]
    x = np.array([1.0, -2.0, 0.5])
    t = net.trace(x, [1.0])
    print(f"w = {w}, b = {b}, x = {x}")
    print(f"z = w·x + b = {w @ x:.4f} + {b} = {t[1].z[0, 0]:.4f}")
    print(f"a = σ(z) = 1 / (1 + e^-z) = {t[1].a[0, 0]:.4f}")
    lesson.check("the network's z is w·x + b", np.isclose(t[1].z[0, 0], w @ x + b))
    lesson.check("the network's output is σ(z)", np.isclose(net.feedforward(x)[0], 1 / (1 + np.exp(-(w @ x + b)))))

    lesson.stage("The activation functions and their derivatives")
    z = np.linspace(-4, 4, 401)
    names = [name for name in ACTIVATIONS if name != "softmax"]
    print(f"{'σ':<11}" + "".join(f"{'σ(' + str(v) + ')':>10}" for v in (-2, 0, 2)) + f"{'σ′(0.5)':>10}")
    for name in names:
        act = ACTIVATIONS[name]
        values = act(np.array([-2.0, 0.0, 2.0]))
        print(f"{name:<11}" + "".join(f"{v:>10.4f}" for v in values)
              + f"{act.derivative(np.array([0.5]))[0]:>10.4f}")
        slope = (act(z + 1e-6) - act(z - 1e-6)) / 2e-6
        away_from_kink = np.abs(z) > 1e-3  # relu has no slope at exactly 0
        lesson.check(f"{name}: derivative() is the slope of σ",
                     np.allclose(act.derivative(z)[away_from_kink], slope[away_from_kink], atol=1e-6))
    print("\nsoftmax is not element-wise: a_j = e^z_j / Σ_k e^z_k over a layer's units,")
    print(f"softmax([1, 2, 3]) = {ACTIVATIONS['softmax'](np.array([[1.0, 2.0, 3.0]]))[0]}")

    plt = pyplot()
    fig, axes = plt.subplots(2, 4, figsize=(13, 6), sharex=True)
    for ax, name in zip(axes.flat, names):
        act = ACTIVATIONS[name]
        ax.plot(z, act(z), label="σ(z)")
        ax.plot(z, act.derivative(z), "--", label="σ′(z)")
        ax.set_title(name)
        ax.axhline(0, color="grey", lw=0.5)
        ax.legend(fontsize=8)
    axes.flat[-1].axis("off")
    fig.suptitle("Activation functions and their derivatives")
    lesson.figure(fig, "activations")

    lesson.stage("Why σ′ matters")
    sig = ACTIVATIONS["sigmoid"]
    print(f"sigmoid′(0) = {sig.derivative(np.array([0.0]))[0]:.4f}, sigmoid′(6) = {sig.derivative(np.array([6.0]))[0]:.6f}")
    print("A saturated sigmoid (|z| large) has σ′ ≈ 0: the error that flows back through it is")
    print("multiplied by almost nothing, so its weights barely learn. Lessons 3-5 show where that bites.")
    lesson.check("sigmoid′ is largest at 0, where it is 1/4", np.isclose(sig.derivative(np.array([0.0]))[0], 0.25))
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
