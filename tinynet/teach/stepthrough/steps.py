"""The pieces of a step-through step: tinynet's own source lines, the arrays a step produces, the step itself."""

import ast
import inspect
import textwrap
from pathlib import Path

import numpy as np

from tinynet.activations import Softmax
from tinynet.costs import CrossEntropy, Quadratic
from tinynet.teach.stepthrough.format import DIGITS, fmt, tex_col, tex_num, tex_row

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


def part(name, source, values, target, sym="", panel=True, why=None, labels=0):
    """One array a step produces: ``name`` (HTML), where it comes from and where it is drawn.

    ``why`` says where each of its numbers comes from (see "Where a number comes from" below);
    ``labels`` > 0 names that many of its largest entries (by size) to be labelled on a strip or map.
    """
    values = np.asarray(values, dtype=float)
    out = {
        "name": name,
        "sym": sym,
        "source": source,
        "shape": list(values.shape),
        "values": [float(v) for v in values.ravel()],
        "target": target,
        "panel": panel,
    }
    if why is not None:
        out["why"] = why
    if labels:
        out["labels"] = [int(k) for k in largest(values, labels)]
    return out


def largest(values, n):
    """The flat indices of the ``n`` entries of ``values`` largest in size, largest first."""
    flat = np.abs(np.ravel(values))
    return np.argsort(-flat, kind="stable")[:n]


# --- where a number comes from ------------------------------------------------------------------------
#
# A part's ``why`` tells, for each of its entries, the equation that gives it with the operands' values put
# in, the operands (to be lit up on the drawing) and tinynet's line(s) that computed it (indices into the
# step's ``code``). An operand is named by the step that produced it, the part's index in that step and the
# entry's flat index: ``[step id, part, k]``. Four forms keep the files small; the page only fills them in:
#
#   given   an input, target or parameter: ``eq`` alone.
#   same    entry k of each operand part: ``ops`` = [[step id, part], ...].
#   outer   entry (r, c): operand 0 at r, operand 1 at c (the two factors of δ aᵀ).
#   each    one ``[html, [[step id, part, k], ...]]`` per entry, written out here (sums over many terms).
#
# In ``eq`` (given, same, outer), ``{i}`` is the entry's index ("3" or "0,2,1"), ``{i0}``, ``{i1}``... its
# components, ``{=}`` its value and ``{0}``, ``{1}``... the operands' values, as ``fmt`` writes them.


def why_given(eq, lines=(0,)):
    return {"rule": "given", "eq": eq, "code": list(lines)}


def why_same(eq, ops, lines=(0,)):
    return {"rule": "same", "eq": eq, "ops": [list(o) for o in ops], "code": list(lines)}


def why_outer(eq, ops, lines=(0,)):
    return {"rule": "outer", "eq": eq, "ops": [list(o) for o in ops], "code": list(lines)}


def why_each(entries, lines=(0,)):
    return {"rule": "each", "entries": entries, "code": list(lines)}


def lead_terms(terms, most=4):
    """A sum of written-out terms ``(html, value, refs)``: the ``most`` largest in size shown, the rest counted.

    Returns (html, refs of the operands of the terms shown).
    """
    keep = range(len(terms))
    if len(terms) > most:
        keep = sorted(np.argsort([-abs(v) for _, v, _ in terms], kind="stable")[:most])
    html = " + ".join(terms[t][0] for t in keep)
    if len(terms) > most:
        html += f' + ⋯ <span class="st-more">({len(terms) - most} more terms, the {most} largest shown)</span>'
    return html, [r for t in keep for r in terms[t][2]]


def term_sum(terms, most=4):
    """A sum of products written out: ``terms`` is a list of (factors, refs), each factor a number
    (``lead_terms`` of "f₁·f₂" for each)."""
    return lead_terms([("·".join(paren(v) for v in f), float(np.prod(f)), refs) for f, refs in terms], most)


def paren(v):
    """A number as a factor: in brackets when negative."""
    text = fmt(v)
    return f"({text})" if text.startswith("-") else text


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


def cost_step(net, t, target, L, a_ref=None, y_ref=("input", 1)):
    """The cost C of the output (quadratic, or cross-entropy after a softmax).

    ``a_ref`` and ``y_ref`` name the parts that hold a^L and y (``[step id, part]``), for "where it comes from".
    """
    out, Y = t[L], t.y[0]
    A = out.a[0]
    a_ref = a_ref or (f"a{L}", 0)
    if isinstance(net.cost, Quadratic):
        tex = (
            rf"C = \tfrac12 \lVert a^{{{L}}} - y \rVert^2 = \tfrac12 \left\lVert {tex_col(A)} - {tex_col(Y)}"
            rf" \right\rVert^2 = {tex_num(t.C)}"
        )
        lines = code(Quadratic.value, "0.5 * float(((a - y) ** 2).sum())")
        shown = " + ".join(f"({fmt(A[j])} − {fmt(Y[j])})²" for j in range(min(len(A), 6)))
        more = f" + ⋯ ({len(A) - 6} more terms)" if len(A) > 6 else ""
        refs = [r for j in range(min(len(A), 6)) for r in ([*a_ref, j], [*y_ref, j])]
        html = f"C = ½ Σ<sub>j</sub> (a<sup>{L}</sup><sub>j</sub> − y<sub>j</sub>)² = ½ [{shown}{more}] = {fmt(t.C)}"
    elif isinstance(net.activations[-1], Softmax):
        tex = rf"C = -\sum_j y_j \ln a^{{{L}}}_j = -{tex_row(Y)} \cdot \ln {tex_col(A)} = {tex_num(t.C)}"
        lines = code(CrossEntropy.value, "return -float((y * log_a).sum())")
        hot = [j for j in range(len(Y)) if Y[j] != 0]
        shown = " + ".join(f"{paren(Y[j])}·ln {fmt(A[j])}" for j in hot)
        refs = [r for j in hot for r in ([*a_ref, j], [*y_ref, j])]
        html = (
            f"C = −Σ<sub>j</sub> y<sub>j</sub> ln a<sup>{L}</sup><sub>j</sub> = −({shown}) = {fmt(t.C)}"
            ' <span class="st-more">(the terms with y<sub>j</sub> = 0 vanish)</span>'
        )
    else:
        raise ValueError(f"stepthrough: no equation for the cost {net.cost.name} after {net.activations[-1].name}")
    why = why_each([[html, refs]])
    return step(
        "cost", "cost", "The cost C of the output", tex, lines, [part("C", {"q": "C"}, t.C, target, "C", why=why)]
    )
