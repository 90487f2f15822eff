"""The output error δ^L = ∇_a C ⊙ σ'(z^L).

δ^L = ∂C/∂z^L says how much the cost changes when the weighted input of an
output unit changes. By the chain rule it is (how C changes with a^L) times
(how a^L changes with z^L). We read δ^L off the network's own backward pass
and check it against that formula and against a nudge of z.
"""

import numpy as np

from tinynet import ACTIVATIONS
from tinynet.lessonkit import SAMPLE_X, SAMPLE_Y, Lesson, pyplot, small_network


def main(argv=None):
    lesson = Lesson(4, "the output error δ^L", argv)
    np.set_printoptions(precision=5, suppress=True)
    net = small_network()
    x, y = np.array(SAMPLE_X), np.array(SAMPLE_Y)
    t = net.trace(x, y)
    out = t[2]

    lesson.stage("δ^L from backprop")
    print(f"z^2 = {out.z[0]}, a^2 = {out.a[0]}, y = {y}")
    print(f"δ^2 = {out.delta[0]}")

    lesson.stage("The formula: ∇_a C ⊙ σ'(z^L)")
    grad_a = out.a[0] - y  # quadratic cost: ∇_a C = a - y
    sigma_prime = ACTIVATIONS["sigmoid"].derivative(out.z[0])
    print(f"∇_a C = a - y = {grad_a}")
    print(f"σ'(z^2) = a(1 - a) = {sigma_prime}")
    print(f"∇_a C ⊙ σ'(z^2) = {grad_a * sigma_prime}")
    lesson.check("backprop's δ^L is ∇_a C ⊙ σ'(z^L)", np.allclose(out.delta[0], grad_a * sigma_prime))

    lesson.stage("What δ means: nudge z and watch C")
    eps = 1e-6
    sigmoid = ACTIVATIONS["sigmoid"]
    for j in range(2):
        dz = np.zeros(2)
        dz[j] = eps
        a_plus, a_minus = sigmoid(out.z[0] + dz), sigmoid(out.z[0] - dz)
        slope = (0.5 * np.sum((a_plus - y) ** 2) - 0.5 * np.sum((a_minus - y) ** 2)) / (2 * eps)
        print(f"unit {j}: (C(z_{j} + ε) - C(z_{j} - ε)) / 2ε = {slope:.6f}   δ_{j} = {out.delta[0, j]:.6f}")
        lesson.check(f"δ_{j} is the slope of C with respect to z_{j}", np.isclose(slope, out.delta[0, j], atol=1e-8))
    shifts = np.linspace(-3, 3, 121)
    costs = [0.5 * np.sum((sigmoid(out.z[0] + [s, 0.0]) - y) ** 2) for s in shifts]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(out.z[0, 0] + shifts, costs, label="C as z_0 moves")
    C0 = 0.5 * np.sum((out.a[0] - y) ** 2)
    ax.plot(out.z[0, 0] + shifts[40:81], C0 + out.delta[0, 0] * shifts[40:81], "r--", label="slope δ_0")
    ax.plot([out.z[0, 0]], [C0], "ko")
    ax.set(xlabel="z_0 (output unit 0)", ylabel="C", title="δ_0 is the slope of the cost")
    ax.legend()
    lesson.figure(fig, "slope")
    print("\nδ_0 < 0: raising z_0 lowers the cost (output 0 should go up to 1);")
    print("δ_1 > 0: raising z_1 raises it (output 1 should go down to 0).")
    lesson.check("the signs say which way each output must move", out.delta[0, 0] < 0 < out.delta[0, 1])
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
