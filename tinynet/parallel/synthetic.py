"""Synthetic gradients: sub-networks that update without waiting for the backward pass.

[`SyntheticGradientTrainer`][tinynet.parallel.synthetic.SyntheticGradientTrainer] is the
[`Trainer`][tinynet.trainer.Trainer]'s loop with each step taken by n_stages decoupled
stages: one after another in this process (``workers=0``), or each in its own
process. The method itself (the stages,
their synthetic gradient modules and the schedule, with the equations) is in
[`tinynet.parallel.stages`][tinynet.parallel.stages].
"""

import numpy as np

from tinynet.parallel.pool import SharedMemoryBatches
from tinynet.parallel.protocol import Worker, serve
from tinynet.parallel.stages import Links, Mailbox, QueueLink, Stage, links_of, run_stage, run_stages
from tinynet.trainer import Batches, Trainer

# --- the trainer ------------------------------------------------------------------------------------


class SyntheticGradientTrainer(Trainer):
    """The [`Trainer`][tinynet.trainer.Trainer]'s algorithm with each step taken by n_stages decoupled stages.

    Args:
        stages: the number of sub-networks (one fewer synthetic gradient modules).
        workers: 0 runs the stages one after another in this process; None
            (the default) runs each stage in its own process, the stages
            passing states forward and gradients back through queues.
        sg_learning_step: ρ, the learning step of the synthetic gradient modules.
        blas_threads: BLAS threads per stage process.

    ``history.sg_losses[k]`` holds, for batch k+1, each module's mean
    regression loss ½‖ĝ - g‖² per sample over the batch's steps.
    """

    def __init__(self, stages=2, workers=None, sg_learning_step=0.3, blas_threads=1):
        super().__init__()
        if not (isinstance(stages, int) and stages >= 1):
            raise ValueError(f"stages: expected a positive integer, got {stages!r}")
        if not (isinstance(sg_learning_step, (int, float)) and 0 < sg_learning_step < float("inf")):
            raise ValueError(f"sg_learning_step: expected a positive number, got {sg_learning_step!r}")
        if workers not in (0, None):
            raise ValueError(f"workers: expected 0 (this process) or None (a process per stage), got {workers!r}")
        self.n_stages, self.workers, self.sg_rate, self.blas_threads = stages, workers, sg_learning_step, blas_threads

    def batches(self, network, X, Y, batch_size):
        if not hasattr(network, "layer_groups"):
            raise ValueError(f"network: synthetic gradients need a stable network, got {type(network).__name__}")
        network.layer_groups(self.n_stages)  # checks n_stages
        if self.workers == 0:
            self.held = LocalStages(network, X, Y, self.n_stages, self.sg_rate)
        else:
            self.held = StageProcesses(network, X, Y, self.n_stages, self.sg_rate, self.blas_threads)
        return self.held

    def train(self, network, *args, **kwargs):
        self.held = None
        history = super().train(network, *args, **kwargs)
        history.sg_losses = self.held.sg_losses if self.held is not None else []
        return history


class LocalStages(Batches):
    """The stages in this process, one after another, linked by mailboxes."""

    own_steps = True

    def __init__(self, network, X, Y, n_stages, sg_rate):
        super().__init__(network, X, Y)
        self.stages = [Stage(network, i, n_stages, sg_rate) for i in range(n_stages)]
        down, up = [Mailbox() for _ in range(n_stages - 1)], [Mailbox() for _ in range(n_stages - 1)]
        self.links = [links_of(i, n_stages, down, up) for i in range(n_stages)]
        self.sg_losses = []

    def load(self, idx):
        self.x, self.y = super().load(idx)
        return self.x, self.y

    def run(self, eta, steps):
        """``steps`` steps of every stage on the loaded batch, with η/m."""
        self.sg_losses.append(run_stages(self.stages, self.links, self.x, self.y, eta / len(self.x), steps))


class StageProcesses(SharedMemoryBatches):
    """A process per stage; X, Y and the parameters in shared memory, states and gradients through queues."""

    own_steps = True

    def __init__(self, network, X, Y, n_stages, sg_rate, blas_threads=1):
        self.n_stages, self.sg_rate = n_stages, sg_rate
        self.sg_losses, self.down, self.up = [], [], []
        super().__init__(network, X, Y, n_stages, blas_threads)

    def add_arrays(self, network, workers):
        from multiprocessing import get_context

        context = get_context("spawn")
        self.down = [context.Queue() for _ in range(self.n_stages - 1)]  # stage b -> b+1: states
        self.up = [context.Queue() for _ in range(self.n_stages - 1)]  # stage b+1 -> b: gradients
        self.losses = self.shared.add("sg_losses", np.zeros(max(self.n_stages - 1, 1)))

    def worker(self):
        return _stage_worker

    def worker_args(self, i):
        return self.n_stages, self.sg_rate, links_of(i, self.n_stages, self.down, self.up)

    def load(self, idx):
        idx = np.asarray(idx)
        self._ask([("load", idx)] * self.n_stages)
        self.m = len(idx)
        return self.X[idx], self.Y[idx]

    def run(self, eta, steps):
        """``steps`` steps of every stage, each in its process, with η/m."""
        self._ask([("run", eta / self.m, steps)] * self.n_stages)
        self.sg_losses.append(self.losses[: self.n_stages - 1].tolist())

    def close(self):
        super().close()
        for q in self.down + self.up:
            q.close()
            q.join_thread()


class StageWorker(Worker):
    """Stage i's process: ("load", idx) gathers the batch; ("run", eta_over_m, steps) takes the steps
    with the other stages."""

    def __init__(self, spec, arrays, i, n_stages, sg_rate, queues):
        super().__init__(spec, arrays)
        self.network.bind(arrays["params"])
        self.stage, self.losses = Stage(self.network, i, n_stages, sg_rate), arrays["sg_losses"]
        self.links = Links(*(None if q is None else QueueLink(q) for q in queues))

    def __call__(self, message):
        if message[0] == "load":
            self.load(message[1])
            return
        _, eta_over_m, steps = message
        loss = run_stage(self.stage, self.links, self.x, self.y, eta_over_m, steps)
        if loss is not None:
            self.losses[self.stage.i] = loss


def _stage_worker(conn, spec, description, i, n_stages, sg_rate, queues):
    serve(conn, description, lambda arrays: StageWorker(spec, arrays, i, n_stages, sg_rate, queues))
