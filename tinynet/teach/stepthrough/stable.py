"""The step-through of a stable network: a ResNet of three layers, read as forward Euler."""

import numpy as np

from tinynet.stable.net import StableNet
from tinynet.stable.schemes import ResNet
from tinynet.teach.stepthrough.format import SIGMA_TEX, sub, tex_col, tex_mat, tex_num, tex_row
from tinynet.teach.stepthrough.scene import COST, column, edges, new_scene, units
from tinynet.teach.stepthrough.steps import backward, code, cost_step, forward, part, pass_data, step


def resnet_example():
    net = ResNet(2, 2, width=2, layers=3, h=0.5, seed=0)
    return net, np.array([0.5, -0.3]), np.array([1.0, 0.0])


def state_gradients(net, x, y):
    """∂C/∂Y_j for j = 0..N, from tinynet's own backward steps (a trace keeps only the deltas)."""
    X, Yt = net.check_x(x), net.check_y(y, 1)
    p = net.forward(X)
    scratch = np.zeros_like(net.params)  # the gradients the backward steps add up, not used here
    _, G_YN = net.classify_back(p.states[-1][0], p.a[-1], Yt, scratch)
    G = (G_YN,)
    grads = {net.N: np.asarray(G[0][0])}
    for j in reversed(range(net.N)):
        _, G = net.run_layers_back(j, j + 1, p.z[j : j + 1], p.states[j : j + 2], G, scratch)
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
    scene = new_scene(60 + col_w * (N + 1) + 110, 330, ["z", "Y", "δ", "∂C/∂b", "∂C/∂Y"])
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

    step_fn, back_fn = ResNet.layer_forward, ResNet.layer_back
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
            forward(
                f"z{j + 1}",
                f"Forward, layer {j + 1}: z{sub(j)} = K{sub(j)} Y{sub(j)} + b{sub(j)}",
                rf"z_{{{j}}} = K_{{{j}}} Y_{{{j}}} + b_{{{j}}} = {tex_mat(lt.params['K'])} {tex_col(Ys[j])}"
                rf" + {tex_col(lt.params['b'])} = {tex_col(lt.z[0])}",
                code(step_fn, "z = Y @ self.matrix(j).T + self.b[j]"),
                [part(f"z<sub>{j}</sub>", {"q": "z", "l": j + 1}, lt.z[0], units(uid[j + 1], 0), "z")],
                {"edges": eid[j + 1]},
            )
        )
        steps.append(
            forward(
                f"a{j + 1}",
                f"Forward, layer {j + 1}: the Euler step Y{sub(j + 1)} = Y{sub(j)} + h σ(z{sub(j)})",
                rf"Y_{{{j + 1}}} = Y_{{{j}}} + h\,{s}(z_{{{j}}}) = {tex_col(Ys[j])} + {tex_num(h)}\,"
                rf"{s}\!\left({tex_col(lt.z[0])}\right) = {tex_col(lt.a[0])}",
                code(step_fn, "return z, (Y + self.h * self.sigma(z),)"),
                [part(f"Y<sub>{j + 1}</sub>", {"q": "a", "l": j + 1}, lt.a[0], units(uid[j + 1], 1), "Y")],
                {"edges": [f"s{j + 1}_{i}" for i in range(n)]},
            )
        )
    cl = t[N + 1]
    steps.append(
        forward(
            f"z{N + 1}",
            f"Forward, the classifier: z = W Y{sub(N)} + μ",
            rf"z = W Y_{{{N}}} + \mu = {tex_mat(cl.params['W'])} {tex_col(Ys[N])} + {tex_col(cl.params['mu'])}"
            rf" = {tex_col(cl.z[0])}",
            code(StableNet.classify, "z = YN @ self.W.T + self.mu"),
            [part("z", {"q": "z", "l": N + 1}, cl.z[0], units(uid[N + 1], 0), "z")],
            {"edges": eid[N + 1]},
        )
    )
    steps.append(
        forward(
            f"a{N + 1}",
            "Forward, the classifier: a = softmax(z)",
            rf"a = \mathrm{{softmax}}(z) = \mathrm{{softmax}}\!\left({tex_col(cl.z[0])}\right) = {tex_col(cl.a[0])}",
            code(StableNet.classify, "return z, self.activations[0](z)"),
            [part("a", {"q": "a", "l": N + 1}, cl.a[0], units(uid[N + 1], 1), "a")],
        )
    )
    steps.append(cost_step(net, t, COST, N + 1))
    steps.append(
        backward(
            f"delta{N + 1}",
            "Backward: the classifier's error δ = a - y",
            rf"\delta = a - y = {tex_col(cl.a[0])} - {tex_col(Y)} = {tex_col(cl.delta[0])}",
            code(StableNet.classify_back, "delta = a - y"),
            [part("δ", {"q": "delta", "l": N + 1}, cl.delta[0], units(uid[N + 1], 2), "δ")],
        )
    )
    steps.append(
        backward(
            "dW",
            "Backward: the gradient ∂C/∂W",
            rf"\frac{{\partial C}}{{\partial W}} = \delta\, Y_{{{N}}}^{{T}} = {tex_col(cl.delta[0])}"
            rf" {tex_row(Ys[N])} = {tex_mat(cl.grads['W'])}",
            code(StableNet.classify_back, "nabla_w += delta.T @ YN"),
            [part("∂C/∂W", {"q": "grad", "l": N + 1, "key": "W"}, cl.grads["W"], edges(eid[N + 1]), "∂w")],
        )
    )
    steps.append(
        backward(
            "dmu",
            "Backward: the gradient ∂C/∂μ",
            rf"\frac{{\partial C}}{{\partial \mu}} = \delta = {tex_col(cl.grads['mu'])}",
            code(StableNet.classify_back, "nabla_mu += delta.sum(axis=0)"),
            [part("∂C/∂μ", {"q": "grad", "l": N + 1, "key": "mu"}, cl.grads["mu"], units(uid[N + 1], 3), "∂b")],
        )
    )
    steps.append(
        backward(
            f"dY{N}",
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
            backward(
                f"delta{j + 1}",
                f"Backward, layer {j + 1}: δ{sub(j)} = h σ'(z{sub(j)}) ⊙ ∂C/∂Y{sub(j + 1)}",
                rf"\delta_{{{j}}} = h\,{s}'(z_{{{j}}}) \odot \frac{{\partial C}}{{\partial Y_{{{j + 1}}}}}"
                rf" = {tex_num(h)}\,{s}'\!\left({tex_col(lt.z[0])}\right) \odot {tex_col(G[j + 1])}"
                rf" = {tex_col(lt.delta[0])}",
                code(back_fn, "delta = self.h * self.times_sigma_prime(z, G_Y)"),
                [part(f"δ<sub>{j}</sub>", {"q": "delta", "l": j + 1}, lt.delta[0], units(uid[j + 1], 2), "δ")],
            )
        )
        steps.append(
            backward(
                f"dK{j + 1}",
                f"Backward, layer {j + 1}: the gradient ∂C/∂K{sub(j)}",
                rf"\frac{{\partial C}}{{\partial K_{{{j}}}}} = \delta_{{{j}}} Y_{{{j}}}^{{T}}"
                rf" = {tex_col(lt.delta[0])} {tex_row(Ys[j])} = {tex_mat(lt.grads['K'])}",
                code(back_fn, "self.add_matrix_grad(j, delta.T @ Y, nabla_k)"),
                [
                    part(
                        f"∂C/∂K<sub>{j}</sub>",
                        {"q": "grad", "l": j + 1, "key": "K"},
                        lt.grads["K"],
                        edges(eid[j + 1]),
                        "∂K",
                    )
                ],
            )
        )
        steps.append(
            backward(
                f"db{j + 1}",
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
            backward(
                f"dY{j}",
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
    return pass_data(name, title, "stable", t, scene, steps)
