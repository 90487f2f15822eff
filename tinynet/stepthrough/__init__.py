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

Every number comes from tinynet itself: ``network.trace`` (z, a, delta,
parameters, gradients, C), ``cost_of`` (the nudge grid) and, for what a
trace does not keep (the max-pool's arg-max mask, the error the pool passes
back, a stable network's ∂C/∂Y_j), the network's own forward and backward
code run on a workspace. Nothing here computes any of it a second time; the
page's JavaScript only displays it.

The package, one idea a module:

- [`format`][tinynet.stepthrough.format]: numbers as the page shows them, in text and LaTeX;
- [`steps`][tinynet.stepthrough.steps]: tinynet's own source lines, a step and the arrays it produces;
- [`scene`][tinynet.stepthrough.scene]: the drawing (units, edges, heat maps) and where an array goes in it;
- [`dense`][tinynet.stepthrough.dense], [`conv`][tinynet.stepthrough.conv],
  [`stable`][tinynet.stepthrough.stable]: the step-through of each of the three networks;
- [`nudge`][tinynet.stepthrough.nudge]: the data of "nudge a weight";
- [`write`][tinynet.stepthrough.write]: the files, written (``python -m tinynet.stepthrough [FOLDER]``).

Every name of these modules can be imported from ``tinynet.stepthrough`` itself.
"""

from .conv import DIGIT_SEVEN, conv_data, convnet_example, pool_extras
from .dense import dense_data
from .format import DIGITS, SIGMA_TEX, fmt, sub, sup, tex_col, tex_mat, tex_num, tex_row
from .nudge import nudge_data
from .scene import COST, SLOTS, column, edges, map_grid, maps, new_scene, units
from .stable import resnet_data, resnet_example, state_gradients
from .steps import code, code_line, cost_step, part, pass_data, step
from .write import BUILDERS, lesson2_data, write_all

__all__ = [
    "BUILDERS",
    "COST",
    "DIGITS",
    "DIGIT_SEVEN",
    "SIGMA_TEX",
    "SLOTS",
    "code",
    "code_line",
    "column",
    "conv_data",
    "convnet_example",
    "cost_step",
    "dense_data",
    "edges",
    "fmt",
    "lesson2_data",
    "map_grid",
    "maps",
    "new_scene",
    "nudge_data",
    "part",
    "pass_data",
    "pool_extras",
    "resnet_data",
    "resnet_example",
    "state_gradients",
    "step",
    "sub",
    "sup",
    "tex_col",
    "tex_mat",
    "tex_num",
    "tex_row",
    "units",
    "write_all",
]
