"""Parallel Variable Distribution: each process improves its own block of the parameters.

Ferris & Mangasarian (1994), Solodov (1998). The parameters θ are split into
blocks θ_1, θ_2, ... (here: runs of neighbouring layers of a stable network).
One PVD iteration from θ⁰ on a batch, with the step η/m:

    parallel step, process p:
        d = -g⁰ / ‖g⁰‖ per block, g⁰ = ∂C/∂θ at θ⁰     (the "forget-me-not" direction)
        the variables: its own block θ_p, and one scalar λ_q for every other block,
        which may move only along its direction:  θ_q = θ⁰_q + λ_q d_q
        `steps` steps of gradient descent on them:
            θ_p -> θ_p - (η/m) ∂C/∂θ_p
            λ_q -> λ_q - (η/m) ∂C/∂λ_q,     ∂C/∂λ_q = (∂C/∂θ_q) · d_q
    synchronisation:
        θ¹ = the lowest-cost point on the batch among the candidates (one per block) and their
        combination: each block taken from the process that was free in it.

Each process works on all of θ (the cost depends on all of it) but is free in
one block only; the others move along the fixed direction, scaled by the
scalars it learns. The synchronisation of the original method minimises over
the combinations of the candidates; trying the candidates and the one
combination that keeps every process's own block is a cheap case of it (one
more cost on the batch), and what [`PVDTrainer`][tinynet.parallel.pvd.PVDTrainer] does.

[`PVDTrainer`][tinynet.parallel.pvd.PVDTrainer] is the [`Trainer`][tinynet.trainer.Trainer]'s loop (batches, early
stopping, history) with step 3 replaced by one PVD iteration, run by a pool of
processes that share the data and the parameters (as
[`PoolTrainer`][tinynet.parallel.pool.PoolTrainer]'s do), or with ``workers=0`` by this process
alone, one block after another (the same numbers: the path for the lessons
and the debugger).
"""

import numpy as np

from tinynet.parallel.pool import SharedMemoryBatches
from tinynet.parallel.protocol import Worker, serve
from tinynet.trainer import Batches, Trainer


def block_step(network, x, y, blocks, p, eta_over_m, steps, xp=np):
    """Process p's part of a PVD iteration on the batch (x, y): ``steps`` steps on block p and on the scalars λ_q.

    ``network.params`` is θ⁰ on entry and the candidate on exit. Returns λ (λ_p stays 0).
    """
    theta0 = network.params.copy()
    lam = np.zeros(len(blocks))
    d = None
    for _ in range(steps):
        g = network.gradient(x, y)  # ∂C/∂θ summed over the batch
        if d is None:  # the first step is at θ⁰: d = -g⁰/‖g⁰‖, block by block
            d = -g
            for B in blocks:
                d[B] /= max(float(xp.linalg.norm(d[B])), 1e-300)
        own = blocks[p]
        network.params[own] -= eta_over_m * g[own]
        for q, B in enumerate(blocks):
            if q != p:
                lam[q] -= eta_over_m * float(g[B] @ d[B])
                network.params[B] = theta0[B] + lam[q] * d[B]
    return lam


def synchronise(network, candidates, costs, blocks, x, y, combine=True):
    """θ¹ = the best candidate, or their combination if it costs less on the batch (x, y).

    The combination takes block p from candidate p. Returns the winner's
    number, n_blocks for the combination.
    """
    best = int(np.argmin(costs))
    if combine and len(blocks) > 1:
        for p, B in enumerate(blocks):
            network.params[B] = candidates[p][B]
        if network.cost_of(x, y) < costs[best]:
            return len(blocks)
    network.params[...] = candidates[best]
    return best


class PVDTrainer(Trainer):
    """The [`Trainer`][tinynet.trainer.Trainer]'s algorithm, each batch trained by one PVD iteration.

    Args:
        blocks: the number of parameter blocks (and of candidates per iteration).
        workers: processes that share the blocks (default: one per block); 0
            runs them one after another in this process.
        combine: also try the combination of the candidates' own blocks.
        blas_threads: BLAS threads per worker process.

    ``train`` takes [`Trainer.train`][tinynet.trainer.Trainer.train]'s arguments; ``batch_iterations``
    is the number of steps each process takes in an iteration. The network
    must offer ``blocks(n_blocks)`` (the stable networks of [`tinynet.stable`][tinynet.stable] do).
    ``history.chosen`` lists the block whose candidate won each iteration
    (n_blocks: the combination).
    """

    def __init__(self, blocks=2, workers=None, combine=True, blas_threads=1):
        super().__init__()
        workers = blocks if workers is None else workers
        if not (isinstance(blocks, int) and blocks >= 1):
            raise ValueError(f"blocks: expected a positive integer, got {blocks!r}")
        if not (isinstance(workers, int) and 0 <= workers):
            raise ValueError(f"workers: expected 0 (this process) or a positive integer, got {workers!r}")
        self.n_blocks, self.workers, self.combine, self.blas_threads = (
            blocks,
            min(workers, blocks),
            combine,
            blas_threads,
        )
        self.chosen = []

    def batches(self, network, X, Y, batch_size):
        if not hasattr(network, "blocks"):
            raise ValueError(f"network: PVD needs a network with blocks(n_blocks), got {type(network).__name__}")
        network.blocks(self.n_blocks)  # checks n_blocks
        self.chosen = []
        if self.workers == 0:
            return LocalPVD(network, X, Y, self.n_blocks, self.chosen, self.combine)
        return PoolPVD(network, X, Y, self.workers, self.n_blocks, self.chosen, self.combine, self.blas_threads)

    def train(self, network, *args, **kwargs):
        history = super().train(network, *args, **kwargs)
        history.chosen = self.chosen
        return history


class LocalPVD(Batches):
    """PVD iterations in this process: the blocks' parallel steps one after another."""

    own_steps = True

    def __init__(self, network, X, Y, n_blocks, chosen, combine=True):
        super().__init__(network, X, Y)
        self.blocks, self.chosen, self.combine = network.blocks(n_blocks), chosen, combine
        self.candidates = np.empty((n_blocks, network.params.size), network.dtype)

    def load(self, idx):
        self.x, self.y = super().load(idx)
        return self.x, self.y

    def run(self, eta, steps):
        """One PVD iteration on the loaded batch: each block's ``steps`` steps with η/m, then the synchronisation."""
        x, y, eta_over_m = self.x, self.y, eta / len(self.x)
        theta0 = self.network.params.copy()
        costs = []
        for p in range(len(self.blocks)):
            self.network.params[...] = theta0
            block_step(self.network, x, y, self.blocks, p, eta_over_m, steps)
            self.candidates[p] = self.network.params
            costs.append(self.network.cost_of(x, y))
        self.chosen.append(synchronise(self.network, self.candidates, costs, self.blocks, x, y, self.combine))


class PoolPVD(SharedMemoryBatches):
    """PVD iterations over worker processes: worker w takes the blocks w, w + workers, ...

    The data, θ⁰ (``network.params``), one candidate row per block and the
    candidates' costs live in shared memory; per iteration a message goes to
    each worker and the main process copies the winner into θ.
    """

    own_steps = True

    def __init__(self, network, X, Y, workers, n_blocks, chosen, combine=True, blas_threads=1):
        self.n_blocks, self.chosen, self.combine, self.blocks = n_blocks, chosen, combine, network.blocks(n_blocks)
        super().__init__(network, X, Y, workers, blas_threads)

    def add_arrays(self, network, workers):
        self.candidates = self.shared.add("candidates", np.zeros((self.n_blocks, network.params.size), network.dtype))
        self.costs = self.shared.add("costs", np.zeros(self.n_blocks))

    def worker(self):
        return _pvd_worker

    def load(self, idx):
        idx = np.asarray(idx)
        self._ask([("load", idx)] * self.workers)  # every worker needs the whole batch
        self.x, self.y = self.X[idx], self.Y[idx]  # for the synchronisation
        return self.x, self.y

    def run(self, eta, steps):
        """One PVD iteration on the loaded batch, the blocks' steps spread over the workers."""
        eta_over_m = eta / len(self.x)
        self._ask(
            [
                ("pvd", self.n_blocks, list(range(w, self.n_blocks, self.workers)), eta_over_m, steps)
                for w in range(self.workers)
            ]
        )
        self.chosen.append(
            synchronise(self.network, self.candidates, self.costs, self.blocks, self.x, self.y, self.combine)
        )


class PVDWorker(Worker):
    """("load", idx) gathers the whole batch; ("pvd", n_blocks, ps, eta_over_m, steps) writes the candidates ps
    and their costs."""

    def __init__(self, spec, arrays):
        super().__init__(spec, arrays)  # its network has its own θ: the candidate it works on
        self.params, self.candidates, self.costs = arrays["params"], arrays["candidates"], arrays["costs"]

    def __call__(self, message):
        if message[0] == "load":
            self.load(message[1])
            return
        _, n_blocks, ps, eta_over_m, steps = message
        network = self.network
        blocks = network.blocks(n_blocks)
        for p in ps:
            network.params[...] = self.params
            block_step(network, self.x, self.y, blocks, p, eta_over_m, steps)
            self.candidates[p] = network.params
            self.costs[p] = network.cost_of(self.x, self.y)


def _pvd_worker(conn, spec, description, slot):
    serve(conn, description, lambda arrays: PVDWorker(spec, arrays))
