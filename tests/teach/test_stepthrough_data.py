"""The step-through's data (tinynet/teach/stepthrough/): every step present, every number a fresh trace's."""

import json

import numpy as np
import pytest
from conftest import ROOT

from tinynet.teach.lessonkit import SAMPLE_X, SAMPLE_Y, small_network
from tinynet.teach.stepthrough.conv import convnet_example
from tinynet.teach.stepthrough.format import fmt, tex_num
from tinynet.teach.stepthrough.stable import resnet_example
from tinynet.teach.stepthrough.steps import code_line
from tinynet.teach.stepthrough.write import write_all

STEPS = {
    "lesson2": ["input", "z1", "a1", "z2", "a2", "cost", "delta2", "dW2", "db2", "delta1", "dW1", "db1"],
    "convnet": [
        "input",
        "z1",
        "a1",
        "z2",
        "z3",
        "z4",
        "a4",
        "cost",
        "delta4",
        "dW4",
        "db4",
        "delta3",
        "delta2",
        "pool_back",
        "delta1",
        "dK1",
        "db1",
    ],
    "resnet": [
        "input",
        "z1",
        "a1",
        "z2",
        "a2",
        "z3",
        "a3",
        "z4",
        "a4",
        "cost",
        "delta4",
        "dW",
        "dmu",
        "dY3",
        "delta3",
        "dK3",
        "db3",
        "dY2",
        "delta2",
        "dK2",
        "db2",
        "dY1",
        "delta1",
        "dK1",
        "db1",
        "dY0",
    ],
}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stepthrough")
    paths = write_all(folder)
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in paths}


def examples():
    """Each example's network and sample, built afresh (not by the module under test's data)."""
    conv, cx, cy = convnet_example()
    res, rx, ry = resnet_example()
    return {"lesson2": (small_network(), SAMPLE_X, SAMPLE_Y), "convnet": (conv, cx, cy), "resnet": (res, rx, ry)}


def fresh(net, x, y, source):
    """The value ``source`` names, from a fresh ``net.trace`` (and the test's own arithmetic where a trace has none)."""
    t = net.trace(x, y)
    q = source["q"]
    if q == "x":
        return t.x[0]
    if q == "y":
        return t.y[0]
    if q == "C":
        return t.C
    layer = t[source["l"]] if q in ("z", "a", "delta", "grad", "param") else None
    if q in ("z", "a", "delta"):  # a pair's entry k (a Hamiltonian's or leapfrog's state), then the sample
        value = getattr(layer, q)
        return (value[source["k"]] if "k" in source else value)[0]
    if q == "grad":
        return layer.grads[source["key"]]
    if q == "param":
        return layer.params[source["key"]]
    if q == "mask":  # 1 at the first maximum of each pooling block of a^(l-1)
        l, s = source["l"], net.layers[source["l"] - 1].size
        a = t[l - 1].a[0] if l > 1 else t.x[0].reshape(net.input_shape)
        mask = np.zeros_like(a)
        for c, i, j in np.ndindex(a.shape[0], a.shape[1] // s, a.shape[2] // s):
            block = a[c, s * i : s * i + s, s * j : s * j + s]
            u, v = np.unravel_index(np.argmax(block), block.shape)
            mask[c, s * i + u, s * j + v] = 1
        return mask
    if q == "pool_back":  # each block's delta at its arg-max
        mask = fresh(net, x, y, {"q": "mask", "l": source["l"]})
        delta, s = t[source["l"]].delta[0], net.layers[source["l"] - 1].size
        up = np.zeros_like(mask)
        up[:, : delta.shape[1] * s, : delta.shape[2] * s] = delta.repeat(s, axis=1).repeat(s, axis=2)
        return up * mask
    if q == "back":  # ∂C/∂a^(l-1) from a dense layer l (W^T delta) or a convolution (each K[f] times delta, added back)
        layer, delta = t[source["l"]], t[source["l"]].delta[0]
        if "W" in layer.params:
            return layer.params["W"].T @ delta
        K = layer.params["K"]
        k = K.shape[-1]
        g = np.zeros((K.shape[1], delta.shape[1] + k - 1, delta.shape[2] + k - 1))
        for f, i, j in np.ndindex(delta.shape):
            g[:, i : i + k, j : j + k] += K[f] * delta[f, i, j]
        return g
    off = 1 if getattr(net, "opening", False) else 0  # a stable network's opening layer is layer 1
    if q == "Y0":  # x padded with zeros to the width n
        return np.concatenate([t.x[0], np.zeros(net.n - net.inputs)])
    if q == "M":  # the matrix of step j: K_j, or antisymmetric ½(K_j - K_j^T - γI)
        K = t[source["l"]].params["K"]
        return 0.5 * (K - K.T - net.gamma * np.eye(len(K))) if net.kind == "antisymmetric" else K

    def errors(net, t, off):
        """∂C/∂Y_j for j = 0..N (and a Hamiltonian's ∂C/∂Z_(j+½), j = 0..N-1), by the test's own recurrences from a
        trace's deltas and parameters: {"dY": {j: ...}, "dZ": {j: ...}}."""
        N, L = net.N, off + net.N + 1
        dY = {N: t[L].params["W"].T @ t[L].delta[0]}
        dZ, G_Z = {}, np.zeros(net.n)
        for j in range(N - 1, -1, -1):
            layer = t[off + j + 1]
            K = layer.params["K"]
            if (
                net.kind == "hamiltonian"
            ):  # ∂C/∂Z_(j+½) = ∂C/∂Z_(j+3/2) + K^T delta_Y;  ∂C/∂Y_j = ∂C/∂Y_(j+1) + K delta_Z
                dZ[j] = G_Z = G_Z + K.T @ layer.delta[1][0]
                dY[j] = dY[j + 1] + K @ layer.delta[0][0]
            elif net.kind == "leapfrog":  # ∂C/∂Y_j = 2 ∂C/∂Y_(j+1) - ∂C/∂Y_(j+2) + K^T delta (Y_0 is also Y_(-1))
                later = dY[j + 2] if j + 2 <= N else 0
                dY[j] = (1 if j == 0 else 2) * dY[j + 1] - later + K.T @ layer.delta[0]
            else:  # ∂C/∂Y_(j+1) + M_j^T delta_j
                M = 0.5 * (K - K.T - net.gamma * np.eye(len(K))) if net.kind == "antisymmetric" else K
                dY[j] = dY[j + 1] + M.T @ layer.delta[0]
        return {"dY": dY, "dZ": dZ}

    def regularisation(net, t, off):
        """R and ∂R/∂K_j, ∂R/∂b_j, ∂R/∂W by the test's own arithmetic on a trace's parameters ({key: {layer: ...}})."""
        N, L = net.N, off + net.N + 1
        Ks = [t[off + j + 1].params["K"] for j in range(N)]
        bs = [t[off + j + 1].params["b"] for j in range(N)]
        W = t[L].params["W"]
        smooth = sum(((Ks[j + 1] - Ks[j]) ** 2).sum() + ((bs[j + 1] - bs[j]) ** 2).sum() for j in range(N - 1))
        out = {"R": net.alpha_f / (2 * net.h) * smooth + net.alpha_c / 2 * (W**2).sum(), "W": {L: net.alpha_c * W}}
        for key, theta in (("K", Ks), ("b", bs)):
            out[key] = {}
            for j in range(N):
                before = theta[j] - theta[j - 1] if j > 0 else 0
                after = theta[j + 1] - theta[j] if j < N - 1 else 0
                out[key][off + j + 1] = net.alpha_f / net.h * (before - after)
        return out

    if q in ("dY", "dZ"):  # ∂C/∂Y_j (and a Hamiltonian's ∂C/∂Z_(j+½)), from the classifier's W^T delta back
        return errors(net, t, off)[q][source["l"]]
    R = regularisation(net, t, off) if q in ("R", "gradR", "gradE") else None
    if q == "R":
        return R["R"]
    if q == "E":  # the cross-entropy alone: C = E + R
        return -float(t.y[0] @ np.log(t[off + net.N + 1].a[0]))
    if q == "gradR":
        return R[source["key"]][source["l"]]
    if q == "gradE":  # the trace's gradient less the regularisation's share
        return t[source["l"]].grads[source["key"]] - R[source["key"]][source["l"]]
    raise AssertionError(f"unknown source {source}")


def squeeze(value, part):
    """The fresh value in the part's shape (a ConvNet's K^1 of one channel is shown as (F, k, k))."""
    return np.asarray(value, float).reshape(part["shape"])


@pytest.mark.parametrize("name", sorted(STEPS))
def test_every_step_is_there_in_order(written, name):
    data = written[name]
    assert [s["id"] for s in data["steps"]] == STEPS[name]
    assert {s["phase"] for s in data["steps"]} == {"input", "forward", "cost", "backward"}
    for s in data["steps"]:
        assert s["tex"] and s["code"] and s["parts"], s["id"]
        for p in s["parts"]:
            assert len(p["values"]) == int(np.prod(p["shape"])), (s["id"], p["name"])
    texs = [s["tex"] for s in data["steps"]]
    assert len(set(texs)) == len(texs), "each step shows its own equation"


@pytest.mark.parametrize("name", sorted(STEPS))
def test_every_number_is_a_fresh_traces(written, name):
    net, x, y = examples()[name]
    data = written[name]
    assert data["C"] == pytest.approx(net.trace(x, y).C, rel=1e-12)
    count = 0
    for s in data["steps"]:
        for p in s["parts"]:
            np.testing.assert_allclose(
                np.reshape(p["values"], p["shape"]),
                squeeze(fresh(net, x, y, p["source"]), p),
                rtol=1e-10,
                atol=1e-12,
                err_msg=f"{name} {s['id']} {p['name']}",
            )
            count += 1
    assert count >= len(data["steps"])


def test_the_dense_steps_cover_every_layer_quantity(written):
    seen = {
        (p["source"]["q"], p["source"].get("l"), p["source"].get("key"))
        for s in written["lesson2"]["steps"]
        for p in s["parts"]
    }
    for l in (1, 2):
        for q in ("z", "a", "delta"):
            assert (q, l, None) in seen
        assert ("grad", l, "W") in seen and ("grad", l, "b") in seen
    assert ("C", None, None) in seen


@pytest.mark.parametrize("name", sorted(STEPS))
def test_code_lines_are_tinynets_own(written, name):
    for s in written[name]["steps"]:
        for line in s["code"]:
            source = (ROOT / line["file"]).read_text(encoding="utf-8").splitlines()
            assert source[line["line"] - 1].strip() == line["text"], (s["id"], line)


def test_a_code_line_that_is_gone_stops_the_build():
    from tinynet.network import NeuralNetwork

    with pytest.raises(LookupError, match="no line of NeuralNetwork.forward contains"):
        code_line(NeuralNetwork.forward, "this code is not there")


def test_the_equations_show_the_traced_numbers(written):
    t = small_network().trace(SAMPLE_X, SAMPLE_Y)
    steps = {s["id"]: s for s in written["lesson2"]["steps"]}
    for value in t[1].z[0]:
        assert fmt(value) in steps["z1"]["tex"]
    for value in t[2].delta[0]:
        assert fmt(value) in steps["delta2"]["tex"]
    for value in t[1].nabla_w.ravel():
        assert tex_num(value) in steps["dW1"]["tex"]


def test_nudge_costs_come_from_cost_of_and_the_slope_from_backprop(written):
    nudge = written["lesson2"]["nudge"]
    net = small_network()
    nabla_w, nabla_b = net.backprop(SAMPLE_X, SAMPLE_Y)
    assert len(nudge["params"]) == net.param_count == 17
    assert nudge["C"] == pytest.approx(net.cost_of(SAMPLE_X, SAMPLE_Y), rel=1e-12)
    for p in nudge["params"]:
        l, index = p["l"] - 1, tuple(p["index"])
        grad = (nabla_w if p["key"] == "W" else nabla_b)[l][index]
        assert p["grad"] == pytest.approx(grad, rel=1e-12, abs=1e-15)
        (x0, y0), (x1, y1) = p["tangent"]
        assert (y1 - y0) / (x1 - x0) == pytest.approx(grad, rel=1e-9, abs=1e-12)
        for d, c in list(zip(nudge["deltas"], p["costs"]))[::10]:
            moved = net.copy()
            (moved.weights if p["key"] == "W" else moved.biases)[l][index] += d
            assert c == pytest.approx(moved.cost_of(SAMPLE_X, SAMPLE_Y), rel=1e-12)
        zero = nudge["deltas"].index(0.0)
        assert p["costs"][zero] == pytest.approx(nudge["C"], rel=1e-12)
        # near Δw = 0 the measured change agrees with the predicted one to second order
        assert p["measured"][zero + 1] == pytest.approx(p["predicted"][zero + 1], abs=0.01)


def test_write_all_rewrites_only_what_changed(tmp_path):
    paths = write_all(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{n}.json" for n in STEPS] + [f"{n}.json.js" for n in STEPS] + ["stepthrough.css", "stepthrough.js"]
    )
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    write_all(tmp_path)
    assert stamps == {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    script = (tmp_path / "lesson2.json.js").read_text(encoding="utf-8")
    assert script.endswith(paths[0].read_text(encoding="utf-8") + ";\n")


def test_fmt_writes_what_the_page_writes():
    assert fmt(0.59868766) == "0.5987"
    assert fmt(-0.2) == "-0.2000"
    assert fmt(0.0) == "0.0000" and fmt(-0.0) == "0.0000"
    assert fmt(1.234e-5) == "1.23e-5"
