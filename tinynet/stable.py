"""Deep networks as discretised ODEs: ResNet, antisymmetric, Hamiltonian (Verlet) and leapfrog.

Haber & Ruthotto ("Stable architectures for deep neural networks", 2017) read
a deep residual network as the forward Euler method for an ODE Ẏ = σ(K(t) Y + b(t)):
each layer is a time step of size h. How stable the ODE is decides whether a
small change of the input, or of the error flowing back, grows or stays
bounded over many layers. The features Y_0 (the input zero-padded to a width
n, or lifted to it by an opening layer σ(K_in x + b_in)) go through N layers,
the steps j = 0..N-1, and are then classified:

    ResNet:        Y_(j+1) = Y_j + h σ(K_j Y_j + b_j)
    antisymmetric: Y_(j+1) = Y_j + h σ(½(K_j - K_jᵀ - γI) Y_j + b_j)
    Hamiltonian:   Z_(j+½) = Z_(j-½) - h σ(K_jᵀ Y_j + b_j),  Y_(j+1) = Y_j + h σ(K_j Z_(j+½) + b_j)
    leapfrog:      Y_(j+1) = 2Y_j - Y_(j-1) - h² K_jᵀ σ(K_j Y_j + b_j)
    classifier:    softmax(W Y_N + μ), cross-entropy

with Z_(-½) = 0 and Y_(-1) = Y_0. The state S_j is what step j needs: Y_j, or
the pair (Y_j, Z_(j-½)) (Hamiltonian), or (Y_j, Y_(j-1)) (leapfrog). Each
architecture gives its forward step and the matching backward step; the base
class :class:`StableNet` holds the rest (the lifting, the classifier, the
regularisation, and the network contract of :mod:`tinynet.base`).

The layers, counted from 1 as everywhere in tinynet (``network.trace(x, y)``
numbers them so), and what z, a and delta are in each:

    the opening layer (only with opening=True):
        z = K_in x + b_in,   a = Y_0 = σ(z)
    a step j = 0..N-1, the layer that makes Y_(j+1) (its number is j + 1,
    or j + 2 after an opening layer):
        z = its weighted input: M_j Y_j + b_j with M_j = K_j (ResNet, leapfrog)
            or ½(K_j - K_jᵀ - γI) (antisymmetric); for the Hamiltonian the pair
            (K_jᵀ Y_j + b_j, K_j Z_(j+½) + b_j)
        a = the state after it, S_(j+1): Y_(j+1), or the pair (Y_(j+1), Z_(j+½))
            or (Y_(j+1), Y_j)
    the classifier (the last layer):
        z = W Y_N + μ,   a = softmax(z)

and in every layer delta = ∂C/∂z (a pair where z is one); at the classifier,
as for any softmax with cross-entropy, delta = a - y. Without an opening
layer, layer l's output is Y_l.

In code the samples are rows, so K Y is written ``Y @ K.T`` and a sum over
the batch of delta Yᵀ is ``delta.T @ Y``.

Regularisation, each switched on by a positive weight:
    α_f · 1/(2h) · Σ_j (‖K_(j+1) - K_j‖² + ‖b_(j+1) - b_j‖²)   (smooth in "time")
    α_c · ½ ‖W‖²                                                 (a small classifier)
As the trainers divide the summed gradient by the batch size m, the cost of
a batch is Σ_samples (cross-entropy) + m · R.
"""

import math
import numbers

import numpy as np

from .activations import ACTIVATIONS, get_activation
from .base import HeaderError, Network, check_dtype, header_choice, header_float, header_int, make_rng
from .costs import get_cost


class StableNet(Network):
    """The shared parts: parameters, lifting, classifier, regularisation and the network contract.

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

    def __init__(self, inputs, classes, width=None, layers=8, h=0.1, activation="tanh", gamma=0.0,
                 alpha_f=0.0, alpha_c=0.0, opening=False, seed=None, dtype=np.float64, weights=None):
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
                raise ValueError(f"weights: expected a flat array of {self.params.size} values, "
                                 f"got shape {weights.shape}")
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

    def layer_indices(self, j0, j1):
        """Where K_j and b_j of the layers j0 <= j < j1 sit in ``params`` (an index array)."""
        n, N = self.n, self.N
        return np.r_[j0 * n * n:j1 * n * n, N * n * n + j0 * n:N * n * n + j1 * n]

    def layer_groups(self, P):
        """The layers split into P runs of neighbours: [(j0, j1), ...] (layers j0 <= j < j1)."""
        if not 1 <= P <= self.N:
            raise ValueError(f"blocks: expected 1 to {self.N} (the number of layers), got {P}")
        ends = np.cumsum([0] + [len(part) for part in np.array_split(np.arange(self.N), P)])
        return [(int(j0), int(j1)) for j0, j1 in zip(ends[:-1], ends[1:])]

    def blocks(self, P):
        """The parameters split into P blocks of neighbouring layers (index arrays into ``params``).

        Block 0 also holds the opening layer, the last block the classifier W, μ.
        """
        n, N, k = self.n, self.N, self.classes
        classifier = np.arange(N * n * n + N * n, N * n * n + N * n + k * n + k)
        opening = np.arange(classifier[-1] + 1, self.params.size)
        groups = [self.layer_indices(j0, j1) for j0, j1 in self.layer_groups(P)]
        groups[0] = np.r_[groups[0], opening]
        groups[-1] = np.r_[groups[-1], classifier]
        return groups

    def spec(self):
        return type(self), dict(inputs=self.inputs, classes=self.classes, width=self.n, layers=self.N, h=self.h,
                                activation=self.sigma.name, gamma=self.gamma, alpha_f=self.alpha_f,
                                alpha_c=self.alpha_c, opening=self.opening, dtype=self.dtype.name)

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

    # --- the pieces: lift, layers j0..j1, classify ----------------------------------------------
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
        Y0[:, :self.inputs] = x
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

        ``zs`` and ``states`` are what :meth:`run_layers` returned for the
        same steps; ∂C/∂K_j and ∂C/∂b_j are added to ``grad``, a flat
        parameter-sized array.
        """
        nabla_K, nabla_b = self.views(grad)[:2]
        deltas = []
        for j in reversed(range(j0, j1)):
            delta, G = self.step_back(j, states[j - j0], zs[j - j0], G, nabla_K, nabla_b)
            deltas.append(delta)
        return deltas[::-1], G

    def classify(self, YN):
        """(z, a): z = W Y_N + μ and a = softmax(z)."""
        z = YN @ self.W.T + self.mu
        return z, self.activations[0](z, self.xp)

    def classify_back(self, YN, a, y, grad):
        """The classifier backwards: (delta, ∂C/∂Y_N).

        delta = a - y (softmax with cross-entropy) and ∂C/∂Y_N = Wᵀ delta;
        adds ∂C/∂W = delta Y_Nᵀ and ∂C/∂μ = delta (summed over the batch) to ``grad``.
        """
        nabla_W, nabla_mu = self.views(grad)[2:4]
        delta = a - y
        nabla_W += delta.T @ YN
        nabla_mu += delta.sum(axis=0)
        return delta, delta @ self.W

    def regularisation(self):
        """R = α_f/(2h) Σ_j (‖K_(j+1) - K_j‖² + ‖b_(j+1) - b_j‖²) + α_c/2 ‖W‖²."""
        xp = self.xp
        smoothness = float((xp.diff(self.K, axis=0) ** 2).sum() + (xp.diff(self.b, axis=0) ** 2).sum())
        return self.alpha_f / (2 * self.h) * smoothness + self.alpha_c / 2 * float((self.W ** 2).sum())

    def add_regularisation(self, grad, m, j0=0, j1=None):
        """Add m · ∂R/∂params to ``grad``: the smoothness of the layers j0..j1-1 among themselves, and ½α_c‖W‖².

        ∂R/∂K_j = α_f/h ((K_j - K_(j-1)) - (K_(j+1) - K_j)) (the terms that exist), the same for b_j;
        ∂R/∂W = α_c W. Times m, because the cost of a batch of m is Σ C_x + m · R.
        """
        xp = self.xp
        j1 = self.N if j1 is None else j1
        nabla_K, nabla_b, nabla_W = self.views(grad)[:3]
        if self.alpha_f and j1 - j0 > 1:
            weight = m * self.alpha_f / self.h
            for theta, nabla_theta in ((self.K[j0:j1], nabla_K[j0:j1]), (self.b[j0:j1], nabla_b[j0:j1])):
                diff = xp.diff(theta, axis=0)  # theta_(j+1) - theta_j
                nabla_theta[:-1] -= weight * diff
                nabla_theta[1:] += weight * diff
        if self.alpha_c and j1 == self.N:
            nabla_W += m * self.alpha_c * self.W

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
        deltas, G = self.run_layers_back(0, N, ws.z[first:first + N], ws.states, G, grad)
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

    # --- the text format ----------------------------------------------------------------------------------

    def header(self):
        """One line: ``stablenet <kind> inputs=.. classes=.. width=.. layers=.. h=.. activation=..
        gamma=.. alpha_f=.. alpha_c=.. opening=0|1`` (numbers as ``repr`` writes them: exact)."""
        args = self.spec()[1]
        args["opening"] = int(args["opening"])
        return [f"stablenet {self.kind} " + " ".join(f"{key}={args[key]!r}" if isinstance(args[key], float)
                                                     else f"{key}={args[key]}" for key in HEADER_FIELDS)]

    @classmethod
    def from_header(cls, fields, cost, dtype, budget):
        """The network of one ``stablenet <kind> key=value ...`` line (see :meth:`header`).

        Whichever class it is called on, the line's ``<kind>`` decides the
        architecture. Every value is checked against its list or range, the
        parameter count against ``budget`` before anything is allocated.
        """
        line, words = fields[0]
        if words[0] != "stablenet":
            raise HeaderError("expected a 'stablenet' line", line)
        if len(fields) > 1:
            raise HeaderError("expected one 'stablenet' line, then cost and dtype", fields[1][0])
        if len(words) < 2 or words[1] not in ARCHITECTURES:
            found = f", found {words[1][:40]!r}" if len(words) > 1 else ""
            raise HeaderError(f"expected one of {', '.join(ARCHITECTURES)} after 'stablenet'{found}", line)
        kind = words[1]
        texts = {}
        for word in words[2:]:
            key, _, text = word.partition("=")
            if key not in HEADER_FIELDS or key in texts:
                raise HeaderError(f"unexpected or repeated argument {word[:40]!r}; "
                                  f"expected each of {', '.join(HEADER_FIELDS)} once", line)
            texts[key] = text
        missing = [key for key in HEADER_FIELDS if key not in texts]
        if missing:
            raise HeaderError(f"missing {', '.join(missing)} in the stablenet line", line)
        args = {key: read(texts[key], key, line) for key, read in HEADER_FIELDS.items()}
        if args["width"] < args["inputs"] and not args["opening"]:
            raise HeaderError(f"width: expected at least the {args['inputs']} inputs (or opening=1), "
                              f"found {args['width']}", line)
        # the lines after the header: cost, then dtype
        if cost != "cross_entropy":
            raise HeaderError(f"a stable network's cost is cross_entropy, found {cost[:40]!r}", line + 1)
        header_choice(str(dtype), "dtype", line + 2, ["float64", "float32"])
        cls.check_budget(param_count(args["inputs"], args["classes"], args["width"], args["layers"], args["opening"]),
                         budget, line)
        return ARCHITECTURES[kind](**args, seed=0, dtype=dtype)

    def __repr__(self):
        return (f"{type(self).__name__}(inputs={self.inputs}, classes={self.classes}, width={self.n}, "
                f"layers={self.N}, h={self.h}, activation={self.sigma.name!r}"
                + (f", gamma={self.gamma}" if self.gamma else "")
                + (f", alpha_f={self.alpha_f}" if self.alpha_f else "")
                + (f", alpha_c={self.alpha_c}" if self.alpha_c else "")
                + (", opening=True" if self.opening else "") + f", dtype={self.dtype.name})")


class ResNet(StableNet):
    """Forward Euler: Y_(j+1) = Y_j + h σ(K_j Y_j + b_j)."""

    kind = "resnet"

    def matrix(self, j):
        """M_j, the matrix of step j: K_j."""
        return self.K[j]

    def step(self, j, S):
        """z = M_j Y_j + b_j,  Y_(j+1) = Y_j + h σ(z)."""
        (Y,) = S
        z = Y @ self.matrix(j).T + self.b[j]
        return z, (Y + self.h * self.sigma(z, self.xp),)

    def step_back(self, j, S, z, G, nabla_K, nabla_b):
        """Step j backwards (see :meth:`StableNet.step_back`):

            delta = h σ'(z) ⊙ ∂C/∂Y_(j+1),    ∂C/∂Y_j = ∂C/∂Y_(j+1) + M_jᵀ delta,
            ∂C/∂M_j = delta Y_jᵀ,  ∂C/∂b_j = delta   (summed over the batch).
        """
        (Y,), (G_Y,) = S, G
        delta = self.h * self.times_sigma_prime(z, G_Y)
        self.add_matrix_grad(j, delta.T @ Y, nabla_K)
        nabla_b[j] += delta.sum(axis=0)
        return delta, (G_Y + delta @ self.matrix(j),)

    def add_matrix_grad(self, j, nabla_M, nabla_K):
        """∂C/∂K_j from ∂C/∂M_j: M_j = K_j."""
        nabla_K[j] += nabla_M


class Antisymmetric(ResNet):
    """Y_(j+1) = Y_j + h σ(½(K_j - K_jᵀ - γI) Y_j + b_j): the matrix has imaginary eigenvalues (shifted by -γ/2)."""

    kind = "antisymmetric"

    def matrix(self, j):
        """M_j = ½(K_j - K_jᵀ - γI)."""
        K = self.K[j]
        return 0.5 * (K - K.T - self.gamma * self.xp.eye(self.n, dtype=self.dtype))

    def add_matrix_grad(self, j, nabla_M, nabla_K):
        """∂C/∂K_j = ½(∂C/∂M_j - (∂C/∂M_j)ᵀ), as M_j = ½(K_j - K_jᵀ - γI)."""
        nabla_K[j] += 0.5 * (nabla_M - nabla_M.T)


class Hamiltonian(StableNet):
    """Verlet: Z_(j+½) = Z_(j-½) - h σ(K_jᵀ Y_j + b_j);  Y_(j+1) = Y_j + h σ(K_j Z_(j+½) + b_j).

    The state is the pair (Y_j, Z_(j-½)); z of a step is the pair
    (z_Z, z_Y) = (K_jᵀ Y_j + b_j, K_j Z_(j+½) + b_j), and so is its delta.
    """

    kind = "hamiltonian"

    def start(self, Y0):
        return (Y0, self.xp.zeros_like(Y0))  # (Y_0, Z_(-½) = 0)

    def step(self, j, S):
        """z_Z = K_jᵀ Y_j + b_j,  Z_(j+½) = Z_(j-½) - h σ(z_Z);  z_Y = K_j Z_(j+½) + b_j,  Y_(j+1) = Y_j + h σ(z_Y)."""
        Y, Z = S
        K, b, h, xp = self.K[j], self.b[j], self.h, self.xp
        z_Z = Y @ K + b  # rows: (K_jᵀ Y)ᵀ = Y K_j
        Z_half = Z - h * self.sigma(z_Z, xp)  # Z_(j+½) from Z = Z_(j-½)
        z_Y = Z_half @ K.T + b
        return (z_Z, z_Y), (Y + h * self.sigma(z_Y, xp), Z_half)

    def step_back(self, j, S, z, G, nabla_K, nabla_b):
        """Step j backwards (see :meth:`StableNet.step_back`), the two half steps in reverse.

        Through Y_(j+1) = Y_j + h σ(z_Y):
            delta_Y = h σ'(z_Y) ⊙ ∂C/∂Y_(j+1),   ∂C/∂K_j += delta_Y Z_(j+½)ᵀ,   ∂C/∂b_j += delta_Y,
            ∂C/∂Z_(j+½) = (the part S_(j+1) carries) + K_jᵀ delta_Y;
        through Z_(j+½) = Z_(j-½) - h σ(z_Z):
            delta_Z = -h σ'(z_Z) ⊙ ∂C/∂Z_(j+½),   ∂C/∂K_j += Y_j delta_Zᵀ,   ∂C/∂b_j += delta_Z,
            ∂C/∂Y_j = ∂C/∂Y_(j+1) + K_j delta_Z,   ∂C/∂Z_(j-½) = ∂C/∂Z_(j+½).
        """
        Y, Z = S
        z_Z, z_Y = z
        G_Y, G_Z = G
        K, h = self.K[j], self.h
        Z_half = Z - h * self.sigma(z_Z, self.xp)  # Z_(j+½), recomputed rather than kept
        delta_Y = h * self.times_sigma_prime(z_Y, G_Y)
        nabla_K[j] += delta_Y.T @ Z_half
        nabla_b[j] += delta_Y.sum(axis=0)
        G_Z = G_Z + delta_Y @ K
        delta_Z = -h * self.times_sigma_prime(z_Z, G_Z)
        nabla_K[j] += Y.T @ delta_Z  # z_Z = K_jᵀ Y_j: the transpose of the usual delta Yᵀ
        nabla_b[j] += delta_Z.sum(axis=0)
        return (delta_Z, delta_Y), (G_Y + delta_Z @ K.T, G_Z)


class Leapfrog(StableNet):
    """Second order: Y_(j+1) = 2Y_j - Y_(j-1) - h² K_jᵀ σ(K_j Y_j + b_j), with Y_(-1) = Y_0.

    The state is the pair (Y_j, Y_(j-1)).
    """

    kind = "leapfrog"

    def start(self, Y0):
        return (Y0, Y0)  # (Y_0, Y_(-1))

    def start_back(self, G):
        return G[0] + G[1]  # both entries are Y_0

    def step(self, j, S):
        """z = K_j Y_j + b_j,  Y_(j+1) = 2Y_j - Y_(j-1) - h² K_jᵀ σ(z)."""
        Y, Y_before = S
        K = self.K[j]
        z = Y @ K.T + self.b[j]
        return z, (2 * Y - Y_before - self.h ** 2 * self.sigma(z, self.xp) @ K, Y)

    def step_back(self, j, S, z, G, nabla_K, nabla_b):
        """Step j backwards (see :meth:`StableNet.step_back`).

        With G = (∂C/∂Y_(j+1), ∂C/∂(the Y_j that S_(j+1) carries)):
            ∂C/∂K_j += -h² σ(z) (∂C/∂Y_(j+1))ᵀ      (the K_jᵀ outside σ),
            delta = σ'(z) ⊙ (-h² K_j ∂C/∂Y_(j+1)),   ∂C/∂K_j += delta Y_jᵀ,   ∂C/∂b_j += delta,
            ∂C/∂Y_j = 2 ∂C/∂Y_(j+1) + (the carried Y_j's) + K_jᵀ delta,   ∂C/∂Y_(j-1) = -∂C/∂Y_(j+1).
        """
        Y, _ = S
        G_Y, G_carried = G
        K, h2 = self.K[j], self.h ** 2
        nabla_K[j] -= h2 * self.sigma(z, self.xp).T @ G_Y
        delta = self.times_sigma_prime(z, -h2 * G_Y @ K.T)
        nabla_K[j] += delta.T @ Y
        nabla_b[j] += delta.sum(axis=0)
        return delta, (2 * G_Y + G_carried + delta @ K, -G_Y)


ARCHITECTURES = {cls.kind: cls for cls in (ResNet, Antisymmetric, Hamiltonian, Leapfrog)}


def param_count(inputs, classes, width, layers, opening):
    """The parameter count: N n (n + 1) for the layers, k (n + 1) for the classifier, n (inputs + 1) for an opening."""
    return layers * width * (width + 1) + classes * (width + 1) + (width * (inputs + 1) if opening else 0)


def _positive_step(text, name, line):
    """h: a finite number > 0 (and at most 1000)."""
    value = header_float(text, name, line, 0.0, 1e3)
    if value == 0:
        raise HeaderError(f"{name}: expected a number > 0, found {text[:40]!r}", line)
    return value


# The header's fields, in the order they are written, and how each is read back.
HEADER_FIELDS = {
    "inputs": lambda text, name, line: header_int(text, name, line, 1, 1_000_000),
    "classes": lambda text, name, line: header_int(text, name, line, 1, 1_000_000),
    "width": lambda text, name, line: header_int(text, name, line, 1, 1_000_000),
    "layers": lambda text, name, line: header_int(text, name, line, 1, 10_000),
    "h": _positive_step,
    "activation": lambda text, name, line: header_choice(text, name, line, list(ACTIVATIONS)),
    "gamma": lambda text, name, line: header_float(text, name, line, 0.0, 1e6),
    "alpha_f": lambda text, name, line: header_float(text, name, line, 0.0, 1e6),
    "alpha_c": lambda text, name, line: header_float(text, name, line, 0.0, 1e6),
    "opening": lambda text, name, line: header_choice(text, name, line, ["0", "1"]) == "1",
}


def _count(name, value):
    """A whole number >= 1, or a ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected a whole number >= 1, got {value!r}")
    return int(value)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def perturbation_growth(net, x, eps=1e-6, seed=0):
    """How much the N layers amplify a small change: (forward, backward).

    forward:  ‖Y_N(x + dx) - Y_N(x)‖ / ‖dx‖ for a random change dx of size eps;
    backward: ‖∂C/∂Y_0‖ / ‖∂C/∂Y_N‖ for a random error G at the last layer,
              carried back through every layer's backward step.
    Stable architectures keep both near 1 however deep the network is.
    """
    xp = net.xp
    rng = np.random.default_rng(seed)
    x = net.check_x(x)
    dx = rng.standard_normal(x.shape)
    dx *= eps / np.linalg.norm(dx)
    forward = float(xp.linalg.norm(net.trajectory(x + dx)[-1][0] - net.trajectory(x)[-1][0])) / eps
    zs, states = net.run_layers(0, net.N, net.start(net.lift(x)[1]))
    G = (xp.asarray(rng.standard_normal(states[-1][0].shape)),) + tuple(xp.zeros_like(s) for s in states[-1][1:])
    size = float(xp.linalg.norm(G[0]))
    _, G = net.run_layers_back(0, net.N, zs, states, G, xp.zeros_like(net.params))  # (the weights' gradients: unused)
    return forward, float(xp.linalg.norm(net.start_back(G))) / size


def stability_demo(layers=64, width=8, h=0.1, shift=1.0, seed=0):
    """Perturbation growth of each architecture with the same random weights: {kind: (forward, backward)}.

    K_j = a random N(0, 1/n) matrix + shift·I: its eigenvalues have positive
    real parts, the case where forward Euler (ResNet) amplifies every change
    layer after layer while the other three schemes stay near 1. The inputs
    are small, so σ works in its linear range where this shows most plainly.
    """
    rng = np.random.default_rng(seed)
    x = 0.1 * rng.standard_normal((20, 2))
    results = {}
    for kind, cls in ARCHITECTURES.items():
        net = cls(2, 2, width=width, layers=layers, h=h, seed=seed)
        net.K[...] += shift * np.eye(width)
        results[kind] = perturbation_growth(net, x, seed=seed)
    return results
