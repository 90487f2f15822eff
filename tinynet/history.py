"""What a training run did, and how it can fail.

[`History`][tinynet.history.History] is what ``Trainer.train`` returns: the cost on the
cost-estimation batch after every batch, the learning steps, which batches
improved, and the validation figures. [`TrainingDiverged`][tinynet.history.TrainingDiverged] is raised when
the cost or the parameters run away; it carries the history up to then.
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
