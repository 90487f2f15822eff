"""Training by gradient descent with improvement-based early stopping.

The algorithm is the classic neural-network-py trainer's:

0. build the cost-estimation batch: ``cost_estimator_batch_size`` random
   samples, or all samples if None;
1. estimate the current cost on it;
2. pick a batch of ``batch_size`` random samples;
3. repeat ``batch_iterations`` times: the gradient of the cost on the batch,
   averaged, scaled by ``learning_step``, subtracted from the weights and biases:
   W^l -> W^l - (η/m) ∂C/∂W^l,   b^l -> b^l - (η/m) ∂C/∂b^l;
4. estimate the new cost on the cost-estimation batch;
5. the batch improved if ``new_cost < min_cost * (1 - min_improvement_per_batch)``
   (and then min_cost = new_cost);
6. stop after ``max_batches_without_improvement`` consecutive batches without
   improvement.

Why a separate cost-estimation batch: the cost of the batch just trained on
always drops, so it says nothing about whether the network got better at the
task; a fixed sample of the data does. Costs are reported as the mean cost per
sample, so figures for different batch sizes compare.
"""

import math
import numbers
import time

import numpy as np
from tqdm.auto import tqdm

from .data import prepare_data
from .divergence import DivergenceGuard
from .history import History


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


class Trainer:
    """Trains a network in one process, with NumPy (or another array module ``xp``).

    This is the trainer where ``print`` and ``pdb`` work: every step runs in
    the calling process, in the order the algorithm above gives.
    """

    def __init__(self, xp=np):
        self.xp = xp

    def train(
        self,
        network,
        training_data,
        learning_step,
        batch_iterations,
        batch_size,
        min_improvement_per_batch=0.0,
        max_batches_without_improvement=3,
        cost_estimator_batch_size=None,
        *,
        seed=None,
        max_batches=None,
        validation_data=None,
        validate_every=1,
        callback=None,
        progress=True,
    ):
        """Train ``network`` in place; return a [`History`][tinynet.history.History].

        Args:
            network: a [`NeuralNetwork`][tinynet.network.NeuralNetwork].
            training_data: a list of [`TrainingDataSample`][tinynet.data.TrainingDataSample], or a pair
                ``(X, Y)``: X of shape (n, inputs); Y of shape (n, outputs), or
                class labels of shape (n,) (turned into one-hot rows).
            learning_step: η, a positive number, or a schedule: a callable
                giving η for batch k = 1, 2, ... (e.g. [`ExponentialDecay`][tinynet.trainer.ExponentialDecay]).
            batch_iterations: gradient steps taken on each picked batch.
            batch_size: samples per batch.
            min_improvement_per_batch: the relative drop of the cost that counts
                as an improvement (0.01: at least 1% lower than the best so far).
            max_batches_without_improvement: stop after this many batches in a
                row without improvement.
            cost_estimator_batch_size: samples in the cost-estimation batch
                (None: all of them).
            seed: seeds the choice of the cost-estimation batch and of every batch.
            max_batches: stop after this many batches at the latest.
            validation_data: ``(X, labels)`` or ``(X, Y)``: its mean cost and
                accuracy are recorded every ``validate_every`` batches.
            callback: called as ``callback(network, history)`` after each batch;
                returning True stops training.
            progress: show a progress bar (only when stderr is a terminal).
        """
        xp = self.xp
        X, Y = prepare_data(network, training_data, "training_data")
        n = len(X)
        _check_args(
            n,
            learning_step,
            batch_iterations,
            batch_size,
            min_improvement_per_batch,
            max_batches_without_improvement,
            cost_estimator_batch_size,
            max_batches,
            validate_every,
        )
        validation = None if validation_data is None else _validation(network, validation_data, xp)
        schedule = learning_step if callable(learning_step) else (lambda k: learning_step)
        rng = np.random.default_rng(seed)
        X, Y = xp.asarray(X), xp.asarray(Y)

        # 0. the cost-estimation batch
        if cost_estimator_batch_size is None:
            Xc, Yc = X, Y
        else:
            pick = xp.asarray(rng.choice(n, cost_estimator_batch_size, replace=False))
            Xc, Yc = X[pick], Y[pick]

        history = History()
        start = time.perf_counter()
        # 1. the current cost
        history.min_cost = self.mean_cost(network, Xc, Yc)
        history.costs.append(history.min_cost)
        guard = DivergenceGuard(network, history)
        batches = self.batches(network, X, Y, batch_size)
        pending = max_batches_without_improvement
        bar = tqdm(total=max_batches, unit="batch", disable=None if progress else True, leave=False)
        try:
            while pending > 0:
                if max_batches is not None and history.batches >= max_batches:
                    history.stop_reason = f"reached max_batches={max_batches}"
                    break
                k = history.batches + 1
                eta = _learning_step(schedule, k)
                # --8<-- [start:train_batch]
                # 2. a batch of random samples
                batches.load(rng.choice(n, batch_size, replace=False))
                # 3. batch_iterations steps of gradient descent on it: params -= (η/m) ∂C/∂params
                batches.run(eta / batch_size, batch_iterations)
                # --8<-- [end:train_batch]
                # 4. the new cost (training stops here if it or the parameters left the finite numbers)
                cost = self.mean_cost(network, Xc, Yc)
                history.record(k, cost, eta)
                guard.check(k, eta)
                # 5. improved if the cost fell by the fraction asked for
                improved = cost < history.min_cost * (1 - min_improvement_per_batch)
                history.improved.append(bool(improved))
                if improved:
                    history.min_cost = cost
                    pending = max_batches_without_improvement
                else:
                    pending -= 1
                if validation is not None and k % validate_every == 0:
                    history.validate(k, self.mean_cost(network, *validation[:2]), network.evaluate(*validation[::2]))
                bar.update()
                bar.set_postfix(cost=f"{cost:.4g}")
                if callback is not None and callback(network, history):
                    history.stop_reason = "stopped by the callback"
                    break
            else:
                # 6. early stopping
                history.stop_reason = f"no improvement in {max_batches_without_improvement} consecutive batches"
        finally:
            bar.close()
            batches.close()
            history.wall_time = time.perf_counter() - start
        return history

    def batches(self, network, X, Y, batch_size):
        """Where the batches live and the steps are taken: here, in this process.

        The one hook the parallel trainers override: a pool of processes
        ([`tinynet.pool`][tinynet.pool]), PVD and synthetic gradients hand back their own
        [`Batches`][tinynet.trainer.Batches] instead.
        """
        return LocalBatches(network, X, Y, batch_size, self.xp)

    def step(self, network, x, y, learning_step, ws=None):
        """One step of gradient descent on the batch (x, y); see [`step`][tinynet.trainer.step]."""
        step(network, x, y, learning_step, ws, self.xp)

    def mean_cost(self, network, X, Y):
        """The cost per sample, C / n, over the samples (X, Y)."""
        # A diverging run overflows here; TrainingDiverged reports it, not a warning.
        with np.errstate(over="ignore", invalid="ignore"):
            return network.cost_of(X, Y) / len(X)


class Batches:
    """Where a trainer's batches live and are trained on: ``load`` a batch, ``run`` steps on it, ``close``.

    Subclasses provide ``load(idx)`` and ``descend(c)`` (one step of gradient
    descent with c = η/m); trainers with another way of stepping (PVD,
    synthetic gradients) override ``run``.
    """

    def run(self, c, steps):
        """``steps`` steps of gradient descent on the current batch."""
        for _ in range(steps):
            self.descend(c)

    def close(self):
        pass


class LocalBatches(Batches):
    """Batches held and differentiated in this process: the rows of each batch gathered into a workspace."""

    def __init__(self, network, X, Y, batch_size, xp=np):
        self.network, self.X, self.Y, self.xp = network, X, Y, xp
        self.ws = network.workspace(batch_size, xp)

    def load(self, idx):
        """Make the samples ``idx`` the current batch (copied into the workspace's x and y)."""
        idx = self.xp.asarray(idx)
        self.xp.take(self.X, idx, axis=0, out=self.ws.x)
        self.xp.take(self.Y, idx, axis=0, out=self.ws.y)

    def gradient(self):
        """∂C/∂params summed over the current batch (a flat array, reused by the next call)."""
        self.network.backprop(self.ws.x, self.ws.y, self.xp, self.ws)
        return self.ws.grad

    def descend(self, c):
        """One step of gradient descent on the current batch, with c = η/m."""
        step(self.network, self.ws.x, self.ws.y, c * self.ws.m, self.ws, self.xp)


# --8<-- [start:step]
def step(network, x, y, learning_step, ws=None, xp=np):
    """One step of gradient descent on the batch (x, y):  params -> params - (η/m) ∂C/∂params.

    ∂C/∂params is the gradient of the cost summed over the m samples
    (``backprop``), so (η/m) ∂C/∂params steps along the mean gradient:
    W^l -> W^l - (η/m) ∂C/∂W^l and b^l -> b^l - (η/m) ∂C/∂b^l, every layer at once.
    ``ws``: a workspace for m samples to reuse (``network.workspace(m)``).
    """
    ws = ws if ws is not None else network.workspace(len(x), xp)
    network.backprop(x, y, xp, ws)  # ∂C/∂params, summed over the batch, into ws.grad
    ws.grad *= learning_step / len(x)  # (η/m) ∂C/∂params, in place: ws.grad is reused
    network.params -= ws.grad


# --8<-- [end:step]


def descend(network, grad, c):
    """params -> params - c · grad (``grad`` is scaled in place: it is a reused buffer)."""
    grad *= c
    network.params -= grad


def _check_args(
    n,
    learning_step,
    batch_iterations,
    batch_size,
    min_improvement,
    max_without,
    cost_batch,
    max_batches,
    validate_every,
):
    def need(ok, message):
        if not ok:
            raise ValueError(message)

    if not callable(learning_step):
        need(
            isinstance(learning_step, numbers.Real)
            and not isinstance(learning_step, bool)
            and 0 < learning_step < math.inf,
            f"learning_step: expected a finite positive number or a schedule, got {learning_step!r}",
        )
    need(
        _is_int(batch_iterations) and batch_iterations >= 1,
        f"batch_iterations: expected a positive integer, got {batch_iterations!r}",
    )
    need(_is_int(batch_size) and batch_size >= 1, f"batch_size: expected a positive integer, got {batch_size!r}")
    need(batch_size <= n, f"batch_size: expected at most the {n} training samples, got {batch_size}")
    need(
        isinstance(min_improvement, numbers.Real) and 0 <= min_improvement < 1,
        f"min_improvement_per_batch: expected a number in [0, 1), got {min_improvement!r}",
    )
    need(
        _is_int(max_without) and max_without >= 1,
        f"max_batches_without_improvement: expected a positive integer, got {max_without!r}",
    )
    if cost_batch is not None:
        need(
            _is_int(cost_batch) and 1 <= cost_batch <= n,
            f"cost_estimator_batch_size: expected None or an integer from 1 to {n}, got {cost_batch!r}",
        )
    if max_batches is not None:
        need(
            _is_int(max_batches) and max_batches >= 1,
            f"max_batches: expected None or a positive integer, got {max_batches!r}",
        )
    need(
        _is_int(validate_every) and validate_every >= 1,
        f"validate_every: expected a positive integer, got {validate_every!r}",
    )


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _learning_step(schedule, k):
    eta = float(schedule(k))
    if not (eta > 0 and math.isfinite(eta)):
        raise ValueError(f"learning_step: the schedule gave {eta} for batch {k}; expected a finite number > 0")
    return eta


def _validation(network, data, xp):
    """The validation data as (X, Y, labels) on the trainer's array module."""
    Xv, Yv = prepare_data(network, data, "validation_data")
    labels = Yv.argmax(axis=1) if Yv.shape[1] > 1 else Yv[:, 0].round()
    return xp.asarray(Xv), xp.asarray(Yv), xp.asarray(labels)
