"""The training stepper: one click = N batches of ``tinynet.trainer.step``; cost, gradient norms, weights redrawn."""

import html

import ipywidgets as ipw
import numpy as np

from tinynet.data import prepare_data
from tinynet.teach.lessonkit import pyplot as _pyplot
from tinynet.teach.widgets.figure import figure_png
from tinynet.trainer import Trainer, step


class TrainingStepper:
    """One click: ``tinynet.trainer.step`` on N random batches of m samples with η from a slider; then redraw.

    Shows the cost per sample, each layer's gradient norm ‖∂C/∂W^l‖ and
    histograms of the weights.
    """

    def __init__(self, network, training_data, learning_step=0.5, batch_size=50, seed=0):
        self.network = network
        self.X, self.Y = prepare_data(network, training_data, "training_data")
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)
        self.trainer = Trainer()  # its mean_cost: the cost per sample, as training reports it
        self.costs = [self.trainer.mean_cost(network, self.X, self.Y)]
        self.grad_norms = []  # per batch: [‖∂C/∂W^l‖ for each layer]
        self.last_batch = None  # the sample indices of the last batch trained on
        self.eta = ipw.FloatLogSlider(
            learning_step, base=10, min=-3, max=1, step=0.05, description="η", readout_format=".3g"
        )
        self.steps = ipw.IntText(1, description="repeat N", layout=ipw.Layout(width="170px"))
        self.button = ipw.Button(description="train", icon="play")
        self.button.on_click(lambda button: self.step())
        self.what = ipw.HTML()
        self.info = ipw.HTML()
        self.image = ipw.Image(format="png")
        for control in (self.eta, self.steps):
            control.observe(lambda change: self._describe(), "value")
        self._describe()
        self._show()
        self.widget = ipw.VBox([ipw.HBox([self.eta, self.steps, self.button]), self.what, self.info, self.image])

    @property
    def learning_step(self):
        """η, as the slider says (setting it moves the slider)."""
        return self.eta.value

    @learning_step.setter
    def learning_step(self, eta):
        self.eta.value = eta

    def one_click(self):
        """What one click does, in words (plain text).

        The code of [`step`][tinynet.teach.widgets.stepper.TrainingStepper.step], said.
        """
        n, m, N = len(self.X), self.batch_size, max(1, self.steps.value)
        return (
            f"one click: pick m = {m} random samples of the {n:,}, backprop, "
            f"params -= (η/m) ∂C/∂params, η = {self.learning_step:.3g}, m = {m}; "
            f"repeated N = {N} time{'s' if N > 1 else ''} (tinynet.trainer.step)"
        )

    def _describe(self):
        self.what.value = f"<code>{html.escape(self.one_click())}</code>"

    def step(self):
        """Train ``self.steps.value`` batches with η = ``self.eta.value``, then redraw."""
        eta, m = self.learning_step, self.batch_size
        for _ in range(max(1, self.steps.value)):
            idx = self.rng.choice(len(self.X), m, replace=False)  # pick m random samples
            step(self.network, self.X[idx], self.Y[idx], eta, self.backprop)  # backprop, params -= (η/m) ∇C
            self.last_batch = idx
            self.costs.append(self.trainer.mean_cost(self.network, self.X, self.Y))
        self._show()

    def backprop(self, network, x, y):
        """``network.backprop(x, y)``, where ``step`` computes its gradient; each layer's ‖∂C/∂W^l‖ is kept to show."""
        nabla = network.backprop(x, y)
        blocks = network.layer_params(network.grad_blocks(nabla))
        self.grad_norms.append([float(np.linalg.norm(b["W"])) for b in blocks if "W" in b])
        return nabla

    def _show(self):
        rows = "".join(
            f"<tr><td>layer {l}</td><td>{norm:.4g}</td><td>{float(np.abs(Wl).mean()):.4g}</td></tr>"
            for l, (norm, Wl) in enumerate(
                zip(
                    self.grad_norms[-1] if self.grad_norms else [float("nan")] * len(self.network.weights),
                    self.network.weights,
                ),
                start=1,
            )
        )
        self.info.value = (
            f"<b>batch {len(self.costs) - 1}</b>: cost per sample {self.costs[-1]:.5f}"
            f"<table><tr><th></th><th>‖∂C/∂W‖ (last batch)</th><th>mean |W|</th></tr>"
            f"{rows}</table>"
        )
        plt = _pyplot()
        L = len(self.network.weights)
        fig, axes = plt.subplots(1, 2 + L, figsize=(3.2 * (2 + L), 2.8))
        axes[0].plot(self.costs, ".-")
        axes[0].set(title="cost per sample", xlabel="batch")
        if self.grad_norms:
            axes[1].semilogy(range(1, len(self.grad_norms) + 1), np.array(self.grad_norms), ".-")
            axes[1].legend([f"layer {l}" for l in range(1, L + 1)], fontsize=7)
        axes[1].set(title=r"$\Vert\partial C/\partial W^l\Vert$", xlabel="batch")
        for l, (ax, Wl) in enumerate(zip(axes[2:], self.network.weights), start=1):
            ax.hist(Wl.ravel(), bins=40)
            ax.set(title=f"weights $W^{l}$")
        fig.tight_layout()
        self.image.value = figure_png(fig)
