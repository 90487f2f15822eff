"""The leapfrog scheme: a second-order network that can run backwards.

The leapfrog network discretises the second-order ODE d²Y/dt² = -Kᵀ σ(K Y + b)
with the central difference (Y_(j+1) - 2Y_j + Y_(j-1)) / h²:

    Y_(j+1) = 2Y_j - Y_(j-1) - h² K_jᵀ σ(K_j Y_j + b_j),     Y_(-1) = Y_0.

Each layer needs the two states before it. The same formula solved for Y_(j-1)
runs the network backwards, so the forward pass could be recomputed from the
last two states instead of stored: a memory saving the ResNet does not offer.
And like a spring, the features oscillate instead of growing.
"""

import numpy as np

from tinynet.stable.schemes import Leapfrog, ResNet
from tinynet.teach.lessonkit import Lesson, pyplot


def main(argv=None):
    lesson = Lesson(16, "the leapfrog scheme", argv)
    np.set_printoptions(precision=4, suppress=True)
    plt = pyplot()
    rng = np.random.default_rng(0)

    lesson.stage("One step, by hand")
    net = Leapfrog(2, 2, width=2, layers=2, h=0.5, seed=0)
    net.b[...] = [[0.1, -0.1], [0.2, 0.0]]
    Y0 = np.array([[1.0, 0.5]])
    states = net.trajectory(Y0)
    K, b, h = net.K[0], net.b[0], net.h
    Y1 = 2 * Y0 - Y0 - h**2 * np.tanh(Y0 @ K.T + b) @ K
    print(f"Y_0 = Y_(-1) = {Y0[0]}")
    print(f"Y_1 = 2Y_0 - Y_(-1) - h² K_0ᵀ tanh(K_0 Y_0 + b_0) = {Y1[0]}  (tinynet: {states[1][0][0]})")
    lesson.check("the network's first layer is the leapfrog step", np.allclose(states[1][0], Y1))

    lesson.stage("Running the network backwards")
    net = Leapfrog(2, 2, width=4, layers=32, h=0.3, seed=1)
    x = rng.standard_normal((5, 2))
    states = net.trajectory(x)
    Y_next, Y = states[-1][0], states[-2][0]  # Y_N and Y_(N-1)
    for j in reversed(range(net.N - 1)):  # Y_(j) = 2Y_(j+1) - Y_(j+2) - h² K_(j+1)ᵀ σ(K_(j+1) Y_(j+1) + b_(j+1))
        K = net.K[j + 1]
        Y, Y_next = 2 * Y - Y_next - net.h**2 * np.tanh(Y @ K.T + net.b[j + 1]) @ K, Y
    error = np.abs(Y - states[0][0]).max()
    print(f"from Y_32 and Y_31 back to Y_0 through 31 layers: largest error {error:.1e}")
    lesson.check("the inputs come back from the last two states (error < 1e-9)", error < 1e-9)

    lesson.stage("Oscillating instead of growing")
    depth, n = 64, 4
    K = rng.standard_normal((n, n)) / np.sqrt(n) + np.eye(n)
    norms = {}
    for cls in (ResNet, Leapfrog):
        net = cls(2, 2, width=n, layers=depth, h=0.2, seed=0)
        net.K[...] = K
        paths = net.trajectory(0.5 * np.ones((1, 2)))
        norms[cls.__name__] = [float(np.linalg.norm(s[0])) for s in paths]
        print(
            f"{cls.__name__:<9} ‖Y_j‖ at j = 0, 16, 32, 48, 64: "
            + "  ".join(f"{norms[cls.__name__][j]:.3f}" for j in range(0, depth + 1, 16))
        )
    lesson.check("the ResNet's features grow", norms["ResNet"][-1] > 3 * norms["ResNet"][0])
    lesson.check("the leapfrog features stay bounded", max(norms["Leapfrog"]) < 3 * norms["Leapfrog"][0])

    fig, ax = plt.subplots(figsize=(5, 3))
    for name, values in norms.items():
        ax.plot(values, label=name)
    ax.set(xlabel="layer j", ylabel="‖Y_j‖", title="the same K at every layer", yscale="log")
    ax.legend()
    lesson.figure(fig, "trajectory")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
