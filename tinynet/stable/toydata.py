"""Two-dimensional toy data sets for the stable architectures, generated in code.

- ``ellipses``: the set-up of Haber & Ruthotto: class 0 inside (r ~ U(0, 1)),
  class 1 outside (r ~ U(1, 2)), points (r cos θ, 0.4 r sin θ), θ ~ U(0, 2π).
- ``swiss_roll``: two interleaved spiral arms, θ from 0 to 4π: arm 0 at
  (θ cos θ, θ sin θ)/(4π), arm 1 the same turned by half a turn.

Both return ``(X, labels)``; ``pad`` zero-pads X to more dimensions.
"""

import numpy as np


def ellipses(n=1000, seed=0):
    """n points (r cos θ, 0.4 r sin θ), θ ~ U(0, 2π); label 0 (even rows): r ~ U(0, 1), label 1: r ~ U(1, 2)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    r = np.where(labels == 0, rng.uniform(0, 1, n), rng.uniform(1, 2, n))
    theta = rng.uniform(0, 2 * np.pi, n)
    return np.c_[r * np.cos(theta), 0.4 * r * np.sin(theta)], labels


def swiss_roll(n=1000, seed=0):
    """n points (θ cos θ, θ sin θ)/(4π), θ ~ U(0, 4π); label 1 (odd rows) turned by half a turn: -(...)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    theta = rng.uniform(0, 4 * np.pi, n)
    X = np.c_[theta * np.cos(theta), theta * np.sin(theta)] / (4 * np.pi)
    X[labels == 1] *= -1  # the second arm: half a turn further
    return X, labels


def pad(X, width):
    """X with zero columns added up to ``width`` features."""
    out = np.zeros((len(X), width))
    out[:, : X.shape[1]] = X
    return out
