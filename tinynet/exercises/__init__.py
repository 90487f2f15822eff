"""Exercises graded by tinynet: write a step of backpropagation yourself, and tinynet checks it.

    tinynet exercise --list               the exercises, with the lesson each belongs to
    tinynet exercise N --start [FILE]     write a template (exercise_N.py) to fill in
    tinynet exercise N FILE               check your file

A template holds the function(s) to write, with a docstring stating the math
and the shapes (one sample per row) and a body that raises
NotImplementedError. The check imports your file, calls your function on
random networks and batches of several shapes, and compares what it returns
with what tinynet's own code computes from the same inputs (``trace``,
``backprop``, ``trainer.step``, ``gradcheck``, ``Conv2D.backward``), in
float64, to a relative tolerance of 1e-7. It says which case, which array and
which entry differ, and a hint when your answer equals tinynet's with one of
the usual mistakes made (a missing σ', a transposed W, the mean instead of
the sum, ...). Exit status: 0 when every case passes, 1 when one fails, 2 when
the file cannot be checked (a syntax error, a missing function, a function
not written yet), which is one line.

Each exercise is a module here: NUMBER, TITLE, LESSON, SIGNATURES, TEMPLATE,
SHAPE_HINT, ``name(path)`` (how the report names a part of the answer) and
``cases()``. The solutions are not in tinynet.
"""

import argparse
import importlib
from pathlib import Path

from .grading import ExerciseError

MODULES = [
    "ex1_feedforward",
    "ex2_output_error",
    "ex3_backpropagate",
    "ex4_gradients",
    "ex5_gradient_descent",
    "ex6_gradient_check",
    "ex7_conv_backward",
]


def exercises():
    """The exercises as ``{number: module}``, in order."""
    found = [importlib.import_module(f"{__name__}.{name}") for name in MODULES]
    return {ex.NUMBER: ex for ex in found}


def get(number):
    """Exercise ``number`` (an int or its text), or an ExerciseError saying which there are."""
    available = exercises()
    try:
        return available[int(number)]
    except (ValueError, KeyError):
        raise ExerciseError(
            f"no exercise {number!r}; 'tinynet exercise --list' lists them (1 to {max(available)})"
        ) from None


def listing():
    """The lines of ``tinynet exercise --list``."""
    lines = ["exercises (tinynet exercise N --start writes one; tinynet exercise N FILE checks it):"]
    for number, ex in exercises().items():
        lines.append(f"  {number}  {ex.TITLE:<34}lesson {ex.LESSON:>2}   {', '.join(ex.SIGNATURES)}")
    return lines


def start(number, path=None, force=False):
    """Write exercise ``number``'s template to ``path`` (default exercise_N.py); return the path."""
    ex = get(number)
    path = Path(path or f"exercise_{ex.NUMBER}.py")
    if path.is_dir():
        raise ExerciseError(f"{path} is a folder; give a file name to write the template to")
    if path.exists() and not force:
        raise ExerciseError(f"{path} already exists; it is kept (--force overwrites it, or give another name)")
    if not path.resolve().parent.is_dir():
        raise ExerciseError(f"{path}: the folder {path.parent} does not exist")
    path.write_text(ex.TEMPLATE.replace("{file}", str(path)), encoding="utf-8")
    return path


def check(number, path):
    """Grade the learner's file ``path`` for exercise ``number``: (passed, report lines)."""
    from .grading import grade, load

    ex = get(number)
    functions = load(path, ex.SIGNATURES, ex.NUMBER)
    return grade(ex, functions, path)


def main(argv):
    """``tinynet exercise``: --list, N --start [FILE] [--force], N FILE."""
    parser = argparse.ArgumentParser(prog="tinynet exercise", description="exercises graded by tinynet")
    parser.add_argument("number", nargs="?", help="the exercise's number (--list lists them)")
    parser.add_argument("file", nargs="?", help="your solution (with --start: where to write the template)")
    parser.add_argument("--list", "-l", action="store_true", help="list the exercises")
    parser.add_argument("--start", action="store_true", help="write the exercise's template to FILE")
    parser.add_argument("--force", action="store_true", help="with --start: overwrite FILE if it exists")
    args = parser.parse_intermixed_args(argv)  # FILE may come after --start
    if args.list or args.number is None:
        print("\n".join(listing()))
        return 0 if args.list else 2
    if args.start:
        path = start(args.number, args.file, args.force)
        ex = get(args.number)
        print(
            f"wrote {path}: write {' and '.join(ex.SIGNATURES)} in it, then check it with "
            f"'tinynet exercise {ex.NUMBER} {path}'"
        )
        return 0
    if args.file is None:
        raise ExerciseError(
            f"which file? 'tinynet exercise {args.number} FILE' checks FILE "
            f"('tinynet exercise {args.number} --start' writes a template)"
        )
    passed, lines = check(args.number, args.file)
    print("\n".join(lines))
    return 0 if passed else 1
