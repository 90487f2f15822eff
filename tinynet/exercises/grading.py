"""How an exercise is graded: the learner's file, the cases, the comparison and the hints.

A case is one call of the learner's function on inputs tinynet made (a
random network and batch), with what tinynet's own code computed from the
same inputs (``expected``) and a few wrong answers, each tinynet's answer with
one usual mistake made (``mistakes``). The learner's answer is compared with
``expected`` entry by entry (float64, relative tolerance ``rtol``); when it is
wrong, the mistakes it equals name what went wrong.
"""

import sys
import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..network import NeuralNetwork

RTOL = 1e-7  # float64: a right answer agrees with tinynet's to rounding; any real mistake is far off


class ExerciseError(ValueError):
    """What stops a check before it can grade anything (a syntax error, a missing function): one line."""


class NotWritten(Exception):
    """The learner's function still raises NotImplementedError."""


@dataclass
class Mistake:
    """tinynet's answer with one usual mistake made, and the hint that names the mistake."""

    hint: str
    answer: object


@dataclass
class Case:
    """One call of the learner's function(s) and what tinynet computed for it.

    ``call(functions)`` calls the learner's functions (a dict by name) on fresh
    copies of the inputs and returns the answer; ``after()``, if given, says
    what the call left wrong (a parameter not put back), or None.
    """

    label: str
    call: object
    expected: object
    mistakes: list = field(default_factory=list)
    after: object = None
    after_hint: str = ""
    rtol: float = RTOL
    atol: float = 0.0


# --- the learner's file --------------------------------------------------------------------------------


def load(path, signatures, number):
    """The learner's functions from the Python file ``path``: {name: function}, each wrapped.

    The file is compiled and run as a fresh module (no bytecode cache is
    written next to it, and an edited file is always read again). A syntax
    error, an exception on import or a missing function is an ExerciseError.
    """
    p = Path(path)
    if p.is_dir():
        raise ExerciseError(f"{path} is a folder; expected the Python file with your solution")
    if not p.exists():
        raise ExerciseError(f"{path} does not exist ('tinynet exercise {number} --start' writes a template)")
    try:
        source = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ExerciseError(f"{path} is not a text file (UTF-8)") from None
    try:
        code = compile(source, str(p), "exec")
    except SyntaxError as e:
        raise ExerciseError(f"{path} line {e.lineno}: {e.msg} (a syntax error: Python cannot read the file)") from None
    name = f"tinynet_exercise_{number}_solution"
    module = types.ModuleType(name)
    module.__file__ = str(p)
    sys.modules[name] = module  # for what looks itself up while the file runs (dataclasses...)
    try:
        exec(code, module.__dict__)
    except Exception as e:
        raise ExerciseError(f"{path}: running the file raised {type(e).__name__}: {e}{where(e, p)}") from None
    finally:
        sys.modules.pop(name, None)
    functions = {}
    for fname, signature in signatures.items():
        function = getattr(module, fname, None)
        if not callable(function):
            raise ExerciseError(f"{path}: no function {fname}; exercise {number} asks for {signature}")
        functions[fname] = wrap(function, fname)
    return functions


def wrap(function, name):
    """``function``, with NotImplementedError turned into NotWritten(name)."""

    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except NotImplementedError:
            raise NotWritten(name) from None

    return call


def where(error, path):
    """`` (at FILE line N: code)`` for the learner's line where ``error`` was raised, or ''."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == Path(path)]
    if not frames:
        return ""
    f = frames[-1]
    return f" (at {Path(path).name} line {f.lineno}: {(f.line or '').strip()})"


# --- grading ----------------------------------------------------------------------------------------------


def grade(exercise, functions, path):
    """Run every case; return (passed, report lines).

    ``exercise`` is an exercise module (NUMBER, TITLE, cases(), name(path),
    SHAPE_HINT). The report names the first failing case, the array and
    entry that differ, expected and got, then a hint for each usual mistake
    the wrong answers match.
    """
    cases = exercise.cases()
    failures = []
    for k, case in enumerate(cases, start=1):
        problem, hints = run_case(exercise, case, functions, path)
        if problem:
            failures.append((k, case, problem, hints))
    head = f"exercise {exercise.NUMBER} ({exercise.TITLE}):"
    if not failures:
        return True, [f"{head} all {len(cases)} cases pass"]
    k, case, problem, _ = failures[0]
    lines = [f"{head} {len(failures)} of {len(cases)} cases fail", f"case {k}: {case.label}", f"  {problem}"]
    hints = list(dict.fromkeys(h for *_, hs in failures for h in hs))
    lines += [f"hint: {h}" for h in hints] or [
        "hint: none of the usual mistakes fits; go through the docstring's equations one at a time"
    ]
    if len(failures) > 1:
        lines.append("also failing: cases " + ", ".join(str(f[0]) for f in failures[1:]))
    return False, lines


def run_case(exercise, case, functions, path):
    """(what is wrong, hints) for one case; (None, []) when the learner's answer is right."""
    try:
        got = case.call(functions)
    except NotWritten as e:
        raise ExerciseError(f"{path}: {e.args[0]} is not written yet (it raises NotImplementedError)") from None
    except Exception as e:  # the learner's code failed: report it as this case's problem
        hints = [exercise.SHAPE_HINT] if isinstance(e, (ValueError, IndexError)) else []
        return f"your code raised {type(e).__name__}: {e}{where(e, path)}", hints
    problem = compare(case.expected, got, (), exercise.name, case.rtol, case.atol)
    left = case.after() if case.after is not None else None  # what the call changed that it should not have
    if problem is None and left is None:
        return None, []
    hints = [case.after_hint] if left else []
    hints += [
        m.hint
        for m in case.mistakes
        if not matches(case.expected, m.answer, case.rtol, case.atol) and matches(m.answer, got, case.rtol, case.atol)
    ]
    return "\n  ".join(p for p in (left, problem) if p), hints  # what was left changed first: it is the cause


def compare(expected, got, path, name, rtol, atol):
    """The first difference between tinynet's answer and the learner's, as a sentence; None if none."""
    what = name(path)
    if got is None:
        return f"{what}: your function returned None (is a 'return' missing?)"
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)):
            return f"{what}: expected a {kind(expected)} of {len(expected)}, got {describe(got)}"
        if len(got) != len(expected):
            return f"{what}: expected a {kind(expected)} of {len(expected)}, got a {kind(got)} of {len(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            problem = compare(e, g, path + (i,), name, rtol, atol)
            if problem:
                return problem
        return None
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{what}: expected numbers, got {describe(got)}"
    e = np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape:
        turned = " (the transpose's shape)" if g.ndim == 2 and g.shape == e.shape[::-1] else ""
        return f"{what}: expected shape {e.shape}, got shape {g.shape}{turned}"
    bad = ~close(e, g, rtol, atol)
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    at = f", entry {list(index)}" if index else ""
    return f"{what}{at}: expected {e[index]:.10g}, got {g[index]:.10g}" + (
        f" ({int(bad.sum())} of {bad.size} entries differ)" if bad.size > 1 else ""
    )


def close(e, g, rtol, atol):
    """Entry by entry: |g - e| <= rtol |e| + atol, with atol at least rtol times 1e-3 of the array's scale."""
    scale = float(np.abs(e).max()) if e.size else 0.0
    tol = rtol * np.abs(e) + max(atol, rtol * 1e-3 * scale)
    with np.errstate(invalid="ignore"):
        return np.abs(g - e) <= tol


def matches(a, b, rtol, atol):
    """Whether two answers have the same structure, shapes and (within the tolerance) values."""
    if isinstance(a, (list, tuple)):
        return (
            isinstance(b, (list, tuple)) and len(a) == len(b) and all(matches(x, y, rtol, atol) for x, y in zip(a, b))
        )
    if b is None or isinstance(b, (list, tuple)):
        return False
    try:
        e, g = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return e.shape == g.shape and bool(close(e, g, rtol, atol).all())


def kind(value):
    return "pair" if isinstance(value, tuple) and len(value) == 2 else type(value).__name__


def describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"a {type(value).__name__}"


# --- what the cases are made of ---------------------------------------------------------------------------

# (sizes, activations, cost, m): one to three hidden layers, every element-wise activation, both costs,
# softmax, sigmoid and identity outputs, a batch of one and of several; the square ones let a transposed
# W keep its shape, so that its values, not its shape, give the mistake away
NETWORKS = [
    ([3, 4, 2], ("sigmoid", "sigmoid"), "quadratic", 1),
    ([3, 4, 2], ("tanh", "sigmoid"), "cross_entropy", 5),
    ([4, 5, 3, 3], ("relu", "tanh", "softmax"), "cross_entropy", 4),
    ([2, 3, 4, 3, 2], ("sigmoid", "elu", "softplus", "identity"), "quadratic", 3),
    ([5, 4, 4, 3], ("lecun_tanh", "sigmoid", "softmax"), "quadratic", 1),
    ([3, 3, 3], ("tanh", "sigmoid"), "quadratic", 6),
    ([3, 3, 3, 3], ("sigmoid", "relu", "sigmoid"), "cross_entropy", 2),
]


def network(k, sizes, activations, cost, m):
    """A random network (W, b ~ N(0, 1)) and a batch (x, y) of m samples for it, seeded by ``k``.

    The targets suit the output: one-hot rows for softmax, values in (0, 1)
    for sigmoid, any numbers for identity.
    """
    rng = np.random.default_rng(1000 + k)
    net = NeuralNetwork(sizes, list(activations), cost, seed=k, init="normal")
    x = rng.standard_normal((m, sizes[0]))
    n, out = sizes[-1], activations[-1]
    if out == "softmax":
        y = np.eye(n)[rng.integers(0, n, m)]
    elif out == "sigmoid":
        y = rng.uniform(0.05, 0.95, (m, n))
    else:
        y = rng.standard_normal((m, n))
    return net, x, y


def label(sizes, activations, cost, m):
    return f"sizes {sizes}, activations {'/'.join(activations)}, {cost} cost, a batch of m={m}"


def copies(arrays):
    return [np.array(a, dtype=np.float64) for a in arrays]


def scaled(answer, c):
    """``answer`` (an array or nested lists of arrays) times c."""
    if isinstance(answer, (list, tuple)):
        return type(answer)(scaled(a, c) for a in answer)
    return np.asarray(answer) * c


# hints shared by several exercises
SIGN = "a sign error: your answer is tinynet's with every sign flipped"
MEAN = (
    "off by a factor m: you divided by the batch size (the mean over the batch); tinynet's C and its "
    "gradients are sums over the m samples"
)


def pair_entry_name(path, pair, symbol):
    """How a report names a part of an answer that is a pair of lists, e.g. (nabla_w, nabla_b).

    ``path`` () is the whole pair, (k,) its list k, (k, i) entry i of that
    list; ``symbol(k, i)`` gives the entry's symbol in the lesson's notation.
    """
    if not path:
        return f"the return value ({pair[0]}, {pair[1]})"
    if len(path) == 1:
        return pair[path[0]]
    return f"{pair[path[0]]}[{path[1]}] ({symbol(path[0], path[1])})"
