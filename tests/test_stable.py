import os

import numpy as np
import pytest

from tinynet import Trainer
from tinynet.gpu import GPUTrainer
from tinynet.gradcheck import gradcheck
from tinynet.pool import PoolTrainer
from tinynet.stable import ARCHITECTURES, Antisymmetric, stability_demo


@pytest.mark.parametrize("opening", [False, True])
@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_backward_step_matches_central_differences(kind, opening):
    rng = np.random.default_rng(0)
    net = ARCHITECTURES[kind](2, 2, width=3, layers=4, h=0.3, gamma=0.1, alpha_f=0.05, alpha_c=0.02,
                              opening=opening, seed=1)
    net.b[...] = rng.normal(size=net.b.shape) * 0.3
    result = gradcheck(net, rng.normal(size=(5, 2)), np.eye(2)[[0, 1, 1, 0, 1]])
    assert result.max_error < 1e-7
    assert ("K_in" in result.errors) == opening


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


def test_with_64_layers_only_resnet_amplifies_perturbations():
    results = stability_demo(layers=64)
    forward, backward = results.pop("resnet")
    assert forward > 5 and backward > 20
    for kind, (f, b) in results.items():
        assert f < 2 and b < 2, kind


@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_trainers_train_them_unchanged(kind):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    labels = (np.linalg.norm(X, axis=1) > 1).astype(int)

    def run(trainer):
        net = ARCHITECTURES[kind](2, 2, width=4, layers=5, h=0.5, seed=0)
        trainer.train(net, (X, labels), 0.5, 2, 40, max_batches=5, max_batches_without_improvement=100,
                      seed=1, progress=False)
        return net

    sequential = run(Trainer())
    assert not np.array_equal(sequential.params, ARCHITECTURES[kind](2, 2, width=4, layers=5, h=0.5, seed=0).params)
    trainers = [PoolTrainer(2), GPUTrainer(xp=np)]  # the GPU's code path with NumPy standing in...
    if os.environ.get("TINYNET_GPU_TESTS") == "1":
        trainers.append(GPUTrainer())  # ...and on a real GPU
    for trainer in trainers:
        np.testing.assert_allclose(run(trainer).params, sequential.params, rtol=0, atol=1e-10)


def test_toy_data():
    from tinynet.toydata import ellipses, pad, swiss_roll

    X, labels = ellipses(400, seed=0)
    r = np.hypot(X[:, 0], X[:, 1] / 0.4)
    assert (r[labels == 0] < 1).all() and ((r[labels == 1] >= 1) & (r[labels == 1] <= 2)).all()
    X, labels = swiss_roll(400, seed=0)
    assert X.shape == (400, 2) and np.bincount(labels).tolist() == [200, 200]
    assert np.abs(X).max() <= 1.0 + 1e-12
    assert pad(X, 4)[:, 2:].tolist() == [[0.0, 0.0]] * 400


def test_resnet_learns_the_ellipses():
    from tinynet.datasets import train_validation_split
    from tinynet.toydata import ellipses

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


def test_the_readme_example_runs(tmp_path, monkeypatch, capsys):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    code = re.search(r"```python\n(from tinynet import ExponentialDecay, Trainer\n.*?)```", readme, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    exec(compile(code.replace("max_batches=3000", "max_batches=300"), "README.md", "exec"), {})
    assert "validation accuracy" in capsys.readouterr().out
    assert (tmp_path / "hamiltonian.txt").exists()


@pytest.mark.parametrize("name", ["gamma", "alpha_f", "alpha_c"])
def test_negative_weights_of_the_terms_are_refused(name):
    with pytest.raises(ValueError, match=f"{name}: expected a number >= 0"):
        ARCHITECTURES["antisymmetric"](2, 2, **{name: -0.1})
