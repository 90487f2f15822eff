"""How long one epoch of training takes: tinynet's step against the NumPy step a learner writes.

    python benchmarks/epoch_speed.py              # all six cases, 5 repeats
    python benchmarks/epoch_speed.py --repeats 9  # more repeats, steadier medians
    python benchmarks/epoch_speed.py --quick      # 6,000 samples, 2 repeats: a smoke test
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/epoch_speed.py   # NumPy and torch on 1 thread

One epoch = 60,000 synthetic samples (timing does not depend on the values),
plain minibatch SGD with one gradient step per batch, sigmoid hidden layers,
softmax output and cross-entropy. For each case (see CASES) it times, in this
one process, and prints the medians over the repeats (rounds) of:

- step:  ``tinynet.step(network, x, y, eta)`` on each batch, called exactly as a
         learner calls it, on contiguous batches of data shuffled beforehand;
- plain: the step a learner writes from the lessons in plain NumPy (``plain_step``
         below), on the same batches, with its own weight and bias arrays;
- train: a whole ``Trainer().train`` epoch: random batches picked by the trainer,
         one step per batch, and its bookkeeping after every batch (the cost on
         the cost-estimation batch, the divergence guard, the history);
- torch: the same loop as "step" in PyTorch CPU eager (nn.Linear layers, SGD), on
         the same batches, if torch is installed.

step / plain is what tinynet's generality (any network kind, argument checks,
the flat parameter array) costs over the code a learner would write by hand;
train / torch compares a full training epoch with PyTorch's bare loop.

On a shared machine another program can slow everything down for a second or
two. So that such a burst slows the loops it compares alike, each round runs
step, plain and torch a tenth of an epoch at a time, taking turns (in an order
that rotates), and adds up each one's time; then a whole train epoch. On a
machine busy with other work, BLAS and torch running 2 threads each can wait on
a thread that is not scheduled, which slows them down many times over and
unevenly; one thread each (the last command above) keeps the comparison steady.
"""

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

from tinynet import NeuralNetwork, Trainer, step

# (layer sizes, dtype, batch size)
CASES = [
    ([784, 20, 10], "float64", 50),
    ([784, 20, 10], "float32", 50),
    ([784, 20, 10], "float64", 10),
    ([784, 100, 10], "float64", 50),
    ([784, 400, 200, 10], "float64", 100),
    ([784, 400, 200, 10], "float32", 100),
]
ETA = 0.1  # the learning step η
# Samples in Trainer.train's cost-estimation batch: 1, the fewest it takes. The trainer estimates
# the cost after every batch; with its default (all 60,000 samples) that estimate would take far
# longer than the training itself, and even 10 samples cost about 9% of a step of the large network
# (their forward pass). Here early stopping is off (a whole epoch is always trained), so the
# estimate decides nothing: with 1 sample what the "train" column adds to "step" is the trainer's
# own work per batch (picking a random batch, one sample's cost, the divergence guard, the history).
COST_SAMPLES = 1
CHUNKS = 10  # the loops take turns a tenth of an epoch at a time


def data(n, sizes, dtype, seed=0):
    """n random inputs and one-hot targets, in random order (so contiguous batches are random batches)."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, sizes[0])).astype(dtype)
    Y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], n)]
    return X, Y


def network(sizes, dtype):
    """The tinynet network of a case: sigmoid hidden layers, softmax output, cross-entropy."""
    activations = ["sigmoid"] * (len(sizes) - 2) + ["softmax"]
    return NeuralNetwork(sizes, activations, "cross_entropy", seed=0, dtype=dtype)


def batches(X, Y, m):
    """The epoch's batches of m samples, in order: (x, y) views of X and Y."""
    return [(X[start : start + m], Y[start : start + m]) for start in range(0, len(X) - m + 1, m)]


def plain_step(weights, biases, x, y, eta):
    """One step of gradient descent as a learner writes it in NumPy, in Nielsen's order.

    Forward z = a Wᵀ + b, a = σ(z) (a softmax on the output layer); backward
    from delta^L = a^L - y (softmax with cross-entropy); then, once every
    gradient is known, W -= (η/m) nabla_w and b -= (η/m) nabla_b.
    """
    L = len(weights)
    activations = [x]  # activations[l] is a^l
    for l, (W, b) in enumerate(zip(weights, biases)):
        z = activations[-1] @ W.T + b
        if l < L - 1:
            a = 1 / (1 + np.exp(-z))  # sigmoid
        else:
            e = np.exp(z - z.max(axis=1, keepdims=True))  # softmax, shifted by its row max
            a = e / e.sum(axis=1, keepdims=True)
        activations.append(a)
    nabla_w, nabla_b = [None] * L, [None] * L
    delta = activations[-1] - y  # softmax + cross-entropy
    for l in reversed(range(L)):
        if l < L - 1:
            a = activations[l + 1]
            delta = (delta @ weights[l + 1]) * a * (1 - a)
        nabla_w[l] = delta.T @ activations[l]
        nabla_b[l] = delta.sum(axis=0)
    m = len(x)
    for W, b, nw, nb in zip(weights, biases, nabla_w, nabla_b):
        W -= (eta / m) * nw
        b -= (eta / m) * nb


def step_epoch(net, epoch_batches):
    """One epoch of tinynet's ``step``, as a learner calls it."""
    for x, y in epoch_batches:
        step(net, x, y, ETA)


def plain_epoch(weights, biases, epoch_batches):
    """One epoch of ``plain_step``."""
    for x, y in epoch_batches:
        plain_step(weights, biases, x, y, ETA)


def train_epoch(net, X, Y, m, seed=0):
    """One epoch of ``Trainer().train``: len(X) // m random batches, one step each; its History."""
    n_batches = len(X) // m
    return Trainer().train(
        net,
        (X, Y),
        ETA,
        batch_iterations=1,
        batch_size=m,
        max_batches_without_improvement=n_batches + 1,  # never stop early: always a whole epoch
        cost_estimator_batch_size=COST_SAMPLES,
        seed=seed,
        max_batches=n_batches,
        progress=False,
    )


def torch_model(sizes, dtype):
    """The same network in PyTorch: nn.Linear layers, sigmoid between them (softmax is in the loss)."""
    import torch

    tdtype = torch.float64 if dtype == "float64" else torch.float32
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(n_in, n_out, dtype=tdtype))
        if k < len(sizes) - 2:
            layers.append(torch.nn.Sigmoid())
    return torch.nn.Sequential(*layers)


def torch_loop(model, epoch_batches):
    """A function ``loop(i, j)`` running batches i to j-1 of the same loop in PyTorch CPU eager (SGD on ``model``)."""
    import torch

    opt = torch.optim.SGD(model.parameters(), lr=ETA)
    loss_fn = torch.nn.CrossEntropyLoss()  # the mean over the batch: the step is (η/m) times the summed gradient
    tensors = [(torch.from_numpy(x), torch.from_numpy(y.argmax(axis=1))) for x, y in epoch_batches]

    def loop(i, j):
        for x, labels in tensors[i:j]:
            opt.zero_grad()
            loss_fn(model(x), labels).backward()
            opt.step()

    return loop


def loops_for(sizes, dtype, m, n):
    """What one case times: the loops ``loop(i, j)`` over batches i to j-1, by column name, and a train epoch."""
    X, Y = data(n, sizes, dtype)
    epoch_batches = batches(X, Y, m)
    net, plain_net, train_net = network(sizes, dtype), network(sizes, dtype), network(sizes, dtype)
    weights = [W.copy() for W in plain_net.weights]  # a learner's own arrays
    biases = [b.copy() for b in plain_net.biases]
    loops = {
        "step": lambda i, j: step_epoch(net, epoch_batches[i:j]),
        "plain": lambda i, j: plain_epoch(weights, biases, epoch_batches[i:j]),
    }
    try:
        loops["torch"] = torch_loop(torch_model(sizes, dtype), epoch_batches)
    except ImportError:
        pass  # no torch: no torch column
    return loops, len(epoch_batches), lambda: train_epoch(train_net, X, Y, m)


def time_round(loops, n_batches, r):
    """Seconds each loop takes over the whole epoch, the loops taking turns a chunk of batches at a time.

    ``r`` rotates the order of the turns, so that no loop always goes first.
    """
    names, seconds = list(loops), dict.fromkeys(loops, 0.0)
    size = -(-n_batches // CHUNKS)  # batches per chunk, rounded up
    for c, i in enumerate(range(0, n_batches, size)):
        k = (r + c) % len(names)
        for name in names[k:] + names[:k]:
            start = time.perf_counter()
            loops[name](i, min(i + size, n_batches))
            seconds[name] += time.perf_counter() - start
    return seconds


def time_case(loops, n_batches, train, repeats):
    """Median seconds per epoch of each loop and of ``train``, over ``repeats`` rounds."""
    times = {name: [] for name in [*loops, "train"]}
    for r in range(repeats):
        for name, seconds in time_round(loops, n_batches, r).items():
            times[name].append(seconds)
        start = time.perf_counter()
        train()
        times["train"].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def blas_name():
    """The BLAS NumPy was built with (name and version), and its threads where threadpoolctl can tell."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        name = f"{blas['name']} {blas.get('version', '')}".strip()
    except Exception:
        name = "an unknown BLAS"
    try:
        from threadpoolctl import threadpool_info

        threads = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
        return f"{name}, {threads[0]} thread{'s' * (threads[0] != 1)}" if threads else name
    except ImportError:
        return name


def describe_machine():
    """Date, machine and command (with the thread settings it ran under), for the table's caption."""
    settings = [f"{v}={os.environ[v]} " for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS") if v in os.environ]
    return (
        f"date: {time.strftime('%Y-%m-%d')}\n"
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, numpy {np.__version__} with {blas_name()}\n"
        f"command: {''.join(settings)}python {' '.join(sys.argv)}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=60000, help="samples per epoch")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds; medians are printed")
    parser.add_argument("--quick", action="store_true", help="6,000 samples, 2 repeats: a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.samples, args.repeats = 6000, 2
    print(describe_machine())
    print(f"one epoch = {args.samples:,} samples; seconds per epoch, medians of {args.repeats} interleaved runs\n")
    header = f"{'case':<34}{'step':>8}{'plain':>8}{'step/plain':>12}{'train':>8}{'torch':>8}{'train/torch':>13}"
    print(header + "\n" + "-" * len(header))
    for sizes, dtype, m in CASES:
        med = time_case(*loops_for(sizes, dtype, m, args.samples), args.repeats)
        torch_cells = f"{'-':>8}{'-':>13}"
        if "torch" in med:
            torch_cells = f"{med['torch']:>8.3f}{med['train'] / med['torch']:>12.2f}x"
        print(
            f"{f'{sizes} {dtype} b{m}':<34}{med['step']:>8.3f}{med['plain']:>8.3f}"
            f"{med['step'] / med['plain']:>11.2f}x{med['train']:>8.3f}{torch_cells}",
            flush=True,
        )
    try:
        import torch

        threads = torch.get_num_threads()
        print(f"\ntorch {torch.__version__} CPU eager, {threads} thread{'s' * (threads != 1)}")
    except ImportError:
        print("\ntorch not installed (pip install torch==2.13.0 for the comparison)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
