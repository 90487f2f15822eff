"""Interactive gradient inspection in Jupyter, built on ipywidgets.

Three tools, each a small class whose ``.widget`` is what a notebook displays:

- :class:`WeightNudger`: pick a layer and a weight, nudge it with a slider,
  and compare the cost's real change with the first-order prediction
  ΔC ≈ (∂C/∂W^l_jk) Δw that backprop makes;
- :class:`TrainingStepper`: step training one batch at a time and watch
  the cost, the per-layer gradient norms and the weight histograms;
- :class:`DigitExplorer`: pick a digit and see every layer's activations a^l
  and back-propagated errors delta^l for it.

All numbers come from the network's own ``backprop`` / ``trace`` and the
``Trainer``'s ``step``: the widgets only show them. Each update is a plain
method (``update``, ``step``), so tests can drive the widgets by setting
``.value`` or calling ``.click()`` without a kernel.
"""

import io

import ipywidgets as W
import numpy as np

from .lessonkit import pyplot as _pyplot
from .data import prepare_data
from .trainer import Trainer


def figure_png(fig):
    """A matplotlib figure as PNG bytes (for an ``ipywidgets.Image``); the figure is closed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


class WeightNudger:
    """Nudge one weight W^l_jk by Δw and compare ΔC with its prediction (∂C/∂W^l_jk) Δw.

    The network itself is never changed: the nudged cost is measured on a copy.
    """

    def __init__(self, network, x, y):
        self.network = network
        self.x = np.atleast_2d(np.asarray(x, dtype=network.dtype))
        self.y = np.asarray(y, dtype=network.dtype).reshape(self.x.shape[0], -1)
        self.nabla_w = [g.copy() for g in network.backprop(self.x, self.y)[0]]
        self.C = network.cost_of(self.x, self.y)
        L = len(network.weights)
        self.layer = W.Dropdown(options=[(f"layer {l}", l) for l in range(1, L + 1)], value=L,
                                description="layer l")
        self.row = W.IntSlider(0, 0, 0, description="unit j")
        self.col = W.IntSlider(0, 0, 0, description="input k")
        self.nudge = W.FloatSlider(0.0, min=-2.0, max=2.0, step=0.01, description="Δw",
                                   readout_format=".2f", continuous_update=True)
        self.result = W.HTML()
        self.layer.observe(self._layer_changed, "value")
        for control in (self.row, self.col, self.nudge):
            control.observe(lambda change: self.update(), "value")
        self._layer_changed()
        self.widget = W.VBox([W.HBox([self.layer, self.row, self.col]), self.nudge, self.result])

    def _layer_changed(self, change=None):
        rows, cols = self.network.weights[self.layer.value - 1].shape
        self.row.max, self.col.max = rows - 1, cols - 1
        self.update()

    def values(self):
        """(w, ∂C/∂w, C, C after the nudge, predicted C) for the chosen weight and Δw."""
        i, j, k, dw = self.layer.value - 1, self.row.value, self.col.value, self.nudge.value
        nudged = self.network.copy()
        nudged.weights[i][j, k] += dw
        C_after = nudged.cost_of(self.x, self.y)
        grad = float(self.nabla_w[i][j, k])
        return float(self.network.weights[i][j, k]), grad, self.C, C_after, self.C + grad * dw

    def update(self):
        w, grad, C, C_after, predicted = self.values()
        l, j, k, dw = self.layer.value, self.row.value, self.col.value, self.nudge.value
        self.result.value = (
            f"<table>"
            f"<tr><td>W<sup>{l}</sup><sub>{j}{k}</sub></td><td>{w:.6f} → {w + dw:.6f}</td></tr>"
            f"<tr><td>∂C/∂W<sup>{l}</sup><sub>{j}{k}</sub> (backprop)</td><td>{grad:.6g}</td></tr>"
            f"<tr><td>C before</td><td>{C:.6f}</td></tr>"
            f"<tr><td>C after (measured)</td><td>{C_after:.6f}</td></tr>"
            f"<tr><td>C + (∂C/∂w)·Δw (predicted)</td><td>{predicted:.6f}</td></tr>"
            f"<tr><td>prediction error</td><td>{C_after - predicted:+.2e}</td></tr>"
            f"</table>"
        )


class TrainingStepper:
    """Train one batch at a time as ``Trainer.train`` does; show the cost, gradient norms and weights."""

    def __init__(self, network, training_data, learning_step=0.5, batch_size=50, seed=0):
        self.network = network
        self.X, self.Y = prepare_data(network, training_data, "training_data")
        self.learning_step, self.batch_size = learning_step, batch_size
        self.rng = np.random.default_rng(seed)
        self.trainer = Trainer()
        self.ws = network.workspace(batch_size)
        self.costs = [self.trainer.mean_cost(network, self.X, self.Y)]
        self.grad_norms = []  # per batch: [‖nabla_w^l‖ for each layer]
        self.button = W.Button(description="train one batch", icon="play")
        self.button.on_click(lambda button: self.step())
        self.steps = W.IntText(1, description="batches", layout=W.Layout(width="160px"))
        self.info = W.HTML()
        self.image = W.Image(format="png")
        self._show()
        self.widget = W.VBox([W.HBox([self.button, self.steps]), self.info, self.image])

    def step(self):
        """Train ``self.steps.value`` batches, then redraw."""
        for _ in range(max(1, self.steps.value)):
            idx = self.rng.choice(len(self.X), self.batch_size, replace=False)
            self.trainer.step(self.network, self.X[idx], self.Y[idx], self.learning_step, self.ws)
            nabla_w = self.network.gradients(self.ws)[0]  # what that step's backprop computed
            self.grad_norms.append([float(np.linalg.norm(g)) for g in nabla_w])
            self.costs.append(self.trainer.mean_cost(self.network, self.X, self.Y))
        self._show()

    def _show(self):
        rows = "".join(
            f"<tr><td>layer {l}</td><td>{norm:.4g}</td><td>{float(np.abs(Wl).mean()):.4g}</td></tr>"
            for l, (norm, Wl) in enumerate(zip(self.grad_norms[-1] if self.grad_norms else
                                               [float("nan")] * len(self.network.weights),
                                               self.network.weights), start=1))
        self.info.value = (f"<b>batch {len(self.costs) - 1}</b>: cost per sample {self.costs[-1]:.5f}"
                           f"<table><tr><th></th><th>‖∂C/∂W‖</th><th>mean |W|</th></tr>{rows}</table>")
        plt = _pyplot()
        L = len(self.network.weights)
        fig, axes = plt.subplots(1, 2 + L, figsize=(3.2 * (2 + L), 2.8))
        axes[0].plot(self.costs, ".-")
        axes[0].set(title="cost per sample", xlabel="batch")
        if self.grad_norms:
            axes[1].semilogy(np.array(self.grad_norms), ".-")
            axes[1].legend([f"layer {l}" for l in range(1, L + 1)], fontsize=7)
        axes[1].set(title="‖∂C/∂W^l‖", xlabel="batch")
        for l, (ax, Wl) in enumerate(zip(axes[2:], self.network.weights), start=1):
            ax.hist(Wl.ravel(), bins=40)
            ax.set(title=f"weights W^{l}")
        fig.tight_layout()
        self.image.value = figure_png(fig)


class DigitExplorer:
    """Pick a digit; see a^l and delta^l of every layer for it (from ``network.trace``)."""

    def __init__(self, network, X, labels):
        self.network, self.X, self.labels = network, np.asarray(X), np.asarray(labels)
        self.index = W.IntSlider(0, 0, len(self.X) - 1, description="digit #")
        self.info = W.HTML()
        self.image = W.Image(format="png")
        self.index.observe(lambda change: self.update(), "value")
        self.update()
        self.widget = W.VBox([self.index, self.info, self.image])

    def trace(self):
        k = self.index.value
        y = np.eye(self.network.sizes[-1])[self.labels[k]]
        return self.network.trace(self.X[k], y)

    def update(self):
        t = self.trace()
        k = self.index.value
        predicted = int(t.output[0].argmax())
        self.info.value = (f"digit #{k}: label <b>{self.labels[k]}</b>, the network says <b>{predicted}</b> "
                           f"(a^L = {np.array2string(t.output[0], precision=2, suppress_small=True)}), "
                           f"cost C = {t.C:.4f}")
        plt = _pyplot()
        L = len(t.layers)
        fig, axes = plt.subplots(2, L + 1, figsize=(2.6 * (L + 1), 4.4))
        axes[0, 0].imshow(self.X[k].reshape(28, 28), cmap="gray_r")
        axes[0, 0].set_title("input a^0")
        axes[1, 0].axis("off")
        for l, layer in enumerate(t.layers, start=1):
            axes[0, l].bar(range(layer.a.shape[1]), layer.a[0])
            axes[0, l].set_title(f"a^{l} ({layer.activation})", fontsize=9)
            axes[1, l].bar(range(layer.delta.shape[1]), layer.delta[0], color="tab:red")
            axes[1, l].set_title(f"delta^{l}", fontsize=9)
        for ax in axes[0, :1]:
            ax.axis("off")
        fig.tight_layout()
        self.image.value = figure_png(fig)
