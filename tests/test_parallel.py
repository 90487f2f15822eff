"""The pool, executor and GPU trainers run the Trainer's algorithm and reach the same weights."""

import multiprocessing
import os
import signal
import sys
import types
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from tinynet import NeuralNetwork, Trainer
from tinynet.gpu import GPUTrainer, require_cupy
from tinynet.pool import PoolTrainer, SharedMemoryBatches, WorkerError

SHM = Path("/dev/shm")


def data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 12))
    return X, (X[:, :4] @ rng.normal(size=(4, 4))).argmax(axis=1)


def train(trainer, **kwargs):
    net = NeuralNetwork([12, 10, 4], ["tanh", "softmax"], "cross_entropy", seed=0)
    args = dict(
        max_batches=15, max_batches_without_improvement=100, cost_estimator_batch_size=200, seed=3, progress=False
    )
    args.update(kwargs)
    history = trainer.train(net, data(), 0.3, 3, 60, **args)
    return net, history


def segments():
    """The shared-memory segments this process created (other test runs on the machine make their own)."""
    mine = f"tinynet-{os.getpid()}-"
    return {name for name in os.listdir(SHM) if name.startswith(mine)} if SHM.exists() else set()


@pytest.fixture
def no_leaks():
    before = segments()
    yield
    assert segments() == before, "shared-memory segments leaked"
    assert multiprocessing.active_children() == [], "worker processes left running"


@pytest.fixture(scope="module")
def reference():
    return train(Trainer())


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_pool_matches_the_single_process_trainer(reference, workers, no_leaks):
    net, history = train(PoolTrainer(workers))
    np.testing.assert_allclose(net.params, reference[0].params, rtol=0, atol=1e-10)
    assert history.costs == pytest.approx(reference[1].costs, abs=1e-10)
    net.params[0] += 1  # the network has its own parameters again, not the freed shared memory


def test_gpu_code_path_with_numpy_standing_in(reference):
    net, history = train(GPUTrainer(xp=np), validation_data=data(100, seed=1), validate_every=5)
    np.testing.assert_allclose(net.params, reference[0].params, rtol=0, atol=1e-10)
    assert len(history.validation_accuracies) == 3


def test_any_executor(reference, no_leaks):
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as executor:
        net, _ = train(PoolTrainer(2, executor=executor))
    np.testing.assert_allclose(net.params, reference[0].params, rtol=0, atol=1e-10)


def test_dask_cluster(reference):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        net, _ = train(PoolTrainer(2, executor=client.get_executor()))
        assert len(client.scheduler_info()["workers"]) == 2
    np.testing.assert_allclose(net.params, reference[0].params, rtol=0, atol=1e-10)


def test_a_worker_error_reaches_the_caller_with_its_traceback(no_leaks):
    X, labels = data()
    net = NeuralNetwork([12, 10, 4], seed=0)
    batches = SharedMemoryBatches(net, X, np.eye(4)[labels], workers=2)
    try:
        with pytest.raises(WorkerError, match=r"(?s)worker 1 failed:.*Traceback.*IndexError"):
            batches.load(np.array([0, 1, 2, 10**6]))  # worker 1 gets an index past the data
    finally:
        batches.close()


def test_a_failing_worker_during_training_cleans_up(monkeypatch, no_leaks):
    real_load = SharedMemoryBatches.load
    monkeypatch.setattr(SharedMemoryBatches, "load", lambda self, idx: real_load(self, idx + 10**6))
    with pytest.raises(WorkerError, match="IndexError"):
        train(PoolTrainer(2))


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
            train(PoolTrainer(2), callback=interrupt)
    finally:
        signal.signal(signal.SIGINT, previous)


def test_bad_pool_arguments():
    with pytest.raises(ValueError, match="workers: expected a positive integer, got 0"):
        PoolTrainer(0)
    with pytest.raises(TypeError, match="workers: expected a positive integer, got bool True"):
        PoolTrainer(True)
    with pytest.raises(TypeError, match="blas_threads: expected a positive integer, got bool True"):
        PoolTrainer(2, blas_threads=True)
    with pytest.raises(ValueError, match="blas_threads: expected a positive integer, got -1"):
        PoolTrainer(2, blas_threads=-1)
    with pytest.raises(ValueError, match=r"batch_size: expected at least one sample per worker \(3\), got 2"):
        PoolTrainer(3).train(NeuralNetwork([12, 4]), data(), 0.1, 1, 2, progress=False)


def test_gpu_trainer_says_what_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    with pytest.raises(RuntimeError, match=r"GPUTrainer needs CuPy, which is not installed: pip install"):
        GPUTrainer()
    fake = types.SimpleNamespace(
        cuda=types.SimpleNamespace(
            runtime=types.SimpleNamespace(getDeviceCount=lambda: (_ for _ in ()).throw(OSError("no CUDA driver")))
        )
    )
    monkeypatch.setitem(sys.modules, "cupy", fake)
    with pytest.raises(RuntimeError, match="CuPy is installed but no CUDA GPU can be used here: no CUDA driver"):
        require_cupy()
    fake.cuda.runtime.getDeviceCount = lambda: 0
    with pytest.raises(RuntimeError, match="this machine has no CUDA GPU"):
        require_cupy()


@pytest.mark.skipif(os.environ.get("TINYNET_GPU_TESTS") != "1", reason="set TINYNET_GPU_TESTS=1 on a GPU machine")
def test_on_a_real_gpu(reference):
    cupy = require_cupy()
    net, _ = train(GPUTrainer())
    np.testing.assert_allclose(net.params, reference[0].params, rtol=0, atol=1e-10)
    assert cupy.cuda.runtime.getDeviceCount() >= 1
