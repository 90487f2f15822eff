"""Training in parallel: split each batch over processes, or move it all to a GPU.

The gradient of a cost summed over a batch is the sum over any split of the
batch into parts: ∂C/∂W = Σ_p ∂C_p/∂W. So p processes can each differentiate
a part, and adding their results gives exactly the step one process would take.
Whether that is faster depends on what has to travel between them.
"""

import time

import numpy as np

from tinynet import NeuralNetwork, Trainer
from tinynet.parallel.pool import PoolTrainer, SharedMemoryBatches
from tinynet.teach.lessonkit import Lesson, pyplot
from tinynet.trainer import Batches, step


def main(argv=None):
    lesson = Lesson(12, "parallel and GPU training", argv)
    rng = np.random.default_rng(0)

    lesson.stage("Sub-batch gradients add up to the batch gradient")
    net = NeuralNetwork([784, 30, 10], ["sigmoid", "softmax"], "cross_entropy", seed=0)
    X, Y = rng.random((300, 784)), np.eye(10)[rng.integers(0, 10, 300)]
    whole, _ = net.backprop(X, Y)
    whole = whole[0].copy()
    parts = [net.backprop(X[p], Y[p])[0][0].copy() for p in np.array_split(np.arange(300), 3)]
    print(f"‖∂C/∂W^1‖ for the batch of 300: {np.linalg.norm(whole):.6f}")
    print(f"the same from 3 parts of 100, added: {np.linalg.norm(sum(parts)):.6f}")
    lesson.check("the parts add up to the whole (to rounding)", np.allclose(sum(parts), whole, rtol=1e-12, atol=1e-14))
    print("The trainers then divide by the batch size m: averaging the parts' averages would be wrong")
    print("when the parts differ in size; adding sums and dividing once is always right.")

    lesson.stage("So a pool of processes reaches the same weights")
    labels = rng.integers(0, 10, 300)
    results = {}
    for name, trainer in (("Trainer", Trainer()), ("PoolTrainer(2)", PoolTrainer(2))):
        n = NeuralNetwork([784, 30, 10], ["sigmoid", "softmax"], "cross_entropy", seed=0)
        trainer.train(
            n, (X, labels), 0.5, 2, 60, max_batches=10, max_batches_without_improvement=100, seed=1, progress=False
        )
        results[name] = n.params
    diff = np.abs(results["Trainer"] - results["PoolTrainer(2)"]).max()
    print(f"largest difference after 10 batches: {diff:.1e}")
    lesson.check("the pool and the single process agree to 1e-10", diff < 1e-10)
    print("Trainer runs every step in this process, so it is the one to debug with: print() and")
    print("breakpoint() work inside the network's code when you train with it.")

    lesson.stage("What travels")
    sizes, m, workers = [784, 400, 200, 10], 1000, 2
    P = sum(n * (k + 1) for k, n in zip(sizes, sizes[1:]))
    pickled = workers * 8 * P * 2 + 8 * m * (sizes[0] + sizes[-1])
    shared = 8 * m + workers * 200
    print(f"[784, 400, 200, 10] has P = {P:,} parameters; a batch of {m} samples, {workers} workers:")
    print(f"  pickling design, per batch: the data ({8 * m * (sizes[0] + sizes[-1]) / 1e6:.1f} MB), the parameters to")
    moved = workers * 2 * 8 * P / 1e6
    print(f"  each worker and a gradient back from each ({moved:.1f} MB): {pickled / 1e6:.1f} MB in all")
    print(f"  shared memory, per batch: the indices and a few messages, about {shared / 1e3:.0f} kB")
    lesson.check("shared memory moves over 1000x less per batch", pickled > 1000 * shared)

    lesson.stage("Speed: one process against two")
    times = {}
    net = NeuralNetwork(sizes, ["sigmoid", "sigmoid", "softmax"], "cross_entropy", seed=0)
    Xb, Yb = rng.random((8000, 784)), np.eye(10)[rng.integers(0, 10, 8000)]
    for name, make in (
        ("1 process", lambda: Batches(net, Xb, Yb)),  # its BLAS may use every core
        ("pool, 1 worker", lambda: SharedMemoryBatches(net, Xb, Yb, 1)),
        ("pool, 2 workers", lambda: SharedMemoryBatches(net, Xb, Yb, 2)),
    ):
        batches = make()
        start = time.perf_counter()
        for k in range(8):
            x, y = batches.load(np.arange(k * m, (k + 1) * m))
            step(net, x, y, 0.1, batches.backprop)  # the trainer's step, the gradient from where the batch lives
        times[name] = time.perf_counter() - start
        batches.close()
        print(f"  {name:<16} {times[name]:.2f} s for 8 batches of {m}")
    fastest = min(times, key=times.get)
    print(f"(measured now: fastest here is '{fastest}', {times['1 process'] / times[fastest]:.2f}x the single process.")
    print("The single process lets BLAS spread each product over every core, each worker keeps to one;")
    print("which wins depends on the machine, the layer sizes and the batch. benchmarks/pool_speed.py times")
    print("whole epochs both ways.)")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.barh(list(times), list(times.values()))
    ax.set(xlabel="seconds for 8 batches of 1000", title="[784, 400, 200, 10]: processes against time")
    lesson.figure(fig, "speed")

    lesson.stage("When a GPU pays off")
    try:
        from tinynet.parallel.gpu import require_cupy

        cupy = require_cupy()
    except RuntimeError as e:
        cupy = None
        print(f"No GPU here ({e}).")
    widths = [32, 128, 512, 2048]
    cpu, gpu = [], []
    for w in widths:
        n = NeuralNetwork([784, w, 10], ["sigmoid", "softmax"], "cross_entropy", seed=0)
        cpu.append(step_time(n, Xb[:500], Yb[:500], np))
        if cupy is not None:
            gpu.append(step_time(n.to(cupy), cupy.asarray(Xb[:500]), cupy.asarray(Yb[:500]), cupy))
    for i, w in enumerate(widths):
        line = f"  [784, {w}, 10], batch 500: CPU {cpu[i] * 1e3:7.2f} ms per step"
        print(line + (f", GPU {gpu[i] * 1e3:6.2f} ms ({cpu[i] / gpu[i]:.1f}x)" if gpu else ""))
    print("The CPU's step time grows with the width of the layer. A GPU does the arithmetic far faster but")
    print("pays some microseconds to launch every call, so the wider the network the more it gains;")
    print("where CuPy finds a GPU this lesson measures both and draws the GPU line too.")
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.loglog(widths, np.array(cpu) * 1e3, "o-", label="CPU (NumPy)")
    if gpu:
        ax.loglog(widths, np.array(gpu) * 1e3, "o-", label="GPU (CuPy)")
    ax.set(xlabel="hidden units", ylabel="ms per step", title="Step time against network size")
    ax.legend()
    lesson.figure(fig, "gpu")
    return lesson.done()


def step_time(net, X, Y, xp, repeats=5):
    """Seconds per gradient step on (X, Y), the best of a few."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        step(net, X, Y, 0.01)
        float(net.params[0])  # wait for the GPU to finish
        best = min(best, time.perf_counter() - start)
    return best


if __name__ == "__main__":
    raise SystemExit(main())
