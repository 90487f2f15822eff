"""The stable networks (tinynet.stable.net, tinynet.stable.schemes): their layers, the ODE view, the contract.

Their gradient check (every architecture, with and without an opening layer, regularised) is in
tests/core/test_gradcheck.py; their model-file line in tests/files/test_kinds.py, their round trip
through a model file in tests/files/test_format.py.
"""

import os

import numpy as np
import pytest
from conftest import ROOT

from tinynet import Trainer
from tinynet.parallel.gpu import GPUTrainer
from tinynet.parallel.pool import PoolTrainer
from tinynet.stable.schemes import ARCHITECTURES, Antisymmetric


def test_an_opening_layer_lifts_many_inputs_to_a_few_features():
    net = ARCHITECTURES["hamiltonian"](784, 10, width=16, layers=3, opening=True, seed=0)
    assert net.K_in.shape == (16, 784) and net.trajectory(np.zeros((2, 784)))[0][0].shape == (2, 16)
    with pytest.raises(ValueError, match="width: expected at least the 784 inputs"):
        ARCHITECTURES["resnet"](784, 10, width=16)


def test_blocks_cover_every_parameter_once():
    net = ARCHITECTURES["leapfrog"](5, 3, width=4, layers=7, opening=True, seed=0)
    blocks = net.blocks(3)
    assert [(j0, j1) for j0, j1 in net.layer_groups(3)] == [(0, 3), (3, 5), (5, 7)]
    assert sorted(np.concatenate(blocks).tolist()) == list(range(net.params.size))
    K_in_start = net.params.size - net.K_in.size - net.b_in.size
    assert K_in_start in blocks[0] and net.params.size - 1 in blocks[0]  # the opening layer: first block


def test_antisymmetric_matrix_is_antisymmetric_up_to_gamma():
    net = Antisymmetric(2, 2, width=4, layers=2, gamma=0.2, seed=0)
    M = net.matrix(0)
    np.testing.assert_allclose(M + M.T, -0.2 * np.eye(4))
    assert np.allclose(np.linalg.eigvals(M).real, -0.1)


def test_zero_padding_and_the_ode_view():
    net = ARCHITECTURES["resnet"](2, 3, width=5, layers=6, seed=0)
    states = net.trajectory(np.array([[1.0, 2.0]]))
    assert len(states) == 7 and states[0][0].tolist() == [[1.0, 2.0, 0.0, 0.0, 0.0]]


def trained(kind, trainer):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    labels = (np.linalg.norm(X, axis=1) > 1).astype(int)
    net = ARCHITECTURES[kind](2, 2, width=4, layers=5, h=0.5, seed=0)
    trainer.train(
        net, (X, labels), 0.5, 2, 40, max_batches=5, max_batches_without_improvement=100, seed=1, progress=False
    )
    return net


@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_the_gpu_trainer_trains_them_unchanged(kind):
    sequential = trained(kind, Trainer())
    assert not np.array_equal(sequential.params, ARCHITECTURES[kind](2, 2, width=4, layers=5, h=0.5, seed=0).params)
    trainers = [GPUTrainer(xp=np)]  # the GPU's code path with NumPy standing in...
    if os.environ.get("TINYNET_GPU_TESTS") == "1":
        trainers.append(GPUTrainer())  # ...and on a real GPU
    for trainer in trainers:
        np.testing.assert_allclose(trained(kind, trainer).params, sequential.params, rtol=0, atol=1e-10)


@pytest.mark.slow  # worker processes
@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_the_pool_trainer_trains_them_unchanged(kind, no_leaks):
    np.testing.assert_allclose(
        trained(kind, PoolTrainer(2)).params, trained(kind, Trainer()).params, rtol=0, atol=1e-10
    )


@pytest.mark.slow  # trains for real
def test_resnet_learns_the_ellipses():
    from tinynet.data import train_validation_split
    from tinynet.stable.toydata import ellipses

    X, labels = ellipses(1200, seed=0)
    (Xt, yt), (Xv, yv) = train_validation_split(X, labels, 0.2, seed=0)
    net = ARCHITECTURES["resnet"](2, 2, width=4, layers=8, h=0.5, seed=0)
    Trainer().train(net, (Xt, yt), 0.2, 5, 50, 0.0, 300, None, seed=0, max_batches=4000, progress=False)
    assert net.evaluate(Xv, yv) >= 0.98


def test_initial_weights_as_arguments():
    K = np.stack([np.eye(3)] * 2)
    net = ARCHITECTURES["leapfrog"](2, 2, width=3, layers=2, weights={"K": K, "mu": [0.5, -0.5]}, seed=0)
    assert np.array_equal(net.K, K) and net.mu.tolist() == [0.5, -0.5]
    same = ARCHITECTURES["leapfrog"](2, 2, width=3, layers=2, weights=net.params)
    assert np.array_equal(same.params, net.params)
    with pytest.raises(ValueError, match="weights: K must have shape"):
        ARCHITECTURES["resnet"](2, 2, width=3, layers=2, weights={"K": np.eye(3)})
    with pytest.raises(ValueError, match="weights: unknown block 'K_in'"):
        ARCHITECTURES["resnet"](2, 2, width=3, layers=2, weights={"K_in": np.eye(3)})
    with pytest.raises(ValueError, match="weights: expected a flat array"):
        ARCHITECTURES["resnet"](2, 2, width=3, layers=2, weights=np.zeros(3))


@pytest.mark.slow  # trains for real, PVD and synthetic gradients in worker processes
def test_the_readme_example_runs(tmp_path, monkeypatch, capsys):
    import re

    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    (code,) = [block for block in blocks if "hamiltonian.txt" in block]  # the stable networks' example
    monkeypatch.chdir(tmp_path)
    exec(compile(code.replace("max_batches=3000", "max_batches=300"), "README.md", "exec"), {})
    assert "validation accuracy" in capsys.readouterr().out
    assert (tmp_path / "hamiltonian.txt").exists()


@pytest.mark.parametrize("name", ["gamma", "alpha_f", "alpha_c"])
def test_negative_weights_of_the_terms_are_refused(name):
    with pytest.raises(ValueError, match=f"{name}: expected a number >= 0"):
        ARCHITECTURES["antisymmetric"](2, 2, **{name: -0.1})


# --- the network contract: trace, the header, the checks ------------------------------------------


def _net(kind, opening=False, **kw):
    rng = np.random.default_rng(0)
    args = dict(width=3, layers=4, h=0.3, gamma=0.1, opening=opening, seed=1)
    net = ARCHITECTURES[kind](2, 2, **{**args, **kw})
    net.b[...] = rng.normal(size=net.b.shape) * 0.3
    return net, rng.normal(size=(5, 2)), np.eye(2)[[0, 1, 1, 0, 1]]


@pytest.mark.parametrize("opening", [False, True])
@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_trace_shows_every_layer_from_1(kind, opening):
    net, x, y = _net(kind, opening)
    trace = net.trace(x, y)
    assert [layer.l for layer in trace.layers] == list(range(1, net.N + 2 + opening))
    assert trace[1].name.startswith("opening" if opening else kind) and trace[net.N + 1 + opening].name == "softmax"
    states = net.trajectory(x)
    for j in range(net.N):  # step j is layer j + 1 (+ 1 after an opening layer); its a is the state after it
        a = trace[j + 1 + opening].a
        np.testing.assert_array_equal(a if isinstance(a, tuple) else (a,), states[j + 1])
    last = trace[net.N + 1 + opening]
    np.testing.assert_allclose(last.z, states[-1][0] @ net.W.T + net.mu)
    np.testing.assert_allclose(last.delta, last.a - y)  # softmax with cross-entropy
    np.testing.assert_allclose(trace.output.sum(axis=1), 1)
    assert trace.C == pytest.approx(net.cost_of(x, y))


@pytest.mark.parametrize("opening", [False, True])
@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_trace_gradients_by_name_are_backprops(kind, opening):
    net, x, y = _net(kind, opening, alpha_f=0.05, alpha_c=0.02)
    trace = net.trace(x, y)
    grads = dict(zip(("K", "b", "W", "mu", "K_in", "b_in"), net.grad_blocks(net.backprop(x, y))))
    named = dict(net.named_params())
    for j in range(net.N):
        layer = trace[j + 1 + opening]
        np.testing.assert_array_equal(layer.grads["K"], grads["K"][j])
        np.testing.assert_array_equal(layer.grads["b"], grads["b"][j])
        np.testing.assert_array_equal(layer.params["K"], named["K"][j])
    last = trace[net.N + 1 + opening]
    assert set(last.grads) == {"W", "mu"} and np.array_equal(last.grads["W"], grads["W"])
    if opening:
        assert set(trace[1].grads) == {"K_in", "b_in"} and np.array_equal(trace[1].grads["K_in"], grads["K_in"])


@pytest.mark.parametrize("opening", [False, True])
@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_delta_is_the_derivative_by_the_weighted_input(kind, opening):
    # b enters every z of its layer as it is, so ∂C/∂b = Σ_samples delta (both deltas of a Hamiltonian step)
    net, x, y = _net(kind, opening)
    for layer in net.trace(x, y).layers:
        bias = layer.grads.get("b", layer.grads.get("b_in", layer.grads.get("mu")))
        deltas = layer.delta if isinstance(layer.delta, tuple) else (layer.delta,)
        np.testing.assert_allclose(sum(d.sum(axis=0) for d in deltas), bias, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.int64, "<U1", object, bool])
def test_only_float_dtypes(dtype):
    with pytest.raises(ValueError, match="dtype"):
        ARCHITECTURES["resnet"](2, 2, dtype=dtype)


@pytest.mark.parametrize("name, value", [("inputs", -1), ("classes", 0), ("layers", 1.5), ("width", True)])
def test_sizes_are_whole_numbers(name, value):
    args = dict(inputs=2, classes=2, width=3, layers=2)
    with pytest.raises(ValueError, match=f"{name}: expected a whole number >= 1"):
        ARCHITECTURES["resnet"](**{**args, name: value})


def test_predictions_and_their_checks_are_the_base_networks():
    net, x, y = _net("leapfrog")
    assert net.predict(x).tolist() == net.feedforward(x).argmax(axis=1).tolist()
    assert net.evaluate(x, y) == net.evaluate(x, y.argmax(axis=1))
    with pytest.raises(ValueError, match="labels: expected class indices from 0 to 1"):
        net.evaluate(x, [0, 1, 2, 0, 1])
    with pytest.raises(ValueError, match="x: expected shape"):
        net.predict(np.zeros((3, 5)))
