"""What a training run did, and how it can fail.

[`History`][tinynet.history.History] is what ``Trainer.train`` returns: the cost on the
cost-estimation batch after every batch, the learning steps, which batches
improved, and the validation figures. The trainer checks after every batch
([`DivergenceGuard`][tinynet.history.DivergenceGuard]) that the run has not diverged; one that has
stops with [`TrainingDiverged`][tinynet.history.TrainingDiverged], which carries the history up to then,
the network put back to the last parameters that were still sound.
"""

import math
from dataclasses import dataclass, field


@dataclass
class History:
    """What a training run did.

    ``costs[0]`` is the mean cost per sample on the cost-estimation batch
    before training, ``costs[k]`` the one after batch k. ``learning_steps[k-1]``
    and ``improved[k-1]`` belong to batch k. The validation lists have one
    entry per validated batch, at the batch numbers in ``validation_batches``.
    """

    costs: list = field(default_factory=list)
    learning_steps: list = field(default_factory=list)
    improved: list = field(default_factory=list)
    validation_batches: list = field(default_factory=list)
    validation_costs: list = field(default_factory=list)
    validation_accuracies: list = field(default_factory=list)
    batches: int = 0
    min_cost: float = math.inf
    wall_time: float = 0.0
    stop_reason: str = ""

    def record(self, k, cost, learning_step):
        """Batch k is done: its cost on the cost-estimation batch and the learning step it used."""
        self.batches = k
        self.costs.append(cost)
        self.learning_steps.append(learning_step)

    def validate(self, k, cost, accuracy):
        self.validation_batches.append(k)
        self.validation_costs.append(cost)
        self.validation_accuracies.append(accuracy)


class TrainingDiverged(FloatingPointError):
    """The cost became NaN or infinite: the weights are no longer meaningful."""

    def __init__(self, message, history):
        super().__init__(message)
        self.history = history


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
