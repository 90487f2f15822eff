"""The step-through of any ResNet or antisymmetric network (stable_data): every number a fresh trace's, and says
where it comes from."""

import numpy as np
import pytest
from conftest import ROOT, check_why
from test_stepthrough_data import STEPS, fresh, squeeze

import tinynet
from tinynet.stable.schemes import Antisymmetric, Hamiltonian, Leapfrog, ResNet
from tinynet.teach.stepthrough.stable import resnet_example, stable_data


def sample(net, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, net.inputs), np.eye(net.classes)[1]


NETS = {
    "example": resnet_example,
    "resnet 3x5, 3 classes": lambda: (ResNet(3, 3, width=3, layers=5, h=0.3, seed=1), *sample(ResNet(3, 3))),
    "antisymmetric": lambda: (Antisymmetric(2, 3, width=4, layers=3, gamma=0.1, seed=2), *sample(ResNet(2, 3))),
    "opening": lambda: (
        ResNet(6, 3, width=4, layers=2, activation="relu", opening=True, seed=3),
        *sample(ResNet(6, 3)),
    ),
    "width 20 (strips)": lambda: (ResNet(5, 4, width=20, layers=3, seed=4), *sample(ResNet(5, 4))),
    "antisymmetric, opening, width 20": lambda: (
        Antisymmetric(30, 10, width=20, layers=2, opening=True, seed=5),
        *sample(ResNet(30, 10)),
    ),
}


@pytest.fixture(scope="module", params=sorted(NETS))
def case(request):
    net, x, y = NETS[request.param]()
    return net, x, y, stable_data(net, x, y)


def test_the_docs_example_has_its_steps():
    data = stable_data()
    assert [s["id"] for s in data["steps"]] == STEPS["resnet"]
    assert data["name"] == "resnet" and data["kind"] == "stable"
    net, x, y = resnet_example()
    assert data == stable_data(net, x, y, title=data["title"])


def test_every_number_is_a_fresh_traces(case):
    net, x, y, data = case
    assert data["C"] == pytest.approx(net.trace(x, y).C, rel=1e-12)
    for s in data["steps"]:
        for p in s["parts"]:
            np.testing.assert_allclose(
                np.reshape(p["values"], p["shape"]),
                squeeze(fresh(net, x, y, p["source"]), p),
                rtol=1e-10,
                atol=1e-12,
                err_msg=f"{s['id']} {p['name']}",
            )


def test_every_number_says_where_it_comes_from(case):
    *_, data = case
    assert check_why(data) >= sum(len(p["values"]) for s in data["steps"] for p in s["parts"])


def test_step_ids_are_unique_and_every_step_is_complete(case):
    *_, data = case
    ids = [s["id"] for s in data["steps"]]
    assert len(set(ids)) == len(ids)
    assert {s["phase"] for s in data["steps"]} == {"input", "forward", "cost", "backward"}
    for s in data["steps"]:
        assert s["tex"] and s["code"] and s["parts"], s["id"]


def test_code_lines_are_tinynets_own(case):
    *_, data = case
    for s in data["steps"]:
        for line in s["code"]:
            source = (ROOT / line["file"]).read_text(encoding="utf-8").splitlines()
            assert source[line["line"] - 1].strip() == line["text"], (s["id"], line)


def test_the_drawing_fits_and_wide_layers_are_strips(case):
    net, _, _, data = case
    scene = data["scene"]
    assert scene["width"] <= 1200 and scene["height"] <= 700
    assert bool(scene["maps"]) == (net.n > 16 or net.inputs > 16)
    for s in data["steps"]:
        for p in s["parts"]:
            if p["target"]["type"] == "maps":
                assert p.get("labels"), (s["id"], p["name"])
    ends = {u["id"] for u in scene["units"]}
    assert all(e["from"] in ends and e["to"] in ends for e in scene["edges"])


def test_the_opening_layer_is_drawn():
    net, x, y = NETS["opening"]()
    ids = [s["id"] for s in stable_data(net, x, y)["steps"]]
    assert ids[1:3] == ["z_in", "a_in"] and ids[-3:] == ["delta_in", "dK_in", "db_in"]


def test_a_saved_and_loaded_model_draws_the_same(tmp_path):
    for key in ("antisymmetric", "opening"):
        net, x, y = NETS[key]()
        tinynet.save(net, tmp_path / "net.npz")
        assert stable_data(tinynet.load(tmp_path / "net.npz"), x, y) == stable_data(net, x, y)


@pytest.mark.parametrize(
    "net, what",
    [
        (Hamiltonian(2, 2, layers=2, seed=0), "hamiltonian scheme"),
        (Leapfrog(2, 2, layers=2, seed=0), "leapfrog scheme"),
        (ResNet(2, 2, layers=2, alpha_f=0.1, seed=0), "regularisation"),
        (ResNet(2, 2, layers=2, alpha_c=0.1, seed=0), "regularisation"),
    ],
)
def test_what_is_not_drawn_is_a_clear_error(net, what):
    with pytest.raises(ValueError, match=f"{what}.*not drawn yet"):
        stable_data(net, [0.1, 0.2], [1.0, 0.0])
