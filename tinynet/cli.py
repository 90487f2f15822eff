"""The ``tinynet`` command: ``tinynet simple-example``, ``tinynet digits train|test``."""

import sys

from .examples import cnn_digits, digits_recognizer, simple_example
from . import lessonkit

COMMANDS = {
    "simple-example": (simple_example.main, "the two-team point classifier (team 1 if x > y)"),
    "digits": (digits_recognizer.main, "the digits recognizer: 'digits train', 'digits test'"),
    "cnn": (cnn_digits.main, "a convolutional digits recognizer: 'cnn train', 'cnn test'"),
    "lesson": (lessonkit.run_lesson, "run lesson N ('lesson --list' lists them; --step pauses after each stage)"),
}


def usage():
    lines = ["usage: tinynet COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<16}{help}" for name, (_, help) in COMMANDS.items()]
    lines += ["", "'tinynet COMMAND --help' tells more."]
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    if argv[0] not in COMMANDS:
        print(f"tinynet: unknown command {argv[0]!r}\n\n{usage()}", file=sys.stderr)
        return 2
    return COMMANDS[argv[0]][0](argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
