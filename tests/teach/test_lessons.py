"""Every lesson runs to the end (each checks its own claims) and draws its figures."""

import os
import sys
import tempfile

import pytest
from conftest import ROOT

from tinynet.cli import main as tinynet
from tinynet.teach.lessonkit import lessons

FIGURES = {
    1: ["activations"],
    2: ["network"],
    3: ["output_error"],
    4: ["slope"],
    5: ["delta_norms"],
    6: ["nabla_w"],
    7: ["relative_errors"],
    8: ["cost_curve"],
    9: ["decision_boundary"],
    10: ["hidden_units", "confusion_matrix", "mistakes"],
    11: ["round_trip"],
    12: ["speed", "gpu"],
    13: ["feature_maps", "learned_kernels"],
    14: ["loss", "trajectory", "decision_boundary"],
    15: ["eigenvalues", "growth"],
    16: ["trajectory"],
    17: ["cost"],
    18: ["losses"],
    19: ["gradients"],
}


def test_the_lessons_are_numbered_in_order():
    assert list(lessons()) == list(range(1, 20))


@pytest.mark.slow  # every lesson, run to its end
@pytest.mark.parametrize("number", range(1, 20))
def test_lesson_runs_and_checks_its_claims(number, tmp_path, capsys):
    assert tinynet(["lesson", str(number), "--figures", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Lesson {number}: ") and f"End of lesson {number}." in out
    assert "[checked]" in out
    # no machine path in what a page shows (the figures' folder is the one the reader named)
    shown = out.replace(str(tmp_path), "FIGURES")
    for path in {sys.prefix, str(ROOT), tempfile.gettempdir(), os.path.expanduser("~")}:
        assert path not in shown, f"lesson {number} prints the machine path {path}"
    for name in FIGURES[number]:
        assert (tmp_path / f"lesson{number:02d}_{name}.png").read_bytes()[:4] == b"\x89PNG"


def test_step_pauses_after_each_stage(monkeypatch, tmp_path, capsys):
    prompts = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": prompts.append(prompt) or "")
    assert tinynet(["lesson", "2", "--step", "--figures", str(tmp_path)]) == 0
    stages = capsys.readouterr().out.count("\n## ")
    between_stages = [p for p in prompts if "Enter to go on" in p]
    assert len(between_stages) == stages - 1 == 3


def test_step_pauses_before_each_computation(monkeypatch, tmp_path, capsys):
    """With --step, lesson 2 prints each equation, waits, then prints the numbers tinynet computed."""
    import sys

    events = []  # what was printed up to each pause, and the prompt
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)

    def answer(prompt=""):
        events.append((sys.stdout.getvalue() if hasattr(sys.stdout, "getvalue") else "", prompt))
        return ""

    monkeypatch.setattr("builtins.input", answer)
    assert tinynet(["lesson", "2", "--step", "--figures", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    stages = out.count("\n## ")
    computations = [(before, prompt) for before, prompt in events if "compute it" in prompt]
    assert len(computations) > stages
    for before, _ in computations:
        equation = before.rstrip("\n").rsplit("\n", 1)[-1]
        assert "=" in equation and not equation.startswith("    "), equation  # the equation, not yet its numbers
    # after each pause come the numbers: every equation line is followed by an indented line of values
    lines = out.splitlines()
    shown = [i for i, line in enumerate(lines) if line.startswith("z^1 = W^1 a^0 + b^1")]
    assert shown and lines[shown[0] + 1].startswith("    ")


@pytest.mark.slow  # whole lessons
def test_lessons_run_straight_through_without_a_terminal(monkeypatch, tmp_path, capsys):
    """--step with no terminal on stdin never calls input(): lessons 1-8 run to the end unattended."""
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    monkeypatch.setattr("builtins.input", lambda prompt="": pytest.fail("input() called without a terminal"))
    for number in (1, 2, 4):
        assert tinynet(["lesson", str(number), "--step", "--figures", str(tmp_path)]) == 0
        assert f"End of lesson {number}." in capsys.readouterr().out


def test_step_q_quits(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": "q")
    with pytest.raises(SystemExit) as stop:
        tinynet(["lesson", "2", "--step", "--figures", str(tmp_path)])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.count("\n## ") == 1 and "(lesson 2 stopped)" in out


@pytest.mark.slow  # whole lessons
def test_step_without_a_terminal_runs_straight_through(tmp_path):
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "tinynet", "lesson", "2", "--step", "--figures", str(tmp_path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "End of lesson 2." in run.stdout and "EOFError" not in run.stderr


def test_lesson_list_and_unknown_lesson(capsys):
    assert tinynet(["lesson", "--list"]) == 0
    assert " 7  Gradient checking" in capsys.readouterr().out
    assert tinynet(["lesson", "99"]) == 2
    assert "no lesson '99'" in capsys.readouterr().err


def test_a_false_claim_stops_the_lesson():
    from tinynet.teach.lessonkit import Lesson

    lesson = Lesson(0, "test", [])
    with pytest.raises(AssertionError, match="this claim does not hold: 1 is 2"):
        lesson.check("1 is 2", 1 == 2)
