"""Synthetic gradients: sub-networks that update without waiting for the backward pass.

Jaderberg et al., "Decoupled neural interfaces using synthetic gradients"
(2016). A stable network's layers are split into M sub-networks (stages);
stage i maps its input state h_i to h_(i+1). Ordinary backprop makes stage i
wait until every later stage has run forward and backward. Here stage i
(i < M-1) has a synthetic gradient module, a linear model

    ĝ_(i+1) = h_(i+1) A_i + y B_i + c_i          (A_i, B_i, c_i = 0 at the start)

that predicts the gradient ∂C/∂h_(i+1) from h_(i+1) and the sample's target y
(the paper's "conditional" module: the true gradient at the classifier,
(a - y) W, has a part linear in y that a model of h alone cannot see). So stage i runs forward,
takes ĝ as the error at its output, backpropagates it through its own layers
and updates at once. The gradient it then computes at its input, ∂C/∂h_i,
goes back to stage i-1 as the target its module learns to predict:

    A_i -> A_i - (ρ/m) h_(i+1)ᵀ (ĝ_(i+1) - g_(i+1)),   B_i -> B_i - (ρ/m) yᵀ (ĝ_(i+1) - g_(i+1)),
    c_i -> c_i - (ρ/m) Σ_samples (ĝ_(i+1) - g_(i+1))

(with ρ divided by 1 + the mean of ‖h‖² + ‖y‖², so that the modules cannot diverge)

where g_(i+1) is what stage i+1 sent back (itself computed from stage i+1's
own synthetic gradient, except at the last stage, which has the true cost).
The last stage holds the classifier and uses the true gradient.

The state between stages is everything the scheme carries (Y, or (Y, Z), or
(Y_j, Y_(j-1))), laid side by side as one matrix.

When a module learns from a gradient matters for the result. Here stage i,
before its step t, learns from the gradient of step t-2: late enough that
stage i never waits for stage i+1 to finish the same or the previous step (the
stages really run at the same time, like a pipeline), and fixed, so the
processes' results do not depend on timing: running the stages one after
another in one process (``workers=0``) gives the same numbers.
"""

import numpy as np

from .pool import SharedMemoryBatches, Worker, serve
from .trainer import Batches, Trainer

LAG = 2  # stage i learns from the gradient of step t - LAG before its step t


class SyntheticGradient:
    """A linear model ĝ = h A + y B + c predicting ∂C/∂h; it starts at zero (no signal before it learns)."""

    def __init__(self, size, classes=0, dtype=np.float64):
        self.A = np.zeros((size, size), dtype)
        self.B = np.zeros((classes, size), dtype)
        self.c = np.zeros(size, dtype)

    def __call__(self, h, y=None):
        g = h @ self.A + self.c
        return g if y is None or not len(self.B) else g + y @ self.B

    def learn(self, h, g, rate, y=None):
        """One step of gradient descent on ½/m Σ_samples ‖ĝ - g‖²; returns that loss before the step.

        The step is divided by 1 + the mean of ‖h‖² + ‖y‖² over the batch (the
        "normalised" least-mean-squares rule): any rate below 2 then shrinks
        the error instead of blowing it up, however large the states grow.
        """
        m = len(h)
        err = self(h, y) - g
        rate = rate / (1 + float((h ** 2).sum() + (0 if y is None else (y ** 2).sum())) / m)
        self.A -= (rate / m) * (h.T @ err)
        if y is not None and len(self.B):
            self.B -= (rate / m) * (y.T @ err)
        self.c -= (rate / m) * err.sum(axis=0)
        return 0.5 * float((err ** 2).sum()) / m


def pack(S):
    """A state tuple as one matrix, its parts side by side."""
    return np.hstack(S) if len(S) > 1 else S[0]


def unpack(H, parts):
    return list(np.hsplit(H, parts)) if parts > 1 else [H]


class Stage:
    """Stage i of M: layers j0..j1-1 of the network, plus the opening layer if first, the classifier if last.

    It updates only its own parameters (``network.blocks(M)[i]``), so the
    stages can share one parameter array while they run at the same time.
    """

    def __init__(self, network, i, M, sg_rate):
        self.net, self.i, self.sg_rate = network, i, sg_rate
        self.first, self.last = i == 0, i == M - 1
        self.j0, self.j1 = network.layer_groups(M)[i]
        self.own = network.blocks(M)[i]
        self.grads = np.zeros_like(network.params)
        self.parts = len(network.start(np.zeros((1, network.n))))  # matrices in a state
        self.sg = None if self.last else SyntheticGradient(self.parts * network.n, network.classes, network.dtype)
        self.sent = {}  # step -> the state this stage sent on (for its module's learning)
        self.losses = []  # its module's regression losses in the current batch

    def forward(self, t, x=None, h=None):
        """Run the layers on x (first stage) or on the state h from the stage before; return the new state."""
        S = self.net.start(self.net.lift(x)) if self.first else unpack(h, self.parts)
        self.states = self.net.forward(self.j0, self.j1, S)
        self.out = pack(self.states[-1])
        if not self.last:
            self.sent[t] = self.out
        return self.out

    def backward(self, x, y, c):
        """Backprop the error at the output (true at the last stage, synthetic elsewhere); update; return ∂C/∂h_i."""
        net, grads, m = self.net, self.grads, len(self.out)
        grads[...] = 0
        if self.last:
            YN = self.states[-1][0]
            G = [net.classify_back(YN, net.classify(YN)[1], y, grads)] + [np.zeros_like(s) for s in self.states[-1][1:]]
        else:
            G = unpack(self.sg(self.out, y), self.parts)
        G = net.backward(self.j0, self.j1, self.states, G, grads)
        if self.first:
            net.lift_back(x, net.start_back(G), grads)
        net.add_regularisation(grads, m, self.j0, self.j1)
        net.params[self.own] -= c * grads[self.own]
        return None if self.first else pack(G)

    def learn(self, t, g, y):
        """Train the synthetic gradient module on g, the gradient stage i+1 sent back for step t (targets y)."""
        self.losses.append(self.sg.learn(self.sent.pop(t), g, self.sg_rate, y))

    def batch_loss(self):
        """The module's mean regression loss over the batch just run (and a fresh start for the next)."""
        loss, self.losses = float(np.mean(self.losses)) if self.losses else float("nan"), []
        return loss


def run_stages(stages, x, y, c, steps):
    """``steps`` steps of every stage, one stage after another (the order each process keeps on its own)."""
    pending = [dict() for _ in stages]  # stage i's gradients waiting to be learned from, by step
    for t in range(steps):
        h = None
        for i, stage in enumerate(stages):
            if not stage.last and t >= LAG:
                stage.learn(t - LAG, pending[i].pop(t - LAG), y)
            h = stage.forward(t, x=x, h=h)
            g = stage.backward(x, y, c)
            if g is not None:
                pending[i - 1][t] = g
    for i, stage in enumerate(stages[:-1]):
        for t in sorted(pending[i]):
            stage.learn(t, pending[i].pop(t), y)
    return [stage.batch_loss() for stage in stages[:-1]]


class SyntheticGradientTrainer(Trainer):
    """The :class:`~tinynet.Trainer`'s algorithm with each step taken by M decoupled stages.

    Args:
        stages: M, the number of sub-networks (M - 1 synthetic gradient modules).
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
        self.M, self.workers, self.sg_rate, self.blas_threads = stages, workers, sg_learning_step, blas_threads

    def batches(self, network, X, Y, batch_size):
        if not hasattr(network, "layer_groups"):
            raise ValueError(f"network: synthetic gradients need a stable network, got {type(network).__name__}")
        network.layer_groups(self.M)  # checks M
        if self.workers == 0:
            self.held = LocalStages(network, X, Y, batch_size, self.M, self.sg_rate)
        else:
            self.held = StageProcesses(network, X, Y, self.M, self.sg_rate, self.blas_threads)
        return self.held

    def train(self, network, *args, **kwargs):
        self.held = None
        history = super().train(network, *args, **kwargs)
        history.sg_losses = self.held.sg_losses if self.held is not None else []
        return history


class LocalStages(Batches):
    """The stages in this process, one after another."""

    def __init__(self, network, X, Y, batch_size, M, sg_rate):
        self.X, self.Y = X, Y
        self.stages = [Stage(network, i, M, sg_rate) for i in range(M)]
        self.sg_losses = []

    def load(self, idx):
        self.x, self.y = self.X[idx], self.Y[idx]

    def run(self, c, steps):
        self.sg_losses.append(run_stages(self.stages, self.x, self.y, c, steps))


class StageProcesses(SharedMemoryBatches):
    """A process per stage; X, Y and the parameters in shared memory, states and gradients through queues."""

    def __init__(self, network, X, Y, M, sg_rate, blas_threads=1):
        self.M, self.sg_rate = M, sg_rate
        self.sg_losses, self.down, self.up = [], [], []
        super().__init__(network, X, Y, M, blas_threads)

    def add_arrays(self, network, workers):
        from multiprocessing import get_context

        context = get_context("spawn")
        self.down = [context.Queue() for _ in range(self.M - 1)]  # stage i -> i+1: states
        self.up = [context.Queue() for _ in range(self.M - 1)]  # stage i+1 -> i: gradients
        self.losses = self.shared.add("sg_losses", np.zeros(max(self.M - 1, 1)))

    def worker(self):
        return _stage_worker

    def worker_args(self, i):
        return (self.M, self.sg_rate, self.down[i - 1] if i else None, self.down[i] if i < self.M - 1 else None,
                self.up[i - 1] if i else None, self.up[i] if i < self.M - 1 else None)

    def load(self, idx):
        self._ask([("load", np.asarray(idx))] * self.M)

    def run(self, c, steps):
        self._ask([("run", c, steps)] * self.M)
        self.sg_losses.append(self.losses[:self.M - 1].tolist())

    def close(self):
        super().close()
        for q in self.down + self.up:
            q.close()
            q.join_thread()


class StageWorker(Worker):
    """Stage i's process: ("load", idx) gathers the batch; ("run", c, steps) takes the steps with the others."""

    def __init__(self, spec, arrays, i, M, sg_rate, queues):
        super().__init__(spec, arrays)
        self.network.bind(arrays["params"])
        self.stage, self.losses = Stage(self.network, i, M, sg_rate), arrays["sg_losses"]
        self.from_before, self.to_next, self.to_before, self.from_next = queues

    def __call__(self, message):
        if message[0] == "load":
            self.load(message[1])
            return
        _, c, steps = message
        stage, x, y = self.stage, self.ws.x, self.ws.y
        for t in range(steps):
            if not stage.last and t >= LAG:
                stage.learn(*_get(self.from_next, t - LAG), y)
            h = stage.forward(t, x=x, h=None if stage.first else _get(self.from_before, t)[1])
            if not stage.last:
                self.to_next.put((t, h))
            g = stage.backward(x, y, c)
            if g is not None:
                self.to_before.put((t, g))
        if not stage.last:
            for t in range(max(steps - LAG, 0), steps):
                stage.learn(*_get(self.from_next, t), y)
            self.losses[stage.i] = stage.batch_loss()


def _stage_worker(conn, spec, description, i, M, sg_rate, *queues):
    serve(conn, description, lambda arrays: StageWorker(spec, arrays, i, M, sg_rate, queues))


def _get(queue, t):
    """The next message of a queue, which must be step t's."""
    step, array = queue.get()
    if step != t:
        raise RuntimeError(f"expected the message of step {t}, got step {step}'s")
    return step, array
