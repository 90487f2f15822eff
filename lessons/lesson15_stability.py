"""Why antisymmetric and Hamiltonian networks are stable: eigenvalues.

Near a point the ODE dY/dt = σ(K Y + b) behaves like its linearisation
dY/dt = J Y with J = diag(σ') K. Small changes of the input grow like e^(λt)
for the eigenvalues λ of J: a positive real part means growth. Forward Euler
(the ResNet) multiplies them by |1 + hλ| at every layer. An antisymmetric
matrix ½(K - Kᵀ) has purely imaginary eigenvalues, and -γI moves them just
left of the axis: nothing grows, nothing vanishes. The Hamiltonian network
pairs Y with Z through K and -Kᵀ, the matrix [[0, K], [-Kᵀ, 0]], again with
imaginary eigenvalues, and the Verlet scheme keeps that property step by step.
"""

import numpy as np

from tinynet.stable.schemes import ARCHITECTURES, Antisymmetric
from tinynet.stable.stability import perturbation_growth, stability_demo
from tinynet.teach.lessonkit import Lesson, pyplot


def main(argv=None):
    lesson = Lesson(15, "stability: eigenvalues", argv)
    np.set_printoptions(precision=3, suppress=True)
    plt = pyplot()
    n, h, shift = 8, 0.1, 1.0

    lesson.stage("The eigenvalues of each layer's matrix")
    rng = np.random.default_rng(0)
    K = rng.standard_normal((n, n)) / np.sqrt(n) + shift * np.eye(n)  # what stability_demo uses
    net = Antisymmetric(2, 2, width=n, layers=1, gamma=0.1, seed=0)
    net.K[0] = K
    plain = np.linalg.eigvals(K)
    anti = np.linalg.eigvals(net.matrix(0))
    hamiltonian = np.linalg.eigvals(np.block([[np.zeros((n, n)), K], [-K.T, np.zeros((n, n))]]))
    print(f"K (ResNet):              real parts {np.sort(plain.real)}")
    print(f"½(K - Kᵀ - γI), γ = 0.1: real parts {np.sort(anti.real)}")
    print(f"[[0, K], [-Kᵀ, 0]]:      real parts {np.sort(hamiltonian.real)[::4]} (every 4th)")
    lesson.check("K has eigenvalues with positive real part", plain.real.max() > 0.5)
    lesson.check("the antisymmetric matrix's eigenvalues all have real part -γ/2", np.allclose(anti.real, -0.05))
    lesson.check("the Hamiltonian pairing's eigenvalues are imaginary", np.allclose(hamiltonian.real, 0, atol=1e-9))

    lesson.stage("Forward Euler multiplies a change by |1 + hλ| per layer")
    growth = np.abs(1 + h * plain)
    print(f"|1 + hλ| for K: {np.sort(growth)}; over 64 layers the largest gives {growth.max() ** 64:.1f}x")
    lesson.check("some change grows under forward Euler", growth.max() > 1)

    fig, ax = plt.subplots(figsize=(4.5, 4))
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 200))
    ax.plot(((circle - 1) / h).real, ((circle - 1) / h).imag, "k--", lw=0.8, label="|1 + hλ| = 1")
    ax.scatter(plain.real, plain.imag, label="K (ResNet)", s=18)
    ax.scatter(anti.real, anti.imag, label="½(K - Kᵀ - γI)", s=18, marker="x")
    ax.scatter(hamiltonian.real, hamiltonian.imag, label="[[0, K], [-Kᵀ, 0]]", s=10, marker="s")
    ax.set(xlim=(-3, 2), ylim=(-3, 3), xlabel="Re λ", ylabel="Im λ", title="eigenvalues")
    ax.axvline(0, color="gray", lw=0.5)
    ax.legend(fontsize=7)
    lesson.figure(fig, "eigenvalues")

    lesson.stage("Measured: the growth of a perturbation through N layers")
    depths = (4, 8, 16, 32, 64)
    x = 0.1 * rng.standard_normal((20, 2))
    curves = {kind: [] for kind in ARCHITECTURES}
    for N in depths:
        for kind, cls in ARCHITECTURES.items():
            net = cls(2, 2, width=n, layers=N, h=h, seed=0)
            net.K[...] += shift * np.eye(n)
            curves[kind].append(perturbation_growth(net, x))
    for kind, values in curves.items():
        print(
            f"{kind:<14} forward: "
            + "  ".join(f"{f:7.2f}" for f, _ in values)
            + "   backward: "
            + "  ".join(f"{b:7.2f}" for _, b in values)
        )
    results = stability_demo(layers=64)
    print("stability_demo(layers=64), the same weights on the inputs it draws itself (forward, backward):")
    for kind, (f, b) in results.items():
        print(f"  {kind:<14} {f:6.2f}x {b:7.2f}x")
    forward, backward = results.pop("resnet")
    print(f"N = 64: the ResNet amplifies a change {forward:.1f}x forward and an error {backward:.1f}x backward")
    lesson.check("with 64 layers the ResNet amplifies both", forward > 5 and backward > 20)
    lesson.check("the other three keep both within 2x", all(f < 2 and b < 2 for f, b in results.values()))

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for kind, values in curves.items():
        axes[0].plot(depths, [f for f, _ in values], "o-", label=kind)
        axes[1].plot(depths, [b for _, b in values], "o-", label=kind)
    forward_label = r"$\Vert\delta Y_N\Vert / \Vert\delta Y_0\Vert$"
    backward_label = r"$\Vert\partial C/\partial Y_0\Vert / \Vert\partial C/\partial Y_N\Vert$"
    axes[0].set(xscale="log", yscale="log", xlabel="layers $N$", ylabel=forward_label, title="forward")
    axes[1].set(xscale="log", yscale="log", xlabel="layers $N$", ylabel=backward_label, title="backward")
    for ax in axes:
        ax.set_xticks(depths, [str(N) for N in depths])
        ax.minorticks_off()
    axes[0].legend(fontsize=7)
    lesson.figure(fig, "growth")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
