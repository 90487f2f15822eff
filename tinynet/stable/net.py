"""StableNet: what the four stable architectures share (see [`tinynet.stable`][tinynet.stable] for the equations).

Its parameters K_j, b_j, W, μ (and K_in, b_in), the opening layer that lifts
x to Y_0, the loop over the layers j = 0..N-1 forward and backward, the
classifier softmax(W Y_N + μ) and the regularisation R, the split into blocks
of neighbouring layers that PVD and synthetic gradients use, and the network
contract of [`tinynet.base`][tinynet.base]. Each architecture
([`tinynet.stable.schemes`][tinynet.stable.schemes]) gives only its layer's forward step and the
matching backward step.

    classifier:      z = W Y_N + μ,   a = softmax(z),   cross-entropy,   delta = a - y
    regularisation:  R = α_f/(2h) Σ_j (‖K_(j+1) - K_j‖² + ‖b_(j+1) - b_j‖²) + α_c/2 ‖W‖²
"""

import math
import numbers

import numpy as np

from tinynet.activations import ACTIVATIONS, get_activation
from tinynet.arrays import check_dtype, make_rng
from tinynet.base import Network, Pass
from tinynet.costs import get_cost


class StableNet(Network):
    """The shared parts: parameters, lifting, classifier, regularisation, blocks and the network contract.

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
        self.outputs = classes
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

    def unpack(self, blocks):
        self.K, self.b, self.W, self.mu = blocks[:4]
        self.K_in, self.b_in = blocks[4:] if self.opening else (None, None)

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

    # --- the architecture's own layer ------------------------------------------------------

    def start(self, Y0):
        """S_0, the state before the first step: (Y_0,), or Y_0 with what the scheme carries."""
        return (Y0,)

    def start_back(self, G):
        """∂C/∂Y_0 from G = ∂C/∂S_0."""
        return G[0]

    def layer_forward(self, j, S):
        """Layer j from the state S = S_j: (z, S_(j+1)), its weighted input and the state after it."""
        raise NotImplementedError

    def layer_back(self, j, S, z, G, nabla_k, nabla_b):
        """Layer j backwards, given its state S = S_j, its weighted input z and G = ∂C/∂S_(j+1).

        Adds ∂C/∂K_j and ∂C/∂b_j to ``nabla_k[j]`` and ``nabla_b[j]``; returns
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
            return z, self.sigma(z)
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
        nabla_k_in, nabla_b_in = self.views(grad)[4:]
        delta = self.times_sigma_prime(z, G_Y0)
        nabla_k_in += delta.T @ x
        nabla_b_in += delta.sum(axis=0)
        return delta

    def run_layers(self, j0, j1, S):
        """Steps j0 .. j1-1 from the state S = S_j0.

        Returns their weighted inputs [z_j0, ..., z_(j1-1)] and the states [S_j0, ..., S_j1].
        """
        zs, states = [], [S]
        for j in range(j0, j1):
            z, S = self.layer_forward(j, S)
            zs.append(z)
            states.append(S)
        return zs, states

    def run_layers_back(self, j0, j1, zs, states, G, grad):
        """Steps j1-1 .. j0 backwards, from G = ∂C/∂S_j1: (their deltas [delta_j0, ...], ∂C/∂S_j0).

        ``zs`` and ``states`` are what [`run_layers`][tinynet.stable.net.StableNet.run_layers] returned for the
        same steps; ∂C/∂K_j and ∂C/∂b_j are added to ``grad``, a flat
        parameter-sized array.
        """
        nabla_k, nabla_b = self.views(grad)[:2]
        deltas = []
        for j in reversed(range(j0, j1)):
            delta, G = self.layer_back(j, states[j - j0], zs[j - j0], G, nabla_k, nabla_b)
            deltas.append(delta)
        return deltas[::-1], G

    # --- the network contract: forward and backward over all the layers ----------------------------

    def forward(self, x):
        """Feed a batch through every layer, keeping z and a of each; a^L = softmax(z) of the classifier.

        Y_0 from x (the opening layer, or zero-padding), then S_(j+1) from S_j
        for j = 0..N-1, then z = W Y_N + μ, a = softmax(z). ``a[0]`` is x; the
        pass keeps S_0 .. S_N as tuples (``states``) for ``backward``.
        """
        z_in, Y0 = self.lift(x)
        zs, states = self.run_layers(0, self.N, self.start(Y0))
        z, a = self.classify(states[-1][0])
        # a one-part state is shown as its Y_(j+1), a pair as the pair
        p = Pass(
            z=([z_in] if self.opening else []) + zs + [z],
            a=[x] + ([Y0] if self.opening else []) + [S[0] if len(S) == 1 else S for S in states[1:]] + [a],
        )
        p.states = states
        return p

    def backward(self, p, y):
        """After ``forward``: delta of every layer into ``p.delta``; returns ∂(C + m R)/∂params, one flat array.

        The classifier first (delta = a - y), then the layers in reverse
        (each one's ``layer_back``), then the opening layer; C depends on S_N
        only through Y_N, so the rest of ∂C/∂S_N is zero. Last, m · ∂R/∂params.
        """
        xp, N = self.xp, self.N
        grad = xp.zeros_like(self.params)
        S_N = p.states[-1]
        delta, G_YN = self.classify_back(S_N[0], p.a[-1], y, grad)
        G = (G_YN,) + tuple(xp.zeros_like(part) for part in S_N[1:])  # ∂C/∂S_N
        first = 1 if self.opening else 0  # where the layers' z begin in p.z
        deltas, G = self.run_layers_back(0, N, p.z[first : first + N], p.states, G, grad)
        opening = [self.lift_back(p.a[0], p.z[0], self.start_back(G), grad)] if self.opening else []
        p.delta = opening + deltas + [delta]
        self.add_regularisation(grad, len(y))  # times m: the trainers divide by m
        return grad

    # --- the classifier and the regularisation ---------------------------------------------------------

    def classify(self, YN):
        """(z, a): z = W Y_N + μ and a = softmax(z)."""
        z = YN @ self.W.T + self.mu
        return z, self.activations[0](z)

    def classify_back(self, YN, a, y, grad):
        """The classifier backwards: (delta, ∂C/∂Y_N).

        delta = a - y (softmax with cross-entropy) and ∂C/∂Y_N = Wᵀ delta;
        adds ∂C/∂W = delta Y_Nᵀ and ∂C/∂μ = delta (summed over the batch) to ``grad``.
        """
        nabla_w, nabla_mu = self.views(grad)[2:4]
        delta = a - y
        nabla_w += delta.T @ YN
        nabla_mu += delta.sum(axis=0)
        return delta, delta @ self.W

    def regularisation(self):
        """R = α_f/(2h) Σ_j (‖K_(j+1) - K_j‖² + ‖b_(j+1) - b_j‖²) + α_c/2 ‖W‖²."""
        xp = self.xp
        smoothness = float((xp.diff(self.K, axis=0) ** 2).sum() + (xp.diff(self.b, axis=0) ** 2).sum())
        return self.alpha_f / (2 * self.h) * smoothness + self.alpha_c / 2 * float((self.W**2).sum())

    def add_regularisation(self, grad, m, j0=0, j1=None):
        """Add m · ∂R/∂params to ``grad``: the smoothness of the layers j0..j1-1 among themselves, and ½α_c‖W‖².

        ∂R/∂K_j = α_f/h ((K_j - K_(j-1)) - (K_(j+1) - K_j)) (the terms that exist), the same for b_j;
        ∂R/∂W = α_c W. Times m, because the cost of a batch of m is Σ C_x + m · R.
        """
        xp = self.xp
        j1 = self.N if j1 is None else j1
        nabla_k, nabla_b, nabla_w = self.views(grad)[:3]
        if self.alpha_f and j1 - j0 > 1:
            weight = m * self.alpha_f / self.h
            for theta, nabla_theta in ((self.K[j0:j1], nabla_k[j0:j1]), (self.b[j0:j1], nabla_b[j0:j1])):
                diff = xp.diff(theta, axis=0)  # theta_(j+1) - theta_j
                nabla_theta[:-1] -= weight * diff
                nabla_theta[1:] += weight * diff
        if self.alpha_c and j1 == self.N:
            nabla_w += m * self.alpha_c * self.W

    # --- the split into blocks (PVD, synthetic gradients) --------------------------------------------------

    def layer_indices(self, j0, j1):
        """Where K_j and b_j of the layers j0 <= j < j1 sit in ``params`` (an index array)."""
        n, N = self.n, self.N
        return np.r_[j0 * n * n : j1 * n * n, N * n * n + j0 * n : N * n * n + j1 * n]

    def layer_groups(self, n_groups):
        """The layers split into n_groups runs of neighbours: [(j0, j1), ...] (layers j0 <= j < j1)."""
        if not 1 <= n_groups <= self.N:
            raise ValueError(f"blocks: expected 1 to {self.N} (the number of layers), got {n_groups}")
        ends = np.cumsum([0] + [len(part) for part in np.array_split(np.arange(self.N), n_groups)])
        return [(int(j0), int(j1)) for j0, j1 in zip(ends[:-1], ends[1:])]

    def blocks(self, n_blocks):
        """The parameters split into n_blocks blocks of neighbouring layers (index arrays into ``params``).

        Block 0 also holds the opening layer, the last block the classifier W, μ.
        """
        n, N, k = self.n, self.N, self.classes
        classifier = np.arange(N * n * n + N * n, N * n * n + N * n + k * n + k)
        opening = np.arange(classifier[-1] + 1, self.params.size)
        groups = [self.layer_indices(j0, j1) for j0, j1 in self.layer_groups(n_blocks)]
        groups[0] = np.r_[groups[0], opening]
        groups[-1] = np.r_[groups[-1], classifier]
        return groups

    # --- what trace shows -------------------------------------------------------------------------

    def layer_names(self):
        """'opening tanh', then '<kind> tanh, Y_0 -> Y_1' for each step, then 'softmax'."""
        act = self.sigma.name
        steps = [f"{self.kind} {act}, Y_{j} -> Y_{j + 1}" for j in range(self.N)]
        return ([f"opening {act}"] if self.opening else []) + steps + ["softmax"]

    def layer_params(self, blocks):
        """Per layer its blocks (of ``params`` or of a gradient), by name.

        {K_in, b_in} for the opening layer, {K: K_j, b: b_j} for layer j, {W, mu} for the classifier.
        """
        blocks = dict(zip((name for name, _ in self.param_shapes()), blocks))
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
        return self.sigma.backward(z, self.sigma(z), g)

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
