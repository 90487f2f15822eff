"""The small frame every lesson runs in: stages, checks, figures and ``--step``.

A lesson is a script in ``lessons/`` (installed as ``tinynet.lessons``) with a
``main(argv)``. It builds a [`Lesson`][tinynet.teach.lessonkit.Lesson], then for each stage prints what
tinynet computed and checks its claims with [`Lesson.check`][tinynet.teach.lessonkit.Lesson.check], which
raises if a claim is false: a lesson that runs to the end has proved what it says.
"""

import argparse
import os
import sys
import time


class Lesson:
    """Command-line options and helpers for one lesson.

    Options: ``--step`` pauses before each computation a lesson shows (each
    [`compute`][tinynet.teach.lessonkit.Lesson.compute]) and between stages, until Enter is pressed (q quits);
    ``--figures DIR`` is where figures are saved (default ``lesson_figures``).
    """

    def __init__(self, number, title, argv=None):
        parser = argparse.ArgumentParser(prog=f"tinynet lesson {number}", description=title)
        parser.add_argument(
            "--step", action="store_true", help="pause before each computation (Enter to go on, q to quit)"
        )
        parser.add_argument("--figures", default="lesson_figures", help="folder for the figures")
        self.args = parser.parse_args(argv)
        # where figures go, fixed now: a lesson may change the working folder (lesson 11 works in a temporary one)
        self.figures = os.path.abspath(self.args.figures)
        self.number, self.title = number, title
        self.stages = 0
        print(f"Lesson {number}: {title}\n{'=' * (len(title) + 10)}")

    def stage(self, title):
        """Start a new stage (pausing first, with --step, after the previous one)."""
        if self.stages:
            self.pause()
        self.stages += 1
        print(f"\n## {title}\n")

    def compute(self, equation, value):
        """Show one computation: the equation first, then (after a pause with ``--step``) its numbers.

        ``value`` is what tinynet computed (an array, a number, or a string
        of numbers); the lesson never computes it here.
        """
        print(f"{equation}")
        self.pause("  [Enter: compute it] ")
        text = str(value)
        print("    " + text.replace("\n", "\n    ") if "\n" in text else f"    = {text}")
        return value

    def pause(self, prompt="\n[Enter to go on, q to quit] "):
        """With ``--step``, wait for Enter (q quits). Without a terminal to answer, run straight through."""
        if not self.args.step or not sys.stdin.isatty():
            return
        try:
            answer = input(prompt)
        except EOFError:  # the terminal closed: nobody to answer any more
            self.args.step = False
            return
        if answer.strip().lower() == "q":
            print(f"(lesson {self.number} stopped)")
            raise SystemExit(0)

    def check(self, claim, condition):
        """Assert ``condition`` and say which claim it proved."""
        if not condition:
            raise AssertionError(f"lesson {self.number}: this claim does not hold: {claim}")
        print(f"  [checked] {claim}")

    def figure(self, fig, name):
        """Save a matplotlib figure as ``NN_name.png`` in the figures folder."""
        os.makedirs(self.figures, exist_ok=True)
        name = f"lesson{self.number:02d}_{name}.png"
        fig.savefig(os.path.join(self.figures, name), dpi=90, bbox_inches="tight")
        path = os.path.join(self.args.figures, name)  # as the reader gave it: no machine path is printed
        import matplotlib.pyplot as plt

        plt.close(fig)
        print(f"  (figure saved to {path})")
        return path

    def done(self):
        print(f"\nEnd of lesson {self.number}.")
        return 0


def pyplot():
    """matplotlib.pyplot drawing to files (no window needed)."""
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def small_network(activations="sigmoid", cost="quadratic"):
    """The [2, 3, 2] network of lessons 2-6, with hand-sized numbers.

    W^1 (3x2), b^1 (3), W^2 (2x3), b^2 (2) are set by hand, one decimal each,
    so that every step can be followed on paper. Its sample: x = (1, 0.5),
    target y = (1, 0).
    """
    from tinynet.network import NeuralNetwork

    net = NeuralNetwork([2, 3, 2], activations, cost, seed=0)
    net.weights[0][...] = [[0.1, 0.4], [-0.3, 0.2], [0.5, -0.6]]
    net.biases[0][...] = [0.1, 0.0, -0.2]
    net.weights[1][...] = [[0.7, -0.4, 0.3], [-0.2, 0.6, 0.1]]
    net.biases[1][...] = [0.05, -0.05]
    return net


SAMPLE_X = (1.0, 0.5)
SAMPLE_Y = (1.0, 0.0)


def lessons():
    """The installed lessons as ``{number: (module name, title)}``, in order."""
    import importlib
    import pkgutil

    import tinynet.lessons as package

    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("lesson") and info.name[6:8].isdigit():
            module = importlib.import_module(f"tinynet.lessons.{info.name}")
            found[int(info.name[6:8])] = (module.__name__, module.__doc__.strip().splitlines()[0])
    return dict(sorted(found.items()))


def run_lesson(argv):
    """``tinynet lesson N [--step] [--figures DIR]`` and ``tinynet lesson --list``."""
    import importlib

    available = lessons()
    if not argv or argv[0] in ("--list", "-l", "-h", "--help"):
        print("usage: tinynet lesson N [--step] [--figures DIR]\n\nlessons:")
        for number, (_, title) in available.items():
            print(f"  {number:>2}  {title}")
        return 0 if argv else 2
    try:
        number = int(argv[0])
        name = available[number][0]
    except (ValueError, KeyError):
        print(f"tinynet lesson: no lesson {argv[0]!r}; 'tinynet lesson --list' lists them", file=sys.stderr)
        return 2
    return importlib.import_module(name).main(argv[1:])


def timed(f):
    """Seconds one call of f takes (the lessons time a pass with it, best of several)."""
    start = time.perf_counter()
    f()
    return time.perf_counter() - start
