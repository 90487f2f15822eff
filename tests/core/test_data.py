"""Data made ready for training (tinynet.data): one-hot targets, a seeded split, the checks of prepare_data."""

import numpy as np
import pytest

from tinynet import NeuralNetwork, TrainingDataSample
from tinynet.data import one_hot, prepare_data, train_validation_split


def test_one_hot():
    np.testing.assert_array_equal(one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match="labels: expected class indices from 0 to 9, found 10 \\(sample 1\\)"):
        one_hot([3, 10])
    with pytest.raises(ValueError, match="whole numbers"):
        one_hot([0.5])


def test_train_validation_split():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    (Xt, yt), (Xv, yv) = train_validation_split(X, y, 0.3, seed=1)
    assert len(Xt) == 7 and len(Xv) == 3
    assert sorted(np.concatenate([yt, yv]).tolist()) == list(range(10))
    assert (Xt[:, 0] == 2 * yt).all()
    with pytest.raises(ValueError, match="validation_fraction"):
        train_validation_split(X, y, 1.5)


def test_prepare_data_makes_float_rows_of_labels_and_samples():
    net = NeuralNetwork([2, 3], "softmax", "cross_entropy", dtype=np.float32, seed=0)
    X, Y = prepare_data(net, ([[0, 1], [2, 3]], [2, 0]), "training_data")
    assert X.dtype == Y.dtype == np.float32 and Y.tolist() == [[0, 0, 1], [1, 0, 0]]
    samples = [TrainingDataSample(np.array([0.0, 1.0]), np.array([0.0, 0.0, 1.0]))]
    X1, Y1 = prepare_data(net, samples, "training_data")
    assert X1.tolist() == [[0.0, 1.0]] and Y1.tolist() == [[0.0, 0.0, 1.0]]
    with pytest.raises(ValueError, match="training_data: the samples' inputs or outputs have different lengths"):
        prepare_data(net, samples + [TrainingDataSample(np.zeros(3), np.zeros(3))], "training_data")
