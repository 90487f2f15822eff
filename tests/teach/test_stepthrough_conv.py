"""The step-through of any ConvNet (conv_data): every number a fresh trace's, and says where it comes from."""

import json

import numpy as np
import pytest
from stepthrough_checks import check_code_lines, check_fresh, check_why
from test_stepthrough_data import STEPS

from tinynet.conv.net import ConvNet
from tinynet.teach.stepthrough.conv import conv_data, convnet_example


def sample(net, label=1, seed=0):
    """A random image in [0, 1) for ``net`` and the one-hot target ``label``."""
    return np.random.default_rng(seed).random(net.inputs), np.eye(net.outputs)[label]


def build(layers, input_shape, cost="cross_entropy", seed=0):
    net = ConvNet(layers, input_shape=input_shape, cost=cost, seed=seed)
    return (net, *sample(net, seed=seed))


MNIST = ["conv2d 4 3 relu", "maxpool2d 2", "conv2d 3 3 tanh", "flatten", "dense 10 softmax"]
NETS = {
    "example": convnet_example,
    "mnist-size": lambda: build(MNIST, (1, 28, 28)),
    "two channels": lambda: build(["conv2d 3 3 relu", "maxpool2d 2", "flatten", "dense 4 softmax"], (2, 8, 8), seed=1),
    "sigmoid, quadratic": lambda: build(
        ["conv2d 2 2 elu", "maxpool2d 3", "flatten", "dense 3 sigmoid"], (1, 8, 7), cost="quadratic", seed=2
    ),
    "two dense layers": lambda: build(["conv2d 2 3 sigmoid", "flatten", "dense 5 relu", "dense 3 softmax"], (1, 6, 6)),
    "pool first, identity conv, wide dense": lambda: build(
        ["maxpool2d 2", "conv2d 2 2", "maxpool2d 2", "flatten", "dense 20 tanh", "dense 2 softmax"], (1, 9, 9), seed=3
    ),
}


@pytest.fixture(scope="module", params=sorted(NETS))
def case(request):
    net, x, y = NETS[request.param]()
    return net, x, y, conv_data(net, x, y)


def test_the_docs_example_has_its_steps():
    data = conv_data()
    assert [s["id"] for s in data["steps"]] == STEPS["convnet"]
    assert data["name"] == "convnet" and data["kind"] == "conv"
    net, x, y = convnet_example()
    assert data == conv_data(net, x, y, title=data["title"])


def test_every_number_is_a_fresh_traces(case):
    net, x, y, data = case
    check_fresh(net, x, y, data)


def test_every_number_says_where_it_comes_from(case):
    *_, data = case
    assert check_why(data) == sum(len(p["values"]) for s in data["steps"] for p in s["parts"])


def test_the_steps_are_unique_and_cover_every_layer(case):
    net, _, _, data = case
    ids = [s["id"] for s in data["steps"]]
    assert len(set(ids)) == len(ids)
    L = len(net.layers)
    assert ids[0] == "input" and f"z{L}" in ids and "cost" in ids and f"delta{L}" in ids
    for l in range(1, L + 1):
        assert f"z{l}" in ids
        assert (f"a{l}" in ids) == (net.activations[l - 1].name != "identity")
        if l > 1:
            assert f"delta{l - 1}" in ids
        for key, sid in (("K", "dK"), ("W", "dW")):
            if key in net.trace(*case[1:3])[l].params:
                assert f"{sid}{l}" in ids and f"db{l}" in ids
    pools = [l for l in range(2, L + 1) if net.layers[l - 1].kind == "maxpool2d"]
    assert [i for i in ids if i.startswith("pool_back")] == [
        "pool_back" if l == pools[0] else f"pool_back{l}" for l in reversed(pools)
    ]


def test_code_lines_are_tinynets_own(case):
    check_code_lines(case[-1])


def test_the_drawing_fits_and_every_target_is_drawn(case):
    *_, data = case
    scene = data["scene"]
    assert scene["width"] <= 1250 and scene["height"] <= 750
    drawn = {m["id"]: m for m in scene["maps"]}
    units = {u["id"] for u in scene["units"]}
    for m in scene["maps"]:
        assert m["x"] + m["cols"] * m["cell"] <= scene["width"] + 1
        assert m["y"] + m["rows"] * m.get("cellh", m["cell"]) <= scene["height"] + 1
    for s in data["steps"]:
        for p in s["parts"]:
            target = p["target"]
            if target["type"] in ("maps", "mask"):
                assert sum(drawn[i]["rows"] * drawn[i]["cols"] for i in target["ids"]) == len(p["values"]), p["name"]
            elif target["type"] == "units":
                assert set(target["ids"]) <= units and len(target["ids"]) == len(p["values"])
        for m, cells in s["highlight"].get("cells", {}).items():
            assert all(0 <= k < drawn[m]["rows"] * drawn[m]["cols"] for k in cells), (s["id"], m)


def test_an_mnist_size_net_stays_small():
    net, x, y = NETS["mnist-size"]()
    data = conv_data(net, x, y)
    assert len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()) < 3_000_000
    assert len(json.dumps(data)) < 3_000_000
    drawn = {m["id"]: m for m in data["scene"]["maps"]}

    def large(target):  # a layer's strip, or its maps of more than 300 cells each
        ids = [drawn[i] for i in target.get("ids", []) if i.startswith("m")] if target["type"] == "maps" else []
        return ids and (ids[0]["cols"] == 1 and ids[0]["rows"] > 16 or ids[0]["rows"] * ids[0]["cols"] > 300)

    wide = [p for s in data["steps"] for p in s["parts"] if large(p["target"])]
    assert len(wide) > 5 and all(p.get("labels") for p in wide)
