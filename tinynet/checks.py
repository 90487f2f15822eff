"""What a user's arguments must be: each bad value is a ValueError that names the argument.

The networks and the trainer call these before any arithmetic, so a mistake
reads as one line ("batch_size: expected at most the 500 training samples,
got 600"), not as a traceback from deep inside NumPy.
"""

import math
import numbers

import numpy as np

from tinynet.activations import get_activation


def check_x(network, x, name="x"):
    """``x`` as a batch (m, n_0) of this network's dtype, or a ValueError naming ``name``."""
    n = network.inputs
    if not (hasattr(x, "dtype") and x.dtype == network.dtype):
        try:
            x = network.xp.asarray(x, dtype=network.dtype)
        except (TypeError, ValueError):
            raise ValueError(f"{name}: expected numbers, shape ({n},) or (m, {n})") from None
    if x.ndim not in (1, 2) or x.shape[-1] != n:
        raise ValueError(
            f"{name}: expected shape ({n},) or (m, {n}) for a network with {n} inputs, got {tuple(x.shape)}"
        )
    return x.reshape(1, -1) if x.ndim == 1 else x


def check_y(network, y, m, name="y"):
    """Targets ``y`` as (m, n_L) rows of this network's dtype, or a ValueError naming ``name``.

    Class labels are not targets: one_hot(labels, n_L) turns them into rows.
    """
    n = network.outputs
    if not (hasattr(y, "dtype") and y.dtype == network.dtype):
        try:
            y = network.xp.asarray(y, dtype=network.dtype)
        except (TypeError, ValueError):
            raise ValueError(f"{name}: expected numbers, shape (m, {n})") from None
    if y.shape == (m, n):
        return y
    if y.size == m * n and (y.ndim == 1 and (m == 1 or n == 1)):
        return y.reshape(m, n)
    hint = " (class labels? tinynet.data.one_hot(labels, k) makes target rows of them)" if y.shape == (m,) else ""
    raise ValueError(
        f"{name}: expected targets of shape ({m}, {n}), {n} target values per sample, got {tuple(y.shape)}{hint}"
    )


def check_sizes(sizes):
    """``sizes`` as a list of at least two whole positive numbers, or a ValueError naming the argument."""
    if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
        sizes = sizes.tolist()
    ok = (
        isinstance(sizes, (list, tuple))
        and len(sizes) >= 2
        and all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and 1 <= n <= 10**8 for n in sizes)
    )
    if not ok:
        raise ValueError(f"sizes: expected a list of at least two whole positive layer sizes, got {sizes!r}")
    return [int(n) for n in sizes]


def check_activations(activations, L):
    """One activation per layer after the input: a name for all L of them, or a list of L names."""
    if activations is None:
        activations = "sigmoid"
    if isinstance(activations, str):
        activations = [activations] * L
    if not isinstance(activations, (list, tuple)):
        raise ValueError(f"activations: expected a name or a list of {L} names, got {activations!r}")
    if len(activations) != L:
        raise ValueError(f"activations: expected one name per layer after the input ({L}), got {len(activations)}")
    return tuple(get_activation(name) for name in activations)


def check_training_args(
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
    """``Trainer.train``'s arguments, each checked; a bad one is a ValueError naming it (n: the samples)."""

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
        is_int(batch_iterations) and batch_iterations >= 1,
        f"batch_iterations: expected a positive integer, got {batch_iterations!r}",
    )
    need(is_int(batch_size) and batch_size >= 1, f"batch_size: expected a positive integer, got {batch_size!r}")
    need(batch_size <= n, f"batch_size: expected at most the {n} training samples, got {batch_size}")
    need(
        isinstance(min_improvement, numbers.Real) and 0 <= min_improvement < 1,
        f"min_improvement_per_batch: expected a number in [0, 1), got {min_improvement!r}",
    )
    need(
        is_int(max_without) and max_without >= 1,
        f"max_batches_without_improvement: expected a positive integer, got {max_without!r}",
    )
    if cost_batch is not None:
        need(
            is_int(cost_batch) and 1 <= cost_batch <= n,
            f"cost_estimator_batch_size: expected None or an integer from 1 to {n}, got {cost_batch!r}",
        )
    if max_batches is not None:
        need(
            is_int(max_batches) and max_batches >= 1,
            f"max_batches: expected None or a positive integer, got {max_batches!r}",
        )
    need(
        is_int(validate_every) and validate_every >= 1,
        f"validate_every: expected a positive integer, got {validate_every!r}",
    )


def is_int(v):
    """A whole number (a bool is not one)."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def learning_step_at(schedule, k):
    """η for batch k from the schedule, or a ValueError if the schedule gave no finite number > 0."""
    eta = float(schedule(k))
    if not (eta > 0 and math.isfinite(eta)):
        raise ValueError(f"learning_step: the schedule gave {eta} for batch {k}; expected a finite number > 0")
    return eta
