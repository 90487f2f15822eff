"""How PVD and synthetic gradients split a stable network: its layers into runs, its parameters into blocks.

A part of [`tinynet.stable.StableNet`][tinynet.stable_net.StableNet] (a base class of it): ``self`` is
the network, with ``N`` layers of width ``n``, ``classes`` and ``params``.
"""

import numpy as np


class Blocks:
    """Where each layer's K_j and b_j lie in ``params``, and the split of the layers into P blocks."""

    def layer_indices(self, j0, j1):
        """Where K_j and b_j of the layers j0 <= j < j1 sit in ``params`` (an index array)."""
        n, N = self.n, self.N
        return np.r_[j0 * n * n : j1 * n * n, N * n * n + j0 * n : N * n * n + j1 * n]

    def layer_groups(self, P):
        """The layers split into P runs of neighbours: [(j0, j1), ...] (layers j0 <= j < j1)."""
        if not 1 <= P <= self.N:
            raise ValueError(f"blocks: expected 1 to {self.N} (the number of layers), got {P}")
        ends = np.cumsum([0] + [len(part) for part in np.array_split(np.arange(self.N), P)])
        return [(int(j0), int(j1)) for j0, j1 in zip(ends[:-1], ends[1:])]

    def blocks(self, P):
        """The parameters split into P blocks of neighbouring layers (index arrays into ``params``).

        Block 0 also holds the opening layer, the last block the classifier W, μ.
        """
        n, N, k = self.n, self.N, self.classes
        classifier = np.arange(N * n * n + N * n, N * n * n + N * n + k * n + k)
        opening = np.arange(classifier[-1] + 1, self.params.size)
        groups = [self.layer_indices(j0, j1) for j0, j1 in self.layer_groups(P)]
        groups[0] = np.r_[groups[0], opening]
        groups[-1] = np.r_[groups[-1], classifier]
        return groups
