"""How much a stable network's layers amplify a small change, forward and backward (lesson 15)."""

import numpy as np

from tinynet.stable.schemes import ARCHITECTURES


def perturbation_growth(net, x, eps=1e-6, seed=0):
    """How much the N layers amplify a small change: (forward, backward).

    forward:  ‖Y_N(x + dx) - Y_N(x)‖ / ‖dx‖ for a random change dx of size eps;
    backward: ‖∂C/∂Y_0‖ / ‖∂C/∂Y_N‖ for a random error G at the last layer,
              carried back through every layer's backward step.
    Stable architectures keep both near 1 however deep the network is.
    """
    xp = net.xp
    rng = np.random.default_rng(seed)
    x = net.check_x(x)
    dx = rng.standard_normal(x.shape)
    dx *= eps / np.linalg.norm(dx)
    forward = float(xp.linalg.norm(net.trajectory(x + dx)[-1][0] - net.trajectory(x)[-1][0])) / eps
    zs, states = net.run_layers(0, net.N, net.start(net.lift(x)[1]))
    G = (xp.asarray(rng.standard_normal(states[-1][0].shape)),) + tuple(xp.zeros_like(s) for s in states[-1][1:])
    size = float(xp.linalg.norm(G[0]))
    _, G = net.run_layers_back(0, net.N, zs, states, G, xp.zeros_like(net.params))  # (the weights' gradients: unused)
    return forward, float(xp.linalg.norm(net.start_back(G))) / size


def stability_demo(layers=64, width=8, h=0.1, shift=1.0, seed=0):
    """Perturbation growth of each architecture with the same random weights: {kind: (forward, backward)}.

    K_j = a random N(0, 1/n) matrix + shift·I: its eigenvalues have positive
    real parts, the case where forward Euler (ResNet) amplifies every change
    layer after layer while the other three schemes stay near 1. The inputs
    are small, so σ works in its linear range where this shows most plainly.
    """
    rng = np.random.default_rng(seed)
    x = 0.1 * rng.standard_normal((20, 2))
    results = {}
    for kind, cls in ARCHITECTURES.items():
        net = cls(2, 2, width=width, layers=layers, h=h, seed=seed)
        net.K[...] += shift * np.eye(width)
        results[kind] = perturbation_growth(net, x, seed=seed)
    return results
