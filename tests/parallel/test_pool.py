"""The pool of processes (tinynet.parallel.pool, .protocol, .executor) runs the Trainer's algorithm to the same weights.

A test that starts worker processes is marked slow. The GPU trainer: tests/parallel/test_gpu.py.
"""

import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from conftest import pool_data, train_a_classifier

from tinynet import NeuralNetwork
from tinynet.parallel.pool import PoolTrainer, SharedMemoryBatches
from tinynet.parallel.protocol import WorkerError


@pytest.mark.slow  # worker processes
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_pool_matches_the_single_process_trainer(one_process_run, workers, no_leaks):
    net, history = train_a_classifier(PoolTrainer(workers))
    np.testing.assert_allclose(net.params, one_process_run[0].params, rtol=0, atol=1e-10)
    assert history.costs == pytest.approx(one_process_run[1].costs, abs=1e-10)
    net.params[0] += 1  # the network has its own parameters again, not the freed shared memory


@pytest.mark.slow  # worker processes
def test_any_executor(one_process_run, no_leaks):
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as executor:
        net, _ = train_a_classifier(PoolTrainer(2, executor=executor))
    np.testing.assert_allclose(net.params, one_process_run[0].params, rtol=0, atol=1e-10)


@pytest.mark.slow  # worker processes
def test_dask_cluster(one_process_run):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        net, _ = train_a_classifier(PoolTrainer(2, executor=client.get_executor()))
        assert len(client.scheduler_info()["workers"]) == 2
    np.testing.assert_allclose(net.params, one_process_run[0].params, rtol=0, atol=1e-10)


@pytest.mark.slow  # worker processes
def test_a_worker_error_reaches_the_caller_with_its_traceback(no_leaks):
    X, labels = pool_data()
    net = NeuralNetwork([12, 10, 4], seed=0)
    batches = SharedMemoryBatches(net, X, np.eye(4)[labels], workers=2)
    try:
        with pytest.raises(WorkerError, match=r"(?s)worker 1 failed:.*Traceback.*IndexError"):
            batches.load(np.array([0, 1, 2, 10**6]))  # worker 1 gets an index past the data
    finally:
        batches.close()


@pytest.mark.slow  # worker processes
def test_a_failing_worker_during_training_cleans_up(monkeypatch, no_leaks):
    real_load = SharedMemoryBatches.load
    monkeypatch.setattr(SharedMemoryBatches, "load", lambda self, idx: real_load(self, idx + 10**6))
    with pytest.raises(WorkerError, match="IndexError"):
        train_a_classifier(PoolTrainer(2))


@pytest.mark.slow  # worker processes
def test_ctrl_c_stops_the_workers_and_frees_the_memory(no_leaks):
    def interrupt(net, history):
        if history.batches == 2:
            for child in multiprocessing.active_children():  # a terminal sends SIGINT to all of them
                os.kill(child.pid, signal.SIGINT)
            # in this thread: KeyboardInterrupt comes from here, not from a finalizer
            signal.raise_signal(signal.SIGINT)

    # Python leaves SIGINT ignored when it was started ignoring it (a job started with & from a script):
    # give it the handler an interactive run has.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            train_a_classifier(PoolTrainer(2), callback=interrupt)
    finally:
        signal.signal(signal.SIGINT, previous)


def test_bad_pool_arguments():
    with pytest.raises(ValueError, match="workers: expected a positive integer, got int 0"):
        PoolTrainer(0)
    # a bool is not a count: a ValueError naming the argument, as for every bad value (docs/promises.md)
    with pytest.raises(ValueError, match="workers: expected a positive integer, got bool True"):
        PoolTrainer(True)
    with pytest.raises(ValueError, match="workers: expected a positive integer, got float 2.0"):
        PoolTrainer(2.0)
    with pytest.raises(ValueError, match="blas_threads: expected a positive integer, got bool True"):
        PoolTrainer(2, blas_threads=True)
    with pytest.raises(ValueError, match="blas_threads: expected a positive integer, got int -1"):
        PoolTrainer(2, blas_threads=-1)
    with pytest.raises(ValueError, match=r"batch_size: expected at least one sample per worker \(3\), got 2"):
        PoolTrainer(3).train(NeuralNetwork([12, 4]), pool_data(), 0.1, 1, 2, progress=False)
