"""How an exercise is graded: the learner's file, the cases, the comparison and the hints.

A case is one call of one of the learner's functions on inputs tinynet made (a
random network and batch), with what tinynet's own code computed from the
same inputs (``expected``) and a few wrong answers, each tinynet's answer with
one usual mistake made (``mistakes``). The learner's function gets copies of
the inputs; after the call each copy is compared with tinynet's own, so that a
function that changes its arguments in place is caught. The answer is then
compared with ``expected`` entry by entry (float64, relative tolerance
``rtol``); when it is wrong, the mistakes it equals name what went wrong.

The hints are those of the case the report shows, and each one is a claim
checked on that case: a mistake's hint is printed only when the learner's
answer equals that mistake's answer there (and the mistake's answer differs
from the right one). ``isolate`` runs all this in a child process, with a time
limit on every call of the learner's code.
"""

import sys
import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinynet.network import NeuralNetwork

RTOL = 1e-7  # float64: a right answer agrees with tinynet's to rounding; any real mistake is far off
LOW_RTOL = 1e-4  # what a right answer computed in float32 still agrees to


class ExerciseError(ValueError):
    """What stops a check before it can grade anything (a syntax error, a missing function): one line."""


class NotWritten(Exception):
    """The learner's function still raises NotImplementedError."""


class Exited(Exception):
    """The learner's code called sys.exit (or raised SystemExit): ``args[0]`` says so, with the line."""


@dataclass
class Mistake:
    """tinynet's answer with one usual mistake made, and the hint that names the mistake.

    ``test``, if given, replaces the comparison with ``answer``: a function of
    the learner's answer saying whether the hint's claim holds for it.
    """

    hint: str
    answer: object = None
    test: object = None

    def fits(self, case, got):
        """Whether the learner's answer ``got`` is this mistake's answer (and that is not the right one)."""
        if self.test is not None:
            try:
                return bool(self.test(got))
            except Exception:  # the learner's answer is not what the test reads: the claim does not hold
                return False
        return not matches(case.expected, self.answer, case.rtol, case.atol) and matches(
            self.answer, got, case.rtol, case.atol
        )


class Live:
    """An argument handed to the learner's function itself, not a copy (``params``, which cost() reads)."""

    def __init__(self, value):
        self.value = value


@dataclass
class Case:
    """One call of a learner's function and what tinynet computed for it.

    ``args`` are the function's arguments by name, in order; the function gets
    a copy of each array and list (a ``Live`` one itself), and after the call
    every copy not named in ``mutable`` must still equal tinynet's. ``before()``
    runs before the call; ``after()``, if given, says what the call left wrong
    (a parameter not put back), or None. ``function`` names the learner's
    function (by default the exercise's only one).
    """

    label: str
    args: dict
    expected: object
    mistakes: list = field(default_factory=list)
    function: str = ""
    mutable: tuple = ()
    before: object = None
    after: object = None
    after_hint: str = ""
    rtol: float = RTOL
    atol: float = 0.0


@dataclass
class Result:
    """What one case found: the problem (None when the answer is right), its hints, the hints' kind."""

    problem: object = None
    hints: list = field(default_factory=list)
    explained: bool = False  # whether a usual mistake (not only general advice) explains the problem


# --- the learner's file --------------------------------------------------------------------------------


def load(path, signatures, number):
    """The learner's functions from the Python file ``path``: {name: function}, each wrapped.

    The file is compiled and run as a fresh module (no bytecode cache is
    written next to it, and an edited file is always read again). A syntax
    error, an exception or sys.exit on import, or a missing function is an
    ExerciseError.
    """
    p = Path(path)
    code = compiled(path, number)
    name = f"tinynet_exercise_{number}_solution"
    module = types.ModuleType(name)
    module.__file__ = str(p)
    sys.modules[name] = module  # for what looks itself up while the file runs (dataclasses...)
    try:
        exec(code, module.__dict__)
    except SystemExit as e:
        raise ExerciseError(
            f"{path}: running the file called sys.exit({'' if e.code is None else repr(e.code)}){where(e, p)}; "
            "a solution file defines its functions, it does not end the program"
        ) from None
    except Exception as e:
        raise ExerciseError(f"{path}: running the file raised {type(e).__name__}: {e}{where(e, p)}") from None
    finally:
        sys.modules.pop(name, None)
    functions = {}
    for fname, signature in signatures.items():
        function = getattr(module, fname, None)
        if not callable(function):
            raise ExerciseError(f"{path}: no function {fname}; exercise {number} asks for {signature}")
        functions[fname] = wrap(function, fname, p)
    return functions


def compiled(path, number):
    """The learner's file ``path`` compiled (nothing of it runs), or an ExerciseError of one line."""
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
        return compile(source, str(p), "exec")
    except SyntaxError as e:
        raise ExerciseError(f"{path} line {e.lineno}: {e.msg} (a syntax error: Python cannot read the file)") from None


def wrap(function, name, path=None):
    """``function``, with NotImplementedError turned into NotWritten(name) and sys.exit into Exited."""

    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except NotImplementedError:
            raise NotWritten(name) from None
        except SystemExit as e:
            code = "" if e.code is None else repr(e.code)
            at = where(e, path) if path else ""
            raise Exited(f"your code called sys.exit({code}){at}; {name} must return its answer") from None

    return call


def where(error, path):
    """`` (at FILE line N: code)`` for the learner's line where ``error`` was raised, or ''."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == Path(path)]
    if not frames:
        return ""
    f = frames[-1]
    return f" (at {Path(path).name} line {f.lineno}: {(f.line or '').strip()})"


# --- grading ----------------------------------------------------------------------------------------------

NO_HINT = "none of the usual mistakes fits this case; go through the docstring's equations one at a time"


class Watch:
    """What ``grade`` tells about each call of the learner's code (``isolate`` times them); here, nothing."""

    def calling(self, function, k, label):
        pass

    def returned(self):
        pass


def grade(exercise, functions, path, watch=None):
    """Run every case; return (passed, report lines).

    ``exercise`` is an exercise module (NUMBER, TITLE, SIGNATURES, cases(),
    name(path), SHAPE_HINT, and optionally explain(case, got)). The cases are
    graded function by function: with two functions to write, each gets its
    own verdict. For each function that fails, the report names its first
    failing case, the array and entry that differ, expected and got, and the
    hints that hold for that case; when that case fits none of the usual
    mistakes and a later failing case does, that case is shown too.
    """
    watch = watch or Watch()
    names = list(exercise.SIGNATURES)
    groups = {name: [] for name in names}
    for case in exercise.cases():
        groups[case.function or names[0]].append(case)
    verdicts = {}
    for name, group in groups.items():
        try:
            failures = []
            for k, case in enumerate(group, start=1):
                result = run_case(exercise, case, functions, path, watch, k)
                if result.problem:
                    failures.append((k, case, result))
            verdicts[name] = failures
        except NotWritten:
            verdicts[name] = None
    unwritten = [name for name in names if verdicts[name] is None]
    if len(unwritten) == len(names):
        raise ExerciseError(f"{path}: {names[0]} is not written yet (it raises NotImplementedError)")
    head = f"exercise {exercise.NUMBER} ({exercise.TITLE}):"
    total = sum(len(g) for g in groups.values())
    if not unwritten and not any(verdicts.values()):
        return True, [f"{head} all {total} cases pass"]
    several = len(names) > 1

    def count(name):
        if verdicts[name] is None:
            return f"{name} is not written yet (it raises NotImplementedError)"
        n, failed = len(groups[name]), len(verdicts[name])
        verdict = f"{failed} of {n} cases fail" if failed else f"all {n} cases pass"
        return f"{name}: {verdict}" if several else verdict

    lines = [f"{head} " + "; ".join(count(name) for name in names)]
    for name in names:
        if verdicts[name]:
            lines += report(exercise, verdicts[name], f"{name} " if several else "")
    return False, lines


def report(exercise, failures, prefix):
    """The lines for one function's failing cases: the first one, with its hints, and the rest by number."""
    shown = [failures[0]]
    if not failures[0][2].explained:  # show the first case a usual mistake explains, if there is one
        shown += [f for f in failures[1:] if f[2].explained][:1]
    lines = []
    for k, case, result in shown:
        lines += [f"{prefix}case {k}: {case.label}", f"  {result.problem}"]
        lines += [f"hint: {h}" for h in result.hints] or [f"hint: {NO_HINT}"]
    rest = [str(k) for k, _, _ in failures if k not in {s[0] for s in shown}]
    if rest:
        lines.append(f"also failing: {prefix}case{'s' if len(rest) > 1 else ''} " + ", ".join(rest))
    return lines


def run_case(exercise, case, functions, path, watch=None, k=0):
    """What is wrong with the learner's answer to one case (a Result; its problem is None when it is right)."""
    watch = watch or Watch()
    name = case.function or next(iter(exercise.SIGNATURES))
    if case.before is not None:
        case.before()
    given = {arg: handed(value) for arg, value in case.args.items()}
    entries = {arg: list(v) if isinstance(v, list) else None for arg, v in given.items()}  # the arrays handed
    watch.calling(name, k, case.label)
    try:
        got = functions[name](*given.values())
    except (NotWritten, Exited):
        raise
    except Exception as e:  # the learner's code failed: report it as this case's problem
        watch.returned()
        problem = f"your code raised {type(e).__name__}: {e}{where(e, path)}"
        if isinstance(e, (AttributeError, TypeError)) and "'NoneType'" in str(e):
            return Result(problem, [NONE], True)
        return Result(problem, [exercise.SHAPE_HINT] if isinstance(e, (ValueError, IndexError)) else [])
    watch.returned()
    problems, hints, explained = [], [], False
    for arg, value in case.args.items():  # what the call changed that it should not have: the cause, so first
        if arg not in case.mutable and not isinstance(value, Live):
            change = input_change(arg, value, given[arg], entries[arg])
            if change:
                problems.append(f"your function changed its argument {change}")
                hints.append(INPLACE)
                explained = True
                break
    if case.after is not None:
        left = case.after()
        if left:
            problems.append(left)
            hints.append(case.after_hint)
            explained = True
    problem = compare(case.expected, got, (), exercise.name, case.rtol, case.atol)
    if problem:
        low = low_precision(got)
        if low and matches(case.expected, got, LOW_RTOL, max(case.atol, LOW_RTOL * 1e-3 * scale(case.expected))):
            problem = (
                f"your arrays are {low}; the check needs float64: your answer agrees with tinynet's to "
                f"{low}'s precision (about {7 if low == 'float32' else 3} digits), not to the 1e-7 the check asks"
            )
            hints.append(
                f"keep float64: the arrays you are given are float64, and .astype(np.{low}), dtype=np.{low} "
                f"or np.{low}(...) make {low} ones"
            )
            explained = True
        else:
            integer = integer_array(got, exercise.name)
            if integer:  # the first thing to put right: what is stored in it loses its fraction
                hints.append(
                    f"{integer[0]} has an integer dtype ({integer[1]}): the numbers stored into it lose their "
                    "fractions (np.zeros(shape) is float64; dtype=int, or np.zeros_like of an integer array, is not)"
                )
                explained = True
            fits = [m.hint for m in case.mistakes if m.fits(case, got)]
            hints += fits
            explained = explained or bool(fits)
            if low:
                hints.append(f"your arrays are {low}; the check needs float64 (you are given float64 arrays)")
            if hasattr(exercise, "explain"):
                problem = "\n  ".join([problem] + list(exercise.explain(case, got)))
        problems.append(problem)
    if not problems:
        return Result()
    return Result("\n  ".join(problems), list(dict.fromkeys(hints)), explained)


NONE = (
    "your code used None where it needed an array: an entry of a list that was never filled in "
    "([None] * L, and a loop that stops one step short?), or a function that returns nothing"
)
INPLACE = (
    "a function must not change the arrays it is given: in a real network they are its state, and the next "
    "layer or the next step would see the changed values (weights, activations, deltas or gradients); "
    "compute into new arrays (d = a * s, not a *= s; x = x - y, not x -= y) and leave the lists as they are"
)


def handed(value):
    """What the learner's function gets for an argument: a copy of an array or a list of arrays."""
    if isinstance(value, Live):
        return value.value
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [handed(v) for v in value]
    return value


def input_change(name, before, after, entries=None):
    """How the learner's copy ``after`` of the argument ``name`` differs from tinynet's ``before``, or None.

    ``entries``: for a list, the arrays it held when it was handed over (to tell a reordered list from a
    changed array).
    """
    if isinstance(before, list):
        if not isinstance(after, list) or len(after) != len(before):
            size = len(after) if isinstance(after, list) else type(after).__name__
            return f"{name} (the list) in place: it had {len(before)} entries, now {size}"
        for i, (b, a) in enumerate(zip(before, after)):
            if entries is not None and a is not entries[i]:
                return (
                    f"{name} (the list) in place: {name}[{i}] is no longer the array it held "
                    "(the list was reordered, or an entry replaced)"
                )
            change = input_change(f"{name}[{i}]", b, a)
            if change:
                return change
        return None
    if not isinstance(before, np.ndarray):
        return None
    if not isinstance(after, np.ndarray) or after.shape != before.shape:
        shape = after.shape if isinstance(after, np.ndarray) else type(after).__name__
        return f"{name} in place: it was an array of shape {before.shape}, now {shape}"
    differ = ~((before == after) | (np.isnan(before) & np.isnan(after)))
    if not differ.any():
        return None
    index = tuple(int(i) for i in np.argwhere(differ)[0])
    at = f", entry {list(index)}" if index else ""
    many = f" ({int(differ.sum())} of {differ.size} entries changed)" if differ.size > 1 else ""
    return f"{name} in place{at}: it was {before[index]:.10g}, now {after[index]:.10g}{many}"


def compare(expected, got, path, name, rtol, atol):
    """The first difference between tinynet's answer and the learner's, as a sentence; None if none."""
    what = name(path)
    if got is None:
        if path:
            return f"{what} is None: nothing was computed for it"
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
        expect = "a number" if e.shape == () else f"shape {e.shape}"
        return f"{what}: expected {expect}, got shape {g.shape}{turned}"
    bad = ~close(e, g, rtol, atol)
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    at = f", entry {list(index)}" if index else ""
    return f"{what}{at}: expected {e[index]:.10g}, got {g[index]:.10g}" + (
        f" ({int(bad.sum())} of {bad.size} entries differ)" if bad.size > 1 else ""
    )


def scale(answer):
    """The largest magnitude in an answer (an array, a number or nested lists of them)."""
    if isinstance(answer, (list, tuple)):
        return max((scale(a) for a in answer), default=0.0)
    a = np.abs(np.asarray(answer, dtype=np.float64))
    return float(a.max()) if a.size else 0.0


def close(e, g, rtol, atol):
    """Entry by entry: |g - e| <= rtol |e| + atol, with atol at least rtol times 1e-3 of the array's scale."""
    finite = np.isfinite(e)
    scale_ = float(np.abs(e[finite]).max()) if finite.any() else 0.0
    tol = rtol * np.abs(e) + max(atol, rtol * 1e-3 * scale_)
    with np.errstate(invalid="ignore"):
        return (finite & (np.abs(g - e) <= tol)) | (g == e)  # an infinity only equals itself


def matches(a, b, rtol, atol):
    """Whether two answers have the same structure, shapes and (within the tolerance) values."""
    if isinstance(a, (list, tuple)):
        return (
            isinstance(b, (list, tuple)) and len(a) == len(b) and all(matches(x, y, rtol, atol) for x, y in zip(a, b))
        )
    if a is None or b is None or isinstance(b, (list, tuple)):
        return False
    try:
        e, g = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return e.shape == g.shape and bool(close(e, g, rtol, atol).all())


def arrays(answer, path=()):
    """(path, array) for every NumPy array or scalar in an answer (nested lists and tuples walked)."""
    if isinstance(answer, (list, tuple)):
        for i, a in enumerate(answer):
            yield from arrays(a, path + (i,))
    elif isinstance(answer, (np.ndarray, np.generic)):
        yield path, answer


def low_precision(answer):
    """'float32' (or 'float16') when the answer holds floats of less than float64's precision, else None."""
    for _, a in arrays(answer):
        if a.dtype.kind == "f" and a.dtype.itemsize < 8:
            return a.dtype.name
    return None


def integer_array(answer, name):
    """(its name, its dtype) for the first array of whole numbers (an int dtype) in the answer, or None."""
    for path, a in arrays(answer):
        if a.dtype.kind in "iu" and a.ndim:
            return name(path), a.dtype.name
    return None


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
COLUMNS = (
    "one sample per ROW: your answer has the shape of the column form, (n, m); with the samples as rows "
    "it is (m, n), the transpose"
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
