"""The step-through of a fully connected network: forward, cost and backward, one equation a step.

Any ``NeuralNetwork`` is drawn. A layer of up to 16 units is a column of circles with its numbers beside
them; a wider one is a strip of cells (its largest values labelled), a 784-wide input the 28x28 image it
is, and then the weight matrices are heat maps below the layers.
"""

from tinynet.activations import Softmax
from tinynet.costs import CrossEntropy
from tinynet.network import NeuralNetwork
from tinynet.teach.stepthrough.format import SIGMA_TEX, WIDE, fmt, sigma_html, sup, tex_col, tex_mat, tex_vec
from tinynet.teach.stepthrough.scene import COST, NOWHERE, column, edges, map_grid, maps, new_scene, strip, units
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


def dense_data(net, x, y, name="lesson2", title="The [2, 3, 2] network of lessons 2-6"):
    """The step-through of a NeuralNetwork on one sample (x, y)."""
    t = net.trace(x, y)
    L = len(t.layers)
    sizes = net.sizes
    X, Y = t.x[0], t.y[0]
    a = [X] + [layer.a[0] for layer in t.layers]  # a[l] = a^l
    draw = Drawing(sizes, [t[l].name for l in range(1, L + 1)])
    scene = draw.scene

    # where each quantity is, for "where a number comes from": [step id, part index]
    A = {0: ("input", 0)} | {l: (f"a{l}", 0) for l in range(1, L + 1)}
    Wref = {l: ("input", 2 * l) for l in range(1, L + 1)}
    bref = {l: ("input", 2 * l + 1) for l in range(1, L + 1)}
    Z = {l: (f"z{l}", 0) for l in range(1, L + 1)}
    D = {l: (f"delta{l}", 0) for l in range(1, L + 1)}

    fwd, bwd = NeuralNetwork.forward, NeuralNetwork.backward
    given = [
        part("a<sup>0</sup> = x", {"q": "x"}, X, draw.at(0, 1), "x", why=why_given("x<sub>{i}</sub> = {=}, the input")),
        part("y", {"q": "y"}, Y, draw.at(L, 4), "y", why=why_given("y<sub>{i}</sub> = {=}, the target")),
    ]
    for l in range(1, L + 1):
        given += [
            part(
                f"W<sup>{l}</sup>",
                {"q": "param", "l": l, "key": "W"},
                t[l].W,
                draw.weights(l),
                "w",
                panel=False,
                why=why_given(f"W<sup>{l}</sup><sub>{{i0}},{{i1}}</sub> = {{=}}, a weight of the network", ()),
            ),
            part(
                f"b<sup>{l}</sup>",
                {"q": "param", "l": l, "key": "b"},
                t[l].b,
                NOWHERE,
                "b",
                panel=False,
                why=why_given(f"b<sup>{l}</sup><sub>{{i}}</sub> = {{=}}, a bias of the network", ()),
            ),
        ]
    steps = [
        step(
            "input",
            "input",
            "The input a⁰ = x and the target y",
            rf"a^{{0}} = x = {tex_col(X)}, \qquad y = {tex_col(Y)}",
            code(fwd, "z, a = [], [x]"),
            given,
        )
    ]
    for l in range(1, L + 1):
        lt = t[l]
        W, b = lt.W, lt.b
        z_why = why_each(
            [
                sum_entry(
                    f"z<sup>{l}</sup><sub>{j}</sub> = Σ<sub>k</sub> W<sup>{l}</sup><sub>{j},k</sub>"
                    f" a<sup>{l - 1}</sup><sub>k</sub> + b<sup>{l}</sup><sub>{j}</sub>",
                    [
                        ((W[j, k], a[l - 1][k]), [[*Wref[l], j * sizes[l - 1] + k], [*A[l - 1], k]])
                        for k in range(sizes[l - 1])
                    ],
                    f" + {paren(b[j])}",
                    [[*bref[l], j]],
                    lt.z[0][j],
                )
                for j in range(sizes[l])
            ]
        )
        steps.append(
            forward(
                f"z{l}",
                f"Forward, layer {l}: the weighted input z{sup(l)}",
                rf"z^{{{l}}} = W^{{{l}}} a^{{{l - 1}}} + b^{{{l}}} = {tex_mat(W)} {tex_vec(a[l - 1])}"
                rf" + {tex_vec(b)} = {tex_vec(lt.z[0])}",
                code(fwd, "z.append(a[-1] @ W.T + b)"),
                [
                    part(
                        f"z<sup>{l}</sup>",
                        {"q": "z", "l": l},
                        lt.z[0],
                        draw.at(l, 0),
                        "z",
                        why=z_why,
                        labels=draw.labels(l),
                    )
                ],
                draw.edges(l),
            )
        )
        s, sh = SIGMA_TEX[lt.name], sigma_html(lt.name)
        if isinstance(net.activations[l - 1], Softmax):
            a_why = why_each(
                [
                    [
                        f"{sym('a', l, j)} = e<sup>{sym('z', l, j)}</sup> / {sum_exp(l)}"
                        f" = e<sup>{fmt(lt.z[0][j])}</sup> / {sum_exp(l)}"
                        f" = {fmt(lt.a[0][j])}",
                        [[*Z[l], j]],
                    ]
                    for j in range(sizes[l])
                ]
            )
        else:
            a_why = why_same(
                f"a<sup>{l}</sup><sub>{{i}}</sub> = {sh}(z<sup>{l}</sup><sub>{{i}}</sub>) = {sh}({{0}}) = {{=}}", [Z[l]]
            )
        steps.append(
            forward(
                f"a{l}",
                f"Forward, layer {l}: the activation a{sup(l)}",
                rf"a^{{{l}}} = {s}(z^{{{l}}}) = {s}\!\left({tex_vec(lt.z[0])}\right) = {tex_vec(lt.a[0])}",
                code(fwd, "a.append(sigma.forward(z[-1]))"),
                [
                    part(
                        f"a<sup>{l}</sup>",
                        {"q": "a", "l": l},
                        lt.a[0],
                        draw.at(l, 1),
                        "a",
                        why=a_why,
                        labels=draw.labels(l),
                    )
                ],
            )
        )
    steps.append(cost_step(net, t, COST, L))

    out = t[L]
    if isinstance(net.cost, CrossEntropy):
        tex = rf"\delta^{{{L}}} = a^{{{L}}} - y = {tex_vec(out.a[0])} - {tex_vec(Y)} = {tex_vec(out.delta[0])}"
        d_why = why_same(
            f"{sym('δ', L)} = {sym('a', L)} − y<sub>{{i}}</sub> = {{0}} − {{1}} = {{=}}",
            [A[L], ("input", 1)],
        )
    else:
        s, sh = SIGMA_TEX[out.name], sigma_html(out.name)
        tex = (
            rf"\delta^{{{L}}} = (a^{{{L}}} - y) \odot {s}'(z^{{{L}}}) = \left({tex_vec(out.a[0])} - {tex_vec(Y)}\right)"
            rf" \odot {s}'\!\left({tex_vec(out.z[0])}\right) = {tex_vec(out.delta[0])}"
        )
        d_why = why_same(
            f"{sym('δ', L)} = ({sym('a', L)} − y<sub>{{i}}</sub>) {sh}′({sym('z', L)})"
            f" = ({{0}} − {{1}}) · {sh}′({{2}}) = {{=}}",
            [A[L], ("input", 1), Z[L]],
        )
    steps.append(
        backward(
            f"delta{L}",
            f"Backward: the output error δ{sup(L)}",
            tex,
            code(bwd, "delta[-1] = self.cost.delta(p.z[-1], p.a[-1], y, self.activations[-1])"),
            [
                part(
                    f"δ<sup>{L}</sup>",
                    {"q": "delta", "l": L},
                    out.delta[0],
                    draw.at(L, 2),
                    "δ",
                    why=d_why,
                    labels=draw.labels(L),
                )
            ],
        )
    )
    for l in range(L, 0, -1):
        lt = t[l]
        if l < L:
            nxt = t[l + 1]
            s, sh = SIGMA_TEX[lt.name], sigma_html(lt.name)
            W1, d1 = nxt.W, nxt.delta[0]
            d_why = why_each(
                [
                    sum_entry(
                        f"δ<sup>{l}</sup><sub>{k}</sub> = (Σ<sub>j</sub> W<sup>{l + 1}</sup><sub>j,{k}</sub>"
                        f" δ<sup>{l + 1}</sup><sub>j</sub>) {sh}′(z<sup>{l}</sup><sub>{k}</sub>)",
                        [
                            ((W1[j, k], d1[j]), [[*Wref[l + 1], j * sizes[l] + k], [*D[l + 1], j]])
                            for j in range(sizes[l + 1])
                        ],
                        f") · {sh}′({fmt(lt.z[0][k])})",
                        [[*Z[l], k]],
                        lt.delta[0][k],
                        opening="(",
                    )
                    for k in range(sizes[l])
                ]
            )
            steps.append(
                backward(
                    f"delta{l}",
                    f"Backward: the error δ{sup(l)} of layer {l}",
                    rf"\delta^{{{l}}} = \left((W^{{{l + 1}}})^{{T}} \delta^{{{l + 1}}}\right) \odot {s}'(z^{{{l}}})"
                    rf" = \left({tex_mat(W1.T)} {tex_vec(d1)}\right) \odot"
                    rf" {s}'\!\left({tex_vec(lt.z[0])}\right) = {tex_vec(lt.delta[0])}",
                    code(bwd, "delta[i] = self.activations[i].backward(p.z[i], p.a[i + 1], delta[i + 1] @"),
                    [
                        part(
                            f"δ<sup>{l}</sup>",
                            {"q": "delta", "l": l},
                            lt.delta[0],
                            draw.at(l, 2),
                            "δ",
                            why=d_why,
                            labels=draw.labels(l),
                        )
                    ],
                    draw.edges(l + 1),
                )
            )
        w_why = why_outer(
            f"∂C/∂{sym('W', l, '{i0},{i1}')} = {sym('δ', l, '{i0}')} {sym('a', l - 1, '{i1}')} = {{0}} · {{1}} = {{=}}",
            [D[l], A[l - 1]],
        )
        steps.append(
            backward(
                f"dW{l}",
                f"Backward: the gradient ∂C/∂W{sup(l)}",
                rf"\frac{{\partial C}}{{\partial W^{{{l}}}}} = \delta^{{{l}}} (a^{{{l - 1}}})^{{T}}"
                rf" = {tex_vec(lt.delta[0])} {tex_vec(a[l - 1], row=True)} = {tex_mat(lt.nabla_w)}",
                code(bwd, "nabla_w[i] = delta[i].T @ p.a[i]"),
                [
                    part(
                        f"∂C/∂W<sup>{l}</sup>",
                        {"q": "grad", "l": l, "key": "W"},
                        lt.nabla_w,
                        draw.weights(l),
                        "∂w",
                        why=w_why,
                    )
                ],
            )
        )
        b_why = why_same(f"∂C/∂b<sup>{l}</sup><sub>{{i}}</sub> = δ<sup>{l}</sup><sub>{{i}}</sub> = {{=}}", [D[l]])
        steps.append(
            backward(
                f"db{l}",
                f"Backward: the gradient ∂C/∂b{sup(l)}",
                rf"\frac{{\partial C}}{{\partial b^{{{l}}}}} = \delta^{{{l}}} = {tex_vec(lt.nabla_b)}",
                code(bwd, "nabla_b[i] = delta[i].sum(axis=0)"),
                [
                    part(
                        f"∂C/∂b<sup>{l}</sup>",
                        {"q": "grad", "l": l, "key": "b"},
                        lt.nabla_b,
                        draw.at(l, 3),
                        "∂b",
                        why=b_why,
                        labels=draw.labels(l),
                    )
                ],
            )
        )
    return pass_data(name, title, "dense", t, scene, steps)


def sym(name, l, i="{i}"):
    """A quantity's entry in the page's HTML: sym("z", 1, 3) is z¹₃ (by default the entry the page fills in)."""
    return f"{name}<sup>{l}</sup><sub>{i}</sub>"


def sum_exp(l):
    """Σ_k e^(z^l_k), softmax's denominator, in the page's HTML."""
    return f"Σ<sub>k</sub> e<sup>{sym('z', l, 'k')}</sup>"


def sum_entry(head, terms, tail, tail_refs, value, opening=""):
    """[html, refs] of one entry that is a sum: ``head`` = terms + tail = value (the largest terms shown)."""
    shown, refs = term_sum(terms)
    return [f"{head} = {opening}{shown}{tail} = {fmt(value)}", refs + tail_refs]


class Drawing:
    """Where each layer of a network of ``sizes`` is drawn: units, a strip, or a 28x28 image."""

    def __init__(self, sizes, names):
        self.sizes = sizes
        L = len(sizes) - 1
        self.wide = max(sizes) > WIDE
        self.ids = {}  # l: unit ids (a column) or map ids (a strip or image)
        self.kind = {}
        col_w = 230
        self.scene = scene = new_scene(130 + col_w * L + 40, 600 if self.wide else 380)
        if self.wide:
            scene["compact"] = True  # a unit shows only its latest number (the columns are too dense for five)
        x = 40
        for l, n in enumerate(sizes):
            label = "input a⁰ = x" if l == 0 else f"layer {l} ({names[l - 1]})"
            if n <= WIDE:
                self.ids[l], self.kind[l] = [f"u{l}_{j}" for j in range(n)], "units"
                column(scene, self.ids[l], x, 40, 370, label)
            elif l == 0 and n == 784:
                self.ids[l], self.kind[l] = map_grid(scene, "image", 1, x - 20, 60, 28, 28, 6, label), "map"
                x += 100
            else:
                self.ids[l], self.kind[l] = strip(scene, f"strip{l}", n, x, 40, 370, label), "map"
            x += col_w
        self.scene["width"] = x - col_w + 170
        self.edge_ids = {}
        for l in range(1, L + 1):
            if self.kind[l] == "units" and self.kind[l - 1] == "units":
                self.edge_ids[l] = [f"e{l}_{j}_{k}" for j in range(sizes[l]) for k in range(sizes[l - 1])]
                for j in range(sizes[l]):
                    for k in range(sizes[l - 1]):
                        scene["edges"].append({"id": f"e{l}_{j}_{k}", "from": self.ids[l - 1][k], "to": self.ids[l][j]})
        self.heat = {}
        if self.wide:  # the weight matrices as heat maps, side by side below the layers
            left, least = 20, 160  # each map at least this wide, the rest shared by their columns
            room = self.scene["width"] - 40 - 20 * (L - 1) - least * L
            for l in range(1, L + 1):
                rows, cols = sizes[l], sizes[l - 1]
                share = least + room * cols / sum(sizes[:-1])
                cell = max(0.2, min(10.0, round(share / cols, 3)))
                cellh = max(1.0, min(10.0, round(150 / rows, 3)))
                self.heat[l] = map_grid(
                    scene, f"w{l}", 1, left, 420, rows, cols, cell, f"W{sup(l)} ({rows}×{cols})", cellh=cellh
                )
                left += cols * cell + 20
        last = scene["units"][-1] if self.kind[L] == "units" else None
        cx = last["x"] - 10 if last else self.scene["width"] - 120
        scene["texts"].append({"id": "cost", "x": cx, "y": 395, "text": "C", "cls": "st-cost"})

    def at(self, l, slot):
        """The target of a quantity of layer l: its row ``slot`` beside the units, or its strip or image."""
        return units(self.ids[l], slot) if self.kind[l] == "units" else maps(self.ids[l])

    def labels(self, l):
        """How many of a strip's largest values to label (none for units, which show all theirs)."""
        return 5 if self.kind[l] == "map" and l > 0 else 0

    def weights(self, l):
        """W^l (or its gradient): a heat map, the edges' labels, or nowhere."""
        if l in self.heat:
            return maps(self.heat[l])
        return edges(self.edge_ids[l]) if l in self.edge_ids else NOWHERE

    def edges(self, l):
        return {"edges": self.edge_ids[l]} if l in self.edge_ids else None
