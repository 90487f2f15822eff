"""The toy data sets of the stable networks (tinynet.stable.toydata)."""

import numpy as np

from tinynet.stable.toydata import ellipses, pad, swiss_roll


def test_toy_data():
    X, labels = ellipses(400, seed=0)
    r = np.hypot(X[:, 0], X[:, 1] / 0.4)
    assert (r[labels == 0] < 1).all() and ((r[labels == 1] >= 1) & (r[labels == 1] <= 2)).all()
    X, labels = swiss_roll(400, seed=0)
    assert X.shape == (400, 2) and np.bincount(labels).tolist() == [200, 200]
    assert np.abs(X).max() <= 1.0 + 1e-12
    assert pad(X, 4)[:, 2:].tolist() == [[0.0, 0.0]] * 400
