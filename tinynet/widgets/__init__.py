"""Interactive gradient inspection in Jupyter, built on ipywidgets.

Three tools, each a small class whose ``.widget`` is what a notebook displays,
each in a module of its own:

- [`WeightNudger`][tinynet.widgets.nudger.WeightNudger]: pick a weight W^l_jk or a bias b^l_j, nudge it with
  a slider, see the cost C plotted against Δw with the tangent line whose slope
  is backprop's ∂C/∂w, and compare the cost's measured change with the
  first-order prediction ΔC ≈ (∂C/∂w) Δw;
- [`TrainingStepper`][tinynet.widgets.stepper.TrainingStepper]: one click = ``Trainer.step`` on N random
  batches, with the learning step η from a slider; watch the cost, the per-layer
  gradient norms and the weight histograms;
- [`DigitExplorer`][tinynet.widgets.explorer.DigitExplorer]: pick a digit (all of them, or only those the
  network misreads) and see every layer's activations a^l and back-propagated errors
  delta^l for it.

All numbers come from the network's own ``cost_of``, ``trace`` and
``predict`` and the ``Trainer``'s ``step``: the widgets only show them. Each
update is a plain method (``update``, ``step``), so tests can drive the
widgets by setting ``.value`` or calling ``.click()`` without a kernel.

``python -m tinynet.widgets --pictures DIR`` runs the three widgets as the
notebooks do, renders each one's state after a real interaction as a static
page and photographs it in headless chromium: the pictures of the docs'
notebooks page (see [`tinynet.widget_pictures`][tinynet.widget_pictures]).
Every name of these modules, and of [`tinynet.widget_pictures`][tinynet.widget_pictures], can be
imported from ``tinynet.widgets`` itself.
"""

from ..widget_pictures import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PICTURES,
    main,
    picture_widgets,
    take_pictures,
    widget_html,
    widget_text,
)
from .explorer import DigitExplorer
from .figure import figure_png
from .nudger import Nudge, WeightNudger
from .stepper import TrainingStepper

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "PICTURES",
    "DigitExplorer",
    "Nudge",
    "TrainingStepper",
    "WeightNudger",
    "figure_png",
    "main",
    "picture_widgets",
    "take_pictures",
    "widget_html",
    "widget_text",
]
