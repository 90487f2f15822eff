"""The data of the docs' step-through: one forward and backward pass, step by step, as plain JSON.

The docs build (``docs/hooks.py``) writes, into ``docs/generated/stepthrough/``:

    lesson2.json   the [2, 3, 2] network of lessons 2-6 on its sample, and the
                   "nudge a weight" data (the cost on a grid of Δw, and ∂C/∂w)
    convnet.json   a small ConvNet on an 8x8 digit-like image
    resnet.json    a ResNet of three layers (a stable network, read as forward Euler)

Each file holds a drawing (``scene``: units, edges, heat maps, placed on a
canvas) and the ``steps`` of the pass. A step is one equation applied: its
LaTeX with the numbers put in, the line(s) of tinynet's source that compute
it (found by their code text when the data is written; a line that is not
found stops the build), and its ``parts``: the arrays it produces, each with
the place in the drawing it goes to and where it comes from (``source``: a
quantity of ``network.trace``, e.g. ``{"q": "z", "l": 1}``).

Each part also says where each of its numbers comes from (``why``): the
equation that gives it with its operands' values, the operands (earlier parts'
entries, to be outlined on the drawing) and the code line that computed it;
see [`steps`][tinynet.teach.stepthrough.steps].

Every number comes from tinynet itself: ``network.trace`` (z, a, delta,
parameters, gradients, C), ``cost_of`` (the nudge grid) and, for what a
trace does not keep (the max-pool's arg-max mask, the error the pool passes
back, a stable network's ∂C/∂Y_j), the network's own ``forward`` and
``backward`` and its layers' backward steps, run on the pass they return.
Nothing here computes any of it a second time; the page's JavaScript only
displays it.

The package, one idea a module:

- [`format`][tinynet.teach.stepthrough.format]: numbers as the page shows them, in text and LaTeX;
- [`steps`][tinynet.teach.stepthrough.steps]: tinynet's own source lines, a step and the arrays it produces;
- [`scene`][tinynet.teach.stepthrough.scene]: the drawing (units, edges, heat maps) and where an array goes in it;
- [`dense`][tinynet.teach.stepthrough.dense], [`conv`][tinynet.teach.stepthrough.conv],
  [`stable`][tinynet.teach.stepthrough.stable]: the step-through of each kind of network, any sizes;
- [`nudge`][tinynet.teach.stepthrough.nudge]: the data of "nudge a weight";
- [`write`][tinynet.teach.stepthrough.write]: the files, written (``python -m tinynet.teach.stepthrough [FOLDER]``),
  and the page's script and style (``static/``);
- [`page`][tinynet.teach.stepthrough.page]: ``tinynet stepthrough MODEL``, a learner's own model in one page that
  opens from disk;
- [`picture`][tinynet.teach.stepthrough.picture]: a picture of such a page, at one step, one number chosen.

Each name has its home in one of these modules, and is imported from there
(``from tinynet.teach.stepthrough.write import write_all``); this package
itself holds no names.
"""
