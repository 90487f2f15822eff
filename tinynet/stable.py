"""Deep networks as discretised ODEs: ResNet, antisymmetric, Hamiltonian (Verlet) and leapfrog.

Haber & Ruthotto ("Stable architectures for deep neural networks", 2017) read
a deep residual network as the forward Euler method for an ODE Ẏ = σ(K(t) Y + b(t)):
each layer is a time step of size h. How stable the ODE is decides whether a
small change of the input, or of the error flowing back, grows or stays
bounded over many layers. The features Y_0 (the input zero-padded to a width
n, or lifted to it by an opening layer σ(K_in x + b_in)) go through N layers
j = 0..N-1 and are then classified:

    ResNet:        Y_(j+1) = Y_j + h σ(K_j Y_j + b_j)
    antisymmetric: Y_(j+1) = Y_j + h σ(½(K_j - K_jᵀ - γI) Y_j + b_j)
    Hamiltonian:   Z_(j+½) = Z_(j-½) - h σ(K_jᵀ Y_j + b_j),  Y_(j+1) = Y_j + h σ(K_j Z_(j+½) + b_j)
    leapfrog:      Y_(j+1) = 2Y_j - Y_(j-1) - h² K_jᵀ σ(K_j Y_j + b_j)
    classifier:    softmax(W Y_N + μ), cross-entropy

with Z_(-½) = 0 and Y_(-1) = Y_0. Each architecture gives its forward step and
the matching backward step; the base class :class:`StableNet` holds the rest
(the classifier, the regularisation, the contract every tinynet trainer uses).

In code the samples are rows, so K Y is written ``Y @ K.T``.

Regularisation, each switched on by a positive weight:
    α_f · 1/(2h) · Σ_j (‖K_(j+1) - K_j‖² + ‖b_(j+1) - b_j‖²)   (smooth in "time")
    α_c · ½ ‖W‖²                                                 (a small classifier)
As the trainers divide the summed gradient by the batch size m, the cost of
a batch is Σ_samples (cross-entropy) + m · R.
"""

import numpy as np

from .activations import get_activation
from .costs import get_cost
from .network import BatchWorkspace, Network


class StableNet(Network):
    """The shared parts: parameters, lifting, classifier, regularisation and the trainer contract.

    Args:
        inputs: features per sample.
        classes: outputs of the softmax classifier.
        width: n, the width of every layer (default ``inputs``).
        layers: N, the number of layers (time steps).
        h: the step size.
        activation: σ (any tinynet activation applied element-wise; tanh by default).
        gamma: γ ≥ 0 of the antisymmetric network (ignored by the others).
        alpha_f: the weight of the smoothness of K and b across layers (0: off).
        alpha_c: the weight of ½‖W‖² on the classifier (0: off).
        opening: how the inputs become Y_0: False pads them with zeros to the
            width n (n ≥ inputs); True passes them through an opening layer
            Y_0 = σ(K_in x + b_in) (any n: e.g. 784 pixels to 32 features).
        seed: seeds the initial weights, K_j, W, K_in ~ N(0, 1/columns), b = 0.
        weights: optional initial weights instead: a dict {name: array} for any
            of K, b, W, mu, K_in, b_in (the others stay random), or one flat
            array laid out like ``params``.
    """

    kind = ""

    def __init__(self, inputs, classes, width=None, layers=8, h=0.1, activation="tanh", gamma=0.0,
                 alpha_f=0.0, alpha_c=0.0, opening=False, seed=None, dtype=np.float64, weights=None):
        width = inputs if width is None else width
        if width < inputs and not opening:
            raise ValueError(f"width: expected at least the {inputs} inputs (or opening=True), got {width}")
        if layers < 1 or not h > 0:
            raise ValueError(f"layers and h: expected at least 1 layer and h > 0, got {layers} and {h}")
        for name, value in (("gamma", gamma), ("alpha_f", alpha_f), ("alpha_c", alpha_c)):
            if not value >= 0:
                raise ValueError(f"{name}: expected a number >= 0, got {value!r}")
        self.inputs, self.classes, self.n, self.N, self.h = int(inputs), int(classes), int(width), int(layers), h
        self.gamma, self.alpha_f, self.alpha_c, self.opening = gamma, alpha_f, alpha_c, bool(opening)
        self.sigma = get_activation(activation)
        self.activations = (get_activation("softmax"),)
        self.cost = get_cost("cross_entropy")
        self.dtype = np.dtype(dtype)
        self.sizes = [self.inputs, self.classes]  # what the trainers check
        self.bind(np.zeros(sum(size for _, size in self.shapes()), self.dtype))
        rng = np.random.default_rng(seed)
        self.K[...] = rng.standard_normal(self.K.shape) / np.sqrt(self.n)
        self.W[...] = rng.standard_normal(self.W.shape) / np.sqrt(self.n)
        if self.opening:
            self.K_in[...] = rng.standard_normal(self.K_in.shape) / np.sqrt(self.inputs)
        if weights is not None:
            self.set_weights(weights)

    def set_weights(self, weights):
        """Copy in weights: a dict {name: array} (K, b, W, mu, K_in, b_in) or a flat array like ``params``."""
        if not isinstance(weights, dict):
            weights = np.asarray(weights)
            if weights.shape != self.params.shape:
                raise ValueError(f"weights: expected a flat array of {self.params.size} values, got shape {weights.shape}")
            self.params[...] = weights
            return
        mine = dict(self.named_params())
        for name, value in weights.items():
            if name not in mine or mine[name] is None:
                raise ValueError(f"weights: unknown block {name!r}; expected some of {', '.join(mine)}")
            value = np.asarray(value)
            if value.shape != mine[name].shape:
                raise ValueError(f"weights: {name} must have shape {mine[name].shape}, got {value.shape}")
            mine[name][...] = value

    def shapes(self):
        """(shape, size) of each parameter block in the order of ``params``: K, b, W, μ (, K_in, b_in)."""
        n, N, k = self.n, self.N, self.classes
        shapes = [(N, n, n), (N, n), (k, n), (k,)] + ([(n, self.inputs), (n,)] if self.opening else [])
        return [(s, int(np.prod(s))) for s in shapes]

    def layout(self, flat):
        """Views of a flat parameter-sized array as [K, b, W, μ] (+ [K_in, b_in] with an opening layer)."""
        views, start = [], 0
        for shape, size in self.shapes():
            views.append(flat[start:start + size].reshape(shape))
            start += size
        return views

    def bind(self, params):
        """Make the flat array ``params`` this network's parameters: K (N, n, n), b (N, n), W (k, n), μ (k,)."""
        self.params = params
        views = self.layout(params)
        self.K, self.b, self.W, self.mu = views[:4]
        self.K_in, self.b_in = views[4:] if self.opening else (None, None)

    def named_params(self):
        """(name, array) in the order of ``params``."""
        return list(zip(("K", "b", "W", "mu", "K_in", "b_in"), self.layout(self.params)))

    def layer_indices(self, j0, j1):
        """Where K_j and b_j of the layers j0 <= j < j1 sit in ``params`` (an index array)."""
        n, N = self.n, self.N
        return np.r_[j0 * n * n:j1 * n * n, N * n * n + j0 * n:N * n * n + j1 * n]

    def layer_groups(self, P):
        """The layers split into P runs of neighbours: [(j0, j1), ...] (layers j0 <= j < j1)."""
        if not 1 <= P <= self.N:
            raise ValueError(f"blocks: expected 1 to {self.N} (the number of layers), got {P}")
        ends = np.cumsum([0] + [len(part) for part in np.array_split(np.arange(self.N), P)])
        return [(int(a), int(b)) for a, b in zip(ends[:-1], ends[1:])]

    def blocks(self, P):
        """The parameters split into P blocks of neighbouring layers (index arrays into ``params``).

        Block 0 also holds the opening layer, the last block the classifier W, μ.
        """
        size = self.params.size
        n, N, k = self.n, self.N, self.classes
        classifier = np.arange(N * n * n + N * n, N * n * n + N * n + k * n + k)
        opening = np.arange(classifier[-1] + 1, size)
        groups = [self.layer_indices(j0, j1) for j0, j1 in self.layer_groups(P)]
        groups[0] = np.r_[groups[0], opening]
        groups[-1] = np.r_[groups[-1], classifier]
        return groups

    def spec(self):
        return type(self), dict(inputs=self.inputs, classes=self.classes, width=self.n, layers=self.N, h=self.h,
                                activation=self.sigma.name, gamma=self.gamma, alpha_f=self.alpha_f,
                                alpha_c=self.alpha_c, opening=self.opening, dtype=self.dtype.name)

    def workspace(self, m, xp=None):
        return BatchWorkspace(self, m, xp or self.xp)

    # the architecture's own steps ------------------------------------------------------

    def start(self, Y0):
        """The state before layer 0 (Y_0, plus what the scheme carries)."""
        return (Y0,)

    def start_back(self, G):
        """∂C/∂Y_0 from G = ∂C/∂(the state before layer 0)."""
        return G[0]

    def step(self, j, S):
        """The state after layer j, from the state S before it."""
        raise NotImplementedError

    def step_back(self, j, S, G, dK, db):
        """Given G = ∂C/∂(state after layer j), return ∂C/∂S and add layer j's gradients to dK[j], db[j]."""
        raise NotImplementedError

    # the pieces: lift, layers j0..j1, classify ---------------------------------------------

    def lift(self, x):
        """Y_0 of a batch: x zero-padded to the width n, or σ(K_in x + b_in) with an opening layer."""
        xp = self.xp
        if self.opening:
            return self.sigma(x @ self.K_in.T + self.b_in, xp)
        Y0 = xp.zeros((x.shape[0], self.n), self.dtype)
        Y0[:, :self.inputs] = x
        return Y0

    def lift_back(self, x, GY0, grads):
        """Add ∂C/∂K_in and ∂C/∂b_in (from GY0 = ∂C/∂Y_0) to ``grads`` (a parameter-sized flat array)."""
        if self.opening:
            _, _, _, _, dK_in, db_in = self.layout(grads)
            D = self._d(x @ self.K_in.T + self.b_in, GY0)
            dK_in += D.T @ x
            db_in += D.sum(axis=0)

    def forward(self, j0, j1, S):
        """The states after layers j0 .. j1-1, starting from the state S before layer j0: [S, S', ...]."""
        states = [S]
        for j in range(j0, j1):
            states.append(self.step(j, states[-1]))
        return states

    def backward(self, j0, j1, states, G, grads):
        """Carry G = ∂C/∂(state after layer j1-1) back to before layer j0, adding their gradients to ``grads``.

        ``states`` is what :meth:`forward` returned for the same layers.
        """
        dK, db = self.layout(grads)[:2]
        for j in reversed(range(j0, j1)):
            G = self.step_back(j, states[j - j0], G, dK, db)
        return G

    def classify(self, YN):
        """z = W Y_N + μ and a = softmax(z)."""
        z = YN @ self.W.T + self.mu
        return z, self.activations[0](z, self.xp)

    def classify_back(self, YN, a, y, grads):
        """Add ∂C/∂W and ∂C/∂μ to ``grads``; return ∂C/∂Y_N. (Softmax + cross-entropy: ∂C/∂z = a - y.)"""
        dW, dmu = self.layout(grads)[2:4]
        D = a - y
        dW += D.T @ YN
        dmu += D.sum(axis=0)
        return D @ self.W

    def add_regularisation(self, grads, m, j0=0, j1=None):
        """Add m · ∂R/∂params to ``grads``: the smoothness of layers j0..j1-1 among themselves, and ½α_c‖W‖²."""
        xp = self.xp
        j1 = self.N if j1 is None else j1
        dK, db, dW = self.layout(grads)[:3]
        if self.alpha_f and j1 - j0 > 1:
            c = m * self.alpha_f / self.h
            for P, dP in ((self.K[j0:j1], dK[j0:j1]), (self.b[j0:j1], db[j0:j1])):
                diff = xp.diff(P, axis=0)  # P_(j+1) - P_j
                dP[:-1] -= c * diff
                dP[1:] += c * diff
        if self.alpha_c and j1 == self.N:
            dW += m * self.alpha_c * self.W

    # shared ----------------------------------------------------------------------------

    def _inputs(self, x):
        xp = self.xp
        x = xp.asarray(x, dtype=self.dtype)
        x = x.reshape(1, -1) if x.ndim == 1 else x
        if x.shape[1] != self.inputs:
            raise ValueError(f"x: expected {self.inputs} features per sample, got {x.shape[1]}")
        return x

    def trajectory(self, x):
        """The states S_0 .. S_N of a batch (the 'ODE view'); the first entry of S_j is Y_j."""
        return self.forward(0, self.N, self.start(self.lift(self._inputs(x))))

    def regularisation(self):
        """R = α_f/(2h) Σ_j (‖K_(j+1) - K_j‖² + ‖b_(j+1) - b_j‖²) + α_c/2 ‖W‖²."""
        xp = self.xp
        R = self.alpha_f / (2 * self.h) * float((xp.diff(self.K, axis=0) ** 2).sum() + (xp.diff(self.b, axis=0) ** 2).sum())
        return R + self.alpha_c / 2 * float((self.W ** 2).sum())

    def cost_of(self, x, y):
        """Σ_samples cross-entropy + m · R."""
        xp = self.xp
        YN = self.trajectory(x)[-1][0]
        y = xp.asarray(y, dtype=self.dtype).reshape(YN.shape[0], -1)
        z, a = self.classify(YN)
        return self.cost.value(z, a, y, self.activations[0], xp) + len(YN) * self.regularisation()

    def backprop(self, x, y, xp=None, ws=None):
        """∂(Σ cross-entropy + m R)/∂params for the batch, into ``ws.grad`` (returned as [dK, db, dW, dμ, ...])."""
        x = self._inputs(x)
        m = x.shape[0]
        y = y.reshape(m, -1)
        if ws is None:
            ws = self.workspace(m, xp)
        grads = ws.grad
        grads[...] = 0
        states = self.trajectory(x)
        YN = states[-1][0]
        GYN = self.classify_back(YN, self.classify(YN)[1], y, grads)
        G = [GYN] + [self.xp.zeros_like(s) for s in states[-1][1:]]  # ∂C/∂S_N
        G = self.backward(0, self.N, states, G, grads)
        self.lift_back(x, self.start_back(G), grads)
        self.add_regularisation(grads, m)  # times m: the trainers divide by m
        return self.layout(grads)

    def predict(self, x):
        return self.classify(self.trajectory(x)[-1][0])[0].argmax(axis=-1)

    def evaluate(self, x, labels):
        labels = self.xp.asarray(labels)
        if labels.ndim == 2:
            labels = labels.argmax(axis=1)
        return float((self.predict(x) == labels).mean())

    def __repr__(self):
        return (f"{type(self).__name__}(width={self.n}, layers={self.N}, h={self.h}, "
                f"activation={self.sigma.name!r})")

    def _d(self, Z, G):
        """G ⊙ σ'(Z)."""
        xp = self.xp
        return self.sigma.backward(Z, self.sigma(Z, xp), G, xp.empty_like(Z), xp)


class ResNet(StableNet):
    """Forward Euler: Y_(j+1) = Y_j + h σ(K_j Y_j + b_j)."""

    kind = "resnet"

    def matrix(self, j):
        return self.K[j]

    def step(self, j, S):
        (Y,) = S
        return (Y + self.h * self.sigma(Y @ self.matrix(j).T + self.b[j], self.xp),)

    def step_back(self, j, S, G, dK, db):
        (Y,), (GY,) = S, G
        M = self.matrix(j)
        D = self.h * self._d(Y @ M.T + self.b[j], GY)  # ∂C/∂(K_j Y_j + b_j)
        self.add_matrix_grad(j, D.T @ Y, dK)
        db[j] += D.sum(axis=0)
        return [GY + D @ M]

    def add_matrix_grad(self, j, dM, dK):
        dK[j] += dM


class Antisymmetric(ResNet):
    """Y_(j+1) = Y_j + h σ(½(K_j - K_jᵀ - γI) Y_j + b_j): the matrix has imaginary eigenvalues (shifted by -γ/2)."""

    kind = "antisymmetric"

    def matrix(self, j):
        K = self.K[j]
        return 0.5 * (K - K.T - self.gamma * self.xp.eye(self.n, dtype=self.dtype))

    def add_matrix_grad(self, j, dM, dK):
        dK[j] += 0.5 * (dM - dM.T)  # M = ½(K - Kᵀ - γI)


class Hamiltonian(StableNet):
    """Verlet: Z_(j+½) = Z_(j-½) - h σ(K_jᵀ Y_j + b_j);  Y_(j+1) = Y_j + h σ(K_j Z_(j+½) + b_j)."""

    kind = "hamiltonian"

    def start(self, Y0):
        return (Y0, self.xp.zeros_like(Y0))  # (Y_0, Z_(-½) = 0)

    def step(self, j, S):
        Y, Z = S
        K, b, s = self.K[j], self.b[j], self.sigma
        Z = Z - self.h * s(Y @ K + b, self.xp)  # rows: (K_jᵀ Y)ᵀ = Y K_j
        return (Y + self.h * s(Z @ K.T + b, self.xp), Z)

    def step_back(self, j, S, G, dK, db):
        Y, Z_old = S
        GY, GZ = G
        K, b, h = self.K[j], self.b[j], self.h
        P = Y @ K + b
        Z = Z_old - h * self.sigma(P, self.xp)
        DQ = h * self._d(Z @ K.T + b, GY)  # through Y_(j+1) = Y_j + h σ(Z K_jᵀ + b)
        dK[j] += DQ.T @ Z
        db[j] += DQ.sum(axis=0)
        GZ = GZ + DQ @ K
        DP = -h * self._d(P, GZ)  # through Z_(j+½) = Z_(j-½) - h σ(Y K_j + b)
        dK[j] += Y.T @ DP
        db[j] += DP.sum(axis=0)
        return [GY + DP @ K.T, GZ]


class Leapfrog(StableNet):
    """Second order: Y_(j+1) = 2Y_j - Y_(j-1) - h² K_jᵀ σ(K_j Y_j + b_j), with Y_(-1) = Y_0."""

    kind = "leapfrog"

    def start(self, Y0):
        return (Y0, Y0)  # (Y_0, Y_(-1))

    def start_back(self, G):
        return G[0] + G[1]  # both entries are Y_0

    def step(self, j, S):
        Y, Y_prev = S
        K = self.K[j]
        return (2 * Y - Y_prev - self.h ** 2 * self.sigma(Y @ K.T + self.b[j], self.xp) @ K, Y)

    def step_back(self, j, S, G, dK, db):
        Y, _ = S
        GY, GY_prev = G  # ∂C/∂Y_(j+1), ∂C/∂(the Y_j the next state carries)
        K, h2 = self.K[j], self.h ** 2
        P = Y @ K.T + self.b[j]
        A = self.sigma(P, self.xp)
        dK[j] -= h2 * A.T @ GY  # through σ(P) K
        DP = self._d(P, -h2 * GY @ K.T)
        dK[j] += DP.T @ Y
        db[j] += DP.sum(axis=0)
        return [2 * GY + GY_prev + DP @ K, -GY]


ARCHITECTURES = {cls.kind: cls for cls in (ResNet, Antisymmetric, Hamiltonian, Leapfrog)}


def perturbation_growth(net, x, eps=1e-6, seed=0):
    """How much the N layers amplify a small change: (forward, backward).

    forward:  ‖Y_N(x + δ) - Y_N(x)‖ / ‖δ‖ for a random δ of size eps;
    backward: ‖∂C/∂Y_0‖ / ‖∂C/∂Y_N‖ for a random error G at the last layer,
              carried back through every layer's backward step.
    Stable architectures keep both near 1 however deep the network is.
    """
    xp = net.xp
    rng = np.random.default_rng(seed)
    x = np.atleast_2d(np.asarray(x, dtype=net.dtype))
    delta = rng.standard_normal(x.shape)
    delta *= eps / np.linalg.norm(delta)
    forward = float(xp.linalg.norm(net.trajectory(x + delta)[-1][0] - net.trajectory(x)[-1][0])) / eps
    states = net.trajectory(x)
    G = [xp.asarray(rng.standard_normal(states[-1][0].shape))] + [xp.zeros_like(s) for s in states[-1][1:]]
    size = float(xp.linalg.norm(G[0]))
    G = net.backward(0, net.N, states, G, xp.zeros_like(net.params))  # (the weights' gradients: not needed)
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
