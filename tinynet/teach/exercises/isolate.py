"""The check runs the learner's code in a child process, one per check, with a time limit on every call.

The learner's file is imported and its functions called in a child process
started with ``multiprocessing``'s spawn method (the same on Linux, macOS and
Windows; the child imports only tinynet, not the parent's main script, so a
check can start from a script, a notebook or ``python -``). The child grades
every case (``grading.grade``) and tells the parent over a pipe when it calls
the learner's code and when that returns; the parent
waits at most ``time_limit`` seconds for each return, and kills the child when
the learner's code has not returned by then (an infinite loop). So neither a
loop that never ends, nor sys.exit, nor os._exit, nor a crash of the
interpreter can end or hang the check: each is a verdict of one line.

The child writes nothing itself; what the learner's code prints goes straight
to the terminal (the child's stdout is the parent's, flushed line by line),
before the report the parent prints.
"""

import multiprocessing
import signal
import sys
import traceback
import types

from tinynet.teach.exercises.grading import ExerciseError, Exited, Watch, grade, load

TIME_LIMIT = 5.0  # seconds for each call of the learner's code (and for running the file)
SLACK = 120.0  # seconds the child may take for tinynet's own work between two calls (making the cases)


class CheckCrashed(Exception):
    """tinynet's own part of the check failed in the child: a bug in tinynet, so it keeps the child's traceback.

    (Not a RuntimeError: the command line turns those into one line, for a user's mistake.)
    """


def check(exercise, path, time_limit=TIME_LIMIT):
    """Grade the learner's file ``path`` for ``exercise`` in a child process: (passed, report lines).

    A file that cannot be checked (a syntax error, a missing function, a file
    that calls sys.exit or runs past the time limit while it is imported) is an
    ExerciseError; a call of the learner's function that does not return within
    ``time_limit`` seconds, or that ends the process, is a failed check of one line.
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=child_main, args=(exercise.NUMBER, str(path), send), daemon=True)
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")  # the child need not run the parent's script again
    try:
        child.start()
    finally:
        sys.modules["__main__"] = main
    send.close()  # the parent's copy: once the child is gone, receive sees the end of the pipe
    head = f"exercise {exercise.NUMBER} ({exercise.TITLE}):"
    doing = ("starting",)  # what the child said it is doing
    try:
        while True:
            limit = time_limit if doing[0] in ("load", "call") else SLACK
            if not receive.poll(limit):
                if doing[0] == "load":
                    raise ExerciseError(
                        f"{path}: running the file took longer than {limit:g} s (a loop that never ends?); "
                        "--time-limit SECONDS allows more"
                    )
                if doing[0] == "call":
                    return False, [
                        f"{head} {case_name(doing)}: your function did not return within {limit:g} s "
                        "(a loop that never ends?); --time-limit SECONDS allows more"
                    ]
                raise CheckCrashed(f"the check's child process said nothing for {limit:g} s")
            try:
                message = receive.recv()
            except EOFError:  # the child is gone without a verdict
                child.join(5)
                ended = f"ended the process ({exit_status(child.exitcode)})"
                if doing[0] == "load":
                    raise ExerciseError(
                        f"{path}: running the file {ended}; a solution file only defines functions"
                    ) from None
                if doing[0] == "call":
                    return False, [
                        f"{head} {case_name(doing)}: your code {ended} instead of returning (os._exit? a crash?)"
                    ]
                raise CheckCrashed(f"the check's child process {ended}") from None
            what = message[0]
            if what in ("load", "loaded", "call", "returned"):
                doing = message
            elif what == "error":
                raise ExerciseError(message[1])
            elif what == "exited":
                return False, [f"{head} {case_name(doing)}: {message[1]}"]
            elif what == "crashed":
                raise CheckCrashed(message[1])
            elif what == "done":
                return message[1], message[2]
            else:
                raise CheckCrashed(f"the check's child process sent {message!r}")
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()


def case_name(doing):
    """'case 3 (its label)', or 'relative_error case 3 (...)' when the exercise has several functions."""
    _, function, k, label, several = doing
    return f"{function + ' ' if several else ''}case {k} ({label})"


def exit_status(code):
    if code is None:
        return "it is still running"
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


class PipeWatch(Watch):
    """Tells the parent when the learner's code is called and when it returns (what the time limit times)."""

    def __init__(self, send, several):
        self.send, self.several = send, several

    def calling(self, function, k, label):
        self.send("call", function, k, label, self.several)

    def returned(self):
        self.send("returned")


def child_main(number, path, connection):
    """The child: load the learner's file, grade it, and send the verdict (or what stopped it) to the parent."""
    from tinynet.teach.exercises import get

    if hasattr(signal, "SIGINT"):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops, and kills the child
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)  # the learner's prints show at once, even if killed
        except (AttributeError, ValueError):
            pass

    def send(*message):
        sys.stdout.flush()
        sys.stderr.flush()
        connection.send(message)

    try:
        exercise = get(number)
        send("load")
        functions = load(path, exercise.SIGNATURES, exercise.NUMBER)
        send("loaded")
        passed, lines = grade(exercise, functions, path, PipeWatch(send, len(exercise.SIGNATURES) > 1))
        send("done", passed, lines)
    except ExerciseError as e:
        send("error", str(e))
    except Exited as e:
        send("exited", str(e))
    except BaseException:
        send("crashed", traceback.format_exc())
    finally:
        connection.close()
