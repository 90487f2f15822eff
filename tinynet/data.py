"""Data made ready for training: one-hot targets, and a seeded train/validation split.

Whatever the data's source (MNIST from [`tinynet.files.datasets`][tinynet.files.datasets], the toy sets
of [`tinynet.stable.toydata`][tinynet.stable.toydata], a user's own arrays), a classifier trains on rows
of inputs ``X`` with one row of targets per sample, and is judged on samples
it did not train on.
"""

from dataclasses import dataclass

import numpy as np


def one_hot(labels, k=10):
    """Rows of k zeros with a 1 at each label: 3 -> [0, 0, 0, 1, 0, ...]."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels: expected a 1-D array of class indices, got shape {labels.shape}")
    if labels.size and not np.all(np.equal(np.mod(labels, 1), 0)):
        raise ValueError("labels: expected whole numbers (class indices)")
    bad = (labels < 0) | (labels >= k)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"labels: expected class indices from 0 to {k - 1}, found {labels[i]} (sample {i})")
    Y = np.zeros((len(labels), k))
    Y[np.arange(len(labels)), labels.astype(np.int64)] = 1.0
    return Y


def train_validation_split(X, labels, validation_fraction=0.1, seed=0):
    """Shuffle (seeded) and split into ``(X_train, labels_train), (X_val, labels_val)``."""
    X, labels = np.asarray(X), np.asarray(labels)
    if len(X) != len(labels):
        raise ValueError(f"labels: {len(labels)} labels for {len(X)} samples")
    if not 0 < validation_fraction < 1:
        raise ValueError(f"validation_fraction: expected a number between 0 and 1, got {validation_fraction}")
    n_val = int(round(len(X) * validation_fraction))
    if n_val == 0 or n_val == len(X):
        raise ValueError(f"validation_fraction: {validation_fraction} of {len(X)} samples leaves a split empty")
    order = np.random.default_rng(seed).permutation(len(X))
    val, train = order[:n_val], order[n_val:]
    return (X[train], labels[train]), (X[val], labels[val])


@dataclass
class TrainingDataSample:
    """One training example: an ``input`` vector and its expected ``output``."""

    input: np.ndarray
    output: np.ndarray


def prepare_data(network, data, name):
    """``data`` as two float arrays (X, Y) that fit ``network``, or a ValueError naming ``name``.

    ``data`` is a list of [`TrainingDataSample`][tinynet.data.TrainingDataSample] or a pair ``(X, Y)``;
    class labels in Y (shape (n,)) become one-hot rows.
    """
    inputs, outputs = network.inputs, network.outputs
    if isinstance(data, (list, tuple)) and data and isinstance(data[0], TrainingDataSample):
        X = np.array([np.ravel(s.input) for s in data]) if _same_len(s.input for s in data) else None
        Y = np.array([np.ravel(s.output) for s in data]) if _same_len(s.output for s in data) else None
        if X is None or Y is None:
            raise ValueError(f"{name}: the samples' inputs or outputs have different lengths")
    elif isinstance(data, (list, tuple)) and len(data) == 2:
        X, Y = np.asarray(data[0]), np.asarray(data[1])
    else:
        raise ValueError(f"{name}: expected a non-empty list of TrainingDataSample or a pair (X, Y)")
    if X.ndim == 1 and X.size == inputs:
        X = X.reshape(1, -1)
    if X.ndim != 2 or X.shape[1] != inputs:
        raise ValueError(
            f"{name}: expected inputs of shape (n, {inputs}) for a network with {inputs} inputs, got {X.shape}"
        )
    if len(X) == 0:
        raise ValueError(f"{name}: no samples (empty data)")
    if len(Y) != len(X):
        raise ValueError(f"{name}: {len(X)} inputs but {len(Y)} outputs")
    if not np.issubdtype(X.dtype, np.number):
        raise ValueError(f"{name}: inputs must be numbers, got dtype {X.dtype}")
    X = X.astype(network.dtype, copy=False)
    _check_all_finite(X, f"{name}: inputs")
    if not (np.issubdtype(Y.dtype, np.number) or Y.dtype == np.bool_):
        raise ValueError(f"{name}: outputs (or class labels) must be numbers, got dtype {Y.dtype}")
    if Y.ndim == 1 and outputs > 1:
        try:
            Y = one_hot(Y, outputs)
        except ValueError as e:
            raise ValueError(f"{name}: {e}") from None
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    if Y.ndim != 2 or Y.shape[1] != outputs:
        raise ValueError(f"{name}: expected outputs of shape (n, {outputs}) or labels of shape (n,), got {Y.shape}")
    Y = Y.astype(network.dtype)
    _check_all_finite(Y, f"{name}: outputs")
    return np.ascontiguousarray(X), np.ascontiguousarray(Y)


def _same_len(arrays):
    return len({np.size(a) for a in arrays}) == 1


def _check_all_finite(A, what):
    bad = ~np.isfinite(A)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise ValueError(f"{what} contain NaN or infinite values (first in sample {row})")


def validation_arrays(network, data, xp):
    """The validation data as (X, Y, labels) on the trainer's array module ``xp``."""
    Xv, Yv = prepare_data(network, data, "validation_data")
    labels = Yv.argmax(axis=1) if Yv.shape[1] > 1 else Yv[:, 0].round()
    return xp.asarray(Xv), xp.asarray(Yv), xp.asarray(labels)
