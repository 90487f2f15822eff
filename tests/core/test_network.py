import numpy as np
import pytest

from tinynet import NeuralNetwork


def test_feedforward_shapes():
    net = NeuralNetwork([784, 20, 10], seed=0)
    assert net.feedforward(np.zeros(784)).shape == (10,)
    assert net.feedforward(np.zeros((7, 784))).shape == (7, 10)
    assert NeuralNetwork([2, 1]).feedforward(np.array([0.3, 0.2])).shape == (1,)


def test_default_is_sigmoid_and_quadratic():
    net = NeuralNetwork([3, 4, 2])
    assert net.activation_names == ["sigmoid", "sigmoid"]
    assert net.cost.name == "quadratic"


def test_feedforward_is_the_equations(rng):
    """a^l = sigma(W^l a^(l-1) + b^l), one sample at a time, by hand."""
    net = NeuralNetwork([3, 4, 2], ["tanh", "sigmoid"], seed=1)
    net.biases[0][...] = rng.normal(size=4)
    x = rng.normal(size=3)
    a1 = np.tanh(net.weights[0] @ x + net.biases[0])
    a2 = 1 / (1 + np.exp(-(net.weights[1] @ a1 + net.biases[1])))
    np.testing.assert_allclose(net.feedforward(x), a2, rtol=1e-12)


def test_seed_makes_weights_reproducible():
    a, b, c = (NeuralNetwork([5, 3, 2], seed=s) for s in (7, 7, 8))
    assert np.array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


@pytest.mark.parametrize("init,std", [("lecun", 1 / np.sqrt(400)), ("he", np.sqrt(2 / 400)), ("normal", 1.0)])
def test_initialisations(init, std):
    net = NeuralNetwork([400, 300, 1], init=init, seed=0)
    assert net.weights[0].std() == pytest.approx(std, rel=0.02)
    assert (net.biases[0] == 0).all() == (init != "normal")


def test_backprop_returns_per_layer_gradients_in_layer_order(rng):
    net = NeuralNetwork([4, 6, 3], seed=0)
    nabla_w, nabla_b = net.backprop(rng.normal(size=(5, 4)), rng.random((5, 3)))
    assert [w.shape for w in nabla_w] == [(6, 4), (3, 6)]
    assert [b.shape for b in nabla_b] == [(6,), (3,)]


def test_batch_gradient_is_the_sum_of_sample_gradients(rng):
    net = NeuralNetwork([4, 6, 3], ["relu", "softmax"], "cross_entropy", seed=0)
    x, y = rng.normal(size=(5, 4)), np.eye(3)[[0, 1, 2, 1, 0]]
    total = sum(np.concatenate([g.ravel() for pair in zip(*net.backprop(x[i], y[i])) for g in pair]) for i in range(5))
    batch = np.concatenate([g.ravel() for pair in zip(*net.backprop(x, y)) for g in pair])
    np.testing.assert_allclose(batch, total, rtol=1e-12, atol=1e-14)


def test_float32_network_computes_in_float32(rng):
    net = NeuralNetwork([4, 3, 2], dtype=np.float32, seed=0)
    x = rng.normal(size=(5, 4))
    assert net.feedforward(x).dtype == np.float32
    nabla_w, _ = net.backprop(x.astype(np.float32), np.ones((5, 2), np.float32))
    assert nabla_w[0].dtype == np.float32


def test_predict_and_evaluate():
    net = NeuralNetwork([2, 2], "identity", seed=0)
    net.weights[0][...] = np.eye(2)
    x = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 3.0]])
    assert net.predict(x).tolist() == [0, 1, 1]
    assert net.evaluate(x, [0, 1, 0]) == pytest.approx(2 / 3)
    assert net.evaluate(x, np.eye(2)[[0, 1, 1]]) == 1.0
    single = NeuralNetwork([1, 1], "identity", seed=0)
    single.weights[0][...] = 1
    assert single.predict(np.array([[0.2], [0.9]])).tolist() == [0, 1]


def test_weights_are_views_of_params():
    net = NeuralNetwork([3, 2, 1], seed=0)
    net.params[...] = 0
    assert not net.weights[0].any() and not net.biases[1].any()
    with pytest.raises(TypeError):
        net.weights[0] = np.ones((2, 3))


def test_wrong_input_width_names_the_expected_width():
    net = NeuralNetwork([784, 20, 10])
    with pytest.raises(ValueError, match=r"x: expected shape \(784,\) or \(m, 784\).*got \(783,\)"):
        net.feedforward(np.zeros(783))
    with pytest.raises(ValueError, match="labels: expected 3 labels"):
        net.evaluate(np.zeros((3, 784)), [1, 2])


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(sizes=[2.5, 3]), "sizes: expected a list of at least two whole positive layer sizes"),
        (dict(sizes=[2, 3.9]), "sizes"),
        (dict(sizes=[2, "3"]), "sizes"),
        (dict(sizes="23"), "sizes"),
        (dict(sizes=[2, float("inf")]), "sizes"),
        (dict(sizes=[2, True]), "sizes"),
        (dict(sizes=[2, 3], cost=None), "cost: unknown cost None"),
        (dict(sizes=[2, 3], activations=5), "activations: expected a name or a list of 1 names"),
        (dict(sizes=[2, 3], activations=["nope"]), "activations: unknown activation 'nope'"),
        (dict(sizes=[2, 3], dtype="foo"), "dtype: expected float64 or float32, got 'foo'"),
        (dict(sizes=[2, 3], dtype=np.int64), "dtype: expected float64 or float32"),
        (dict(sizes=[2, 3], seed="abc"), "seed: expected None or an integer >= 0, got 'abc'"),
        (dict(sizes=[2, 3], seed=-1), "seed"),
        (dict(sizes=[3]), "sizes"),
        (dict(sizes=[3, 0, 1]), "sizes"),
        (dict(sizes="abc"), "sizes"),
        (dict(sizes=[3, 2], activations="swish"), "unknown activation 'swish'"),
        (dict(sizes=[3, 2, 1], activations=["relu"]), "activations: expected one name per layer"),
        (dict(sizes=[3, 2], cost="hinge"), "unknown cost 'hinge'"),
        (dict(sizes=[3, 2], activations="relu", cost="cross_entropy"), "cross_entropy needs a softmax"),
        (dict(sizes=[3, 2], dtype=np.int32), "dtype"),
        (dict(sizes=[3, 2], init="zeros"), "init"),
    ],
)
def test_bad_constructor_arguments_are_value_errors_naming_the_argument(kwargs, words):
    with pytest.raises(ValueError, match=words):
        NeuralNetwork(**kwargs)


def test_sizes_may_be_a_numpy_array_of_integers():
    assert NeuralNetwork(np.array([2, 3]), seed=0).sizes == [2, 3]


def test_backprop_refuses_labels_and_misshapen_targets():
    net = NeuralNetwork([2, 2], seed=0)
    with pytest.raises(ValueError, match=r"y: expected targets of shape \(5, 2\).*class labels\?"):
        net.backprop(np.zeros((5, 2)), np.array([0, 1, 0, 1, 1]))
    with pytest.raises(ValueError, match=r"got \(5, 1\)"):
        net.backprop(np.zeros((5, 2)), np.zeros((5, 1)))
    with pytest.raises(ValueError, match="x: expected numbers"):
        net.backprop([["a", "b"]], [[0.0, 1.0]])


def test_evaluate_refuses_labels_outside_the_classes():
    net = NeuralNetwork([2, 3], seed=0)
    with pytest.raises(ValueError, match="labels: expected class indices from 0 to 2"):
        net.evaluate(np.zeros((4, 2)), [0, 1, 3, 1])
    with pytest.raises(ValueError, match="labels: expected class indices"):
        net.evaluate(np.zeros((2, 2)), [0.5, 1])
    with pytest.raises(ValueError, match="labels: expected 4 labels"):
        net.evaluate(np.zeros((4, 2)), [0, 1])


def test_string_labels_in_training_data_are_a_value_error():
    from tinynet import Trainer

    net = NeuralNetwork([2, 3], "softmax", "cross_entropy", seed=0)
    with pytest.raises(ValueError, match="training_data: outputs \\(or class labels\\) must be numbers"):
        Trainer().train(net, (np.zeros((4, 2)), np.array(["a", "b", "c", "a"])), 1.0, 1, 2)
