"""The weight nudger: move one weight or bias by Δw and compare the cost's change with backprop's prediction."""

from typing import NamedTuple

import ipywidgets as ipw
import numpy as np

from tinynet.teach.lessonkit import pyplot as _pyplot
from tinynet.teach.widgets.figure import figure_png


class Nudge(NamedTuple):
    """What [`values`][tinynet.teach.widgets.nudger.WeightNudger.values] reports for the chosen parameter w and Δw.

    The fields, in order: w, ∂C/∂w, C, C after the nudge, the predicted C.
    """

    w: float  # the parameter's value
    grad: float  # ∂C/∂w, from backprop (network.trace)
    C: float  # the cost before the nudge
    C_after: float  # the cost with w + Δw, measured by network.cost_of
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
        self.layer = ipw.Dropdown(options=[(f"layer {l}", l) for l in layers], value=layers[-1], description="layer l")
        self.kind = ipw.ToggleButtons(
            options=[("weight W", "W"), ("bias b", "b")],
            value="W",
            description="parameter",
            style={"button_width": "80px"},
        )
        self.row = ipw.IntSlider(0, 0, 0, description="unit j")
        self.col = ipw.IntSlider(0, 0, 0, description="input k")
        self.nudge = ipw.FloatSlider(
            0.0, min=-2.0, max=2.0, step=0.01, description="Δw", readout_format=".2f", continuous_update=False
        )
        self.result = ipw.HTML()
        self.image = ipw.Image(format="png")
        self._quiet = False
        self.layer.observe(self._shape_changed, "value")
        self.kind.observe(self._shape_changed, "value")
        for control in (self.row, self.col, self.nudge):
            control.observe(lambda change: self.update(), "value")
        self._shape_changed()
        self.widget = ipw.VBox(
            [
                ipw.HBox([self.layer, self.kind]),
                ipw.HBox([self.row, self.col]),
                self.nudge,
                ipw.HBox([self.image, self.result]),
            ]
        )

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
        block = self.probe.layer_params(self.probe.param_blocks)[self.layer.value - 1][self.kind.value]
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
        """A [`Nudge`][tinynet.teach.widgets.nudger.Nudge] for the chosen parameter and Δw.

        That is (w, ∂C/∂w, C, C after the nudge, predicted C).
        """
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
        (measured,) = ax.plot(dws, costs, "-", color="tab:blue", label="C(w + Δw), measured")
        (tangent,) = ax.plot(dws, C + grad * dws, "--", color="tab:orange", label=f"tangent, slope ∂C/∂w = {grad:.4g}")
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
        self.plotted = {
            "dw": measured.get_xdata().copy(),
            "cost": measured.get_ydata().copy(),
            "tangent": tangent.get_ydata().copy(),
        }
        self.image.value = figure_png(fig)
