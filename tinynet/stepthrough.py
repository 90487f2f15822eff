"""The data of the docs' step-through: one forward and backward pass, step by step, as plain JSON.

The docs build (``docs/hooks.py``) writes, into ``docs/generated/stepthrough/``:

    lesson2.json   the [2, 3, 2] network of lessons 2-6 on its sample, and the
                   "nudge a weight" data (the cost on a grid of Δw, and ∂C/∂w)
    convnet.json   a small ConvNet on an 8x8 digit-like image
    resnet.json    a ResNet of three layers (a stable network, read as forward Euler)

Each file holds a drawing (``scene``: units, edges, heat maps, placed on a
canvas) and the ``steps`` of the pass. A step is one equation applied: its
LaTeX with the numbers put in, the line(s) of tinynet's source that compute
it (found by their code text when the data is written; a line that is not
found stops the build), and its ``parts``: the arrays it produces, each with
the place in the drawing it goes to and where it comes from (``source``: a
quantity of ``network.trace``, e.g. ``{"q": "z", "l": 1}``).

Every number comes from tinynet itself: ``network.trace`` (z, a, delta,
parameters, gradients, C), ``cost_of`` (the nudge grid) and, for what a
trace does not keep (the max-pool's arg-max mask, the error the pool passes
back, a stable network's ∂C/∂Y_j), the network's own forward and backward
code run on a workspace. Nothing here computes any of it a second time; the
page's JavaScript only displays it.
"""

import inspect
import json
from pathlib import Path

import numpy as np

from .activations import Softmax
from .conv import Conv2D, ConvNet, Dense, Flatten, MaxPool2D
from .costs import CrossEntropy, Quadratic
from .lessonkit import SAMPLE_X, SAMPLE_Y, small_network
from .network import NeuralNetwork
from .stable import ResNet, StableNet

DIGITS = 4  # the numbers shown: 4 decimals (very small ones in scientific notation, 3 significant digits)

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


# --- numbers and LaTeX ---------------------------------------------------------------------------------


def fmt(v):
    """A number as the page shows it (the JavaScript's ``fmt`` writes the same digits)."""
    v = float(v)
    if v == 0 or abs(v) >= 1e-3:
        return f"{v:.{DIGITS}f}"
    return f"{v:.2e}"


def tex_num(v):
    text = fmt(v)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return text


def tex_col(v):
    """A column vector."""
    v = np.ravel(v)
    return r"\begin{pmatrix}" + r" \\ ".join(tex_num(e) for e in v) + r"\end{pmatrix}"


def tex_row(v):
    return r"\begin{pmatrix}" + " & ".join(tex_num(e) for e in np.ravel(v)) + r"\end{pmatrix}"


def tex_mat(M, most=16):
    """A matrix, or (with more than ``most`` entries) only its shape."""
    M = np.atleast_2d(M)
    if M.size > most:
        return rf"\underset{{{M.shape[0]}\times {M.shape[1]}}}{{[\,\cdots\,]}}"
    return r"\begin{pmatrix}" + r" \\ ".join(" & ".join(tex_num(e) for e in row) for row in M) + r"\end{pmatrix}"


SIGMA_TEX = {
    "sigmoid": r"\sigma",
    "tanh": r"\tanh",
    "relu": r"\mathrm{relu}",
    "softmax": r"\mathrm{softmax}",
    "identity": r"\mathrm{id}",
    "elu": r"\mathrm{elu}",
    "softplus": r"\mathrm{softplus}",
    "lecun_tanh": r"\mathrm{lecun\_tanh}",
}


# --- tinynet's own source lines ------------------------------------------------------------------------


def code_line(obj, fragment):
    """{"file", "line", "text"}: the line of ``obj``'s source that contains ``fragment``.

    Whitespace does not count. A fragment found nowhere is a LookupError: the
    page would otherwise show code that is no longer there.
    """
    lines, start = inspect.getsourcelines(obj)
    want = "".join(fragment.split())
    for offset, line in enumerate(lines):
        if want in "".join(line.split()):
            path = Path(inspect.getsourcefile(obj)).resolve()
            root = Path(__file__).resolve().parent.parent
            try:
                name = path.relative_to(root).as_posix()
            except ValueError:
                name = path.name
            return {"file": name, "line": start + offset, "text": line.strip(), "where": obj.__qualname__}
    raise LookupError(
        f"stepthrough: no line of {obj.__qualname__} contains {fragment!r}; "
        f"tinynet's code changed: update tinynet/stepthrough.py"
    )


def code(*pairs):
    """Several lines: code(obj, fragment, obj, fragment, ...)."""
    return [code_line(obj, fragment) for obj, fragment in zip(pairs[0::2], pairs[1::2])]


# --- the pieces of a step ------------------------------------------------------------------------------------


def part(name, source, values, target, sym="", panel=True):
    """One array a step produces: ``name`` (HTML), where it comes from and where it is drawn."""
    values = np.asarray(values, dtype=float)
    return {
        "name": name,
        "sym": sym,
        "source": source,
        "shape": list(values.shape),
        "values": [float(v) for v in values.ravel()],
        "target": target,
        "panel": panel,
    }


def units(ids, slot):
    return {"type": "units", "ids": ids, "slot": slot}


def step(sid, phase, title, tex, lines, parts, highlight=None):
    return {
        "id": sid,
        "phase": phase,
        "title": title,
        "tex": tex,
        "code": lines,
        "parts": parts,
        "highlight": highlight or {},
    }


SLOTS = ["z", "a", "δ", "∂C/∂b", "y"]


def sup(n):
    """A layer number as superscript digits, for the plain-text titles: 12 -> ¹²."""
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def sub(n):
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))  # the text rows beside a unit, in order


def column(scene, ids, x, top, bottom, label):
    """Units ``ids`` one above the other at x, spread between top and bottom."""
    n = len(ids)
    gap = (bottom - top) / n
    for i, uid in enumerate(ids):
        scene["units"].append({"id": uid, "x": x, "y": round(top + gap * (i + 0.35), 1), "r": 13, "label": str(i + 1)})
    scene["texts"].append({"x": x, "y": top - 14, "text": label, "cls": "st-layer"})


# --- a fully connected network ----------------------------------------------------------------------------


def dense_data(net, x, y, name="lesson2", title="The [2, 3, 2] network of lessons 2-6"):
    """The step-through of a NeuralNetwork on one sample (x, y)."""
    t = net.trace(x, y)
    L = len(t.layers)
    sizes = net.sizes
    X, Y = t.x[0], t.y[0]
    a = [X] + [layer.a[0] for layer in t.layers]  # a[l] = a^l
    col_w = 230
    scene = {
        "width": 130 + col_w * L + 40,
        "height": 380,
        "units": [],
        "edges": [],
        "maps": [],
        "texts": [],
        "slots": SLOTS,
    }
    uid = [[f"u{l}_{j}" for j in range(n)] for l, n in enumerate(sizes)]
    for l in range(len(sizes)):
        label = "input a⁰ = x" if l == 0 else f"layer {l} ({t[l].name})"
        column(scene, uid[l], 40 + col_w * l, 40, 370, label)
    eid = {}
    for l in range(1, L + 1):
        eid[l] = [f"e{l}_{j}_{k}" for j in range(sizes[l]) for k in range(sizes[l - 1])]
        for j in range(sizes[l]):
            for k in range(sizes[l - 1]):
                scene["edges"].append({"id": f"e{l}_{j}_{k}", "from": uid[l - 1][k], "to": uid[l][j]})
    last = scene["units"][-1]
    scene["texts"].append({"id": "cost", "x": last["x"] - 10, "y": 372, "text": "C", "cls": "st-cost"})

    fwd, bwd = NeuralNetwork.forward, NeuralNetwork.backward
    steps = [
        step(
            "input",
            "input",
            "The input a⁰ = x and the target y",
            rf"a^{{0}} = x = {tex_col(X)}, \qquad y = {tex_col(Y)}",
            code(fwd, "a[0] = x"),
            [
                part("a<sup>0</sup> = x", {"q": "x"}, X, units(uid[0], 1), "x"),
                part("y", {"q": "y"}, Y, units(uid[L], 4), "y"),
            ],
        )
    ]
    for l in range(1, L + 1):
        lt = t[l]
        steps.append(
            step(
                f"z{l}",
                "forward",
                f"Forward, layer {l}: the weighted input z{sup(l)}",
                rf"z^{{{l}}} = W^{{{l}}} a^{{{l - 1}}} + b^{{{l}}} = {tex_mat(lt.W)} {tex_col(a[l - 1])}"
                rf" + {tex_col(lt.b)} = {tex_col(lt.z[0])}",
                code(fwd, "matmul(a[i], W.T", fwd, "ws.z[i] += b"),
                [part(f"z<sup>{l}</sup>", {"q": "z", "l": l}, lt.z[0], units(uid[l], 0), "z")],
                {"edges": eid[l]},
            )
        )
        s = SIGMA_TEX[lt.name]
        steps.append(
            step(
                f"a{l}",
                "forward",
                f"Forward, layer {l}: the activation a{sup(l)}",
                rf"a^{{{l}}} = {s}(z^{{{l}}}) = {s}\!\left({tex_col(lt.z[0])}\right) = {tex_col(lt.a[0])}",
                code(fwd, "act.forward(ws.z[i], a[i + 1], xp)"),
                [part(f"a<sup>{l}</sup>", {"q": "a", "l": l}, lt.a[0], units(uid[l], 1), "a")],
            )
        )
    steps.append(cost_step(net, t, {"type": "texts", "ids": ["cost"]}, L))

    out = t[L]
    if isinstance(net.cost, CrossEntropy):
        tex = rf"\delta^{{{L}}} = a^{{{L}}} - y = {tex_col(out.a[0])} - {tex_col(Y)} = {tex_col(out.delta[0])}"
    else:
        s = SIGMA_TEX[out.name]
        tex = (
            rf"\delta^{{{L}}} = (a^{{{L}}} - y) \odot {s}'(z^{{{L}}}) = \left({tex_col(out.a[0])} - {tex_col(Y)}\right)"
            rf" \odot {s}'\!\left({tex_col(out.z[0])}\right) = {tex_col(out.delta[0])}"
        )
    steps.append(
        step(
            f"delta{L}",
            "backward",
            f"Backward: the output error δ{sup(L)}",
            tex,
            code(bwd, "self.cost.delta(ws.z[-1], ws.a[-1], y"),
            [part(f"δ<sup>{L}</sup>", {"q": "delta", "l": L}, out.delta[0], units(uid[L], 2), "δ")],
        )
    )
    for l in range(L, 0, -1):
        lt = t[l]
        if l < L:
            nxt = t[l + 1]
            s = SIGMA_TEX[lt.name]
            steps.append(
                step(
                    f"delta{l}",
                    "backward",
                    f"Backward: the error δ{sup(l)} of layer {l}",
                    rf"\delta^{{{l}}} = \left((W^{{{l + 1}}})^{{T}} \delta^{{{l + 1}}}\right) \odot {s}'(z^{{{l}}})"
                    rf" = \left({tex_mat(nxt.W.T)} {tex_col(nxt.delta[0])}\right) \odot"
                    rf" {s}'\!\left({tex_col(lt.z[0])}\right) = {tex_col(lt.delta[0])}",
                    code(bwd, "matmul(ws.delta[i + 1], self.weights[i + 1]", bwd, "self.activations[i].backward("),
                    [part(f"δ<sup>{l}</sup>", {"q": "delta", "l": l}, lt.delta[0], units(uid[l], 2), "δ")],
                    {"edges": eid[l + 1]},
                )
            )
        steps.append(
            step(
                f"dW{l}",
                "backward",
                f"Backward: the gradient ∂C/∂W{sup(l)}",
                rf"\frac{{\partial C}}{{\partial W^{{{l}}}}} = \delta^{{{l}}} (a^{{{l - 1}}})^{{T}}"
                rf" = {tex_col(lt.delta[0])} {tex_row(a[l - 1])} = {tex_mat(lt.nabla_w)}",
                code(bwd, "matmul(ws.delta[i].T, ws.a[i], out=nabla_w[i])"),
                [
                    part(
                        f"∂C/∂W<sup>{l}</sup>",
                        {"q": "grad", "l": l, "key": "W"},
                        lt.nabla_w,
                        {"type": "edges", "ids": eid[l]},
                        "∂w",
                    )
                ],
            )
        )
        steps.append(
            step(
                f"db{l}",
                "backward",
                f"Backward: the gradient ∂C/∂b{sup(l)}",
                rf"\frac{{\partial C}}{{\partial b^{{{l}}}}} = \delta^{{{l}}} = {tex_col(lt.nabla_b)}",
                code(bwd, "matmul(ws.ones, ws.delta[i], out=nabla_b[i])"),
                [part(f"∂C/∂b<sup>{l}</sup>", {"q": "grad", "l": l, "key": "b"}, lt.nabla_b, units(uid[l], 3), "∂b")],
            )
        )
    return {
        "name": name,
        "title": title,
        "kind": "dense",
        "digits": DIGITS,
        "C": float(t.C),
        "scene": scene,
        "steps": steps,
    }


def cost_step(net, t, target, L):
    """The cost C of the output (quadratic, or cross-entropy after a softmax)."""
    out, Y = t[L], t.y[0]
    if isinstance(net.cost, Quadratic):
        tex = (
            rf"C = \tfrac12 \lVert a^{{{L}}} - y \rVert^2 = \tfrac12 \left\lVert {tex_col(out.a[0])} - {tex_col(Y)}"
            rf" \right\rVert^2 = {tex_num(t.C)}"
        )
        lines = code(Quadratic.value, "0.5 * float(((a - y) ** 2).sum())")
    elif isinstance(net.activations[-1], Softmax):
        tex = rf"C = -\sum_j y_j \ln a^{{{L}}}_j = -{tex_row(Y)} \cdot \ln {tex_col(out.a[0])} = {tex_num(t.C)}"
        lines = code(CrossEntropy.value, "return -float((y * log_a).sum())")
    else:
        raise ValueError(f"stepthrough: no equation for the cost {net.cost.name} after {net.activations[-1].name}")
    return step("cost", "cost", "The cost C of the output", tex, lines, [part("C", {"q": "C"}, t.C, target, "C")])


# --- the nudge: the cost against one parameter moved by Δw ---------------------------------------------------


def nudge_data(net, x, y, deltas=None):
    """For every weight and bias: C(w + Δw) on a grid of Δw (``cost_of``), and ∂C/∂w (``trace``)."""
    deltas = np.round(np.linspace(-2, 2, 41), 10) if deltas is None else np.asarray(deltas, float)
    t = net.trace(x, y)
    params = []
    for l, layer in enumerate(t.layers, start=1):
        for key, grad in (("W", layer.nabla_w), ("b", layer.nabla_b)):
            for index in np.ndindex(grad.shape):
                sub = "".join(str(i + 1) for i in index)
                code_name = f"{'weights' if key == 'W' else 'biases'}[{l - 1}][{', '.join(map(str, index))}]"
                costs = []
                for d in deltas:
                    moved = net.copy()
                    block = moved.weights[l - 1] if key == "W" else moved.biases[l - 1]
                    block[index] += d
                    costs.append(float(moved.cost_of(x, y)))
                g = float(grad[index])
                params.append(
                    {
                        "id": f"{key}{l}_{sub}",
                        "tex": rf"{key.lower()}^{{{l}}}_{{{sub}}}",
                        "label": f"{key.lower()}{l}_{sub} ({code_name})",
                        "l": l,
                        "key": key,
                        "index": list(index),
                        "value": float(layer.params[key][index]),
                        "grad": g,
                        "costs": costs,
                        # for display only: C(w + Δw) - C(w), and what the slope predicts, ∂C/∂w · Δw
                        "measured": [c - float(t.C) for c in costs],
                        "predicted": [g * float(d) for d in deltas],
                        "tangent": [
                            [float(deltas[0]), float(t.C) + g * float(deltas[0])],
                            [float(deltas[-1]), float(t.C) + g * float(deltas[-1])],
                        ],
                    }
                )
    return {"C": float(t.C), "deltas": [float(d) for d in deltas], "params": params}


# --- a small ConvNet ---------------------------------------------------------------------------------------------


def convnet_example():
    """The ConvNet, its sample (the 8x8 seven) and target (class 1 of 3)."""
    net = ConvNet(
        ["conv2d 2 3 relu", "maxpool2d 2", "flatten", "dense 3 softmax"],
        input_shape=(1, 8, 8),
        cost="cross_entropy",
        seed=1,
    )
    return net, DIGIT_SEVEN.ravel().copy(), np.array([0.0, 1.0, 0.0])


def pool_extras(net, x, y):
    """What a trace does not keep, from tinynet's own code: the max-pool's mask and the error it passes back.

    Returns (mask of a^1, ∂C/∂a^1), both (C, H, W), for the first max-pool layer after a convolution.
    """
    X = net.check_x(x)
    ws = net.workspace(1)
    net.forward(X, ws)
    net.backward(net.check_y(y, 1), ws)
    i = next(i for i, layer in enumerate(net.layers) if isinstance(layer, MaxPool2D))
    mask = ws.saved[i]
    back = net.layers[i].backward(ws.delta[i], ws.a[i], mask, (), (), np)
    return np.asarray(mask[0]), np.asarray(back[0])


def map_grid(scene, prefix, channels, x, y, rows, cols, cell, label, gap=14):
    ids = []
    for c in range(channels):
        mid = f"{prefix}_{c}"
        scene["maps"].append(
            {"id": mid, "x": x, "y": y + c * (rows * cell + gap), "rows": rows, "cols": cols, "cell": cell}
        )
        ids.append(mid)
    scene["texts"].append({"x": x, "y": y - 8, "text": label, "cls": "st-layer st-left"})
    return ids


def maps(ids):
    return {"type": "maps", "ids": ids}


def conv_data(
    net=None,
    x=None,
    y=None,
    name="convnet",
    title="A small ConvNet: conv2d 2 3 relu, maxpool2d 2, flatten, dense 3 softmax",
):
    """The step-through of the ConvNet [Conv2D, MaxPool2D, Flatten, Dense] on one image."""
    if net is None:
        net, x, y = convnet_example()
    kinds = [type(layer) for layer in net.layers]
    if (
        kinds != [Conv2D, MaxPool2D, Flatten, Dense]
        or net.layers[0].activation != "relu"
        or not isinstance(net.activations[-1], Softmax)
    ):
        raise ValueError("stepthrough: conv_data draws a conv2d (relu), maxpool2d, flatten, dense (softmax) network")
    t = net.trace(x, y)
    mask, back = pool_extras(net, x, y)
    C0, H0, W0 = net.input_shape
    F, H1, W1 = net.shapes[1]
    _, H2, W2 = net.shapes[2]
    n3, n4 = net.shapes[3][0], net.shapes[4][0]
    k = net.layers[0].k
    s = net.layers[1].size
    X, Y = t.x[0].reshape(net.input_shape), t.y[0]
    c1, c2, c3, c4 = (t[l] for l in range(1, 5))

    scene = {"width": 590, "height": 400, "units": [], "edges": [], "maps": [], "texts": [], "slots": SLOTS}
    m0 = map_grid(scene, "m0", C0, 10, 40, H0, W0, 15, "a⁰ = x")
    m1 = map_grid(scene, "m1", F, 160, 40, H1, W1, 15, "1: conv2d relu")
    m2 = map_grid(scene, "m2", F, 290, 40, H2, W2, 15, "2: maxpool")
    m3 = map_grid(scene, "m3", 1, 380, 40, n3, 1, 10, "3: flatten")
    out = [f"u4_{j}" for j in range(n4)]
    column(scene, out, 470, 40, 260, "4: dense softmax")
    scene["texts"].append({"id": "cost", "x": 470, "y": 272, "text": "C", "cls": "st-cost st-left"})
    k1 = map_grid(scene, "k1", F, 160, 320, k, k, 12, "K¹")
    for c, kmap in enumerate(scene["maps"][-F:]):  # the kernels side by side
        kmap.update(x=160 + c * (k * 12 + 10), y=320)
    b1 = map_grid(scene, "b1", 1, 160 + F * (k * 12 + 10) + 6, 320, F, 1, 12, "b¹")
    w4 = map_grid(scene, "w4", 1, 290, 320, n4, n3, 10, "W⁴")
    # the focus: the unit of the first map with the largest z^1, its window, its pooling block
    i, j = (int(v) for v in np.unravel_index(np.argmax(c1.z[0][0]), (H1, W1)))
    pi, pj = min(i // s, H2 - 1), min(j // s, W2 - 1)
    window = [(i + u) * W0 + (j + v) for u in range(k) for v in range(k)]
    block = [(pi * s + u) * W1 + (pj * s + v) for u in range(s) for v in range(s)]

    fwd, bwd = ConvNet.forward, ConvNet.backward
    steps = [
        step(
            "input",
            "input",
            "The input image a⁰ = x (8x8), the target y, and the weights",
            rf"a^{{0}} = x \in \mathbb{{R}}^{{{C0}\times {H0}\times {W0}}}, \qquad y = {tex_col(Y)}",
            code(fwd, "a = x.reshape((len(x),) + self.input_shape)"),
            [
                part("a<sup>0</sup> = x", {"q": "x"}, X, maps(m0), "x"),
                part("y", {"q": "y"}, Y, units(out, 4), "y"),
                part("K<sup>1</sup>", {"q": "param", "l": 1, "key": "K"}, c1.params["K"][:, 0], maps(k1), panel=False),
                part("b<sup>1</sup>", {"q": "param", "l": 1, "key": "b"}, c1.params["b"], maps(b1), panel=False),
                part("W<sup>4</sup>", {"q": "param", "l": 4, "key": "W"}, c4.params["W"], maps(w4), panel=False),
            ],
        )
    ]
    win = X[0, i : i + k, j : j + k]
    steps.append(
        step(
            "z1",
            "forward",
            "Forward, layer 1: the convolution z¹ = K¹ * a⁰ + b¹",
            rf"z^{{1}}_{{f,i,j}} = \sum_{{u,v}} K^{{1}}_{{f,u,v}}\, a^{{0}}_{{i+u,j+v}} + b^{{1}}_f,"
            rf"\quad z^{{1}}_{{1,{i + 1},{j + 1}}} = \sum {tex_mat(c1.params['K'][0, 0])} \odot {tex_mat(win)}"
            rf" + {tex_num(c1.params['b'][0])} = {tex_num(c1.z[0][0, i, j])}",
            code(
                Conv2D.forward,
                "cols = im2col(a, self.k, xp)",
                Conv2D.forward,
                "z = K.reshape(F, -1) @ cols + b[:, None]",
            ),
            [part("z<sup>1</sup>", {"q": "z", "l": 1}, c1.z[0], maps(m1), "z")],
            {"cells": {m0[0]: window, m1[0]: [int(i * W1 + j)], k1[0]: list(range(k * k))}},
        )
    )
    steps.append(
        step(
            "a1",
            "forward",
            "Forward, layer 1: the activation a¹ = relu(z¹)",
            rf"a^{{1}} = \mathrm{{relu}}(z^{{1}}) = \max(0, z^{{1}}),\quad a^{{1}}_{{1,{i + 1},{j + 1}}}"
            rf" = \max(0, {tex_num(c1.z[0][0, i, j])}) = {tex_num(c1.a[0][0, i, j])}",
            code(fwd, "a = act.forward(z, xp.empty_like(z), xp)"),
            [part("a<sup>1</sup>", {"q": "a", "l": 1}, c1.a[0], maps(m1), "a")],
            {"cells": {m1[0]: [int(i * W1 + j)]}},
        )
    )
    blk = c1.a[0][0, pi * s : pi * s + s, pj * s : pj * s + s]
    steps.append(
        step(
            "z2",
            "forward",
            "Forward, layer 2: max-pooling keeps each block's maximum (the mask M marks it)",
            rf"z^{{2}}_{{c,i,j}} = \max_{{p,q<{s}}} a^{{1}}_{{c,{s}i+p,{s}j+q}},\quad"
            rf" z^{{2}}_{{1,{pi + 1},{pj + 1}}} = \max {tex_mat(blk)} = {tex_num(c2.z[0][0, pi, pj])},"
            rf"\qquad a^{{2}} = z^{{2}}",
            code(MaxPool2D.forward, "z = blocks.max(axis=-1)", MaxPool2D.forward, "winner = blocks.argmax("),
            [
                part("z<sup>2</sup> = a<sup>2</sup>", {"q": "z", "l": 2}, c2.z[0], maps(m2), "z"),
                part("mask M", {"q": "mask", "l": 2}, mask, {"type": "mask", "ids": m1}, "M"),
            ],
            {"cells": {m1[0]: block, m2[0]: [int(pi * W2 + pj)]}},
        )
    )
    steps.append(
        step(
            "z3",
            "forward",
            "Forward, layer 3: flatten the maps into one vector",
            rf"z^{{3}} = a^{{3}} = \mathrm{{flatten}}(a^{{2}}) \in \mathbb{{R}}^{{{n3}}}",
            code(Flatten.forward, "return a.reshape(len(a), -1), None"),
            [part("z<sup>3</sup> = a<sup>3</sup>", {"q": "z", "l": 3}, c3.z[0], maps(m3), "z")],
        )
    )
    steps.append(
        step(
            "z4",
            "forward",
            "Forward, layer 4: the dense layer's weighted input z⁴",
            rf"z^{{4}} = W^{{4}} a^{{3}} + b^{{4}} = {tex_mat(c4.params['W'])}\, a^{{3}} + {tex_col(c4.params['b'])}"
            rf" = {tex_col(c4.z[0])}",
            code(Dense.forward, "return a @ W.T + b, None"),
            [part("z<sup>4</sup>", {"q": "z", "l": 4}, c4.z[0], units(out, 0), "z")],
        )
    )
    steps.append(
        step(
            "a4",
            "forward",
            "Forward, layer 4: the output a⁴ = softmax(z⁴)",
            rf"a^{{4}} = \mathrm{{softmax}}(z^{{4}}) = \mathrm{{softmax}}\!\left({tex_col(c4.z[0])}\right)"
            rf" = {tex_col(c4.a[0])}",
            code(fwd, "a = act.forward(z, xp.empty_like(z), xp)"),
            [part("a<sup>4</sup>", {"q": "a", "l": 4}, c4.a[0], units(out, 1), "a")],
        )
    )
    steps.append(cost_step(net, t, {"type": "texts", "ids": ["cost"]}, 4))
    steps.append(
        step(
            "delta4",
            "backward",
            "Backward: the output error δ⁴ (softmax with cross-entropy)",
            rf"\delta^{{4}} = a^{{4}} - y = {tex_col(c4.a[0])} - {tex_col(Y)} = {tex_col(c4.delta[0])}",
            code(bwd, "ws.delta[-1] = self.cost.delta("),
            [part("δ<sup>4</sup>", {"q": "delta", "l": 4}, c4.delta[0], units(out, 2), "δ")],
        )
    )
    steps.append(
        step(
            "dW4",
            "backward",
            "Backward: the gradient ∂C/∂W⁴",
            rf"\frac{{\partial C}}{{\partial W^{{4}}}} = \delta^{{4}} (a^{{3}})^{{T}}"
            rf" \in \mathbb{{R}}^{{{n4}\times {n3}}}",
            code(Dense.backward, "xp.matmul(delta.T, a, out=dW)"),
            [part("∂C/∂W<sup>4</sup>", {"q": "grad", "l": 4, "key": "W"}, c4.nabla_w, maps(w4), "∂w")],
        )
    )
    steps.append(
        step(
            "db4",
            "backward",
            "Backward: the gradient ∂C/∂b⁴",
            rf"\frac{{\partial C}}{{\partial b^{{4}}}} = \delta^{{4}} = {tex_col(c4.nabla_b)}",
            code(Dense.backward, "delta.sum(axis=0, out=db)"),
            [part("∂C/∂b<sup>4</sup>", {"q": "grad", "l": 4, "key": "b"}, c4.nabla_b, units(out, 3), "∂b")],
        )
    )
    steps.append(
        step(
            "delta3",
            "backward",
            "Backward: the error δ³ of the flat vector",
            rf"\delta^{{3}} = (W^{{4}})^{{T}} \delta^{{4}} \odot \mathrm{{id}}'(z^{{3}})"
            rf" = (W^{{4}})^{{T}} {tex_col(c4.delta[0])}",
            code(
                Dense.backward,
                "return delta @ W if need_input_grad",
                bwd,
                "ws.delta[i - 1] = self.activations[i - 1].backward(",
            ),
            [part("δ<sup>3</sup>", {"q": "delta", "l": 3}, c3.delta[0], maps(m3), "δ")],
        )
    )
    steps.append(
        step(
            "delta2",
            "backward",
            "Backward: δ² is δ³ put back into the maps' shape",
            rf"\delta^{{2}} = \mathrm{{reshape}}(\delta^{{3}}) \in \mathbb{{R}}^{{{F}\times {H2}\times {W2}}}",
            code(Flatten.backward, "return delta.reshape(a.shape)"),
            [part("δ<sup>2</sup>", {"q": "delta", "l": 2}, c2.delta[0], maps(m2), "δ")],
            {"cells": {m2[0]: [int(pi * W2 + pj)]}},
        )
    )
    dblock = back[0, pi * s : pi * s + s, pj * s : pj * s + s]
    steps.append(
        step(
            "pool_back",
            "backward",
            "Backward through the pool: each block's error goes to its arg-max (the mask M), 0 elsewhere",
            rf"\frac{{\partial C}}{{\partial a^{{1}}}} = \mathrm{{upsample}}(\delta^{{2}}) \odot M,\quad"
            rf" \delta^{{2}}_{{1,{pi + 1},{pj + 1}}} = {tex_num(c2.delta[0][0, pi, pj])} \;\to\; {tex_mat(dblock)}",
            code(MaxPool2D.backward, "return up * mask"),
            [part("∂C/∂a<sup>1</sup>", {"q": "pool_back", "l": 2}, back, maps(m1), "∂a")],
            {"cells": {m1[0]: block, m2[0]: [int(pi * W2 + pj)]}},
        )
    )
    steps.append(
        step(
            "delta1",
            "backward",
            "Backward: the error δ¹ = ∂C/∂a¹ ⊙ relu'(z¹)",
            r"\delta^{1} = \frac{\partial C}{\partial a^{1}} \odot \mathrm{relu}'(z^{1}),"
            r"\quad \mathrm{relu}'(z) = [z > 0]",
            code(bwd, "ws.delta[i - 1] = self.activations[i - 1].backward("),
            [part("δ<sup>1</sup>", {"q": "delta", "l": 1}, c1.delta[0], maps(m1), "δ")],
        )
    )
    steps.append(
        step(
            "dK1",
            "backward",
            "Backward: the gradient ∂C/∂K¹, each kernel weight summed over the windows",
            rf"\frac{{\partial C}}{{\partial K^{{1}}_{{f,u,v}}}} = \sum_{{i,j}} \delta^{{1}}_{{f,i,j}}\,"
            rf" a^{{0}}_{{i+u,j+v}} \;\Rightarrow\; {tex_mat(c1.nabla_w[0, 0])},\ {tex_mat(c1.nabla_w[1, 0])}",
            code(Conv2D.backward, "xp.matmul(d, cols.T, out=dK.reshape(F, -1))"),
            [part("∂C/∂K<sup>1</sup>", {"q": "grad", "l": 1, "key": "K"}, c1.nabla_w[:, 0], maps(k1), "∂K")],
        )
    )
    steps.append(
        step(
            "db1",
            "backward",
            "Backward: the gradient ∂C/∂b¹, each map's errors summed",
            rf"\frac{{\partial C}}{{\partial b^{{1}}_f}} = \sum_{{i,j}} \delta^{{1}}_{{f,i,j}} = {tex_col(c1.nabla_b)}",
            code(Conv2D.backward, "d.sum(axis=1, out=db)"),
            [part("∂C/∂b<sup>1</sup>", {"q": "grad", "l": 1, "key": "b"}, c1.nabla_b, maps(b1), "∂b")],
        )
    )
    return {
        "name": name,
        "title": title,
        "kind": "conv",
        "digits": DIGITS,
        "C": float(t.C),
        "scene": scene,
        "steps": steps,
    }


# --- a stable network (ResNet) -------------------------------------------------------------------------------------


def resnet_example():
    net = ResNet(2, 2, width=2, layers=3, h=0.5, seed=0)
    return net, np.array([0.5, -0.3]), np.array([1.0, 0.0])


def state_gradients(net, x, y):
    """∂C/∂Y_j for j = 0..N, from tinynet's own backward steps (a trace keeps only the deltas)."""
    X, Yt = net.check_x(x), net.check_y(y, 1)
    ws = net.workspace(1)
    net.forward(X, ws)
    scratch = np.zeros_like(net.params)
    _, G_YN = net.classify_back(ws.states[-1][0], ws.a[-1], Yt, scratch)
    G = (G_YN,)
    grads = {net.N: np.asarray(G[0][0])}
    for j in reversed(range(net.N)):
        _, G = net.run_layers_back(j, j + 1, ws.z[j : j + 1], ws.states[j : j + 2], G, scratch)
        grads[j] = np.asarray(net.start_back(G)[0] if j == 0 else G[0][0])
    return grads


def resnet_data(
    net=None, x=None, y=None, name="resnet", title="A ResNet read as forward Euler: three layers of width 2, h = 0.5"
):
    """The step-through of a ResNet (no opening layer, softmax classifier) on one sample."""
    if net is None:
        net, x, y = resnet_example()
    if type(net) is not ResNet or net.opening or net.alpha_f or net.alpha_c:
        raise ValueError("stepthrough: resnet_data draws a plain ResNet (no opening layer, no regularisation)")
    t = net.trace(x, y)
    G = state_gradients(net, x, y)
    N, n, h = net.N, net.n, net.h
    X, Y = t.x[0], t.y[0]
    Ys = [X] + [t[j + 1].a[0] for j in range(N)]  # Y_0 = x (the width is the input's)
    s = SIGMA_TEX[net.sigma.name]
    col_w = 150
    scene = {
        "width": 60 + col_w * (N + 1) + 110,
        "height": 330,
        "units": [],
        "edges": [],
        "maps": [],
        "texts": [],
        "slots": ["z", "Y", "δ", "∂C/∂b", "∂C/∂Y"],
    }
    uid = [[f"u{c}_{i}" for i in range(n)] for c in range(N + 1)] + [[f"u{N + 1}_{i}" for i in range(net.classes)]]
    for c in range(N + 1):
        column(scene, uid[c], 40 + col_w * c, 40, 290, f"Y{sub(c)}")
    column(scene, uid[N + 1], 40 + col_w * (N + 1), 40, 290, "softmax")
    eid = {}
    for c in range(1, N + 2):
        eid[c] = [f"e{c}_{r}_{k}" for r in range(len(uid[c])) for k in range(n)]
        for r in range(len(uid[c])):
            for k in range(n):
                scene["edges"].append({"id": f"e{c}_{r}_{k}", "from": uid[c - 1][k], "to": uid[c][r]})
        if c <= N:
            for i in range(n):
                scene["edges"].append({"id": f"s{c}_{i}", "from": uid[c - 1][i], "to": uid[c][i], "skip": True})
    scene["texts"].append({"id": "cost", "x": 40 + col_w * (N + 1) - 10, "y": 322, "text": "C", "cls": "st-cost"})

    step_fn, back_fn = ResNet.step, ResNet.step_back
    steps = [
        step(
            "input",
            "input",
            "The input: Y₀ = x (the width is the input's), and the target y",
            rf"Y_0 = x = {tex_col(X)}, \qquad y = {tex_col(Y)}",
            code(StableNet.lift, "Y0[:, :self.inputs] = x"),
            [
                part("Y<sub>0</sub> = x", {"q": "x"}, X, units(uid[0], 1), "Y"),
                part("y", {"q": "y"}, Y, units(uid[N + 1], 4), "y"),
            ],
        )
    ]
    for j in range(N):
        lt = t[j + 1]
        steps.append(
            step(
                f"z{j + 1}",
                "forward",
                f"Forward, layer {j + 1}: z{sub(j)} = K{sub(j)} Y{sub(j)} + b{sub(j)}",
                rf"z_{{{j}}} = K_{{{j}}} Y_{{{j}}} + b_{{{j}}} = {tex_mat(lt.params['K'])} {tex_col(Ys[j])}"
                rf" + {tex_col(lt.params['b'])} = {tex_col(lt.z[0])}",
                code(step_fn, "z = Y @ self.matrix(j).T + self.b[j]"),
                [part(f"z<sub>{j}</sub>", {"q": "z", "l": j + 1}, lt.z[0], units(uid[j + 1], 0), "z")],
                {"edges": eid[j + 1]},
            )
        )
        steps.append(
            step(
                f"a{j + 1}",
                "forward",
                f"Forward, layer {j + 1}: the Euler step Y{sub(j + 1)} = Y{sub(j)} + h σ(z{sub(j)})",
                rf"Y_{{{j + 1}}} = Y_{{{j}}} + h\,{s}(z_{{{j}}}) = {tex_col(Ys[j])} + {tex_num(h)}\,"
                rf"{s}\!\left({tex_col(lt.z[0])}\right) = {tex_col(lt.a[0])}",
                code(step_fn, "return z, (Y + self.h * self.sigma(z, self.xp),)"),
                [part(f"Y<sub>{j + 1}</sub>", {"q": "a", "l": j + 1}, lt.a[0], units(uid[j + 1], 1), "Y")],
                {"edges": [f"s{j + 1}_{i}" for i in range(n)]},
            )
        )
    cl = t[N + 1]
    steps.append(
        step(
            f"z{N + 1}",
            "forward",
            f"Forward, the classifier: z = W Y{sub(N)} + μ",
            rf"z = W Y_{{{N}}} + \mu = {tex_mat(cl.params['W'])} {tex_col(Ys[N])} + {tex_col(cl.params['mu'])}"
            rf" = {tex_col(cl.z[0])}",
            code(StableNet.classify, "z = YN @ self.W.T + self.mu"),
            [part("z", {"q": "z", "l": N + 1}, cl.z[0], units(uid[N + 1], 0), "z")],
            {"edges": eid[N + 1]},
        )
    )
    steps.append(
        step(
            f"a{N + 1}",
            "forward",
            "Forward, the classifier: a = softmax(z)",
            rf"a = \mathrm{{softmax}}(z) = \mathrm{{softmax}}\!\left({tex_col(cl.z[0])}\right) = {tex_col(cl.a[0])}",
            code(StableNet.classify, "return z, self.activations[0](z, self.xp)"),
            [part("a", {"q": "a", "l": N + 1}, cl.a[0], units(uid[N + 1], 1), "a")],
        )
    )
    steps.append(cost_step(net, t, {"type": "texts", "ids": ["cost"]}, N + 1))
    steps.append(
        step(
            f"delta{N + 1}",
            "backward",
            "Backward: the classifier's error δ = a - y",
            rf"\delta = a - y = {tex_col(cl.a[0])} - {tex_col(Y)} = {tex_col(cl.delta[0])}",
            code(StableNet.classify_back, "delta = a - y"),
            [part("δ", {"q": "delta", "l": N + 1}, cl.delta[0], units(uid[N + 1], 2), "δ")],
        )
    )
    steps.append(
        step(
            "dW",
            "backward",
            "Backward: the gradient ∂C/∂W",
            rf"\frac{{\partial C}}{{\partial W}} = \delta\, Y_{{{N}}}^{{T}} = {tex_col(cl.delta[0])}"
            rf" {tex_row(Ys[N])} = {tex_mat(cl.grads['W'])}",
            code(StableNet.classify_back, "nabla_W += delta.T @ YN"),
            [
                part(
                    "∂C/∂W",
                    {"q": "grad", "l": N + 1, "key": "W"},
                    cl.grads["W"],
                    {"type": "edges", "ids": eid[N + 1]},
                    "∂w",
                )
            ],
        )
    )
    steps.append(
        step(
            "dmu",
            "backward",
            "Backward: the gradient ∂C/∂μ",
            rf"\frac{{\partial C}}{{\partial \mu}} = \delta = {tex_col(cl.grads['mu'])}",
            code(StableNet.classify_back, "nabla_mu += delta.sum(axis=0)"),
            [part("∂C/∂μ", {"q": "grad", "l": N + 1, "key": "mu"}, cl.grads["mu"], units(uid[N + 1], 3), "∂b")],
        )
    )
    steps.append(
        step(
            f"dY{N}",
            "backward",
            f"Backward: the error reaches the last state, ∂C/∂Y{sub(N)} = Wᵀ δ",
            rf"\frac{{\partial C}}{{\partial Y_{{{N}}}}} = W^{{T}} \delta = {tex_mat(cl.params['W'].T)}"
            rf" {tex_col(cl.delta[0])} = {tex_col(G[N])}",
            code(StableNet.classify_back, "return delta, delta @ self.W"),
            [part(f"∂C/∂Y<sub>{N}</sub>", {"q": "dY", "l": N}, G[N], units(uid[N], 4), "∂Y")],
            {"edges": eid[N + 1]},
        )
    )
    for j in reversed(range(N)):
        lt = t[j + 1]
        steps.append(
            step(
                f"delta{j + 1}",
                "backward",
                f"Backward, layer {j + 1}: δ{sub(j)} = h σ'(z{sub(j)}) ⊙ ∂C/∂Y{sub(j + 1)}",
                rf"\delta_{{{j}}} = h\,{s}'(z_{{{j}}}) \odot \frac{{\partial C}}{{\partial Y_{{{j + 1}}}}}"
                rf" = {tex_num(h)}\,{s}'\!\left({tex_col(lt.z[0])}\right) \odot {tex_col(G[j + 1])}"
                rf" = {tex_col(lt.delta[0])}",
                code(back_fn, "delta = self.h * self.times_sigma_prime(z, G_Y)"),
                [part(f"δ<sub>{j}</sub>", {"q": "delta", "l": j + 1}, lt.delta[0], units(uid[j + 1], 2), "δ")],
            )
        )
        steps.append(
            step(
                f"dK{j + 1}",
                "backward",
                f"Backward, layer {j + 1}: the gradient ∂C/∂K{sub(j)}",
                rf"\frac{{\partial C}}{{\partial K_{{{j}}}}} = \delta_{{{j}}} Y_{{{j}}}^{{T}}"
                rf" = {tex_col(lt.delta[0])} {tex_row(Ys[j])} = {tex_mat(lt.grads['K'])}",
                code(back_fn, "self.add_matrix_grad(j, delta.T @ Y, nabla_K)"),
                [
                    part(
                        f"∂C/∂K<sub>{j}</sub>",
                        {"q": "grad", "l": j + 1, "key": "K"},
                        lt.grads["K"],
                        {"type": "edges", "ids": eid[j + 1]},
                        "∂K",
                    )
                ],
            )
        )
        steps.append(
            step(
                f"db{j + 1}",
                "backward",
                f"Backward, layer {j + 1}: the gradient ∂C/∂b{sub(j)}",
                rf"\frac{{\partial C}}{{\partial b_{{{j}}}}} = \delta_{{{j}}} = {tex_col(lt.grads['b'])}",
                code(back_fn, "nabla_b[j] += delta.sum(axis=0)"),
                [
                    part(
                        f"∂C/∂b<sub>{j}</sub>",
                        {"q": "grad", "l": j + 1, "key": "b"},
                        lt.grads["b"],
                        units(uid[j + 1], 3),
                        "∂b",
                    )
                ],
            )
        )
        steps.append(
            step(
                f"dY{j}",
                "backward",
                f"Backward: the error passes the skip and the layer, "
                f"∂C/∂Y{sub(j)} = ∂C/∂Y{sub(j + 1)} + K{sub(j)}ᵀ δ{sub(j)}",
                rf"\frac{{\partial C}}{{\partial Y_{{{j}}}}} = \frac{{\partial C}}{{\partial Y_{{{j + 1}}}}}"
                rf" + K_{{{j}}}^{{T}} \delta_{{{j}}} = {tex_col(G[j + 1])} + {tex_mat(lt.params['K'].T)}"
                rf" {tex_col(lt.delta[0])} = {tex_col(G[j])}",
                code(back_fn, "return delta, (G_Y + delta @ self.matrix(j),)"),
                [part(f"∂C/∂Y<sub>{j}</sub>", {"q": "dY", "l": j}, G[j], units(uid[j], 4), "∂Y")],
                {"edges": eid[j + 1] + [f"s{j + 1}_{i}" for i in range(n)]},
            )
        )
    return {
        "name": name,
        "title": title,
        "kind": "stable",
        "digits": DIGITS,
        "C": float(t.C),
        "scene": scene,
        "steps": steps,
    }


# --- writing the files ------------------------------------------------------------------------------------------


def lesson2_data():
    net = small_network()
    data = dense_data(net, SAMPLE_X, SAMPLE_Y)
    data["nudge"] = nudge_data(net, SAMPLE_X, SAMPLE_Y)
    return data


BUILDERS = {"lesson2": lesson2_data, "convnet": conv_data, "resnet": resnet_data}


def write_all(folder):
    """Write ``NAME.json`` (and ``NAME.json.js``, the same data for a page opened from disk) for every example.

    A file is rewritten only when its content changes (so ``mkdocs serve`` does not see a change each build).
    Returns the paths of the JSON files.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in BUILDERS.items():
        text = json.dumps(build(), ensure_ascii=False, separators=(",", ":"))
        for path, content in (
            (folder / f"{name}.json", text),
            (
                folder / f"{name}.json.js",
                "(window.TINYNET_STEPTHROUGH = window.TINYNET_STEPTHROUGH || {})"
                f"[{json.dumps(name + '.json')}] = {text};\n",
            ),
        ):
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                path.write_text(content, encoding="utf-8")
        written.append(folder / f"{name}.json")
    return written


if __name__ == "__main__":  # python -m tinynet.stepthrough [FOLDER]
    import sys

    for p in write_all(sys.argv[1] if len(sys.argv) > 1 else "docs/generated/stepthrough"):
        print(p)
