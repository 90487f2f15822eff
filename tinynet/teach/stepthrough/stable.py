"""The step-through of a stable network: every scheme, with or without an opening layer and a regularisation.

(opening layer)  z_in = K_in x + b_in,   Y_0 = σ(z_in)        (without one: Y_0 = x, padded with zeros)
layer j, ResNet and antisymmetric (forward Euler):
                 z_j = M_j Y_j + b_j,   Y_(j+1) = Y_j + h σ(z_j),   M_j = K_j or ½(K_j - K_jᵀ - γI)
                 δ_j = h σ'(z_j) ⊙ ∂C/∂Y_(j+1),   ∂C/∂M_j = δ_j Y_jᵀ,   ∂C/∂b_j = δ_j,
                 ∂C/∂Y_j = ∂C/∂Y_(j+1) + M_jᵀ δ_j      (antisymmetric: ∂C/∂K_j = ½(∂C/∂M_j - (∂C/∂M_j)ᵀ))
layer j, Hamiltonian (Verlet; the state is the pair (Y_j, Z_(j-½)), Z_(-½) = 0):
                 z^Z_j = K_jᵀ Y_j + b_j,   Z_(j+½) = Z_(j-½) - h σ(z^Z_j),
                 z^Y_j = K_j Z_(j+½) + b_j,   Y_(j+1) = Y_j + h σ(z^Y_j)
                 δ^Y_j = h σ'(z^Y_j) ⊙ ∂C/∂Y_(j+1),   ∂C/∂Z_(j+½) = ∂C/∂Z_(j+3/2) + K_jᵀ δ^Y_j,
                 δ^Z_j = -h σ'(z^Z_j) ⊙ ∂C/∂Z_(j+½),   ∂C/∂K_j = δ^Y_j Z_(j+½)ᵀ + Y_j (δ^Z_j)ᵀ,
                 ∂C/∂b_j = δ^Y_j + δ^Z_j,   ∂C/∂Y_j = ∂C/∂Y_(j+1) + K_j δ^Z_j
layer j, leapfrog (the state is the pair (Y_j, Y_(j-1)), Y_(-1) = Y_0):
                 z_j = K_j Y_j + b_j,   Y_(j+1) = 2Y_j - Y_(j-1) - h² K_jᵀ σ(z_j)
                 δ_j = σ'(z_j) ⊙ (-h² K_j ∂C/∂Y_(j+1)),   ∂C/∂K_j = -h² σ(z_j) (∂C/∂Y_(j+1))ᵀ + δ_j Y_jᵀ,
                 ∂C/∂b_j = δ_j,   ∂C/∂Y_j = 2 ∂C/∂Y_(j+1) - ∂C/∂Y_(j+2) + K_jᵀ δ_j   (∂C/∂Y_0: 1 instead of 2)
classifier:      z = W Y_N + μ,   a = softmax(z),   E = -Σ_i y_i ln a_i
                 δ = a - y,   ∂C/∂W = δ Y_Nᵀ,   ∂C/∂μ = δ,   ∂C/∂Y_N = Wᵀ δ
opening layer:   δ_in = ∂C/∂Y_0 ⊙ σ'(z_in),   ∂C/∂K_in = δ_in xᵀ,   ∂C/∂b_in = δ_in
regularisation:  C = E + R (one sample, m = 1),   R = α_f/(2h) Σ_j (‖K_(j+1) - K_j‖² + ‖b_(j+1) - b_j‖²) + α_c/2 ‖W‖²,
                 ∂C/∂θ = ∂E/∂θ + ∂R/∂θ,   ∂R/∂K_j = α_f/h ((K_j - K_(j-1)) - (K_(j+1) - K_j)),   ∂R/∂W = α_c W

Without a regularisation E is C, and every gradient the backward steps show is the trace's. With one, a trace's
C and gradients hold R's share: the backward steps show ∂E/∂θ of what R touches (tinynet's own backward steps,
without R), and the last two steps add ∂R/∂θ (tinynet's own ``add_regularisation``) to give the trace's ∂C/∂θ.
"""

import numpy as np

from tinynet.base import Network
from tinynet.costs import CrossEntropy
from tinynet.stable.net import StableNet
from tinynet.stable.schemes import Antisymmetric, Hamiltonian, Leapfrog, ResNet
from tinynet.teach.stepthrough.format import SIGMA_TEX, WIDE, fmt, sub, tex_col, tex_mat, tex_num, tex_row, tex_vec
from tinynet.teach.stepthrough.scene import COST, NOWHERE, column, edges, maps, new_scene, strip, units
from tinynet.teach.stepthrough.steps import (
    backward,
    code,
    cost_step,
    forward,
    lead_terms,
    paren,
    part,
    pass_data,
    step,
    term_sum,
    why_each,
    why_given,
    why_outer,
    why_same,
)

EXAMPLE_TITLE = "A ResNet read as forward Euler: three layers of width 2, h = 0.5"
SCHEMES = (ResNet, Antisymmetric, Hamiltonian, Leapfrog)
NAMES = {
    ResNet: "A ResNet read as forward Euler",
    Antisymmetric: "An antisymmetric network read as forward Euler",
    Hamiltonian: "A Hamiltonian network read as Verlet",
    Leapfrog: "A leapfrog network",
}


def resnet_example():
    net = ResNet(2, 2, width=2, layers=3, h=0.5, seed=0)
    return net, np.array([0.5, -0.3]), np.array([1.0, 0.0])


# --- what a trace does not keep, from tinynet's own backward steps ----------------------------------------


class Backward:
    """What tinynet's own backward steps compute on one sample, without the regularisation.

    ``S[j]`` = ∂C/∂S_j, the error of the state S_j (a tuple: Y_j and what the scheme carries), for j = 0..N;
    ``Y[j]`` = ∂C/∂Y_j (for j = 0 after ``start_back``: every copy of Y_0 counted);
    ``E`` = ∂E/∂θ per trace layer (as ``net.layer_params``: the gradient of the cross-entropy alone);
    ``R`` = ∂R/∂θ per trace layer (``add_regularisation`` with m = 1).
    """

    def __init__(self, net, x, y):
        X, Yt = net.check_x(x), net.check_y(y, 1)
        p = net.forward(X)
        first = 1 if net.opening else 0  # where the layers' z begin in p.z
        grad = np.zeros_like(net.params)
        S_N = p.states[-1]
        _, G_YN = net.classify_back(S_N[0], p.a[-1], Yt, grad)
        G = (G_YN,) + tuple(np.zeros_like(s) for s in S_N[1:])
        self.S = {net.N: tuple(np.asarray(g[0]) for g in G)}
        for j in reversed(range(net.N)):
            _, G = net.run_layers_back(j, j + 1, p.z[first + j : first + j + 1], p.states[j : j + 2], G, grad)
            self.S[j] = tuple(np.asarray(g[0]) for g in G)
        self.Y = {j: S[0] for j, S in self.S.items()}
        self.Y[0] = np.asarray(net.start_back(G)[0])
        net.lift_back(X, p.z[0], net.start_back(G), grad)
        self.E = net.layer_params(net.grad_blocks(grad))
        nabla_R = np.zeros_like(net.params)
        net.add_regularisation(nabla_R, 1)
        self.R = net.layer_params(net.grad_blocks(nabla_R))


# --- how numbers are written ---------------------------------------------------------------------------


def half(j):
    """The index j + ½ of a Hamiltonian's Z, as a fraction: 0 -> '1/2', -1 -> '-1/2'."""
    return f"{2 * j + 1}/2".replace("-", "−")


def check_drawable(net):
    """A ValueError naming what the step-through cannot draw of ``net``."""
    if not isinstance(net, StableNet):
        raise ValueError(f"stepthrough: stable_data draws a stable network, got {type(net).__name__}")
    if type(net) not in SCHEMES:
        raise ValueError(f"stepthrough: the {net.kind} scheme ({type(net).__name__}) is not drawn yet")


# --- the drawing ------------------------------------------------------------------------------------------


class Layout:
    """The drawing: a column of units (or a strip) per layer, the edges between unit columns, the cost.

    A Hamiltonian network's Z_(j+½) is a second band of columns below the Y's, each halfway between Y_j and
    Y_(j+1): z^Z_j = K_jᵀ Y_j + b_j runs from Y_j down to it, z^Y_j = K_j Z_(j+½) + b_j from it up to Y_(j+1).
    """

    def __init__(self, net):
        n, N = net.n, net.N
        self.first = first = 1 if net.opening else 0  # the column of Y_0
        sizes = ([net.inputs] if net.opening else []) + [n] * (N + 1) + [net.classes]
        labels = (["x"] if net.opening else []) + [f"Y{sub(c)}" for c in range(N + 1)] + ["softmax"]
        drawn = [s for s in sizes if s <= WIDE]
        col_w = min(150, 1030 // len(sizes))
        two = type(net) is Hamiltonian
        rows = 2 * max(drawn, default=0) if two else max(drawn, default=0)
        height = min(700, max(330, 70 + 28 * rows + (60 if two else 0)))
        bottom = height - 40
        y_bottom = (40 + bottom) // 2 - 20 if two else bottom  # the band of the Y's (all of it but a Hamiltonian's)
        self.scene = new_scene(60 + col_w * (len(sizes) - 1) + 110, height, ["z", "Y", "δ", "∂C/∂b", "∂C/∂Y"])
        if two and (y_bottom - 40) / max(n, 1) < 60:
            self.scene["compact"] = True  # a unit shows only its latest number (two bands leave no room for five)
        self.cols = [
            self.place(f"u{c}_", f"m{c}", size, 40 + col_w * c, 40, y_bottom, label)
            for c, (size, label) in enumerate(zip(sizes, labels))
        ]
        self.zcols = []  # a Hamiltonian's Z_(j+½), j = 0..N-1, halfway between the columns of Y_j and Y_(j+1)
        if two:
            for j in range(N):
                x = 40 + col_w * (first + j + 1) - col_w // 2
                self.zcols.append(self.place(f"h{j}_", f"hm{j}", n, x, y_bottom + 60, bottom, f"Z{sub(2 * j + 1)}/₂"))
        self.eid, self.gid, self.skip = {}, {}, {}
        for c in range(1, len(sizes)):
            if two and first < c <= first + N:
                self.hamiltonian_edges(c, c - first - 1)
            else:
                self.plain_edges(c, first <= c - 1 < first + N)
        last = 40 + col_w * (len(sizes) - 1)
        self.scene["texts"].append({"id": "cost", "x": last - 10, "y": bottom + 32, "text": "C", "cls": "st-cost"})

    def place(self, unit_prefix, strip_prefix, size, x, top, bottom, label):
        """A column of ``size`` units (ids ``{unit_prefix}{i}``) or a strip: ("units" or "maps", ids)."""
        if size <= WIDE:
            ids = [f"{unit_prefix}{i}" for i in range(size)]
            column(self.scene, ids, x, top, bottom, label)
            return "units", ids
        return "maps", strip(self.scene, strip_prefix, size, x, top, bottom, label)

    def connect(self, prefix, ids_from, ids_to, skip=False):
        """Edges from every unit of ``ids_from`` to every unit of ``ids_to`` (or unit i to unit i: ``skip``).

        Their ids, ``{prefix}{r}_{k}`` from k to r, in the order of a matrix's entries (r, k).
        """
        if skip:
            pairs = [(i, i) for i in range(len(ids_to))]
        else:
            pairs = [(r, k) for r in range(len(ids_to)) for k in range(len(ids_from))]
        ids = [f"{prefix}{r}" if skip else f"{prefix}{r}_{k}" for r, k in pairs]
        for eid, (r, k) in zip(ids, pairs):
            edge = {"id": eid, "from": ids_from[k], "to": ids_to[r]}
            self.scene["edges"].append(edge | {"skip": True} if skip else edge)
        return ids

    def plain_edges(self, c, layer):
        """Column c-1 to column c: the weights, and (``layer``: a step Y_j -> Y_(j+1)) the skip connection."""
        (kind_from, ids_from), (kind_to, ids_to) = self.cols[c - 1], self.cols[c]
        if kind_from == kind_to == "units":
            self.eid[c] = self.connect(f"e{c}_", ids_from, ids_to)
            if layer:
                self.skip[c] = self.connect(f"s{c}_", ids_from, ids_to, skip=True)

    def hamiltonian_edges(self, c, j):
        """Layer j of a Hamiltonian: Y_j -> Z_(j+½) (K_jᵀ), Z_(j-½) -> Z_(j+½), Z_(j+½) -> Y_(j+1) (K_j), the skip."""
        (kind_y, Y_j), (kind_z, Z), (kind_next, Y_next) = self.cols[c - 1], self.zcols[j], self.cols[c]
        if kind_y == kind_z == "units":
            by_k = self.connect(f"g{c}_", Y_j, Z)  # g{c}_{r}_{k}: Y_j,k -> Z_r carries K_kr
            n = len(Z)
            self.gid[c] = [by_k[r * n + k] for k in range(n) for r in range(n)]  # in the order of K's entries
        if j > 0 and self.zcols[j - 1][0] == kind_z == "units":
            self.skip[-c] = self.connect(f"t{c}_", self.zcols[j - 1][1], Z, skip=True)
        if kind_z == kind_next == "units":
            self.eid[c] = self.connect(f"e{c}_", Z, Y_next)
        if kind_y == kind_next == "units":
            self.skip[c] = self.connect(f"s{c}_", Y_j, Y_next, skip=True)

    def at(self, c, slot):
        """Where an array of column c goes: its units' text row ``slot``, or its strip."""
        kind, ids = self.cols[c]
        return units(ids, slot) if kind == "units" else maps(ids)

    def z_at(self, j, slot):
        """Where an array of a Hamiltonian's Z_(j+½) column goes."""
        kind, ids = self.zcols[j]
        return units(ids, slot) if kind == "units" else maps(ids)

    def input_at(self, m):
        """Where x (m entries) goes: the first m units of column 0 (or its strip, if it is x alone)."""
        kind, ids = self.cols[0]
        if kind == "units":
            return units(ids[:m], 1)
        return maps(ids) if len(self.scene["maps"]) and self.scene["maps"][0]["rows"] == m else NOWHERE

    def labels(self, c):
        """How many of a part's entries to label: 5 on a strip, none on units."""
        return 5 if self.cols[c][0] == "maps" else 0

    def z_labels(self, j):
        return 5 if self.zcols[j][0] == "maps" else 0

    def weights(self, c):
        """Where the weights into column c go: their edges, or nowhere (no edges between strips)."""
        return edges(self.eid[c]) if c in self.eid else NOWHERE

    def lit(self, *groups):
        """A step's highlight: the edges of ``groups`` (columns' weights or skips) that are drawn."""
        ids = [e for g in groups for e in (g or [])]
        return {"edges": ids} if ids else None


# --- the step-through -------------------------------------------------------------------------------------


def stable_data(net=None, x=None, y=None, name="resnet", title=None):
    """The step-through of a stable network on one sample (x, y): the ResNet, antisymmetric, Hamiltonian and
    leapfrog schemes, any width and number of layers, with or without an opening layer and a regularisation.

    The classifier is softmax with cross-entropy. Without ``net``, the docs' example (``resnet_example``).
    Anything else is a ValueError naming it.
    """
    if net is None:
        net, x, y = resnet_example()
        title = title or EXAMPLE_TITLE
    check_drawable(net)
    return StablePass(net, x, y, name, title).data


class StablePass:
    """The steps of one traced pass, built in order; each step's parts are kept by its id for later steps'
    "where it comes from" (a reference is ``(step id, part)``; an entry of it ``[step id, part, k]``)."""

    def __init__(self, net, x, y, name, title):
        self.net, self.t, self.back = net, net.trace(x, y), Backward(net, x, y)
        self.scheme = type(net)
        self.N, self.n, self.h, self.off = net.N, net.n, net.h, 1 if net.opening else 0
        self.L = self.off + self.N + 1  # the classifier's layer in the trace
        self.s, self.sn = SIGMA_TEX[net.sigma.name], net.sigma.name
        self.regularised = bool(net.alpha_f or net.alpha_c)
        self.lay = Layout(net)
        self.c0, self.cout = self.lay.first, self.lay.first + self.N + 1  # the columns of Y_0 and the classifier
        self.steps, self.parts_of = [], {}
        self.Y_ref, self.dY_ref = {}, {}  # Y_j and ∂C/∂Y_j
        self.z_ref, self.d_ref = {}, {}  # layer j's z_j (a Hamiltonian's z^Y_j) and δ_j (δ^Y_j)
        self.Z_ref, self.zZ_ref, self.dZ_ref, self.dZd_ref = {}, {}, {}, {}  # a Hamiltonian's Z_(j+½), z^Z, ∂C/∂Z, δ^Z
        self.M_ref = {}
        title = title or (
            f"{NAMES[self.scheme]}: {self.N} layers of width {self.n}, h = {net.h:g}"
            + (", with an opening layer" if net.opening else "")
            + (", regularised" if self.regularised else "")
        )
        self.input_step()
        if net.opening:
            self.opening_forward()
        for j in range(self.N):
            {Hamiltonian: self.hamiltonian_forward, Leapfrog: self.leapfrog_forward}.get(
                self.scheme, self.euler_forward
            )(j)
        self.classifier_forward()
        self.classifier_back()
        for j in reversed(range(self.N)):
            {Hamiltonian: self.hamiltonian_back, Leapfrog: self.leapfrog_back}.get(self.scheme, self.euler_back)(j)
        if net.opening:
            self.opening_back()
        if self.regularised:
            self.regularisation_back()
        self.data = pass_data(name, title, "stable", self.t, self.lay.scene, self.steps)

    # --- bookkeeping ---------------------------------------------------------------------------------------

    def add(self, s):
        self.steps.append(s)
        self.parts_of[s["id"]] = s["parts"]

    def value(self, ref, k):
        return self.parts_of[ref[0]][ref[1]]["values"][k]

    def layer(self, j):
        """The trace's layer of step j (after the opening layer, if there is one)."""
        return self.t[self.off + j + 1]

    def Y(self, j):
        """Y_j, the trace's (or x padded with zeros)."""
        if j == 0:
            return self.Y0
        a = self.layer(j - 1).a
        return a[0][0] if self.scheme in (Hamiltonian, Leapfrog) else a[0]

    def src(self, q, j, k=None):
        """Where a value of step j comes from in a trace: its layer's ``q`` (entry ``k`` of a pair)."""
        return {"q": q, "l": self.off + j + 1} | ({} if k is None else {"k": k})

    def sums(self, out, label, terms_of, last=None):
        """why_each entries of a weighted sum: ``label`` its left side ("{i}": the entry), ``terms_of(i)`` its
        terms (factors, refs), ``last(i)`` an added term (html, refs), e.g. the bias."""
        entries = []
        for i, v in enumerate(np.ravel(out)):
            html, refs = term_sum(terms_of(i))
            if last is not None:
                extra, more = last(i)
                html, refs = f"{html} + {extra}", refs + more
            entries.append([f"{label.replace('{i}', str(i))} = {html} = {fmt(v)}", refs])
        return entries

    def matvec(self, M_ref, rows, cols, v_ref, transpose=False):
        """The terms of (M v)_i (or (Mᵀ v)_i): M_ik v_k over k, each with its two references."""

        def terms(i):
            ks = range(rows if transpose else cols)
            at = [(k * cols + i) if transpose else (i * cols + k) for k in ks]
            return [((self.value(M_ref, a), self.value(v_ref, k)), [[*M_ref, a], [*v_ref, k]]) for a, k in zip(at, ks)]

        return terms

    def bias(self, b_ref):
        return lambda i: (paren(self.value(b_ref, i)), [[*b_ref, i]])

    def plus_matvec(self, label, total, first_ref, M_ref, v_ref, transpose, first_factor=""):
        """why_each entries of ``first + M v`` (or Mᵀ v), entry by entry: ``label`` the equation's symbols."""
        n, entries = self.n, []
        for i in range(n):
            html, refs = term_sum(self.matvec(M_ref, n, n, v_ref, transpose)(i))
            head = "" if first_ref is None else f"{first_factor}{paren(self.value(first_ref, i))} + "
            more = [] if first_ref is None else [[*first_ref, i]]
            entries.append([f"{label.replace('{i}', str(i))} = {head}{html} = {fmt(total[i])}", more + refs])
        return entries

    # --- gradients: of C, or (what R touches) of E ---------------------------------------------------------

    def touched(self, key):
        """Whether R adds to the gradient of the parameter ``key``: K_j, b_j (α_f, two layers or more), W (α_c)."""
        if key in ("K", "b"):
            return bool(self.net.alpha_f) and self.N > 1
        return key == "W" and bool(self.net.alpha_c)

    def d(self, key):
        """What a backward step shows for ``key``: "∂C", or "∂E" where R adds its own share later."""
        return "∂E" if self.touched(key) else "∂C"

    def grad(self, l, key):
        """(∂C/∂θ or ∂E/∂θ, its source) of layer l's parameter ``key``."""
        if self.touched(key):
            return self.back.E[l - 1][key], {"q": "gradE", "l": l, "key": key}
        return self.t[l].grads[key], {"q": "grad", "l": l, "key": key}

    # --- the input step: x, y and every parameter ---------------------------------------------------------

    def input_step(self):
        net, t, lay, n = self.net, self.t, self.lay, self.n
        X, Yt = t.x[0], t.y[0]
        self.Y0 = t[1].a[0] if net.opening else np.concatenate([X, np.zeros(n - net.inputs)])
        plain = not net.opening and net.inputs == n  # x is Y_0 itself
        self.given = [
            part(
                "Y<sub>0</sub> = x" if plain else "x",
                {"q": "x"},
                X,
                lay.input_at(net.inputs),
                "x",
                why=why_given("x<sub>{i}</sub> = {=}, the input"),
                labels=lay.labels(0),
            ),
            part(
                "y",
                {"q": "y"},
                Yt,
                lay.at(self.cout, 4),
                "y",
                why=why_given("y<sub>{i}</sub> = {=}, the target"),
                labels=lay.labels(self.cout),
            ),
        ]
        lines = (
            code(StableNet.lift, "Y0[:, :self.inputs] = x")
            if not net.opening
            else code(StableNet.forward, "z_in, Y0 = self.lift(x)")
        )
        lines += code(StableNet.unpack, "self.K, self.b, self.W, self.mu = blocks[:4]")
        if net.opening:
            lines += code(StableNet.unpack, "self.K_in, self.b_in = blocks[4:] if self.opening else (None, None)")
        if not net.opening and net.inputs < n:
            self.given.append(
                part(
                    "Y<sub>0</sub>",
                    {"q": "Y0"},
                    self.Y0,
                    lay.at(self.c0, 1),
                    "Y",
                    labels=lay.labels(self.c0),
                    why=why_given("Y<sub>0,{i}</sub> = {=}, x padded with zeros to the width " + str(n)),
                )
            )
            self.Y_ref[0] = ("input", len(self.given) - 1)
        else:
            self.Y_ref[0] = ("input", 0)  # with an opening layer, replaced by its step's Y_0
        if net.opening:
            self.K_in = self.param("K<sub>in</sub>", 1, "K_in", lay.weights(1))
            self.b_in = self.param("b<sub>in</sub>", 1, "b_in", NOWHERE)
        anti = self.scheme is Antisymmetric
        self.K = [
            self.param(f"K<sub>{j}</sub>", self.off + j + 1, "K", NOWHERE if anti else lay.weights(self.c0 + j + 1))
            for j in range(self.N)
        ]
        self.b = [self.param(f"b<sub>{j}</sub>", self.off + j + 1, "b", NOWHERE) for j in range(self.N)]
        self.W = self.param("W", self.L, "W", lay.weights(self.cout))
        self.mu = self.param("μ", self.L, "mu", NOWHERE)
        self.parts_of["input"] = self.given
        tex = (rf"Y_0 = x = {tex_vec(X)}" if plain else rf"x = {tex_vec(X)}") + rf", \qquad y = {tex_vec(Yt)}"
        self.steps.append(
            step("input", "input", "The input x, the target y and the parameters", tex, lines, self.given)
        )

    def param(self, label, l, key, target):
        """A parameter as a part of the input step; returns its reference (step id, part)."""
        value = self.t[l].params[key]
        why = why_given(f"{label}<sub>{{i}}</sub> = {{=}}, a parameter", (2 if key.endswith("_in") else 1,))
        self.given.append(part(label, {"q": "param", "l": l, "key": key}, value, target, label, panel=False, why=why))
        return ("input", len(self.given) - 1)

    # --- the opening layer ---------------------------------------------------------------------------------

    def opening_forward(self):
        """z_in = K_in x + b_in, Y_0 = σ(z_in)."""
        lt, lay, c0, s, sn = self.t[1], self.lay, self.c0, self.s, self.sn
        X = self.t.x[0]
        z_label = "z<sub>in,{i}</sub> = Σ<sub>k</sub> K<sub>in,{i}k</sub> x<sub>k</sub> + b<sub>in,{i}</sub>"
        self.add(
            forward(
                "z_in",
                "Forward, the opening layer: z_in = K_in x + b_in",
                rf"z_{{in}} = K_{{in}} x + b_{{in}} = {tex_mat(lt.params['K_in'])} {tex_vec(X)}"
                rf" + {tex_vec(lt.params['b_in'])}"
                rf" = {tex_vec(lt.z[0])}",
                code(StableNet.lift, "z = x @ self.K_in.T + self.b_in"),
                [
                    part(
                        "z<sub>in</sub>",
                        {"q": "z", "l": 1},
                        lt.z[0],
                        lay.at(c0, 0),
                        "z",
                        labels=lay.labels(c0),
                        why=why_each(
                            self.sums(
                                lt.z[0],
                                z_label,
                                self.matvec(self.K_in, self.n, self.net.inputs, ("input", 0)),
                                self.bias(self.b_in),
                            )
                        ),
                    )
                ],
                lay.lit(lay.eid.get(1)),
            )
        )
        self.add(
            forward(
                "a_in",
                "Forward, the opening layer: Y₀ = σ(z_in)",
                rf"Y_0 = {s}(z_{{in}}) = {s}\!\left({tex_vec(lt.z[0])}\right) = {tex_vec(lt.a[0])}",
                code(StableNet.lift, "return z, self.sigma(z)"),
                [
                    part(
                        "Y<sub>0</sub>",
                        {"q": "a", "l": 1},
                        lt.a[0],
                        lay.at(c0, 1),
                        "Y",
                        labels=lay.labels(c0),
                        why=why_same(
                            f"Y<sub>0,{{i}}</sub> = {sn}(z<sub>in,{{i}}</sub>) = {sn}({{0}}) = {{=}}", [("z_in", 0)]
                        ),
                    )
                ],
            )
        )
        self.Y_ref[0] = ("a_in", 0)

    def opening_back(self):
        """δ_in = ∂C/∂Y_0 ⊙ σ'(z_in),   ∂C/∂K_in = δ_in xᵀ,   ∂C/∂b_in = δ_in."""
        lt, lay, c0, s, sn = self.t[1], self.lay, self.c0, self.s, self.sn
        self.add(
            backward(
                "delta_in",
                "Backward, the opening layer: δ_in = ∂C/∂Y₀ ⊙ σ'(z_in)",
                rf"\delta_{{in}} = \frac{{\partial C}}{{\partial Y_0}} \odot {s}'(z_{{in}}) = {tex_vec(self.back.Y[0])}"
                rf" \odot {s}'\!\left({tex_vec(lt.z[0])}\right) = {tex_vec(lt.delta[0])}",
                code(StableNet.lift_back, "delta = self.times_sigma_prime(z, G_Y0)"),
                [
                    part(
                        "δ<sub>in</sub>",
                        {"q": "delta", "l": 1},
                        lt.delta[0],
                        lay.at(c0, 2),
                        "δ",
                        labels=lay.labels(c0),
                        why=why_same(
                            f"δ<sub>in,{{i}}</sub> = ∂C/∂Y<sub>0,{{i}}</sub>·{sn}′(z<sub>in,{{i}}</sub>)"
                            f" = {{0}}·{sn}′({{1}}) = {{=}}",
                            [self.dY_ref[0], ("z_in", 0)],
                        ),
                    )
                ],
            )
        )
        self.add(
            backward(
                "dK_in",
                "Backward, the opening layer: the gradient ∂C/∂K_in",
                rf"\frac{{\partial C}}{{\partial K_{{in}}}} = \delta_{{in}} x^{{T}} = {tex_mat(lt.grads['K_in'])}",
                code(StableNet.lift_back, "nabla_k_in += delta.T @ x"),
                [
                    part(
                        "∂C/∂K<sub>in</sub>",
                        {"q": "grad", "l": 1, "key": "K_in"},
                        lt.grads["K_in"],
                        lay.weights(1),
                        "∂K",
                        why=why_outer(
                            "∂C/∂K<sub>in,{i}</sub> = δ<sub>in,{i0}</sub>·x<sub>{i1}</sub> = {0}·{1} = {=}",
                            [("delta_in", 0), ("input", 0)],
                        ),
                    )
                ],
            )
        )
        self.add(
            backward(
                "db_in",
                "Backward, the opening layer: the gradient ∂C/∂b_in",
                rf"\frac{{\partial C}}{{\partial b_{{in}}}} = \delta_{{in}} = {tex_vec(lt.grads['b_in'])}",
                code(StableNet.lift_back, "nabla_b_in += delta.sum(axis=0)"),
                [
                    part(
                        "∂C/∂b<sub>in</sub>",
                        {"q": "grad", "l": 1, "key": "b_in"},
                        lt.grads["b_in"],
                        lay.at(c0, 3),
                        "∂b",
                        labels=lay.labels(c0),
                        why=why_same("∂C/∂b<sub>in,{i}</sub> = δ<sub>in,{i}</sub> = {=}", [("delta_in", 0)]),
                    )
                ],
            )
        )

    # --- ResNet and antisymmetric: forward Euler -----------------------------------------------------------

    def euler_forward(self, j):
        """z_j = M_j Y_j + b_j (M_j = K_j, or antisymmetric ½(K_j - K_jᵀ - γI)); Y_(j+1) = Y_j + h σ(z_j)."""
        net, lay, n, h, s, sn = self.net, self.lay, self.n, self.h, self.s, self.sn
        lt, c, anti = self.layer(j), self.c0 + j + 1, self.scheme is Antisymmetric
        M = net.matrix(j)
        parts = []
        lines = code(ResNet.layer_forward, "z = Y @ self.matrix(j).T + self.b[j]")
        if anti:
            lines += code(
                Antisymmetric.matrix, "return 0.5 * (K - K.T - self.gamma * self.xp.eye(self.n, dtype=self.dtype))"
            )
            parts.append(self.antisymmetric_matrix(j, M, lay.weights(c)))
            self.M_ref[j] = (f"z{j + 1}", 0)
            self.parts_of[f"z{j + 1}"] = parts  # z_j's sums read M_j from its own step
        else:
            self.M_ref[j] = self.K[j]
        Mn = "M" if anti else "K"
        self.z_ref[j] = (f"z{j + 1}", len(parts))
        parts.append(
            part(
                f"z<sub>{j}</sub>",
                self.src("z", j),
                lt.z[0],
                lay.at(c, 0),
                "z",
                labels=lay.labels(c),
                why=why_each(
                    self.sums(
                        lt.z[0],
                        f"z<sub>{j},{{i}}</sub> = Σ<sub>k</sub> {Mn}<sub>{j},{{i}}k</sub> Y<sub>{j},k</sub>"
                        f" + b<sub>{j},{{i}}</sub>",
                        self.matvec(self.M_ref[j], n, n, self.Y_ref[j]),
                        self.bias(self.b[j]),
                    )
                ),
            )
        )
        matrix_tex = (
            rf"\tfrac12(K_{{{j}}} - K_{{{j}}}^{{T}} - {tex_num(net.gamma)} I) = {tex_mat(M)}" if anti else tex_mat(M)
        )
        self.add(
            forward(
                f"z{j + 1}",
                f"Forward, layer {j + 1}: z{sub(j)} = {Mn}{sub(j)} Y{sub(j)} + b{sub(j)}",
                rf"z_{{{j}}} = {Mn}_{{{j}}} Y_{{{j}}} + b_{{{j}}} = {matrix_tex} {tex_vec(self.Y(j))}"
                rf" + {tex_vec(lt.params['b'])} = {tex_vec(lt.z[0])}",
                lines,
                parts,
                lay.lit(lay.eid.get(c)),
            )
        )
        self.Y_ref[j + 1] = (f"a{j + 1}", 0)
        self.add(
            forward(
                f"a{j + 1}",
                f"Forward, layer {j + 1}: the Euler step Y{sub(j + 1)} = Y{sub(j)} + h σ(z{sub(j)})",
                rf"Y_{{{j + 1}}} = Y_{{{j}}} + h\,{s}(z_{{{j}}}) = {tex_vec(self.Y(j))} + {tex_num(h)}\,"
                rf"{s}\!\left({tex_vec(lt.z[0])}\right) = {tex_vec(lt.a[0])}",
                code(ResNet.layer_forward, "return z, (Y + self.h * self.sigma(z),)"),
                [
                    part(
                        f"Y<sub>{j + 1}</sub>",
                        self.src("a", j),
                        lt.a[0],
                        lay.at(c, 1),
                        "Y",
                        labels=lay.labels(c),
                        why=why_same(
                            f"Y<sub>{j + 1},{{i}}</sub> = Y<sub>{j},{{i}}</sub> + h·{sn}(z<sub>{j},{{i}}</sub>)"
                            f" = {{0}} + {fmt(h)}·{sn}({{1}}) = {{=}}",
                            [self.Y_ref[j], self.z_ref[j]],
                        ),
                    )
                ],
                lay.lit(lay.skip.get(c)),
            )
        )

    def antisymmetric_matrix(self, j, M, target):
        """The part M_j = ½(K_j - K_jᵀ - γI), entry by entry from K_j."""
        n, K = self.n, self.K[j]
        entries = []
        for i, k in np.ndindex(n, n):
            shift = f" − {paren(self.net.gamma)}" if i == k else ""
            entries.append(
                [
                    f"M<sub>{j},{i}{k}</sub> = ½(K<sub>{j},{i}{k}</sub> − K<sub>{j},{k}{i}</sub>"
                    f"{' − γ' if i == k else ''})"
                    f" = ½({paren(self.value(K, i * n + k))} − {paren(self.value(K, k * n + i))}"
                    f"{shift}) = {fmt(M[i, k])}",
                    [[*K, i * n + k], [*K, k * n + i]],
                ]
            )
        return part(f"M<sub>{j}</sub>", self.src("M", j), M, target, "M", panel=False, why=why_each(entries, (1,)))

    def euler_back(self, j):
        """δ_j = h σ'(z_j) ⊙ ∂C/∂Y_(j+1),  ∂C/∂K_j (from ∂C/∂M_j = δ_j Y_jᵀ),  ∂C/∂b_j = δ_j,
        ∂C/∂Y_j = ∂C/∂Y_(j+1) + M_jᵀ δ_j."""
        net, lay, n, h, s, sn = self.net, self.lay, self.n, self.h, self.s, self.sn
        lt, c, anti = self.layer(j), self.c0 + j + 1, self.scheme is Antisymmetric
        back_fn, G = ResNet.layer_back, self.back.Y
        Mn = "M" if anti else "K"
        d_ref = self.d_ref[j] = (f"delta{j + 1}", 0)
        self.add(
            backward(
                f"delta{j + 1}",
                f"Backward, layer {j + 1}: δ{sub(j)} = h σ'(z{sub(j)}) ⊙ ∂C/∂Y{sub(j + 1)}",
                rf"\delta_{{{j}}} = h\,{s}'(z_{{{j}}}) \odot \frac{{\partial C}}{{\partial Y_{{{j + 1}}}}}"
                rf" = {tex_num(h)}\,{s}'\!\left({tex_vec(lt.z[0])}\right) \odot {tex_vec(G[j + 1])}"
                rf" = {tex_vec(lt.delta[0])}",
                code(back_fn, "delta = self.h * self.times_sigma_prime(z, G_Y)"),
                [
                    part(
                        f"δ<sub>{j}</sub>",
                        self.src("delta", j),
                        lt.delta[0],
                        lay.at(c, 2),
                        "δ",
                        labels=lay.labels(c),
                        why=why_same(
                            f"δ<sub>{j},{{i}}</sub> = h·{sn}′(z<sub>{j},{{i}}</sub>)·∂C/∂Y<sub>{j + 1},{{i}}</sub>"
                            f" = {fmt(h)}·{sn}′({{0}})·{{1}} = {{=}}",
                            [self.z_ref[j], self.dY_ref[j + 1]],
                        ),
                    )
                ],
            )
        )
        gK, source = self.grad(self.off + j + 1, "K")
        dC = self.d("K")
        lines = code(back_fn, "self.add_matrix_grad(j, delta.T @ Y, nabla_k)")
        Y_ref = self.Y_ref[j]
        if anti:
            lines += code(Antisymmetric.add_matrix_grad, "nabla_k[j] += 0.5 * (nabla_m - nabla_m.T)")
            d, Yj = self.parts_of[d_ref[0]][0]["values"], self.parts_of[Y_ref[0]][Y_ref[1]]["values"]
            entries = [
                [
                    f"{dC}/∂K<sub>{j},{r}{q}</sub> = ½(δ<sub>{j},{r}</sub> Y<sub>{j},{q}</sub>"
                    f" − δ<sub>{j},{q}</sub> Y<sub>{j},{r}</sub>)"
                    f" = ½({paren(d[r])}·{paren(Yj[q])} − {paren(d[q])}·{paren(Yj[r])}) = {fmt(gK[r, q])}",
                    [[*d_ref, r], [*Y_ref, q], [*d_ref, q], [*Y_ref, r]],
                ]
                for r, q in np.ndindex(n, n)
            ]
            why = why_each(entries, (0, 1))
            tex = (
                rf"\frac{{\partial {dC[1]}}}{{\partial K_{{{j}}}}} = \tfrac12\left(\delta_{{{j}}} Y_{{{j}}}^{{T}}"
                rf" - Y_{{{j}}} \delta_{{{j}}}^{{T}}\right) = {tex_mat(gK)}"
            )
        else:
            why = why_outer(
                f"{dC}/∂K<sub>{j},{{i}}</sub> = δ<sub>{j},{{i0}}</sub>·Y<sub>{j},{{i1}}</sub> = {{0}}·{{1}} = {{=}}",
                [d_ref, Y_ref],
            )
            tex = (
                rf"\frac{{\partial {dC[1]}}}{{\partial K_{{{j}}}}} = \delta_{{{j}}} Y_{{{j}}}^{{T}}"
                rf" = {tex_vec(lt.delta[0])} {tex_vec(self.Y(j), row=True)} = {tex_mat(gK)}"
            )
        self.add(
            backward(
                f"dK{j + 1}",
                f"Backward, layer {j + 1}: the gradient {dC}/∂K{sub(j)}",
                tex,
                lines,
                [part(f"{dC}/∂K<sub>{j}</sub>", source, gK, NOWHERE if anti else lay.weights(c), "∂K", why=why)],
            )
        )
        self.bias_grad(
            j, code(back_fn, "nabla_b[j] += delta.sum(axis=0)"), [(f"δ<sub>{j},{{i}}</sub>", d_ref, rf"\delta_{{{j}}}")]
        )
        M_ref = self.M_ref[j]
        self.add(
            backward(
                f"dY{j}",
                f"Backward: the error passes the skip and the layer, "
                f"∂C/∂Y{sub(j)} = ∂C/∂Y{sub(j + 1)} + {Mn}{sub(j)}ᵀ δ{sub(j)}",
                rf"\frac{{\partial C}}{{\partial Y_{{{j}}}}} = \frac{{\partial C}}{{\partial Y_{{{j + 1}}}}}"
                rf" + {Mn}_{{{j}}}^{{T}} \delta_{{{j}}} = {tex_vec(G[j + 1])} + {tex_mat(net.matrix(j).T)}"
                rf" {tex_vec(lt.delta[0])} = {tex_vec(G[j])}",
                code(back_fn, "return delta, (G_Y + delta @ self.matrix(j),)"),
                [
                    self.dY_part(
                        j,
                        self.plus_matvec(
                            f"∂C/∂Y<sub>{j},{{i}}</sub> = ∂C/∂Y<sub>{j + 1},{{i}}</sub>"
                            f" + Σ<sub>k</sub> {Mn}<sub>{j},k{{i}}</sub> δ<sub>{j},k</sub>",
                            G[j],
                            self.dY_ref[j + 1],
                            M_ref,
                            d_ref,
                            transpose=True,
                        ),
                    )
                ],
                lay.lit(lay.eid.get(c), lay.skip.get(c)),
            )
        )

    def bias_grad(self, j, lines, deltas):
        """The step ∂C/∂b_j = the sum of ``deltas`` [(html, ref, tex), ...] (δ_j, or a Hamiltonian's δ^Y_j + δ^Z_j)."""
        lay, c = self.lay, self.c0 + j + 1
        gb, source = self.grad(self.off + j + 1, "b")
        dC = self.d("b")
        names = " + ".join(html for html, _, _ in deltas)
        ops = " + ".join(f"{{{k}}}" for k in range(len(deltas)))
        eq = f"{dC}/∂b<sub>{j},{{i}}</sub> = {names} = " + (f"{ops} = {{=}}" if len(deltas) > 1 else "{=}")
        symbols = " + ".join(tex for _, _, tex in deltas)
        self.add(
            backward(
                f"db{j + 1}",
                f"Backward, layer {j + 1}: the gradient {dC}/∂b{sub(j)}",
                rf"\frac{{\partial {dC[1]}}}{{\partial b_{{{j}}}}} = {symbols} = {tex_vec(gb)}",
                lines,
                [
                    part(
                        f"{dC}/∂b<sub>{j}</sub>",
                        source,
                        gb,
                        lay.at(c, 3),
                        "∂b",
                        labels=lay.labels(c),
                        why=why_same(eq, [ref for _, ref, _ in deltas], tuple(range(len(lines)))),
                    )
                ],
            )
        )

    def dY_part(self, j, entries, lines=(0,)):
        """The part ∂C/∂Y_j (tinynet's own backward steps give it: a trace does not keep it)."""
        lay, c = self.lay, self.c0 + j
        self.dY_ref[j] = (f"dY{j}", 0)
        return part(
            f"∂C/∂Y<sub>{j}</sub>",
            {"q": "dY", "l": j},
            self.back.Y[j],
            lay.at(c, 4),
            "∂Y",
            labels=lay.labels(c),
            why=why_each(entries, lines),
        )

    # --- Hamiltonian: Verlet ------------------------------------------------------------------------------

    def hamiltonian_forward(self, j):
        """z^Z_j = K_jᵀ Y_j + b_j,  Z_(j+½) = Z_(j-½) - h σ(z^Z_j),  z^Y_j = K_j Z_(j+½) + b_j,
        Y_(j+1) = Y_j + h σ(z^Y_j)."""
        lay, n, h, s, sn = self.lay, self.n, self.h, self.s, self.sn
        lt, c, K, b = self.layer(j), self.c0 + j + 1, self.K[j], self.b[j]
        fn = Hamiltonian.layer_forward
        z_Z, z_Y, (Y_next, Z) = lt.z[0][0], lt.z[1][0], (a[0] for a in lt.a)
        Kj, bj = lt.params["K"], lt.params["b"]
        Zs = f"Z<sub>{half(j)}" + "{}</sub>"  # Z_(j+½), and an entry of it: Zs.format(",i")
        self.zZ_ref[j] = (f"zZ{j + 1}", 0)
        self.add(
            forward(
                f"zZ{j + 1}",
                f"Forward, layer {j + 1}: the half step's input z{sub(j)}ᶻ = K{sub(j)}ᵀ Y{sub(j)} + b{sub(j)}",
                rf"z^Z_{{{j}}} = K_{{{j}}}^{{T}} Y_{{{j}}} + b_{{{j}}} = {tex_mat(Kj.T)} {tex_vec(self.Y(j))}"
                rf" + {tex_vec(bj)}"
                rf" = {tex_vec(z_Z)}",
                code(fn, "z_Z = Y @ K + b"),
                [
                    part(
                        f"z<sup>Z</sup><sub>{j}</sub>",
                        self.src("z", j, 0),
                        z_Z,
                        lay.z_at(j, 0),
                        "z",
                        labels=lay.z_labels(j),
                        why=why_each(
                            self.sums(
                                z_Z,
                                f"z<sup>Z</sup><sub>{j},{{i}}</sub> = Σ<sub>k</sub> K<sub>{j},k{{i}}</sub>"
                                f" Y<sub>{j},k</sub> + b<sub>{j},{{i}}</sub>",
                                self.matvec(K, n, n, self.Y_ref[j], transpose=True),
                                self.bias(b),
                            )
                        ),
                    )
                ],
                lay.lit(lay.gid.get(c)),
            )
        )
        before = "0" if j == 0 else "{0}"  # Z_(-½) = 0
        self.Z_ref[j] = (f"Z{j + 1}", 0)
        self.add(
            forward(
                f"Z{j + 1}",
                f"Forward, layer {j + 1}: the half step Z{sub(2 * j + 1)}/₂ = Z{sub(2 * j - 1) if j else '₋₁'}/₂"
                f" − h σ(z{sub(j)}ᶻ)",
                rf"Z_{{{half(j)}}} = Z_{{{half(j - 1)}}} - h\,{s}(z^Z_{{{j}}}) = "
                + (rf"{tex_vec(self.Z(j - 1))}" if j else "0")
                + rf" - {tex_num(h)}\,{s}\!\left({tex_vec(z_Z)}\right) = {tex_vec(Z)}",
                code(fn, "Z_half = Z - h * self.sigma(z_Z)"),
                [
                    part(
                        Zs.format(""),
                        self.src("a", j, 1),
                        Z,
                        lay.z_at(j, 1),
                        "Z",
                        labels=lay.z_labels(j),
                        why=why_same(
                            f"{Zs.format(',{i}')} = Z<sub>{half(j - 1)},{{i}}</sub>"
                            f" − h·{sn}(z<sup>Z</sup><sub>{j},{{i}}</sub>)"
                            f" = {before} − {fmt(h)}·{sn}({{{0 if j == 0 else 1}}}) = {{=}}",
                            ([] if j == 0 else [self.Z_ref[j - 1]]) + [self.zZ_ref[j]],
                        ),
                    )
                ],
                lay.lit(lay.skip.get(-c)),
            )
        )
        self.z_ref[j] = (f"zY{j + 1}", 0)
        self.add(
            forward(
                f"zY{j + 1}",
                f"Forward, layer {j + 1}: z{sub(j)}ʸ = K{sub(j)} Z{sub(2 * j + 1)}/₂ + b{sub(j)}",
                rf"z^Y_{{{j}}} = K_{{{j}}} Z_{{{half(j)}}} + b_{{{j}}} = {tex_mat(Kj)} {tex_vec(Z)} + {tex_vec(bj)}"
                rf" = {tex_vec(z_Y)}",
                code(fn, "z_Y = Z_half @ K.T + b"),
                [
                    part(
                        f"z<sup>Y</sup><sub>{j}</sub>",
                        self.src("z", j, 1),
                        z_Y,
                        lay.at(c, 0),
                        "z",
                        labels=lay.labels(c),
                        why=why_each(
                            self.sums(
                                z_Y,
                                f"z<sup>Y</sup><sub>{j},{{i}}</sub> = Σ<sub>k</sub> K<sub>{j},{{i}}k</sub>"
                                f" {Zs.format(',k')} + b<sub>{j},{{i}}</sub>",
                                self.matvec(K, n, n, self.Z_ref[j]),
                                self.bias(b),
                            )
                        ),
                    )
                ],
                lay.lit(lay.eid.get(c)),
            )
        )
        self.Y_ref[j + 1] = (f"a{j + 1}", 0)
        self.add(
            forward(
                f"a{j + 1}",
                f"Forward, layer {j + 1}: Y{sub(j + 1)} = Y{sub(j)} + h σ(z{sub(j)}ʸ)",
                rf"Y_{{{j + 1}}} = Y_{{{j}}} + h\,{s}(z^Y_{{{j}}}) = {tex_vec(self.Y(j))} + {tex_num(h)}\,"
                rf"{s}\!\left({tex_vec(z_Y)}\right) = {tex_vec(Y_next)}",
                code(fn, "return (z_Z, z_Y), (Y + h * self.sigma(z_Y), Z_half)"),
                [
                    part(
                        f"Y<sub>{j + 1}</sub>",
                        self.src("a", j, 0),
                        Y_next,
                        lay.at(c, 1),
                        "Y",
                        labels=lay.labels(c),
                        why=why_same(
                            f"Y<sub>{j + 1},{{i}}</sub> = Y<sub>{j},{{i}}</sub> + h·{sn}(z<sup>Y</sup><sub>{j},{{i}}"
                            f"</sub>) = {{0}} + {fmt(h)}·{sn}({{1}}) = {{=}}",
                            [self.Y_ref[j], self.z_ref[j]],
                        ),
                    )
                ],
                lay.lit(lay.skip.get(c)),
            )
        )

    def Z(self, j):
        """A Hamiltonian's Z_(j+½), the trace's."""
        return self.layer(j).a[1][0]

    def hamiltonian_back(self, j):
        """δ^Y_j, ∂C/∂Z_(j+½), δ^Z_j, ∂C/∂K_j (two terms), ∂C/∂b_j (two terms), ∂C/∂Y_j: ``layer_back``."""
        lay, n, h, s, sn = self.lay, self.n, self.h, self.s, self.sn
        lt, c, K, G = self.layer(j), self.c0 + j + 1, self.K[j], self.back
        fn = Hamiltonian.layer_back
        (z_Z, z_Y), (d_Z, d_Y) = (z[0] for z in lt.z), (d[0] for d in lt.delta)
        Kj, Zj = lt.params["K"], self.Z(j)
        dY_ref = self.d_ref[j] = (f"deltaY{j + 1}", 0)
        self.add(
            backward(
                f"deltaY{j + 1}",
                f"Backward, layer {j + 1}: δ{sub(j)}ʸ = h σ'(z{sub(j)}ʸ) ⊙ ∂C/∂Y{sub(j + 1)}",
                rf"\delta^Y_{{{j}}} = h\,{s}'(z^Y_{{{j}}}) \odot \frac{{\partial C}}{{\partial Y_{{{j + 1}}}}}"
                rf" = {tex_num(h)}\,{s}'\!\left({tex_vec(z_Y)}\right) \odot {tex_vec(G.Y[j + 1])} = {tex_vec(d_Y)}",
                code(fn, "delta_Y = h * self.times_sigma_prime(z_Y, G_Y)"),
                [
                    part(
                        f"δ<sup>Y</sup><sub>{j}</sub>",
                        self.src("delta", j, 1),
                        d_Y,
                        lay.at(c, 2),
                        "δ",
                        labels=lay.labels(c),
                        why=why_same(
                            f"δ<sup>Y</sup><sub>{j},{{i}}</sub> = h·{sn}′(z<sup>Y</sup><sub>{j},{{i}}</sub>)"
                            f"·∂C/∂Y<sub>{j + 1},{{i}}</sub> = {fmt(h)}·{sn}′({{0}})·{{1}} = {{=}}",
                            [self.z_ref[j], self.dY_ref[j + 1]],
                        ),
                    )
                ],
            )
        )
        dZ = G.S[j][1]  # ∂C/∂Z_(j-½), which is ∂C/∂Z_(j+½): Z_(j+½) = Z_(j-½) - h σ(z^Z_j(Y_j))
        later = j + 1 < self.N  # a later layer reads Z_(j+½) (the last one's reaches C only through Y_N)
        self.dZ_ref[j] = (f"dZ{j + 1}", 0)
        self.add(
            backward(
                f"dZ{j + 1}",
                f"Backward, layer {j + 1}: the error of the half step, ∂C/∂Z{sub(2 * j + 1)}/₂ = "
                + (f"∂C/∂Z{sub(2 * j + 3)}/₂ + " if later else "")
                + f"K{sub(j)}ᵀ δ{sub(j)}ʸ",
                rf"\frac{{\partial C}}{{\partial Z_{{{half(j)}}}}} = "
                + (rf"\frac{{\partial C}}{{\partial Z_{{{half(j + 1)}}}}} + " if later else "")
                + rf"K_{{{j}}}^{{T}} \delta^Y_{{{j}}} = "
                + (rf"{tex_vec(G.S[j + 1][1])} + " if later else "")
                + rf"{tex_mat(Kj.T)} {tex_vec(d_Y)} = {tex_vec(dZ)}",
                code(fn, "G_Z = G_Z + delta_Y @ K"),
                [
                    part(
                        f"∂C/∂Z<sub>{half(j)}</sub>",
                        {"q": "dZ", "l": j},
                        dZ,
                        lay.z_at(j, 4),
                        "∂Z",
                        labels=lay.z_labels(j),
                        why=why_each(
                            self.plus_matvec(
                                f"∂C/∂Z<sub>{half(j)},{{i}}</sub> = "
                                + (f"∂C/∂Z<sub>{half(j + 1)},{{i}}</sub> + " if later else "")
                                + f"Σ<sub>k</sub> K<sub>{j},k{{i}}</sub> δ<sup>Y</sup><sub>{j},k</sub>",
                                dZ,
                                self.dZ_ref[j + 1] if later else None,
                                K,
                                dY_ref,
                                transpose=True,
                            )
                        ),
                    )
                ],
                lay.lit(lay.eid.get(c)),
            )
        )
        dZd_ref = self.dZd_ref[j] = (f"deltaZ{j + 1}", 0)
        self.add(
            backward(
                f"deltaZ{j + 1}",
                f"Backward, layer {j + 1}: δ{sub(j)}ᶻ = −h σ'(z{sub(j)}ᶻ) ⊙ ∂C/∂Z{sub(2 * j + 1)}/₂",
                rf"\delta^Z_{{{j}}} = -h\,{s}'(z^Z_{{{j}}}) \odot \frac{{\partial C}}{{\partial Z_{{{half(j)}}}}}"
                rf" = -{tex_num(h)}\,{s}'\!\left({tex_vec(z_Z)}\right) \odot {tex_vec(dZ)} = {tex_vec(d_Z)}",
                code(fn, "delta_Z = -h * self.times_sigma_prime(z_Z, G_Z)"),
                [
                    part(
                        f"δ<sup>Z</sup><sub>{j}</sub>",
                        self.src("delta", j, 0),
                        d_Z,
                        lay.z_at(j, 2),
                        "δ",
                        labels=lay.z_labels(j),
                        why=why_same(
                            f"δ<sup>Z</sup><sub>{j},{{i}}</sub> = −h·{sn}′(z<sup>Z</sup><sub>{j},{{i}}</sub>)"
                            f"·∂C/∂Z<sub>{half(j)},{{i}}</sub> = −{fmt(h)}·{sn}′({{0}})·{{1}} = {{=}}",
                            [self.zZ_ref[j], self.dZ_ref[j]],
                        ),
                    )
                ],
            )
        )
        gK, source = self.grad(self.off + j + 1, "K")
        dC, Z_ref, Y_ref = self.d("K"), self.Z_ref[j], self.Y_ref[j]
        v = self.value
        entries = [
            [
                f"{dC}/∂K<sub>{j},{r}{q}</sub> = δ<sup>Y</sup><sub>{j},{r}</sub> Z<sub>{half(j)},{q}</sub>"
                f" + Y<sub>{j},{r}</sub> δ<sup>Z</sup><sub>{j},{q}</sub>"
                f" = {paren(v(dY_ref, r))}·{paren(v(Z_ref, q))} + {paren(v(Y_ref, r))}·{paren(v(dZd_ref, q))}"
                f" = {fmt(gK[r, q])}",
                [[*dY_ref, r], [*Z_ref, q], [*Y_ref, r], [*dZd_ref, q]],
            ]
            for r, q in np.ndindex(n, n)
        ]
        self.add(
            backward(
                f"dK{j + 1}",
                f"Backward, layer {j + 1}: the gradient {dC}/∂K{sub(j)}, from both half steps",
                rf"\frac{{\partial {dC[1]}}}{{\partial K_{{{j}}}}} = \delta^Y_{{{j}}} Z_{{{half(j)}}}^{{T}}"
                rf" + Y_{{{j}}} (\delta^Z_{{{j}}})^{{T}} = {tex_vec(d_Y)} {tex_vec(Zj, row=True)}"
                rf" + {tex_vec(self.Y(j))} {tex_vec(d_Z, row=True)}"
                rf" = {tex_mat(gK)}",
                code(fn, "nabla_k[j] += delta_Y.T @ Z_half", fn, "nabla_k[j] += Y.T @ delta_Z"),
                [part(f"{dC}/∂K<sub>{j}</sub>", source, gK, lay.weights(c), "∂K", why=why_each(entries, (0, 1)))],
            )
        )
        self.bias_grad(
            j,
            code(fn, "nabla_b[j] += delta_Y.sum(axis=0)", fn, "nabla_b[j] += delta_Z.sum(axis=0)"),
            [
                (f"δ<sup>Y</sup><sub>{j},{{i}}</sub>", dY_ref, rf"\delta^Y_{{{j}}}"),
                (f"δ<sup>Z</sup><sub>{j},{{i}}</sub>", dZd_ref, rf"\delta^Z_{{{j}}}"),
            ],
        )
        self.add(
            backward(
                f"dY{j}",
                f"Backward: the error passes the skip and the half step, ∂C/∂Y{sub(j)} = ∂C/∂Y{sub(j + 1)}"
                f" + K{sub(j)} δ{sub(j)}ᶻ",
                rf"\frac{{\partial C}}{{\partial Y_{{{j}}}}} = \frac{{\partial C}}{{\partial Y_{{{j + 1}}}}}"
                rf" + K_{{{j}}} \delta^Z_{{{j}}} = {tex_vec(G.Y[j + 1])} + {tex_mat(Kj)} {tex_vec(d_Z)}"
                rf" = {tex_vec(G.Y[j])}",
                code(fn, "return (delta_Z, delta_Y), (G_Y + delta_Z @ K.T, G_Z)"),
                [
                    self.dY_part(
                        j,
                        self.plus_matvec(
                            f"∂C/∂Y<sub>{j},{{i}}</sub> = ∂C/∂Y<sub>{j + 1},{{i}}</sub>"
                            f" + Σ<sub>k</sub> K<sub>{j},{{i}}k</sub> δ<sup>Z</sup><sub>{j},k</sub>",
                            G.Y[j],
                            self.dY_ref[j + 1],
                            K,
                            dZd_ref,
                            transpose=False,
                        ),
                    )
                ],
                lay.lit(lay.gid.get(c), lay.skip.get(c)),
            )
        )

    # --- leapfrog ---------------------------------------------------------------------------------------

    def leapfrog_forward(self, j):
        """z_j = K_j Y_j + b_j,  Y_(j+1) = 2Y_j - Y_(j-1) - h² K_jᵀ σ(z_j)  (Y_(-1) = Y_0)."""
        lay, n, h, s, sn = self.lay, self.n, self.h, self.s, self.sn
        lt, c, K = self.layer(j), self.c0 + j + 1, self.K[j]
        fn, z, Y_next = Leapfrog.layer_forward, self.layer(j).z[0], self.layer(j).a[0][0]
        self.z_ref[j] = (f"z{j + 1}", 0)
        self.add(
            forward(
                f"z{j + 1}",
                f"Forward, layer {j + 1}: z{sub(j)} = K{sub(j)} Y{sub(j)} + b{sub(j)}",
                rf"z_{{{j}}} = K_{{{j}}} Y_{{{j}}} + b_{{{j}}} = {tex_mat(lt.params['K'])} {tex_vec(self.Y(j))}"
                rf" + {tex_vec(lt.params['b'])} = {tex_vec(z)}",
                code(fn, "z = Y @ K.T + self.b[j]"),
                [
                    part(
                        f"z<sub>{j}</sub>",
                        self.src("z", j),
                        z,
                        lay.at(c, 0),
                        "z",
                        labels=lay.labels(c),
                        why=why_each(
                            self.sums(
                                z,
                                f"z<sub>{j},{{i}}</sub> = Σ<sub>k</sub> K<sub>{j},{{i}}k</sub> Y<sub>{j},k</sub>"
                                f" + b<sub>{j},{{i}}</sub>",
                                self.matvec(K, n, n, self.Y_ref[j]),
                                self.bias(self.b[j]),
                            )
                        ),
                    )
                ],
                lay.lit(lay.eid.get(c)),
            )
        )
        before = self.Y_ref[max(j - 1, 0)]  # Y_(j-1); Y_(-1) = Y_0
        sigma = self.net.sigma(z)
        entries = []
        for i in range(n):
            terms = [
                (
                    f"{paren(self.value(K, k * n + i))}·{sn}({fmt(self.value(self.z_ref[j], k))})",
                    self.value(K, k * n + i) * sigma[k],
                    [[*K, k * n + i], [*self.z_ref[j], k]],
                )
                for k in range(n)
            ]
            html, refs = lead_terms(terms)
            entries.append(
                [
                    f"Y<sub>{j + 1},{i}</sub> = 2·Y<sub>{j},{i}</sub> − Y<sub>{j - 1},{i}</sub>"
                    f" − h²·Σ<sub>k</sub> K<sub>{j},k{i}</sub> {sn}(z<sub>{j},k</sub>)"
                    f" = 2·{paren(self.value(self.Y_ref[j], i))} − {paren(self.value(before, i))}"
                    f" − {fmt(h * h)}·({html}) = {fmt(Y_next[i])}",
                    [[*self.Y_ref[j], i], [*before, i], *refs],
                ]
            )
        self.Y_ref[j + 1] = (f"a{j + 1}", 0)
        start = r"\quad (Y_{-1} = Y_0)" if j == 0 else ""
        self.add(
            forward(
                f"a{j + 1}",
                f"Forward, layer {j + 1}: the leapfrog step Y{sub(j + 1)} = 2Y{sub(j)} − Y{sub(j - 1) if j else '₋₁'}"
                f" − h² K{sub(j)}ᵀ σ(z{sub(j)})",
                rf"Y_{{{j + 1}}} = 2Y_{{{j}}} - Y_{{{j - 1}}} - h^2 K_{{{j}}}^{{T}} {s}(z_{{{j}}})"
                rf" = 2{tex_vec(self.Y(j))}"
                rf" - {tex_vec(self.Y(max(j - 1, 0)))} - {tex_num(h * h)}\,{tex_mat(lt.params['K'].T)}\,"
                rf"{s}\!\left({tex_vec(z)}\right) = {tex_vec(Y_next)}{start}",
                code(fn, "return z, (2 * Y - Y_before - self.h**2 * self.sigma(z) @ K, Y)"),
                [
                    part(
                        f"Y<sub>{j + 1}</sub>",
                        self.src("a", j, 0),
                        Y_next,
                        lay.at(c, 1),
                        "Y",
                        labels=lay.labels(c),
                        why=why_each(entries),
                    )
                ],
                lay.lit(lay.eid.get(c), lay.skip.get(c)),
            )
        )

    def leapfrog_back(self, j):
        """δ_j = σ'(z_j) ⊙ (-h² K_j ∂C/∂Y_(j+1)),  ∂C/∂K_j = -h² σ(z_j) (∂C/∂Y_(j+1))ᵀ + δ_j Y_jᵀ,  ∂C/∂b_j = δ_j,
        ∂C/∂Y_j = 2 ∂C/∂Y_(j+1) - ∂C/∂Y_(j+2) + K_jᵀ δ_j  (for Y_0, also Y_(-1): 1 instead of 2)."""
        lay, n, h, s, sn = self.lay, self.n, self.h, self.s, self.sn
        lt, c, K, G = self.layer(j), self.c0 + j + 1, self.K[j], self.back
        fn, z, d = Leapfrog.layer_back, lt.z[0], lt.delta[0]
        Kj, h2 = lt.params["K"], h * h
        d_ref = self.d_ref[j] = (f"delta{j + 1}", 0)
        dY_next = self.dY_ref[j + 1]
        entries = []
        for i in range(n):
            html, refs = term_sum(self.matvec(K, n, n, dY_next)(i))
            entries.append(
                [
                    f"δ<sub>{j},{i}</sub> = {sn}′(z<sub>{j},{i}</sub>)·(−h²·Σ<sub>k</sub> K<sub>{j},{i}k</sub>"
                    f" ∂C/∂Y<sub>{j + 1},k</sub>) = {sn}′({fmt(self.value(self.z_ref[j], i))})·(−{fmt(h2)}·({html}))"
                    f" = {fmt(d[i])}",
                    [[*self.z_ref[j], i], *refs],
                ]
            )
        self.add(
            backward(
                f"delta{j + 1}",
                f"Backward, layer {j + 1}: δ{sub(j)} = σ'(z{sub(j)}) ⊙ (−h² K{sub(j)} ∂C/∂Y{sub(j + 1)})",
                rf"\delta_{{{j}}} = {s}'(z_{{{j}}}) \odot \left(-h^2 K_{{{j}}} \frac{{\partial C}}"
                rf"{{\partial Y_{{{j + 1}}}}}\right) = {s}'\!\left({tex_vec(z)}\right) \odot \left(-{tex_num(h2)}\,"
                rf"{tex_mat(Kj)} {tex_vec(G.Y[j + 1])}\right) = {tex_vec(d)}",
                code(fn, "delta = self.times_sigma_prime(z, -h2 * G_Y @ K.T)"),
                [
                    part(
                        f"δ<sub>{j}</sub>",
                        self.src("delta", j),
                        d,
                        lay.at(c, 2),
                        "δ",
                        labels=lay.labels(c),
                        why=why_each(entries),
                    )
                ],
                lay.lit(lay.eid.get(c)),
            )
        )
        gK, source = self.grad(self.off + j + 1, "K")
        dC, Y_ref, z_ref, v = self.d("K"), self.Y_ref[j], self.z_ref[j], self.value
        entries = [
            [
                f"{dC}/∂K<sub>{j},{r}{q}</sub> = −h²·{sn}(z<sub>{j},{r}</sub>)·∂C/∂Y<sub>{j + 1},{q}</sub>"
                f" + δ<sub>{j},{r}</sub>·Y<sub>{j},{q}</sub> = −{fmt(h2)}·{sn}({fmt(v(z_ref, r))})"
                f"·{paren(v(dY_next, q))} + {paren(v(d_ref, r))}·{paren(v(Y_ref, q))} = {fmt(gK[r, q])}",
                [[*z_ref, r], [*dY_next, q], [*d_ref, r], [*Y_ref, q]],
            ]
            for r, q in np.ndindex(n, n)
        ]
        self.add(
            backward(
                f"dK{j + 1}",
                f"Backward, layer {j + 1}: the gradient {dC}/∂K{sub(j)}, outside σ and inside it",
                rf"\frac{{\partial {dC[1]}}}{{\partial K_{{{j}}}}} = -h^2 {s}(z_{{{j}}})"
                rf" \frac{{\partial C}}{{\partial Y_{{{j + 1}}}}}^{{T}} + \delta_{{{j}}} Y_{{{j}}}^{{T}}"
                rf" = {tex_mat(gK)}",
                code(fn, "nabla_k[j] -= h2 * self.sigma(z).T @ G_Y", fn, "nabla_k[j] += delta.T @ Y"),
                [part(f"{dC}/∂K<sub>{j}</sub>", source, gK, lay.weights(c), "∂K", why=why_each(entries, (0, 1)))],
            )
        )
        self.bias_grad(
            j, code(fn, "nabla_b[j] += delta.sum(axis=0)"), [(f"δ<sub>{j},{{i}}</sub>", d_ref, rf"\delta_{{{j}}}")]
        )
        self.leapfrog_dY(j)

    def leapfrog_dY(self, j):
        """∂C/∂Y_j = 2 ∂C/∂Y_(j+1) - ∂C/∂Y_(j+2) + K_jᵀ δ_j; Y_0 is also Y_(-1), whose -∂C/∂Y_1 makes the 2 a 1."""
        lay, n, c, G, v = self.lay, self.n, self.c0 + j + 1, self.back, self.value
        fn, Kj, d = Leapfrog.layer_back, self.layer(j).params["K"], self.layer(j).delta[0]
        two = 1 if j == 0 else 2
        skip = j + 2 <= self.N  # Y_(j+2) = 2Y_(j+1) - Y_j - ...: a later layer reads Y_j too
        lines = code(fn, "return delta, (2 * G_Y + G_carried + delta @ K, -G_Y)")
        if j == 0:
            lines += code(Leapfrog.start_back, "return G[0] + G[1]")
        first, second = self.dY_ref[j + 1], self.dY_ref.get(j + 2)
        entries = []
        for i in range(n):
            html, refs = term_sum(self.matvec(self.K[j], n, n, self.d_ref[j], transpose=True)(i))
            head = f"{two}·{paren(v(first, i))}" if two == 2 else paren(v(first, i))
            head += f" − {paren(v(second, i))}" if skip else ""
            entries.append(
                [
                    f"∂C/∂Y<sub>{j},{i}</sub> = {'2·' if two == 2 else ''}∂C/∂Y<sub>{j + 1},{i}</sub>"
                    + (f" − ∂C/∂Y<sub>{j + 2},{i}</sub>" if skip else "")
                    + f" + Σ<sub>k</sub> K<sub>{j},k{i}</sub> δ<sub>{j},k</sub> = {head} + {html} = {fmt(G.Y[j][i])}",
                    [[*first, i]] + ([[*second, i]] if skip else []) + refs,
                ]
            )
        coef = "2" if two == 2 else ""
        later_tex = rf" - \frac{{\partial C}}{{\partial Y_{{{j + 2}}}}}" if skip else ""
        self.add(
            backward(
                f"dY{j}",
                f"Backward: the error of Y{sub(j)}, ∂C/∂Y{sub(j)} = {coef}∂C/∂Y{sub(j + 1)}"
                + (f" − ∂C/∂Y{sub(j + 2)}" if skip else "")
                + f" + K{sub(j)}ᵀ δ{sub(j)}",
                rf"\frac{{\partial C}}{{\partial Y_{{{j}}}}} = {coef}\frac{{\partial C}}{{\partial Y_{{{j + 1}}}}}"
                rf"{later_tex} + K_{{{j}}}^{{T}} \delta_{{{j}}} = {coef}{tex_vec(G.Y[j + 1])}"
                + (rf" - {tex_vec(G.Y[j + 2])}" if skip else "")
                + rf" + {tex_mat(Kj.T)} {tex_vec(d)} = {tex_vec(G.Y[j])}",
                lines,
                [self.dY_part(j, entries, tuple(range(len(lines))))],
                lay.lit(lay.eid.get(c), lay.skip.get(c)),
            )
        )

    # --- the classifier, the cost and the regularisation ---------------------------------------------------

    def classifier_forward(self):
        """z = W Y_N + μ,  a = softmax(z),  then the cost: C (or E, and R with C = E + R)."""
        lay, N, n, k, L, cout = self.lay, self.N, self.n, self.net.classes, self.L, self.cout
        cl = self.t[L]
        self.add(
            forward(
                f"z{N + 1}",
                f"Forward, the classifier: z = W Y{sub(N)} + μ",
                rf"z = W Y_{{{N}}} + \mu = {tex_mat(cl.params['W'])} {tex_vec(self.Y(N))}"
                rf" + {tex_vec(cl.params['mu'])} = {tex_vec(cl.z[0])}",
                code(StableNet.classify, "z = YN @ self.W.T + self.mu"),
                [
                    part(
                        "z",
                        {"q": "z", "l": L},
                        cl.z[0],
                        lay.at(cout, 0),
                        "z",
                        labels=lay.labels(cout),
                        why=why_each(
                            self.sums(
                                cl.z[0],
                                f"z<sub>{{i}}</sub> = Σ<sub>k</sub> W<sub>{{i}}k</sub> Y<sub>{N},k</sub>"
                                " + μ<sub>{i}</sub>",
                                self.matvec(self.W, k, n, self.Y_ref[N]),
                                self.bias(self.mu),
                            )
                        ),
                    )
                ],
                lay.lit(lay.eid.get(cout)),
            )
        )
        z_out = (f"z{N + 1}", 0)
        soft = []
        for i, v in enumerate(cl.a[0]):
            terms = " + ".join(f"e<sup>{fmt(self.value(z_out, q))}</sup>" for q in range(k))
            soft.append(
                [
                    f"a<sub>{i}</sub> = e<sup>z<sub>{i}</sub></sup> / Σ<sub>k</sub> e<sup>z<sub>k</sub></sup>"
                    f" = e<sup>{fmt(self.value(z_out, i))}</sup> / ({terms}) = {fmt(v)}",
                    [[*z_out, q] for q in range(k)],
                ]
            )
        self.add(
            forward(
                f"a{N + 1}",
                "Forward, the classifier: a = softmax(z)",
                rf"a = \mathrm{{softmax}}(z) = \mathrm{{softmax}}\!\left({tex_vec(cl.z[0])}\right)"
                rf" = {tex_vec(cl.a[0])}",
                code(StableNet.classify, "return z, self.activations[0](z)"),
                [
                    part(
                        "a",
                        {"q": "a", "l": L},
                        cl.a[0],
                        lay.at(cout, 1),
                        "a",
                        labels=lay.labels(cout),
                        why=why_each(soft),
                    )
                ],
            )
        )
        if not self.regularised:
            self.add(cost_step(self.net, self.t, COST, L, a_ref=(f"a{N + 1}", 0), y_ref=("input", 1)))
        else:
            self.cross_entropy_step()
            self.regularisation_step()

    def cross_entropy_step(self):
        """E = -Σ_i y_i ln a_i, the cost of the output alone (tinynet's own ``CrossEntropy.value``)."""
        net, cl, Yt, N = self.net, self.t[self.L], self.t.y[0], self.N
        E = net.cost.value(cl.z, cl.a, self.t.y, net.activations[-1])
        hot = [i for i in range(len(Yt)) if Yt[i] != 0]
        shown = " + ".join(f"{paren(Yt[i])}·ln {fmt(cl.a[0][i])}" for i in hot)
        html = (
            f"E = −Σ<sub>i</sub> y<sub>i</sub> ln a<sub>i</sub> = −({shown}) = {fmt(E)}"
            ' <span class="st-more">(the terms with y<sub>i</sub> = 0 vanish)</span>'
        )
        refs = [r for i in hot for r in ([f"a{N + 1}", 0, i], ["input", 1, i])]
        self.add(
            step(
                "cost",
                "cost",
                "The cost of the output: the cross-entropy E",
                rf"E = -\sum_i y_i \ln a_i = -{tex_row(Yt)} \cdot \ln {tex_col(cl.a[0])} = {tex_num(E)}",
                code(CrossEntropy.value, "return -float((y * log_a).sum())"),
                [part("E", {"q": "E"}, E, NOWHERE, "E", why=why_each([[html, refs]]))],
            )
        )

    def regularisation_step(self):
        """R (tinynet's own ``regularisation``), and C = E + R: the trace's C."""
        net, t = self.net, self.t
        R = net.regularisation()
        a_f, a_c, h = net.alpha_f, net.alpha_c, net.h
        K, b, W = net.K, net.b, net.W
        smooth = float((np.diff(K, axis=0) ** 2).sum() + (np.diff(b, axis=0) ** 2).sum())
        html = (
            "R = α<sub>f</sub>/(2h)·Σ<sub>j</sub> (‖K<sub>j+1</sub> − K<sub>j</sub>‖²"
            " + ‖b<sub>j+1</sub> − b<sub>j</sub>‖²)"
            f" + α<sub>c</sub>/2·‖W‖² = {fmt(a_f)}/(2·{fmt(h)})·{fmt(smooth)} + {fmt(a_c)}/2·{fmt((W**2).sum())}"
            f" = {fmt(R)}"
        )
        C_html = f"C = E + R = {fmt(self.value(('cost', 0), 0))} + {fmt(R)} = {fmt(t.C)}"
        self.add(
            step(
                "R",
                "cost",
                "The regularisation R, and the cost C = E + R",
                rf"R = \frac{{\alpha_f}}{{2h}} \sum_j \left(\lVert K_{{j+1}} - K_j \rVert^2 + \lVert b_{{j+1}} - b_j"
                rf" \rVert^2\right) + \frac{{\alpha_c}}{{2}} \lVert W \rVert^2 = {tex_num(R)}, \qquad"
                rf" C = E + R = {tex_num(t.C)}",
                code(
                    StableNet.regularisation,
                    "return self.alpha_f / (2 * self.h) * smoothness",
                    Network.cost_of,
                    "return total + len(x) * self.regularisation()",
                ),
                [
                    part("R", {"q": "R"}, R, NOWHERE, "R", why=why_each([[html, []]])),
                    part(
                        "C", {"q": "C"}, t.C, COST, "C", why=why_each([[C_html, [["cost", 0, 0], ["R", 0, 0]]]], (1,))
                    ),
                ],
            )
        )

    def classifier_back(self):
        """δ = a - y,  ∂C/∂W = δ Y_Nᵀ,  ∂C/∂μ = δ,  ∂C/∂Y_N = Wᵀ δ."""
        lay, N, n, k, L, cout = self.lay, self.N, self.n, self.net.classes, self.L, self.cout
        cl, Yt = self.t[L], self.t.y[0]
        self.add(
            backward(
                f"delta{N + 1}",
                "Backward: the classifier's error δ = a - y",
                rf"\delta = a - y = {tex_vec(cl.a[0])} - {tex_vec(Yt)} = {tex_vec(cl.delta[0])}",
                code(StableNet.classify_back, "delta = a - y"),
                [
                    part(
                        "δ",
                        {"q": "delta", "l": L},
                        cl.delta[0],
                        lay.at(cout, 2),
                        "δ",
                        labels=lay.labels(cout),
                        why=why_same(
                            "δ<sub>{i}</sub> = a<sub>{i}</sub> − y<sub>{i}</sub> = {0} − {1} = {=}",
                            [(f"a{N + 1}", 0), ("input", 1)],
                        ),
                    )
                ],
            )
        )
        delta_out = (f"delta{N + 1}", 0)
        gW, source = self.grad(L, "W")
        dC = self.d("W")
        self.add(
            backward(
                "dW",
                f"Backward: the gradient {dC}/∂W",
                rf"\frac{{\partial {dC[1]}}}{{\partial W}} = \delta\, Y_{{{N}}}^{{T}} = {tex_vec(cl.delta[0])}"
                rf" {tex_vec(self.Y(N), row=True)} = {tex_mat(gW)}",
                code(StableNet.classify_back, "nabla_w += delta.T @ YN"),
                [
                    part(
                        f"{dC}/∂W",
                        source,
                        gW,
                        lay.weights(cout),
                        "∂w",
                        why=why_outer(
                            f"{dC}/∂W<sub>{{i}}</sub> = δ<sub>{{i0}}</sub>·Y<sub>{N},{{i1}}</sub>"
                            " = {0}·{1} = {=}",
                            [delta_out, self.Y_ref[N]],
                        ),
                    )
                ],
            )
        )
        self.add(
            backward(
                "dmu",
                "Backward: the gradient ∂C/∂μ",
                rf"\frac{{\partial C}}{{\partial \mu}} = \delta = {tex_vec(cl.grads['mu'])}",
                code(StableNet.classify_back, "nabla_mu += delta.sum(axis=0)"),
                [
                    part(
                        "∂C/∂μ",
                        {"q": "grad", "l": L, "key": "mu"},
                        cl.grads["mu"],
                        lay.at(cout, 3),
                        "∂b",
                        labels=lay.labels(cout),
                        why=why_same("∂C/∂μ<sub>{i}</sub> = δ<sub>{i}</sub> = {=}", [delta_out]),
                    )
                ],
            )
        )
        G = self.back.Y
        self.add(
            backward(
                f"dY{N}",
                f"Backward: the error reaches the last state, ∂C/∂Y{sub(N)} = Wᵀ δ",
                rf"\frac{{\partial C}}{{\partial Y_{{{N}}}}} = W^{{T}} \delta = {tex_mat(cl.params['W'].T)}"
                rf" {tex_vec(cl.delta[0])} = {tex_vec(G[N])}",
                code(StableNet.classify_back, "return delta, delta @ self.W"),
                [
                    self.dY_part(
                        N,
                        self.sums(
                            G[N],
                            f"∂C/∂Y<sub>{N},{{i}}</sub> = Σ<sub>k</sub> W<sub>k{{i}}</sub> δ<sub>k</sub>",
                            self.matvec(self.W, k, n, delta_out, transpose=True),
                        ),
                    )
                ],
                lay.lit(lay.eid.get(cout)),
            )
        )

    def regularisation_back(self):
        """∂R/∂θ of what R touches (``add_regularisation``), then ∂C/∂θ = ∂E/∂θ + ∂R/∂θ: the trace's gradients."""
        net, t, N = self.net, self.t, self.N
        smooth, a_c = self.touched("K"), net.alpha_c
        keys = [(self.off + j + 1, key, f"{key}<sub>{j}</sub>", j) for key in ("K", "b") for j in range(N)] * smooth
        keys += [(self.L, "W", "W", None)] * self.touched("W")
        lines = code(StableNet.add_regularisation, "weight = m * self.alpha_f / self.h") * smooth
        lines += (
            code(
                StableNet.add_regularisation,
                "nabla_theta[:-1] -= weight * diff",
                StableNet.add_regularisation,
                "nabla_theta[1:] += weight * diff",
            )
            * smooth
        )
        lines += code(StableNet.add_regularisation, "nabla_w += m * self.alpha_c * self.W") * self.touched("W")
        dR_parts, total_parts = [], []
        for l, key, name, j in keys:
            dR = self.back.R[l - 1][key]
            source = {"q": "gradR", "l": l, "key": key}
            if key == "W":
                why = why_same(
                    f"∂R/∂W<sub>{{i}}</sub> = α<sub>c</sub>·W<sub>{{i}}</sub> = {fmt(a_c)}·{{0}} = {{=}}",
                    [self.W],
                    (len(lines) - 1,),
                )
            else:
                why = why_each(self.smoothness_entries(key, j, dR), tuple(range(3)))
            dR_parts.append(part(f"∂R/∂{name}", source, dR, NOWHERE, "∂R", panel=key != "b", why=why))
        self.add(
            backward(
                "dR",
                "Backward: the regularisation's gradients ∂R/∂θ",
                (
                    r"\frac{\partial R}{\partial K_j} = \frac{\alpha_f}{h}\left((K_j - K_{j-1})"
                    r" - (K_{j+1} - K_j)\right) \text{ (the terms that exist), the same for } b_j"
                    if smooth
                    else ""
                )
                + (r", \qquad " if smooth and self.touched("W") else "")
                + (rf"\frac{{\partial R}}{{\partial W}} = \alpha_c W = {fmt(a_c)}\, W" if self.touched("W") else ""),
                lines,
                dR_parts,
            )
        )
        for (l, key, name, j), dR_part in zip(keys, dR_parts):
            total, E = t[l].grads[key], self.back.E[l - 1][key]
            E_ref = self.grad_ref(key, j)
            R_ref = ("dR", dR_parts.index(dR_part))
            entries = [
                [
                    f"∂C/∂{name}<sub>{','.join(map(str, ix))}</sub> = ∂E/∂{name} + ∂R/∂{name}"
                    f" = {paren(E[ix])} + {paren(dR_part['values'][k])} = {fmt(total[ix])}",
                    [[*E_ref, k], [*R_ref, k]],
                ]
                for k, ix in enumerate(np.ndindex(total.shape))
            ]
            total_parts.append(
                part(
                    f"∂C/∂{name}",
                    {"q": "grad", "l": l, "key": key},
                    total,
                    self.lay.weights(self.cout if key == "W" else self.c0 + j + 1) if key != "b" else NOWHERE,
                    "∂C",
                    panel=key != "b",
                    why=why_each(entries),
                )
            )
        self.add(
            backward(
                "dC",
                "Backward: the gradients of C = E + R, ∂C/∂θ = ∂E/∂θ + ∂R/∂θ",
                r"\frac{\partial C}{\partial \theta} = \frac{\partial E}{\partial \theta}"
                r" + \frac{\partial R}{\partial \theta}",
                code(StableNet.backward, "self.add_regularisation(grad, len(y))"),
                total_parts,
            )
        )

    def grad_ref(self, key, j):
        """Where a backward step put ∂E/∂θ: its step id and part."""
        return {"K": (f"dK{(j or 0) + 1}", 0), "b": (f"db{(j or 0) + 1}", 0), "W": ("dW", 0)}[key]

    def smoothness_entries(self, key, j, dR):
        """why_each entries of ∂R/∂θ_j = α_f/h ((θ_j - θ_(j-1)) - (θ_(j+1) - θ_j)), θ = K or b."""
        a_f, h, N = self.net.alpha_f, self.h, self.N
        refs = self.K if key == "K" else self.b
        entries = []
        for k, ix in enumerate(np.ndindex(dR.shape)):
            sym, nums, ops = [], [], []
            if j > 0:
                sym.append(f"({key}<sub>{j}</sub> − {key}<sub>{j - 1}</sub>)")
                nums.append(f"({paren(self.value(refs[j], k))} − {paren(self.value(refs[j - 1], k))})")
                ops += [[*refs[j], k], [*refs[j - 1], k]]
            if j < N - 1:
                sym.append(f"({key}<sub>{j + 1}</sub> − {key}<sub>{j}</sub>)")
                nums.append(f"({paren(self.value(refs[j + 1], k))} − {paren(self.value(refs[j], k))})")
                ops += [[*refs[j + 1], k], [*refs[j], k]]
            at = ",".join(map(str, ix))
            lead = "" if j > 0 else "−"
            entries.append(
                [
                    f"∂R/∂{key}<sub>{j},{at}</sub> = α<sub>f</sub>/h·({lead}{' − '.join(sym)})"
                    f" = {fmt(a_f)}/{fmt(h)}·({lead}{' − '.join(nums)}) = {fmt(dR[ix])}",
                    ops,
                ]
            )
        return entries
