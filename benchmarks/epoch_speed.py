"""How long one epoch of training takes, against the floor of its matrix products.

    python benchmarks/epoch_speed.py            # all four cases, 5 repeats
    python benchmarks/epoch_speed.py --quick    # fewer samples, for a smoke test

One epoch = 60,000 samples (synthetic: timing does not depend on the values),
plain minibatch SGD, one gradient step per batch, sigmoid hidden layers,
softmax + cross-entropy:

    W1 = [784, 20, 10] at batch 50,   W2 = [784, 400, 200, 10] at batch 100,

in float64 and float32. For each case it times, interleaved and repeated
(medians), in this one process:

- floor:   the same matrix products a step makes (forward z = a Wᵀ, the back-
           propagated delta W, the gradient deltaᵀ a) into preallocated arrays,
           and nothing else: no implementation can beat it here;
- bare:    the same steps written as a straight run of NumPy calls, with a
           one-pass update (see ``bare_epoch``): the least NumPy itself costs;
- tinynet: ``Trainer.step`` on each batch, the very code ``Trainer.train`` runs,
           on contiguous batches of data shuffled beforehand (as the floor);
- gather:  what ``Trainer.train`` adds to pick random batches: the rows of each
           batch copied into the workspace (``np.take``), timed on its own;
- torch:   the same loop in PyTorch CPU eager (if installed), SGD on nn.Linear layers,
           on the same contiguous batches;
- per-sample: W1 only, the classic loop (backprop one sample at a time, tinynet's
           own backprop on batches of 1) on a slice, scaled to an epoch.
"""

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

from tinynet import NeuralNetwork, Trainer, Workspace

CASES = [("W1", [784, 20, 10], 50), ("W2", [784, 400, 200, 10], 100)]


def data(n, sizes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, sizes[0])).astype(dtype)
    Y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], n)]
    return X, Y


def network(sizes, dtype):
    return NeuralNetwork(sizes, ["sigmoid"] * (len(sizes) - 2) + ["softmax"], "cross_entropy", seed=0, dtype=dtype)


def tinynet_epoch(net, X, Y, m, order):
    """One epoch through Trainer.step on contiguous batches (the data was shuffled beforehand)."""
    trainer, ws = Trainer(), Workspace(net, m)
    for start in range(0, len(X) - m + 1, m):
        trainer.step(net, X[start : start + m], Y[start : start + m], 0.1, ws)


def gather_epoch(net, X, Y, m, order):
    """Only the picking of random batches as ``Trainer.train`` does it: rows gathered into the workspace."""
    ws = Workspace(net, m)
    for start in range(0, len(X) - m + 1, m):
        idx = order[start : start + m]
        np.take(X, idx, axis=0, out=ws.x)
        np.take(Y, idx, axis=0, out=ws.y)


def floor_epoch(net, X, Y, m, order):
    """The matrix products of the same epoch and nothing else."""
    ws = Workspace(net, m)
    for arrays in (ws.z, ws.a[1:], ws.g, ws.delta):
        for arr in arrays:
            arr[...] = 0.01
    W, nabla_w = net.weights, net.gradients(ws)[0]
    L = len(W)
    for start in range(0, len(X) - m + 1, m):
        a = X[start : start + m]  # contiguous: no gather, to keep only the products
        for i in range(L):
            np.matmul(a if i == 0 else ws.a[i], W[i].T, out=ws.z[i])
        for i in reversed(range(L)):
            if i < L - 1:
                np.matmul(ws.delta[i + 1], W[i + 1], out=ws.g[i])
            np.matmul(ws.delta[i].T, a if i == 0 else ws.a[i], out=nabla_w[i])


def bare_epoch(net, X, Y, m, order):
    """The least NumPy can do: the same steps as a straight run of NumPy calls on arrays bound beforehand.

    No classes, checks or dispatch, and the learning rate rides in the output
    error (backprop is linear in it: every gradient comes out scaled), so the
    update is one pass, params -= grad. Sigmoid hidden layers, softmax output,
    cross-entropy, as in CASES. What it takes beyond the floor is what NumPy
    itself costs per call and per pass over memory.
    """
    ws = Workspace(net, m)
    W, b, L = net.weights, net.biases, len(net.weights)
    (z, a, g, delta), (nabla_w, nabla_b) = (ws.z, ws.a, ws.g, ws.delta), net.gradients(ws)
    ones, k_ones, row_max = ws.ones, np.ones((net.sizes[-1], 1), net.dtype), np.empty((m, 1), net.dtype)
    params, grad, c = net.params, ws.grad, 0.1 / m
    for start in range(0, len(X) - m + 1, m):
        a[0], y = X[start : start + m], Y[start : start + m]
        for i in range(L):
            np.matmul(a[i], W[i].T, out=z[i])
            z[i] += b[i]
            if i < L - 1:  # sigmoid, as (1 + tanh(z/2)) / 2
                np.multiply(z[i], 0.5, out=a[i + 1])
                np.tanh(a[i + 1], out=a[i + 1])
                a[i + 1] += 1
                a[i + 1] *= 0.5
        np.maximum.reduce(z[-1], axis=1, keepdims=True, out=row_max)  # softmax
        np.subtract(z[-1], row_max, out=a[-1])
        np.exp(a[-1], out=a[-1])
        a[-1] /= a[-1] @ k_ones
        np.subtract(a[-1], y, out=delta[-1])
        delta[-1] *= -c
        for i in reversed(range(L)):
            if i < L - 1:
                np.matmul(delta[i + 1], W[i + 1], out=g[i])
                np.multiply(a[i + 1], a[i + 1], out=delta[i])
                np.subtract(a[i + 1], delta[i], out=delta[i])
                delta[i] *= g[i]
            np.matmul(delta[i].T, a[i], out=nabla_w[i])
            np.matmul(ones, delta[i], out=nabla_b[i])
        params += grad


def per_sample_epoch(net, X, Y, m, order, n_slice):
    """The classic loop: backprop one sample at a time, sum, then step. Scaled to len(X)."""
    ws = Workspace(net, 1)
    grad = np.zeros_like(net.params)
    for start in range(0, n_slice - m + 1, m):
        grad[...] = 0
        for i in order[start : start + m]:
            net.backprop(X[i : i + 1], Y[i : i + 1], ws=ws)
            grad += ws.grad
        net.params -= (0.1 / m) * grad


def torch_epoch_factory(sizes, dtype):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", os.cpu_count() or 1)))
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(n_in, n_out, dtype=tdtype))
        if k < len(sizes) - 2:
            layers.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch(net, X, Y, m, order):
        Xt, yt = torch.from_numpy(X), torch.from_numpy(Y.argmax(axis=1))
        for start in range(0, len(X) - m + 1, m):
            opt.zero_grad()
            loss_fn(model(Xt[start : start + m]), yt[start : start + m]).backward()
            opt.step()

    return epoch, torch.__version__


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="6,000 samples, 2 repeats")
    args = parser.parse_args()
    if args.quick:
        args.samples, args.repeats = 6000, 2
    n = args.samples
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, numpy {np.__version__}; {time.strftime('%Y-%m-%d')}"
    )
    print(f"one epoch = {n:,} samples; median of {args.repeats} interleaved runs; seconds per epoch\n")
    header = (
        f"{'case':<16}{'floor':>8}{'bare':>8}{'/floor':>8}{'tinynet':>9}{'/floor':>8}{'gather':>8}"
        f"{'torch':>8}{'torch/tinynet':>14}"
    )
    print(header)
    print("-" * len(header))
    for name, sizes, m in CASES:
        for dtype in (np.float64, np.float32):
            X, Y = data(n, sizes, dtype)
            order = np.random.default_rng(1).permutation(n)
            runs = {"floor": floor_epoch, "bare": bare_epoch, "tinynet": tinynet_epoch, "gather": gather_epoch}
            torch_run = torch_epoch_factory(sizes, dtype)
            if torch_run:
                runs["torch"] = torch_run[0]
            times = {k: [] for k in runs}
            net = network(sizes, dtype)
            for _ in range(args.repeats):
                for key, run in runs.items():
                    t = time.perf_counter()
                    run(net, X, Y, m, order)
                    times[key].append(time.perf_counter() - t)
            med = {k: statistics.median(v) for k, v in times.items()}
            label = f"{name} {np.dtype(dtype).name} b{m}"
            torch_cols = (
                f"{med['torch']:>8.3f}{med['torch'] / med['tinynet']:>13.2f}x"
                if "torch" in med
                else f"{'-':>8}{'-':>14}"
            )
            print(
                f"{label:<16}{med['floor']:>8.3f}{med['bare']:>8.3f}{med['bare'] / med['floor']:>7.2f}x"
                f"{med['tinynet']:>9.3f}"
                f"{med['tinynet'] / med['floor']:>7.2f}x{med['gather']:>8.3f}{torch_cols}",
                flush=True,
            )
    if torch_run:
        print(f"\ntorch {torch_run[1]} CPU eager, {os.environ.get('TORCH_THREADS', os.cpu_count())} threads")
    else:
        print("\ntorch not installed (pip install torch==2.13.0 for the comparison)")

    # What vectorizing over the batch buys: the classic per-sample loop on W1.
    sizes, m = CASES[0][1], CASES[0][2]
    X, Y = data(n, sizes, np.float64)
    order = np.random.default_rng(1).permutation(n)
    n_slice = min(n, 3000)
    net = network(sizes, np.float64)
    t = time.perf_counter()
    per_sample_epoch(net, X, Y, m, order, n_slice)
    per_sample = (time.perf_counter() - t) * n / n_slice
    t = time.perf_counter()
    tinynet_epoch(net, X, Y, m, order)
    vectorized = time.perf_counter() - t
    print(
        f"\nW1 float64, per-sample loop ({n_slice:,} samples, scaled to {n:,}): {per_sample:.2f} s per epoch; "
        f"vectorized over the batch: {vectorized:.3f} s ({per_sample / vectorized:.0f}x faster)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
