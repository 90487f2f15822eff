"""Data made ready for training: one-hot targets, and a seeded train/validation split.

Whatever the data's source (MNIST from :mod:`tinynet.datasets`, the toy sets
of :mod:`tinynet.toydata`, a user's own arrays), a classifier trains on rows
of inputs ``X`` with one row of targets per sample, and is judged on samples
it did not train on.
"""

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
