"""Data-parallel training on any ``concurrent.futures.Executor``: a Dask cluster's, a process pool's.

``PoolTrainer(workers, executor=...)`` splits each batch into ``workers``
parts and submits one task per part; each task returns its part's gradient
and the main process adds them up and takes the step (the sum rule of
[`tinynet.parallel.pool`][tinynet.parallel.pool]). Memory is not shared across machines: the data is
scattered to the Dask workers once, and the parameters go out with every
task. An executor on this machine reads the data from shared memory instead.
"""

import numpy as np

from tinynet.parallel.protocol import SharedArrays, attach, build_network, network_spec
from tinynet.trainer import Batches


class ExecutorBatches(Batches):
    """Each batch split into ``parts`` tasks on a ``concurrent.futures.Executor``.

    The data reaches the workers once: scattered to every Dask worker when the
    executor is a Dask client's, otherwise through shared memory (executors on
    this machine). The parameters go with every task.
    """

    def __init__(self, network, X, Y, parts, executor):
        self.network, self.X, self.Y, self.parts, self.executor = network, X, Y, parts, executor
        self.spec = network_spec(network)
        self.shared = None
        client = getattr(executor, "_client", None)  # distributed.client.ClientExecutor
        if client is not None:
            self.data = ("dask", client.scatter([X, Y], broadcast=True))
        else:
            self.shared = SharedArrays()
            try:
                self.shared.add("X", X)
                self.shared.add("Y", Y)
            except BaseException:
                self.shared.close()
                raise
            self.data = ("shm", self.shared.describe())
        self.grad = np.empty(network.params.size, network.dtype)

    def load(self, idx):
        """The batch (x, y) of the samples ``idx``; each task gets its part of the indices."""
        idx = np.asarray(idx)
        self.idx = np.array_split(idx, self.parts)
        return self.X[idx], self.Y[idx]

    def backprop(self, network, x, y):
        """∂C/∂params of the loaded batch (x, y): the sum of the tasks' parts."""
        futures = [
            self.executor.submit(part_gradient, self.spec, self.data, self.network.params, part) for part in self.idx
        ]
        self.grad[...] = 0
        for future in futures:
            self.grad += future.result()
        return self.grad

    def close(self):
        if self.shared is not None:
            self.shared.close()


# In a worker process: the networks built and the shared data attached so far, kept between tasks.
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
    return network.gradient(X[idx], Y[idx])
