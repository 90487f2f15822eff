"""The widgets, driven as a teacher would (set .value, click), and every notebook run headlessly."""

import re

import numpy as np
import pytest
from conftest import ROOT

from tinynet import NeuralNetwork
from tinynet.data import prepare_data
from tinynet.teach.lessonkit import SAMPLE_X, SAMPLE_Y, small_network
from tinynet.teach.widgets.explorer import DigitExplorer
from tinynet.teach.widgets.nudger import WeightNudger
from tinynet.teach.widgets.pictures import widget_text
from tinynet.teach.widgets.stepper import TrainingStepper
from tinynet.trainer import step

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# an HTML tag as text: <b>, </td>, <table class="x">, <br/> (not Python's "<urlopen error ...>")
TAG = re.compile(
    r"</?(a|b|i|u|s|p|br|hr|em|strong|small|big|font|code|pre|kbd|sup|sub|span|div|img|table|thead|tbody"
    r"|tr|td|th|ul|ol|li|h[1-6])(\s[^<>]*)?/?>",
    re.IGNORECASE,
)


@pytest.mark.slow  # draws its plots with matplotlib (seconds)
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


@pytest.mark.slow  # draws its plots with matplotlib (seconds)
def test_nudging_a_bias_plots_the_cost_and_the_tangent_with_backprops_slope():
    net = small_network()
    before = net.params.copy()
    x, y = np.array(SAMPLE_X), np.array(SAMPLE_Y)
    nudger = WeightNudger(net, x, y)
    picture, curve = nudger.image.value, nudger.plotted["cost"].copy()
    nudger.layer.value, nudger.kind.value, nudger.row.value = 1, "b", 1
    assert nudger.col.disabled and nudger.row.max == 2  # b^1 has 3 units and no input k
    assert nudger.name() == "b^1_1" and "b<sup>1</sup><sub>1</sub>" in nudger.result.value
    assert nudger.image.value != picture and not np.array_equal(nudger.plotted["cost"], curve)
    # the tangent drawn has backprop's ∂C/∂b^1_1 (from net.trace) as its slope
    dws, tangent = nudger.plotted["dw"], nudger.plotted["tangent"]
    slope = np.polyfit(dws, tangent, 1)[0]
    traced = net.trace(x, y)[1].nabla_b[1]
    assert slope == pytest.approx(traced, rel=1e-9) and nudger.values().grad == traced
    assert tangent[len(dws) // 2] == pytest.approx(net.cost_of(x, y))  # it touches C at Δw = 0
    # the curve is the cost measured with the bias moved, point by point
    moved = net.copy()
    moved.layer_params(moved.param_blocks)[0]["b"][1] += dws[3]
    assert nudger.plotted["cost"][3] == pytest.approx(moved.cost_of(x, y), rel=1e-12)
    nudger.nudge.value = 0.5
    w, grad, C, C_after, predicted = nudger.values()
    moved = net.copy()
    moved.layer_params(moved.param_blocks)[0]["b"][1] += 0.5
    assert C_after == pytest.approx(moved.cost_of(x, y), rel=1e-12) and predicted == pytest.approx(C + traced * 0.5)
    text = " ".join(widget_text(nudger.widget))
    assert f"measured ΔC {C_after - C:+.6f}" in text and f"predicted ΔC {predicted - C:+.6f}" in text
    assert np.array_equal(net.params, before)


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    return X, X[:, :3].argmax(axis=1)


@pytest.mark.slow  # draws its plots with matplotlib (seconds)
def test_one_click_is_trainer_step_with_the_sliders_eta_on_the_same_batch():
    X, labels = _data()
    net = NeuralNetwork([4, 6, 3], ["tanh", "softmax"], "cross_entropy", seed=0)
    ref = net.copy()
    Xp, Yp = prepare_data(ref, (X, labels), "training_data")
    rng = np.random.default_rng(7)  # the stepper's seed: the same batches
    stepper = TrainingStepper(net, (X, labels), learning_step=0.5, batch_size=20, seed=7)
    stepper.eta.value = 0.2
    assert stepper.learning_step == 0.2
    assert stepper.one_click() == (
        "one click: pick m = 20 random samples of the 300, backprop, "
        "params -= (η/m) ∂C/∂params, η = 0.2, m = 20; repeated N = 1 time (tinynet.trainer.step)"
    )
    assert "η = 0.2" in stepper.what.value
    stepper.button.click()
    idx = rng.choice(300, 20, replace=False)
    np.testing.assert_array_equal(stepper.last_batch, idx)
    nabla_w = [g.copy() for g in ref.backprop(Xp[idx], Yp[idx])[0]]
    step(ref, Xp[idx], Yp[idx], 0.2)
    np.testing.assert_array_equal(net.params, ref.params)  # exactly tinynet.trainer.step, η = 0.2
    np.testing.assert_allclose(stepper.grad_norms[0], [np.linalg.norm(g) for g in nabla_w], rtol=1e-12)
    # a log-scale slider, N repetitions per click
    stepper.eta.value, stepper.steps.value = 0.05, 3
    assert "η = 0.05, m = 20; repeated N = 3 times" in stepper.one_click()
    stepper.button.click()
    for _ in range(3):
        idx = rng.choice(300, 20, replace=False)
        step(ref, Xp[idx], Yp[idx], 0.05)
    np.testing.assert_array_equal(net.params, ref.params)
    assert len(stepper.costs) == 5 and "batch 4" in stepper.info.value


@pytest.mark.slow  # draws its plots with matplotlib (seconds)
def test_stepping_training_one_batch_at_a_time():
    X, labels = _data()
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


def _explorer():
    net = NeuralNetwork([784, 20, 10], seed=0)
    X = np.random.default_rng(0).random((12, 784))
    labels = np.array(net.predict(X))
    labels[[1, 4, 9]] = (labels[[1, 4, 9]] + 3) % 10  # three digits the network misreads
    return net, X, labels


@pytest.mark.slow  # draws its plots with matplotlib (seconds)
def test_exploring_a_digit_shows_the_trace_of_that_digit():
    net, X, labels = _explorer()
    explorer = DigitExplorer(net, X, labels)
    first, picture = explorer.info.value, explorer.image.value
    explorer.index.value = 2
    assert explorer.digit == 2 and explorer.info.value != first
    assert f"label <b>{labels[2]}</b>" in explorer.info.value
    assert explorer.image.value != picture
    t = explorer.trace()
    np.testing.assert_allclose(t.output[0], net.feedforward(X[2]))
    assert f"the network says <b>{int(net.predict(X[2]))}</b>" in explorer.info.value
    assert explorer.summary() == re.sub(r"</?b>", "", explorer.info.value)  # the plain text of the same line


@pytest.mark.slow  # draws its plots with matplotlib (seconds)
def test_the_misread_filter_shows_only_misread_digits_with_bars_labelled_0_to_9():
    net, X, labels = _explorer()
    explorer = DigitExplorer(net, X, labels)
    digits = [str(d) for d in range(10)]
    assert explorer.bar_labels == {"a^L": digits, "delta^L": digits}
    explorer.show.value = "misread"
    assert explorer.index.max == 2 and explorer.index.description == "misread #"
    seen = []
    for position in range(explorer.index.max + 1):
        explorer.index.value = position
        k = explorer.digit
        seen.append(k)
        assert net.predict(X[k]) != labels[k] and "(wrong)" in explorer.summary()
        assert f"misread {position + 1} of 3" in explorer.summary()
        assert explorer.bar_labels == {"a^L": digits, "delta^L": digits}
    assert seen == [1, 4, 9]
    explorer.show.value = "all"
    assert explorer.index.max == 11 and explorer.digit == 0
    # a network that reads every digit right has nothing to show, and says so
    right = DigitExplorer(net, X, np.array(net.predict(X)))
    right.show.value = "misread"
    assert right.index.disabled and "no misread digit" in right.info.value


@pytest.mark.slow  # draws its plots with matplotlib (seconds)
def test_no_widget_shows_tag_text():
    net, X, labels = _explorer()
    tools = [
        WeightNudger(small_network(), SAMPLE_X, SAMPLE_Y),
        DigitExplorer(net, X, labels),
        TrainingStepper(NeuralNetwork([4, 6, 3], seed=0), _data(), batch_size=20),
    ]
    tools[2].button.click()
    for tool in tools:
        lines = widget_text(tool.widget)
        assert lines and not [line for line in lines if TAG.search(line)], lines


def shown_text(output):
    """What a notebook shows for an output: its text, or text/plain where it has nothing richer."""
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return "\n".join(output.traceback)
    data = output.get("data", {})
    return data["text/plain"] if set(data) == {"text/plain"} else ""


@pytest.mark.slow  # the notebooks, run headlessly
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path):
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    printed = [shown_text(o) for o in outputs]
    assert not [text for text in printed if TAG.search(text)], printed  # no raw <b> or other tag printed


def test_there_are_three_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01-nudge-a-weight.ipynb",
        "02-step-training.ipynb",
        "03-inside-a-digit.ipynb",
    ]
