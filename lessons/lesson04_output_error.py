"""The output error δ^L = ∇_a C ⊙ σ'(z^L).

δ^L = ∂C/∂z^L says how much the cost changes when the weighted input of an
output unit changes. By the chain rule it is (how C changes with a^L) times
(how a^L changes with z^L). We derive it in components, read δ^L off the
network's own backward pass and check it against the formula and against a
nudge of z; then the same for softmax, whose Jacobian is a whole matrix.
"""

import numpy as np

from tinynet import ACTIVATIONS
from tinynet.gradcheck import numerical_gradient
from tinynet.teach.lessonkit import SAMPLE_X, SAMPLE_Y, Lesson, pyplot, small_network


def output_slope(net, j, x, h=1e-6):
    """(a^L(b^L_j + h) - a^L(b^L_j - h)) / 2h: how every output moves when z^L_j moves (column j of ∂a/∂z)."""
    b = net.biases[-1]
    old = b[j]
    b[j] = old + h
    plus = net.feedforward(x)
    b[j] = old - h
    minus = net.feedforward(x)
    b[j] = old
    return (plus - minus) / (2 * h)


def main(argv=None):
    lesson = Lesson(4, "the output error δ^L", argv)
    np.set_printoptions(precision=5, suppress=True)
    net = small_network()
    x, y = np.array(SAMPLE_X), np.array(SAMPLE_Y)
    t = net.trace(x, y)
    out = t[2]
    sigmoid = ACTIVATIONS["sigmoid"]

    lesson.stage("What δ means: nudge z and watch C")
    print("δ^L_j = ∂C/∂z^L_j: if something nudged z^L_j by Δz, C would change by about δ^L_j Δz.")
    print("A bias moves its unit's z one for one (z_j = Σ_k W_jk a_k + b_j), so nudging b^2_j is")
    print("a clean way to nudge z^2_j alone, and net.cost_of measures C before and after.")
    print(f"z^2 = {out.z[0]}, a^2 = {out.a[0]}, y = {y}")
    lesson.compute("δ^2 = ∂C/∂z^2  (net.trace: tinynet's backward pass)", out.delta[0])
    slopes = []
    for j in range(2):
        slope = numerical_gradient(net, x, y, j, array=net.biases[1])
        slopes.append(slope)
        lesson.compute(
            f"(C(z^2_{j} + h) - C(z^2_{j} - h)) / 2h  (h = 1e-6, z^2_{j} moved through b^2_{j})",
            f"{slope:.8f}   δ^2_{j} = {out.delta[0, j]:.8f}",
        )
        lesson.check(f"δ_{j} is the slope of C with respect to z_{j}", np.isclose(slope, out.delta[0, j], atol=1e-8))
    print("\nWhy against z and not a? z is where a unit's parameters act (W and b move z, lesson 6), and")
    print("from z the error can be passed on through W (lesson 5): δ is the one number both need.")
    shifts = np.linspace(-3, 3, 121)
    costs = []
    for s in shifts:
        net.biases[1][0] += s
        costs.append(net.cost_of(x, y))
        net.biases[1][0] -= s
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(out.z[0, 0] + shifts, costs, label="$C$ as $z_0$ moves (net.cost_of)")
    C0 = t.C
    ax.plot(out.z[0, 0] + shifts[40:81], C0 + out.delta[0, 0] * shifts[40:81], "r--", label=r"slope $\delta_0$")
    ax.plot([out.z[0, 0]], [C0], "ko")
    ax.set(xlabel="$z_0$ (output unit 0)", ylabel="$C$", title=r"$\delta_0$ is the slope of the cost")
    ax.legend()
    lesson.figure(fig, "slope")
    print("δ_0 < 0: raising z_0 lowers the cost (output 0 should go up to 1);")
    print("δ_1 > 0: raising z_1 raises it (output 1 should go down to 0).")
    lesson.check("the signs say which way each output must move", out.delta[0, 0] < 0 < out.delta[0, 1])

    lesson.stage("BP1 in components: the chain rule through a^L")
    print("C depends on z^L only through a^L (lesson 3), so by the chain rule over every output k:")
    print("  δ^L_j = Σ_k ∂C/∂a^L_k · ∂a^L_k/∂z^L_j.")
    print("σ acts unit by unit: a^L_k = σ(z^L_k) does not move when another unit's z^L_j moves, so")
    print("∂a^L_k/∂z^L_j = 0 for k ≠ j and the sum keeps one term:  δ^L_j = ∂C/∂a^L_j · σ'(z^L_j).")
    for j in range(2):
        column = output_slope(net, j, x)
        lesson.compute(f"∂a^2/∂z^2_{j} measured (every output, z^2_{j} nudged)", column)
        lesson.check(
            f"moving z^2_{j} moves only a^2_{j} (∂a_k/∂z_j = 0 for k ≠ j)", abs(column[1 - j]) < 1e-12 and column[j] > 0
        )
    grad_a = []
    for j in range(2):
        # ∂C/∂a^L_j measured: tinynet's cost function evaluated at a^L with a_j moved by ±h
        a_plus, a_minus = out.a.copy(), out.a.copy()
        a_plus[0, j] += 1e-6
        a_minus[0, j] -= 1e-6
        g = (net.cost.value(out.z, a_plus, y[None], sigmoid) - net.cost.value(out.z, a_minus, y[None], sigmoid)) / 2e-6
        grad_a.append(g)
        lesson.compute(f"∂C/∂a^2_{j} measured on the quadratic cost (a^2_{j} ± h)", f"{g:.8f}")
    grad_a = np.array(grad_a)
    lesson.check("for the quadratic cost ∂C/∂a^L = a^L - y", np.allclose(grad_a, out.a[0] - y, atol=1e-8))
    sigma_prime = lesson.compute(
        "σ'(z^2) = a^2 (1 - a^2)  (tinynet's sigmoid derivative)", sigmoid.derivative(out.z[0])
    )
    for j in range(2):
        lesson.compute(
            f"δ^2_{j} = ∂C/∂a^2_{j} · σ'(z^2_{j}) = {grad_a[j]:.6f} · {sigma_prime[j]:.6f}",
            f"{out.delta[0, j]:.6f}  (backprop's)",
        )
        lesson.check(f"δ^2_{j} is ∂C/∂a^2_{j} σ'(z^2_{j})", np.isclose(out.delta[0, j], grad_a[j] * sigma_prime[j]))

    lesson.stage("BP1 in vector form: ∇_a C ⊙ σ'(z^L)")
    print("The component equations for all j at once are an element-by-element product, the Hadamard")
    print("product s ⊙ t = (s_0 t_0, s_1 t_1, ...): not a matrix product, because unit j's error needs")
    print("only unit j's slope. For example (1, 2) ⊙ (3, 4) = (3, 8).")
    lesson.compute(
        "∇_a C ⊙ σ'(z^2) = (a^2 - y) ⊙ σ'(z^2)  (the quadratic cost's delta, as tinynet computes it)", out.delta[0]
    )
    lesson.check("backprop's δ^L is ∇_a C ⊙ σ'(z^L)", np.allclose(out.delta[0], (out.a[0] - y) * sigma_prime))

    lesson.stage("Softmax: every output depends on every z, so the Jacobian is a full matrix")
    soft = small_network(["sigmoid", "softmax"], "cross_entropy")
    ts = soft.trace(x, y)
    a = ts[2].a[0]
    print(f"a^2 = softmax(z^2) = {a}")
    print("a_j = e^z_j / Σ_i e^z_i. Differentiating the quotient:")
    print("  ∂a_j/∂z_k = a_j (1 - a_k) if j = k,  -a_j a_k if j ≠ k;  together  ∂a_j/∂z_k = a_j (δ_jk - a_k)")
    print("(δ_jk is 1 if j = k and 0 otherwise). Raising one z raises its own output and lowers all others.")
    measured = np.column_stack([output_slope(soft, k, x) for k in range(2)])
    lesson.compute("J_jk = ∂a_j/∂z_k measured (column k: z^2_k nudged through b^2_k)", measured)
    jacobian = np.diag(a) - np.outer(a, a)
    lesson.compute("a_j (δ_jk - a_k) from the trace's a^2", jacobian)
    lesson.check("softmax's Jacobian is a_j (δ_jk - a_k)", np.allclose(measured, jacobian, atol=1e-9))
    print("So δ^L_k = Σ_j ∂C/∂a_j ∂a_j/∂z_k keeps every term. With C = -Σ_j y_j ln a_j, ∂C/∂a_j = -y_j / a_j:")
    print("  δ^L_k = Σ_j (-y_j / a_j) a_j (δ_jk - a_k) = -y_k + a_k Σ_j y_j = a_k - y_k   (Σ_j y_j = 1).")
    lesson.compute("δ^2 with softmax and cross-entropy (net.trace)", ts[2].delta[0])
    lesson.compute("a^2 - y", a - y)
    lesson.check("softmax + cross-entropy gives δ^L = a^L - y", np.allclose(ts[2].delta[0], a - y))
    lesson.check(
        "... which is the measured slope of C in z^L",
        np.allclose([numerical_gradient(soft, x, y, k, array=soft.biases[1]) for k in range(2)], a - y, atol=1e-8),
    )
    print("Sigmoid outputs with the two-class cross-entropy C = -Σ_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]:")
    print("  ∂C/∂a_j = (a_j - y_j) / (a_j (1 - a_j)), and σ'(z_j) = a_j (1 - a_j) cancels the denominator:")
    print("  δ^L_j = a_j - y_j as well.")
    sce = small_network("sigmoid", "cross_entropy")
    tc = sce.trace(x, y)
    lesson.compute("δ^2 with sigmoid and cross-entropy (net.trace)", tc[2].delta[0])
    lesson.check("sigmoid + two-class cross-entropy gives δ^L = a^L - y", np.allclose(tc[2].delta[0], tc[2].a[0] - y))
    lesson.check(
        "... which is the measured slope of C in z^L",
        np.allclose(
            [numerical_gradient(sce, x, y, k, array=sce.biases[1]) for k in range(2)], tc[2].a[0] - y, atol=1e-8
        ),
    )

    lesson.stage("A consequence: a saturated output learns slowly with the quadratic cost")
    sat = small_network()
    sat.biases[1][0] = -8.0  # z^2_0 far below 0: a^2_0 ≈ 0 though its target is 1
    ts = sat.trace(x, y)
    lesson.compute("a^2 with b^2_0 = -8", ts[2].a[0])
    lesson.compute("σ'(z^2) = a^2 (1 - a^2)", sigmoid.derivative(ts[2].z[0]))
    lesson.compute("δ^2 = (a^2 - y) ⊙ σ'(z^2)", ts[2].delta[0])
    print("Output 0 is as wrong as it can be, yet its error is tiny: σ'(z^2_0) ≈ 0 multiplies it away,")
    print("and every gradient that unit's weights get is made from δ^2_0 (lesson 6).")
    lesson.check(
        "a saturated wrong output has an error 100x smaller than the unsaturated one had",
        abs(ts[2].delta[0, 0]) * 100 < abs(out.delta[0, 0]),
    )
    sat_ce = small_network("sigmoid", "cross_entropy")
    sat_ce.biases[1][0] = -8.0
    d_ce = lesson.compute(
        "δ^2 = a^2 - y for the same outputs with the two-class cross-entropy", sat_ce.trace(x, y)[2].delta[0]
    )
    lesson.check("with cross-entropy the saturated wrong output keeps an error near -1", d_ce[0] < -0.99)
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
