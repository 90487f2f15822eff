"""The digit explorer: pick a digit, among all or the misread ones, and see every layer's a^l and delta^l for it."""

import html

import ipywidgets as ipw
import numpy as np

from tinynet.teach.lessonkit import pyplot as _pyplot
from tinynet.teach.widgets.figure import figure_png


class DigitExplorer:
    """Pick a digit, among all or only the misread ones; see a^l and delta^l of every layer (``network.trace``)."""

    def __init__(self, network, X, labels):
        self.network, self.X, self.labels = network, np.asarray(X), np.asarray(labels)
        self.predicted = np.asarray(network.predict(self.X))  # what the network says for every digit
        self.misread = np.flatnonzero(self.predicted != self.labels)
        self.bar_labels = {}  # the tick labels of the output bars in the picture
        self.show = ipw.ToggleButtons(
            options=[("all", "all"), ("misread only", "misread")],
            value="all",
            description="show",
            style={"button_width": "100px"},
        )
        self.index = ipw.IntSlider(0, 0, len(self.X) - 1, description="digit #")
        self.info = ipw.HTML()
        self.image = ipw.Image(format="png")
        self._quiet = False
        self.show.observe(self._filter_changed, "value")
        self.index.observe(lambda change: self.update(), "value")
        self.update()
        self.widget = ipw.VBox([ipw.HBox([self.show, self.index]), self.info, self.image])

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
        y = np.eye(self.network.outputs)[self.labels[k]]
        return self.network.trace(self.X[k], y)

    def summary(self, markup=False):
        """One line on the digit on show (plain text; ``markup``: its numbers in bold, for an HTML widget)."""
        b = (lambda s: f"<b>{s}</b>") if markup else str
        if len(self.shown) == 0:
            return "the network reads every digit right: no misread digit to show"
        k = self.digit
        where = (
            f"misread {self.index.value + 1} of {len(self.misread)}"
            if self.show.value == "misread"
            else f"{len(self.misread)} of {len(self.X)} digits misread"
        )
        verdict = "right" if self.predicted[k] == self.labels[k] else "wrong"
        return (
            f"digit #{k}: label {b(self.labels[k])}, the network says {b(self.predicted[k])} ({verdict}); "
            f"cost C = {self._C:.4f} ({where})"
        )

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
        axes[0, 0].set_title(f"input $a^0$ (label {self.labels[k]})", fontsize=9)
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
            axes[0, l].set_title(f"$a^{l}$ ({layer.activation})", fontsize=9)
            axes[1, l].bar(range(units), layer.delta[0], color="tab:red")
            axes[1, l].set_title(rf"$\delta^{l}$", fontsize=9)
            if l == L:
                for ax in axes[:, l]:
                    ax.set_xticks(range(units), [str(d) for d in range(units)])
                    ax.set_xlabel("digit")
                axes[0, l].set_title(f"$a^{l}$: green the label, red a wrong answer", fontsize=8)
                self.bar_labels = {
                    "a^L": [t.get_text() for t in axes[0, l].get_xticklabels()],
                    "delta^L": [t.get_text() for t in axes[1, l].get_xticklabels()],
                }
        fig.tight_layout()
        self.image.value = figure_png(fig)
