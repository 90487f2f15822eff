"""Interactive gradient inspection in Jupyter, built on ipywidgets.

Three tools, each a small class whose ``.widget`` is what a notebook displays,
each in a module of its own:

- [`WeightNudger`][tinynet.teach.widgets.nudger.WeightNudger]: pick a weight W^l_jk or a bias b^l_j, nudge it with
  a slider, see the cost C plotted against Δw with the tangent line whose slope
  is backprop's ∂C/∂w, and compare the cost's measured change with the
  first-order prediction ΔC ≈ (∂C/∂w) Δw;
- [`TrainingStepper`][tinynet.teach.widgets.stepper.TrainingStepper]: one click = ``tinynet.trainer.step`` on N
  random batches, with the learning step η from a slider; watch the cost, the per-layer
  gradient norms and the weight histograms;
- [`DigitExplorer`][tinynet.teach.widgets.explorer.DigitExplorer]: pick a digit (all of them, or only those the
  network misreads) and see every layer's activations a^l and back-propagated errors
  delta^l for it.

All numbers come from the network's own ``cost_of``, ``trace`` and
``predict`` and the trainer's ``step`` (``tinynet.trainer.step``): the
widgets only show them. Each update is a plain method (``update``,
``step``), so tests can drive the widgets by setting ``.value`` or calling
``.click()`` without a kernel.

``python -m tinynet.teach.widgets --pictures DIR`` runs the three widgets as the
notebooks do, renders each one's state after a real interaction as a static
page and photographs it in headless chromium: the pictures of the docs'
notebooks page (see [`tinynet.teach.widgets.pictures`][tinynet.teach.widgets.pictures]).

Each name has its home in one of these modules, and is imported from there
(``from tinynet.teach.widgets.nudger import WeightNudger``); this package
itself holds no names.
"""
