"""The step-through's data (tinynet/teach/stepthrough/): every step present, every number a fresh trace's."""

import json

import numpy as np
import pytest
from stepthrough_checks import check_code_lines, check_fresh, check_why

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
    assert check_fresh(net, x, y, written[name]) >= len(written[name]["steps"])


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
def test_every_number_says_where_it_comes_from(written, name):
    data = written[name]
    assert check_why(data) >= sum(len(p["values"]) for s in data["steps"] for p in s["parts"])


@pytest.mark.parametrize("name", sorted(STEPS))
def test_code_lines_are_tinynets_own(written, name):
    check_code_lines(written[name])


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
