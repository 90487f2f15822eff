"""The pieces of a step-through step: tinynet's own source lines, the arrays a step produces, the step itself."""

import ast
import inspect
import textwrap
from pathlib import Path

import numpy as np

from tinynet.activations import Softmax
from tinynet.costs import CrossEntropy, Quadratic
from tinynet.teach.stepthrough.format import DIGITS, tex_col, tex_num, tex_row

# --- tinynet's own source lines ------------------------------------------------------------------------


def code_line(obj, fragment):
    """{"file", "line", "text"}: the line of ``obj``'s code that contains ``fragment``.

    Whitespace does not count, and neither does the docstring (which may
    quote the code). A fragment found nowhere is a LookupError: the page
    would otherwise show code that is no longer there.
    """
    lines, start = inspect.getsourcelines(obj)
    skip = docstring_lines(lines)
    want = "".join(fragment.split())
    for offset, line in enumerate(lines):
        if offset not in skip and want in "".join(line.split()):
            path = Path(inspect.getsourcefile(obj)).resolve()
            root = Path(__file__).resolve().parents[3]  # the repository: tinynet/teach/stepthrough/ is three below
            try:
                name = path.relative_to(root).as_posix()
            except ValueError:
                name = path.name
            return {"file": name, "line": start + offset, "text": line.strip(), "where": obj.__qualname__}
    raise LookupError(
        f"stepthrough: no line of {obj.__qualname__} contains {fragment!r}; "
        f"tinynet's code changed: update tinynet/teach/stepthrough/"
    )


def docstring_lines(lines):
    """The offsets (into ``lines``, a function's source) of the lines of its docstring; empty if it has none."""
    body = ast.parse(textwrap.dedent("".join(lines))).body[0].body
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return set(range(first.lineno - 1, first.end_lineno))
    return set()


def code(*pairs):
    """Several lines: code(obj, fragment, obj, fragment, ...)."""
    return [code_line(obj, fragment) for obj, fragment in zip(pairs[0::2], pairs[1::2])]


# --- a step and what it produces ---------------------------------------------------------------------


def part(name, source, values, target, sym="", panel=True):
    """One array a step produces: ``name`` (HTML), where it comes from and where it is drawn."""
    values = np.asarray(values, dtype=float)
    return {
        "name": name,
        "sym": sym,
        "source": source,
        "shape": list(values.shape),
        "values": [float(v) for v in values.ravel()],
        "target": target,
        "panel": panel,
    }


def step(sid, phase, title, tex, lines, parts, highlight=None):
    """One equation applied: its LaTeX, its code lines, its parts and what it lights up in the drawing."""
    return {
        "id": sid,
        "phase": phase,
        "title": title,
        "tex": tex,
        "code": lines,
        "parts": parts,
        "highlight": highlight or {},
    }


def forward(sid, title, tex, lines, parts, highlight=None):
    """A step of the forward pass."""
    return step(sid, "forward", title, tex, lines, parts, highlight)


def backward(sid, title, tex, lines, parts, highlight=None):
    """A step of the backward pass."""
    return step(sid, "backward", title, tex, lines, parts, highlight)


def pass_data(name, title, kind, t, scene, steps):
    """A whole step-through: the drawing and the steps of one traced pass ``t``, as a file holds them."""
    return {
        "name": name,
        "title": title,
        "kind": kind,
        "digits": DIGITS,
        "C": float(t.C),
        "scene": scene,
        "steps": steps,
    }


def cost_step(net, t, target, L):
    """The cost C of the output (quadratic, or cross-entropy after a softmax)."""
    out, Y = t[L], t.y[0]
    if isinstance(net.cost, Quadratic):
        tex = (
            rf"C = \tfrac12 \lVert a^{{{L}}} - y \rVert^2 = \tfrac12 \left\lVert {tex_col(out.a[0])} - {tex_col(Y)}"
            rf" \right\rVert^2 = {tex_num(t.C)}"
        )
        lines = code(Quadratic.value, "0.5 * float(((a - y) ** 2).sum())")
    elif isinstance(net.activations[-1], Softmax):
        tex = rf"C = -\sum_j y_j \ln a^{{{L}}}_j = -{tex_row(Y)} \cdot \ln {tex_col(out.a[0])} = {tex_num(t.C)}"
        lines = code(CrossEntropy.value, "return -float((y * log_a).sum())")
    else:
        raise ValueError(f"stepthrough: no equation for the cost {net.cost.name} after {net.activations[-1].name}")
    return step("cost", "cost", "The cost C of the output", tex, lines, [part("C", {"q": "C"}, t.C, target, "C")])
