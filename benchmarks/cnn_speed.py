"""Training time of the small CNN against its filters and batch size: plain, fused, pool, GPU, PyTorch.

    python benchmarks/cnn_speed.py [--plot cnn_speed.png]

One epoch = 6,000 synthetic 28x28 images (timing does not depend on the values) of
Conv2D(F, 5, relu) -> MaxPool2D(2) -> Flatten -> Dense(10, softmax), plain SGD with one
gradient step per batch, for F in 4, 8, 16 and batch sizes 50 and 200, float64.
Interleaved, medians of 5 (``--repeats``):

- plain:      the single-process Trainer's steps on the plain ConvNet of tinynet.conv.net;
- sequential: the same steps on the FastConvNet of tinynet.conv.fast (what ``tinynet cnn`` trains);
- pool:       PoolTrainer's 2 shared-memory workers (BLAS 1 thread each);
- gpu:        GPUTrainer's loop, where CuPy finds a GPU;
- torch:      the same network and loop in PyTorch CPU eager, 2 threads (if installed).

It prints a table and the ratios plain / sequential and torch / sequential: the median of the ratios of each
repeat (a repeat runs the versions back to back, so a drift of this shared machine's
speed between repeats cancels out), and draws time against the number of parameters
for each version (the classic project's "parameters comparison").
"""

import argparse
import os
import statistics
import time

import numpy as np

from tinynet import ConvNet, step
from tinynet.examples.cnn_digits import cnn
from tinynet.parallel.pool import SharedMemoryBatches
from tinynet.trainer import Batches

FILTERS = (4, 8, 16)
BATCHES = (50, 200)


def epoch(batches, n, m):
    """One epoch of the Trainer's steps (learning step 0.05) on the batches' network, batch after batch."""
    order = np.arange(n)
    for k in range(n // m):
        x, y = batches.load(order[k * m : (k + 1) * m])
        step(batches.network, x, y, 0.05, batches.backprop)


def torch_epoch(F, X, labels, m):
    import torch

    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, F, 5, dtype=torch.float64),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(F * 12 * 12, 10, dtype=torch.float64),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")
    Xt, yt = torch.from_numpy(X.reshape(-1, 1, 28, 28)), torch.from_numpy(labels)

    def run():
        for k in range(len(X) // m):
            opt.zero_grad()
            loss_fn(model(Xt[k * m : (k + 1) * m]), yt[k * m : (k + 1) * m]).backward()
            opt.step()

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=6000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--plot", default="cnn_speed.png")
    args = parser.parse_args()
    n = args.samples
    rng = np.random.default_rng(0)
    X, labels = rng.random((n, 784)), rng.integers(0, 10, n)
    Y = np.eye(10)[labels]
    try:
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        torch_version = torch.__version__
    except ImportError:
        torch = None
    try:
        from tinynet.parallel.gpu import require_cupy

        cupy = require_cupy()
    except RuntimeError as e:
        cupy, gpu_note = None, f"gpu: not measured ({e})"
    else:
        gpu_note = f"gpu: {cupy.cuda.runtime.getDeviceProperties(0)['name'].decode()}, CuPy {cupy.__version__}"
    print(
        f"{os.cpu_count()} cores, numpy {np.__version__}; {time.strftime('%Y-%m-%d')}; one epoch = {n:,} images, "
        f"float64; seconds per epoch, medians of {args.repeats}\n"
    )
    head = (
        f"{'filters':>7}{'batch':>6}{'params':>8}{'plain':>8}{'sequential':>11}{'pool(2)':>9}{'gpu':>8}{'torch':>8}"
        f"{'plain/seq':>10}{'torch/seq':>10}"
    )
    print(head + "\n" + "-" * len(head))
    rows = []
    for F in FILTERS:
        for m in BATCHES:
            net = cnn(seed=0, filters=F)
            plain = ConvNet(**net.spec()[1], seed=0)  # the same layers and weights, the plain passes
            runs = {"plain": Batches(plain, X, Y), "sequential": Batches(net, X, Y)}
            runs["pool(2)"] = SharedMemoryBatches(cnn(seed=0, filters=F), X, Y, 2)
            if cupy is not None:
                gnet = net.to(cupy)
                runs["gpu"] = Batches(gnet, cupy.asarray(X), cupy.asarray(Y))
            times = {k: [] for k in list(runs) + (["torch"] if torch else [])}
            torch_run = torch_epoch(F, X, labels, m) if torch else None
            for _ in range(args.repeats):
                for key, batches in runs.items():
                    t = time.perf_counter()
                    epoch(batches, n, m)
                    if key == "gpu":
                        cupy.cuda.Device().synchronize()
                    times[key].append(time.perf_counter() - t)
                if torch_run:
                    t = time.perf_counter()
                    torch_run()
                    times["torch"].append(time.perf_counter() - t)
            runs["pool(2)"].close()
            med = {k: statistics.median(v) for k, v in times.items()}
            rows.append((F, m, net.params.size, med))
            cells = {
                k: f"{med[k]:.3f}" if k in med else "-" for k in ("plain", "sequential", "pool(2)", "gpu", "torch")
            }
            ratios = {
                k: f"{statistics.median(t / s for t, s in zip(times[k], times['sequential'])):.2f}x"
                if k in med
                else "-"
                for k in ("plain", "torch")
            }
            print(
                f"{F:>7}{m:>6}{net.params.size:>8}{cells['plain']:>8}{cells['sequential']:>11}{cells['pool(2)']:>9}"
                f"{cells['gpu']:>8}{cells['torch']:>8}{ratios['plain']:>10}{ratios['torch']:>10}",
                flush=True,
            )
    print(f"\n{'torch ' + torch_version + ' CPU eager' if torch else 'torch not installed'}; {gpu_note}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(BATCHES), figsize=(10, 3.8), sharey=True)
    for ax, m in zip(axes, BATCHES):
        mine = [r for r in rows if r[1] == m]
        for key in rows[0][3]:
            ax.plot([r[2] for r in mine], [r[3][key] for r in mine], "o-", label=key)
        ax.set(xlabel="parameters", title=f"batch {m}", xscale="log")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("seconds per epoch")
    fig.suptitle(f"Conv2D(F, 5) + MaxPool2D(2) + softmax, F = {', '.join(map(str, FILTERS))}")
    fig.tight_layout()
    fig.savefig(args.plot, dpi=90)
    print(f"plot saved to {args.plot}")


if __name__ == "__main__":
    main()
