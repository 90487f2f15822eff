"""Parallel Variable Distribution: each process improves its own block of the weights.

PVD splits the parameters θ into blocks. In one iteration every process p
starts from the same θ⁰ and takes a few gradient steps, free in its own block
θ_p; each other block q may only slide along a fixed direction d_q (minus the
gradient at θ⁰), by a scalar λ_q the process learns: the "forget-me-not" term
θ_q = θ⁰_q + λ_q d_q. Then the processes meet, and the best candidate (or
the combination of each one's own block, if better) becomes the next θ.
tinynet's PVDTrainer runs this inside the Trainer's loop, in a pool of
processes or, with workers=0, in one.
"""

import time

import numpy as np

from tinynet import ExponentialDecay, Trainer
from tinynet.data import train_validation_split
from tinynet.parallel.pvd import PVDTrainer, block_step
from tinynet.stable.schemes import ResNet
from tinynet.stable.toydata import ellipses
from tinynet.teach.lessonkit import Lesson, pyplot


def main(argv=None):
    lesson = Lesson(17, "Parallel Variable Distribution", argv)
    np.set_printoptions(precision=4, suppress=True)
    plt = pyplot()
    X, labels = ellipses(1200, seed=0)
    (Xt, yt), (Xv, yv) = train_validation_split(X, labels, 0.2, seed=0)

    lesson.stage("The blocks")
    net = ResNet(2, 2, width=4, layers=8, h=0.5, gamma=0.01, seed=0)
    blocks = net.blocks(2)
    # layers counted from 1: layer j+1 makes Y_(j+1) from Y_j with K_j, b_j
    for p, ((j0, j1), B) in enumerate(zip(net.layer_groups(2), blocks)):
        extra = " and the classifier W, μ" if p == 1 else ""
        print(f"block {p}: layers {j0 + 1} to {j1} (K_{j0}..K_{j1 - 1}){extra}: {B.size} parameters")
    lesson.check(
        "the blocks share out every parameter once",
        sorted(np.concatenate(blocks).tolist()) == list(range(net.params.size)),
    )

    lesson.stage("One iteration, process by process")
    idx = np.random.default_rng(0).choice(len(Xt), 50, replace=False)
    x, y = Xt[idx], np.eye(2)[yt[idx]]
    theta0 = net.params.copy()
    start = net.cost_of(x, y) / 50
    print(f"cost of the batch at θ⁰: {start:.4f}")
    candidates, costs = [], []
    for p in range(2):
        net.params[...] = theta0
        lam = block_step(net, x, y, blocks, p, eta_over_m=0.1 / 50, steps=5)  # η = 0.1, a batch of 50
        candidates.append(net.params.copy())
        costs.append(net.cost_of(x, y) / 50)
        q = 1 - p
        moved = net.params[blocks[q]] - theta0[blocks[q]]
        print(f"process {p}: block {p} free, block {q} moved by λ_{q} = {lam[q]:.4f} along d_{q}; cost {costs[-1]:.4f}")
        d = moved / np.linalg.norm(moved)
        lesson.check(
            f"process {p} moved block {q} only along its direction",
            np.allclose(np.abs(d @ _direction(theta0, net, x, y, blocks[q])), 1),
        )
    net.params[...] = theta0
    net.params[blocks[0]], net.params[blocks[1]] = candidates[0][blocks[0]], candidates[1][blocks[1]]
    combined = net.cost_of(x, y) / 50
    print(f"the combination (block 0 from process 0, block 1 from process 1): cost {combined:.4f}")
    best = min(costs + [combined])
    print(f"synchronisation: the next θ is the one with cost {best:.4f} (at θ⁰: {start:.4f})")
    lesson.check("the synchronisation lowers the batch's cost", best < start)

    lesson.stage("Training with PVD, and with plain gradient descent")
    # the settings of the tests: a ResNet of 16 layers, η decaying from 0.2 to 0.01 over 3,000 batches
    runs = {}
    for name, trainer in (("backprop", Trainer()), ("PVD", PVDTrainer(2, workers=0))):
        net = ResNet(2, 2, width=4, layers=16, h=0.5, gamma=0.01, seed=0)
        started = time.perf_counter()
        history = trainer.train(
            net,
            (Xt, yt),
            learning_step=ExponentialDecay(0.2, 0.01, 3000),
            batch_iterations=5,
            batch_size=50,
            max_batches_without_improvement=300,
            seed=0,
            max_batches=3000,
            progress=False,
        )
        runs[name] = (net, history)
        print(
            f"{name:<9} {history.batches:>5} batches  {time.perf_counter() - started:5.1f} s  "
            f"validation {net.evaluate(Xv, yv):.2%}"
        )
    pvd, history = runs["PVD"]
    wins = np.bincount(history.chosen, minlength=3)
    print(
        f"the synchronisation chose candidate 0 {wins[0]} times, candidate 1 {wins[1]} times\n"
        f"and the combination of their own blocks {wins[2]} times"
    )
    lesson.check("PVD reaches 98% on the ellipses", pvd.evaluate(Xv, yv) >= 0.98)
    same = []
    for workers in (0, 2):  # 100 batches in this process, then in two worker processes
        net = ResNet(2, 2, width=4, layers=16, h=0.5, gamma=0.01, seed=0)
        started = time.perf_counter()
        PVDTrainer(2, workers=workers).train(
            net,
            (Xt, yt),
            learning_step=0.2,
            batch_iterations=5,
            batch_size=50,
            max_batches_without_improvement=100,
            seed=0,
            max_batches=100,
            progress=False,
        )
        print(f"100 batches with workers={workers}: {time.perf_counter() - started:.2f} s")
        same.append(net.params)
    lesson.check("two processes give the one-process numbers", np.allclose(same[0], same[1], rtol=0, atol=1e-10))

    fig, ax = plt.subplots(figsize=(5, 3))
    for name in ("backprop", "PVD"):
        ax.plot(runs[name][1].costs, label=name, lw=1)
    ax.set(xlabel="batch", ylabel="cost per sample", yscale="log", title="ellipses, ResNet")
    ax.legend()
    lesson.figure(fig, "cost")
    return lesson.done()


def _direction(theta0, net, x, y, B):
    """The unit direction -g⁰_B of block B at θ⁰ on the batch (x, y)."""
    saved = net.params.copy()
    net.params[...] = theta0
    g = net.gradient(x, y)[B]
    net.params[...] = saved
    return -g / np.linalg.norm(g)


if __name__ == "__main__":
    raise SystemExit(main())
