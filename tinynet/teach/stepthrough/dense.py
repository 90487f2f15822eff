"""The step-through of a fully connected network: forward, cost and backward, one equation a step."""

from tinynet.costs import CrossEntropy
from tinynet.network import NeuralNetwork
from tinynet.teach.stepthrough.format import SIGMA_TEX, sup, tex_col, tex_mat, tex_row
from tinynet.teach.stepthrough.scene import COST, column, edges, new_scene, units
from tinynet.teach.stepthrough.steps import backward, code, cost_step, forward, part, pass_data, step


def dense_data(net, x, y, name="lesson2", title="The [2, 3, 2] network of lessons 2-6"):
    """The step-through of a NeuralNetwork on one sample (x, y)."""
    t = net.trace(x, y)
    L = len(t.layers)
    sizes = net.sizes
    X, Y = t.x[0], t.y[0]
    a = [X] + [layer.a[0] for layer in t.layers]  # a[l] = a^l
    col_w = 230
    scene = new_scene(130 + col_w * L + 40, 380)
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
            code(fwd, "z, a = [], [x]"),
            [
                part("a<sup>0</sup> = x", {"q": "x"}, X, units(uid[0], 1), "x"),
                part("y", {"q": "y"}, Y, units(uid[L], 4), "y"),
            ],
        )
    ]
    for l in range(1, L + 1):
        lt = t[l]
        steps.append(
            forward(
                f"z{l}",
                f"Forward, layer {l}: the weighted input z{sup(l)}",
                rf"z^{{{l}}} = W^{{{l}}} a^{{{l - 1}}} + b^{{{l}}} = {tex_mat(lt.W)} {tex_col(a[l - 1])}"
                rf" + {tex_col(lt.b)} = {tex_col(lt.z[0])}",
                code(fwd, "z.append(a[-1] @ W.T + b)"),
                [part(f"z<sup>{l}</sup>", {"q": "z", "l": l}, lt.z[0], units(uid[l], 0), "z")],
                {"edges": eid[l]},
            )
        )
        s = SIGMA_TEX[lt.name]
        steps.append(
            forward(
                f"a{l}",
                f"Forward, layer {l}: the activation a{sup(l)}",
                rf"a^{{{l}}} = {s}(z^{{{l}}}) = {s}\!\left({tex_col(lt.z[0])}\right) = {tex_col(lt.a[0])}",
                code(fwd, "a.append(sigma.forward(z[-1]))"),
                [part(f"a<sup>{l}</sup>", {"q": "a", "l": l}, lt.a[0], units(uid[l], 1), "a")],
            )
        )
    steps.append(cost_step(net, t, COST, L))

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
        backward(
            f"delta{L}",
            f"Backward: the output error δ{sup(L)}",
            tex,
            code(bwd, "delta[-1] = self.cost.delta(p.z[-1], p.a[-1], y, self.activations[-1])"),
            [part(f"δ<sup>{L}</sup>", {"q": "delta", "l": L}, out.delta[0], units(uid[L], 2), "δ")],
        )
    )
    for l in range(L, 0, -1):
        lt = t[l]
        if l < L:
            nxt = t[l + 1]
            s = SIGMA_TEX[lt.name]
            steps.append(
                backward(
                    f"delta{l}",
                    f"Backward: the error δ{sup(l)} of layer {l}",
                    rf"\delta^{{{l}}} = \left((W^{{{l + 1}}})^{{T}} \delta^{{{l + 1}}}\right) \odot {s}'(z^{{{l}}})"
                    rf" = \left({tex_mat(nxt.W.T)} {tex_col(nxt.delta[0])}\right) \odot"
                    rf" {s}'\!\left({tex_col(lt.z[0])}\right) = {tex_col(lt.delta[0])}",
                    code(bwd, "delta[i] = self.activations[i].backward(p.z[i], p.a[i + 1], delta[i + 1] @"),
                    [part(f"δ<sup>{l}</sup>", {"q": "delta", "l": l}, lt.delta[0], units(uid[l], 2), "δ")],
                    {"edges": eid[l + 1]},
                )
            )
        steps.append(
            backward(
                f"dW{l}",
                f"Backward: the gradient ∂C/∂W{sup(l)}",
                rf"\frac{{\partial C}}{{\partial W^{{{l}}}}} = \delta^{{{l}}} (a^{{{l - 1}}})^{{T}}"
                rf" = {tex_col(lt.delta[0])} {tex_row(a[l - 1])} = {tex_mat(lt.nabla_w)}",
                code(bwd, "nabla_w[i] = delta[i].T @ p.a[i]"),
                [part(f"∂C/∂W<sup>{l}</sup>", {"q": "grad", "l": l, "key": "W"}, lt.nabla_w, edges(eid[l]), "∂w")],
            )
        )
        steps.append(
            backward(
                f"db{l}",
                f"Backward: the gradient ∂C/∂b{sup(l)}",
                rf"\frac{{\partial C}}{{\partial b^{{{l}}}}} = \delta^{{{l}}} = {tex_col(lt.nabla_b)}",
                code(bwd, "nabla_b[i] = delta[i].sum(axis=0)"),
                [part(f"∂C/∂b<sup>{l}</sup>", {"q": "grad", "l": l, "key": "b"}, lt.nabla_b, units(uid[l], 3), "∂b")],
            )
        )
    return pass_data(name, title, "dense", t, scene, steps)
