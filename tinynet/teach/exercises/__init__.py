"""Exercises graded by tinynet: write a step of backpropagation yourself, and tinynet checks it.

    tinynet exercise --list               the exercises, with the lesson(s) each belongs to
    tinynet exercise N --start [FILE]     write a template (exercise_N.py) to fill in
    tinynet exercise N FILE               check your file (--time-limit SECONDS: per call, default 5)

The exercises follow the lessons: 1 feedforward (lesson 2), 2 the output error
(4), 3 one layer back (5), 4 the gradients (6), 5 the whole backward pass (5
and 6), 6 a gradient check (7), 7 a gradient-descent step (8), 8 a
convolution's backward pass (13).

A template holds the function(s) to write, with a docstring stating the math
and the shapes (one sample per row) and a body that raises
NotImplementedError. The check runs your file in a child process
(``isolate``), calls your function on random networks and batches of several
shapes, and compares what it returns with what tinynet's own code computes
from the same inputs (``forward``, ``trace``, ``backward``, ``backprop``,
``trainer.step``, ``gradcheck``, ``Conv2D.backward``), in float64, to a
relative tolerance of 1e-7. It says which case, which array and which entry
differ, and the hints that hold for that case: a usual mistake made (a
missing σ', a transposed W, the mean instead of the sum, ...), an argument
changed in place, float32 arrays. Each call has a time limit; a call that
runs past it, or calls sys.exit, or ends the process, fails the check. With
two functions to write, each gets its own verdict. Exit status: 0 when every
case passes, 1 when one fails, 2 when the file cannot be checked (a syntax
error, a missing function, no function written yet), which is one line.

Each exercise is a module here: NUMBER, TITLE, LESSONS, SIGNATURES, TEMPLATE,
SHAPE_HINT, ``name(path)`` (how the report names a part of the answer),
``cases()`` and optionally ``explain(case, got)`` (more lines about a wrong
answer). The solutions are not in tinynet.
"""

import argparse
import importlib
from pathlib import Path

from tinynet.teach.exercises import isolate
from tinynet.teach.exercises.grading import ExerciseError, compiled
from tinynet.teach.exercises.isolate import TIME_LIMIT

MODULES = [  # in the order of the lessons
    "ex1_feedforward",
    "ex2_output_error",
    "ex3_backpropagate",
    "ex4_gradients",
    "ex5_backward_pass",
    "ex6_gradient_check",
    "ex7_gradient_descent",
    "ex8_conv_backward",
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


def lessons(ex):
    """'lesson 2', or 'lessons 5, 6': the lesson(s) exercise ``ex`` belongs to."""
    return ("lesson " if len(ex.LESSONS) == 1 else "lessons ") + ", ".join(str(n) for n in ex.LESSONS)


def listing():
    """The lines of ``tinynet exercise --list``."""
    lines = ["exercises (tinynet exercise N --start writes one; tinynet exercise N FILE checks it):"]
    for number, ex in exercises().items():
        lines.append(f"  {number}  {ex.TITLE:<34}{lessons(ex):<13}{', '.join(ex.SIGNATURES)}")
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


def check(number, path, time_limit=TIME_LIMIT):
    """Grade the learner's file ``path`` for exercise ``number`` in a child process: (passed, report lines).

    Each call of the learner's code (and running the file) may take ``time_limit`` seconds.
    """
    ex = get(number)
    compiled(path, ex.NUMBER)  # what can be said without running the file (a syntax error) is said at once
    return isolate.check(ex, path, time_limit)


def seconds(text):
    """``--time-limit``'s value: a number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return value


def main(argv):
    """``tinynet exercise``: --list, N --start [FILE] [--force], N FILE [--time-limit SECONDS]."""
    parser = argparse.ArgumentParser(prog="tinynet exercise", description="exercises graded by tinynet")
    parser.add_argument("number", nargs="?", help="the exercise's number (--list lists them)")
    parser.add_argument("file", nargs="?", help="your solution (with --start: where to write the template)")
    parser.add_argument("--list", "-l", action="store_true", help="list the exercises")
    parser.add_argument("--start", action="store_true", help="write the exercise's template to FILE")
    parser.add_argument("--force", action="store_true", help="with --start: overwrite FILE if it exists")
    parser.add_argument(
        "--time-limit",
        type=seconds,
        default=TIME_LIMIT,
        metavar="SECONDS",
        help=f"how long each call of your function may take (default {TIME_LIMIT:g}); past it, the check fails",
    )
    args = parser.parse_intermixed_args(argv)  # FILE may come after --start
    if args.list or args.number is None:
        print("\n".join(listing()))
        return 0 if args.list else 2
    get(args.number)  # 'no exercise 99' before anything about the file
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
    passed, lines = check(args.number, args.file, args.time_limit)
    print("\n".join(lines))
    return 0 if passed else 1
