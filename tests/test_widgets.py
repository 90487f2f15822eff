"""The widgets, driven as a teacher would (set .value, click), and every notebook run headlessly."""

from pathlib import Path

import numpy as np
import pytest

from tinynet import NeuralNetwork
from tinynet.lessonkit import SAMPLE_X, SAMPLE_Y, small_network
from tinynet.widgets import DigitExplorer, TrainingStepper, WeightNudger

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_nudging_a_weight_shows_measured_and_predicted_cost():
    net = small_network()
    before = net.params.copy()
    nudger = WeightNudger(net, SAMPLE_X, SAMPLE_Y)
    shown = nudger.result.value
    nudger.layer.value = 1
    assert (nudger.row.max, nudger.col.max) == (2, 1)  # W^1 is 3x2
    nudger.row.value, nudger.col.value = 2, 1
    nudger.nudge.value = 0.001
    assert nudger.result.value != shown and "W<sup>1</sup><sub>21</sub>" in nudger.result.value
    w, grad, C, C_after, predicted = nudger.values()
    assert grad == pytest.approx(net.backprop(np.array(SAMPLE_X), np.array(SAMPLE_Y))[0][0][2, 1])
    assert abs(C_after - predicted) < 1e-3 * abs(C_after - C)  # first order is right for small Δw
    nudger.nudge.value = 2.0
    _, _, _, C_far, predicted_far = nudger.values()
    assert abs(C_far - predicted_far) > 100 * abs(C_after - predicted)  # and drifts for large Δw
    assert np.array_equal(net.params, before)  # the nudges never touch the network


def test_stepping_training_one_batch_at_a_time():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    labels = X[:, :3].argmax(axis=1)
    net = NeuralNetwork([4, 6, 3], ["tanh", "softmax"], "cross_entropy", seed=0)
    stepper = TrainingStepper(net, (X, labels), learning_step=0.5, batch_size=20)
    picture = stepper.image.value
    assert "batch 0" in stepper.info.value and len(picture) > 1000
    stepper.button.click()
    assert len(stepper.costs) == 2 and len(stepper.grad_norms) == 1 and "batch 1" in stepper.info.value
    assert stepper.image.value != picture
    stepper.steps.value = 30
    stepper.button.click()
    assert len(stepper.costs) == 32 and stepper.costs[-1] < stepper.costs[0]
    assert all(len(norms) == 2 and all(n > 0 for n in norms) for norms in stepper.grad_norms)


def test_exploring_a_digit_shows_the_trace_of_that_digit():
    net = NeuralNetwork([784, 20, 10], seed=0)
    X = np.random.default_rng(0).random((5, 784))
    explorer = DigitExplorer(net, X, np.array([3, 1, 4, 1, 5]))
    first, picture = explorer.info.value, explorer.image.value
    explorer.index.value = 2
    assert explorer.info.value != first and "label <b>4</b>" in explorer.info.value
    assert explorer.image.value != picture
    t = explorer.trace()
    np.testing.assert_allclose(t.output[0], net.feedforward(X[2]))
    assert f"the network says <b>{int(net.predict(X[2]))}</b>" in explorer.info.value


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path):
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


def test_there_are_three_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["01-nudge-a-weight.ipynb", "02-step-training.ipynb",
                                           "03-inside-a-digit.ipynb"]
