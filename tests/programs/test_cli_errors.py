"""A user's mistake on the command line is one line on stderr and a non-zero exit status, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import tiny, write_split

from tinynet import NeuralNetwork, save
from tinynet.cli import main as tinynet
from tinynet.cli import run
from tinynet.parallel.protocol import WorkerError


def fails(capsys, *argv):
    """Run ``tinynet ARGV`` in this process; return its one line of stderr."""
    assert tinynet(list(argv)) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith("tinynet: ")
    return err.strip()


@pytest.fixture
def model(tmp_path):
    save(NeuralNetwork([784, 20, 10], seed=0), tmp_path / "model.txt")
    return "model.txt"


@pytest.mark.parametrize("command", [["digits", "test"], ["cnn", "test"]])
def test_a_model_that_is_a_folder(capsys, tmp_path, command):
    (tmp_path / "models").mkdir()
    assert (
        fails(capsys, *command, "--model", "models")
        == "tinynet: --model: expected a file to read, but models is a folder"
    )


@pytest.mark.parametrize(
    "command,option",
    [
        (["digits", "train"], "--model"),
        (["digits", "train"], "--report"),
        (["cnn", "train"], "--model"),
        (["simple-example"], "--output"),
    ],
)
def test_a_folder_to_write_to_is_refused_before_training(capsys, tmp_path, command, option):
    (tmp_path / "out").mkdir()
    assert (
        fails(capsys, *command, option, "out")
        == f"tinynet: {option}: expected a file name to write to, but out is a folder"
    )
    assert list((tmp_path / "out").iterdir()) == []


def test_a_file_to_write_in_a_folder_that_does_not_exist(capsys):
    assert (
        fails(capsys, "digits", "train", "--model", "nowhere/m.txt")
        == "tinynet: --model: expected a file in an existing folder, but nowhere is not a folder"
    )


def test_a_missing_model_file(capsys):
    assert fails(capsys, "digits", "test") == (
        "tinynet: --model: expected a file to read, but digits_recognizer_setup.txt does not exist "
        "(tinynet digits train makes one)"
    )
    assert (
        fails(capsys, "cnn", "test", "--model", "gone.txt")
        == "tinynet: --model: expected a file to read, but gone.txt does not exist"
    )


@pytest.mark.parametrize("content", ["tinynet-model 1\nsizes 784 20 10\nnonsense\n", "3\n784\n20\n[1, 2\n", "\n"])
def test_a_damaged_model_file_is_named_with_its_line(capsys, tmp_path, content):
    (tmp_path / "damaged.txt").write_text(content)
    line = fails(capsys, "digits", "test", "--model", "damaged.txt")
    assert line.startswith("tinynet: damaged.txt") and "line" in line


def test_labels_of_200_in_an_idx_file(capsys, tmp_path, model):
    images, labels = tiny()
    labels[0] = 200
    write_split(tmp_path / "mnist", "test", images, labels)
    line = fails(capsys, "digits", "test", "--model", model, "--data", "mnist")
    assert line.endswith("t10k-labels-idx1-ubyte.gz: expected labels 0-9 (the digits), found 200 (label 1)")


def test_an_idx_file_of_no_images(capsys, tmp_path, model):
    write_split(tmp_path / "mnist", "test", np.zeros((0, 28, 28)), np.zeros(0))
    line = fails(capsys, "digits", "test", "--model", model, "--data", "mnist")
    assert line.endswith("t10k-images-idx3-ubyte.gz: no data: its header declares shape (0, 28, 28)")


@pytest.mark.parametrize("command", [["digits", "test", "--model", "model.txt"], ["digits", "train"], ["cnn", "train"]])
def test_a_data_path_that_does_not_exist(capsys, tmp_path, model, command):
    line = fails(capsys, *command, "--data", "no-such-folder")
    assert line.startswith("tinynet: no-such-folder: no such folder or file")
    assert not (tmp_path / "no-such-folder").exists()


def test_a_worker_that_died_is_one_line_and_a_bug_keeps_its_traceback(capsys):
    def died(argv):
        raise WorkerError("worker 1 (process 12) died unexpectedly (exit code -9: killed by SIGKILL)")

    assert run(died, []) == 2
    assert (
        capsys.readouterr().err
        == "tinynet: worker 1 (process 12) died unexpectedly (exit code -9: killed by SIGKILL)\n"
    )
    with pytest.raises(ZeroDivisionError):
        run(lambda argv: 1 / 0, [])


def test_ctrl_c_is_one_line_and_status_130(capsys):
    def interrupted(argv):
        raise KeyboardInterrupt

    assert run(interrupted, []) == 130
    assert capsys.readouterr().err == "tinynet: interrupted\n"


@pytest.mark.parametrize(
    "command",
    [
        [str(Path(sys.executable).parent / "tinynet"), "digits", "test", "--model", "."],
        [sys.executable, "-m", "tinynet.examples.digits_recognizer", "test", "--model", "."],
    ],
)
def test_the_installed_command_and_the_module_say_it_in_one_line(tmp_path, command):
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=60, env=dict(os.environ))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "tinynet: --model: expected a file to read, but . is a folder\n"
