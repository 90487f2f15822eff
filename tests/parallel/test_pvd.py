"""Parallel Variable Distribution (tinynet.parallel.pvd): the same numbers in one process and in many.

Synthetic gradients: tests/parallel/test_synthetic.py (which shares the helpers here).
"""

import numpy as np
import pytest

from tinynet import ExponentialDecay, NeuralNetwork, Trainer
from tinynet.data import train_validation_split
from tinynet.parallel.pvd import PVDTrainer, block_step
from tinynet.stable.schemes import ARCHITECTURES
from tinynet.stable.toydata import ellipses, swiss_roll


def circle_data(n=200):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    return X, (np.linalg.norm(X, axis=1) > 1).astype(int)


def trained(trainer, kind="resnet", layers=6, opening=False, batches=6, **kw):
    X, labels = circle_data()
    net = ARCHITECTURES[kind](2, 2, width=4, layers=layers, h=0.5, opening=opening, seed=0, **kw)
    history = trainer.train(
        net, (X, labels), 0.5, 3, 40, max_batches=batches, max_batches_without_improvement=100, seed=1, progress=False
    )
    return net, history


def toy_split(make):
    X, labels = make(1200, seed=0)
    return train_validation_split(X, labels, 0.2, seed=0)


# PVD -----------------------------------------------------------------------------------


def test_pvd_with_one_block_is_gradient_descent():
    net, _ = trained(PVDTrainer(1, workers=0))
    reference, _ = trained(Trainer())
    np.testing.assert_allclose(net.params, reference.params, rtol=0, atol=1e-13)


@pytest.mark.slow  # worker processes
@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_pvd_processes_give_the_one_process_numbers(kind, no_leaks):
    local, history = trained(PVDTrainer(3, workers=0), kind, alpha_f=0.01)
    pooled, pooled_history = trained(PVDTrainer(3, workers=2), kind, alpha_f=0.01)
    np.testing.assert_allclose(pooled.params, local.params, rtol=0, atol=1e-10)
    assert pooled_history.chosen == history.chosen and len(history.chosen) == 6


def test_the_synchronisation_tries_the_combination_of_the_own_blocks():
    net, history = trained(PVDTrainer(2, workers=0))
    alone, alone_history = trained(PVDTrainer(2, workers=0, combine=False))
    assert 2 in history.chosen and set(alone_history.chosen) <= {0, 1}
    assert not np.allclose(net.params, alone.params)


def test_a_pvd_process_moves_the_other_blocks_only_along_their_direction():
    X, labels = circle_data(40)
    net = ARCHITECTURES["resnet"](2, 2, width=4, layers=4, h=0.5, seed=0)
    x, y = X, np.eye(2)[labels]
    theta0 = net.params.copy()
    g0 = net.gradient(x, y)
    blocks = net.blocks(2)
    lam = block_step(net, x, y, blocks, 0, eta_over_m=0.05, steps=4)
    moved = net.params - theta0
    assert np.abs(moved[blocks[0]]).max() > 0 and lam[0] == 0
    d1 = -g0[blocks[1]] / np.linalg.norm(g0[blocks[1]])
    np.testing.assert_allclose(moved[blocks[1]], lam[1] * d1, atol=1e-15)
    assert lam[1] > 0  # the descent direction is worth following


@pytest.mark.slow  # trains for real
@pytest.mark.parametrize("data, eta, target", [(ellipses, 0.2, 0.98), (swiss_roll, 0.1, 0.95)])
def test_pvd_reaches_the_toy_targets(data, eta, target):
    (Xt, yt), (Xv, yv) = toy_split(data)
    net = ARCHITECTURES["resnet"](2, 2, width=4, layers=16, h=0.5, gamma=0.01, seed=0)
    PVDTrainer(2, workers=0).train(
        net,
        (Xt, yt),
        ExponentialDecay(eta, eta / 20, 3000),
        5,
        50,
        0.0,
        300,
        None,
        seed=0,
        max_batches=3000,
        progress=False,
    )
    assert net.evaluate(Xv, yv) >= target


def test_pvd_rejects_what_it_cannot_split():
    X, labels = circle_data()
    with pytest.raises(ValueError, match="blocks"):
        PVDTrainer(0)
    with pytest.raises(ValueError, match="blocks: expected 1 to 6"):
        trained(PVDTrainer(7, workers=0))
    with pytest.raises(ValueError, match="network: PVD needs"):
        PVDTrainer(2, workers=0).train(NeuralNetwork([2, 3, 2]), (X, labels), 0.1, 1, 10, max_batches=1, progress=False)
