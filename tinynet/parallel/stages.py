"""Synthetic gradients: the stages of a network, their modules, and the schedule every stage keeps.

Jaderberg et al., "Decoupled neural interfaces using synthetic gradients"
(2016). A stable network's layers are split into n_stages sub-networks (stages);
stage i maps its input state s_i to s_(i+1). Ordinary backprop makes stage i
wait until every later stage has run forward and backward. Here stage i
(i < n_stages - 1) has a synthetic gradient module, a linear model

    ĝ_(i+1) = s_(i+1) A_i + y B_i + c_i          (A_i, B_i, c_i = 0 at the start)

that predicts the gradient ∂C/∂s_(i+1) from s_(i+1) and the sample's target y
(the paper's "conditional" module: the true gradient at the classifier,
(a - y) W, has a part linear in y that a model of s alone cannot see). So stage i runs forward,
takes ĝ as the error at its output, backpropagates it through its own layers
and updates its own parameters θ_i at once, θ_i -> θ_i - (η/m) ∂C/∂θ_i. The
gradient it then computes at its input, ∂C/∂s_i, goes back to stage i-1 as
the target its module learns to predict:

    A_i -> A_i - (ρ/m) s_(i+1)ᵀ (ĝ_(i+1) - g_(i+1)),   B_i -> B_i - (ρ/m) yᵀ (ĝ_(i+1) - g_(i+1)),
    c_i -> c_i - (ρ/m) Σ_samples (ĝ_(i+1) - g_(i+1))

(with ρ divided by 1 + the mean of ‖s‖² + ‖y‖², so that the modules cannot diverge)

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
another in one process (``workers=0``) gives the same numbers. That schedule
is written once, in [`stage_step`][tinynet.parallel.stages.stage_step] and
[`stage_end`][tinynet.parallel.stages.stage_end]; only the links between the stages
differ (mailboxes in one process, queues between processes).
"""

from collections import namedtuple

import numpy as np

LAG = 2  # stage i learns from the gradient of step t - LAG before its step t


class SyntheticGradient:
    """A linear model ĝ = s A + y B + c predicting ∂C/∂s; it starts at zero (no signal before it learns)."""

    def __init__(self, size, classes=0, dtype=np.float64):
        self.A = np.zeros((size, size), dtype)
        self.B = np.zeros((classes, size), dtype)
        self.c = np.zeros(size, dtype)

    def __call__(self, s, y=None):
        """ĝ = s A + y B + c (without y: s A + c)."""
        g_hat = s @ self.A + self.c
        return g_hat if y is None or not len(self.B) else g_hat + y @ self.B

    def learn(self, s, g, rho, y=None):
        """One step of gradient descent on ½/m Σ_samples ‖ĝ - g‖²; returns that loss before the step.

        A -> A - (ρ'/m) hᵀ (ĝ - g),  B -> B - (ρ'/m) yᵀ (ĝ - g),  c -> c - (ρ'/m) Σ_samples (ĝ - g),
        with ρ' = ρ / (1 + the mean of ‖s‖² + ‖y‖² over the batch) (the
        "normalised" least-mean-squares rule): any ρ below 2 then shrinks the
        error instead of blowing it up, however large the states grow.
        """
        m = len(s)
        err = self(s, y) - g  # ĝ - g
        rate = rho / (1 + float((s**2).sum() + (0 if y is None else (y**2).sum())) / m)
        self.A -= (rate / m) * (s.T @ err)
        if y is not None and len(self.B):
            self.B -= (rate / m) * (y.T @ err)
        self.c -= (rate / m) * err.sum(axis=0)
        return 0.5 * float((err**2).sum()) / m


def join_state(S):
    """A state tuple as one matrix, its parts side by side (what travels between stages)."""
    return np.hstack(S) if len(S) > 1 else S[0]


def split_state(H, parts):
    """The state tuple a matrix of ``join_state`` holds."""
    return tuple(np.hsplit(H, parts)) if parts > 1 else (H,)


class Stage:
    """Stage i of n_stages: layers j0..j1-1 of the network, plus the opening layer if first, the classifier if last.

    It updates only its own parameters (``network.blocks(n_stages)[i]``), so the
    stages can share one parameter array while they run at the same time.
    """

    def __init__(self, network, i, n_stages, sg_rate):
        self.net, self.i, self.sg_rate = network, i, sg_rate
        self.first, self.last = i == 0, i == n_stages - 1
        self.j0, self.j1 = network.layer_groups(n_stages)[i]
        self.own = network.blocks(n_stages)[i]
        self.grad = np.zeros_like(network.params)
        self.parts = len(network.start(np.zeros((1, network.n), network.dtype)))  # matrices in a state
        self.sg = None if self.last else SyntheticGradient(self.parts * network.n, network.classes, network.dtype)
        self.sent = {}  # step -> the state this stage sent on (for its module's learning)
        self.losses = []  # its module's regression losses in the current batch

    def forward(self, t, x=None, s=None):
        """Run the layers on x (first stage) or on the state s from the stage before; return the new state s_(i+1)."""
        net = self.net
        if self.first:
            self.z_in, Y0 = net.lift(x)
            S = net.start(Y0)
        else:
            S = split_state(s, self.parts)
        self.zs, self.states = net.run_layers(self.j0, self.j1, S)
        self.out = join_state(self.states[-1])
        if not self.last:
            self.sent[t] = self.out
        return self.out

    def backward(self, x, y, eta_over_m):
        """Backprop the error at the output (true at the last stage, synthetic elsewhere), then
        θ_i -> θ_i - (η/m) ∂C/∂θ_i on this stage's own parameters; return ∂C/∂s_i (None at the first stage)."""
        net, grad, m = self.net, self.grad, len(self.out)
        grad[...] = 0
        S = self.states[-1]
        if self.last:  # the true error: the classifier's (C depends on the state through Y_N only)
            _, G_Y = net.classify_back(S[0], net.classify(S[0])[1], y, grad)
            G = (G_Y,) + tuple(np.zeros_like(part) for part in S[1:])
        else:  # the module's prediction of it
            G = split_state(self.sg(self.out, y), self.parts)
        _, G = net.run_layers_back(self.j0, self.j1, self.zs, self.states, G, grad)
        if self.first:
            net.lift_back(x, self.z_in, net.start_back(G), grad)
        net.add_regularisation(grad, m, self.j0, self.j1)
        net.params[self.own] -= eta_over_m * grad[self.own]
        return None if self.first else join_state(G)

    def learn(self, t, g, y):
        """Train the synthetic gradient module on g, the gradient stage i+1 sent back for step t (targets y)."""
        self.losses.append(self.sg.learn(self.sent.pop(t), g, self.sg_rate, y))

    def batch_loss(self):
        """The module's mean regression loss over the batch just run (and a fresh start for the next)."""
        loss, self.losses = float(np.mean(self.losses)) if self.losses else float("nan"), []
        return loss


# --- the schedule: written once, kept by every stage in one process or in its own -------------------

# What stage i talks to: states from stage i-1 and to stage i+1, gradients to stage i-1 and from
# stage i+1 (None where there is no such stage). Each link has put(t, array) and get(t).
Links = namedtuple("Links", "from_before to_next to_before from_next")


def links_of(i, n_stages, down, up):
    """Stage i's links, given per boundary b (between stages b and b+1) the link ``down[b]`` for states
    and ``up[b]`` for gradients."""
    first, last = i == 0, i == n_stages - 1
    return Links(
        None if first else down[i - 1], None if last else down[i], None if first else up[i - 1], None if last else up[i]
    )


class Mailbox:
    """A link within one process: step t's array, held until it is taken."""

    def __init__(self):
        self.held = {}

    def put(self, t, array):
        self.held[t] = array

    def get(self, t):
        return self.held.pop(t)


class QueueLink:
    """A link between processes: a queue whose next message must be step t's."""

    def __init__(self, queue):
        self.queue = queue

    def put(self, t, array):
        self.queue.put((t, array))

    def get(self, t):
        step, array = self.queue.get()
        if step != t:
            raise RuntimeError(f"expected the message of step {t}, got step {step}'s")
        return array


def stage_step(stage, t, x, y, eta_over_m, links):
    """Stage i's step t:

    1. (all but the last stage, from step LAG on) its module learns from the
       gradient stage i+1 sent back for step t - LAG;
    2. its layers run forward on x (first stage) or on the state stage i-1
       sent for step t; the new state goes on to stage i+1;
    3. it backpropagates (the true error at the last stage, its module's
       prediction elsewhere), updates its parameters, and sends ∂C/∂s_i
       back to stage i-1.
    """
    if not stage.last and t >= LAG:
        stage.learn(t - LAG, links.from_next.get(t - LAG), y)
    s = stage.forward(t, x=x, s=None if stage.first else links.from_before.get(t))
    if not stage.last:
        links.to_next.put(t, s)
    g = stage.backward(x, y, eta_over_m)
    if not stage.first:
        links.to_before.put(t, g)


def stage_end(stage, steps, y, links):
    """After the last step: the module learns from the gradients still to come (steps - LAG .. steps - 1).

    Returns its mean regression loss over the batch (None for the last stage, which has no module).
    """
    if stage.last:
        return None
    for t in range(max(steps - LAG, 0), steps):
        stage.learn(t, links.from_next.get(t), y)
    return stage.batch_loss()


def run_stages(stages, links, x, y, eta_over_m, steps):
    """``steps`` steps of every stage in this process: at each step, one stage after another."""
    for t in range(steps):
        for stage, stage_links in zip(stages, links):
            stage_step(stage, t, x, y, eta_over_m, stage_links)
    return [stage_end(stage, steps, y, stage_links) for stage, stage_links in zip(stages[:-1], links)]


def run_stage(stage, links, x, y, eta_over_m, steps):
    """``steps`` steps of one stage in its own process (the links wait for the other stages)."""
    for t in range(steps):
        stage_step(stage, t, x, y, eta_over_m, links)
    return stage_end(stage, steps, y, links)
