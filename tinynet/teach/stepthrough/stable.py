"""The step-through of a stable network (a ResNet or an antisymmetric network), read as forward Euler.

(opening layer)  z_in = K_in x + b_in,   Y_0 = σ(z_in)        (without one: Y_0 = x, padded with zeros)
layer j:         z_j = M_j Y_j + b_j,    Y_(j+1) = Y_j + h σ(z_j)
                 M_j = K_j (ResNet) or ½(K_j - K_jᵀ - γI) (antisymmetric)
classifier:      z = W Y_N + μ,   a = softmax(z),   C = -Σ_i y_i ln a_i
backward:        δ = a - y,   ∂C/∂W = δ Y_Nᵀ,   ∂C/∂μ = δ,   ∂C/∂Y_N = Wᵀ δ
                 δ_j = h σ'(z_j) ⊙ ∂C/∂Y_(j+1),   ∂C/∂M_j = δ_j Y_jᵀ,   ∂C/∂b_j = δ_j,
                 ∂C/∂Y_j = ∂C/∂Y_(j+1) + M_jᵀ δ_j
                 (antisymmetric: ∂C/∂K_j = ½(∂C/∂M_j - (∂C/∂M_j)ᵀ))
opening layer:   δ_in = ∂C/∂Y_0 ⊙ σ'(z_in),   ∂C/∂K_in = δ_in xᵀ,   ∂C/∂b_in = δ_in
"""

import numpy as np

from tinynet.stable.net import StableNet
from tinynet.stable.schemes import Antisymmetric, ResNet
from tinynet.teach.stepthrough.format import SIGMA_TEX, fmt, sub, tex_col, tex_mat, tex_num, tex_row
from tinynet.teach.stepthrough.scene import COST, NOWHERE, column, edges, maps, new_scene, strip, units
from tinynet.teach.stepthrough.steps import (
    backward,
    code,
    cost_step,
    forward,
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

WIDE = 16  # a layer of more units than this is drawn as a strip
EXAMPLE_TITLE = "A ResNet read as forward Euler: three layers of width 2, h = 0.5"


def resnet_example():
    net = ResNet(2, 2, width=2, layers=3, h=0.5, seed=0)
    return net, np.array([0.5, -0.3]), np.array([1.0, 0.0])


def state_gradients(net, x, y):
    """∂C/∂Y_j for j = 0..N, from tinynet's own backward steps (a trace keeps only the deltas)."""
    X, Yt = net.check_x(x), net.check_y(y, 1)
    p = net.forward(X)
    first = 1 if net.opening else 0  # where the layers' z begin in p.z
    scratch = np.zeros_like(net.params)  # the gradients the backward steps add up, not used here
    _, G_YN = net.classify_back(p.states[-1][0], p.a[-1], Yt, scratch)
    G = (G_YN,)
    grads = {net.N: np.asarray(G[0][0])}
    for j in reversed(range(net.N)):
        _, G = net.run_layers_back(j, j + 1, p.z[first + j : first + j + 1], p.states[j : j + 2], G, scratch)
        grads[j] = np.asarray(net.start_back(G)[0] if j == 0 else G[0][0])
    return grads


def vec(v):
    """A column vector in LaTeX, or (more than ``WIDE`` entries) only its size."""
    v = np.ravel(v)
    return tex_col(v) if v.size <= WIDE else rf"\underset{{{v.size}}}{{[\,\cdots\,]}}"


def check_drawable(net):
    """A ValueError naming what the step-through cannot draw of ``net``."""
    if not isinstance(net, StableNet):
        raise ValueError(f"stepthrough: stable_data draws a stable network, got {type(net).__name__}")
    if type(net) not in (ResNet, Antisymmetric):
        raise ValueError(f"stepthrough: the {net.kind} scheme ({type(net).__name__}) is not drawn yet")
    if net.alpha_f or net.alpha_c:
        raise ValueError(
            f"stepthrough: the regularisation R (alpha_f = {net.alpha_f}, alpha_c = {net.alpha_c}) is not drawn yet;"
            " draw the network with alpha_f = alpha_c = 0"
        )


class Layout:
    """The drawing: a column of units (or a strip) per layer, the edges between unit columns, the cost."""

    def __init__(self, net):
        n, N = net.n, net.N
        sizes = ([net.inputs] if net.opening else []) + [n] * (N + 1) + [net.classes]
        labels = (["x"] if net.opening else []) + [f"Y{sub(c)}" for c in range(N + 1)] + ["softmax"]
        drawn = [s for s in sizes if s <= WIDE]
        col_w = min(150, 1030 // len(sizes))
        height = min(700, max(330, 70 + 28 * max(drawn, default=0)))
        bottom = height - 40
        self.scene = new_scene(60 + col_w * (len(sizes) - 1) + 110, height, ["z", "Y", "δ", "∂C/∂b", "∂C/∂Y"])
        self.cols = []
        for c, (size, label) in enumerate(zip(sizes, labels)):
            x = 40 + col_w * c
            if size <= WIDE:
                ids = [f"u{c}_{i}" for i in range(size)]
                column(self.scene, ids, x, 40, bottom, label)
                self.cols.append(("units", ids))
            else:
                self.cols.append(("maps", strip(self.scene, f"m{c}", size, x, 40, bottom, label)))
        self.first = 1 if net.opening else 0  # the column of Y_0
        self.eid, self.skip = {}, {}
        for c in range(1, len(sizes)):
            (kind_from, ids_from), (kind_to, ids_to) = self.cols[c - 1], self.cols[c]
            if kind_from == kind_to == "units":
                self.eid[c] = [f"e{c}_{r}_{k}" for r in range(len(ids_to)) for k in range(len(ids_from))]
                for r in range(len(ids_to)):
                    for k in range(len(ids_from)):
                        self.scene["edges"].append({"id": f"e{c}_{r}_{k}", "from": ids_from[k], "to": ids_to[r]})
                if self.first <= c - 1 < self.first + N:  # a layer's skip connection Y_j -> Y_(j+1)
                    self.skip[c] = [f"s{c}_{i}" for i in range(n)]
                    for i in range(n):
                        self.scene["edges"].append(
                            {"id": f"s{c}_{i}", "from": ids_from[i], "to": ids_to[i], "skip": True}
                        )
        last = 40 + col_w * (len(sizes) - 1)
        self.scene["texts"].append({"id": "cost", "x": last - 10, "y": bottom + 32, "text": "C", "cls": "st-cost"})

    def at(self, c, slot):
        """Where an array of column c goes: its units' text row ``slot``, or its strip."""
        kind, ids = self.cols[c]
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

    def weights(self, c):
        """Where the weights into column c go: their edges, or nowhere (no edges between strips)."""
        return edges(self.eid[c]) if c in self.eid else NOWHERE

    def lit(self, *groups):
        """A step's highlight: the edges of ``groups`` (columns' weights or skips) that are drawn."""
        ids = [e for g in groups for e in (g or [])]
        return {"edges": ids} if ids else None


def stable_data(net=None, x=None, y=None, name="resnet", title=None):
    """The step-through of a ResNet or an antisymmetric network on one sample (x, y).

    Any width and number of layers, with or without an opening layer; the classifier is softmax with
    cross-entropy. Without ``net``, the docs' example (``resnet_example``). A scheme or a regularisation
    it does not draw is a ValueError naming it.
    """
    if net is None:
        net, x, y = resnet_example()
        title = title or EXAMPLE_TITLE
    check_drawable(net)
    anti = type(net) is Antisymmetric
    t = net.trace(x, y)
    G = state_gradients(net, x, y)
    N, n, h, off = net.N, net.n, net.h, 1 if net.opening else 0
    X, Yt = t.x[0], t.y[0]
    Y0 = t[1].a[0] if net.opening else np.concatenate([X, np.zeros(n - net.inputs)])
    Ys = [Y0] + [t[off + j + 1].a[0] for j in range(N)]
    cl = t[off + N + 1]
    s, sn = SIGMA_TEX[net.sigma.name], net.sigma.name
    title = title or (
        f"{'A ResNet' if not anti else 'An antisymmetric network'} read as forward Euler: {N} layers of width {n},"
        f" h = {net.h:g}" + (", with an opening layer" if net.opening else "")
    )
    lay = Layout(net)
    c0, cout = lay.first, lay.first + N + 1  # the columns of Y_0 and of the classifier

    # --- the input step: x, y and every parameter ---------------------------------------------------------
    given = [
        part(
            "Y<sub>0</sub> = x" if not net.opening and net.inputs == n else "x",
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
            lay.at(cout, 4),
            "y",
            why=why_given("y<sub>{i}</sub> = {=}, the target"),
            labels=lay.labels(cout),
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

    def param(label, l, key, target):
        """A parameter as a part of the input step; returns its reference [step id, part]."""
        value = t[l].params[key]
        why = why_given(f"{label}<sub>{{i}}</sub> = {{=}}, a parameter", (2 if key.endswith("_in") else 1,))
        given.append(part(label, {"q": "param", "l": l, "key": key}, value, target, label, panel=False, why=why))
        return ("input", len(given) - 1)

    if not net.opening and net.inputs < n:
        given.append(
            part(
                "Y<sub>0</sub>",
                {"q": "Y0"},
                Y0,
                lay.at(c0, 1),
                "Y",
                labels=lay.labels(c0),
                why=why_given("Y<sub>0,{i}</sub> = {=}, x padded with zeros to the width " + str(n)),
            )
        )
        Y_ref = {0: ("input", len(given) - 1)}
    else:
        Y_ref = {0: ("input", 0)}  # with an opening layer, replaced by its step's Y_0 below
    if net.opening:
        K_in, b_in = param("K<sub>in</sub>", 1, "K_in", lay.weights(1)), param("b<sub>in</sub>", 1, "b_in", NOWHERE)
    K = [param(f"K<sub>{j}</sub>", off + j + 1, "K", NOWHERE if anti else lay.weights(c0 + j + 1)) for j in range(N)]
    b = [param(f"b<sub>{j}</sub>", off + j + 1, "b", NOWHERE) for j in range(N)]
    W, mu = param("W", off + N + 1, "W", lay.weights(cout)), param("μ", off + N + 1, "mu", NOWHERE)
    parts_of = {"input": given}
    steps = [
        step(
            "input",
            "input",
            "The input x, the target y and the parameters",
            (rf"Y_0 = x = {vec(X)}" if not net.opening and net.inputs == n else rf"x = {vec(X)}")
            + rf", \qquad y = {vec(Yt)}",
            lines,
            given,
        )
    ]

    def value(ref, k):
        return parts_of[ref[0]][ref[1]]["values"][k]

    def add(s):
        steps.append(s)
        parts_of[s["id"]] = s["parts"]

    def sums(out, label, terms_of, last=None):
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

    def matvec(M_ref, rows, cols, v_ref, transpose=False):
        """The terms of (M v)_i (or (Mᵀ v)_i): M_ik v_k over k, each with its two references."""

        def terms(i):
            ks = range(rows if transpose else cols)
            at = [(k * cols + i) if transpose else (i * cols + k) for k in ks]
            return [((value(M_ref, a), value(v_ref, k)), [[*M_ref, a], [*v_ref, k]]) for a, k in zip(at, ks)]

        return terms

    def bias(b_ref):
        return lambda i: (paren(value(b_ref, i)), [[*b_ref, i]])

    # --- the opening layer ---------------------------------------------------------------------------------
    if net.opening:
        lt = t[1]
        f_in = code(StableNet.lift, "z = x @ self.K_in.T + self.b_in")
        add(
            forward(
                "z_in",
                "Forward, the opening layer: z_in = K_in x + b_in",
                rf"z_{{in}} = K_{{in}} x + b_{{in}} = {tex_mat(lt.params['K_in'])} {vec(X)} + {vec(lt.params['b_in'])}"
                rf" = {vec(lt.z[0])}",
                f_in,
                [
                    part(
                        "z<sub>in</sub>",
                        {"q": "z", "l": 1},
                        lt.z[0],
                        lay.at(c0, 0),
                        "z",
                        labels=lay.labels(c0),
                        why=why_each(
                            sums(
                                lt.z[0],
                                "z<sub>in,{i}</sub> = Σ<sub>k</sub> K<sub>in,{i}k</sub> x<sub>k</sub>"
                                " + b<sub>in,{i}</sub>",
                                matvec(K_in, n, net.inputs, ("input", 0)),
                                bias(b_in),
                            )
                        ),
                    )
                ],
                lay.lit(lay.eid.get(1)),
            )
        )
        add(
            forward(
                "a_in",
                "Forward, the opening layer: Y₀ = σ(z_in)",
                rf"Y_0 = {s}(z_{{in}}) = {s}\!\left({vec(lt.z[0])}\right) = {vec(lt.a[0])}",
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
        Y_ref[0] = ("a_in", 0)

    # --- the layers forward ----------------------------------------------------------------------------
    step_fn, back_fn = ResNet.layer_forward, ResNet.layer_back
    M_ref, z_ref = {}, {}
    for j in range(N):
        lt, c = t[off + j + 1], c0 + j + 1
        M = net.matrix(j)
        parts = []
        lines = code(step_fn, "z = Y @ self.matrix(j).T + self.b[j]")
        if anti:
            lines += code(
                Antisymmetric.matrix, "return 0.5 * (K - K.T - self.gamma * self.xp.eye(self.n, dtype=self.dtype))"
            )
            entries = []
            for i, k in np.ndindex(n, n):
                shift = f" − {paren(net.gamma)}" if i == k else ""
                entries.append(
                    [
                        f"M<sub>{j},{i}{k}</sub> = ½(K<sub>{j},{i}{k}</sub> − K<sub>{j},{k}{i}</sub>"
                        f"{' − γ' if i == k else ''})"
                        f" = ½({paren(value(K[j], i * n + k))} − {paren(value(K[j], k * n + i))}"
                        f"{shift}) = {fmt(M[i, k])}",
                        [[*K[j], i * n + k], [*K[j], k * n + i]],
                    ]
                )
            parts.append(
                part(
                    f"M<sub>{j}</sub>",
                    {"q": "M", "l": off + j + 1},
                    M,
                    lay.weights(c),
                    "M",
                    panel=False,
                    why=why_each(entries, (1,)),
                )
            )
            M_ref[j] = (f"z{j + 1}", 0)
            parts_of[f"z{j + 1}"] = parts  # z_j's sums read M_j from its own step
        else:
            M_ref[j] = K[j]
        Mn = "M" if anti else "K"
        z_ref[j] = (f"z{j + 1}", len(parts))
        parts.append(
            part(
                f"z<sub>{j}</sub>",
                {"q": "z", "l": off + j + 1},
                lt.z[0],
                lay.at(c, 0),
                "z",
                labels=lay.labels(c),
                why=why_each(
                    sums(
                        lt.z[0],
                        f"z<sub>{j},{{i}}</sub> = Σ<sub>k</sub> {Mn}<sub>{j},{{i}}k</sub> Y<sub>{j},k</sub>"
                        f" + b<sub>{j},{{i}}</sub>",
                        matvec(M_ref[j], n, n, Y_ref[j]),
                        bias(b[j]),
                    )
                ),
            )
        )
        matrix_tex = (
            rf"\tfrac12(K_{{{j}}} - K_{{{j}}}^{{T}} - {tex_num(net.gamma)} I) = {tex_mat(M)}" if anti else tex_mat(M)
        )
        add(
            forward(
                f"z{j + 1}",
                f"Forward, layer {j + 1}: z{sub(j)} = {Mn}{sub(j)} Y{sub(j)} + b{sub(j)}",
                rf"z_{{{j}}} = {Mn}_{{{j}}} Y_{{{j}}} + b_{{{j}}} = {matrix_tex} {vec(Ys[j])}"
                rf" + {vec(lt.params['b'])} = {vec(lt.z[0])}",
                lines,
                parts,
                lay.lit(lay.eid.get(c)),
            )
        )
        Y_ref[j + 1] = (f"a{j + 1}", 0)
        add(
            forward(
                f"a{j + 1}",
                f"Forward, layer {j + 1}: the Euler step Y{sub(j + 1)} = Y{sub(j)} + h σ(z{sub(j)})",
                rf"Y_{{{j + 1}}} = Y_{{{j}}} + h\,{s}(z_{{{j}}}) = {vec(Ys[j])} + {tex_num(h)}\,"
                rf"{s}\!\left({vec(lt.z[0])}\right) = {vec(lt.a[0])}",
                code(step_fn, "return z, (Y + self.h * self.sigma(z),)"),
                [
                    part(
                        f"Y<sub>{j + 1}</sub>",
                        {"q": "a", "l": off + j + 1},
                        lt.a[0],
                        lay.at(c, 1),
                        "Y",
                        labels=lay.labels(c),
                        why=why_same(
                            f"Y<sub>{j + 1},{{i}}</sub> = Y<sub>{j},{{i}}</sub> + h·{sn}(z<sub>{j},{{i}}</sub>)"
                            f" = {{0}} + {fmt(h)}·{sn}({{1}}) = {{=}}",
                            [Y_ref[j], z_ref[j]],
                        ),
                    )
                ],
                lay.lit(lay.skip.get(c)),
            )
        )

    # --- the classifier and the cost -----------------------------------------------------------------------
    k = net.classes
    L = off + N + 1
    add(
        forward(
            f"z{N + 1}",
            f"Forward, the classifier: z = W Y{sub(N)} + μ",
            rf"z = W Y_{{{N}}} + \mu = {tex_mat(cl.params['W'])} {vec(Ys[N])}"
            rf" + {vec(cl.params['mu'])} = {vec(cl.z[0])}",
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
                        sums(
                            cl.z[0],
                            f"z<sub>{{i}}</sub> = Σ<sub>k</sub> W<sub>{{i}}k</sub> Y<sub>{N},k</sub>"
                            " + μ<sub>{i}</sub>",
                            matvec(W, k, n, Y_ref[N]),
                            bias(mu),
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
        terms = " + ".join(f"e<sup>{fmt(value(z_out, q))}</sup>" for q in range(k))
        soft.append(
            [
                f"a<sub>{i}</sub> = e<sup>z<sub>{i}</sub></sup> / Σ<sub>k</sub> e<sup>z<sub>k</sub></sup>"
                f" = e<sup>{fmt(value(z_out, i))}</sup> / ({terms}) = {fmt(v)}",
                [[*z_out, q] for q in range(k)],
            ]
        )
    add(
        forward(
            f"a{N + 1}",
            "Forward, the classifier: a = softmax(z)",
            rf"a = \mathrm{{softmax}}(z) = \mathrm{{softmax}}\!\left({vec(cl.z[0])}\right) = {vec(cl.a[0])}",
            code(StableNet.classify, "return z, self.activations[0](z)"),
            [part("a", {"q": "a", "l": L}, cl.a[0], lay.at(cout, 1), "a", labels=lay.labels(cout), why=why_each(soft))],
        )
    )
    add(cost_step(net, t, COST, L, a_ref=(f"a{N + 1}", 0), y_ref=("input", 1)))

    # --- the classifier backward ------------------------------------------------------------------------
    add(
        backward(
            f"delta{N + 1}",
            "Backward: the classifier's error δ = a - y",
            rf"\delta = a - y = {vec(cl.a[0])} - {vec(Yt)} = {vec(cl.delta[0])}",
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
    add(
        backward(
            "dW",
            "Backward: the gradient ∂C/∂W",
            rf"\frac{{\partial C}}{{\partial W}} = \delta\, Y_{{{N}}}^{{T}} = {vec(cl.delta[0])}"
            rf" {tex_row(Ys[N]) if n <= WIDE else vec(Ys[N]) + '^{T}'} = {tex_mat(cl.grads['W'])}",
            code(StableNet.classify_back, "nabla_w += delta.T @ YN"),
            [
                part(
                    "∂C/∂W",
                    {"q": "grad", "l": L, "key": "W"},
                    cl.grads["W"],
                    lay.weights(cout),
                    "∂w",
                    why=why_outer(
                        f"∂C/∂W<sub>{{i}}</sub> = δ<sub>{{i0}}</sub>·Y<sub>{N},{{i1}}</sub> = {{0}}·{{1}} = {{=}}",
                        [delta_out, Y_ref[N]],
                    ),
                )
            ],
        )
    )
    add(
        backward(
            "dmu",
            "Backward: the gradient ∂C/∂μ",
            rf"\frac{{\partial C}}{{\partial \mu}} = \delta = {vec(cl.grads['mu'])}",
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
    dY_ref = {N: (f"dY{N}", 0)}
    add(
        backward(
            f"dY{N}",
            f"Backward: the error reaches the last state, ∂C/∂Y{sub(N)} = Wᵀ δ",
            rf"\frac{{\partial C}}{{\partial Y_{{{N}}}}} = W^{{T}} \delta = {tex_mat(cl.params['W'].T)}"
            rf" {vec(cl.delta[0])} = {vec(G[N])}",
            code(StableNet.classify_back, "return delta, delta @ self.W"),
            [
                part(
                    f"∂C/∂Y<sub>{N}</sub>",
                    {"q": "dY", "l": N},
                    G[N],
                    lay.at(c0 + N, 4),
                    "∂Y",
                    labels=lay.labels(c0 + N),
                    why=why_each(
                        sums(
                            G[N],
                            f"∂C/∂Y<sub>{N},{{i}}</sub> = Σ<sub>k</sub> W<sub>k{{i}}</sub> δ<sub>k</sub>",
                            matvec(W, k, n, delta_out, transpose=True),
                        )
                    ),
                )
            ],
            lay.lit(lay.eid.get(cout)),
        )
    )

    # --- the layers backward -------------------------------------------------------------------------
    for j in reversed(range(N)):
        lt, c = t[off + j + 1], c0 + j + 1
        Mn = "M" if anti else "K"
        d_ref = (f"delta{j + 1}", 0)
        add(
            backward(
                f"delta{j + 1}",
                f"Backward, layer {j + 1}: δ{sub(j)} = h σ'(z{sub(j)}) ⊙ ∂C/∂Y{sub(j + 1)}",
                rf"\delta_{{{j}}} = h\,{s}'(z_{{{j}}}) \odot \frac{{\partial C}}{{\partial Y_{{{j + 1}}}}}"
                rf" = {tex_num(h)}\,{s}'\!\left({vec(lt.z[0])}\right) \odot {vec(G[j + 1])} = {vec(lt.delta[0])}",
                code(back_fn, "delta = self.h * self.times_sigma_prime(z, G_Y)"),
                [
                    part(
                        f"δ<sub>{j}</sub>",
                        {"q": "delta", "l": off + j + 1},
                        lt.delta[0],
                        lay.at(c, 2),
                        "δ",
                        labels=lay.labels(c),
                        why=why_same(
                            f"δ<sub>{j},{{i}}</sub> = h·{sn}′(z<sub>{j},{{i}}</sub>)·∂C/∂Y<sub>{j + 1},{{i}}</sub>"
                            f" = {fmt(h)}·{sn}′({{0}})·{{1}} = {{=}}",
                            [z_ref[j], dY_ref[j + 1]],
                        ),
                    )
                ],
            )
        )
        gK = lt.grads["K"]
        lines = code(back_fn, "self.add_matrix_grad(j, delta.T @ Y, nabla_k)")
        if anti:
            lines += code(Antisymmetric.add_matrix_grad, "nabla_k[j] += 0.5 * (nabla_m - nabla_m.T)")
            d, Yj = parts_of["delta%d" % (j + 1)][0]["values"], parts_of[Y_ref[j][0]][Y_ref[j][1]]["values"]
            entries = [
                [
                    f"∂C/∂K<sub>{j},{r}{q}</sub> = ½(δ<sub>{j},{r}</sub> Y<sub>{j},{q}</sub>"
                    f" − δ<sub>{j},{q}</sub> Y<sub>{j},{r}</sub>)"
                    f" = ½({paren(d[r])}·{paren(Yj[q])} − {paren(d[q])}·{paren(Yj[r])}) = {fmt(gK[r, q])}",
                    [[*d_ref, r], [*Y_ref[j], q], [*d_ref, q], [*Y_ref[j], r]],
                ]
                for r, q in np.ndindex(n, n)
            ]
            why, tex = (
                why_each(entries, (0, 1)),
                (
                    rf"\frac{{\partial C}}{{\partial K_{{{j}}}}} = \tfrac12\left(\delta_{{{j}}} Y_{{{j}}}^{{T}}"
                    rf" - Y_{{{j}}} \delta_{{{j}}}^{{T}}\right) = {tex_mat(gK)}"
                ),
            )
        else:
            why = why_outer(
                f"∂C/∂K<sub>{j},{{i}}</sub> = δ<sub>{j},{{i0}}</sub>·Y<sub>{j},{{i1}}</sub> = {{0}}·{{1}} = {{=}}",
                [d_ref, Y_ref[j]],
            )
            row = tex_row(Ys[j]) if n <= WIDE else vec(Ys[j]) + "^{T}"
            tex = (
                rf"\frac{{\partial C}}{{\partial K_{{{j}}}}} = \delta_{{{j}}} Y_{{{j}}}^{{T}}"
                rf" = {vec(lt.delta[0])} {row} = {tex_mat(gK)}"
            )
        add(
            backward(
                f"dK{j + 1}",
                f"Backward, layer {j + 1}: the gradient ∂C/∂K{sub(j)}",
                tex,
                lines,
                [
                    part(
                        f"∂C/∂K<sub>{j}</sub>",
                        {"q": "grad", "l": off + j + 1, "key": "K"},
                        gK,
                        NOWHERE if anti else lay.weights(c),
                        "∂K",
                        why=why,
                    )
                ],
            )
        )
        add(
            backward(
                f"db{j + 1}",
                f"Backward, layer {j + 1}: the gradient ∂C/∂b{sub(j)}",
                rf"\frac{{\partial C}}{{\partial b_{{{j}}}}} = \delta_{{{j}}} = {vec(lt.grads['b'])}",
                code(back_fn, "nabla_b[j] += delta.sum(axis=0)"),
                [
                    part(
                        f"∂C/∂b<sub>{j}</sub>",
                        {"q": "grad", "l": off + j + 1, "key": "b"},
                        lt.grads["b"],
                        lay.at(c, 3),
                        "∂b",
                        labels=lay.labels(c),
                        why=why_same(f"∂C/∂b<sub>{j},{{i}}</sub> = δ<sub>{j},{{i}}</sub> = {{=}}", [d_ref]),
                    )
                ],
            )
        )
        dY_ref[j] = (f"dY{j}", 0)
        add(
            backward(
                f"dY{j}",
                f"Backward: the error passes the skip and the layer, "
                f"∂C/∂Y{sub(j)} = ∂C/∂Y{sub(j + 1)} + {Mn}{sub(j)}ᵀ δ{sub(j)}",
                rf"\frac{{\partial C}}{{\partial Y_{{{j}}}}} = \frac{{\partial C}}{{\partial Y_{{{j + 1}}}}}"
                rf" + {Mn}_{{{j}}}^{{T}} \delta_{{{j}}} = {vec(G[j + 1])} + {tex_mat(net.matrix(j).T)}"
                rf" {vec(lt.delta[0])} = {vec(G[j])}",
                code(back_fn, "return delta, (G_Y + delta @ self.matrix(j),)"),
                [
                    part(
                        f"∂C/∂Y<sub>{j}</sub>",
                        {"q": "dY", "l": j},
                        G[j],
                        lay.at(c - 1, 4),
                        "∂Y",
                        labels=lay.labels(c - 1),
                        why=why_each(
                            [
                                [
                                    f"∂C/∂Y<sub>{j},{i}</sub> = ∂C/∂Y<sub>{j + 1},{i}</sub>"
                                    f" + Σ<sub>k</sub> {Mn}<sub>{j},k{i}</sub> δ<sub>{j},k</sub>"
                                    f" = {paren(value(dY_ref[j + 1], i))} + {html} = {fmt(G[j][i])}",
                                    [[*dY_ref[j + 1], i], *refs],
                                ]
                                for i, (html, refs) in enumerate(
                                    term_sum(matvec(M_ref[j], n, n, d_ref, transpose=True)(i)) for i in range(n)
                                )
                            ]
                        ),
                    )
                ],
                lay.lit(lay.eid.get(c), lay.skip.get(c)),
            )
        )

    # --- the opening layer backward -------------------------------------------------------------------------
    if net.opening:
        lt = t[1]
        add(
            backward(
                "delta_in",
                "Backward, the opening layer: δ_in = ∂C/∂Y₀ ⊙ σ'(z_in)",
                rf"\delta_{{in}} = \frac{{\partial C}}{{\partial Y_0}} \odot {s}'(z_{{in}}) = {vec(G[0])} \odot"
                rf" {s}'\!\left({vec(lt.z[0])}\right) = {vec(lt.delta[0])}",
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
                            [dY_ref[0], ("z_in", 0)],
                        ),
                    )
                ],
            )
        )
        add(
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
        add(
            backward(
                "db_in",
                "Backward, the opening layer: the gradient ∂C/∂b_in",
                rf"\frac{{\partial C}}{{\partial b_{{in}}}} = \delta_{{in}} = {vec(lt.grads['b_in'])}",
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
    return pass_data(name, title, "stable", t, lay.scene, steps)
