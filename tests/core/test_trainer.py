"""Trainer.train: the classic algorithm with early stopping; tinynet.trainer.step: one step of gradient descent."""

import numpy as np
import pytest

from tinynet import ExponentialDecay, NeuralNetwork, Trainer, TrainingDataSample
from tinynet.trainer import step


def points(n, seed=0):
    """The simple example's data: team 1 if x > y."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 2))
    return X, (X[:, 0] > X[:, 1]).astype(float)


def train(net=None, data=None, **kwargs):
    net = net or NeuralNetwork([2, 1], seed=0)
    args = dict(learning_step=1.0, batch_iterations=10, batch_size=10, seed=0, progress=False)
    args.update(kwargs)
    return net, Trainer().train(net, points(500) if data is None else data, **args)


def test_learns_the_simple_rule():
    net, history = train(min_improvement_per_batch=1e-5, max_batches_without_improvement=15)
    X, labels = points(1000, seed=1)
    assert net.evaluate(X, labels) > 0.9
    assert history.min_cost < history.costs[0] / 3
    assert "no improvement in 15 consecutive batches" == history.stop_reason


def test_early_stopping_follows_the_algorithm():
    """Improved iff new_cost < min_cost * (1 - min_improvement); stop after N misses in a row."""
    _, h = train(min_improvement_per_batch=0.01, max_batches_without_improvement=4)
    min_cost, misses = h.costs[0], 0
    for k, cost in enumerate(h.costs[1:], start=1):
        improved = cost < min_cost * (1 - 0.01)
        assert h.improved[k - 1] == improved
        if improved:
            min_cost, misses = cost, 0
        else:
            misses += 1
    assert misses == 4 and h.min_cost == min_cost
    assert h.batches == len(h.costs) - 1 == len(h.improved)


def test_each_batch_takes_batch_iterations_steps_of_the_averaged_gradient():
    X, labels = points(40)
    Y = labels.reshape(-1, 1)
    net = NeuralNetwork([2, 3, 1], seed=0)
    by_hand = net.copy()
    train(net, (X, Y), learning_step=0.5, batch_iterations=3, batch_size=40, max_batches=1)
    for _ in range(3):  # a batch of all 40 samples: the order does not matter
        nabla_w, nabla_b = by_hand.backprop(X, Y)
        for W, b, nw, nb in zip(by_hand.weights, by_hand.biases, nabla_w, nabla_b):
            W -= 0.5 / 40 * nw
            b -= 0.5 / 40 * nb
    np.testing.assert_allclose(net.params, by_hand.params, rtol=1e-12)


def test_step_moves_every_parameter_against_the_mean_gradient(rng):
    net = NeuralNetwork([3, 4, 2], ["relu", "softmax"], "cross_entropy", seed=0)
    x, y = rng.normal(size=(8, 3)), np.eye(2)[rng.integers(0, 2, 8)]
    expected = net.params - 0.5 / 8 * net.gradient(x, y)
    params = net.params
    step(net, x, y, 0.5)
    assert net.params is params  # in place: the views W^l, b^l see it
    np.testing.assert_allclose(net.params, expected, rtol=1e-13, atol=1e-15)


def test_step_takes_the_gradient_from_the_backprop_it_is_given(rng):
    net = NeuralNetwork([3, 2], seed=0)
    x, y = rng.normal(size=(4, 3)), rng.random((4, 2))
    before, seen = net.params.copy(), []

    def backprop(network, xb, yb):  # what a pool of processes passes: the gradient summed elsewhere
        seen.append((network, xb, yb))
        return np.ones_like(network.params)

    step(net, x, y, 2.0, backprop)
    assert seen == [(net, x, y)]
    np.testing.assert_allclose(net.params, before - 2.0 / 4, rtol=1e-15)


def test_samples_and_arrays_train_the_same():
    X, labels = points(100)
    samples = [TrainingDataSample(x, np.array([t])) for x, t in zip(X, labels)]
    a, _ = train(data=samples, max_batches=20)
    b, _ = train(data=(X, labels), max_batches=20)
    assert np.array_equal(a.params, b.params)


def test_seed_makes_training_reproducible():
    a, ha = train(max_batches=30)
    b, hb = train(max_batches=30)
    c, _ = train(max_batches=30, seed=1)
    assert np.array_equal(a.params, b.params) and ha.costs == hb.costs
    assert not np.array_equal(a.params, c.params)


def test_labels_become_one_hot_and_validation_is_recorded():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    labels = X[:, :3].argmax(axis=1)
    net = NeuralNetwork([4, 8, 3], ["tanh", "softmax"], "cross_entropy", seed=0)
    _, h = train(
        net,
        (X[:200], labels[:200]),
        learning_step=0.5,
        batch_iterations=1,
        batch_size=20,
        max_batches=60,
        max_batches_without_improvement=1000,
        validation_data=(X[200:], labels[200:]),
        validate_every=5,
    )
    assert h.validation_batches == list(range(5, 61, 5))
    assert len(h.validation_costs) == len(h.validation_accuracies) == 12
    assert h.validation_accuracies[-1] > 0.8
    assert h.validation_costs[-1] < h.validation_costs[0]


def test_max_batches_caps_the_run():
    _, h = train(max_batches=7, max_batches_without_improvement=1000)
    assert h.batches == 7 and h.stop_reason == "reached max_batches=7"
    assert h.wall_time > 0


def test_exponential_decay_schedule():
    decay = ExponentialDecay(1e-3, 1e-5, 101)
    assert decay(1) == pytest.approx(1e-3)
    assert decay(51) == pytest.approx(1e-4)
    assert decay(101) == pytest.approx(1e-5) and decay(500) == pytest.approx(1e-5)
    _, h = train(learning_step=ExponentialDecay(1.0, 0.01, 20), max_batches=20, max_batches_without_improvement=1000)
    assert h.learning_steps[0] == pytest.approx(1.0) and h.learning_steps[-1] == pytest.approx(0.01)


def test_callback_sees_every_batch_and_can_stop():
    seen = []

    def callback(net, history):
        seen.append(history.batches)
        return history.batches == 5

    _, h = train(callback=callback, max_batches_without_improvement=1000)
    assert seen == [1, 2, 3, 4, 5] and h.stop_reason == "stopped by the callback"


def test_progress_bar_is_silent_when_not_a_terminal(capsys):
    train(max_batches=5, progress=True)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


@pytest.mark.parametrize(
    "data,kwargs,words",
    [
        ((np.zeros((10, 3)), np.zeros(10)), {}, r"training_data: expected inputs of shape \(n, 2\)"),
        ((np.zeros((0, 2)), np.zeros(0)), {}, "no samples"),
        ([], {}, "training_data: expected a non-empty list"),
        ((np.full((10, 2), np.nan), np.zeros(10)), {}, "inputs contain NaN"),
        ((np.zeros((10, 2)), np.zeros(9)), {}, "10 inputs but 9 outputs"),
        (None, dict(batch_size=501), "batch_size: expected at most the 500 training samples, got 501"),
        (None, dict(batch_size=0), "batch_size"),
        (None, dict(learning_step=0), "learning_step: expected a finite positive number or a schedule, got 0"),
        (None, dict(learning_step=float("inf")), "learning_step: expected a finite positive number"),
        (None, dict(learning_step=True), "learning_step"),
        (None, dict(learning_step=-1.0), "learning_step"),
        (None, dict(batch_iterations=0), "batch_iterations"),
        (None, dict(min_improvement_per_batch=1.5), "min_improvement_per_batch"),
        (None, dict(max_batches_without_improvement=0), "max_batches_without_improvement"),
        (None, dict(cost_estimator_batch_size=1000), "cost_estimator_batch_size"),
        (None, dict(max_batches=0), "max_batches"),
    ],
)
def test_bad_arguments_are_clear_value_errors(data, kwargs, words):
    with pytest.raises(ValueError, match=words):
        train(data=data, **kwargs)


def test_labels_outside_the_output_range():
    net = NeuralNetwork([2, 3], "softmax", "cross_entropy")
    with pytest.raises(ValueError, match="training_data: labels: expected class indices from 0 to 2, found 3"):
        train(net, (np.zeros((4, 2)), np.array([0, 1, 2, 3])))
    with pytest.raises(ValueError, match=r"validation_data: expected outputs of shape \(n, 3\)"):
        train(
            net,
            (np.zeros((4, 2)), np.array([0, 1, 2, 1])),
            batch_size=2,
            validation_data=(np.zeros((2, 2)), np.zeros((2, 4))),
        )
