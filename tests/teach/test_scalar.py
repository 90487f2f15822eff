"""tinynet.teach.scalar (a Value and its gradient), the scalar graph of lesson 19, and that lesson's helpers.

Every operation's gradient is checked against a central difference of the same operation, (f(u + h) - f(u - h)) / 2h,
as ``tinynet.gradcheck`` measures a network's; the scalar network's gradients against ``network.trace``. All quick.
"""

import importlib
import json
import math

import numpy as np
import pytest
from conftest import ROOT

from tinynet import NeuralNetwork
from tinynet.cli import main as tinynet
from tinynet.teach.lessonkit import SAMPLE_X, SAMPLE_Y, lessons, small_network
from tinynet.teach.scalar import Value, backward_order, graph, total, zero_grad
from tinynet.teach.scalargraph import graph_data, layout, main, scalar_network, write_graph
from tinynet.teach.stepthrough.format import fmt

lesson19 = importlib.import_module("tinynet.lessons.lesson19_scalars_to_matrices")  # lessons/, installed
H = 1e-6


def slopes(f, *args):
    """Each argument's gradient from backward, and its central difference: [(grad, measured), ...]."""
    values = [Value(a) for a in args]
    out = f(*values)
    out.backward()
    pairs = []
    for i, v in enumerate(values):
        up = [Value(a + (H if j == i else 0.0)) for j, a in enumerate(args)]
        down = [Value(a - (H if j == i else 0.0)) for j, a in enumerate(args)]
        pairs.append((v.grad, (f(*up).data - f(*down).data) / (2 * H)))
    return pairs


OPERATIONS = {
    "u + v": (lambda u, v: u + v, (0.7, -1.3)),
    "u - v": (lambda u, v: u - v, (0.7, -1.3)),
    "u * v": (lambda u, v: u * v, (0.7, -1.3)),
    "u / v": (lambda u, v: u / v, (0.7, -1.3)),
    "-u": (lambda u: -u, (0.7,)),
    "u ** 3": (lambda u: u**3, (0.7,)),
    "u ** -0.5": (lambda u: u**-0.5, (1.7,)),
    "exp": (lambda u: u.exp(), (0.4,)),
    "log": (lambda u: u.log(), (2.5,)),
    "tanh": (lambda u: u.tanh(), (0.4,)),
    "sigmoid": (lambda u: u.sigmoid(), (-0.9,)),
    "constants": (lambda u: 2.0 + u * 3.0 - 1.5 / u + (4.0 - u) / 2.0 + 1.0 * u, (0.8,)),
    "total": (lambda u, v, w: total([u, v, w, 2.0]), (0.1, 0.2, 0.3)),
    "composite": (lambda u, v: (u * v + (u.exp() / v)).tanh() - (u * u).log() * v.sigmoid(), (0.6, 1.4)),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_each_operation_against_a_central_difference(name):
    f, args = OPERATIONS[name]
    for grad, measured in slopes(f, *args):
        assert grad == pytest.approx(measured, rel=1e-7, abs=1e-9), name


def test_local_derivatives_are_the_equations():
    u, v = Value(0.7), Value(-1.3)
    assert [d for _, d in (u * v).inputs] == [-1.3, 0.7]
    assert [d for _, d in (u / v).inputs] == pytest.approx([1 / -1.3, -0.7 / 1.3**2])
    s = u.sigmoid()
    assert s.inputs[0][1] == pytest.approx(s.data * (1 - s.data))
    assert (u.tanh()).inputs[0][1] == pytest.approx(1 - math.tanh(0.7) ** 2)
    assert (u**3).inputs[0][1] == pytest.approx(3 * 0.7**2)


def test_a_constant_makes_no_node_and_gets_no_gradient():
    u = Value(2.0)
    for out in (u + 1.0, 1.0 + u, u - 1.0, 1.0 - u, u * 3.0, 3.0 * u, u / 4.0, 4.0 / u, u**2):
        assert len(out.inputs) == 1 and out.inputs[0][0] is u
    assert (u * 3.0).op == "× 3" and (u - 1.0).op == "− 1"


def test_a_node_used_twice_gets_both_shares():
    u = Value(1.5)
    (u * u).backward()
    assert u.grad == 3.0  # 2u: u and u, one share per edge
    v = Value(0.3)
    (v + v + v).backward()
    assert v.grad == 3.0


def test_backward_order_puts_each_node_after_all_its_users():
    u, v = Value(0.5), Value(-0.2)
    a = u * v
    b = a + u
    c = (a * b).sigmoid() + b.tanh()
    order = backward_order(c)
    assert order[0] is c and sorted(order, key=id) == sorted(graph(c), key=id) and len(set(order)) == len(order)
    at = {node: i for i, node in enumerate(order)}
    for node in order:
        for inp, _ in node.inputs:
            assert at[inp] > at[node]
    assert graph(c) == sorted(graph(c), key=lambda n: n.serial) and graph(c)[-1] is c


def test_backward_adds_and_zero_grad_resets():
    w = Value(0.8)
    for _ in range(2):
        (w * 1.5).sigmoid().backward()  # a fresh graph each time, the same leaf w
    once = Value(0.8)
    (once * 1.5).sigmoid().backward()
    assert w.grad == 2 * once.grad
    zero_grad([w])
    assert w.grad == 0.0


# --- the [2, 3, 2] network as scalars -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pass_of_small_network():
    net = small_network()
    n = scalar_network(net, SAMPLE_X, SAMPLE_Y)
    n.C.backward()
    return net, n, net.trace(SAMPLE_X, SAMPLE_Y)


def test_scalar_network_is_the_trace(pass_of_small_network):
    net, n, t = pass_of_small_network
    assert n.C.data == pytest.approx(t.C, rel=1e-15)
    assert len(n.nodes) == len(graph(n.C)) == 47 and len(n.parameters) == net.param_count == 17
    for l in (1, 2):
        np.testing.assert_allclose([v.data for v in n.z[l - 1]], t[l].z[0], rtol=1e-15)
        np.testing.assert_allclose([v.data for v in n.a[l - 1]], t[l].a[0], rtol=1e-15)
        np.testing.assert_allclose([v.grad for v in n.z[l - 1]], t[l].delta[0], rtol=1e-12, atol=1e-17)
        np.testing.assert_allclose([[w.grad for w in r] for r in n.W[l - 1]], t[l].nabla_w, rtol=1e-12, atol=1e-17)
        np.testing.assert_allclose([v.grad for v in n.b[l - 1]], t[l].nabla_b, rtol=1e-12, atol=1e-17)
    assert n.nodes["z2_0"] is n.z[1][0] and n.nodes["z2_0"].label == "z²₀" and n.nodes["W1_2_1"].label == "W¹₂₁"


def test_scalar_network_reuses_given_parameters():
    net = small_network()
    first = scalar_network(net, SAMPLE_X, SAMPLE_Y)
    second = scalar_network(net, SAMPLE_X, SAMPLE_Y, params=first)
    assert second.parameters == first.parameters and second.z[0][0] is not first.z[0][0]


def test_scalar_network_takes_only_what_it_writes():
    with pytest.raises(ValueError, match="sigmoid"):
        scalar_network(NeuralNetwork([2, 2], "tanh"), [0.0, 1.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="2, 3, 2"):
        layout(scalar_network(NeuralNetwork([2, 2]), [0.0, 1.0], [1.0, 0.0]))


@pytest.fixture(scope="module")
def data():
    return graph_data(small_network(), SAMPLE_X, SAMPLE_Y)


def test_graph_data_steps_through_every_node_in_backward_order(data, pass_of_small_network):
    _, n, _ = pass_of_small_network
    nodes = data["nodes"]
    assert [d["step"] for d in nodes] == list(range(47)) and len({d["id"] for d in nodes}) == 47
    assert [d["id"] for d in nodes] == [{v: k for k, v in n.nodes.items()}[v] for v in backward_order(n.C)]
    at = {d["id"]: d for d in nodes}
    for e in data["edges"]:
        assert at[e["source"]]["step"] > at[e["target"]]["step"] == e["step"]  # passed on by its user, earlier
        assert e["share"] == pytest.approx(at[e["target"]]["grad"] * e["local"], rel=1e-15)
    for d in nodes:
        steps = [s for s, _ in d["grads"]]
        assert steps == sorted(steps) and steps[-1] < d["step"] or d["id"] == "C"
        assert d["grads"][-1][1] == pytest.approx(d["grad"], rel=1e-15)  # complete at its own step
        assert d["grad"] == pytest.approx(n.nodes[d["id"]].grad, rel=1e-15)
        users = [e["share"] for e in data["edges"] if e["source"] == d["id"]]
        if users:
            assert sum(users) == pytest.approx(d["grad"], rel=1e-12)  # the shares of its out-edges, added
        assert fmt(d["grad"]) in d["text"] and d["label"] in d["text"]
    assert "-0.0654 − 0.0267 = -0.0921: it feeds 2 nodes" in at["a1_0"]["text"]


def test_each_node_says_where_its_number_comes_from(data, pass_of_small_network):
    """Its operation on its inputs' values, ending in its own value; its inputs by id; tinynet's lines."""
    _, n, _ = pass_of_small_network
    at = {d["id"]: d for d in data["nodes"]}
    for d in data["nodes"]:
        v = n.nodes[d["id"]]
        assert d["ops"] == [{u: k for k, u in n.nodes.items()}[u] for u, _ in v.inputs]
        assert d["eq"].startswith(d["label"] + " ") and d["eq"].endswith(f" = {fmt(v.data)}"), d["eq"]
        for op in d["ops"]:
            assert fmt(at[op]["value"]) in d["eq"], (d["id"], op)
        assert d["code"][-1]["text"] == "node.grad += self.grad * local"
        assert len(d["code"]) == (2 if v.inputs else 1)
        for line in d["code"]:
            source = (ROOT / line["file"]).read_text(encoding="utf-8").splitlines()
            assert source[line["line"] - 1].strip() == line["text"]
    assert at["a1_0"]["eq"] == f"a¹₀ = σ(z¹₀) = σ({fmt(n.nodes['z1_0'].data)}) = {fmt(n.nodes['a1_0'].data)}"
    assert "σ" in at["a1_0"]["code"][0]["text"] and at["a1_0"]["code"][0]["where"] == "Value.sigmoid"
    assert at["q_0"]["eq"].startswith("(a²₀−y₀)² = (a²₀−y₀)² = (")
    assert at["W1_0_0"]["eq"] == f"W¹₀₀ (a parameter of the network) = {fmt(n.nodes['W1_0_0'].data)}"


def test_graph_data_matrices_are_the_trace_and_tie_each_entry_to_its_node(data, pass_of_small_network):
    _, _, t = pass_of_small_network
    mats = {m["id"]: m for m in data["matrices"]}
    for l in (1, 2):
        np.testing.assert_array_equal(mats[f"delta{l}"]["values"], t[l].delta[0])
        np.testing.assert_array_equal(mats[f"nabla_w{l}"]["values"], t[l].nabla_w.ravel())
        np.testing.assert_array_equal(mats[f"nabla_b{l}"]["values"], t[l].nabla_b)
        np.testing.assert_allclose(mats[f"back{l}"]["values"], t[l].W.T @ t[l].delta[0], rtol=1e-15)
    at = {d["id"]: d for d in data["nodes"]}
    tied = 0
    for m in data["matrices"]:
        assert len(m["values"]) == len(m["nodes"]) == len(m["labels"]) == int(np.prod(m["shape"]))
        for k, (node, value) in enumerate(zip(m["nodes"], m["values"])):
            assert at[node]["entry"] == [m["id"], k]
            assert at[node]["grad"] == pytest.approx(value, rel=1e-12, abs=1e-17)
            tied += 1
    assert tied == 5 + 17 + 3 + 2  # every δ, W, b, and the sums (W^l)ᵀ δ^l
    assert mats["nabla_w2"]["labels"][1] == "∂C/∂W²₀₁" and mats["delta1"]["labels"][2] == "δ¹₂"


def test_the_drawing_fits_and_no_two_boxes_overlap(data):
    w, h = data["box"]
    boxes = [(d["x"], d["y"]) for d in data["nodes"]]
    for x, y in boxes:
        assert 0 <= x and x + w <= data["width"] and 0 <= y and y + h <= data["height"]
    for i, (x1, y1) in enumerate(boxes):
        for x2, y2 in boxes[i + 1 :]:
            assert abs(x1 - x2) >= w or abs(y1 - y2) >= h


def test_write_graph_writes_the_json_and_its_script_once(tmp_path, data):
    path = write_graph(tmp_path)
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(json.dumps(data))
    script = (tmp_path / "lesson19.json.js").read_text(encoding="utf-8")
    assert script.startswith("(window.TINYNET_SCALARGRAPH") and '["lesson19.json"]' in script
    before = path.stat().st_mtime_ns
    assert main([str(tmp_path)]) == 0
    assert path.stat().st_mtime_ns == before  # unchanged content: not rewritten


# --- lesson 19's own helpers ------------------------------------------------------------------------------------


def test_lesson_19_is_listed(capsys):
    title = "Backprop from scalars to matrices: the [2, 3, 2] network as a graph of single numbers."
    assert lessons()[19] == (lesson19.__name__, title)
    assert tinynet(["lesson", "--list"]) == 0
    assert f"19  {title}" in capsys.readouterr().out


def test_depth_first_passes_a_node_on_before_all_its_users(pass_of_small_network):
    net, n, t = pass_of_small_network
    order = lesson19.depth_first(n.C)
    assert order[0] is n.C and len(order) == len(set(order)) == 47
    at = {node: i for i, node in enumerate(order)}
    a10 = n.nodes["a1_0"]
    assert [at[u] < at[a10] for u, _ in lesson19.users(a10, order)] == [True, False]  # one user comes after it
    zero_grad(order)
    n.C.backward(order=order)
    got, want = lesson19.gradients(n), lesson19.traced(t)
    assert lesson19.worst({k: got[k] for k in ("W2", "b2")}, {k: want[k] for k in ("W2", "b2")}) < 1e-12
    assert lesson19.worst(got, want) > 0.5
    zero_grad(order)
    n.C.backward()
    assert lesson19.worst(lesson19.gradients(n), want) < 1e-12


def test_users_are_the_out_edges(pass_of_small_network):
    _, n, _ = pass_of_small_network
    nodes = graph(n.C)
    assert [(u.label, d) for u, d in lesson19.users(n.nodes["a1_2"], nodes)] == [("W²₀₂a¹₂", 0.3), ("W²₁₂a¹₂", 0.1)]
    assert lesson19.users(n.C, nodes) == []
