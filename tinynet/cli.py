"""The ``tinynet`` command: ``tinynet simple-example``, ``tinynet digits train|test``, ``tinynet stepthrough``...

A user's mistake (a model file that is a folder, is missing or is damaged, a
damaged data file, a data path that does not exist, a worker process that
died) ends the command with one line on stderr, ``tinynet: <what is wrong>``,
and exit status 2: [`run`][tinynet.cli.run] turns the exceptions that carry such messages
(``ValueError``, ``OSError``, ``RuntimeError``) into that line. Any other
exception is a bug in tinynet, and keeps its traceback.
"""

import importlib
import sys
from pathlib import Path

COMMANDS = {  # name: (module, function, help); a module is imported only when its command runs
    "simple-example": ("tinynet.examples.simple_example", "main", "the two-team point classifier (team 1 if x > y)"),
    "digits": ("tinynet.examples.digits_recognizer", "main", "the digits recognizer: 'digits train', 'digits test'"),
    "cnn": ("tinynet.examples.cnn_digits", "main", "a convolutional digits recognizer: 'cnn train', 'cnn test'"),
    "lesson": (
        "tinynet.teach.lessonkit",
        "run_lesson",
        "run lesson N ('lesson --list' lists them; --step pauses after each stage)",
    ),
    "stepthrough": (
        "tinynet.teach.stepthrough.page",
        "main",
        "a page stepping through a saved model on one sample: 'stepthrough MODEL [--sample N | --input FILE]'",
    ),
    "exercise": (
        "tinynet.teach.exercises",
        "main",
        "exercises graded by tinynet: 'exercise --list', 'exercise N --start', 'exercise N FILE [--time-limit S]'",
    ),
}


def usage():
    lines = ["usage: tinynet COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<16}{help}" for name, (_, _, help) in COMMANDS.items()]
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
    module, function, _ = COMMANDS[argv[0]]
    return run(getattr(importlib.import_module(module), function), argv[1:])


def run(command, argv):
    """``command(argv)``'s exit status; a user's mistake is one line on stderr and status 2."""
    try:
        return command(argv)
    except KeyboardInterrupt:
        print("tinynet: interrupted", file=sys.stderr)
        return 130  # the shell's number for a program stopped by Ctrl-C
    except (RecursionError, NotImplementedError):
        raise  # RuntimeErrors, but tinynet's bugs
    except (ValueError, OSError, RuntimeError) as e:
        print(f"tinynet: {e}", file=sys.stderr)
        return 2


def file_to_read(path, option, hint=""):
    """``path``, checked to be a file that exists; else a ValueError naming ``option``."""
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{option}: expected a file to read, but {path} is a folder")
    if not p.exists():
        raise ValueError(f"{option}: expected a file to read, but {path} does not exist{hint}")
    return path


def file_to_write(path, option):
    """``path``, checked to be writable as a file (checked before training, not after it)."""
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{option}: expected a file name to write to, but {path} is a folder")
    if not p.resolve().parent.is_dir():
        raise ValueError(f"{option}: expected a file in an existing folder, but {p.parent} is not a folder")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
