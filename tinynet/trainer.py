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
drops whenever η is small enough, so it says little about whether the network
got better at the task; a fixed sample of the data does. Costs are reported as
the mean cost per sample, so figures for different batch sizes compare.
"""

import time

import numpy as np
from tqdm.auto import tqdm

from tinynet.arrays import array_module
from tinynet.checks import check_training_args, learning_step_at
from tinynet.data import prepare_data, validation_arrays
from tinynet.history import DivergenceGuard, History


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
                giving η for batch k = 1, 2, ... (e.g. [`ExponentialDecay`][tinynet.schedules.ExponentialDecay]).
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
        check_training_args(
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
        validation = None if validation_data is None else validation_arrays(network, validation_data, xp)
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
                eta = learning_step_at(schedule, k)
                # --8<-- [start:train_batch]
                # 2. a batch of random samples
                x, y = batches.load(rng.choice(n, batch_size, replace=False))
                # 3. batch_iterations steps of gradient descent on it: params ← params − (η/m) ∂C/∂params
                if batches.own_steps:  # PVD and synthetic gradients: their own way through the batch
                    batches.run(eta, batch_iterations)
                else:
                    for _ in range(batch_iterations):
                        step(network, x, y, eta, batches.backprop)
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
        """Where the batches live and their gradients are computed: here, in this process.

        The one hook the other trainers override: a pool of processes
        ([`tinynet.parallel.pool`][tinynet.parallel.pool]) computes each gradient over its workers; PVD
        and synthetic gradients take a batch their own way (``own_steps``).
        """
        return Batches(network, X, Y)

    def mean_cost(self, network, X, Y):
        """The cost per sample, C / n, over the samples (X, Y)."""
        # A diverging run overflows here; TrainingDiverged reports it, not a warning.
        with np.errstate(over="ignore", invalid="ignore"):
            return network.cost_of(X, Y) / len(X)


class Batches:
    """The training data, and where a batch's gradient is computed: here, by ``network.backprop``.

    ``load(idx)`` gives the batch (x, y) of the samples ``idx``; ``backprop(network, x, y)``
    its gradient. A pool of processes computes that gradient over its workers
    instead; a trainer with another way through a batch (PVD, synthetic
    gradients) sets ``own_steps`` and takes its steps in ``run(eta, steps)``.
    """

    own_steps = False

    def __init__(self, network, X, Y):
        self.network, self.X, self.Y = network, X, Y

    def load(self, idx):
        """The batch of the samples ``idx``: (x, y)."""
        idx = array_module(self.X).asarray(idx)  # (on a GPU, the indices go there too)
        return self.X[idx], self.Y[idx]

    def backprop(self, network, x, y):
        """∂C/∂params summed over the batch (x, y)."""
        return network.backprop(x, y)

    def close(self):
        pass


# --8<-- [start:step]
def step(network, x, y, learning_step, backprop=None):
    """One step of gradient descent on the batch (x, y):  params ← params − (η/m) ∂C/∂params.

    ∂C/∂params is the gradient of the cost summed over the m samples
    (``network.backprop``), so (η/m) ∂C/∂params steps along the mean gradient:
    W^l ← W^l − (η/m) ∂C/∂W^l and b^l ← b^l − (η/m) ∂C/∂b^l, every layer at once.
    ``backprop``: where the gradient is computed (a pool of processes passes its own).
    """
    eta_over_m = learning_step / len(x)  # η/m, once
    nabla = backprop(network, x, y) if backprop else network.backprop(x, y)  # ∂C/∂params, summed over the batch
    for param, nabla_param in zip(network.param_blocks, network.grad_blocks(nabla)):
        param -= eta_over_m * nabla_param


# --8<-- [end:step]
