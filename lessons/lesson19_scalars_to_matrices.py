"""Backprop from scalars to matrices: the [2, 3, 2] network as a graph of single numbers.

Best read right after lesson 6. Every number of lessons 2-6's network becomes a node that
remembers its inputs and its local derivatives (tinynet.teach.scalar); running the chain rule
backwards through the nodes gives every gradient one number at a time, and each one is checked
against the entry of tinynet's δ^l, ∂C/∂W^l and ∂C/∂b^l that ``net.trace`` computed with
matrices. Then what the matrices hide: a node used several times sums what comes back along
its out-edges (BP2's (W^(l+1))ᵀ δ^(l+1) is that sum for a whole layer), the order of the nodes
matters, and gradients that are not zeroed add up.
"""

import time

import numpy as np

from tinynet import NeuralNetwork
from tinynet.teach.lessonkit import SAMPLE_X, SAMPLE_Y, Lesson, pyplot, small_network, timed
from tinynet.teach.scalar import Value, backward_order, graph, zero_grad
from tinynet.teach.scalargraph import scalar_network


def gradients(n):
    """The scalar graph's parameter gradients as arrays, by tinynet's block names: {"W1": ..., "b1": ..., ...}."""
    blocks = {}
    for l, (W, b) in enumerate(zip(n.W, n.b), start=1):
        blocks[f"W{l}"] = np.array([[w.grad for w in row] for row in W])
        blocks[f"b{l}"] = np.array([v.grad for v in b])
    return blocks


def traced(t):
    """The same blocks from tinynet's trace: ∂C/∂W^l and ∂C/∂b^l."""
    return {f"{key}{l}": (t[l].nabla_w if key == "W" else t[l].nabla_b) for l in (1, 2) for key in ("W", "b")}


def users(node, nodes):
    """The nodes that use ``node``, each with its local derivative ∂(user)/∂(node): the out-edges of ``node``."""
    return [(user, local) for user in nodes for inp, local in user.inputs if inp is node]


def depth_first(root):
    """A WRONG order for backward: the nodes as a depth-first walk from ``root`` first meets them.

    A node reached along one path is passed on at once, before the other nodes that use it have
    passed it their shares: what arrives later along the other paths never goes further down.
    """
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            order.append(node)
            for inp, _ in node.inputs:
                visit(inp)

    visit(root)
    return order


def worst(got, want):
    """The largest difference over all blocks, relative to the largest gradient of its block."""
    return max(float(np.abs(got[k] - want[k]).max() / np.abs(want[k]).max()) for k in want)


def main(argv=None):
    lesson = Lesson(19, "backprop from scalars to matrices", argv)
    np.set_printoptions(precision=5, suppress=True)
    print("(Best read right after lesson 6: it takes lessons 2-6's network apart into single numbers.)")

    lesson.stage("A number that remembers where it came from")
    print("A Value holds a number and, for each input it was computed from, the local derivative")
    print("∂out/∂input: u + v gives 1 and 1, u v gives v and u, σ(u) gives σ(u)(1 - σ(u)), u² gives 2u.")
    print("A neuron with one input, as in lesson 1, and the cost of lesson 3: C = ½ (σ(w x + b) - y)², x = 1.5, y = 1.")
    w, b = Value(0.8, label="w"), Value(-0.5, label="b")

    def neuron(w, b):
        u = w * 1.5
        z = u + b
        a = z.sigmoid()
        e = a - 1.0
        q = e**2
        C = q * 0.5
        for v, name in ((u, "w x"), (z, "z"), (a, "a"), (e, "a - y"), (q, "(a - y)²"), (C, "C")):
            v.label = name
        return C, z, a

    C, z, a = neuron(w, b)
    C.backward()
    print("backward takes the nodes from C down, each after all the nodes that use it, and each adds its")
    print("grad × the local derivative to the gradient of each of its inputs. Node by node, with its grad:")
    for node in backward_order(C):
        passes = ", ".join(f"{inp.label} × {local:.4f}" for inp, local in node.inputs) or "nothing (a leaf)"
        lesson.compute(
            f"{node.label:>8} = {node.data:+.4f}  {node.op or 'leaf':>5}, passes on to: {passes}", f"{node.grad:+.6f}"
        )
    sp = a.data * (1 - a.data)
    lesson.compute("∂C/∂w by the formulas of lessons 1-4: (a - y) σ'(z) x", f"{(a.data - 1.0) * sp * 1.5:+.6f}")
    lesson.check(
        "w.grad is (a - y) σ'(z) x, the chain of local derivatives", np.isclose(w.grad, (a.data - 1) * sp * 1.5)
    )
    h = 1e-6
    measured = (neuron(Value(0.8 + h), b)[0].data - neuron(Value(0.8 - h), b)[0].data) / (2 * h)
    lesson.compute("∂C/∂w measured: (C(w + h) - C(w - h)) / 2h", f"{measured:+.6f}")
    lesson.check("w.grad is the measured slope of C", np.isclose(w.grad, measured, atol=1e-9))

    lesson.stage("The [2, 3, 2] network of lessons 2-6, one node per number")
    net = small_network()
    x, y = np.array(SAMPLE_X), np.array(SAMPLE_Y)
    t = net.trace(x, y)  # the matrix side: tinynet's own forward and backward
    n = scalar_network(net, x, y)
    nodes = graph(n.C)
    edges = sum(len(v.inputs) for v in nodes)
    print("Same weights, same sample x = (1, 0.5), y = (1, 0). Each weight W^l_jk is a node, each product")
    print("W^l_jk a^(l-1)_k a node, each z^l_j = Σ_k W^l_jk a^(l-1)_k + b^l_j a Σ node, each a^l_j = σ(z^l_j)")
    print("a node, and C = ½ Σ_j (a^2_j - y_j)² four more kinds. Units are counted from 0: z^2_0 is the first")
    print("unit of layer 2.")
    lesson.compute("nodes, edges, of which parameters (W and b)", f"{len(nodes)}, {edges}, {len(n.parameters)}")
    for l in (1, 2):
        lesson.compute(f"z^{l} from the scalar graph", np.array([v.data for v in n.z[l - 1]]))
        lesson.check(f"it is the trace's z^{l}", np.allclose([v.data for v in n.z[l - 1]], t[l].z[0], rtol=1e-15))
    lesson.compute("C from the scalar graph, and the trace's", f"{n.C.data:.10f}  {t.C:.10f}")
    lesson.check("the scalar graph's cost is tinynet's", np.isclose(n.C.data, t.C, rtol=1e-15))

    lesson.stage("Backward through the scalars: every gradient is an entry of tinynet's matrices")
    n.C.backward()
    grads, want = gradients(n), traced(t)
    for l in (2, 1):
        delta = np.array([v.grad for v in n.z[l - 1]])
        lesson.compute(f"z^{l}_j.grad, j = 0..{len(delta) - 1}", delta)
        lesson.compute(f"δ^{l} from net.trace", t[l].delta[0])
        lesson.check(f"every z^{l}_j.grad is δ^{l}_j", np.allclose(delta, t[l].delta[0], rtol=1e-12, atol=1e-15))
        lesson.compute(f"W^{l}_jk.grad, as a matrix", grads[f"W{l}"])
        lesson.check(
            f"every W^{l}_jk.grad is the entry (j, k) of ∂C/∂W^{l} = δ^{l} (a^{l - 1})ᵀ",
            np.allclose(grads[f"W{l}"], want[f"W{l}"], rtol=1e-12, atol=1e-15),
        )
        lesson.check(
            f"every b^{l}_j.grad is entry j of ∂C/∂b^{l} = δ^{l}",
            np.allclose(grads[f"b{l}"], want[f"b{l}"], rtol=1e-12, atol=1e-15),
        )
    largest = max(float(np.abs(grads[k] - want[k]).max()) for k in want)
    lesson.compute("the largest difference between a scalar gradient and its matrix entry", f"{largest:.1e}")
    print("The two agree to the last bits of float64: the same products and sums, in another order.")

    lesson.stage("(a) A node used several times sums what comes back along its out-edges")
    print("a^1_k feeds the product W^2_jk a^1_k of EVERY unit j of layer 2 (lesson 5's many paths). Going")
    print("back, each of those users passes it its own share, user.grad × ∂(W^2_jk a^1_k)/∂a^1_k =")
    print("δ^2_j W^2_jk (a Σ node passes its gradient on unchanged, so user.grad = δ^2_j). They add up.")
    for k, ak in enumerate(n.a[0]):
        shares = []
        for user, local in users(ak, nodes):
            shares.append(user.grad * local)
            lesson.compute(f"share from {user.label}: {user.grad:+.5f} × {local:+.1f}", f"{shares[-1]:+.6f}")
        j_of = range(len(shares))
        lesson.check(f"{ak.label} has one out-edge per unit of layer 2", len(shares) == t[2].W.shape[0])
        lesson.check(
            "each share is W^2_jk δ^2_j, read from the trace",
            np.allclose(shares, [t[2].W[j, k] * t[2].delta[0, j] for j in j_of], rtol=1e-12),
        )
        lesson.compute(f"∂C/∂a^1_{k} = {ak.label}.grad", f"{ak.grad:+.6f}   sum of the shares {sum(shares):+.6f}")
        lesson.check(f"{ak.label}.grad is the SUM of its shares", np.isclose(ak.grad, sum(shares), rtol=1e-12))
        lesson.check("... and no share alone", all(not np.isclose(ak.grad, s, rtol=1e-3) for s in shares))

    lesson.stage("(b) BP2's (W^(l+1))ᵀ δ^(l+1) is that sum, written for a whole layer")
    print("Entry k of (W^2)ᵀ δ^2 is Σ_j W^2_jk δ^2_j: column k of W^2 holds the weights on a^1_k's out-edges.")
    grad_a1 = np.array([v.grad for v in n.a[0]])
    lesson.compute("a^1_k.grad, k = 0..2", grad_a1)
    back = lesson.compute("(W^2)ᵀ δ^2, with W^2 and δ^2 from the trace", t[2].W.T @ t[2].delta[0])
    lesson.check("the three sums over out-edges are (W^2)ᵀ δ^2", np.allclose(grad_a1, back, rtol=1e-12))
    sigma_local = np.array([a.inputs[0][1] for a in n.a[0]])  # each σ node's one edge, to z^1_k
    lesson.compute("the σ nodes' local derivatives ∂a^1_k/∂z^1_k = σ'(z^1_k)", sigma_local)
    lesson.compute("z^1_k.grad = a^1_k.grad × σ'(z^1_k)", np.array([v.grad for v in n.z[0]]))
    lesson.check(
        "which is BP2: δ^1 = ((W^2)ᵀ δ^2) ⊙ σ'(z^1), the trace's δ^1",
        np.allclose([v.grad for v in n.z[0]], back * sigma_local, rtol=1e-12)
        and np.allclose([v.grad for v in n.z[0]], t[1].delta[0], rtol=1e-12),
    )
    grad_x = np.array([v.grad for v in n.x])
    lesson.compute("one layer further down: x_k.grad, each the sum over x_k's 3 out-edges", grad_x)
    lesson.check("x.grad is (W^1)ᵀ δ^1", np.allclose(grad_x, t[1].W.T @ t[1].delta[0], rtol=1e-12))
    print("A matrix product adds the shares of all out-edges of all units at once: one (W^(l+1))ᵀ δ^(l+1) per layer.")

    lesson.stage("(c) The order matters: a node passes its gradient on only when it is complete")
    print("backward_order puts every node after all the nodes that use it (a reverse topological order).")
    print("Other orders, each run after zero_grad, against the trace's gradients:")
    orders = {
        "backward_order (reverse topological)": backward_order(n.C),
        "the order the nodes were made, reversed": sorted(nodes, key=lambda v: v.serial, reverse=True),
        "the order the nodes were made": sorted(nodes, key=lambda v: v.serial),
        "depth first, each node passed on when first met": depth_first(n.C),
    }
    errors, got = {}, {}
    for name, order in orders.items():
        zero_grad(nodes)
        n.C.backward(order=order)
        got[name] = gradients(n)
        errors[name] = {k: float(np.abs(got[name][k] - want[k]).max() / np.abs(want[k]).max()) for k in want}
        by_block = "  ".join(f"{k} {e:.2f}" for k, e in errors[name].items())
        lesson.compute(f"{name}: largest error / largest gradient, per block", by_block)
    right, tape, made, dfs = errors.values()
    wrong_W1 = got["depth first, each node passed on when first met"]["W1"]
    lesson.check("backward_order gives the trace's gradients", max(right.values()) < 1e-12)
    lesson.check(
        "so does the creation order reversed: a node is always made after its inputs (a tape read backwards)",
        max(tape.values()) < 1e-12,
    )
    lesson.check(
        "the creation order passes on zeros: every node goes before its users, and every parameter gradient is 0",
        all(not g.any() for g in got["the order the nodes were made"].values()),
    )
    lesson.check("depth first gets layer 2 right", dfs["W2"] < 1e-12 and dfs["b2"] < 1e-12)
    lesson.check("... and layer 1 wrong, by over 50%", dfs["W1"] > 0.5 and dfs["b1"] > 0.5)
    lesson.compute("depth first's ∂C/∂W^1 / the trace's", wrong_W1 / want["W1"])
    print("Depth first walks C → ... → z^2_0 → W^2_00 a^1_0 → a^1_0 and passes a^1_0 on at once, with only")
    print("the share from unit 0 of layer 2; unit 1's share arrives later and stops at a^1_0. Each row of")
    print("∂C/∂W^1 is off by its own factor: the share it missed, relative to the whole.")

    lesson.stage("(d) Gradients add up: zero them between two backward passes")
    print("A Value's grad is ADDED to (+=), which a node used several times needs. Training keeps the")
    print("parameter Values and makes fresh nodes for everything else at each forward pass:")
    first = scalar_network(net, x, y)
    first.C.backward()
    once = gradients(first)
    second = scalar_network(net, x, y, params=first)  # the same W and b Values, fresh z, a, C
    second.C.backward()  # without zero_grad
    twice = gradients(second)
    lesson.compute("∂C/∂W^2 after a second pass without zero_grad, / after one", twice["W2"] / once["W2"])
    lesson.check(
        "every one of the 17 parameter gradients is exactly doubled",
        all(np.array_equal(twice[k], 2 * once[k]) for k in once) and len(second.parameters) == 17,
    )
    lesson.check(
        "while the fresh nodes' gradients, δ^l, are right",
        all(np.allclose([v.grad for v in second.z[l - 1]], t[l].delta[0], rtol=1e-12) for l in (1, 2)),
    )
    zero_grad(second.parameters)
    third = scalar_network(net, x, y, params=first)
    third.C.backward()
    lesson.check("zero_grad first, and a pass gives the gradients again", worst(gradients(third), want) < 1e-12)
    print("Adding is what a batch wants: two samples' passes, without zero_grad between them, give the batch's")
    print("gradient, the sum over its samples (lesson 6):")
    X, Y = np.array([x, [-1.0, 2.0]]), np.array([y, [0.0, 1.0]])
    zero_grad(first.parameters)
    for xi, yi in zip(X, Y):
        scalar_network(net, xi, yi, params=first).C.backward()
    nabla_w, nabla_b = net.backprop(X, Y)  # tinynet, the batch as one matrix
    summed = gradients(first)
    lesson.compute("∂C/∂W^1 of the two passes added", summed["W1"])
    lesson.compute("nabla_w^1 of net.backprop(X, Y), the batch of both", nabla_w[0])
    lesson.check(
        "the accumulated gradients are tinynet's batch gradient",
        all(
            np.allclose(summed[f"W{l}"], nabla_w[l - 1]) and np.allclose(summed[f"b{l}"], nabla_b[l - 1])
            for l in (1, 2)
        ),
    )
    print("Backward a second time on the SAME graph, without zero_grad, is worse: the inner nodes still hold")
    print("their gradients too, each adds its users' inflated shares to its own, and the factor grows node by node:")
    zero_grad(nodes)
    n.C.backward()
    n.C.backward()
    same_twice = gradients(n)
    factors = {k: np.unique(np.round(g / want[k], 9)) for k, g in same_twice.items()}
    lesson.compute("gradient / right gradient, per block", "  ".join(f"{k} {f[0]:g}x" for k, f in factors.items()))
    lesson.check(
        "every block is off by a whole factor above 2 (depth + 1 from C: 7 for b^2, 8 for W^2, 10 for b^1, 11 for W^1)",
        {k: f.tolist() for k, f in factors.items()} == {"W1": [11.0], "b1": [10.0], "W2": [8.0], "b2": [7.0]},
    )
    first_pass = net.backprop(x, y)
    lesson.check(
        "tinynet's backprop has nothing to zero: each call returns new arrays, the same twice",
        all(
            np.array_equal(p, q)
            for p, q in zip(first_pass[0] + first_pass[1], net.backprop(x, y)[0] + net.backprop(x, y)[1])
        ),
    )
    zero_grad(nodes)
    n.C.backward()

    lesson.stage("From scalars to matrices")
    print("The scalar graph and tinynet's backward compute the same numbers. The matrices group them:")
    print("  one node z^l_j per unit           -> δ^l, a vector per layer")
    print("  one edge share W^(l+1)_jk δ^(l+1)_j -> summed over j by the product (W^(l+1))ᵀ δ^(l+1)")
    print("  one node σ per unit                -> ⊙ σ'(z^l)")
    print("  W^l_jk.grad = a^(l-1)_k × (the product node's grad) -> the outer product δ^l (a^(l-1))ᵀ")
    print("  backward_order                     -> the loop over the layers from L down to 1")
    print("  grad += and zero_grad              -> nabla_w = delta.T @ a, assigned afresh, a batch summed by @")
    print("What the grouping buys: the gradient of [784, 20, 10] on one digit-sized input, both ways.")
    big = NeuralNetwork([784, 20, 10], seed=0)
    rng = np.random.default_rng(0)
    xb, yb = rng.random(784), np.eye(10)[3]
    start = time.perf_counter()
    nb = scalar_network(big, xb, yb)
    nb.C.backward()
    scalar_time = time.perf_counter() - start
    matrix_time = min(timed(lambda: big.backprop(xb, yb)) for _ in range(20))
    lesson.compute("nodes of its scalar graph, and its parameters", f"{len(graph(nb.C)):,}  {big.param_count:,}")
    lesson.compute(
        "scalar graph (build + backward), then net.backprop: measured now, on this machine",
        f"{scalar_time * 1e3:.0f} ms  {matrix_time * 1e3:.3f} ms  ({scalar_time / matrix_time:,.0f}x)",
    )
    nabla_w, nabla_b = big.backprop(xb, yb)
    scalar_grads = gradients(nb)
    lesson.check(
        f"the {big.param_count:,} scalar gradients are net.backprop's",
        all(np.allclose(scalar_grads[f"W{l}"], nabla_w[l - 1], rtol=1e-9, atol=1e-15) for l in (1, 2))
        and all(np.allclose(scalar_grads[f"b{l}"], nabla_b[l - 1], rtol=1e-9, atol=1e-15) for l in (1, 2)),
    )
    lesson.check("the scalar graph is over 100x slower", scalar_time > 100 * matrix_time)
    print("Each node is a Python object, visited one at a time; a matrix product does a whole layer's shares in")
    print(
        "one call of compiled code. The arithmetic is the same: the scalars are for reading, the matrices for running."
    )

    draw_ratios(
        lesson,
        want,
        {
            "backward_order": grads,
            "depth first, passed on when first met": got["depth first, each node passed on when first met"],
            "a second pass, fresh nodes, no zero_grad": twice,
            "backward twice on the same graph": same_twice,
        },
    )
    return lesson.done()


def draw_ratios(lesson, want, runs):
    """Each run's 17 parameter gradients divided by tinynet's (log scale): 1 where they are right."""
    plt = pyplot()
    keys = ["W2", "b2", "W1", "b1"]
    sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    names = [
        f"{k[0]}{k[1].translate(sup)}{''.join(str(i) for i in index).translate(sub)}"
        for k in keys
        for index in np.ndindex(want[k].shape)
    ]
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    ax.axhline(1, color="#bbb", lw=1, zorder=0)
    ax.axvline(7.5, color="#ddd", lw=1, zorder=0)
    styles = [dict(marker="o", s=70, facecolors="none", edgecolors="k"), dict(marker="x", color="#d62728")]
    styles += [dict(marker="^", color="#1f77b4", s=25), dict(marker="s", color="#9467bd", s=20)]
    for (label, got), style in zip(runs.items(), styles):
        ratios = np.concatenate([(got[k] / want[k]).ravel() for k in keys])
        ax.scatter(range(len(ratios)), ratios, label=label, **style)
    ax.set_yscale("log")
    ax.set_yticks([0.25, 0.5, 1, 2, 4, 8, 16], ["¼", "½", "1", "2", "4", "8", "16"])
    ax.minorticks_off()
    ax.set_xticks(range(len(names)), names, fontsize=8, rotation=90)
    ax.set(ylabel="scalar gradient / tinynet's", title="The 17 parameter gradients against net.trace's, four ways")
    ax.text(3.5, 14, "layer 2", ha="center", fontsize=8, color="#666")
    ax.text(12, 14, "layer 1", ha="center", fontsize=8, color="#666")
    ax.set_ylim(0.2, 25)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    lesson.figure(fig, "gradients")


if __name__ == "__main__":
    raise SystemExit(main())
