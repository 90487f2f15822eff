"""The pool fails cleanly: a killed worker, Ctrl-C at start-up, a program without a main file.

Each case must end in an exception that says what happened, with no
shared-memory segment and no worker process left behind.
"""

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import pool_data, train_a_classifier

from tinynet import NeuralNetwork
from tinynet.parallel import protocol
from tinynet.parallel.pool import PoolTrainer, SharedMemoryBatches
from tinynet.parallel.protocol import WorkerError

pytestmark = pytest.mark.slow  # every test starts worker processes

KILLED = r"worker \d \(process \d+\) died unexpectedly \(exit code -9: killed by SIGKILL\)"


def test_a_worker_killed_during_training_raises_worker_error(no_leaks):
    def kill_one(net, history):
        if history.batches == 2:
            os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)

    with pytest.raises(WorkerError, match=KILLED):
        train_a_classifier(PoolTrainer(2), callback=kill_one)


def test_a_message_to_a_dead_worker_raises_worker_error(no_leaks):
    X, labels = pool_data()
    batches = SharedMemoryBatches(NeuralNetwork([12, 10, 4], seed=0), X, np.eye(4)[labels], workers=2)
    try:
        dead = batches.processes[1]
        os.kill(dead.pid, signal.SIGKILL)
        dead.join()  # gone for sure: the message meets a closed pipe (BrokenPipeError underneath)
        with pytest.raises(WorkerError, match=KILLED.replace(r"worker \d", "worker 1")):
            batches.load(np.arange(10))
    finally:
        batches.close()


def test_ctrl_c_while_the_workers_start_leaks_nothing(monkeypatch, no_leaks):
    Process = multiprocessing.get_context("spawn").Process
    real_start, started = Process.start, []

    def start(self):
        if started:  # the first worker runs, and the segments exist, when Ctrl-C comes
            raise KeyboardInterrupt
        started.append(self)
        real_start(self)

    monkeypatch.setattr(Process, "start", start)
    with pytest.raises(KeyboardInterrupt):
        train_a_classifier(PoolTrainer(3))
    assert len(started) == 1


def test_ctrl_c_just_after_a_segment_is_created_leaks_nothing(monkeypatch, no_leaks):
    real, created = protocol.shared_memory.SharedMemory, []

    def create_then_interrupt(*args, **kwargs):
        shm = real(*args, **kwargs)
        if not kwargs.get("create"):
            return shm  # close() attaching the one it was not told about, to unlink it
        created.append(shm.name)
        if len(created) == 3:  # it exists, but SharedArrays has not kept it yet
            raise KeyboardInterrupt
        return shm

    monkeypatch.setattr(protocol.shared_memory, "SharedMemory", create_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        train_a_classifier(PoolTrainer(2))
    assert len(created) == 3


SCRIPT = """
import numpy as np
from tinynet import NeuralNetwork
from tinynet.parallel.pool import PoolTrainer
X = np.random.default_rng(0).normal(size=(40, 3))
PoolTrainer(2).train(NeuralNetwork([3, 2]), (X, (X[:, 0] > 0) * 1), 0.1, 1, 20, max_batches=2, progress=False)
print("trained")
"""


def test_a_script_read_from_stdin_is_told_why_the_pool_cannot_start():
    run = subprocess.run([sys.executable, "-"], input=SCRIPT, capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "trained" not in run.stdout
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "tinynet.parallel.protocol.WorkerError: the worker processes cannot start: each one imports "
        "the program's main module from its file"
    )
    assert "'<stdin>'" in last and "Save the script to a file and run that" in last


def test_a_script_given_with_dash_c_has_no_main_file_and_its_pool_starts():
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "trained"
