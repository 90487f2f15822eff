"""Data-parallel training: a pool of processes computes each batch's gradient together.

The gradient of a cost summed over a batch is the sum of the gradients summed
over any split of the batch into parts p:

    ∂C/∂W = Σ_p ∂C_p/∂W,      ∂C/∂b = Σ_p ∂C_p/∂b.

So each worker runs the network's own ``backprop`` on its sub-batch; the parts
are added up and the step the single-process :class:`Trainer` would take is
taken (each worker adds up and updates its own share of the parameters, so
that this too runs in parallel). With the same seed the two trainers pick the same batches and end
with the same weights (up to the order of floating-point additions).

What travels between the processes decides whether this pays. The classic
design pickles each sub-batch's data to its worker and the gradients back, every
batch; here the training data, the parameters and one gradient row per worker
live in shared memory (``multiprocessing.shared_memory``), so per batch only the
sample indices go out, and per step two short messages ("differentiate",
"update") and their replies.

``PoolTrainer(executor=...)`` runs the same steps on any
``concurrent.futures.Executor`` instead, e.g. a Dask cluster's
(``distributed.Client(...).get_executor()``). Memory is not shared across
machines there: the data is scattered to the Dask workers once, and the
parameters go out with every step.
"""

import os
import signal
import traceback
from contextlib import contextmanager
from multiprocessing import get_context, shared_memory
from multiprocessing.connection import wait

import numpy as np

from .trainer import Batches, Trainer, descend

BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class WorkerError(RuntimeError):
    """A worker process failed; the message carries its traceback."""


class PoolTrainer(Trainer):
    """The :class:`Trainer`'s algorithm with each batch's gradient computed by ``workers`` processes.

    Args:
        workers: how many parts each batch is split into (and, by default,
            how many worker processes are started).
        executor: None for the pool's own processes sharing memory, or any
            ``concurrent.futures.Executor`` (a Dask client's, a
            ``ProcessPoolExecutor``...) to run the parts on.
        blas_threads: BLAS threads per worker process (1: the workers do not
            fight over the cores).

    ``train`` takes the same arguments as :meth:`Trainer.train`. The workers
    start when training starts and stop when it ends, on an error, or on Ctrl-C.
    """

    def __init__(self, workers=2, executor=None, blas_threads=1):
        super().__init__()
        if not (isinstance(workers, int) and workers >= 1):
            raise ValueError(f"workers: expected a positive integer, got {workers!r}")
        self.workers, self.executor, self.blas_threads = workers, executor, blas_threads

    def batches(self, network, X, Y, batch_size):
        if batch_size < self.workers:
            raise ValueError(f"batch_size: expected at least one sample per worker ({self.workers}), "
                             f"got {batch_size}")
        if self.executor is None:
            return SharedMemoryBatches(network, X, Y, self.workers, self.blas_threads)
        return ExecutorBatches(network, X, Y, self.workers, self.executor)


def network_spec(network):
    """What a worker needs to rebuild the network's shape: its class and arguments."""
    return network.spec()


def build_network(spec):
    cls, kwargs = spec
    return cls(**kwargs, seed=0)


class SharedArrays:
    """NumPy arrays in shared-memory segments, created here and unlinked by ``close``."""

    def __init__(self):
        self.segments, self.arrays = [], {}

    def add(self, name, array):
        array = np.ascontiguousarray(array)
        shm = shared_memory.SharedMemory(create=True, size=max(array.nbytes, 1))
        self.segments.append(shm)
        shared = np.ndarray(array.shape, array.dtype, buffer=shm.buf)
        shared[...] = array
        self.arrays[name] = shared
        return shared

    def describe(self):
        """What a worker needs to attach: {name: (segment name, shape, dtype)}."""
        return {name: (shm.name, a.shape, a.dtype.str) for (name, a), shm in zip(self.arrays.items(), self.segments)}

    def close(self):
        self.arrays.clear()
        for shm in self.segments:
            shm.close()
            shm.unlink()
        self.segments.clear()


def attach(description):
    """The arrays a :class:`SharedArrays` described, seen from another process: ``(arrays, segments)``."""
    arrays, segments = {}, []
    for name, (segment, shape, dtype) in description.items():
        # (The process that created the segment unlinks it: attaching only maps it.)
        shm = shared_memory.SharedMemory(name=segment)
        segments.append(shm)
        arrays[name] = np.ndarray(shape, np.dtype(dtype), buffer=shm.buf)
    return arrays, segments


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
        self.network, self.workers = network, workers
        self.shared = SharedArrays()
        self.processes, self.conns = [], []
        try:
            self.shared.add("X", X)
            self.shared.add("Y", Y)
            network.bind(self.shared.add("params", network.params))
            self.add_arrays(network, workers)
            context = get_context("spawn")  # a fresh interpreter: the BLAS setting takes effect
            with blas_threads_env(blas_threads):
                for slot in range(workers):
                    ours, theirs = context.Pipe()
                    p = context.Process(target=self.worker(), daemon=True, name=f"tinynet-worker-{slot}",
                                        args=(theirs, network_spec(network), self.shared.describe(), slot,
                                              *self.worker_args(slot)))
                    p.start()
                    theirs.close()
                    self.processes.append(p)
                    self.conns.append(ours)
            self._ask([])  # wait until every worker has started and attached the memory
        except BaseException:
            self.close()
            raise

    def add_arrays(self, network, workers):
        """The shared arrays the workers write to: one gradient row each."""
        self.G = self.shared.add("G", np.zeros((workers, network.params.size), network.dtype))
        self.grad = np.empty(network.params.size, network.dtype)

    def worker(self):
        """The function each worker process runs."""
        return _worker

    def worker_args(self, slot):
        """Arguments the worker function gets after (conn, spec, shared arrays, slot)."""
        return ()

    def _ask(self, messages):
        """Send each worker its message (if any) and wait for every reply (the first failure raises)."""
        for conn, message in zip(self.conns, messages):
            conn.send(message)
        waiting = {conn: slot for slot, conn in enumerate(self.conns)}
        while waiting:
            for conn in wait(list(waiting)):
                slot = waiting.pop(conn)
                try:
                    reply = conn.recv()
                except (EOFError, OSError):
                    raise WorkerError(f"worker {slot} exited unexpectedly "
                                      f"(exit code {self.processes[slot].exitcode})") from None
                if reply is not None:
                    raise WorkerError(f"worker {slot} failed:\n{reply}")

    def load(self, idx):
        """Send each worker its part of the batch: only the indices travel."""
        self._ask([("load", part) for part in np.array_split(np.asarray(idx), self.workers)])

    def gradient(self):
        """Every worker differentiates its part; the sum is the batch's gradient."""
        self._ask([("step",)] * self.workers)
        return self.G.sum(axis=0, out=self.grad)

    def descend(self, c):
        """A step of gradient descent with the adding-up and the update split over the workers too.

        First every worker writes its part's gradient to G; once all have (so
        nobody reads parameters that are changing), worker k adds up the rows
        of G over its share of the parameters and updates that share:
        params -> params - c Σ_p G[p].
        """
        self._ask([("step",)] * self.workers)
        self._ask([("update", c)] * self.workers)

    def close(self):
        for conn in self.conns:
            try:
                conn.send(None)
            except OSError:
                pass
        for p in self.processes:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
                p.join()
        for conn in self.conns:
            conn.close()
        self.processes, self.conns = [], []
        if "params" in self.shared.arrays:
            self.network.bind(self.shared.arrays["params"].copy())  # a private copy again
        self.shared.close()


def serve(conn, description, make_handler):
    """A worker process's life: attach the shared arrays, then answer each message until None.

    ``make_handler(arrays)`` builds what handles the messages; each reply is
    None when the message was handled, or the traceback when it failed.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    arrays, segments = attach(description)
    handle = make_handler(arrays)
    try:
        conn.send(None)  # ready
        while (message := conn.recv()) is not None:
            try:
                handle(message)
                conn.send(None)
            except Exception:
                conn.send(traceback.format_exc())
    except (EOFError, OSError):
        pass  # the main process went away
    finally:
        del handle, arrays  # the arrays viewing the segments go before the segments close
        for shm in segments:
            shm.close()


class Worker:
    """What a worker keeps: a network of the trained shape and its current batch (in a workspace)."""

    def __init__(self, spec, arrays):
        self.network = build_network(spec)
        self.X, self.Y = arrays["X"], arrays["Y"]
        self.ws = None

    def load(self, idx):
        """Gather the samples ``idx`` into the workspace."""
        if self.ws is None or self.ws.m != len(idx):
            self.ws = self.network.workspace(len(idx))
        np.take(self.X, idx, axis=0, out=self.ws.x)
        np.take(self.Y, idx, axis=0, out=self.ws.y)


class GradientWorker(Worker):
    """("load", idx) gathers its sub-batch; ("step",) writes its gradient to G[slot];
    ("update", c) does params -= c Σ_p G[p] on this worker's share of the parameters."""

    def __init__(self, spec, arrays, slot):
        super().__init__(spec, arrays)
        self.params, self.G, self.slot = arrays["params"], arrays["G"], slot
        self.network.bind(self.params)
        share = np.array_split(np.arange(self.params.size), self.G.shape[0])[slot]
        self.lo, self.hi = (int(share[0]), int(share[-1]) + 1) if share.size else (0, 0)
        self.total = np.empty(self.hi - self.lo, self.params.dtype)

    def __call__(self, message):
        if message[0] == "load":
            self.load(message[1])
        elif message[0] == "step":
            self.network.backprop(self.ws.x, self.ws.y, np, self.ws)
            self.G[self.slot] = self.ws.grad
        else:
            lo, hi = self.lo, self.hi
            self.G[:, lo:hi].sum(axis=0, out=self.total)
            self.total *= message[1]
            self.params[lo:hi] -= self.total


def _worker(conn, spec, description, slot):
    serve(conn, description, lambda arrays: GradientWorker(spec, arrays, slot))


class ExecutorBatches(Batches):
    """Each batch split into ``parts`` tasks on a ``concurrent.futures.Executor``.

    The data reaches the workers once: scattered to every Dask worker when the
    executor is a Dask client's, otherwise through shared memory (executors on
    this machine). The parameters go with every task.
    """

    def __init__(self, network, X, Y, parts, executor):
        self.network, self.parts, self.executor = network, parts, executor
        self.spec = network_spec(network)
        self.shared = None
        client = getattr(executor, "_client", None)  # distributed.client.ClientExecutor
        if client is not None:
            self.data = ("dask", client.scatter([X, Y], broadcast=True))
        else:
            self.shared = SharedArrays()
            self.shared.add("X", X)
            self.shared.add("Y", Y)
            self.data = ("shm", self.shared.describe())
        self.grad = np.empty(network.params.size, network.dtype)

    def load(self, idx):
        self.idx = np.array_split(np.asarray(idx), self.parts)

    def gradient(self):
        futures = [self.executor.submit(part_gradient, self.spec, self.data, self.network.params, part)
                   for part in self.idx]
        self.grad[...] = 0
        for future in futures:
            self.grad += future.result()
        return self.grad

    def descend(self, c):
        descend(self.network, self.gradient(), c)

    def close(self):
        if self.shared is not None:
            self.shared.close()


_cache = {}


def part_gradient(spec, data, params, idx):
    """In a worker: ∂C/∂params summed over the samples ``idx`` (a new flat array)."""
    key = ("network", spec[0].__name__, tuple(sorted(spec[1].items())))
    network = _cache.get(key)
    if network is None:
        network = _cache[key] = build_network(spec)
    network.bind(params)
    kind, payload = data
    if kind == "dask":
        X, Y = payload
    else:
        key = ("data", tuple(sorted((k, v[0]) for k, v in payload.items())))
        if key not in _cache:
            _cache[key] = attach(payload)
        arrays = _cache[key][0]
        X, Y = arrays["X"], arrays["Y"]
    ws = network.workspace(len(idx))
    network.backprop(X[idx], Y[idx], np, ws)
    return ws.grad
