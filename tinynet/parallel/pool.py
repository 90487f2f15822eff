"""Data-parallel training: a pool of processes computes each batch's gradient together.

The gradient of a cost summed over a batch is the sum of the gradients summed
over any split of the batch into parts p:

    ∂C/∂W = Σ_p ∂C_p/∂W,      ∂C/∂b = Σ_p ∂C_p/∂b.

So each worker runs the network's own ``backprop`` on its sub-batch; the parts
are added up, and the [`Trainer`][tinynet.trainer.Trainer]'s own ``step`` takes the step with
that sum. With the same seed the two trainers pick the same batches and end
with the same weights (up to the order of floating-point additions).

What travels between the processes decides whether this pays. The classic
design pickles each sub-batch's data to its worker and the gradients back, every
batch; here the training data, the parameters and one gradient row per worker
live in shared memory (``multiprocessing.shared_memory``), so per batch only the
sample indices go out, and per step one short message ("gradient") and its
replies ([`tinynet.parallel.protocol`][tinynet.parallel.protocol]: the shared arrays and
the messages).

``PoolTrainer(executor=...)`` runs the same steps on any
``concurrent.futures.Executor`` instead (see [`tinynet.parallel.executor`][tinynet.parallel.executor]).

The workers are spawned: fresh interpreters, which import the program's main
module from its file. A program read from stdin has no such file, so the pool
refuses to start there and says why, rather than watching every worker die.
"""

import os
import sys
from contextlib import contextmanager
from multiprocessing import get_context

import numpy as np

from tinynet.parallel.protocol import SharedArrays, Worker, WorkerError, ask, network_spec, positive_int, serve
from tinynet.trainer import Batches, Trainer

BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class PoolTrainer(Trainer):
    """The [Trainer][tinynet.trainer.Trainer]'s algorithm with each batch's gradient computed by ``workers`` processes.

    Args:
        workers: how many parts each batch is split into (and, by default,
            how many worker processes are started).
        executor: None for the pool's own processes sharing memory, or any
            ``concurrent.futures.Executor`` (a Dask client's, a
            ``ProcessPoolExecutor``...) to run the parts on.
        blas_threads: BLAS threads per worker process (1: the workers do not
            fight over the cores).

    ``train`` takes the same arguments as [`Trainer.train`][tinynet.trainer.Trainer.train]. The workers
    start when training starts and stop when it ends, on an error, or on Ctrl-C.
    """

    def __init__(self, workers=2, executor=None, blas_threads=1):
        super().__init__()
        self.workers, self.executor = positive_int("workers", workers), executor
        self.blas_threads = positive_int("blas_threads", blas_threads)

    def batches(self, network, X, Y, batch_size):
        if batch_size < self.workers:
            raise ValueError(f"batch_size: expected at least one sample per worker ({self.workers}), got {batch_size}")
        if self.executor is None:
            return SharedMemoryBatches(network, X, Y, self.workers, self.blas_threads)
        from tinynet.parallel.executor import ExecutorBatches  # only a program that passes an executor needs it

        return ExecutorBatches(network, X, Y, self.workers, self.executor)


@contextmanager
def blas_threads_env(n):
    """Child processes started inside get ``n`` BLAS threads (set before they import NumPy)."""
    saved = {v: os.environ.get(v) for v in BLAS_VARIABLES}
    os.environ.update({v: str(n) for v in BLAS_VARIABLES})
    try:
        yield
    finally:
        for v, value in saved.items():
            if value is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = value


class SharedMemoryBatches(Batches):
    """Each batch split over worker processes that share the data, the parameters and the gradients.

    While training runs, ``network.params`` itself lives in shared memory, so
    the main process's update is what the workers read at the next step; at
    the end the network gets a private copy back.
    """

    def __init__(self, network, X, Y, workers, blas_threads=1):
        self.network, self.X, self.Y, self.workers = network, X, Y, workers
        self.shared = SharedArrays()
        self.processes, self.conns = [], []
        # Anything, Ctrl-C included, that stops the start-up half-way frees what was made so far:
        # each segment, pipe and process is recorded before it is created or started.
        try:
            require_main_file()
            self.shared.add("X", X)
            self.shared.add("Y", Y)
            network.bind(self.shared.add("params", network.params))
            self.add_arrays(network, workers)
            context = get_context("spawn")  # a fresh interpreter: the BLAS setting takes effect
            with blas_threads_env(blas_threads):
                for slot in range(workers):
                    ours, theirs = context.Pipe()
                    self.conns.append(ours)
                    try:
                        p = context.Process(
                            target=self.worker(),
                            daemon=True,
                            name=f"tinynet-worker-{slot}",
                            args=(theirs, network_spec(network), self.shared.describe(), slot, *self.worker_args(slot)),
                        )
                        self.processes.append(p)
                        p.start()
                    finally:
                        theirs.close()  # the worker holds its own copy: its death reads as end of file here
            self._ask([])  # wait until every worker has started and attached the memory
        except BaseException:
            self.close()
            raise

    def add_arrays(self, network, workers):
        """The shared arrays the workers write to: one gradient row each."""
        self.worker_grads = self.shared.add("worker_grads", np.zeros((workers, network.params.size), network.dtype))
        self.grad = np.empty(network.params.size, network.dtype)

    def worker(self):
        """The function each worker process runs."""
        return _worker

    def worker_args(self, slot):
        """Arguments the worker function gets after (conn, spec, shared arrays, slot)."""
        return ()

    def _ask(self, messages):
        """Send each worker its message (if any) and wait for every reply (the first failure raises)."""
        ask(self.conns, self.processes, messages)

    def load(self, idx):
        """Send each worker its part of the batch (only the indices travel); the batch (x, y) here."""
        idx = np.asarray(idx)
        self._ask([("load", part) for part in np.array_split(idx, self.workers)])
        return self.X[idx], self.Y[idx]

    def backprop(self, network, x, y):
        """∂C/∂params of the batch (x, y): each worker writes its part's to its row of worker_grads: the sum."""
        self._ask([("gradient",)] * self.workers)
        return self.worker_grads.sum(axis=0, out=self.grad)

    def close(self):
        """Stop the workers, give the network a private copy of its parameters, free the shared memory."""
        try:
            for conn in self.conns:
                try:
                    conn.send(None)
                except OSError:
                    pass  # that worker is gone already
            for p in self.processes:
                if p.pid is None:
                    continue  # never started
                p.join(timeout=5)
                if p.is_alive():
                    p.terminate()
                    p.join()
        finally:
            for conn in self.conns:
                conn.close()
            self.processes, self.conns = [], []
            if "params" in self.shared.arrays:
                self.network.bind(self.shared.arrays["params"].copy())  # a private copy again
            self.shared.close()


def require_main_file():
    """Raise ``WorkerError`` where spawned workers could not start: a main module without its file.

    A spawned worker imports the program's main module again, by module name
    (``python -m``) or from its file; a program read from stdin
    (``python - < train.py``) names a file, ``<stdin>``, that does not exist,
    and every worker would die at start-up. An interactive session or
    ``python -c`` names none, and its workers start.
    """
    main = sys.modules.get("__main__")
    if getattr(getattr(main, "__spec__", None), "name", None) is not None:
        return
    path = getattr(main, "__file__", None)
    if path is not None and not os.path.isfile(path):
        raise WorkerError(
            f"the worker processes cannot start: each one imports the program's main module from its file, "
            f"and this program's main module has none ({path!r}, a script read from stdin?). "
            f"Save the script to a file and run that, or train in this process (Trainer instead of PoolTrainer)"
        )


class GradientWorker(Worker):
    """("load", idx) takes its sub-batch; ("gradient",) writes its gradient to worker_grads[slot]."""

    def __init__(self, spec, arrays, slot):
        super().__init__(spec, arrays)
        self.worker_grads, self.slot = arrays["worker_grads"], slot
        self.network.bind(arrays["params"])  # the parameters the main process steps

    def __call__(self, message):
        if message[0] == "load":
            self.load(message[1])
        else:
            self.worker_grads[self.slot] = self.network.gradient(self.x, self.y)


def _worker(conn, spec, description, slot):
    serve(conn, description, lambda arrays: GradientWorker(spec, arrays, slot))
