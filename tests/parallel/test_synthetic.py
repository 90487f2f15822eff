"""Synthetic gradients (tinynet.parallel.synthetic, .stages): the same numbers in one process and in many."""

import numpy as np
import pytest
from test_pvd import circle_data, toy_split, trained

from tinynet import NeuralNetwork, Trainer
from tinynet.parallel.stages import SyntheticGradient
from tinynet.parallel.synthetic import LocalStages, SyntheticGradientTrainer
from tinynet.stable.schemes import ARCHITECTURES
from tinynet.stable.toydata import ellipses, swiss_roll


def test_one_stage_is_ordinary_backprop():
    net, _ = trained(SyntheticGradientTrainer(1, workers=0))
    reference, _ = trained(Trainer())
    np.testing.assert_allclose(net.params, reference.params, rtol=0, atol=1e-13)


@pytest.mark.slow  # worker processes
@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_stage_processes_give_the_one_process_numbers(kind, no_leaks):
    local, history = trained(SyntheticGradientTrainer(3, workers=0), kind, opening=True, alpha_f=0.01)
    piped, piped_history = trained(SyntheticGradientTrainer(3), kind, opening=True, alpha_f=0.01)
    np.testing.assert_allclose(piped.params, local.params, rtol=0, atol=1e-10)
    np.testing.assert_allclose(piped_history.sg_losses, history.sg_losses, rtol=1e-9)
    assert np.shape(history.sg_losses) == (6, 2)


def test_until_its_module_has_learned_the_first_stage_stands_still():
    # The modules start at zero and learn from the gradient of step t - 2 before step t: in a batch
    # of two steps the first stage gets a zero error, while the last one (the true cost) moves.
    X, labels = circle_data()
    net = ARCHITECTURES["resnet"](2, 2, width=4, layers=6, h=0.5, seed=0)
    start = net.params.copy()
    history = SyntheticGradientTrainer(2, workers=0).train(net, (X, labels), 0.5, 2, 40, max_batches=1, progress=False)
    first, last = net.blocks(2)
    assert np.array_equal(net.params[first], start[first])
    assert np.abs(net.params[last] - start[last]).max() > 0
    assert len(history.sg_losses) == 1 and history.sg_losses[0][0] > 0


@pytest.mark.parametrize("steps", [1, 2, 5])
def test_a_batch_leaves_no_message_behind(steps):
    # the schedule (stage_step, stage_end) takes every state and gradient a stage sends, whatever the steps
    X, labels = circle_data()
    net = ARCHITECTURES["hamiltonian"](2, 2, width=4, layers=6, h=0.5, seed=0)
    local = LocalStages(net, X, np.eye(2)[labels], 3, 0.3)
    local.load(np.arange(40))
    local.run(0.01, steps)
    assert all(not link.held for links in local.links for link in links if link is not None)
    assert all(not stage.sent for stage in local.stages) and len(local.sg_losses[0]) == 2


def test_a_module_learns_a_linear_gradient():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 3))
    sg = SyntheticGradient(3)
    losses = [sg.learn(h, h @ A + 0.5, 0.3) for h in rng.normal(size=(300, 20, 3))]
    assert losses[-1] < 1e-3 * losses[0]
    np.testing.assert_allclose(sg.A, A, atol=1e-2)


@pytest.mark.slow  # trains for real
@pytest.mark.parametrize(
    "data, kind, eta, target", [(ellipses, "resnet", 0.1, 0.98), (swiss_roll, "antisymmetric", 0.2, 0.95)]
)
def test_synthetic_gradients_reach_the_toy_targets(data, kind, eta, target):
    (Xt, yt), (Xv, yv) = toy_split(data)
    net = ARCHITECTURES[kind](2, 2, width=4, layers=16, h=0.5, gamma=0.01, seed=0)
    SyntheticGradientTrainer(2, workers=0, sg_learning_step=0.3).train(
        net, (Xt, yt), eta, 5, 50, 0.0, 300, None, seed=0, max_batches=4000, progress=False
    )
    assert net.evaluate(Xv, yv) >= target


def test_synthetic_gradient_trainer_checks_its_arguments():
    X, labels = circle_data()
    with pytest.raises(ValueError, match="stages"):
        SyntheticGradientTrainer(0)
    with pytest.raises(ValueError, match="workers"):
        SyntheticGradientTrainer(2, workers=3)
    with pytest.raises(ValueError, match="sg_learning_step: expected a positive number"):
        SyntheticGradientTrainer(2, sg_learning_step=-0.1)
    with pytest.raises(ValueError, match="network: synthetic gradients need"):
        SyntheticGradientTrainer(2, workers=0).train(
            NeuralNetwork([2, 3, 2]), (X, labels), 0.1, 1, 10, max_batches=1, progress=False
        )
