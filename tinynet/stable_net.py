"""StableNet: what the four stable architectures share (see [`tinynet.stable`][tinynet.stable] for the equations).

Its parameters K_j, b_j, W, μ (and K_in, b_in), the opening layer that lifts
x to Y_0, the loop over the steps j = 0..N-1 forward and backward, and the
network contract of [`tinynet.base`][tinynet.base]. Each architecture
([`tinynet.stable_schemes`][tinynet.stable_schemes]) gives only its forward step and the matching
backward step.
"""

import math
import numbers

import numpy as np

from .activations import ACTIVATIONS, get_activation
from .arrays import check_dtype, make_rng
from .base import Network
from .costs import get_cost
from .stable_blocks import Blocks
from .stable_classifier import Classifier
from .stable_header import HeaderLine


class StableNet(Classifier, Blocks, HeaderLine, Network):
    """The shared parts: parameters, lifting, classifier, regularisation and the network contract.

    The classifier and the regularisation are in [`tinynet.stable_classifier`][tinynet.stable_classifier],
    the split into blocks of layers (PVD, synthetic gradients) in [`tinynet.stable_blocks`][tinynet.stable_blocks],
    the model-file line in [`tinynet.stable_header`][tinynet.stable_header].

    Args:
        inputs: features per sample.
        classes: outputs of the softmax classifier.
        width: n, the width of every layer (default ``inputs``).
        layers: N, the number of layers (time steps).
        h: the step size.
        activation: σ (any tinynet activation; tanh by default).
        gamma: γ ≥ 0 of the antisymmetric network (ignored by the others).
        alpha_f: the weight of the smoothness of K and b across layers (0: off).
        alpha_c: the weight of ½‖W‖² on the classifier (0: off).
        opening: how the inputs become Y_0: False pads them with zeros to the
            width n (n ≥ inputs); True passes them through an opening layer
            Y_0 = σ(K_in x + b_in) (any n: e.g. 784 pixels to 32 features).
        seed: seeds the initial weights, K_j, W, K_in ~ N(0, 1/columns), b = 0.
        dtype: ``numpy.float64`` or ``numpy.float32``.
        weights: optional initial weights instead: a dict {name: array} for any
            of K, b, W, mu, K_in, b_in (the others stay random), or one flat
            array laid out like ``params``.

    ``K`` (N, n, n) and ``b`` (N, n) hold every layer's K_j and b_j (``K[j]``
    is K_j); ``W`` (k, n) and ``mu`` (k,) the classifier's; ``K_in`` (n,
    inputs) and ``b_in`` (n,) the opening layer's (None without one). All are
    views of the one flat array ``params``, in that order.
    """

    kind = ""  # the architecture's name in ARCHITECTURES and in a model file
    header_key = "stablenet"

    def __init__(
        self,
        inputs,
        classes,
        width=None,
        layers=8,
        h=0.1,
        activation="tanh",
        gamma=0.0,
        alpha_f=0.0,
        alpha_c=0.0,
        opening=False,
        seed=None,
        dtype=np.float64,
        weights=None,
    ):
        inputs, classes, layers = _count("inputs", inputs), _count("classes", classes), _count("layers", layers)
        width = inputs if width is None else _count("width", width)
        if width < inputs and not opening:
            raise ValueError(f"width: expected at least the {inputs} inputs (or opening=True), got {width}")
        if not (_is_number(h) and h > 0):
            raise ValueError(f"h: expected a number > 0, got {h!r}")
        for name, value in (("gamma", gamma), ("alpha_f", alpha_f), ("alpha_c", alpha_c)):
            if not (_is_number(value) and value >= 0):
                raise ValueError(f"{name}: expected a number >= 0, got {value!r}")
        self.inputs, self.classes, self.n, self.N = inputs, classes, width, layers
        self.h, self.gamma, self.alpha_f, self.alpha_c = float(h), float(gamma), float(alpha_f), float(alpha_c)
        self.opening = bool(opening)
        try:
            self.sigma = get_activation(activation)
        except ValueError:
            raise ValueError(f"activation: expected one of {', '.join(ACTIVATIONS)}, got {activation!r}") from None
        self.activations = (get_activation("softmax"),)  # the classifier's: what cost_of hands the cost
        self.cost = get_cost("cross_entropy")
        self.dtype = check_dtype(dtype)
        self.sizes = [inputs, classes]  # what the trainers check
        rng = make_rng(seed)
        self.bind(np.zeros(self.param_count, self.dtype))
        self.K[...] = rng.standard_normal(self.K.shape) / np.sqrt(self.n)
        self.W[...] = rng.standard_normal(self.W.shape) / np.sqrt(self.n)
        if self.opening:
            self.K_in[...] = rng.standard_normal(self.K_in.shape) / np.sqrt(self.inputs)
        if weights is not None:
            self.set_weights(weights)

    # --- the parameters ------------------------------------------------------------------

    def param_shapes(self):
        """K (N, n, n), b (N, n), W (k, n), mu (k,), then with an opening layer K_in (n, inputs), b_in (n,)."""
        n, N, k = self.n, self.N, self.classes
        shapes = [("K", (N, n, n)), ("b", (N, n)), ("W", (k, n)), ("mu", (k,))]
        return shapes + ([("K_in", (n, self.inputs)), ("b_in", (n,))] if self.opening else [])

    def unpack(self, views):
        self.K, self.b, self.W, self.mu = views[:4]
        self.K_in, self.b_in = views[4:] if self.opening else (None, None)

    def set_weights(self, weights):
        """Copy in weights: a dict {name: array} (K, b, W, mu, K_in, b_in) or a flat array like ``params``."""
        if not isinstance(weights, dict):
            weights = np.asarray(weights)
            if weights.shape != self.params.shape:
                raise ValueError(
                    f"weights: expected a flat array of {self.params.size} values, got shape {weights.shape}"
                )
            self.params[...] = weights
            return
        mine = dict(self.named_params())
        for name, value in weights.items():
            if name not in mine:
                raise ValueError(f"weights: unknown block {name!r}; expected some of {', '.join(mine)}")
            value = np.asarray(value)
            if value.shape != mine[name].shape:
                raise ValueError(f"weights: {name} must have shape {mine[name].shape}, got {value.shape}")
            mine[name][...] = value

    def spec(self):
        return type(self), dict(
            inputs=self.inputs,
            classes=self.classes,
            width=self.n,
            layers=self.N,
            h=self.h,
            activation=self.sigma.name,
            gamma=self.gamma,
            alpha_f=self.alpha_f,
            alpha_c=self.alpha_c,
            opening=self.opening,
            dtype=self.dtype.name,
        )

    # --- the architecture's own steps ------------------------------------------------------

    def start(self, Y0):
        """S_0, the state before the first step: (Y_0,), or Y_0 with what the scheme carries."""
        return (Y0,)

    def start_back(self, G):
        """∂C/∂Y_0 from G = ∂C/∂S_0."""
        return G[0]

    def step(self, j, S):
        """Step j from the state S = S_j: (z, S_(j+1)), its weighted input and the state after it."""
        raise NotImplementedError

    def step_back(self, j, S, z, G, nabla_K, nabla_b):
        """Step j backwards, given its state S = S_j, its weighted input z and G = ∂C/∂S_(j+1).

        Adds ∂C/∂K_j and ∂C/∂b_j to ``nabla_K[j]`` and ``nabla_b[j]``; returns
        (delta, ∂C/∂S_j), delta = ∂C/∂z.
        """
        raise NotImplementedError

    # --- the pieces: lift, layers j0..j1 (and classify, from Classifier) ----------------------
    # (PVD and synthetic gradients run pieces of the network; forward and backward run them all.)

    def lift(self, x):
        """(z, Y_0) of a batch x.

        With an opening layer z = K_in x + b_in and Y_0 = σ(z); without one
        z = None and Y_0 is x zero-padded to the width n.
        """
        xp = self.xp
        if self.opening:
            z = x @ self.K_in.T + self.b_in
            return z, self.sigma(z, xp)
        Y0 = xp.zeros((x.shape[0], self.n), self.dtype)
        Y0[:, : self.inputs] = x
        return None, Y0

    def lift_back(self, x, z, G_Y0, grad):
        """The opening layer backwards, from G_Y0 = ∂C/∂Y_0; returns its delta.

        delta = ∂C/∂Y_0 ⊙ σ'(z); adds ∂C/∂K_in = delta xᵀ and ∂C/∂b_in = delta
        (summed over the batch) to ``grad``, a flat parameter-sized array.
        Without an opening layer there is nothing to learn: None.
        """
        if not self.opening:
            return None
        nabla_K_in, nabla_b_in = self.views(grad)[4:]
        delta = self.times_sigma_prime(z, G_Y0)
        nabla_K_in += delta.T @ x
        nabla_b_in += delta.sum(axis=0)
        return delta

    def run_layers(self, j0, j1, S):
        """Steps j0 .. j1-1 from the state S = S_j0.

        Returns their weighted inputs [z_j0, ..., z_(j1-1)] and the states [S_j0, ..., S_j1].
        """
        zs, states = [], [S]
        for j in range(j0, j1):
            z, S = self.step(j, S)
            zs.append(z)
            states.append(S)
        return zs, states

    def run_layers_back(self, j0, j1, zs, states, G, grad):
        """Steps j1-1 .. j0 backwards, from G = ∂C/∂S_j1: (their deltas [delta_j0, ...], ∂C/∂S_j0).

        ``zs`` and ``states`` are what [`run_layers`][tinynet.stable_net.StableNet.run_layers] returned for the
        same steps; ∂C/∂K_j and ∂C/∂b_j are added to ``grad``, a flat
        parameter-sized array.
        """
        nabla_K, nabla_b = self.views(grad)[:2]
        deltas = []
        for j in reversed(range(j0, j1)):
            delta, G = self.step_back(j, states[j - j0], zs[j - j0], G, nabla_K, nabla_b)
            deltas.append(delta)
        return deltas[::-1], G

    # --- the network contract: forward and backward over all the layers ----------------------------

    def forward(self, x, ws):
        """Feed a batch through every layer, keeping z and a of each in the workspace; return softmax(z).

        Y_0 from x (the opening layer, or zero-padding), then S_(j+1) from S_j
        for j = 0..N-1, then z = W Y_N + μ, a = softmax(z). ``ws.a[0]`` is x;
        ``ws.states`` keeps S_0 .. S_N as tuples for ``backward``.
        """
        z_in, Y0 = self.lift(x)
        zs, states = self.run_layers(0, self.N, self.start(Y0))
        z, a = self.classify(states[-1][0])
        ws.states = states
        ws.z = ([z_in] if self.opening else []) + zs + [z]
        # a one-part state is shown as its Y_(j+1), a pair as the pair
        ws.a = [x] + ([Y0] if self.opening else []) + [S[0] if len(S) == 1 else S for S in states[1:]] + [a]
        return a

    def backward(self, y, ws):
        """After ``forward``: delta of every layer into ``ws.delta``, ∂(C + m R)/∂params into ``ws.grad``.

        The classifier first (delta = a - y), then the steps in reverse
        (each step's ``step_back``), then the opening layer; C depends on S_N
        only through Y_N, so the rest of ∂C/∂S_N is zero. Last, m · ∂R/∂params.
        """
        xp, grad, N = self.xp, ws.grad, self.N
        grad[...] = 0
        S_N = ws.states[-1]
        delta, G_YN = self.classify_back(S_N[0], ws.a[-1], y, grad)
        G = (G_YN,) + tuple(xp.zeros_like(part) for part in S_N[1:])  # ∂C/∂S_N
        first = 1 if self.opening else 0  # where the steps' z begin in ws.z
        deltas, G = self.run_layers_back(0, N, ws.z[first : first + N], ws.states, G, grad)
        opening = [self.lift_back(ws.a[0], ws.z[0], self.start_back(G), grad)] if self.opening else []
        ws.delta = opening + deltas + [delta]
        self.add_regularisation(grad, len(y))  # times m: the trainers divide by m

    # --- what trace shows -------------------------------------------------------------------------

    def layer_names(self):
        """'opening tanh', then '<kind> tanh, Y_0 -> Y_1' for each step, then 'softmax'."""
        act = self.sigma.name
        steps = [f"{self.kind} {act}, Y_{j} -> Y_{j + 1}" for j in range(self.N)]
        return ([f"opening {act}"] if self.opening else []) + steps + ["softmax"]

    def layer_params(self, flat):
        """Per layer its blocks of a parameter-sized array, by name.

        {K_in, b_in} for the opening layer, {K: K_j, b: b_j} for step j, {W, mu} for the classifier.
        """
        blocks = dict(zip((name for name, _ in self.param_shapes()), self.views(flat)))
        layers = [{"K": blocks["K"][j], "b": blocks["b"][j]} for j in range(self.N)]
        layers.append({"W": blocks["W"], "mu": blocks["mu"]})
        if self.opening:
            layers.insert(0, {"K_in": blocks["K_in"], "b_in": blocks["b_in"]})
        return layers

    # --- the ODE view ---------------------------------------------------------------------------------

    def trajectory(self, x):
        """The states S_0 .. S_N of a batch (the 'ODE view'); the first entry of S_j is Y_j."""
        return self.run_layers(0, self.N, self.start(self.lift(self.check_x(x))[1]))[1]

    def times_sigma_prime(self, z, g):
        """g ⊙ σ'(z): an error g = ∂C/∂σ(z) carried back through σ."""
        xp = self.xp
        return self.sigma.backward(z, self.sigma(z, xp), g, xp.empty_like(z), xp)

    def __repr__(self):
        return (
            f"{type(self).__name__}(inputs={self.inputs}, classes={self.classes}, width={self.n}, "
            f"layers={self.N}, h={self.h}, activation={self.sigma.name!r}"
            + (f", gamma={self.gamma}" if self.gamma else "")
            + (f", alpha_f={self.alpha_f}" if self.alpha_f else "")
            + (f", alpha_c={self.alpha_c}" if self.alpha_c else "")
            + (", opening=True" if self.opening else "")
            + f", dtype={self.dtype.name})"
        )


def _count(name, value):
    """A whole number >= 1, or a ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected a whole number >= 1, got {value!r}")
    return int(value)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
