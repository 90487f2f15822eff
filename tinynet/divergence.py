"""When a training run has diverged: its cost left the finite numbers, or its parameters ran away.

The [`Trainer`][tinynet.trainer.Trainer] checks after every batch; a run that diverged
stops with [`TrainingDiverged`][tinynet.history.TrainingDiverged], the network put back
to the last parameters that were still sound.
"""

import math

from .history import TrainingDiverged


class DivergenceGuard:
    """Stops a run whose cost or parameters run away, restoring the last parameters that had not.

    A learning step far too large shows first in the parameters: one step
    throws the weights to huge values where every unit saturates, and the cost
    of a saturated network can stay finite (even stop changing) while the
    weights mean nothing. So a run has diverged when the cost is NaN or
    infinite, or when the parameters' root mean square exceeds ``GROWTH`` times
    what it was before training (and at least ``GROWTH``): no training run that
    works takes its weights anywhere near that.
    """

    GROWTH = 1000.0

    def __init__(self, network, history):
        self.network, self.history = network, history
        self.last_good = network.params.copy()
        self.limit = self.GROWTH * max(self.rms(), 1.0)
        self.check(0, None)

    def rms(self):
        params = self.network.params
        return float(self.network.xp.linalg.norm(params)) / max(params.size, 1) ** 0.5

    def check(self, k, eta):
        cost, rms = self.history.costs[-1], self.rms()
        if math.isfinite(cost) and rms <= self.limit:  # (NaN fails the comparison too)
            self.last_good[...] = self.network.params
            return
        where = "before training" if k == 0 else f"after batch {k} (learning_step={eta:g})"
        what = (
            f"the cost became {cost}"
            if not math.isfinite(cost)
            else f"the parameters' size (root mean square) grew to {rms:.3g}"
            if math.isfinite(rms)
            else "the parameters became NaN or infinite"
        )
        self.network.params[...] = self.last_good
        raise TrainingDiverged(
            f"{what} {where}: training diverged; try a smaller learning_step "
            "(the network keeps the parameters it had before that batch)",
            self.history,
        )
