"""Learning-rate schedules: η as a function of the batch number k = 1, 2, ...

``Trainer.train`` takes a number for ``learning_step`` (the same η for every
batch) or any callable giving η for batch k, such as the one here.
"""


class ExponentialDecay:
    """A learning-rate schedule: from ``start`` at batch 1 to ``end`` at batch ``batches``.

    η_k = start · (end/start)^((k-1)/(batches-1)), and ``end`` after that.
    """

    def __init__(self, start, end, batches):
        if not (start > 0 and end > 0):
            raise ValueError(f"ExponentialDecay: start and end must be positive, got {start} and {end}")
        if batches < 1:
            raise ValueError(f"ExponentialDecay: batches must be at least 1, got {batches}")
        self.start, self.end, self.batches = start, end, batches

    def __call__(self, k):
        t = min(k - 1, self.batches - 1) / max(self.batches - 1, 1)
        return self.start * (self.end / self.start) ** t

    def __repr__(self):
        return f"ExponentialDecay({self.start}, {self.end}, {self.batches})"
