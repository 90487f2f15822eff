"""The step-through of a ConvNet (any Conv2D, MaxPool2D, Flatten and Dense layers) on one image.

Layer l turns a^(l-1) into z^l and a^l = σ(z^l), with a^0 = x as maps (d counts input channels, f filters):

conv2d      z^l_{f,i,j} = Σ_{d,u,v} K^l_{f,d,u,v} a^(l-1)_{d,i+u,j+v} + b^l_f
maxpool2d   z^l_{c,i,j} = max_{p,q<s} a^(l-1)_{c,si+p,sj+q}   (the mask M marks each block's arg-max)
flatten     z^l = the maps as one vector
dense       z^l = W^l a^(l-1) + b^l

Backward, δ^L = ∂C/∂a^L ⊙ σ'(z^L) (= a^L - y with cross-entropy), then from l = L down to 1:

conv2d      ∂C/∂K^l_{f,d,u,v} = Σ_{i,j} δ^l_{f,i,j} a^(l-1)_{d,i+u,j+v},   ∂C/∂b^l_f = Σ_{i,j} δ^l_{f,i,j},
            ∂C/∂a^(l-1)_{d,p,q} = Σ_{f,u,v} K^l_{f,d,u,v} δ^l_{f,p-u,q-v}
maxpool2d   ∂C/∂a^(l-1) = upsample(δ^l) ⊙ M   (each block's δ at its arg-max, 0 elsewhere)
flatten     ∂C/∂a^(l-1) = δ^l in the maps' shape
dense       ∂C/∂W^l = δ^l (a^(l-1))ᵀ,   ∂C/∂b^l = δ^l,   ∂C/∂a^(l-1) = (W^l)ᵀ δ^l

and δ^(l-1) = ∂C/∂a^(l-1) ⊙ σ'(z^(l-1)).

The steps: ``input``; per layer ``z{l}`` and ``a{l}`` (where σ is not the identity); ``cost``; ``delta{L}``;
then per layer from L down its gradients (``dK{l}`` or ``dW{l}``, ``db{l}``) and the error it passes back:
``delta{l-1}`` (holding ∂C/∂a^(l-1) too where σ^(l-1) is not the identity), after a pool's own step
(``pool_back`` for the first pool of the network, ``pool_back{l}`` for the others).
"""

import math

import numpy as np

from tinynet.conv.layers import Conv2D, Dense, Flatten, MaxPool2D
from tinynet.conv.net import ConvNet
from tinynet.costs import CrossEntropy
from tinynet.teach.stepthrough.format import SIGMA_TEX, WIDE, fmt, sigma_html, sup, tex_mat, tex_num, tex_vec
from tinynet.teach.stepthrough.scene import COST, NOWHERE, column, map_grid, maps, new_scene, strip, units
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

TOP, TALL, MAX_W = 40, 400, 1180  # the layers' row starts at TOP, at most TALL high; the canvas about MAX_W wide
PARAMS_TALL, PARAMS_W = 180, 300  # a block of parameters: at most this high and this wide
DERIVATIVE_TEX = {
    "relu": "[z > 0]",
    "sigmoid": r"\sigma(z)\,(1 - \sigma(z))",
    "tanh": r"1 - \tanh^2 z",
    "softplus": r"\sigma(z)",
    "identity": "1",
}
EXAMPLE_TITLE = "A small ConvNet: conv2d 2 3 relu, maxpool2d 2, flatten, dense 3 softmax"

# An 8x8 "7", the ConvNet's sample (class 1 of 3).
DIGIT_SEVEN = np.array(
    [
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0, 1, 1, 1, 1, 1, 1, 0],
        [0, 0, 0, 0, 0, 1, 0.5, 0],
        [0, 0, 0, 0, 1, 0.5, 0, 0],
        [0, 0, 0, 0.5, 1, 0, 0, 0],
        [0, 0, 0, 1, 0.5, 0, 0, 0],
        [0, 0, 0.5, 1, 0, 0, 0, 0],
        [0, 0, 1, 0.5, 0, 0, 0, 0],
    ]
)


def convnet_example():
    """The ConvNet, its sample (the 8x8 seven) and target (class 1 of 3)."""
    net = ConvNet(
        ["conv2d 2 3 relu", "maxpool2d 2", "flatten", "dense 3 softmax"],
        input_shape=(1, 8, 8),
        cost="cross_entropy",
        seed=1,
    )
    return net, DIGIT_SEVEN.ravel().copy(), np.array([0.0, 1.0, 0.0])


def passed_back(net, x, y):
    """What a trace does not keep, from tinynet's own code: each max-pool's mask and what each layer passes back.

    Returns (masks, back): ``masks[l]`` the mask M of the max-pool l (the shape of a^(l-1)), ``back[l]`` the
    ∂C/∂a^(l-1) layer l's backward returns, for l = 2..L; one sample each.
    """
    X = net.check_x(x)
    p = net.forward(X)
    net.backward(p, net.check_y(y, len(X)))
    masks, back = {}, {}
    for i in range(1, len(net.layers)):
        layer = net.layers[i]
        _, g = layer.backward(p.delta[i], p.a[i], p.saved[i], net.layer_blocks[i])
        back[i + 1] = np.asarray(g[0])
        if isinstance(layer, MaxPool2D):
            masks[i + 1] = np.asarray(p.saved[i][0])
    if isinstance(net.layers[0], MaxPool2D):
        masks[1] = np.asarray(p.saved[0][0])
    return masks, back


def index(shape, k):
    """The flat index k as the entry's index in an array of ``shape``: "0,2,1"."""
    return ",".join(str(int(v)) for v in np.unravel_index(k, shape))


def most(entries):
    """How many terms of each sum of a part of ``entries`` sums to write out: fewer in a large part, so that the
    file of an MNIST-size net stays within a few MB (the step's equation writes out one sum whole)."""
    return 4 if entries <= 1000 else 2 if entries <= 3000 else 1


def describe(layer):
    """A layer's label: its kind and its activation (if not the identity), e.g. "conv2d relu"."""
    return layer.kind + ("" if layer.activation == "identity" else f" {layer.activation}")


# --- the drawing ---------------------------------------------------------------------------------------


def fit(n, rows, cols, width, height, most, gap=14, across=False):
    """(per_row, cell): n maps of rows x cols laid out per_row across, with the largest cell that fits the box
    (of equal cells: the fewest across, or with ``across`` the most)."""
    best = (1, 0.0)
    for per in range(1, n + 1):
        lines = -(-n // per)
        cell = min(most, (width - (per - 1) * gap) / (per * cols), (height - (lines - 1) * gap) / (lines * rows))
        if cell > best[1] or (across and cell == best[1]):
            best = (per, cell)
    return best[0], max(0.2, math.floor(best[1] * 10) / 10)


def grid_size(n, rows, cols, cell, per_row, gap=14, cellh=None):
    """The width and height of n maps laid out per_row across."""
    lines, across = -(-n // per_row), min(per_row, n)
    return across * cols * cell + (across - 1) * gap, lines * rows * (cellh or cell) + (lines - 1) * gap


def grid(scene, prefix, n, x, y, rows, cols, cell, per_row, label, gap=14, cellh=None):
    """n heat maps of rows x cols cells, per_row across, from (x, y); returns their ids."""
    ids = map_grid(scene, prefix, n, x, y, rows, cols, cell, label, gap, cellh)
    for c, spec in enumerate(scene["maps"][-n:]):
        spec["x"] = round(x + (c % per_row) * (cols * cell + gap), 2)
        spec["y"] = round(y + (c // per_row) * (rows * (cellh or cell) + gap), 2)
    return ids


class Layout:
    """The drawing: each layer's maps (a grid of heat maps), strip or column of units, side by side from a^0 = x;
    below them the parameters: each convolution's kernels (a row per filter, a column per input channel) and
    biases, each dense layer's weights as a heat map."""

    def __init__(self, net):
        self.scene = scene = new_scene(0, 0)
        shapes = net.shapes
        flat = [s[0] for s in shapes if len(s) == 1]
        fixed = sum(130 if n <= WIDE else 100 for n in flat)
        share = max(60, (MAX_W - fixed) / max(1, len(shapes) - len(flat)) - 20)
        self.stage, x, bottom = [], 10, TOP
        for l, shape in enumerate(shapes):
            label = "a⁰ = x" if l == 0 else f"{l}: {describe(net.layers[l - 1])}"
            if len(shape) == 3:
                C, H, W = shape
                per, cell = fit(C, H, W, share, TALL, most=15)
                ids = grid(scene, f"m{l}", C, x, TOP, H, W, cell, per, label)
                w, h = grid_size(C, H, W, cell, per)
                self.stage.append(("maps", ids, H * W))
                x, bottom = x + max(w, 90) + 20, max(bottom, TOP + h)
            elif shape[0] <= WIDE:
                n = shape[0]
                ids = [f"u{l}_{j}" for j in range(n)]
                low = TOP + min(TALL, 75 * n)
                column(scene, ids, x + 15, TOP, low, label)
                self.stage.append(("units", ids, n))
                self.out_at, x, bottom = (x + 15, low + 12), x + 130, max(bottom, low)
            else:
                n = shape[0]
                ids = strip(scene, f"m{l}", n, x + 7, TOP, TOP + TALL, label)
                self.stage.append(("strip", ids, n))
                low = TOP + n * scene["maps"][-1].get("cellh", 14)
                self.out_at, x, bottom = (x, low + 16), x + 100, max(bottom, low)
        scene["texts"].append({"id": "cost", "x": self.out_at[0], "y": self.out_at[1], "text": "C", "cls": "st-cost"})
        self.right, self.row_y, self.x, self.row_h = x, bottom + 60, 10, 0
        self.kmaps, self.bmaps, self.wmaps = {}, {}, {}
        for l, (layer, shape) in enumerate(zip(net.layers, shapes), start=1):
            if isinstance(layer, Conv2D):
                F, D, k = layer.filters, shape[0], layer.k
                if D == 1:
                    per, cell = fit(F, k, k, PARAMS_W, PARAMS_TALL, most=12, gap=6, across=True)
                else:
                    per = D
                    cell = min(12, (PARAMS_W - (D - 1) * 6) / (D * k), (PARAMS_TALL - (F - 1) * 6) / (F * k))
                    cell = max(0.2, math.floor(cell * 10) / 10)
                x, y = self.place(*grid_size(F * D, k, k, cell, per, gap=6))
                self.kmaps[l] = grid(scene, f"k{l}", F * D, x, y, k, k, cell, per, f"K{sup(l)}", gap=6)
                cellh = min(12, math.floor(PARAMS_TALL / F * 10) / 10)
                x, y = self.place(12, F * cellh)
                self.bmaps[l] = map_grid(scene, f"b{l}", 1, x, y, F, 1, 12, f"b{sup(l)}", cellh=cellh)
            elif isinstance(layer, Dense):
                n, n_in = layer.units, shape[0]
                cell = min(10, math.floor(PARAMS_W / n_in * 100) / 100)
                cellh = min(10, max(cell, math.floor(PARAMS_TALL / n * 10) / 10))
                x, y = self.place(n_in * cell, n * cellh)
                self.wmaps[l] = map_grid(scene, f"w{l}", 1, x, y, n, n_in, cell, f"W{sup(l)}", cellh=cellh)
        scene["width"] = round(max(self.right, self.x) + 10)
        scene["height"] = round(max(self.row_y + self.row_h + 20, self.out_at[1] + 20))

    def place(self, w, h):
        """Where the next block of parameters (w x h) goes: on the row of blocks, or on a new row below it."""
        if self.x > 10 and self.x + w > MAX_W:
            self.x, self.row_y, self.row_h = 10, self.row_y + self.row_h + 40, 0
        at = (self.x, self.row_y)
        self.x, self.row_h = self.x + w + 40, max(self.row_h, h)
        return at

    def at(self, l, slot):
        """Where an array of the shape of a^l goes: its units' text row ``slot``, or its maps or strip."""
        kind, ids, _ = self.stage[l]
        return units(ids, slot) if kind == "units" else maps(ids)

    def maps_at(self, l):
        """Where a^l's maps or strip are (an array that is not a unit slot, on units: nowhere)."""
        kind, ids, _ = self.stage[l]
        return NOWHERE if kind == "units" else maps(ids)

    def labels(self, l):
        """How many entries of an array of a^l's shape to label: 5 on a strip or a large map."""
        kind, _, cells = self.stage[l]
        return 5 if kind == "strip" or (kind == "maps" and cells > 300) else 0

    def ids(self, l):
        return self.stage[l][1]


# --- the steps -----------------------------------------------------------------------------------------


class ConvSteps:
    """The steps of one pass of ``net`` on (x, y), built layer by layer (see the module's equations).

    Each array is a part of a step; ``a_ref[l]``, ``z_ref[l]``, ``delta_ref[l]`` and ``param[(l, key)]`` name
    the parts ([step id, part]) that hold a^l, z^l, δ^l and the parameters, for "where a number comes from".
    """

    def __init__(self, net, x, y):
        self.net, self.t = net, net.trace(x, y)
        self.L = len(net.layers)
        self.masks, self.back = passed_back(net, x, y)
        self.lay = Layout(net)
        self.a = [self.t.x[0].reshape(net.input_shape)] + [self.t[l].a[0] for l in range(1, self.L + 1)]
        self.a_ref, self.z_ref, self.delta_ref, self.param = {0: ("input", 0)}, {}, {}, {}
        self.focus, self.blocks = {}, {}  # per map layer: (c, i, j), the unit the equations show; a pool's block
        self.mask_refs = {}  # per pool: the part holding its mask M
        self.steps = []
        pools = sorted(l for l in self.masks if l > 1)  # (a pool on the input passes nothing back)
        self.pool_id = {l: "pool_back" if l == pools[0] else f"pool_back{l}" for l in pools}

    def build(self, name, title):
        self.input_step()
        for l, layer in enumerate(self.net.layers, start=1):
            {Conv2D: self.conv_forward, MaxPool2D: self.pool_forward, Flatten: self.flatten_forward}.get(
                type(layer), self.dense_forward
            )(l, layer)
        self.steps.append(cost_step(self.net, self.t, COST, self.L, a_ref=self.a_ref[self.L]))
        self.output_error()
        for l in range(self.L, 0, -1):
            layer = self.net.layers[l - 1]
            if isinstance(layer, Conv2D):
                self.conv_backward(l, layer)
            elif isinstance(layer, Dense):
                self.dense_backward(l, layer)
            if l > 1:
                {Conv2D: self.conv_back, MaxPool2D: self.pool_back, Flatten: self.flatten_back}.get(
                    type(layer), self.dense_back
                )(l, layer)
        return pass_data(name, title, "conv", self.t, self.lay.scene, self.steps)

    def add(self, st):
        """Append a step; returns its id."""
        self.steps.append(st)
        return st["id"]

    # --- forward ---------------------------------------------------------------------------------------

    def input_step(self):
        net, t, lay, L = self.net, self.t, self.lay, self.L
        C0, H0, W0 = net.input_shape
        size = f"{H0}x{W0}" if C0 == 1 else f"{C0}x{H0}x{W0}"
        parts = [
            part(
                "a<sup>0</sup> = x",
                {"q": "x"},
                self.a[0],
                lay.at(0, 1),
                "x",
                why=why_given("a<sup>0</sup><sub>{i}</sub> = x<sub>{i}</sub> = {=}, the input"),
                labels=lay.labels(0),
            ),
            part(
                "y",
                {"q": "y"},
                t.y[0],
                lay.at(L, 4) if lay.stage[L][0] == "units" else NOWHERE,
                "y",
                why=why_given("y<sub>{i}</sub> = {=}, the target"),
            ),
        ]
        for l in range(1, L + 1):
            for key, target in (
                ("K", maps(lay.kmaps.get(l, []))),
                ("W", maps(lay.wmaps.get(l, []))),
                ("b", maps(lay.bmaps[l]) if l in lay.bmaps else NOWHERE),
            ):
                if key in t[l].params:
                    self.param[(l, key)] = ("input", len(parts))
                    parts.append(
                        part(
                            f"{key}<sup>{l}</sup>",
                            {"q": "param", "l": l, "key": key},
                            t[l].params[key],
                            target,
                            panel=False,
                            why=why_given(f"{key}<sup>{l}</sup><sub>{{i}}</sub> = {{=}}, a parameter of the network"),
                        )
                    )
        self.add(
            step(
                "input",
                "input",
                f"The input image a⁰ = x ({size}), the target y, and the weights",
                rf"a^{{0}} = x \in \mathbb{{R}}^{{{C0}\times {H0}\times {W0}}}, \qquad y = {tex_vec(t.y[0])}",
                code(ConvNet.forward, "a=[x.reshape((len(x),) + self.input_shape)]"),
                parts,
            )
        )

    def z_part(self, l, values, why):
        """z^l as a part (named "z = a" where σ is the identity), drawn where a^l is."""
        identity = self.net.activations[l - 1].name == "identity"
        name = f"z<sup>{l}</sup>" + (f" = a<sup>{l}</sup>" if identity else "")
        self.z_ref[l] = (f"z{l}", 0)
        if identity:
            self.a_ref[l] = (f"z{l}", 0)
        return part(name, {"q": "z", "l": l}, values, self.lay.at(l, 0), "z", why=why, labels=self.lay.labels(l))

    def activation_step(self, l, highlight=None):
        """a^l = σ(z^l), where σ is not the identity (softmax: e^(z_j) over the sum of its row's e^(z_k))."""
        act, z, a = self.net.activations[l - 1], self.t[l].z[0], self.t[l].a[0]
        if act.name == "identity":
            return
        s = SIGMA_TEX[act.name]
        head = f"a<sup>{l}</sup><sub>{{i}}</sub> = "
        if act.name == "softmax":
            total = float(np.exp(z).sum()) if z.ndim == 1 else math.inf
            denominator = fmt(total) if math.isfinite(total) else "Σ<sub>k</sub> e<sup>z<sub>k</sub></sup>"
            eq = (
                head + f"e<sup>z<sub>{{i}}</sub></sup> / Σ<sub>k</sub>"
                f" e<sup>z<sub>k</sub></sup> = e<sup>{{0}}</sup> / {denominator} = {{=}}"
            )
        else:
            eq = (
                head
                + f"{sigma_html(act.name)}(z<sup>{l}</sup><sub>{{i}}</sub>) = {sigma_html(act.name)}({{0}}) = {{=}}"
            )
        if z.ndim == 3:
            c, i, j = self.focus[l]
            tex = (
                rf"a^{{{l}}} = {s}(z^{{{l}}}),\quad a^{{{l}}}_{{{c},{i},{j}}}"
                rf" = {s}({tex_num(z[c, i, j])}) = {tex_num(a[c, i, j])}"
            )
            if act.name == "relu":
                tex = (
                    rf"a^{{{l}}} = \mathrm{{relu}}(z^{{{l}}}) = \max(0, z^{{{l}}}),\quad a^{{{l}}}_{{{c},{i},{j}}}"
                    rf" = \max(0, {tex_num(z[c, i, j])}) = {tex_num(a[c, i, j])}"
                )
        else:
            tex = rf"a^{{{l}}} = {s}(z^{{{l}}}) = {s}\!\left({tex_vec(z)}\right) = {tex_vec(a)}"
        self.a_ref[l] = (f"a{l}", 0)
        self.add(
            forward(
                f"a{l}",
                f"Forward, layer {l}: the activation a{sup(l)} = {act.name}(z{sup(l)})",
                tex,
                code(ConvNet.forward, "p.a.append(sigma.forward(z))"),
                [
                    part(
                        f"a<sup>{l}</sup>",
                        {"q": "a", "l": l},
                        a,
                        self.lay.at(l, 1),
                        "a",
                        why=why_same(eq, [self.z_ref[l]]),
                        labels=self.lay.labels(l),
                    )
                ],
                highlight,
            )
        )

    def conv_forward(self, l, layer):
        t, lay, A = self.t[l], self.lay, self.a[l - 1]
        K, b, Z = t.params["K"], t.params["b"], t.z[0]
        F, D, k = K.shape[:3]
        flat_a, flat_k = np.arange(A.size).reshape(A.shape), np.arange(K.size).reshape(K.shape)
        kref, bref, aref = self.param[(l, "K")], self.param[(l, "b")], self.a_ref[l - 1]
        entries = []
        for f, i, j in np.ndindex(Z.shape):
            window = (slice(None), slice(i, i + k), slice(j, j + k))
            terms = [
                ((kv, av), [[*kref, int(kk)], [*aref, int(ak)]])
                for kv, av, kk, ak in zip(K[f].ravel(), A[window].ravel(), flat_k[f].ravel(), flat_a[window].ravel())
            ]
            html, refs = term_sum(terms, most(Z.size))
            entries.append(
                [
                    f"z<sup>{l}</sup><sub>{f},{i},{j}</sub> = {html} + {paren(b[f])} = {fmt(Z[f, i, j])}",
                    refs + [[*bref, f]],
                ]
            )
        f, i, j = self.focus[l] = (0, *(int(v) for v in np.unravel_index(np.argmax(Z[0]), Z.shape[1:])))
        sums = " + ".join(
            rf"\sum {tex_mat(K[0, d])} \odot {tex_mat(A[d, i : i + k, j : j + k])}" for d in range(min(D, 2))
        )
        sums += r" + \cdots" if D > 2 else ""
        dsub = "d," if D > 1 else ""
        window = [(i + u) * A.shape[2] + (j + v) for u, v in np.ndindex(k, k)]
        cells = {m: window for m in lay.ids(l - 1)[:D]} if lay.stage[l - 1][0] == "maps" else {}
        cells[lay.ids(l)[0]] = [int(i * Z.shape[2] + j)]
        cells.update({m: list(range(k * k)) for m in lay.kmaps[l][:D]})
        self.add(
            forward(
                f"z{l}",
                f"Forward, layer {l}: the convolution z{sup(l)} = K{sup(l)} * a{sup(l - 1)} + b{sup(l)}",
                rf"z^{{{l}}}_{{f,i,j}} = \sum_{{{dsub}u,v}} K^{{{l}}}_{{f,{dsub}u,v}}\,"
                rf" a^{{{l - 1}}}_{{{dsub}i+u,j+v}} + b^{{{l}}}_f,"
                rf"\quad z^{{{l}}}_{{0,{i},{j}}} = {sums} + {tex_num(b[0])} = {tex_num(Z[0, i, j])}",
                code(
                    Conv2D.forward,
                    "cols = im2col(a, self.k)",
                    Conv2D.forward,
                    "z = K.reshape(F, -1) @ cols + b[:, None]",
                ),
                [self.z_part(l, Z, why_each(entries, (0, 1)))],
                {"cells": cells},
            )
        )
        self.activation_step(l, {"cells": {lay.ids(l)[0]: [int(i * Z.shape[2] + j)]}})

    def pool_forward(self, l, layer):
        t, lay, A, s = self.t[l], self.lay, self.a[l - 1], layer.size
        Z, mask = t.z[0], self.masks[l]
        aref = self.a_ref[l - 1]
        entries = []
        for c, i, j in np.ndindex(Z.shape):
            block = mask[c, i * s : i * s + s, j * s : j * s + s]
            u, v = (int(w) for w in np.unravel_index(np.argmax(block), block.shape))
            p, q = i * s + u, j * s + v
            entries.append(
                [
                    f"z<sup>{l}</sup><sub>{c},{i},{j}</sub> = the maximum of its {s}×{s} block"
                    f" = a<sup>{l - 1}</sup><sub>{c},{p},{q}</sub> = {fmt(Z[c, i, j])}",
                    [[*aref, int(np.ravel_multi_index((c, p, q), A.shape))]],
                ]
            )
        _, Hp, Wp = Z.shape
        if l - 1 in self.focus:
            c, fi, fj = self.focus[l - 1]
            pi, pj = min(fi // s, Hp - 1), min(fj // s, Wp - 1)
        else:
            c, pi, pj = 0, *(int(v) for v in np.unravel_index(np.argmax(Z[0]), Z.shape[1:]))
        self.focus[l] = (c, pi, pj)
        self.blocks[l] = [(pi * s + u) * A.shape[2] + (pj * s + v) for u, v in np.ndindex(s, s)]
        blk = A[c, pi * s : pi * s + s, pj * s : pj * s + s]
        mask_eq = (
            f"M<sup>{l}</sup><sub>{{i}}</sub> = {{=}}: 1 where"
            f" a<sup>{l - 1}</sup><sub>{{i}}</sub> = {{0}} is the maximum of its block, else 0"
        )
        self.mask_refs[l] = (f"z{l}", 1)
        self.add(
            forward(
                f"z{l}",
                f"Forward, layer {l}: max-pooling keeps each block's maximum (the mask M marks it)",
                rf"z^{{{l}}}_{{c,i,j}} = \max_{{p,q<{s}}} a^{{{l - 1}}}_{{c,{s}i+p,{s}j+q}},\quad"
                rf" z^{{{l}}}_{{{c},{pi},{pj}}} = \max {tex_mat(blk)} = {tex_num(Z[c, pi, pj])},"
                rf"\qquad a^{{{l}}} = z^{{{l}}}",
                code(MaxPool2D.forward, "z = blocks.max(axis=-1)", MaxPool2D.forward, "winner = blocks.argmax("),
                [
                    self.z_part(l, Z, why_each(entries)),
                    part(
                        "mask M",
                        {"q": "mask", "l": l},
                        mask,
                        {"type": "mask", "ids": lay.ids(l - 1)} if lay.stage[l - 1][0] == "maps" else NOWHERE,
                        "M",
                        why=why_same(mask_eq, [aref], (1,)),
                    ),
                ],
                {"cells": {lay.ids(l - 1)[c]: self.blocks[l], lay.ids(l)[c]: [int(pi * Wp + pj)]}},
            )
        )

    def flatten_forward(self, l, layer):
        n = self.t[l].z[0].size
        why = why_same(
            f"z<sup>{l}</sup><sub>{{i}}</sub> = (a<sup>{l - 1}</sup> flattened)<sub>{{i}}</sub> = {{=}}",
            [self.a_ref[l - 1]],
        )
        z = self.z_part(l, self.t[l].z[0], why)
        self.add(
            forward(
                f"z{l}",
                "Forward, layer {}: flatten the maps into one vector".format(l),
                rf"z^{{{l}}} = a^{{{l}}} = \mathrm{{flatten}}(a^{{{l - 1}}}) \in \mathbb{{R}}^{{{n}}}",
                code(Flatten.forward, "return a.reshape(len(a), -1), None"),
                [z],
            )
        )
        self.activation_step(l)

    def dense_forward(self, l, layer):
        t, A = self.t[l], self.a[l - 1]
        W, b, Z = t.params["W"], t.params["b"], t.z[0]
        wref, bref, aref = self.param[(l, "W")], self.param[(l, "b")], self.a_ref[l - 1]
        n_in = len(A)
        entries = []
        for j in range(len(Z)):
            terms = [((W[j, k], A[k]), [[*wref, j * n_in + k], [*aref, k]]) for k in range(n_in)]
            html, refs = term_sum(terms, most(len(Z)))
            entries.append(
                [
                    f"z<sup>{l}</sup><sub>{j}</sub> = Σ<sub>k</sub> W<sub>{j},k</sub>"
                    f" a<sub>k</sub> + b<sub>{j}</sub> = {html} + {paren(b[j])} = {fmt(Z[j])}",
                    refs + [[*bref, j]],
                ]
            )
        self.add(
            forward(
                f"z{l}",
                f"Forward, layer {l}: the dense layer's weighted input z{sup(l)}",
                rf"z^{{{l}}} = W^{{{l}}} a^{{{l - 1}}} + b^{{{l}}} ="
                rf" {tex_mat(W)}\, a^{{{l - 1}}} + {tex_vec(b)} = {tex_vec(Z)}",
                code(Dense.forward, "return a @ W.T + b, None"),
                [self.z_part(l, Z, why_each(entries))],
            )
        )
        self.activation_step(l)

    # --- backward ----------------------------------------------------------------------------------------

    def delta_why(self, l, g_sym, g_val, ops, g, lines=(0,)):
        """Why of δ^l = g ⊙ σ'(z^l): ``g_sym`` is g's entry as HTML, ``g_val`` its value (a template of ``ops``)."""
        act, n = self.net.activations[l - 1], len(ops)
        head = f"δ<sup>{l}</sup><sub>{{i}}</sub> = "
        if act.name == "identity":
            return why_same(head + f"{g_sym} = {g_val} = {{=}}", ops, lines)
        if act.name == "softmax":  # not element-wise: δ = a ⊙ (g - Σ_k g_k a_k), over each row
            a = self.t[l].a[0]
            s = fmt((g * a).sum()) if a.ndim == 1 else "Σ<sub>k</sub> g<sub>k</sub>a<sub>k</sub>"
            eq = (
                f"a<sub>{{i}}</sub>({g_sym} − Σ<sub>k</sub>"
                f" g<sub>k</sub>a<sub>k</sub>) = {{{n}}}·({g_val} − {s}) = {{=}}"
            )
            return why_same(head + eq, [*ops, self.a_ref[l]], lines)
        name = sigma_html(act.name)
        eq = f"{g_sym}·{name}′(z<sup>{l}</sup><sub>{{i}}</sub>) = {g_val}·{name}′({{{n}}}) = {{=}}"
        return why_same(head + eq, [*ops, self.z_ref[l]], lines)

    def delta_part(self, l, why):
        """δ^l as a part, drawn where a^l is."""
        return part(
            f"δ<sup>{l}</sup>",
            {"q": "delta", "l": l},
            self.t[l].delta[0],
            self.lay.at(l, 2),
            "δ",
            why=why,
            labels=self.lay.labels(l),
        )

    def output_error(self):
        L, out, Y = self.L, self.t[self.L], self.t.y[0]
        A = out.a[0]
        y_ref = ("input", 1)
        if isinstance(self.net.cost, CrossEntropy):
            tex = rf"\delta^{{{L}}} = a^{{{L}}} - y = {tex_vec(A)} - {tex_vec(Y)} = {tex_vec(out.delta[0])}"
            why = why_same(
                f"δ<sup>{L}</sup><sub>{{i}}</sub> = a<sub>{{i}}</sub> − y<sub>{{i}}</sub> = {{0}} − {{1}} = {{=}}",
                [self.a_ref[L], y_ref],
            )
            title = f"Backward: the output error δ{sup(L)} ({self.net.activations[L - 1].name} with cross-entropy)"
        else:
            s = SIGMA_TEX[self.net.activations[L - 1].name]
            tex = (
                rf"\delta^{{{L}}} = (a^{{{L}}} - y) \odot {s}'(z^{{{L}}}) = \left({tex_vec(A)} - {tex_vec(Y)}\right)"
                rf" \odot {s}'\!\left({tex_vec(out.z[0])}\right) = {tex_vec(out.delta[0])}"
            )
            why = self.delta_why(L, "(a<sub>{i}</sub> − y<sub>{i}</sub>)", "({0} − {1})", [self.a_ref[L], y_ref], A - Y)
            title = f"Backward: the output error δ{sup(L)} (quadratic cost)"
        self.delta_ref[L] = (f"delta{L}", 0)
        self.add(
            backward(
                f"delta{L}",
                title,
                tex,
                code(ConvNet.backward, "delta[-1] = self.cost.delta(p.z[-1], p.a[-1], y, self.activations[-1])"),
                [
                    part(
                        f"δ<sup>{L}</sup>",
                        {"q": "delta", "l": L},
                        out.delta[0],
                        self.lay.at(L, 2),
                        "δ",
                        why=why,
                        labels=self.lay.labels(L),
                    )
                ],
            )
        )

    def dense_backward(self, l, layer):
        t, lay = self.t[l], self.lay
        dref, aref = self.delta_ref[l], self.a_ref[l - 1]
        n, n_in = t.nabla_w.shape
        wlabels = 5 if t.nabla_w.size > 300 else 0
        self.add(
            backward(
                f"dW{l}",
                f"Backward: the gradient ∂C/∂W{sup(l)}",
                rf"\frac{{\partial C}}{{\partial W^{{{l}}}}} = \delta^{{{l}}}"
                rf" (a^{{{l - 1}}})^{{T}} \in \mathbb{{R}}^{{{n}\times {n_in}}}",
                code(Dense.backward, "nabla_w = delta.T @ a"),
                [
                    part(
                        f"∂C/∂W<sup>{l}</sup>",
                        {"q": "grad", "l": l, "key": "W"},
                        t.nabla_w,
                        maps(lay.wmaps[l]),
                        "∂w",
                        why=why_outer(
                            f"∂C/∂W<sup>{l}</sup><sub>{{i}}</sub> = δ<sub>{{i0}}</sub>"
                            f" a<sub>{{i1}}</sub> = {{0}}·{{1}} = {{=}}",
                            [dref, aref],
                        ),
                        labels=wlabels,
                    )
                ],
            )
        )
        self.add(
            backward(
                f"db{l}",
                f"Backward: the gradient ∂C/∂b{sup(l)}",
                rf"\frac{{\partial C}}{{\partial b^{{{l}}}}} = \delta^{{{l}}} = {tex_vec(t.nabla_b)}",
                code(Dense.backward, "nabla_b = delta.sum(axis=0)"),
                [
                    part(
                        f"∂C/∂b<sup>{l}</sup>",
                        {"q": "grad", "l": l, "key": "b"},
                        t.nabla_b,
                        lay.at(l, 3),
                        "∂b",
                        why=why_same(
                            f"∂C/∂b<sup>{l}</sup><sub>{{i}}</sub> = δ<sup>{l}</sup><sub>{{i}}</sub> = {{=}}", [dref]
                        ),
                        labels=lay.labels(l),
                    )
                ],
            )
        )

    def conv_backward(self, l, layer):
        t, lay, A = self.t[l], self.lay, self.a[l - 1]
        delta, nabla_k = t.delta[0], t.grads["K"]
        F, D, k = nabla_k.shape[:3]
        _, Ho, Wo = delta.shape
        dref, aref = self.delta_ref[l], self.a_ref[l - 1]
        flat_a, flat_d = np.arange(A.size).reshape(A.shape), np.arange(delta.size).reshape(delta.shape)
        entries = []
        for f, d, u, v in np.ndindex(nabla_k.shape):
            window = (d, slice(u, u + Ho), slice(v, v + Wo))
            terms = [
                ((dv, av), [[*dref, int(dk)], [*aref, int(ak)]])
                for dv, av, dk, ak in zip(
                    delta[f].ravel(), A[window].ravel(), flat_d[f].ravel(), flat_a[window].ravel()
                )
            ]
            html, refs = term_sum(terms, most(nabla_k.size))
            entries.append(
                [
                    f"∂C/∂K<sup>{l}</sup><sub>{f},{d},{u},{v}</sub> ="
                    f" Σ<sub>i,j</sub> δ·a = {html} = {fmt(nabla_k[f, d, u, v])}",
                    refs,
                ]
            )
        shown = r",\ ".join(tex_mat(nabla_k[f, 0]) for f in range(min(F, 2))) + (r",\ \ldots" if F > 2 else "")
        dsub = "d," if D > 1 else ""
        self.add(
            backward(
                f"dK{l}",
                f"Backward: the gradient ∂C/∂K{sup(l)}, each kernel weight summed over the windows",
                rf"\frac{{\partial C}}{{\partial K^{{{l}}}_{{f,{dsub}u,v}}}} = \sum_{{i,j}} \delta^{{{l}}}_{{f,i,j}}\,"
                rf" a^{{{l - 1}}}_{{{dsub}i+u,j+v}} \;\Rightarrow\; {shown}",
                code(Conv2D.backward, "nabla_k = (d @ cols.T).reshape(K.shape)"),
                [
                    part(
                        f"∂C/∂K<sup>{l}</sup>",
                        {"q": "grad", "l": l, "key": "K"},
                        nabla_k,
                        maps(lay.kmaps[l]),
                        "∂K",
                        why=why_each(entries),
                    )
                ],
            )
        )
        entries = []
        for f in range(F):
            html, refs = term_sum([((dv,), [[*dref, int(dk)]]) for dv, dk in zip(delta[f].ravel(), flat_d[f].ravel())])
            entries.append(
                [
                    f"∂C/∂b<sup>{l}</sup><sub>{f}</sub> = Σ<sub>i,j</sub>"
                    f" δ<sup>{l}</sup><sub>{f},i,j</sub> = {html} = {fmt(t.nabla_b[f])}",
                    refs,
                ]
            )
        self.add(
            backward(
                f"db{l}",
                f"Backward: the gradient ∂C/∂b{sup(l)}, each map's errors summed",
                rf"\frac{{\partial C}}{{\partial b^{{{l}}}_f}} ="
                rf" \sum_{{i,j}} \delta^{{{l}}}_{{f,i,j}} = {tex_vec(t.nabla_b)}",
                code(Conv2D.backward, "nabla_b = d.sum(axis=1)"),
                [
                    part(
                        f"∂C/∂b<sup>{l}</sup>",
                        {"q": "grad", "l": l, "key": "b"},
                        t.nabla_b,
                        maps(lay.bmaps[l]),
                        "∂b",
                        why=why_each(entries),
                    )
                ],
            )
        )

    def passed_step(self, l, title, tex, lines, sums, source):
        """The step delta{l-1} after a dense or convolution layer l: g = ∂C/∂a^(l-1) (``sums``: each entry's
        [html, refs]) and δ^(l-1) = g ⊙ σ'(z^(l-1)), one part where σ^(l-1) is the identity, else two."""
        sid, g = f"delta{l - 1}", self.back[l]
        if self.net.activations[l - 2].name == "identity":
            parts = [self.delta_part(l - 1, why_each(sums, (0, 1)))]
            self.delta_ref[l - 1] = (sid, 0)
        else:
            name = f"∂C/∂a<sup>{l - 1}</sup>"
            parts = [
                part(
                    name,
                    source,
                    g,
                    self.lay.maps_at(l - 1),
                    "∂a",
                    why=why_each(sums, (0,)),
                    labels=self.lay.labels(l - 1),
                )
            ]
            self.delta_ref[l - 1] = (sid, 1)
            why = self.delta_why(l - 1, "∂C/∂a<sub>{i}</sub>", "{0}", [(sid, 0)], g, (1,))
            parts.append(
                part(
                    f"δ<sup>{l - 1}</sup>",
                    {"q": "delta", "l": l - 1},
                    self.t[l - 1].delta[0],
                    self.lay.at(l - 1, 2),
                    "δ",
                    why=why,
                    labels=self.lay.labels(l - 1),
                )
            )
        lines = lines + code(ConvNet.backward, "delta[i - 1] = self.activations[i - 1].backward(p.z[i - 1], p.a[i], g)")
        self.add(backward(sid, title, tex, lines, parts))

    def dense_back(self, l, layer):
        t = self.t[l]
        W, delta = t.params["W"], t.delta[0]
        wref, dref = self.param[(l, "W")], self.delta_ref[l]
        n, n_in = W.shape
        g, sums = self.back[l], []
        for k in range(n_in):
            html, refs = term_sum(
                [((W[j, k], delta[j]), [[*wref, j * n_in + k], [*dref, j]]) for j in range(n)], most(n_in)
            )
            sums.append(
                [
                    f"∂C/∂a<sup>{l - 1}</sup><sub>{k}</sub> = Σ<sub>j</sub>"
                    f" W<sub>j,{k}</sub> δ<sub>j</sub> = {html} = {fmt(g[k])}",
                    refs,
                ]
            )
        s = SIGMA_TEX[self.net.activations[l - 2].name]
        self.passed_step(
            l,
            f"Backward: the error δ{sup(l - 1)} of layer {l - 1}",
            rf"\delta^{{{l - 1}}} = (W^{{{l}}})^{{T}} \delta^{{{l}}}"
            rf" \odot {s}'(z^{{{l - 1}}}) = (W^{{{l}}})^{{T}} {tex_vec(delta)}"
            + (rf" \odot {s}'(z^{{{l - 1}}})" if s != SIGMA_TEX["identity"] else ""),
            code(Dense.backward, "(delta @ W if need_input_grad else None)"),
            sums,
            {"q": "back", "l": l},
        )

    def conv_back(self, l, layer):
        t = self.t[l]
        K, delta = t.params["K"], t.delta[0]
        F, D, k = K.shape[:3]
        _, Ho, Wo = delta.shape
        kref, dref = self.param[(l, "K")], self.delta_ref[l]
        g, sums = self.back[l], []
        for d, p, q in np.ndindex(g.shape):
            terms = [
                (
                    (K[f, d, u, v], delta[f, p - u, q - v]),
                    [
                        [*kref, int(np.ravel_multi_index((f, d, u, v), K.shape))],
                        [*dref, int(np.ravel_multi_index((f, p - u, q - v), delta.shape))],
                    ],
                )
                for f, u, v in np.ndindex(F, k, k)
                if 0 <= p - u < Ho and 0 <= q - v < Wo
            ]
            html, refs = term_sum(terms, most(g.size))
            sums.append(
                [
                    f"∂C/∂a<sup>{l - 1}</sup><sub>{d},{p},{q}</sub> ="
                    f" Σ<sub>f,u,v</sub> K·δ = {html} = {fmt(g[d, p, q])}",
                    refs,
                ]
            )
        s = SIGMA_TEX[self.net.activations[l - 2].name]
        self.passed_step(
            l,
            f"Backward: the error δ{sup(l - 1)}, each window's error sent back through the kernels",
            rf"\frac{{\partial C}}{{\partial a^{{{l - 1}}}_{{d,p,q}}}} ="
            rf" \sum_{{f,u,v}} K^{{{l}}}_{{f,d,u,v}}\, \delta^{{{l}}}_{{f,p-u,q-v}},"
            rf"\quad \delta^{{{l - 1}}} = \frac{{\partial C}}{{\partial a^{{{l - 1}}}}} \odot {s}'(z^{{{l - 1}}})",
            code(Conv2D.backward, "col2im(K.reshape(F, -1).T @ d, a.shape, self.k)"),
            sums,
            {"q": "back", "l": l},
        )

    def flatten_back(self, l, layer):
        shape = self.net.shapes[l - 1]
        s = SIGMA_TEX[self.net.activations[l - 2].name]
        g = self.t[l].delta[0].reshape(shape)
        size = r"\times ".join(str(n) for n in shape)
        why = self.delta_why(
            l - 1, f"(δ<sup>{l}</sup> reshaped)<sub>{{i}}</sub>", "{0}", [self.delta_ref[l]], g, (0, 1)
        )
        self.delta_ref[l - 1] = (f"delta{l - 1}", 0)
        cells = {}
        if l - 1 in self.focus:
            c, i, j = self.focus[l - 1]
            cells = {self.lay.ids(l - 1)[c]: [int(i * shape[2] + j)]}
        self.add(
            backward(
                f"delta{l - 1}",
                f"Backward: δ{sup(l - 1)} is δ{sup(l)} put back into the maps' shape",
                rf"\delta^{{{l - 1}}} = \mathrm{{reshape}}(\delta^{{{l}}})"
                + (rf" \odot {s}'(z^{{{l - 1}}})" if s != SIGMA_TEX["identity"] else "")
                + rf" \in \mathbb{{R}}^{{{size}}}",
                code(
                    Flatten.backward,
                    "return (), delta.reshape(a.shape)",
                    ConvNet.backward,
                    "delta[i - 1] = self.activations[i - 1].backward(p.z[i - 1], p.a[i], g)",
                ),
                [self.delta_part(l - 1, why)],
                {"cells": cells},
            )
        )

    def pool_back(self, l, layer):
        s, lay = layer.size, self.lay
        mask, g, delta = self.masks[l], self.back[l], self.t[l].delta[0]
        dref = self.delta_ref[l]
        _, Hp, Wp = delta.shape
        sums = []
        for c, p, q in np.ndindex(g.shape):
            name = f"∂C/∂a<sup>{l - 1}</sup><sub>{c},{p},{q}</sub>"
            if mask[c, p, q]:
                i, j = p // s, q // s
                d_ref = [*dref, int(np.ravel_multi_index((c, i, j), delta.shape))]
                sums.append(
                    [
                        f"{name} = δ<sup>{l}</sup><sub>{c},{i},{j}</sub>, its block's maximum = {fmt(g[c, p, q])}",
                        [d_ref],
                    ]
                )
            elif p < Hp * s and q < Wp * s:
                sums.append([f"{name} = 0, not the maximum = {fmt(g[c, p, q])}", []])
            else:
                sums.append([f"{name} = 0, outside every {s}×{s} block = {fmt(g[c, p, q])}", []])
        c, pi, pj = self.focus[l]
        dblock = g[c, pi * s : pi * s + s, pj * s : pj * s + s]
        sid = self.pool_id[l]
        self.add(
            backward(
                sid,
                "Backward through the pool: each block's error goes to its arg-max (the mask M), 0 elsewhere",
                rf"\frac{{\partial C}}{{\partial a^{{{l - 1}}}}} = \mathrm{{upsample}}(\delta^{{{l}}}) \odot M,\quad"
                rf" \delta^{{{l}}}_{{{c},{pi},{pj}}} = {tex_num(delta[c, pi, pj])} \;\to\; {tex_mat(dblock)}",
                code(MaxPool2D.backward, "return (), up * mask"),
                [
                    part(
                        f"∂C/∂a<sup>{l - 1}</sup>",
                        {"q": "pool_back", "l": l},
                        g,
                        lay.maps_at(l - 1),
                        "∂a",
                        why=why_each(sums),
                        labels=lay.labels(l - 1),
                    )
                ],
                {"cells": {lay.ids(l - 1)[c]: self.blocks[l], lay.ids(l)[c]: [int(pi * Wp + pj)]}},
            )
        )
        act = self.net.activations[l - 2]
        s_tex = SIGMA_TEX[act.name]
        tex = rf"\delta^{{{l - 1}}} = \frac{{\partial C}}{{\partial a^{{{l - 1}}}}} \odot {s_tex}'(z^{{{l - 1}}})"
        if act.name in DERIVATIVE_TEX:
            tex += rf",\quad {s_tex}'(z) = {DERIVATIVE_TEX[act.name]}"
        why = self.delta_why(l - 1, f"∂C/∂a<sup>{l - 1}</sup><sub>{{i}}</sub>", "{0}", [(sid, 0)], g)
        self.delta_ref[l - 1] = (f"delta{l - 1}", 0)
        self.add(
            backward(
                f"delta{l - 1}",
                f"Backward: the error δ{sup(l - 1)} = ∂C/∂a{sup(l - 1)} ⊙ {act.name}'(z{sup(l - 1)})",
                tex,
                code(ConvNet.backward, "delta[i - 1] = self.activations[i - 1].backward(p.z[i - 1], p.a[i], g)"),
                [self.delta_part(l - 1, why)],
            )
        )


def conv_data(net=None, x=None, y=None, name="convnet", title=None):
    """The step-through of a ConvNet on one image (x, y): any Conv2D, MaxPool2D, Flatten and Dense layers.

    Without ``net``, the docs' example (``convnet_example``). The cost is quadratic, or cross-entropy after a
    softmax (``steps.cost_step``).
    """
    if net is None:
        net, x, y = convnet_example()
        title = title or EXAMPLE_TITLE
    if not isinstance(net, ConvNet):
        raise ValueError(f"stepthrough: conv_data draws a ConvNet, got {type(net).__name__}")
    title = title or f"A ConvNet: {', '.join(net.layer_names())}"
    return ConvSteps(net, x, y).build(name, title)
