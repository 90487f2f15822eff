"""The [2, 3, 2] network of lessons 2-6 written with scalars, its backward pass node by node, for lesson 19.

[`scalar_network`][tinynet.teach.scalargraph.scalar_network] builds a sigmoid network with the
quadratic cost on one sample out of [`Value`][tinynet.teach.scalar.Value]s, one node per number:

    z^l_j = Σ_k W^l_jk a^(l-1)_k + b^l_j     (a product node per weight, then one Σ node)
    a^l_j = σ(z^l_j)
    C = ½ Σ_j (a^L_j - y_j)²                (a^L_j - y_j, its square, Σ, ×½)

[`graph_data`][tinynet.teach.scalargraph.graph_data] runs that graph's backward pass one node
at a time, with [`tinynet.teach.scalar`][tinynet.teach.scalar]'s own ``backward_order`` and
``propagate``, and records every gradient as it grows; beside it, the matrices of the same pass
from ``network.trace``: δ^l, ∂C/∂W^l, ∂C/∂b^l and (W^l)ᵀ δ^l, each entry tied to the node it
equals. The docs build (``docs/hooks.py``) writes it as JSON for lesson 19's page, whose
JavaScript (``docs/javascripts/scalargraph.js``) only displays it.

``python -m tinynet.teach.scalargraph FOLDER`` writes the JSON into FOLDER;
``python -m tinynet.teach.scalargraph --picture PNG --site SITE`` photographs the component on
lesson 19's page of a built site (``docs/assets/scalargraph.png`` is made that way).
"""

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

from tinynet.teach.scalar import Value, backward_order, total, zero_grad
from tinynet.teach.stepthrough.format import fmt, sub, sup
from tinynet.teach.stepthrough.steps import code_line


@dataclass
class ScalarNetwork:
    """The Values of one pass: ``x[k]``; ``W[l-1][j][k]``, ``b[l-1][j]``; the products
    ``Wa[l-1][j][k]`` = W^l_jk a^(l-1)_k; ``z[l-1][j]``, ``a[l-1][j]`` (layer l); the cost's
    ``e[j]`` = a^L_j - y_j, ``q[j]`` = e_j², ``S`` = Σ_j q_j and ``C`` = ½ S.

    ``nodes`` maps an id ("x_0", "W2_0_1", "Wa1_2_0", "z1_2", "e_0", "S", "C"...) to its Value
    (``name_nodes`` fills it in and gives every Value its label, "W²₀₁").
    """

    x: list
    W: list = field(default_factory=list)
    b: list = field(default_factory=list)
    Wa: list = field(default_factory=list)
    z: list = field(default_factory=list)
    a: list = field(default_factory=list)
    e: list = field(default_factory=list)
    q: list = field(default_factory=list)
    S: Value = None
    C: Value = None
    nodes: dict = field(default_factory=dict)

    @property
    def parameters(self):
        """Every W^l_jk and b^l_j, layer by layer (the weights of a layer, then its biases)."""
        return [v for Wl, bl in zip(self.W, self.b) for v in [w for row in Wl for w in row] + bl]

    def name_nodes(self):
        def name(node_id, value, label):
            value.label = label
            self.nodes[node_id] = value

        for k, v in enumerate(self.x):
            name(f"x_{k}", v, f"x{sub(k)}")
        below = [f"x{sub(k)}" for k in range(len(self.x))]
        for l, (W, b, Wa, z, a) in enumerate(zip(self.W, self.b, self.Wa, self.z, self.a), start=1):
            for j in range(len(b)):
                for k in range(len(below)):
                    name(f"W{l}_{j}_{k}", W[j][k], f"W{sup(l)}{sub(j)}{sub(k)}")
                    name(f"Wa{l}_{j}_{k}", Wa[j][k], f"W{sup(l)}{sub(j)}{sub(k)}{below[k]}")
                name(f"b{l}_{j}", b[j], f"b{sup(l)}{sub(j)}")
                name(f"z{l}_{j}", z[j], f"z{sup(l)}{sub(j)}")
                name(f"a{l}_{j}", a[j], f"a{sup(l)}{sub(j)}")
            below = [f"a{sup(l)}{sub(k)}" for k in range(len(b))]
        L = sup(len(self.W))
        for j, (e, q) in enumerate(zip(self.e, self.q)):
            name(f"e_{j}", e, f"a{L}{sub(j)}−y{sub(j)}")
            name(f"q_{j}", q, f"(a{L}{sub(j)}−y{sub(j)})²")
        name("S", self.S, f"Σ(a{L}−y)²")
        name("C", self.C, "C")


# --8<-- [start:scalar_network]
def scalar_network(network, x, y, params=None):
    """``network`` (sigmoid layers, quadratic cost) on one sample (x, y), one Value per number.

    ``params``: an earlier ScalarNetwork whose W and b Values this pass uses again, as training
    does (the parameters stay; each pass makes fresh nodes for everything computed from them).
    """
    if network.cost.name != "quadratic" or any(s.name != "sigmoid" for s in network.activations):
        raise ValueError("scalar_network: sigmoid layers and the quadratic cost only")
    n = ScalarNetwork(x=[Value(v) for v in x])
    a = n.x  # a^0 = x
    for l, (W, b) in enumerate(zip(network.weights, network.biases), start=1):
        W = params.W[l - 1] if params else [[Value(w) for w in row] for row in W]
        b = params.b[l - 1] if params else [Value(v) for v in b]
        Wa = [[W[j][k] * a[k] for k in range(len(a))] for j in range(len(b))]  # W^l_jk a^(l-1)_k
        z = [total(Wa[j] + [b[j]]) for j in range(len(b))]  # z^l_j = Σ_k W^l_jk a^(l-1)_k + b^l_j
        a = [zj.sigmoid() for zj in z]  # a^l_j = σ(z^l_j)
        n.W.append(W)
        n.b.append(b)
        n.Wa.append(Wa)
        n.z.append(z)
        n.a.append(a)
    n.e = [aj - float(yj) for aj, yj in zip(a, y)]  # a^L_j - y_j  (y is a constant: no node)
    n.q = [ej**2 for ej in n.e]  # (a^L_j - y_j)²
    n.S = total(n.q)
    n.C = n.S * 0.5  # C = ½ Σ_j (a^L_j - y_j)²
    n.name_nodes()
    return n


# --8<-- [end:scalar_network]


# --- the drawing: columns left to right as the numbers are computed --------------------------------------------

BOX_W, BOX_H, COL, ROW, LEFT, TOP = 86, 46, 114, 52, 8, 40
HEADINGS = ["W¹, x = a⁰", "W¹x, b¹", "z¹", "a¹ = σ(z¹)", "W²", "W²a¹, b²", "z²", "a² = σ(z²)", "a² − y", "(a² − y)²"]
HEADINGS += ["C = ½ Σ"]


def layout(n):
    """Where each node's box goes, as {id: (column, row)} (the [2, 3, 2] network's own arrangement)."""
    place = {f"x_{k}": (0, 2 + 3 * k) for k in range(2)}  # x in the gaps between the rows of W^1
    for j in range(3):
        for k in range(2):
            place[f"W1_{j}_{k}"] = (0, 3 * j + k)
            place[f"Wa1_{j}_{k}"] = (1, 3 * j + k)
        place[f"b1_{j}"] = (1, 3 * j + 2)
        place[f"z1_{j}"] = (2, 3 * j + 1)
        place[f"a1_{j}"] = (3, 3 * j + 1)
    for j in range(2):
        base = 0.5 + 4 * j
        for k in range(3):
            place[f"W2_{j}_{k}"] = (4, base + k)
            place[f"Wa2_{j}_{k}"] = (5, base + k)
        place[f"b2_{j}"] = (5, base + 3)
        for column, name in ((6, "z2"), (7, "a2"), (8, "e"), (9, "q")):
            place[f"{name}_{j}"] = (column, base + 1.5)
    place["S"], place["C"] = (10, 2.8), (10, 5.2)
    if set(place) != set(n.nodes):
        raise ValueError("layout: the drawing is made for the [2, 3, 2] network")
    return place


def _box(column, row):
    return LEFT + COL * column, TOP + ROW * row


def _edge_ends(a, b):
    """An edge from box a to box b: right side to left side, or bottom to top within a column."""
    (ax, ay), (bx, by) = a, b
    if ax == bx:
        return ax + BOX_W / 2, ay + BOX_H, bx + BOX_W / 2, by
    return ax + BOX_W, ay + BOX_H / 2, bx, by + BOX_H / 2


# --- the data ------------------------------------------------------------------------------------------------------


def _matrix(id, name, values, nodes, labels, shape):
    return dict(id=id, name=name, shape=list(shape), values=[float(v) for v in values], nodes=nodes, labels=labels)


def _matrices(t):
    """The matrices of the same pass, from ``network.trace``: each entry with the node id it equals."""
    mats = []
    for l in (2, 1):
        layer = t[l]
        rows, cols = layer.W.shape
        js, jks = range(rows), [(j, k) for j in range(rows) for k in range(cols)]
        below, below_id = ("x", "x_{}") if l == 1 else (f"a{sup(l - 1)}", f"a{l - 1}_{{}}")
        L, B = sup(l), sup(l - 1)
        mats += [
            _matrix(
                f"delta{l}",
                f"δ{L} = ∂C/∂z{L}",
                layer.delta[0],
                [f"z{l}_{j}" for j in js],
                [f"δ{L}{sub(j)}" for j in js],
                [rows],
            ),
            _matrix(
                f"nabla_w{l}",
                f"∂C/∂W{L} = δ{L} (a{B})ᵀ",
                layer.nabla_w.ravel(),
                [f"W{l}_{j}_{k}" for j, k in jks],
                [f"∂C/∂W{L}{sub(j)}{sub(k)}" for j, k in jks],
                [rows, cols],
            ),
            _matrix(
                f"nabla_b{l}",
                f"∂C/∂b{L} = δ{L}",
                layer.nabla_b,
                [f"b{l}_{j}" for j in js],
                [f"∂C/∂b{L}{sub(j)}" for j in js],
                [rows],
            ),
            # BP2's sum, before its ⊙ σ'(z): the gradient of the activations below, ∂C/∂a^(l-1)
            _matrix(
                f"back{l}",
                f"(W{L})ᵀ δ{L} = ∂C/∂{below}",
                layer.W.T @ layer.delta[0],
                [below_id.format(k) for k in range(cols)],
                [f"((W{L})ᵀδ{L}){sub(k)}" for k in range(cols)],
                [cols],
            ),
        ]
    return mats


def _received(v, shares, is_root):
    """What a node's gradient is made of, in words: the shares its users passed back, [(user, share), ...]."""
    if is_root:
        return "∂C/∂C = 1: the backward pass starts here."
    label = f"({v.label})" if "−" in v.label and not v.label.startswith("(") else v.label
    if len(shares) == 1:
        return f"∂C/∂{label} = {fmt(v.grad)}, the share of its one user, {shares[0][0]}."
    terms = " + ".join(fmt(share) for _, share in shares).replace("+ -", "− ")
    users = ", ".join(user for user, _ in shares[:-1]) + " and " + shares[-1][0]
    return f"∂C/∂{label} = {terms} = {fmt(v.grad)}: it feeds {len(shares)} nodes, {users}, and their shares add up."


def _passes(v):
    """What a node passes back to its inputs, in words: its gradient times each local derivative."""
    if not v.inputs:
        return "A leaf of the graph: it has no inputs to pass it to."
    if all(local == 1.0 for _, local in v.inputs) and len(v.inputs) > 1:
        names = ", ".join(inp.label for inp, _ in v.inputs[:-1]) + " and " + v.inputs[-1][0].label
        return f"It passes its gradient back unchanged (local derivative 1): {names} each get {fmt(v.grad)}."
    gets = [f"{inp.label} gets {fmt(v.grad)} × {fmt(local)} = {fmt(v.grad * local)}" for inp, local in v.inputs]
    return "It passes its gradient back: " + "; ".join(gets) + "."


def value_equation(v):
    """Where the number ``v.data`` comes from: its operation on its inputs, written with their labels and then
    with their values ("a¹₀ = σ(z¹₀) = σ(0.4000) = 0.5987"); for an input or a parameter, what it is."""
    if not v.inputs:
        return f"{v.label} ({'an input' if v.label.startswith('x') else 'a parameter'} of the network) = {fmt(v.data)}"
    names = [u.label for u, _ in v.inputs]
    values = [paren(u.data) for u, _ in v.inputs]
    return f"{v.label} = {apply_op(v.op, names)} = {apply_op(v.op, values)} = {fmt(v.data)}"


def apply_op(op, args):
    """The operation ``op`` (a Value's ``op``) written out on ``args``."""
    if op in ("+", "Σ"):
        return " + ".join(args)
    if op in ("−", "×", "/") and len(args) == 2:
        return f"{args[0]} {op} {args[1]}"
    if op.startswith("^"):
        base = args[0] if args[0].startswith("(") or not any(c in args[0] for c in "+−-×/ ") else f"({args[0]})"
        return f"{base}{op.translate(str.maketrans('^0123456789', ' ⁰¹²³⁴⁵⁶⁷⁸⁹')).strip()}"
    if op in ("σ", "exp", "log", "tanh"):
        return f"{op}({args[0]})"
    if op == "−":
        return f"−{args[0]}"
    if op[-1] in "−/":  # a constant first: "1 −", "1 /"
        return f"{op} {args[0]}"
    return f"{args[0]} {op}"  # a constant second: "× 0.5", "− 1"


def paren(v):
    text = fmt(v)
    return f"({text})" if text.startswith("-") else text


VALUE_CODE = {  # a Value's op: the method of tinynet.teach.scalar that makes it, and the line that computes it
    "+": ("__add__", "return Value(self.data + _number(other)"),
    "−": ("__sub__", "return Value(self.data - _number(other)"),
    "×": ("__mul__", "return Value(self.data * v"),
    "/": ("__truediv__", "return Value(self.data / v"),
    "^": ("__pow__", "return Value(self.data**n"),
    "σ": ("sigmoid", "return Value(out, [(self, out * (1 - out))]"),
    "exp": ("exp", "return Value(out, [(self, out)]"),
    "log": ("log", "return Value(math.log(self.data)"),
    "tanh": ("tanh", "return Value(out, [(self, 1 - out * out)]"),
    "neg": ("__neg__", "return Value(-self.data"),
    "c −": ("__rsub__", "return Value(other - self.data"),
    "c /": ("__rtruediv__", "return Value(other / self.data"),
}


def op_key(v):
    """The key of ``VALUE_CODE`` for the Value ``v``: "× 0.5" is a product, "1 −" a constant minus u."""
    first = v.op.split()[0]
    if v.op == "−" and len(v.inputs) == 1:
        return "neg"
    if first in VALUE_CODE:
        return first
    if v.op.startswith("^"):
        return "^"
    return "c " + v.op.split()[-1]


def value_code(v):
    """The line of tinynet.teach.scalar that computed ``v``, then the one that adds up its gradient."""
    lines = []
    if v.op == "Σ":
        lines.append(code_line(total, "return Value(sum("))
    elif v.inputs:
        method, fragment = VALUE_CODE[op_key(v)]
        lines.append(code_line(getattr(Value, method), fragment))
    return lines + [code_line(Value.propagate, "node.grad += self.grad * local")]


def graph_data(network, x, y):
    """The scalar graph of ``network`` on (x, y), its backward pass node by node, and the trace's matrices.

    A step is one node of ``backward_order``: its gradient is complete, and it passes
    ``grad × local derivative`` to each of its inputs (``propagate``). Each node lists its
    gradient after every step that changed it (``grads``: [step, value]), so the page shows how
    it grows; each edge its local derivative and the share it carried back (``share``).
    """
    n = scalar_network(network, x, y)
    t = network.trace(x, y)
    ids = {v: i for i, v in n.nodes.items()}
    place = layout(n)
    boxes = {i: _box(*place[i]) for i in n.nodes}
    order = backward_order(n.C)
    step_of = {v: s for s, v in enumerate(order)}
    if set(order) != set(ids):
        raise ValueError("graph_data: every node of the graph needs a name")

    zero_grad(order)  # Value.backward, one propagate at a time, each gradient recorded as it grows
    n.C.grad = 1.0
    grads = {v: [] for v in order}
    grads[n.C].append([0, 1.0])
    for s, node in enumerate(order):
        node.propagate()
        for parent, _ in node.inputs:
            grads[parent].append([s, parent.grad])

    edges, users = [], {v: [] for v in order}
    for node in order:
        for parent, local in node.inputs:
            x1, y1, x2, y2 = _edge_ends(boxes[ids[parent]], boxes[ids[node]])
            users[parent].append(len(edges))
            edges.append(
                dict(
                    source=ids[parent],
                    target=ids[node],
                    local=local,
                    share=node.grad * local,
                    step=step_of[node],
                    x1=x1,
                    y1=y1,
                    x2=x2,
                    y2=y2,
                )
            )

    mats = _matrices(t)
    entry = {node_id: (m, k) for m in mats for k, node_id in enumerate(m["nodes"])}
    nodes = []
    for v in order:
        i = ids[v]
        text = f"{v.label} = {fmt(v.data)}{f' ({v.op})' if v.op else ''}. " + _received(
            v, [(n.nodes[edges[e]["target"]].label, edges[e]["share"]) for e in users[v]], v is n.C
        )
        if i in entry:
            m, k = entry[i]
            text += f" In the matrices: {m['labels'][k]} = {fmt(m['values'][k])}."
        text += " " + _passes(v)
        bx, by = boxes[i]
        nodes.append(
            dict(
                eq=value_equation(v),
                ops=[ids[parent] for parent, _ in v.inputs],
                code=value_code(v),
                id=i,
                label=v.label,
                op=v.op,
                value=v.data,
                grad=v.grad,
                step=step_of[v],
                grads=grads[v],
                x=bx,
                y=by,
                leaf=not v.inputs,
                entry=[entry[i][0]["id"], entry[i][1]] if i in entry else None,
                text=text,
            )
        )
    headings = [dict(x=LEFT + COL * c + BOX_W / 2, y=TOP - 14, text=h) for c, h in enumerate(HEADINGS)]
    return dict(
        title="The [2, 3, 2] network of lessons 2-6 as a graph of scalars: its backward pass, node by node",
        width=LEFT + COL * (len(HEADINGS) - 1) + BOX_W + LEFT,
        height=TOP + ROW * 8 + BOX_H + 10,
        box=[BOX_W, BOX_H],
        headings=headings,
        C=n.C.data,
        nodes=nodes,
        edges=edges,
        matrices=mats,
    )


def write_graph(folder):
    """Write ``lesson19.json`` (and ``lesson19.json.js``, the same data for a page opened from disk) into ``folder``.

    A file is rewritten only when its content changes. Returns the JSON's path.
    """
    from tinynet.teach.lessonkit import SAMPLE_X, SAMPLE_Y, small_network

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(graph_data(small_network(), SAMPLE_X, SAMPLE_Y), ensure_ascii=False, separators=(",", ":"))
    path = folder / "lesson19.json"
    for target, content in (
        (path, text),
        (
            folder / "lesson19.json.js",
            f'(window.TINYNET_SCALARGRAPH = window.TINYNET_SCALARGRAPH || {{}})["lesson19.json"] = {text};\n',
        ),
    ):
        if not target.exists() or target.read_text(encoding="utf-8") != content:
            target.write_text(content, encoding="utf-8")
    return path


def take_picture(png, site, node="a1_0"):
    """Photograph the scalar graph on lesson 19's page of the built ``site`` (a folder), ``node`` chosen."""
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    from tinynet.teach.widgets.pictures import CHROMIUM, CHROMIUM_ARGS

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/lessons/19-scalars-to-matrices/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1000}, device_scale_factor=1)
            page.goto(url)
            # the page's own column is narrower than the graph: widen it, so that the picture shows it whole
            page.add_style_tag(content=".md-grid { max-width: none; } .md-sidebar { display: none; }")
            root = page.locator(".scalargraph[data-ready='1']")
            root.wait_for()
            root.locator(f"[data-node='{node}']").first.click()
            Path(png).parent.mkdir(parents=True, exist_ok=True)
            root.locator(".sg-box").screenshot(path=str(png))
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return Path(png)


def main(argv=None):
    """``python -m tinynet.teach.scalargraph [FOLDER]`` or ``--picture PNG --site SITE``."""
    parser = argparse.ArgumentParser(prog="python -m tinynet.teach.scalargraph", description=__doc__.split("\n")[0])
    parser.add_argument("folder", nargs="?", default="docs/generated/scalargraph", help="where the JSON goes")
    parser.add_argument("--picture", metavar="PNG", help="photograph the component into PNG instead")
    parser.add_argument("--site", metavar="SITE", help="the built site (mkdocs build -d SITE) to photograph")
    args = parser.parse_args(argv)
    if args.picture:
        if not args.site:
            parser.error("--picture needs --site (a folder that mkdocs build wrote)")
        print(take_picture(args.picture, args.site))
    else:
        print(write_graph(args.folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
