"""A single neuron: the weighted input z = w·x + b and the activation a = σ(z).

A network with 3 inputs and 1 output is one neuron. Its weighted input is
z = w·x + b (a weighted sum of the inputs plus a bias), and its output is
a = σ(z) for an activation function σ. Backpropagation is about slopes, so
this lesson first measures one (nudge a number by h, watch the output, divide
by h), then chains two of them (a weight moves z, z moves a), and draws each
σ with its derivative σ'(z).
"""

import numpy as np

from tinynet import ACTIVATIONS, NeuralNetwork
from tinynet.teach.lessonkit import Lesson, pyplot


def output_after_nudge(net, array, index, h, x):
    """The neuron's output a with ``array[index]`` (a weight or the bias) moved by h, then put back."""
    old = array[index]
    array[index] = old + h
    a = net.feedforward(x)[0]
    array[index] = old
    return a


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
    lesson.compute(
        f"z = w·x + b = Σ_k w_k x_k + b = {' + '.join(f'({wk:.4f})({xk})' for wk, xk in zip(w, x))} + {b}",
        f"{t[1].z[0, 0]:.4f}",
    )
    lesson.compute("a = σ(z) = 1 / (1 + e^-z)", f"{t[1].a[0, 0]:.4f}")
    lesson.check("the network's z is w·x + b", np.isclose(t[1].z[0, 0], w @ x + b))
    lesson.check("the network's output is σ(z)", np.isclose(net.feedforward(x)[0], 1 / (1 + np.exp(-(w @ x + b)))))

    lesson.stage("A derivative is a measured slope: nudge by h, watch, divide")
    sig = ACTIVATIONS["sigmoid"]
    exact = sig.derivative(t[1].z[0])[0]
    print("Move the bias b by h: z moves by exactly h, and the output a moves by about σ'(z) h.")
    print("The ratio (a(b + h) - a(b)) / h approaches the slope σ'(z) as h shrinks:")
    errors = []
    for h in (1.0, 0.1, 0.01, 0.001):
        moved = output_after_nudge(net, net.biases[0], 0, h, x)
        ratio = (moved - t[1].a[0, 0]) / h
        lesson.compute(
            f"(a(b + {h:g}) - a(b)) / {h:g} = ({moved:.6f} - {t[1].a[0, 0]:.6f}) / {h:g}",
            f"{ratio:.6f}   (σ'(z) - ratio = {exact - ratio:+.1e})",
        )
        errors.append(abs(ratio - exact))
    lesson.compute("σ'(z) = a (1 - a)  (tinynet's Activation.derivative)", f"{exact:.10f}")
    print("The one-sided ratio is off by an amount proportional to h (10x smaller h, 10x smaller error);")
    print("the central difference (a(b + h) - a(b - h)) / 2h is off by one proportional to h², which is")
    print("why lessons 4-7 measure with it:")
    central = (
        output_after_nudge(net, net.biases[0], 0, 1e-4, x) - output_after_nudge(net, net.biases[0], 0, -1e-4, x)
    ) / 2e-4
    lesson.compute("(a(b + 1e-4) - a(b - 1e-4)) / 2e-4", f"{central:.10f}   (σ'(z) - it = {exact - central:+.1e})")
    lesson.check("the measured slope approaches σ'(z) as h shrinks", all(e1 > e2 for e1, e2 in zip(errors, errors[1:])))
    lesson.check("the central difference agrees with σ'(z) to 1e-8", abs(central - exact) < 1e-8)

    lesson.stage("The chain rule along one path: a weight moves z, z moves a")
    print("w_k changes a only through z: w_k → z → a. Each link has its own slope,")
    print("∂z/∂w_k = x_k (z = Σ_k w_k x_k + b) and ∂a/∂z = σ'(z), and the slopes multiply:")
    print("∂a/∂w_k = ∂a/∂z · ∂z/∂w_k = σ'(z) x_k.")
    for k in range(3):
        measured = (
            output_after_nudge(net, net.weights[0], (0, k), 1e-5, x)
            - output_after_nudge(net, net.weights[0], (0, k), -1e-5, x)
        ) / 2e-5
        lesson.compute(f"∂a/∂w_{k} measured: (a(w_{k} + h) - a(w_{k} - h)) / 2h", f"{measured:.6f}")
        lesson.compute(f"σ'(z) x_{k} = {exact:.6f} · {x[k]}", f"{exact * x[k]:.6f}")
        lesson.check(f"∂a/∂w_{k} is σ'(z) x_{k} (chain rule)", np.isclose(measured, exact * x[k], atol=1e-9))
    print("A weight whose input x_k is 0 does not move a at all: its slope is σ'(z) · 0.")

    lesson.stage("The activation functions and their derivatives")
    z = np.linspace(-4, 4, 401)
    names = [name for name in ACTIVATIONS if name != "softmax"]
    print(f"{'σ':<11}" + "".join(f"{'σ(' + str(v) + ')':>10}" for v in (-2, 0, 2)) + f"{'σ′(0.5)':>10}")
    for name in names:
        act = ACTIVATIONS[name]
        values = act(np.array([-2.0, 0.0, 2.0]))
        print(f"{name:<11}" + "".join(f"{v:>10.4f}" for v in values) + f"{act.derivative(np.array([0.5]))[0]:>10.4f}")
        slope = (act(z + 1e-6) - act(z - 1e-6)) / 2e-6
        away_from_kink = np.abs(z) > 1e-3  # relu has no slope at exactly 0
        lesson.check(
            f"{name}: derivative() is the slope of σ",
            np.allclose(act.derivative(z)[away_from_kink], slope[away_from_kink], atol=1e-6),
        )
    print("\nsoftmax is not element-wise: a_j = e^z_j / Σ_k e^z_k over a layer's units,")
    print(f"softmax([1, 2, 3]) = {ACTIVATIONS['softmax'](np.array([[1.0, 2.0, 3.0]]))[0]}")
    print("(lesson 4 derives its slopes, a whole matrix of them).")

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
    lesson.compute("sigmoid′(0)", f"{sig.derivative(np.array([0.0]))[0]:.4f}")
    lesson.compute("sigmoid′(6)", f"{sig.derivative(np.array([6.0]))[0]:.6f}")
    print("A saturated sigmoid (|z| large) has σ′ ≈ 0: every slope that passes through it is")
    print("multiplied by almost nothing, so its weights barely learn. Lessons 4 to 6 show where that bites.")
    lesson.check("sigmoid′ is largest at 0, where it is 1/4", np.isclose(sig.derivative(np.array([0.0]))[0], 0.25))
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
