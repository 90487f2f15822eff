"""The step-through of a small ConvNet (conv2d relu, maxpool2d, flatten, dense softmax) on an 8x8 seven."""

import numpy as np

from tinynet.activations import Softmax
from tinynet.conv.layers import Conv2D, Dense, Flatten, MaxPool2D
from tinynet.conv.net import ConvNet
from tinynet.teach.stepthrough.format import tex_col, tex_mat, tex_num
from tinynet.teach.stepthrough.scene import COST, column, map_grid, maps, new_scene, units
from tinynet.teach.stepthrough.steps import backward, code, cost_step, forward, part, pass_data, step

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


def pool_extras(net, x, y):
    """What a trace does not keep, from tinynet's own code: the max-pool's mask and the error it passes back.

    Returns (mask of a^1, ∂C/∂a^1), both (C, H, W), for the first max-pool layer after a convolution.
    """
    X = net.check_x(x)
    p = net.forward(X)
    net.backward(p, net.check_y(y, len(X)))
    i = next(i for i, layer in enumerate(net.layers) if isinstance(layer, MaxPool2D))
    mask = p.saved[i]
    _, back = net.layers[i].backward(p.delta[i], p.a[i], mask, ())
    return np.asarray(mask[0]), np.asarray(back[0])


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

    scene = new_scene(590, 400)
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
            code(fwd, "a=[x.reshape((len(x),) + self.input_shape)]"),
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
        forward(
            "z1",
            "Forward, layer 1: the convolution z¹ = K¹ * a⁰ + b¹",
            rf"z^{{1}}_{{f,i,j}} = \sum_{{u,v}} K^{{1}}_{{f,u,v}}\, a^{{0}}_{{i+u,j+v}} + b^{{1}}_f,"
            rf"\quad z^{{1}}_{{0,{i},{j}}} = \sum {tex_mat(c1.params['K'][0, 0])} \odot {tex_mat(win)}"
            rf" + {tex_num(c1.params['b'][0])} = {tex_num(c1.z[0][0, i, j])}",
            code(
                Conv2D.forward,
                "cols = im2col(a, self.k)",
                Conv2D.forward,
                "z = K.reshape(F, -1) @ cols + b[:, None]",
            ),
            [part("z<sup>1</sup>", {"q": "z", "l": 1}, c1.z[0], maps(m1), "z")],
            {"cells": {m0[0]: window, m1[0]: [int(i * W1 + j)], k1[0]: list(range(k * k))}},
        )
    )
    steps.append(
        forward(
            "a1",
            "Forward, layer 1: the activation a¹ = relu(z¹)",
            rf"a^{{1}} = \mathrm{{relu}}(z^{{1}}) = \max(0, z^{{1}}),\quad a^{{1}}_{{0,{i},{j}}}"
            rf" = \max(0, {tex_num(c1.z[0][0, i, j])}) = {tex_num(c1.a[0][0, i, j])}",
            code(fwd, "p.a.append(sigma.forward(z))"),
            [part("a<sup>1</sup>", {"q": "a", "l": 1}, c1.a[0], maps(m1), "a")],
            {"cells": {m1[0]: [int(i * W1 + j)]}},
        )
    )
    blk = c1.a[0][0, pi * s : pi * s + s, pj * s : pj * s + s]
    steps.append(
        forward(
            "z2",
            "Forward, layer 2: max-pooling keeps each block's maximum (the mask M marks it)",
            rf"z^{{2}}_{{c,i,j}} = \max_{{p,q<{s}}} a^{{1}}_{{c,{s}i+p,{s}j+q}},\quad"
            rf" z^{{2}}_{{0,{pi},{pj}}} = \max {tex_mat(blk)} = {tex_num(c2.z[0][0, pi, pj])},"
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
        forward(
            "z3",
            "Forward, layer 3: flatten the maps into one vector",
            rf"z^{{3}} = a^{{3}} = \mathrm{{flatten}}(a^{{2}}) \in \mathbb{{R}}^{{{n3}}}",
            code(Flatten.forward, "return a.reshape(len(a), -1), None"),
            [part("z<sup>3</sup> = a<sup>3</sup>", {"q": "z", "l": 3}, c3.z[0], maps(m3), "z")],
        )
    )
    steps.append(
        forward(
            "z4",
            "Forward, layer 4: the dense layer's weighted input z⁴",
            rf"z^{{4}} = W^{{4}} a^{{3}} + b^{{4}} = {tex_mat(c4.params['W'])}\, a^{{3}} + {tex_col(c4.params['b'])}"
            rf" = {tex_col(c4.z[0])}",
            code(Dense.forward, "return a @ W.T + b, None"),
            [part("z<sup>4</sup>", {"q": "z", "l": 4}, c4.z[0], units(out, 0), "z")],
        )
    )
    steps.append(
        forward(
            "a4",
            "Forward, layer 4: the output a⁴ = softmax(z⁴)",
            rf"a^{{4}} = \mathrm{{softmax}}(z^{{4}}) = \mathrm{{softmax}}\!\left({tex_col(c4.z[0])}\right)"
            rf" = {tex_col(c4.a[0])}",
            code(fwd, "p.a.append(sigma.forward(z))"),
            [part("a<sup>4</sup>", {"q": "a", "l": 4}, c4.a[0], units(out, 1), "a")],
        )
    )
    steps.append(cost_step(net, t, COST, 4))
    steps.append(
        backward(
            "delta4",
            "Backward: the output error δ⁴ (softmax with cross-entropy)",
            rf"\delta^{{4}} = a^{{4}} - y = {tex_col(c4.a[0])} - {tex_col(Y)} = {tex_col(c4.delta[0])}",
            code(bwd, "delta[-1] = self.cost.delta(p.z[-1], p.a[-1], y, self.activations[-1])"),
            [part("δ<sup>4</sup>", {"q": "delta", "l": 4}, c4.delta[0], units(out, 2), "δ")],
        )
    )
    steps.append(
        backward(
            "dW4",
            "Backward: the gradient ∂C/∂W⁴",
            rf"\frac{{\partial C}}{{\partial W^{{4}}}} = \delta^{{4}} (a^{{3}})^{{T}}"
            rf" \in \mathbb{{R}}^{{{n4}\times {n3}}}",
            code(Dense.backward, "nabla_w = delta.T @ a"),
            [part("∂C/∂W<sup>4</sup>", {"q": "grad", "l": 4, "key": "W"}, c4.nabla_w, maps(w4), "∂w")],
        )
    )
    steps.append(
        backward(
            "db4",
            "Backward: the gradient ∂C/∂b⁴",
            rf"\frac{{\partial C}}{{\partial b^{{4}}}} = \delta^{{4}} = {tex_col(c4.nabla_b)}",
            code(Dense.backward, "nabla_b = delta.sum(axis=0)"),
            [part("∂C/∂b<sup>4</sup>", {"q": "grad", "l": 4, "key": "b"}, c4.nabla_b, units(out, 3), "∂b")],
        )
    )
    steps.append(
        backward(
            "delta3",
            "Backward: the error δ³ of the flat vector",
            rf"\delta^{{3}} = (W^{{4}})^{{T}} \delta^{{4}} \odot \mathrm{{id}}'(z^{{3}})"
            rf" = (W^{{4}})^{{T}} {tex_col(c4.delta[0])}",
            code(
                Dense.backward,
                "(delta @ W if need_input_grad else None)",
                bwd,
                "delta[i - 1] = self.activations[i - 1].backward(p.z[i - 1], p.a[i], g)",
            ),
            [part("δ<sup>3</sup>", {"q": "delta", "l": 3}, c3.delta[0], maps(m3), "δ")],
        )
    )
    steps.append(
        backward(
            "delta2",
            "Backward: δ² is δ³ put back into the maps' shape",
            rf"\delta^{{2}} = \mathrm{{reshape}}(\delta^{{3}}) \in \mathbb{{R}}^{{{F}\times {H2}\times {W2}}}",
            code(Flatten.backward, "return (), delta.reshape(a.shape)"),
            [part("δ<sup>2</sup>", {"q": "delta", "l": 2}, c2.delta[0], maps(m2), "δ")],
            {"cells": {m2[0]: [int(pi * W2 + pj)]}},
        )
    )
    dblock = back[0, pi * s : pi * s + s, pj * s : pj * s + s]
    steps.append(
        backward(
            "pool_back",
            "Backward through the pool: each block's error goes to its arg-max (the mask M), 0 elsewhere",
            rf"\frac{{\partial C}}{{\partial a^{{1}}}} = \mathrm{{upsample}}(\delta^{{2}}) \odot M,\quad"
            rf" \delta^{{2}}_{{0,{pi},{pj}}} = {tex_num(c2.delta[0][0, pi, pj])} \;\to\; {tex_mat(dblock)}",
            code(MaxPool2D.backward, "return (), up * mask"),
            [part("∂C/∂a<sup>1</sup>", {"q": "pool_back", "l": 2}, back, maps(m1), "∂a")],
            {"cells": {m1[0]: block, m2[0]: [int(pi * W2 + pj)]}},
        )
    )
    steps.append(
        backward(
            "delta1",
            "Backward: the error δ¹ = ∂C/∂a¹ ⊙ relu'(z¹)",
            r"\delta^{1} = \frac{\partial C}{\partial a^{1}} \odot \mathrm{relu}'(z^{1}),"
            r"\quad \mathrm{relu}'(z) = [z > 0]",
            code(bwd, "delta[i - 1] = self.activations[i - 1].backward(p.z[i - 1], p.a[i], g)"),
            [part("δ<sup>1</sup>", {"q": "delta", "l": 1}, c1.delta[0], maps(m1), "δ")],
        )
    )
    steps.append(
        backward(
            "dK1",
            "Backward: the gradient ∂C/∂K¹, each kernel weight summed over the windows",
            rf"\frac{{\partial C}}{{\partial K^{{1}}_{{f,u,v}}}} = \sum_{{i,j}} \delta^{{1}}_{{f,i,j}}\,"
            rf" a^{{0}}_{{i+u,j+v}} \;\Rightarrow\; {tex_mat(c1.nabla_w[0, 0])},\ {tex_mat(c1.nabla_w[1, 0])}",
            code(Conv2D.backward, "nabla_k = (d @ cols.T).reshape(K.shape)"),
            [part("∂C/∂K<sup>1</sup>", {"q": "grad", "l": 1, "key": "K"}, c1.nabla_w[:, 0], maps(k1), "∂K")],
        )
    )
    steps.append(
        backward(
            "db1",
            "Backward: the gradient ∂C/∂b¹, each map's errors summed",
            rf"\frac{{\partial C}}{{\partial b^{{1}}_f}} = \sum_{{i,j}} \delta^{{1}}_{{f,i,j}} = {tex_col(c1.nabla_b)}",
            code(Conv2D.backward, "nabla_b = d.sum(axis=1)"),
            [part("∂C/∂b<sup>1</sup>", {"q": "grad", "l": 1, "key": "b"}, c1.nabla_b, maps(b1), "∂b")],
        )
    )
    return pass_data(name, title, "conv", t, scene, steps)
