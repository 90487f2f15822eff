"""How much a pool of processes speeds up an epoch, and what the communication costs.

    python benchmarks/pool_speed.py             # 3 interleaved repeats
    python benchmarks/pool_speed.py --quick     # a smoke test

One epoch = 60,000 samples (synthetic) of [784, 400, 200, 10] (sigmoid hidden
layers, softmax + cross-entropy) at batch 1,000, one gradient step per batch,
timed from the first batch to the last (worker start-up is reported apart).
Each configuration runs in a fresh process, so that its BLAS thread setting
holds; the configurations are interleaved and repeated, and medians are printed:

- single, BLAS 1 thread:  the single-process Trainer's steps, BLAS pinned to 1 thread;
- single, BLAS 2 threads: the same with BLAS free to use both cores;
- pool, 1 and 2 workers:  PoolTrainer's shared-memory workers (BLAS 1 thread each):
                          per batch only indices go out;
- pickling, 2 workers:    the classic design: each batch's data and the parameters
                          pickled to the workers and the gradients pickled back;
- gpu:                    GPUTrainer's loop, when CuPy and a GPU are there.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

SIZES = [784, 400, 200, 10]
CONFIGS = {
    "single, BLAS 1 thread": dict(kind="single", blas=1),
    "single, BLAS 2 threads": dict(kind="single", blas=2),
    "pool, 1 worker": dict(kind="pool", workers=1, blas=1),
    "pool, 2 workers": dict(kind="pool", workers=2, blas=1),
    "pickling, 2 workers": dict(kind="pickling", workers=2, blas=1),
    "gpu": dict(kind="gpu", blas=1),
}


def setup(n, dtype="float64"):
    import numpy as np

    from tinynet import NeuralNetwork

    rng = np.random.default_rng(0)
    X = rng.random((n, SIZES[0]))
    Y = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], n)]
    net = NeuralNetwork(SIZES, ["sigmoid", "sigmoid", "softmax"], "cross_entropy", seed=0, dtype=dtype)
    return net, X.astype(dtype), Y.astype(dtype), rng


def pickled_gradient(spec, params, x, y):
    """The classic design's task: everything arrives pickled, the gradient leaves pickled."""
    cls, kwargs = spec  # the network's spec(): its class and arguments
    net = cls(**kwargs, seed=0)
    net.params[...] = params
    return net.gradient(x, y)


def run(config, n, batch):
    """Time one epoch in this process for ``config``; return (startup seconds, epoch seconds)."""
    import numpy as np

    from tinynet.trainer import Batches, step

    net, X, Y, rng = setup(n)
    kind = config["kind"]
    start = time.perf_counter()
    if kind == "single":
        batches = Batches(net, X, Y)
    elif kind == "pool":
        from tinynet.parallel.pool import SharedMemoryBatches

        batches = SharedMemoryBatches(net, X, Y, config["workers"], blas_threads=1)
    elif kind == "gpu":
        from tinynet.parallel.gpu import require_cupy

        cupy = require_cupy()
        net = net.to(cupy)
        batches = Batches(net, cupy.asarray(X), cupy.asarray(Y))
    else:
        import multiprocessing

        from tinynet.parallel.pool import blas_threads_env

        with blas_threads_env(1):
            pool = multiprocessing.get_context("spawn").Pool(config["workers"])
        spec = net.spec()
        pool.starmap(pickled_gradient, [(spec, net.params, X[:2], Y[:2])] * config["workers"])  # warm up

        class PicklingBatches:
            def load(self, idx):
                self.parts = np.array_split(idx, config["workers"])
                return X[idx], Y[idx]

            def backprop(self, network, x, y):
                tasks = [(spec, network.params, X[p], Y[p]) for p in self.parts]
                return np.sum(pool.starmap(pickled_gradient, tasks), axis=0)

            def close(self):
                pool.close()
                pool.join()

        batches = PicklingBatches()
    startup = time.perf_counter() - start
    order = rng.permutation(n)
    start = time.perf_counter()
    for k in range(n // batch):
        x, y = batches.load(order[k * batch : (k + 1) * batch])
        step(net, x, y, 0.1, batches.backprop)
    if kind == "gpu":
        cupy.cuda.Device().synchronize()
    epoch = time.perf_counter() - start
    batches.close()
    return startup, epoch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="6,000 samples, 1 repeat")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: time one configuration
    args = parser.parse_args()
    if args.quick:
        args.samples, args.repeats = 6000, 1
    if args.one:
        print(json.dumps(run(CONFIGS[args.one], args.samples, args.batch)))
        return 0

    try:
        from tinynet.parallel.gpu import require_cupy

        require_cupy()
        configs = list(CONFIGS)
    except RuntimeError as e:
        configs = [c for c in CONFIGS if c != "gpu"]
        gpu_note = f"gpu: not measured ({e})"
    else:
        import cupy

        gpu_note = f"gpu: {cupy.cuda.runtime.getDeviceProperties(0)['name'].decode()}, CuPy {cupy.__version__}"
    import numpy

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {numpy.__version__}; {time.strftime('%Y-%m-%d')}"
    )
    print(
        f"{SIZES} float64, batch {args.batch}, one epoch = {args.samples:,} samples; "
        f"medians of {args.repeats} interleaved runs\n"
    )
    times = {c: [] for c in configs}
    startups = {c: [] for c in configs}
    for _ in range(args.repeats):
        for c in configs:
            env = dict(os.environ)
            for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                env[v] = str(CONFIGS[c]["blas"])
            out = subprocess.run(
                [sys.executable, __file__, "--one", c, "--samples", str(args.samples), "--batch", str(args.batch)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            startup, epoch = json.loads(out.stdout.strip().splitlines()[-1])
            startups[c].append(startup)
            times[c].append(epoch)
    base = statistics.median(times["single, BLAS 1 thread"])
    print(f"{'configuration':<26}{'epoch (s)':>10}{'speed-up':>10}{'start-up (s)':>14}")
    for c in configs:
        t = statistics.median(times[c])
        print(f"{c:<26}{t:>10.3f}{base / t:>9.2f}x{statistics.median(startups[c]):>14.2f}")
    print(f"\nspeed-up: against the single process with BLAS on 1 thread. {gpu_note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
